import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GatewayClass } from '../../../imports/gateway-api-gatewayclasses-gateway.networking.k8s.io';
import { AgentgatewayParameters } from '../../../imports/agentgateway-parameters-agentgateway.dev';
import { CENTRAL_GATEWAY, TENANT_OBJECTS } from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import { platformLabels } from '../../lib/labels';

/** agentgateway's controller name: it reconciles every class that names it. */
export const AGENTGATEWAY_CONTROLLER = 'agentgateway.dev/agentgateway';

export interface WaypointGatewayClassProps {
  /** AgentgatewayParameters (in the central gateway's namespace) for every waypoint. */
  readonly parametersName: string;
}

/**
 * The GatewayClass of tenant waypoints. No upstream release ships it: it is ours, reconciled by
 * agentgateway's controller, with the waypoint parameters (image with HBONE support, Istio CA,
 * pods outside ztunnel's capture) from agentgateway-system.
 */
export class WaypointGatewayClass extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: WaypointGatewayClassProps) {
    super(scope, id);
    this.resource = new ApiObject(this, 'Resource', {
      ...GatewayClass.GVK,
      metadata: { name: TENANT_OBJECTS.waypointClass, labels: platformLabels('agentgateway') },
      spec: {
        controllerName: AGENTGATEWAY_CONTROLLER,
        description: 'Per-tenant agentgateway waypoints (HBONE on 15008).',
        parametersRef: {
          group: groupOf(AgentgatewayParameters.GVK),
          kind: AgentgatewayParameters.GVK.kind,
          name: props.parametersName,
          namespace: CENTRAL_GATEWAY.namespace,
        },
      },
    });
  }
}
