import { Construct } from 'constructs';
import { AgentgatewayPolicy } from '../../../imports/agentgateway-policies-agentgateway.dev';
import { requireSpec } from '../../constructs/route-policy-parts';
import { MESH_GATEWAY } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { meshIdentityExpression } from '../../config/routes';
import { meshGatewayTarget } from './central-gateway';

export interface MeshIdentityPolicyProps {
  /** Istio trust domain every caller's SPIFFE identity must belong to. */
  readonly trustDomain: string;
  /** @default 'mesh-identity' */
  readonly name?: string;
}

/**
 * Every request on the mesh gateway's HTTP listener needs the SPIFFE identity of the HBONE tunnel
 * it came through. A plaintext connection to the listener (a client outside the mesh, or a pod
 * addressed directly) has no `source.identity` (agentgateway v1.4.1
 * crates/agentgateway/src/proxy/gateway.rs: the identity comes only from the terminated TLS), the
 * expression fails, and the Require rule refuses it with 403 before any route's own check.
 */
export class MeshIdentityPolicy extends Construct {
  public readonly resource: AgentgatewayPolicy;

  constructor(scope: Construct, id: string, props: MeshIdentityPolicyProps) {
    super(scope, id);
    this.resource = new AgentgatewayPolicy(this, 'Resource', {
      metadata: {
        name: props.name ?? 'mesh-identity',
        namespace: MESH_GATEWAY.namespace,
        labels: platformLabels('agentgateway'),
      },
      spec: requireSpec([meshGatewayTarget(MESH_GATEWAY.listener)], meshIdentityExpression(props.trustDomain)),
    });
  }
}
