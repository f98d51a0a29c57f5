import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../imports/istio-security.istio.io';
import { TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';

export interface TenantAuthorizationPolicyProps {
  readonly tenant: string;
  readonly namespace: string;
  /** Namespaces (besides the tenant's own) whose workloads may connect. */
  readonly allowedNamespaces: readonly string[];
  /** Istio trust domain of SPIFFE identities. */
  readonly trustDomain: string;
  /** @default 'tenant-isolation' */
  readonly name?: string;
}

/** SPIFFE principal pattern matching every service account of a namespace. */
export function namespacePrincipal(trustDomain: string, namespace: string): string {
  return `${trustDomain}/ns/${namespace}/sa/*`;
}

/**
 * Layer-4 isolation enforced by ztunnel on every pod of the namespace: only mTLS peers whose
 * SPIFFE identity belongs to the tenant's namespace or a listed platform namespace may connect.
 * Plaintext and other tenants' identities are refused.
 *
 * Traffic that a waypoint forwards carries the waypoint's identity (a service account of this
 * same namespace), so this policy cannot tell the original caller apart: the waypoint enforces
 * the same rule itself (see TenantWaypoint).
 */
export class TenantAuthorizationPolicy extends Construct {
  public readonly resource: AuthorizationPolicy;

  constructor(scope: Construct, id: string, props: TenantAuthorizationPolicyProps) {
    super(scope, id);
    const namespaces = [props.namespace, ...props.allowedNamespaces.filter((n) => n !== props.namespace)];
    this.resource = new AuthorizationPolicy(this, 'Resource', {
      metadata: {
        name: props.name ?? TENANT_OBJECTS.authorizationPolicy,
        namespace: props.namespace,
        labels: tenantLabels(props.tenant),
      },
      spec: {
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [
          { from: [{ source: { principals: namespaces.map((ns) => namespacePrincipal(props.trustDomain, ns)) } }] },
        ],
      },
    });
  }
}
