/**
 * The tenant access matrix, computed from tenants.yaml and checked against a live API server with
 * SubjectAccessReviews. The expectations are the tenancy contract, written here independently of
 * the ClusterRole that implements it:
 *
 * - every subject bound in a tenant (its developers group and its owners) manages agents, models,
 *   MCP servers, sandboxes, gateway backends, secrets and config maps in the tenant's namespace;
 * - reads and writes nothing in another tenant's namespace or a platform namespace;
 * - cannot modify the namespace's ResourceQuota, LimitRange, NetworkPolicies,
 *   AuthorizationPolicies, Roles or RoleBindings;
 * - cannot create cluster-scoped objects, bind or escalate roles, or impersonate;
 * - cannot exec into, attach to or port-forward to pods of the platform (nor of its own namespace).
 *
 * Subjects are reviewed as the API server would see them authenticated: a member of a group with
 * system:authenticated, a user, a service account with its groups.
 */
import { PLATFORM_NAMESPACES } from '../../charts/lib/constants';
import type { Tenant } from '../../charts/config/load-tenants';
import type { ControlPlane } from './control-plane';
import { kubectl } from '../kube/apply';

/** A resource as SubjectAccessReview names it. */
export interface ResourceRef {
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
}

/** One expected access decision. */
export interface AccessCheck {
  /** The tenant whose RoleBinding binds the subject. */
  readonly tenant: string;
  /** "Group tenant-alpha-developers", as in tenants.yaml. */
  readonly subject: string;
  readonly user: string;
  readonly groups: readonly string[];
  readonly verb: string;
  readonly resource: ResourceRef;
  /** Absent for cluster-scoped checks. */
  readonly namespace?: string;
  readonly allowed: boolean;
  /** Which rule of the contract the check stands for. */
  readonly rule: string;
}

const r = (group: string, resource: string, subresource?: string): ResourceRef => ({
  group,
  resource,
  ...(subresource ? { subresource } : {}),
});

/** What a tenant manages in its own namespace. */
export const TENANT_MANAGED: readonly ResourceRef[] = [
  r('kagent.dev', 'agents'),
  r('kagent.dev', 'modelconfigs'),
  r('kagent.dev', 'mcpservers'),
  r('kagent.dev', 'remotemcpservers'),
  r('agents.x-k8s.io', 'sandboxes'),
  r('extensions.agents.x-k8s.io', 'sandboxtemplates'),
  r('agentgateway.dev', 'agentgatewaybackends'),
  r('', 'secrets'),
  r('', 'configmaps'),
];

/** What the platform owns inside a tenant namespace. */
export const PLATFORM_OWNED: readonly ResourceRef[] = [
  r('', 'resourcequotas'),
  r('', 'limitranges'),
  r('networking.k8s.io', 'networkpolicies'),
  r('security.istio.io', 'authorizationpolicies'),
  r('rbac.authorization.k8s.io', 'roles'),
  r('rbac.authorization.k8s.io', 'rolebindings'),
];

/** Namespaced kinds no tenant may touch in a namespace not its own. */
export const FOREIGN: readonly ResourceRef[] = [
  ...TENANT_MANAGED,
  ...PLATFORM_OWNED,
  r('', 'pods'),
  r('', 'pods', 'log'),
  r('', 'services'),
  r('', 'serviceaccounts'),
  r('apps', 'deployments'),
  r('gateway.networking.k8s.io', 'httproutes'),
  r('gateway.networking.k8s.io', 'gateways'),
  r('extensions.agents.x-k8s.io', 'sandboxclaims'),
];

/** Cluster-scoped kinds no tenant may create. */
export const CLUSTER_SCOPED: readonly ResourceRef[] = [
  r('', 'namespaces'),
  r('', 'nodes'),
  r('', 'persistentvolumes'),
  r('rbac.authorization.k8s.io', 'clusterroles'),
  r('rbac.authorization.k8s.io', 'clusterrolebindings'),
  r('apiextensions.k8s.io', 'customresourcedefinitions'),
  r('storage.k8s.io', 'storageclasses'),
  r('scheduling.k8s.io', 'priorityclasses'),
  r('admissionregistration.k8s.io', 'validatingadmissionpolicies'),
  r('admissionregistration.k8s.io', 'validatingadmissionpolicybindings'),
  r('admissionregistration.k8s.io', 'mutatingwebhookconfigurations'),
  r('admissionregistration.k8s.io', 'validatingwebhookconfigurations'),
  r('gateway.networking.k8s.io', 'gatewayclasses'),
  r('kyverno.io', 'clusterpolicies'),
  r('external-secrets.io', 'clustersecretstores'),
];

const MANAGE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const POD_ACCESS = [r('', 'pods', 'exec'), r('', 'pods', 'attach'), r('', 'pods', 'portforward')];

/** The identity a RoleBinding subject has once authenticated. */
export function identityOf(subject: Tenant['subjects'][number]): { user: string; groups: string[] } {
  switch (subject.kind) {
    case 'Group':
      return { user: `member-of-${subject.name}`, groups: [subject.name, 'system:authenticated'] };
    case 'User':
      return { user: subject.name, groups: ['system:authenticated'] };
    case 'ServiceAccount':
      return {
        user: `system:serviceaccount:${subject.namespace}:${subject.name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${subject.namespace}`, 'system:authenticated'],
      };
  }
}

