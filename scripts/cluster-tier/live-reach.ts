/**
 * Powerful ServiceAccounts out of tenants' reach in the live state: no ServiceAccount that can
 * write cluster-scoped objects or read Secrets cluster-wide (a ClusterRole bound by a
 * ClusterRoleBinding), or read Secrets of a namespace (a Role or ClusterRole bound by a
 * RoleBinding), runs pods that a tenant pod can open a connection to through the
 * NetworkPolicies. Connections are judged by the isolation gate's evaluator
 * (scripts/gates/netpol-eval.ts, np-guard netpol-analyzer's semantics). Pure.
 *
 * - Aggregated ClusterRoles get the rules of the ClusterRoles their aggregationRule selects, as
 *   the clusterrole-aggregation controller gives them (k8s v1.36.3
 *   pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go).
 * - Cluster-scoped resources: the built-in ones (scripts/gates/rbac.ts CLUSTER_SCOPED_BUILTINS)
 *   but the token and access reviews, which store nothing, and every CustomResourceDefinition of
 *   the live state with scope Cluster; "*" matches them.
 * - Subjects: ServiceAccounts, the users system:serviceaccount:<ns>:<name> and the groups
 *   system:serviceaccounts and system:serviceaccounts:<ns>
 *   (k8s.io/apiserver v0.36.3 pkg/authentication/serviceaccount/util.go).
 * - Pods are those of the workload templates (live-state.ts podSets), with their container ports.
 */
import { CLUSTER_SCOPED_BUILTINS } from '../gates/rbac';
import { connString, type Endpoint, isEmpty, NetpolModel, selectorMatches } from '../gates/netpol-eval';
import { idOf, type K8sObject, LiveIndex, type PodSet, podSets } from './live-state';

const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection', '*'];
const READ = ['get', 'list', 'watch', '*'];
/** Groups of the review APIs (token and access reviews): creating one stores nothing. */
const REVIEW_GROUPS = ['authentication.k8s.io', 'authorization.k8s.io'];

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

/** The rules of a role, with aggregation. */
function rulesOf(index: LiveIndex, role: K8sObject, seen = new Set<K8sObject>()): Rule[] {
  if (seen.has(role)) return [];
  seen.add(role);
  const own = (role.rules ?? []) as Rule[];
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []) as K8sObject[];
  if (selectors.length === 0) return own;
  const parts = index
    .kind('ClusterRole')
    .filter((r) => r !== role && selectors.some((s) => selectorMatches(s, r.metadata?.labels ?? {})));
  return [...own, ...parts.flatMap((r) => rulesOf(index, r, seen))];
}

/** What makes a role powerful: writes of cluster-scoped resources, reads of Secrets. */
function powers(
  rules: readonly Rule[],
  clusterScoped: ReadonlyMap<string, readonly string[]>,
): { writes: string[]; secrets: boolean } {
  const writes = new Set<string>();
  let secrets = false;
  for (const r of rules) {
    const verbs = r.verbs ?? [];
    const groups = r.apiGroups ?? [];
    const resources = (r.resources ?? []).map((x) => x.split('/')[0]);
    const groupOk = (g: string) => groups.includes('*') || groups.includes(g);
    const resOk = (x: string) => resources.includes('*') || resources.includes(x);
    if (verbs.some((v) => WRITE.includes(v)))
      for (const [g, list] of clusterScoped)
        if (groupOk(g) && !REVIEW_GROUPS.includes(g))
          for (const x of list) if (resOk(x)) writes.add(g ? `${x}.${g}` : x);
    if (verbs.some((v) => READ.includes(v)) && groupOk('') && resOk('secrets')) secrets = true;
  }
  return { writes: [...writes].sort(), secrets };
}

/** Whether a binding subject names a pod's ServiceAccount. */
function subjectMatches(s: K8sObject, bindingNs: string | undefined, ns: string, sa: string): boolean {
  if (s.kind === 'ServiceAccount') return (s.namespace ?? bindingNs) === ns && s.name === sa;
  if (s.kind === 'User') return s.name === `system:serviceaccount:${ns}:${sa}`;
  if (s.kind === 'Group') return s.name === 'system:serviceaccounts' || s.name === `system:serviceaccounts:${ns}`;
  return false;
}

function endpointOf(p: PodSet): Endpoint {
  return {
    namespace: p.namespace,
    name: `${p.owner.kind}/${p.owner.metadata.name}`,
    labels: p.labels,
    serviceAccount: (p.spec.serviceAccountName ?? p.spec.serviceAccount ?? 'default') as string,
    ports: ((p.spec.containers ?? []) as K8sObject[]).flatMap((c) =>
      ((c.ports ?? []) as K8sObject[]).map((cp) => ({
        port: Number(cp.containerPort),
        protocol: (cp.protocol ?? 'TCP') as 'TCP' | 'UDP',
        name: String(cp.name ?? ''),
      })),
    ),
  };
}

/** A grant that makes a ServiceAccount powerful, for messages. */
interface Grant {
  readonly binding: K8sObject;
  readonly role: K8sObject;
  readonly what: string;
}

