/**
 * A tenant's sandbox router and what it needs from the other constructs, against agent-sandbox
 * v0.5.6 (the pinned release, scripts/upstream/sources.ts) and agentgateway v1.4.1:
 *
 * - sandbox-router/config/flags.go: the flags (http-bind-address, metrics-bind-address,
 *   health-probe-bind-address, cluster-domain, cache-enabled, authz-mode); sandbox-router/cmd/main.go
 *   builds a Kubernetes client only when --cache-enabled or --authz-mode=tokenreview, so with both
 *   off the router needs no token and no RBAC (deploy/rbac.yaml is "Skip these manifests entirely
 *   when running the router with --cache-enabled=false").
 * - sandbox-router/proxy/resolve.go Resolve: X-Sandbox-Pod-IP, then the cache (nil here), then
 *   http://<X-Sandbox-ID>.<X-Sandbox-Namespace>.svc.<cluster-domain>:<X-Sandbox-Port>.
 * - sandbox-router/Dockerfile: final stage gcr.io/distroless/static:nonroot (uid 65532).
 * - api/v1beta1/sandbox_types.go SandboxBlueprint.Service: a headless Service for the Sandbox;
 *   extensions/controllers/sandboxclaim_controller.go names the claim's Sandbox after the claim and
 *   copies the template's SandboxBlueprint; controllers/sandbox_controller.go reconcileService
 *   names the Service after the Sandbox, ClusterIP None.
 * - agentgateway crates/agentgateway/src/http/filters.rs HeaderModifier: set replaces every value
 *   of a header, remove drops it.
 */
import { describe, expect, it } from 'vitest';
import { SANDBOX_ROUTER_KINDS, tenantProjects } from '../../charts/argocd/generate';
import { TenantAgent } from '../../charts/constructs/tenant-agent';
import { TenantRoute } from '../../charts/constructs/tenant-route';
import { TenantSandbox } from '../../charts/constructs/tenant-sandbox';
import { sandboxRouterArgs, TenantSandboxRouter } from '../../charts/constructs/tenant-sandbox-router';
import { loadTenants } from '../../charts/config/load-tenants';
import { resolveWorkloads } from '../../charts/config/workloads';
import { routeTableMarkdown } from '../../charts/routing/route-table';
import { tenantRoutes } from '../../charts/config/routes';
import { ofKind, only, sampleEnvironment, synth } from '../helpers';
import { ROUTER_TENANTS_YAML, routerFiles, routerOutput } from '../sandbox-router-fixture';
import { explainTenant } from '../../scripts/explain/explain';

const NS = 'tenant-alpha';
const LABELS = {
  'app.kubernetes.io/managed-by': 'agentic-platform',
  'app.kubernetes.io/part-of': 'agentic-platform',
  'platform.agentic.io/tenant-name': 'alpha',
};
const IMAGE = { registry: 'registry.test', repository: 'sandbox-router-go', tag: 'v0.5.6' };
const ROUTER_POD = { 'platform.agentic.io/sandbox': 'sandbox_router' };

