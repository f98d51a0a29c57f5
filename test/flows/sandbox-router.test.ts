/**
 * The sandbox routers in the flow matrix and the flow gate, on a synthesized environment that sets
 * the router's image (the committed ones do not): a tenant's workloads and tokens reach the claims
 * of its templates through its router; a header naming another tenant's sandbox reaches nothing,
 * refused by three layers; and the faults that would let it through are each caught.
 *
 * Upstream behaviour modelled (agent-sandbox v0.5.6, agentgateway v1.4.1):
 * - sandbox-router/proxy/headers.go ParseSandboxHeaders (namespace default "default") and
 *   proxy/resolve.go Resolve (X-Sandbox-Pod-IP first; the cache, off here; then the DNS name
 *   <X-Sandbox-ID>.<X-Sandbox-Namespace>.svc);
 * - agentgateway crates/agentgateway/src/http/filters.rs HeaderModifier::apply (set replaces the
 *   client's values, remove drops them, names case-insensitive) and
 *   controller/pkg/agentgateway/translator/conversion.go BuildAgwTrafficPolicyFilters (the
 *   RequestHeaderModifier filters of a rule, merged).
 */
import { describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import { forwardedHeaders } from '../../scripts/flows/gateway';
import { flowMatrix, matrixProblems } from '../../scripts/flows/matrix';
import { sandboxRouterProblems } from '../../scripts/flows/sandbox-router';
import type { EnvironmentOutput, Manifest } from '../../scripts/kube/manifests';
import { ROUTER_TENANTS_YAML, routerOutput } from '../sandbox-router-fixture';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tenants = loadTenants(ROUTER_TENANTS_YAML);
const env = routerOutput(tenants);

function planted(e: EnvironmentOutput, edit: (objects: Obj[]) => Obj[]): EnvironmentOutput {
  const objects = edit(e.manifests.map((m) => structuredClone(m.object)));
  return { ...e, manifests: objects.map((object): Manifest => ({ file: 'planted', env: e.name, object })) };
}

const is = (kind: string, ns: string, name: string) => (o: Obj) =>
  o.kind === kind && o.metadata?.namespace === ns && o.metadata?.name === name;

const crossWhy = (owner: string) => `a header naming another tenant's sandbox through ${owner}'s sandbox router`;

describe('the gateway forwards the headers a route rule rewrites', () => {
  const rule = {
    filters: [
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: {
          set: [{ name: 'X-Sandbox-Namespace', value: 'tenant-alpha' }],
          remove: ['X-Sandbox-Pod-IP', 'X-Sandbox-UID'],
          add: [{ name: 'X-Extra', value: 'b' }],
        },
      },
    ],
  };

  it('set replaces the client value whatever its case, remove drops, add appends', () => {
    expect(
      forwardedHeaders(rule, {
        'x-sandbox-namespace': 'tenant-beta',
        'X-SANDBOX-POD-IP': '10.1.2.3',
        'X-Sandbox-Uid': 'u',
        'X-Sandbox-ID': 'c1',
        'x-extra': 'a',
      }),
    ).toEqual({ 'x-sandbox-namespace': 'tenant-alpha', 'x-sandbox-id': 'c1', 'x-extra': 'a,b' });
  });

  it('a rule without the filter forwards what the client sent', () => {
    expect(forwardedHeaders({}, { 'X-Sandbox-Namespace': 'tenant-beta' })).toEqual({
      'x-sandbox-namespace': 'tenant-beta',
    });
  });
});

describe('the flow matrix with sandbox routers', () => {
  const m = flowMatrix(env, tenants);

  it('has no problem, and the static checks of the routers pass', () => {
    expect([...matrixProblems(m), ...m.misrouted]).toEqual([]);
    expect(sandboxRouterProblems(env)).toEqual([]);
  });

  it("allows the owner's agents (mesh gateway) and tokens (external gateway, exposed) to reach its claims", () => {
    const own = m.checks.filter((c) => c.why === 'own sandbox claims through its sandbox router');
    expect(own.map((c) => `${c.source} → ${c.target}: ${c.actual}`)).toEqual([
      'tenant-alpha/Agent coder → tenant-alpha/python-claim (claims of SandboxTemplate python) through http://agentgateway-mesh.agentgateway-system.svc.cluster.local/sandbox/tenant-alpha: allowed',
      'client outside the cluster with a token of alpha → tenant-alpha/python-claim (claims of SandboxTemplate python) through https://gateway.test.example.test/sandbox/tenant-alpha: allowed',
      'tenant-beta/Agent helper → tenant-beta/notebook-claim (claims of SandboxTemplate notebook) through http://agentgateway-mesh.agentgateway-system.svc.cluster.local/sandbox/bets: allowed',
    ]);
  });

  it("refuses a header naming another tenant's namespace and pod address with three layers: the header rewrite, NetworkPolicies, ztunnel", () => {
    const cross = m.checks.filter((c) => c.why.startsWith("a header naming another tenant's sandbox"));
    // alpha (mesh and external) and beta (mesh), each towards the two other tenants' claims.
    expect(cross).toHaveLength(6);
    for (const c of cross) {
      expect(c.actual, c.target).toBe('denied');
      const refusing = c.layers.filter((l) => l.allowed === false);
      expect(refusing.map((l) => l.layer)).toEqual(['gateway', 'network', 'mesh']);
      expect(refusing[0].by).toMatch(
        /^the route forwards X-Sandbox-Namespace: tenant-(alpha|beta) and no X-Sandbox-Pod-IP/,
      );
      // The gateway admitted the owner: the request is refused on what it names, not on who sent it.
      expect(c.layers.filter((l) => l.layer === 'gateway')[0].allowed).toBe(true);
    }
    expect(cross.some((c) => c.targetTenant === 'gamma')).toBe(true);
  });

  it("another tenant's tokens and workloads get 403 on a router's route", () => {
    const other = m.checks.filter(
      (c) => c.target.includes('/sandbox/tenant-alpha') && c.sourceTenant !== undefined && c.sourceTenant !== 'alpha',
    );
    expect(other.length).toBeGreaterThan(0);
    for (const c of other) {
      expect(c.actual).toBe('denied');
      expect(c.layers.find((l) => l.layer === 'gateway')?.by).toMatch(/^403/);
    }
  });
});

