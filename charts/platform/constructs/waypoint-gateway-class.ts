import { Construct } from 'constructs';
import {
  GatewayClass,
  type GatewayClassSpec,
} from '../../../imports/gateway-api-gatewayclasses-gateway.networking.k8s.io';
import { AgentgatewayParameters } from '../../../imports/agentgateway-parameters-agentgateway.dev';
import type { WaypointKind } from '../../config/platform-settings';
import { CENTRAL_GATEWAY, TENANT_OBJECTS } from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import { platformLabels } from '../../lib/labels';

/** agentgateway's controller name: it reconciles every class that names it. */
export const AGENTGATEWAY_CONTROLLER = 'agentgateway.dev/agentgateway';

/**
 * istiod's waypoint controller. istiod deploys an Envoy waypoint (its `waypoint` template) for a
 * Gateway of any class with this controller name, not only `istio-waypoint` (Istio 1.30
 * pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go Reconcile reads the class's
 * controllerName; classinfo.go ClassInfos[istio.io/mesh-controller] = template "waypoint").
 */
export const ISTIO_MESH_CONTROLLER = 'istio.io/mesh-controller';

export interface WaypointGatewayClassProps {
  /** Which implementation runs the tenant waypoints. */
  readonly kind: WaypointKind;
  /** AgentgatewayParameters (in the gateways' namespace) of agentgateway waypoints. */
  readonly parametersName: string;
}

/**
 * The GatewayClass of tenant waypoints, `agentgateway-waypoint`, implemented by the
 * environment's choice:
 * - `istio`: istiod's waypoint controller deploys Istio's Envoy waypoint (supported by the
 *   pinned Istio). Its name contains "waypoint", which istiod's deployment controller requires
 *   to treat the class's pods as waypoints (setLabelOverrides). Placement and resources come from
 *   the istiod values (`gatewayClasses`).
 * - `agentgateway`: agentgateway's controller deploys an agentgateway proxy with the waypoint
 *   parameters; this needs a build whose controller runs the proxy in waypoint mode (v1.4.1 maps
 *   an HBONE listener to gateway mode, controller/pkg/syncer/syncer.go).
 */
export class WaypointGatewayClass extends Construct {
  public readonly resource: GatewayClass;

  constructor(scope: Construct, id: string, props: WaypointGatewayClassProps) {
    super(scope, id);
    const spec: GatewayClassSpec =
      props.kind === 'istio'
        ? {
            controllerName: ISTIO_MESH_CONTROLLER,
            description: 'Per-tenant waypoints: Istio Envoy waypoints (HBONE on 15008).',
          }
        : {
            controllerName: AGENTGATEWAY_CONTROLLER,
            description: 'Per-tenant waypoints: agentgateway in waypoint mode (HBONE on 15008).',
            parametersRef: {
              group: groupOf(AgentgatewayParameters.GVK),
              kind: AgentgatewayParameters.GVK.kind,
              name: props.parametersName,
              namespace: CENTRAL_GATEWAY.namespace,
            },
          };
    this.resource = new GatewayClass(this, 'Resource', {
      metadata: { name: TENANT_OBJECTS.waypointClass, labels: platformLabels('agentgateway') },
      spec,
    });
  }
}