describe('TenantSandboxRouter', () => {
  const objects = synth(
    (c) =>
      new TenantSandboxRouter(c, 'r', { tenant: 'alpha', namespace: NS, image: IMAGE, templates: ['web', 'python'] }),
  );

  it('runs the router without the Pod-IP cache or the tokenreview authorizer: it never calls the Kubernetes API', () => {
    expect(sandboxRouterArgs()).toEqual([
      '--http-bind-address=:8080',
      '--metrics-bind-address=:9090',
      '--health-probe-bind-address=:8081',
      '--cluster-domain=cluster.local',
      '--cache-enabled=false',
      '--authz-mode=allow-all',
    ]);
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.containers[0].args).toEqual(sandboxRouterArgs());
    expect(pod.containers[0].image).toBe('registry.test/sandbox-router-go:v0.5.6');
  });

  it('has a service account without a token, and no Role or binding', () => {
    expect(only(objects, 'ServiceAccount')).toMatchObject({
      metadata: { name: 'sandbox-router', namespace: NS, labels: LABELS },
      automountServiceAccountToken: false,
    });
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.serviceAccountName).toBe('sandbox-router');
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const kind of ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'])
      expect(ofKind(objects, kind)).toEqual([]);
  });

  it('runs as the distroless nonroot user with the restricted profile and a read-only root, on the agents node group', () => {
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
      readOnlyRootFilesystem: true,
    });
    expect(pod.nodeSelector).toEqual({ 'node-role': 'agents' });
    expect(pod.containers[0].livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'healthz' });
    expect(pod.containers[0].readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'healthz' });
  });

  it('labels its pods as a sandbox, so that no pod of the namespace reaches them, and its Service skips the waypoint', () => {
    const d = only(objects, 'Deployment');
    expect(d.spec.selector).toEqual({ matchLabels: ROUTER_POD });
    expect(d.spec.template.metadata.labels).toEqual({ ...LABELS, ...ROUTER_POD });
    expect(only(objects, 'Service')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'sandbox-router', namespace: NS, labels: { ...LABELS, 'istio.io/use-waypoint': 'none' } },
      spec: { selector: ROUTER_POD, ports: [{ name: 'http', port: 8080, targetPort: 'proxy', protocol: 'TCP' }] },
    });
  });

  it("reaches only its templates' pods, on the tunnel port, and they admit only it", () => {
    const templates = {
      matchExpressions: [{ key: 'platform.agentic.io/sandbox', operator: 'In', values: ['python', 'web'] }],
    };
    const byName = new Map(ofKind(objects, 'NetworkPolicy').map((p) => [p.metadata.name, p.spec]));
    expect(byName.get('sandbox-router')).toEqual({
      podSelector: { matchLabels: ROUTER_POD },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: templates }], ports: [{ protocol: 'TCP', port: 15008 }] }],
    });
    expect(byName.get('sandbox-router-claims')).toEqual({
      podSelector: templates,
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: ROUTER_POD } }], ports: [{ protocol: 'TCP', port: 15008 }] }],
    });
  });

  it('refuses a tenant without templates', () => {
    expect(() =>
      synth((c) => new TenantSandboxRouter(c, 'r', { tenant: 'alpha', namespace: NS, image: IMAGE, templates: [] })),
    ).toThrow('TenantSandboxRouter alpha: no SandboxTemplate to route to');
  });
});