/** A reach the platform needs, with why: matched by the powerful ServiceAccount and the connections. */
export interface ReachException {
  readonly serviceAccount: string;
  /** The whole connection string the finding names, e.g. "TCP 15012". */
  readonly connections: string;
  readonly reason: string;
}

/**
 * Reaches the mesh needs. Each must match a finding (a stale one is reported by
 * staleReachExceptions), and any other port to the same pods is still a problem.
 */
export const REACH_EXCEPTIONS: readonly ReachException[] = [
  {
    serviceAccount: 'istio-system/istiod',
    connections: 'TCP 15012',
    reason:
      'istiod is the mesh control plane and certificate authority: every waypoint fetches its configuration and certificates on 15012 (istio 1.30.3 pilot/pkg/xds, security/pkg/server/ca), authenticated by its mesh identity; nothing else of istiod is open to tenants',
  },
];

const exceptionOf = (finding: string, exceptions: readonly ReachException[]) =>
  exceptions.find(
    (e) =>
      finding.includes(`as ServiceAccount ${e.serviceAccount},`) &&
      finding.endsWith(` on ${e.connections} reaches it through the NetworkPolicies`),
  );

/** Exceptions that match no finding of the live state (so the list cannot go stale). */
export function staleReachExceptions(objects: readonly K8sObject[], exceptions = REACH_EXCEPTIONS): ReachException[] {
  const found = reachFindings(objects);
  return exceptions.filter((e) => !found.some((f) => exceptionOf(f, [e]) !== undefined));
}

/** reachFindings without the reaches REACH_EXCEPTIONS allows. */
export function reachProblems(objects: readonly K8sObject[], exceptions = REACH_EXCEPTIONS): string[] {
  return reachFindings(objects).filter((f) => exceptionOf(f, exceptions) === undefined);
}

/**
 * Every tenant pod that reaches a pod of a powerful ServiceAccount, one line per powerful
 * workload and tenant namespace, naming the grant, both workloads and the connections.
 */
export function reachFindings(objects: readonly K8sObject[]): string[] {
  const index = new LiveIndex(objects);
  const clusterScoped = new Map<string, string[]>(Object.entries(CLUSTER_SCOPED_BUILTINS).map(([g, l]) => [g, [...l]]));
  for (const crd of index.kind('CustomResourceDefinition'))
    if (crd.spec?.scope === 'Cluster') {
      const g = crd.spec.group as string;
      clusterScoped.set(g, [...(clusterScoped.get(g) ?? []), crd.spec.names?.plural]);
    }
  const grants: { binding: K8sObject; role: K8sObject; what: string }[] = [];
  for (const b of index.kind('ClusterRoleBinding', 'RoleBinding')) {
    const rr = b.roleRef ?? {};
    const role = index.get(rr.kind, rr.kind === 'Role' ? b.metadata.namespace : undefined, rr.name);
    if (!role) continue;
    const p = powers(rulesOf(index, role), clusterScoped);
    const what: string[] = [];
    if (b.kind === 'ClusterRoleBinding') {
      if (p.writes.length > 0)
        what.push(
          `writes cluster-scoped ${p.writes.slice(0, 4).join(', ')}${p.writes.length > 4 ? `, ... (${p.writes.length})` : ''}`,
        );
      if (p.secrets) what.push('reads Secrets cluster-wide');
    } else if (p.secrets) what.push(`reads Secrets in ${b.metadata.namespace}`);
    if (what.length > 0) grants.push({ binding: b, role, what: what.join('; ') });
  }
  const sets = podSets(objects);
  const endpoints = new Map(sets.map((s) => [s, endpointOf(s)]));
  const grantsOf = (e: Endpoint): Grant[] =>
    grants.filter((g) =>
      ((g.binding.subjects ?? []) as K8sObject[]).some((s) =>
        subjectMatches(s, g.binding.metadata.namespace, e.namespace, e.serviceAccount),
      ),
    );
  const tenants = new Set(index.tenantNamespaces());
  const model = new NetpolModel(
    index.kind('NetworkPolicy').map((o) => ({ file: `live:${idOf(o)}`, env: 'live', object: o })),
    index.namespaceLabels(),
  );
  const out: string[] = [];
  const powerful = sets.map((s) => ({ set: s, ep: endpoints.get(s)!, grants: grantsOf(endpoints.get(s)!) }));
  for (const target of powerful.filter((p) => p.grants.length > 0)) {
    const byTenant = new Map<string, string>();
    for (const src of sets.filter((s) => tenants.has(s.namespace) && s !== target.set)) {
      if (byTenant.has(src.namespace)) continue;
      const conns = model.conns(endpoints.get(src)!, target.ep);
      if (isEmpty(conns)) continue;
      byTenant.set(src.namespace, `${idOf(src.owner)} on ${connString(conns)}`);
    }
    for (const [, reach] of [...byTenant].sort())
      out.push(
        `${idOf(target.set.owner)} runs as ServiceAccount ${target.ep.namespace}/${target.ep.serviceAccount}, which ${target.grants
          .map((g) => `${g.what} (${g.role.kind} ${g.role.metadata.name} by ${idOf(g.binding)})`)
          .join('; ')}, and tenant pod ${reach} reaches it through the NetworkPolicies`,
      );
  }
  return out.sort();
}
