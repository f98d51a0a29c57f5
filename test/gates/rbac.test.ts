/** RBAC gate over dist/ and over copies with an escalating grant planted. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { CLUSTER_SCOPED_BUILTINS, clusterScopedCrds, rbacGate } from '../../scripts/gates/rbac';
import { ensureSchemas, kubernetesOpenApiDir, kubernetesRelease } from '../../scripts/toolchain/schemas';
import { copiesPerTest, repoOutput } from './fixture';

const CLUSTER_SCOPED = clusterScopedCrds(ensureSchemas('1.35').crds);
const ROLE = 'dist/dev/platform/tenancy/clusterrole-tenant-agent-developer.yaml';
const BINDING = 'dist/dev/tenants/alpha/rolebinding-tenant-agent-developer-binding.yaml';

const freshCopy = copiesPerTest();

/**
 * Cluster-scoped built-in resources of a Kubernetes release, from its OpenAPI document
 * (api/openapi-spec/swagger.json of k8s.io/kubernetes): a resource is cluster-scoped when an object
 * path /api/v1/<resource>/{name} or /apis/<group>/<version>/<resource>/{name} exists outside
 * /namespaces/{namespace}/.
 */
function clusterScopedFromOpenApi(release: string): Record<string, string[]> {
  const swagger = JSON.parse(fs.readFileSync(path.join(kubernetesOpenApiDir(release), 'swagger.json'), 'utf8')) as {
    paths: Record<string, unknown>;
  };
  const out: Record<string, Set<string>> = {};
  for (const p of Object.keys(swagger.paths)) {
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/([a-z]+)\/\{name\}$/.exec(p);
    if (m) (out[m[1] ?? ''] ??= new Set()).add(m[2]);
  }
  return Object.fromEntries(Object.entries(out).map(([g, r]) => [g, [...r].sort()]));
}

describe('rbac gate', () => {
  it("knows every cluster-scoped built-in resource of the environments' Kubernetes release", () => {
    const versions = [
      ...new Set(
        loadEnvironments(path.resolve(__dirname, '..', '..', 'charts', 'environments')).map((e) => e.kubernetesVersion),
      ),
    ];
    for (const version of versions) {
      const derived = clusterScopedFromOpenApi(kubernetesRelease(version));
      expect(Object.keys(derived).length, version).toBeGreaterThan(10);
      for (const [group, resources] of Object.entries(derived)) {
        for (const r of resources)
          expect(CLUSTER_SCOPED_BUILTINS[group] ?? [], `${version}: ${group || 'core'}/${r}`).toContain(r);
      }
    }
  });

  it('passes the tenant role and every binding of dist/', () => {
    const output = repoOutput();
    const r = rbacGate(output, CLUSTER_SCOPED);
    expect(r.errors).toEqual([]);
    // Per environment: every RoleBinding (one per tenant, cluster-autoscaler's) and ClusterRoleBinding
    // (the collector's, which reads pods and namespaces), and each role checked once: the tenant ClusterRole and the Roles the RoleBindings bind.
    let expected = 0;
    for (const e of output.environments) {
      const of = (kind: string) => e.manifests.filter((m) => m.object.kind === kind);
      const bound = new Set(
        of('RoleBinding').map((b) =>
          `${b.object.roleRef.kind}/${b.object.metadata.namespace}/${b.object.roleRef.name}`.replace(
            /^ClusterRole\/[^/]*\//,
            'ClusterRole//',
          ),
        ),
      );
      expected += of('RoleBinding').length + of('ClusterRoleBinding').length + bound.size;
    }
    expect(r.checked).toBe(expected);
    expect(r.checked).toBe(16);
  });

  it('rejects a RoleBinding to cluster-admin', () => {
    const copy = freshCopy();
    const rb = copy.read(BINDING);
    rb.roleRef.name = 'cluster-admin';
    copy.write(BINDING, rb);
    expect(rbacGate(copy.output(), CLUSTER_SCOPED).errors).toEqual([
      `RoleBinding tenant-alpha/tenant-agent-developer-binding (${BINDING}): binds ClusterRole "cluster-admin", which is not in dev's output, so its rules cannot be checked (built-in roles such as cluster-admin, admin and edit grant escalation); bind a role defined in dist/`,
    ]);
  });

  it('rejects escalating verbs, RBAC objects, wildcards, cluster-scoped resources and non-resource URLs in the tenant role', () => {
    const copy = freshCopy();
    const role = copy.read(ROLE);
    role.rules.push(
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['*'], verbs: ['get'] },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      { apiGroups: ['kyverno.io'], resources: ['clusterpolicies'], verbs: ['get'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    );
    copy.write(ROLE, role);
    const at = (i: number) => `ClusterRole tenant-agent-developer (${ROLE}) rules[${i}]`;
    const n = role.rules.length - 6;
    expect(rbacGate(copy.output(), CLUSTER_SCOPED).errors).toEqual([
      `${at(n)}: verb "impersonate" allows privilege escalation; list only the verbs needed (get, list, watch, create, update, patch, delete)`,
      `${at(n + 1)}: apiGroup "rbac.authorization.k8s.io" gives access to RBAC objects (Roles and bindings); name the API groups the role needs`,
      `${at(n + 2)}: resource "*" includes RBAC objects and every future resource; name the resources the role needs`,
      `${at(n + 3)}: resource "namespaces" of group "core" is cluster-scoped; a namespaced grant cannot contain it, so remove it`,
      `${at(n + 4)}: resource "clusterpolicies" of group "kyverno.io" is cluster-scoped; a namespaced grant cannot contain it, so remove it`,
      `${at(n + 5)}: nonResourceURLs ["/metrics"] are cluster-wide; remove them`,
    ]);
  });

  it('rejects bindings that reach other namespaces or grant tenants cluster-wide access', () => {
    const copy = freshCopy();
    const rb = copy.read(BINDING);
    rb.subjects.push(
      { kind: 'ServiceAccount', name: 'agent', namespace: 'tenant-beta' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'tenant-beta-developers' },
    );
    copy.write(BINDING, rb);
    copy.write('dist/dev/platform/tenancy/clusterrolebinding-x.yaml', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'x' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'tenant-agent-developer' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'tenant-alpha-developers' }],
    });
    expect(rbacGate(copy.output(), CLUSTER_SCOPED).errors).toEqual([
      `RoleBinding tenant-alpha/tenant-agent-developer-binding (${BINDING}): subject ServiceAccount tenant-beta/agent belongs to another namespace; bind only ServiceAccounts of tenant-alpha`,
      `RoleBinding tenant-alpha/tenant-agent-developer-binding (${BINDING}): group tenant-beta-developers is bound outside its tenant's namespace tenant-beta; bind it only there`,
      'ClusterRoleBinding x (dist/dev/platform/tenancy/clusterrolebinding-x.yaml): grants cluster-wide access to tenant identity Group tenant-alpha-developers; tenants get RoleBindings in their own namespace only',
    ]);
  });
});