describe('what the router needs of the other objects', () => {
  const workloads = resolveWorkloads({
    agents: [
      { name: 'coder', systemMessage: 'Runs code.' },
      { name: 'byo', image: 'registry.test/byo:1.0.0' },
    ],
    sandboxes: [
      { name: 'python', kind: 'SandboxTemplate', image: 'registry.test/py:1.0.0', port: 8888 },
      { name: 'shell', image: 'registry.test/sh:1.0.0' },
    ],
    sandboxRouter: { expose: true },
  });
  const routes = tenantRoutes({ name: 'alpha', alias: 'support', index: 0, workloads });
  const router = routes.find((r) => r.exposes.kind === 'SandboxRouter')!;

  it('a routed template asks for the headless Service its claims are dialled by; an unrouted one does not', () => {
    const t = workloads.sandboxes[0];
    const routed = synth(
      (c) => new TenantSandbox(c, 's', { tenant: 'alpha', namespace: NS, sandbox: t, routed: true }),
    );
    expect(only(routed, 'SandboxTemplate').spec.service).toBe(true);
    const plain = synth((c) => new TenantSandbox(c, 's', { tenant: 'alpha', namespace: NS, sandbox: t }));
    expect(only(plain, 'SandboxTemplate').spec.service).toBeUndefined();
    // A kind: Sandbox keeps its own Service sandbox-<name>.
    const sb = synth(
      (c) =>
        new TenantSandbox(c, 's', { tenant: 'alpha', namespace: NS, sandbox: workloads.sandboxes[1], routed: true }),
    );
    expect(only(sb, 'Sandbox').spec.service).toBeUndefined();
  });

  it('the route: /sandbox/<segment>, owner only, on both gateways when exposed, to the router Service', () => {
    expect(router).toMatchObject({
      path: '/sandbox/support',
      kind: 'sandbox',
      owner: 'alpha',
      namespace: NS,
      routeNames: { mesh: 'sandbox-router-mesh', external: 'sandbox-router' },
      external: true,
      exposes: { kind: 'SandboxRouter', name: 'router' },
      backend: { kind: 'Service', namespace: NS, name: 'sandbox-router', port: 8080, createdBy: 'compiler' },
      callers: ['alpha'],
      field: ['tenants', 0, 'sandboxRouter'],
    });
    const internal = tenantRoutes({
      name: 'alpha',
      index: 0,
      workloads: { ...workloads, sandboxRouter: { expose: false } },
    }).find((r) => r.exposes.kind === 'SandboxRouter')!;
    expect(internal.routeNames).toEqual({ mesh: 'sandbox-router-mesh' });
    expect(internal.path).toBe('/sandbox/tenant-alpha');
  });

  it("each HTTPRoute sets the namespace header to the owner's and removes the address and UID headers", () => {
    const objects = synth((c) => new TenantRoute(c, 'r', { tenant: 'alpha', route: router, trustDomain: 'mesh.test' }));
    const httpRoutes = ofKind(objects, 'HTTPRoute');
    expect(httpRoutes.map((r) => r.metadata.name).sort()).toEqual(['sandbox-router', 'sandbox-router-mesh']);
    for (const r of httpRoutes) {
      expect(r.spec.rules).toHaveLength(1);
      expect(r.spec.rules[0].filters).toEqual([
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
        {
          type: 'RequestHeaderModifier',
          requestHeaderModifier: {
            set: [{ name: 'X-Sandbox-Namespace', value: NS }],
            remove: ['X-Sandbox-Pod-IP', 'X-Sandbox-UID'],
          },
        },
      ]);
    }
    expect(
      ofKind(objects, 'AgentgatewayPolicy').map((p) => p.spec.traffic.authorization.policy.matchExpressions[0]),
    ).toEqual([
      'source.identity.trustDomain == "mesh.test" && source.identity.namespace in ["tenant-alpha"]',
      'jwt.tenant.exists(t, t in ["alpha"])',
    ]);
  });

  it('gives declarative and BYO agents the URL of the route on the mesh gateway', () => {
    const url = 'http://agentgateway-mesh.agentgateway-system.svc.cluster.local/sandbox/support';
    for (const agent of workloads.agents) {
      const a = only(
        synth(
          (c) =>
            new TenantAgent(c, 'a', { tenant: 'alpha', namespace: NS, agent, mcpServers: [], sandboxRouterUrl: url }),
        ),
        'Agent',
      );
      const env = (a.spec.declarative ?? a.spec.byo).deployment.env as { name: string; value?: string }[];
      expect(env.filter((e) => e.name === 'SANDBOX_ROUTER_URL')).toEqual([{ name: 'SANDBOX_ROUTER_URL', value: url }]);
    }
  });

  it('routes.md lists the route with its backend, and says which header picks the sandbox', () => {
    const md = routeTableMarkdown({ name: 'test', domain: 'test.example', exposure: 'internal' }, routes);
    expect(md).toContain(
      '| `/sandbox/support` | sandbox | alpha | mesh, external | Service tenant-alpha/sandbox-router:8080 | alpha |  |',
    );
    expect(md).toContain('`X-Sandbox-ID`');
  });

  it('the guardrails project of a tenant with a router may sync its Deployment, Service and ServiceAccount; others may not', () => {
    const [alpha, , gamma] = loadTenants(ROUTER_TENANTS_YAML);
    const kinds = (t: typeof alpha) =>
      (tenantProjects(sampleEnvironment(), t)[1].spec as { namespaceResourceWhitelist: unknown[] })
        .namespaceResourceWhitelist;
    for (const k of SANDBOX_ROUTER_KINDS) {
      expect(kinds(alpha)).toContainEqual(k);
      expect(kinds(gamma)).not.toContainEqual(k);
    }
  });

  it('synthesizes the router into the tenant chart (synced by the guardrails) and SANDBOX_ROUTER_URL into its agents', () => {
    const out = routerOutput();
    const files = out.manifests.filter((m) => m.object.metadata?.namespace === 'tenant-beta').map((m) => m.file);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/test/tenants/beta/deployment-sandbox-router.yaml',
        'dist/test/tenants/beta/service-sandbox-router.yaml',
        'dist/test/tenants/beta/serviceaccount-sandbox-router.yaml',
        'dist/test/tenants/beta/networkpolicy-sandbox-router.yaml',
        'dist/test/tenants/beta/networkpolicy-sandbox-router-claims.yaml',
        'dist/test/tenants/beta/httproute-sandbox-router-mesh.yaml',
        'dist/test/tenants/beta/workloads/sandboxtemplate-notebook.yaml',
      ]),
    );
    expect(files.filter((f) => f.includes('gamma'))).toEqual([]);
    const helper = out.manifests.find((m) => m.file === 'dist/test/tenants/beta/workloads/agent-helper.yaml')!.object;
    expect(helper.spec.byo.deployment.env).toContainEqual({
      name: 'SANDBOX_ROUTER_URL',
      value: 'http://agentgateway-mesh.agentgateway-system.svc.cluster.local/sandbox/bets',
    });
    expect(
      out.manifests.some((m) => m.file.startsWith('dist/test/tenants/gamma/') && /sandbox-router/.test(m.file)),
    ).toBe(false);
  });
});

