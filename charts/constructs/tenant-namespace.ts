import { Construct } from 'constructs';
import { KubeNamespace } from '../../imports/k8s';
import { ANNOTATIONS, LABELS, TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';

/** Pod Security Standards a tenant namespace can enforce. */
export type PodSecurityLevel = 'baseline' | 'restricted';

/**
 * The level tenant namespaces enforce. Not `restricted`: pods that controllers create in tenant
 * namespaces (the agentgateway waypoint, kagent agents, kmcp MCP servers) do not set the fields
 * `restricted` requires (seccomp profile, capabilities, non-root), and would be rejected; a
 * rejected waypoint cuts off all Service traffic to the tenant. warn and audit are `restricted`.
 */
export const TENANT_POD_SECURITY: PodSecurityLevel = 'baseline';

export interface TenantNamespaceProps {
  /** Tenant name; the namespace is tenant-<name>. */
  readonly tenant: string;
  /** Namespace name. */
  readonly namespace: string;
  /**
   * Pod Security Standard enforced in the namespace. `warn` and `audit` are always `restricted`,
   * so workloads that would fail the stricter level are reported before it is enforced.
   * @default 'baseline'
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Kubernetes minor version the Pod Security labels pin (e.g. "1.31"), so that a cluster
   * upgrade does not silently change what is enforced.
   */
  readonly kubernetesVersion: string;
  /** @default - no annotation */
  readonly displayName?: string;
  /** @default - no annotation */
  readonly description?: string;
  /** Path segment of the tenant's routes (its alias, else the namespace). */
  readonly routeSegment: string;
}

/**
 * The tenant namespace: enrolled in the ambient mesh, its Services behind the tenant's own
 * waypoint (istio.io/use-waypoint) also for the gateways' requests (istio.io/ingress-use-waypoint:
 * agentgateway v1.4.1 sends a gateway request through the destination Service's waypoint only
 * when this label says so, crates/agentgateway/src/proxy/httpproxy.rs ingress_use_waypoint; Istio
 * 1.30 reads it from the Service, else the namespace, pilot/pkg/serviceregistry/ambient/
 * services.go), discoverable by agentgateway, and under Pod Security admission.
 *
 * Argo CD never prunes it and never deletes it with its Application: removing a tenant from
 * tenants.yaml leaves the namespace and its data until an operator offboards it explicitly.
 */
export class TenantNamespace extends Construct {
  public readonly resource: KubeNamespace;

  constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    const level = props.podSecurity ?? TENANT_POD_SECURITY;
    const version = `v${props.kubernetesVersion}`;
    const annotations: Record<string, string> = {
      [ANNOTATIONS.argocdSyncOptions]: 'Delete=false,Prune=confirm',
      // Read by the auto-expose policy: a route it generates never claims another tenant's segment.
      [ANNOTATIONS.routeSegment]: props.routeSegment,
    };
    if (props.displayName) annotations[ANNOTATIONS.displayName] = props.displayName;
    if (props.description) annotations[ANNOTATIONS.description] = props.description;
    // KubeNamespace: cdk8s-plus-30 adds `spec: {}`.
    this.resource = new KubeNamespace(this, 'Resource', {
      metadata: {
        name: props.namespace,
        annotations,
        labels: {
          ...tenantLabels(props.tenant),
          [LABELS.tenant]: 'true',
          [LABELS.gatewayDiscovery]: 'true',
          [LABELS.dataplaneMode]: 'ambient',
          [LABELS.useWaypoint]: TENANT_OBJECTS.waypoint,
          [LABELS.ingressUseWaypoint]: 'true',
          [LABELS.psaEnforce]: level,
          [LABELS.psaEnforceVersion]: version,
          [LABELS.psaWarn]: 'restricted',
          [LABELS.psaWarnVersion]: version,
          [LABELS.psaAudit]: 'restricted',
          [LABELS.psaAuditVersion]: version,
        },
      },
    });
  }
}
