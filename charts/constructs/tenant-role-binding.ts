import { Construct } from 'constructs';
import { KubeRoleBinding } from '../../imports/k8s';
import { TENANT_CLUSTER_ROLE, TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';

export interface RoleBindingSubject {
  readonly kind: 'Group' | 'User' | 'ServiceAccount';
  readonly name: string;
  /** ServiceAccount subjects only. */
  readonly namespace?: string;
}

export interface TenantRoleBindingProps {
  readonly tenant: string;
  readonly namespace: string;
  /** Subjects bound; at least one. */
  readonly subjects: readonly RoleBindingSubject[];
  /** @default 'tenant-agent-developer' */
  readonly clusterRole?: string;
  /** @default 'tenant-agent-developer-binding' */
  readonly name?: string;
}

/**
 * Binds the tenant-agent-developer ClusterRole inside the tenant namespace only. A RoleBinding
 * (never a ClusterRoleBinding) confines the ClusterRole's rules to this one namespace.
 */
export class TenantRoleBinding extends Construct {
  public readonly resource: KubeRoleBinding;

  constructor(scope: Construct, id: string, props: TenantRoleBindingProps) {
    super(scope, id);
    if (props.subjects.length === 0) {
      throw new Error(
        `TenantRoleBinding ${props.tenant}: subjects is empty; a binding needs at least one subject (the tenant developers group)`,
      );
    }
    for (const s of props.subjects) {
      if (s.kind === 'ServiceAccount' && s.namespace !== props.namespace) {
        throw new Error(
          `TenantRoleBinding ${props.tenant}: subject ServiceAccount ${s.name} has namespace ${JSON.stringify(s.namespace)}; service accounts must belong to ${props.namespace}`,
        );
      }
    }
    // KubeRoleBinding: cdk8s-plus-30 writes `apiGroup: ''` on ServiceAccount subjects.
    this.resource = new KubeRoleBinding(this, 'Resource', {
      metadata: {
        name: props.name ?? TENANT_OBJECTS.roleBinding,
        namespace: props.namespace,
        labels: tenantLabels(props.tenant),
      },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: props.clusterRole ?? TENANT_CLUSTER_ROLE,
      },
      subjects: props.subjects.map((s) =>
        s.kind === 'ServiceAccount'
          ? { kind: s.kind, name: s.name, namespace: s.namespace }
          : { kind: s.kind, name: s.name, apiGroup: 'rbac.authorization.k8s.io' },
      ),
    });
  }
}