/** Every check for every subject of every tenant. */
export function accessMatrix(tenants: readonly Tenant[]): AccessCheck[] {
  const platformNamespaces = [...new Set(Object.values(PLATFORM_NAMESPACES))].sort();
  const checks: AccessCheck[] = [];
  for (const t of tenants) {
    for (const s of t.subjects) {
      const base = { tenant: t.name, subject: `${s.kind} ${s.name}`, ...identityOf(s) };
      const add = (
        verb: string,
        resource: ResourceRef,
        namespace: string | undefined,
        allowed: boolean,
        rule: string,
      ) => checks.push({ ...base, verb, resource, ...(namespace ? { namespace } : {}), allowed, rule });
      for (const res of TENANT_MANAGED)
        for (const verb of MANAGE) add(verb, res, t.namespace, true, 'manages its own workloads');
      for (const res of PLATFORM_OWNED)
        for (const verb of WRITE)
          add(verb, res, t.namespace, false, 'cannot modify platform-owned objects in its namespace');
      for (const other of tenants.filter((o) => o.name !== t.name)) {
        for (const res of FOREIGN)
          for (const verb of MANAGE) add(verb, res, other.namespace, false, "no access to another tenant's namespace");
      }
      for (const ns of platformNamespaces) {
        for (const res of FOREIGN)
          for (const verb of ['get', 'list', 'create']) add(verb, res, ns, false, 'no access to platform namespaces');
        for (const res of POD_ACCESS) add('create', res, ns, false, 'cannot exec into platform pods');
      }
      for (const res of POD_ACCESS) add('create', res, t.namespace, false, 'cannot exec into pods');
      for (const res of CLUSTER_SCOPED) add('create', res, undefined, false, 'cannot create cluster-scoped objects');
      for (const verb of ['bind', 'escalate']) {
        add(verb, r('rbac.authorization.k8s.io', 'clusterroles'), undefined, false, 'cannot bind or escalate roles');
        add(verb, r('rbac.authorization.k8s.io', 'roles'), t.namespace, false, 'cannot bind or escalate roles');
        add(verb, r('rbac.authorization.k8s.io', 'clusterroles'), t.namespace, false, 'cannot bind or escalate roles');
      }
      for (const res of [r('', 'users'), r('', 'groups'), r('', 'serviceaccounts')])
        add('impersonate', res, undefined, false, 'cannot impersonate');
    }
  }
  return checks;
}

/** "can Group tenant-alpha-developers create kagent.dev/agents in tenant-alpha". */
export function describeCheck(c: AccessCheck): string {
  const res = `${c.resource.group ? `${c.resource.group}/` : ''}${c.resource.resource}${c.resource.subresource ? `/${c.resource.subresource}` : ''}`;
  return `${c.subject} (tenant ${c.tenant}) ${c.verb} ${res} ${c.namespace ? `in ${c.namespace}` : 'cluster-wide'}`;
}

function review(c: AccessCheck): Record<string, unknown> {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: c.user,
      groups: c.groups,
      resourceAttributes: {
        verb: c.verb,
        group: c.resource.group,
        resource: c.resource.resource,
        ...(c.resource.subresource ? { subresource: c.resource.subresource } : {}),
        ...(c.namespace ? { namespace: c.namespace } : {}),
      },
    },
  };
}

/** The outcome of a matrix: how many checks, and one line per decision that broke the contract. */
export interface MatrixReport {
  readonly checked: number;
  readonly failures: readonly string[];
}

/** Number of kubectl calls that submit a matrix side by side (kubectl posts one after another). */
const PARALLEL_CALLS = 2;

/**
 * Submits one SubjectAccessReview per check and compares the API server's decisions with the
 * expectations.
 */
export async function checkMatrix(cp: ControlPlane, checks: readonly AccessCheck[]): Promise<MatrixReport> {
  const size = Math.ceil(checks.length / PARALLEL_CALLS);
  const chunks = Array.from({ length: PARALLEL_CALLS }, (_, i) => checks.slice(i * size, (i + 1) * size)).filter(
    (c) => c.length > 0,
  );
  const answers = await Promise.all(
    chunks.map(async (chunk) => {
      const res = await kubectl(
        cp,
        ['create', '-o', 'json'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: chunk.map(review) }),
      );
      if (res.code !== 0) throw new Error(`SubjectAccessReviews failed: ${res.stderr.trim()}`);
      // kubectl prints one JSON document per object created, one after the other.
      return res.stdout
        .split(/\n(?=\{)/)
        .filter((doc) => doc.trim() !== '')
        .map((doc) => JSON.parse(doc) as { status?: { allowed?: boolean; reason?: string } });
    }),
  );
  const items = answers.flat();
  if (items.length !== checks.length)
    throw new Error(`SubjectAccessReviews: sent ${checks.length}, got ${items.length} answers`);
  const failures: string[] = [];
  checks.forEach((c, i) => {
    const allowed = items[i].status?.allowed === true;
    if (allowed !== c.allowed) {
      const why = items[i].status?.reason ? ` (${items[i].status!.reason})` : '';
      failures.push(
        `${c.allowed ? 'denied' : 'allowed'}: ${describeCheck(c)}${why}; expected ${c.allowed ? 'allowed' : 'denied'}: ${c.rule}`,
      );
    }
  });
  return { checked: checks.length, failures };
}