describe('planted faults in the sandbox router', () => {
  const dropFilter = (objects: Obj[]) =>
    objects.map((o) =>
      is('HTTPRoute', 'tenant-alpha', 'sandbox-router')(o)
        ? {
            ...o,
            spec: {
              ...o.spec,
              rules: o.spec.rules.map((r: Obj) => ({
                ...r,
                filters: r.filters.filter((f: Obj) => f.type !== 'RequestHeaderModifier'),
              })),
            },
          }
        : o,
    );

  it('a route that does not rewrite the headers: the flow gate and the static check both name it', () => {
    const e = planted(env, dropFilter);
    const problems = matrixProblems(flowMatrix(e, tenants));
    for (const p of problems) expect(p).toContain('test: client outside the cluster with a token of alpha → ');
    // Headers naming beta's and gamma's claims now pass the rewrite: two layers are left.
    expect(
      problems.filter(
        (p) => p.includes(crossWhy('alpha')) && p.includes('a flow between tenants must be refused by 3 layers'),
      ),
    ).toHaveLength(2);
    // And the owner's own request, with no namespace header, goes to the namespace "default".
    expect(problems.filter((p) => p.includes('own sandbox claims') && p.includes('dials c1.default.svc'))).toHaveLength(
      1,
    );
    expect(sandboxRouterProblems(e)).toEqual([
      "test: tenant-alpha/HTTPRoute sandbox-router rules[0] sends to the sandbox router of tenant-alpha without a RequestHeaderModifier that does: set X-Sandbox-Namespace: tenant-alpha, remove X-Sandbox-Pod-IP, remove X-Sandbox-UID; a client could name another namespace's sandbox or a pod's address",
    ]);
  });

  it('a route that sets the namespace but keeps the pod-address header: caught', () => {
    const e = planted(env, (os) =>
      os.map((o) =>
        is('HTTPRoute', 'tenant-alpha', 'sandbox-router-mesh')(o)
          ? {
              ...o,
              spec: {
                ...o.spec,
                rules: o.spec.rules.map((r: Obj) => ({
                  ...r,
                  filters: r.filters.map((f: Obj) =>
                    f.type === 'RequestHeaderModifier'
                      ? { ...f, requestHeaderModifier: { ...f.requestHeaderModifier, remove: ['X-Sandbox-UID'] } }
                      : f,
                  ),
                })),
              },
            }
          : o,
      ),
    );
    expect(
      matrixProblems(flowMatrix(e, tenants)).some(
        (p) => p.includes('tenant-alpha/Agent coder') && p.includes(crossWhy('alpha')),
      ),
    ).toBe(true);
    expect(sandboxRouterProblems(e)).toEqual([
      expect.stringContaining(
        'tenant-alpha/HTTPRoute sandbox-router-mesh rules[0] sends to the sandbox router of tenant-alpha without a RequestHeaderModifier that does: remove X-Sandbox-Pod-IP;',
      ),
    ]);
  });

  it('the router given a ClusterRole (as upstream deploy/rbac.yaml does for the Pod-IP cache): caught', () => {
    const e = planted(env, (os) => [
      ...os,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'sandbox-router' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'sandbox-router' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'sandbox-router' },
        subjects: [{ kind: 'ServiceAccount', name: 'sandbox-router', namespace: 'tenant-beta' }],
      },
    ]);
    expect(sandboxRouterProblems(e)).toEqual([
      'test: tenant-beta/Deployment sandbox-router: ClusterRoleBinding sandbox-router binds ClusterRole sandbox-router to its service account sandbox-router; the router needs no access to the Kubernetes API',
    ]);
  });

  it('the Pod-IP cache turned on, with a token: caught', () => {
    const e = planted(env, (os) =>
      os.map((o) => {
        if (!is('Deployment', 'tenant-alpha', 'sandbox-router')(o)) return o;
        const d = structuredClone(o);
        d.spec.template.spec.automountServiceAccountToken = true;
        d.spec.template.spec.containers[0].args = [...d.spec.template.spec.containers[0].args, '--cache-enabled=true'];
        return d;
      }),
    );
    expect(sandboxRouterProblems(e)).toEqual([
      'test: tenant-alpha/Deployment sandbox-router: its pods mount a service account token; set automountServiceAccountToken: false',
      'test: tenant-alpha/Deployment sandbox-router: argument --cache-enabled=true makes the router call the Kubernetes API (pods of every namespace, or TokenReviews); remove it',
    ]);
  });

  it("the router's egress opened to every namespace: the flow gate names the tenant's own NetworkPolicies", () => {
    const e = planted(env, (os) =>
      os.map((o) =>
        is('NetworkPolicy', 'tenant-alpha', 'sandbox-router')(o)
          ? { ...o, spec: { ...o.spec, egress: [{ to: [{ namespaceSelector: {} }] }] } }
          : o,
      ),
    );
    const problems = matrixProblems(flowMatrix(e, tenants));
    expect(
      problems.some((p) => p.includes(crossWhy('alpha')) && p.includes("the caller's egress NetworkPolicies admit it")),
    ).toBe(true);
  });
});
