import { Construct } from 'constructs';
import { KubeClusterRole, type PolicyRule } from '../../imports/k8s';
import { LABELS, TENANT_CLUSTER_ROLE } from '../lib/constants';
import { platformLabels } from '../lib/labels';

export interface TenantDeveloperClusterRoleProps {
  /** @default 'tenant-agent-developer' */
  readonly name?: string;
}

const MANAGE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const READ = ['get', 'list', 'watch'];

/**
 * What a tenant developer may do, granted only inside their own namespace through a RoleBinding.
 * It names resources explicitly (no wildcards) and leaves out everything the platform owns in
 * the namespace: ResourceQuota, LimitRange, NetworkPolicy, AuthorizationPolicy, the waypoint
 * Gateway and its policy, and RBAC objects themselves. No verb here can escalate (no bind,
 * escalate, impersonate), and pods/exec, pods/attach and pods/portforward are not granted.
 */
export const TENANT_DEVELOPER_RULES: readonly PolicyRule[] = [
  { apiGroups: ['kagent.dev'], resources: ['agents', 'modelconfigs', 'remotemcpservers', 'mcpservers'], verbs: MANAGE },
  { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaybackends'], verbs: MANAGE },
  { apiGroups: ['agents.x-k8s.io'], resources: ['sandboxes'], verbs: MANAGE },
  { apiGroups: ['extensions.agents.x-k8s.io'], resources: ['sandboxclaims', 'sandboxtemplates'], verbs: MANAGE },
  { apiGroups: [''], resources: ['secrets', 'configmaps', 'services'], verbs: MANAGE },
  { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: READ },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: READ },
];

/** The platform ClusterRole `tenant-agent-developer`. */
export class TenantDeveloperClusterRole extends Construct {
  public readonly resource: KubeClusterRole;

  constructor(scope: Construct, id: string, props: TenantDeveloperClusterRoleProps = {}) {
    super(scope, id);
    // KubeClusterRole: cdk8s-plus-30 splits rules per resource and adds `resourceNames: []`.
    this.resource = new KubeClusterRole(this, 'Resource', {
      metadata: {
        name: props.name ?? TENANT_CLUSTER_ROLE,
        labels: { ...platformLabels('tenancy'), [LABELS.role]: 'tenant' },
      },
      rules: TENANT_DEVELOPER_RULES.map((r) => ({ ...r })),
    });
  }
}
