/**
 * RBAC gate: the roles we hand out grant no escalation. Every RoleBinding and ClusterRoleBinding
 * in the output must bind a role that is itself in the output (so its rules can be read), and
 * every role bound through a RoleBinding, plus the tenant role, may not
 *
 * - use the verbs bind, escalate or impersonate (or "*");
 * - touch RBAC objects (group rbac.authorization.k8s.io, or "*" groups or resources);
 * - name cluster-scoped resources or non-resource URLs, which a RoleBinding cannot scope;
 *
 * and a binding may not reach outside its namespace: a ServiceAccount subject lives in the
 * binding's namespace, and a tenant's developer group is bound only in that tenant's namespace.
 * ClusterRoleBindings must not name tenant identities at all.
 */
import { LABELS, tenantDevelopersGroup, tenantNamespace } from '../../charts/lib/constants';
import type { CrdSummary } from '../toolchain/schemas';
import { allManifests, describe, type GateResult, type Manifest, type Output, ofKinds, since } from '../kube/manifests';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const ESCALATING_VERBS = ['bind', 'escalate', 'impersonate', '*'];

/**
 * Cluster-scoped resources of the built-in API groups (Kubernetes 1.35), by group ("" is core).
 * Custom resources are judged by their CRD's spec.scope, passed in separately. A test derives the
 * list from the OpenAPI document of the environments' Kubernetes release.
 */
export const CLUSTER_SCOPED_BUILTINS: Readonly<Record<string, readonly string[]>> = {
  '': ['namespaces', 'nodes', 'persistentvolumes', 'componentstatuses'],
  'admissionregistration.k8s.io': [
    'mutatingwebhookconfigurations',
    'validatingwebhookconfigurations',
    'validatingadmissionpolicies',
    'validatingadmissionpolicybindings',
    'mutatingadmissionpolicies',
    'mutatingadmissionpolicybindings',
  ],
  'apiextensions.k8s.io': ['customresourcedefinitions'],
  'apiregistration.k8s.io': ['apiservices'],
  'authentication.k8s.io': ['tokenreviews', 'selfsubjectreviews'],
  'authorization.k8s.io': ['subjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  'certificates.k8s.io': ['certificatesigningrequests', 'clustertrustbundles'],
  'flowcontrol.apiserver.k8s.io': ['flowschemas', 'prioritylevelconfigurations'],
  'internal.apiserver.k8s.io': ['storageversions'],
  'networking.k8s.io': ['ingressclasses', 'ipaddresses', 'servicecidrs'],
  'node.k8s.io': ['runtimeclasses'],
  [RBAC_GROUP]: ['clusterroles', 'clusterrolebindings'],
  'resource.k8s.io': ['deviceclasses', 'devicetaintrules', 'resourceslices'],
  'scheduling.k8s.io': ['priorityclasses'],
  'storage.k8s.io': ['csidrivers', 'csinodes', 'storageclasses', 'volumeattachments', 'volumeattributesclasses'],
  'storagemigration.k8s.io': ['storageversionmigrations'],
};

/** A policy rule of a Role or ClusterRole. */
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  nonResourceURLs?: string[];
  resourceNames?: string[];
}

/** Problems of one role's rules, each naming the rule index and the fix. */
export function ruleProblems(role: Manifest, clusterScopedCustom: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const rules = (role.object.rules ?? []) as PolicyRule[];
  if (role.object.aggregationRule) {
    problems.push(
      `${describe(role)}: aggregationRule lets other ClusterRoles add rules that this gate cannot see; list the rules explicitly`,
    );
  }
  rules.forEach((rule, i) => {
    const at = `${describe(role)} rules[${i}]`;
    const verbs = rule.verbs ?? [];
    const groups = rule.apiGroups ?? [];
    const resources = rule.resources ?? [];
    for (const v of verbs.filter((v) => ESCALATING_VERBS.includes(v))) {
      problems.push(
        `${at}: verb "${v}" allows privilege escalation; list only the verbs needed (get, list, watch, create, update, patch, delete)`,
      );
    }
    for (const g of groups.filter((g) => g === RBAC_GROUP || g === '*')) {
      problems.push(
        `${at}: apiGroup "${g}" gives access to RBAC objects (Roles and bindings); name the API groups the role needs`,
      );
    }
    for (const r of resources.filter((r) => r === '*' || r.startsWith('*/'))) {
      problems.push(
        `${at}: resource "${r}" includes RBAC objects and every future resource; name the resources the role needs`,
      );
    }
    if ((rule.nonResourceURLs ?? []).length > 0) {
      problems.push(`${at}: nonResourceURLs ${JSON.stringify(rule.nonResourceURLs)} are cluster-wide; remove them`);
    }
    for (const g of groups) {
      for (const r of resources) {
        const base = r.split('/')[0];
        if ((CLUSTER_SCOPED_BUILTINS[g] ?? []).includes(base) || clusterScopedCustom.has(`${g}/${base}`)) {
          problems.push(
            `${at}: resource "${r}" of group "${g || 'core'}" is cluster-scoped; a namespaced grant cannot contain it, so remove it`,
          );
        }
      }
    }
  });
  return problems;
}

