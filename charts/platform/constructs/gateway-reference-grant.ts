import { Construct } from 'constructs';
import { AgentgatewayPolicy } from '../../../imports/agentgateway-policies-agentgateway.dev';
import { ReferenceGrant } from '../../../imports/gateway-api-referencegrants-gateway.networking.k8s.io';
import { CENTRAL_GATEWAY } from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import { platformLabels } from '../../lib/labels';

export interface GatewayReferenceGrantProps {
  /** Namespace of the Service. */
  readonly namespace: string;
  /** The one Service the grant opens. */
  readonly service: string;
  /** Component label value. */
  readonly component: string;
}

/**
 * Lets the gateways' AgentgatewayPolicies (JWT keys, tracing) name one Service in another
 * platform namespace, and nothing else there.
 */
export class GatewayReferenceGrant extends Construct {
  public readonly resource: ReferenceGrant;

  constructor(scope: Construct, id: string, props: GatewayReferenceGrantProps) {
    super(scope, id);
    this.resource = new ReferenceGrant(this, 'Resource', {
      metadata: {
        name: `agentgateway-to-${props.service}`,
        namespace: props.namespace,
        labels: platformLabels(props.component),
      },
      spec: {
        from: [
          {
            group: groupOf(AgentgatewayPolicy.GVK),
            kind: AgentgatewayPolicy.GVK.kind,
            namespace: CENTRAL_GATEWAY.namespace,
          },
        ],
        to: [{ group: '', kind: 'Service', name: props.service }],
      },
    });
  }
}