describe('npm run explain of a tenant with a sandbox router', () => {
  const files = routerFiles();
  const out = routerOutput();
  const routes = JSON.parse(files.get('dist/test/routes.json')!);
  const lines = explainTenant({ tenant: 'alpha', env: 'test', objects: out.manifests.map((m) => m.object), routes });

  it('lists the route with the header that picks the sandbox and the rewrite', () => {
    expect(
      lines
        .find((l) => l.includes('/sandbox/tenant-alpha'))
        ?.replace(/\s+/g, ' ')
        .trim(),
    ).toBe(
      '/sandbox/tenant-alpha SandboxRouter/router inside+outside callers alpha X-Sandbox-ID picks the sandbox; sets X-Sandbox-Namespace: tenant-alpha, removes X-Sandbox-Pod-IP, X-Sandbox-UID',
    );
  });

  it('lists the router among the workloads, with the templates it reaches', () => {
    const w = lines
      .filter((l) => /^\s+(SandboxTemplate|Deployment) /.test(l))
      .map((l) => l.replace(/\s+/g, ' ').trim());
    expect(w).toEqual([
      'SandboxTemplate python image registry.example.test/python-sandbox:3.12.7, claims get a headless Service (sandbox router)',
      'Deployment sandbox-router sandbox router, image registry.example.test/sandbox-router-go:v0.5.6: X-Sandbox-ID picks a claim of python; no service account token',
    ]);
  });

  it('routes.json carries the header rewrite of the route', () => {
    const r = routes.routes.find((x: { path: string }) => x.path === '/sandbox/tenant-alpha');
    expect(r.requestHeaders).toEqual({
      set: [{ name: 'X-Sandbox-Namespace', value: 'tenant-alpha' }],
      remove: ['X-Sandbox-Pod-IP', 'X-Sandbox-UID'],
    });
    expect(files.get('dist/test/routes.md')).toContain("is a tenant's sandbox router");
  });
});