/** A subject of a binding. */
interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

/** The tenant whose developer group a name is, if any. */
function tenantOfGroup(name: string): string | undefined {
  const m = /^tenant-(.+)-developers$/.exec(name);
  return m && tenantDevelopersGroup(m[1]) === name ? m[1] : undefined;
}

/** Runs the RBAC gate. `clusterScopedCustom` holds "group/plural" of every cluster-scoped CRD. */
export function rbacGate(output: Output, clusterScopedCustom: ReadonlySet<string>): GateResult {
  const started = Date.now();
  const errors: string[] = [];
  let checked = 0;
  for (const env of output.environments) {
    const roles = ofKinds(env.manifests, 'Role');
    const clusterRoles = ofKinds(env.manifests, 'ClusterRole');
    const bindings = ofKinds(env.manifests, 'RoleBinding');
    const clusterBindings = ofKinds(env.manifests, 'ClusterRoleBinding');
    const checkedRoles = new Set<Manifest>();
    const checkRole = (role: Manifest) => {
      if (checkedRoles.has(role)) return;
      checkedRoles.add(role);
      errors.push(...ruleProblems(role, clusterScopedCustom));
    };
    // The tenant role is checked even while nothing binds it.
    for (const role of clusterRoles.filter((r) => r.object.metadata?.labels?.[LABELS.role] === 'tenant'))
      checkRole(role);
    for (const b of bindings) {
      const ns = b.object.metadata?.namespace as string | undefined;
      const ref = b.object.roleRef ?? {};
      if (!ns)
        errors.push(`${describe(b)}: has no namespace; a RoleBinding must name the namespace it grants access in`);
      const role =
        ref.kind === 'ClusterRole'
          ? clusterRoles.find((r) => r.object.metadata?.name === ref.name)
          : roles.find((r) => r.object.metadata?.name === ref.name && r.object.metadata?.namespace === ns);
      if (!role) {
        errors.push(
          `${describe(b)}: binds ${ref.kind} "${ref.name}", which is not in ${env.name}'s output, so its rules cannot be checked (built-in roles such as cluster-admin, admin and edit grant escalation); bind a role defined in dist/`,
        );
      } else checkRole(role);
      for (const s of (b.object.subjects ?? []) as Subject[]) {
        if (s.kind === 'ServiceAccount' && s.namespace !== ns) {
          errors.push(
            `${describe(b)}: subject ServiceAccount ${s.namespace}/${s.name} belongs to another namespace; bind only ServiceAccounts of ${ns}`,
          );
        }
        const tenant = s.kind === 'Group' ? tenantOfGroup(s.name) : undefined;
        if (tenant && ns !== tenantNamespace(tenant)) {
          errors.push(
            `${describe(b)}: group ${s.name} is bound outside its tenant's namespace ${tenantNamespace(tenant)}; bind it only there`,
          );
        }
      }
      checked++;
    }
    for (const b of clusterBindings) {
      const ref = b.object.roleRef ?? {};
      if (!clusterRoles.some((r) => r.object.metadata?.name === ref.name)) {
        errors.push(
          `${describe(b)}: binds ClusterRole "${ref.name}", which is not in ${env.name}'s output, so its rules cannot be checked; bind a role defined in dist/`,
        );
      }
      for (const s of (b.object.subjects ?? []) as Subject[]) {
        const tenantIdentity =
          (s.kind === 'Group' && tenantOfGroup(s.name)) ||
          (s.kind === 'ServiceAccount' && s.namespace?.startsWith(tenantNamespace('')));
        if (tenantIdentity) {
          errors.push(
            `${describe(b)}: grants cluster-wide access to tenant identity ${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}; tenants get RoleBindings in their own namespace only`,
          );
        }
      }
      checked++;
    }
    checked += checkedRoles.size;
  }
  return { gate: 'rbac', checked, unit: 'roles and bindings', errors, ms: since(started) };
}

/** "group/plural" of every cluster-scoped CRD. */
export function clusterScopedCrds(crds: readonly CrdSummary[]): Set<string> {
  return new Set(crds.filter((c) => c.scope === 'Cluster').map((c) => `${c.group}/${c.plural}`));
}

/** Every RBAC object in the output, for reports. */
export function rbacObjects(output: Output): Manifest[] {
  return ofKinds(allManifests(output), 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding');
}
