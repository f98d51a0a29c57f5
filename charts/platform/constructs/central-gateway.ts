import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Gateway } from '../../../imports/gateway-api-gateways-gateway.networking.k8s.io';
import { AgentgatewayParameters } from '../../../imports/agentgateway-parameters-agentgateway.dev';
import { CENTRAL_GATEWAY, LABELS } from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import { platformLabels } from '../../lib/labels';

/** Service annotations that make the gateway an internal AWS Network Load Balancer. */
export const INTERNAL_NLB_ANNOTATIONS: Readonly<Record<string, string>> = {
  'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
  'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
  'service.beta.kubernetes.io/aws-load-balancer-internal': 'true',
  'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
};

/** Policy target of the whole central gateway (every listener and route). */
export function centralGatewayTarget(): { group: string; kind: string; name: string } {
  return { group: groupOf(Gateway.GVK), kind: Gateway.GVK.kind, name: CENTRAL_GATEWAY.name };
}

/** Parent of a route on the central gateway's listener, from any namespace. */
export function centralGatewayParent(): { group: string; kind: string; name: string; namespace: string; sectionName: string } {
  return { ...centralGatewayTarget(), namespace: CENTRAL_GATEWAY.namespace, sectionName: CENTRAL_GATEWAY.listener };
}

export interface CentralGatewayProps {
  /** Name of the AgentgatewayParameters (same namespace) that configure the proxy. */
  readonly parametersName: string;
}

/**
 * The central gateway agentgateway-proxy: one HTTP listener `platform` on port 80 behind an
 * internal NLB. Routes attach from namespaces labelled for gateway discovery only (tenant and
 * platform namespaces), never from an arbitrary namespace.
 */
export class CentralGateway extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: CentralGatewayProps) {
    super(scope, id);
    this.resource = new ApiObject(this, 'Resource', {
      ...Gateway.GVK,
      metadata: { name: CENTRAL_GATEWAY.name, namespace: CENTRAL_GATEWAY.namespace, labels: platformLabels('agentgateway') },
      spec: {
        gatewayClassName: CENTRAL_GATEWAY.className,
        infrastructure: {
          annotations: { ...INTERNAL_NLB_ANNOTATIONS },
          parametersRef: { group: groupOf(AgentgatewayParameters.GVK), kind: AgentgatewayParameters.GVK.kind, name: props.parametersName },
        },
        listeners: [
          {
            name: CENTRAL_GATEWAY.listener,
            protocol: 'HTTP',
            port: 80,
            allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { [LABELS.gatewayDiscovery]: 'true' } } } },
          },
        ],
      },
    });
  }
}
