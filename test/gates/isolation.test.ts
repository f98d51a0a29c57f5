/**
 * Isolation gate: netpol-analyzer over the NetworkPolicies and the AuthorizationPolicy evaluator
 * for mesh identities, on dist/ and on copies with a tenant opened to another tenant.
 */
import { describe, expect, it } from 'vitest';
import {
  analysisInput,
  checkNetwork,
  crossCheck,
  isolationGate,
  parseConnection,
  allows,
  tenantNamespaces,
} from '../../scripts/gates/isolation';
import { evaluate, istioMatch, ruleMatch, type MeshRequest } from '../../scripts/gates/mesh-authz';
import type { Manifest } from '../../scripts/kube/manifests';
import { copiesPerTest, repoOutput } from './fixture';

const freshCopy = copiesPerTest();

const ALPHA = 'dist/dev/tenants/alpha';

describe('isolation gate', () => {
  it('proves the isolation of dist/ for every tenant of every environment', async () => {
    const output = repoOutput();
    const r = await isolationGate(output);
    expect(r.errors).toEqual([]);
    const netpols = output.environments
      .flatMap((e) => e.manifests)
      .filter((m) => m.object.kind === 'NetworkPolicy').length;
    const authz = output.environments
      .flatMap((e) => e.manifests)
      .filter((m) => m.object.kind === 'AuthorizationPolicy').length;
    expect(r.checked).toBe(netpols + authz);
    expect(netpols).toBeGreaterThan(0);
    expect(authz).toBeGreaterThan(0);
  });

  it('catches a tenant NetworkPolicy that admits another tenant, though the other side still blocks it', async () => {
    const copy = freshCopy();
    const np = copy.read(`${ALPHA}/networkpolicy-allow-platform-ingress.yaml`);
    np.spec.ingress.push({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-beta' } } }],
    });
    copy.write(`${ALPHA}/networkpolicy-allow-platform-ingress.yaml`, np);
    const r = await isolationGate(copy.output());
    expect(r.errors).toEqual([
      "dev: the NetworkPolicies of tenant-alpha allow tenant-beta/agent[Pod] => tenant-alpha/agent[Pod] (All Connections); a tenant's policies must admit no other tenant, in either direction",
    ]);
  });

  it('catches traffic between tenants once both sides allow it', async () => {
    const copy = freshCopy();
    for (const [dir, peer, direction] of [
      [ALPHA, 'tenant-beta', 'ingress'],
      ['dist/dev/tenants/beta', 'tenant-alpha', 'egress'],
    ] as const) {
      const np = copy.read(`${dir}/networkpolicy-allow-same-namespace.yaml`);
      const rule = {
        [direction === 'ingress' ? 'from' : 'to']: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer } } },
        ],
      };
      np.spec[direction].push(rule);
      copy.write(`${dir}/networkpolicy-allow-same-namespace.yaml`, np);
    }
    const r = await isolationGate(copy.output());
    expect(r.errors).toContain(
      'dev: tenant tenant-beta reaches tenant tenant-alpha (tenant-beta/agent[Pod] => tenant-alpha/agent[Pod]: All Connections); a NetworkPolicy admits traffic between tenants',
    );
  });

  it('catches a same-namespace allowance that lets a sandbox reach the agents of its tenant', async () => {
    const copy = freshCopy();
    const np = copy.read(`${ALPHA}/networkpolicy-allow-same-namespace.yaml`);
    np.spec.podSelector = {};
    np.spec.ingress = [{ from: [{ podSelector: {} }] }];
    np.spec.egress = [{ to: [{ podSelector: {} }] }];
    copy.write(`${ALPHA}/networkpolicy-allow-same-namespace.yaml`, np);
    const r = await isolationGate(copy.output());
    expect(r.errors).toEqual([
      'dev: tenant-alpha/sandbox[Pod] reaches tenant-alpha/agent[Pod] (All Connections); sandboxes must be isolated from the rest of their namespace',
      'dev: tenant-alpha/agent[Pod] reaches tenant-alpha/sandbox[Pod] (All Connections); sandboxes must be isolated from the rest of their namespace',
    ]);
  });

  it('catches a tenant cut off from DNS', async () => {
    const copy = freshCopy();
    copy.write(`${ALPHA}/networkpolicy-allow-dns.yaml`, '# removed\n');
    const r = await isolationGate(copy.output());
    expect(r.errors).toEqual([
      'dev: tenant-alpha/agent[Pod] cannot reach kube-system/coredns[Pod] on UDP 53 (cluster DNS); the NetworkPolicies must allow it',
    ]);
  });

  it("catches an AuthorizationPolicy that admits another tenant's mesh identity", async () => {
    const copy = freshCopy();
    const ap = copy.read(`${ALPHA}/authorizationpolicy-tenant-isolation.yaml`);
    ap.spec.rules[0].from[0].source.principals.push('cluster.local/ns/tenant-beta/sa/*');
    copy.write(`${ALPHA}/authorizationpolicy-tenant-isolation.yaml`, ap);
    const r = await isolationGate(copy.output());
    expect(r.errors).toEqual([
      'dev: mesh identity cluster.local/ns/tenant-beta/sa/agent → tenant-alpha/agent port 8080 (another tenant) is allowed, expected denied: admitted by AuthorizationPolicy tenant-alpha/tenant-isolation (dist/dev/tenants/alpha/authorizationpolicy-tenant-isolation.yaml) rules[0]',
      'dev: mesh identity cluster.local/ns/tenant-beta/sa/agent → tenant-alpha/agent port 9090 (another tenant) is allowed, expected denied: admitted by AuthorizationPolicy tenant-alpha/tenant-isolation (dist/dev/tenants/alpha/authorizationpolicy-tenant-isolation.yaml) rules[0]',
    ]);
  });

  it('catches a policy that opens a tenant to every tenant namespace, for each other tenant', async () => {
    const copy = freshCopy();
    const np = copy.read(`${ALPHA}/networkpolicy-allow-platform-egress.yaml`);
    np.spec.egress.push({
      to: [{ namespaceSelector: { matchLabels: { 'platform.agentic.io/tenant': 'true' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    copy.write(`${ALPHA}/networkpolicy-allow-platform-egress.yaml`, np);
    const r = await isolationGate(copy.output());
    expect(r.errors).toEqual([
      "dev: the NetworkPolicies of tenant-alpha allow tenant-alpha/agent[Pod] => tenant-beta/agent[Pod] (TCP 8080); a tenant's policies must admit no other tenant, in either direction",
      "dev: the NetworkPolicies of tenant-alpha allow tenant-alpha/agent[Pod] => tenant-research/agent[Pod] (TCP 8080); a tenant's policies must admit no other tenant, in either direction",
    ]);
  });

  it('catches an AuthorizationPolicy pattern that admits every tenant identity, for each other tenant and port', async () => {
    const copy = freshCopy();
    const ap = copy.read(`${ALPHA}/authorizationpolicy-tenant-isolation.yaml`);
    ap.spec.rules[0].from[0].source.principals.push('cluster.local/ns/tenant-*');
    copy.write(`${ALPHA}/authorizationpolicy-tenant-isolation.yaml`, ap);
    const r = await isolationGate(copy.output());
    const admitted = (src: string, port: number) =>
      `dev: mesh identity cluster.local/ns/${src}/sa/agent → tenant-alpha/agent port ${port} (another tenant) is allowed, expected denied: admitted by AuthorizationPolicy tenant-alpha/tenant-isolation (dist/dev/tenants/alpha/authorizationpolicy-tenant-isolation.yaml) rules[0]`;
    expect(r.errors).toEqual([
      admitted('tenant-beta', 8080),
      admitted('tenant-beta', 9090),
      admitted('tenant-research', 8080),
      admitted('tenant-research', 9090),
    ]);
  });

  it("catches a tenant egress that reaches kagent's tool server, which can write cluster objects", async () => {
    const copy = freshCopy();
    const np = copy.read(`${ALPHA}/networkpolicy-allow-platform-egress.yaml`);
    np.spec.egress.push({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kagent-system' } } }],
    });
    copy.write(`${ALPHA}/networkpolicy-allow-platform-egress.yaml`, np);
    // kagent-system's own ingress policy still blocks it; the gate also checks the tenant's side alone.
    copy.write('dist/dev/platform/kagent/networkpolicy-kagent-system-ingress.yaml', '# removed\n');
    const r = await isolationGate(copy.output());
    expect(r.errors).toEqual([
      "dev: tenant-alpha/agent[Pod] reaches kagent-system/kagent-controller[Pod] (All Connections; kagent's controller only through its waypoint); the NetworkPolicies must refuse it",
      "dev: tenant-alpha/agent[Pod] reaches kagent-system/kagent-tools[Pod] (All Connections; kagent's tool server can write cluster objects); the NetworkPolicies must refuse it",
    ]);
  });

  it('catches kagent-system admitting tenant identities at ztunnel, which would bypass its waypoint', async () => {
    const copy = freshCopy();
    const ap = copy.read('dist/dev/platform/kagent/authorizationpolicy-kagent-system-l4.yaml');
    ap.spec.rules[0].from[0].source.principals.push('cluster.local/ns/tenant-alpha/sa/*');
    copy.write('dist/dev/platform/kagent/authorizationpolicy-kagent-system-l4.yaml', ap);
    const r = await isolationGate(copy.output());
    expect(r.errors).toEqual([
      "dev: mesh identity cluster.local/ns/tenant-alpha/sa/agent → kagent-system/kagent-controller port 8083 (kagent's controller, addressed directly) is allowed, expected denied: admitted by AuthorizationPolicy kagent-system/kagent-system-l4 (dist/dev/platform/kagent/authorizationpolicy-kagent-system-l4.yaml) rules[0]",
      "dev: mesh identity cluster.local/ns/tenant-alpha/sa/agent → kagent-system/kagent-tools port 8084 (kagent's tool server, addressed directly) is allowed, expected denied: admitted by AuthorizationPolicy kagent-system/kagent-system-l4 (dist/dev/platform/kagent/authorizationpolicy-kagent-system-l4.yaml) rules[0]",
    ]);
  });

  it('catches a sandbox the gateways cannot reach, and a tenant pod that may reach istiod', async () => {
    const copy = freshCopy();
    const np = copy.read(`${ALPHA}/networkpolicy-allow-waypoint-istiod.yaml`);
    np.spec.podSelector = {};
    copy.write(`${ALPHA}/networkpolicy-allow-waypoint-istiod.yaml`, np);
    const ingress = copy.read(`${ALPHA}/networkpolicy-allow-platform-ingress.yaml`);
    ingress.spec.ingress[0].ports = [{ port: 8080, protocol: 'TCP' }];
    copy.write(`${ALPHA}/networkpolicy-allow-platform-ingress.yaml`, ingress);
    const r = await isolationGate(copy.output());
    expect(r.errors).toEqual([
      'dev: agentgateway-system/agentgateway-mesh[Pod] cannot reach tenant-alpha/sandbox[Pod] on TCP 15008 (sandbox route, tunnelled); the NetworkPolicies must allow it',
      'dev: agentgateway-system/agentgateway-mesh[Pod] cannot reach tenant-alpha/agentgateway-waypoint[Pod] on TCP 15008 (a route of the tenant, through its waypoint); the NetworkPolicies must allow it',
      'dev: agentgateway-system/agentgateway-proxy[Pod] cannot reach tenant-alpha/sandbox[Pod] on TCP 15008 (sandbox route, tunnelled); the NetworkPolicies must allow it',
      'dev: agentgateway-system/agentgateway-proxy[Pod] cannot reach tenant-alpha/agentgateway-waypoint[Pod] on TCP 15008 (a route of the tenant, through its waypoint); the NetworkPolicies must allow it',
      'dev: tenant-alpha/agent[Pod] reaches istio-system/istiod[Pod] (TCP 15012; only the waypoint talks to istiod); the NetworkPolicies must refuse it',
    ]);
  });

  it('catches a missing AuthorizationPolicy: without one, every identity is admitted', async () => {
    const copy = freshCopy();
    copy.write(`dist/prod/tenants/beta/authorizationpolicy-tenant-isolation.yaml`, '# removed\n');
    const r = await isolationGate(copy.output());
    expect(r.errors).toContain(
      'prod: mesh identity cluster.local/ns/tenant-alpha/sa/agent → tenant-beta/agent port 8080 (another tenant) is allowed, expected denied: no AuthorizationPolicy applies',
    );
  });
});

describe('evaluator and netpol-analyzer', () => {
  it('agree on named ports, port ranges, label expressions and address blocks', async () => {
    const copy = freshCopy();
    copy.write(`${ALPHA}/networkpolicy-mixed.yaml`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'mixed', namespace: 'tenant-alpha' },
      spec: {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['agent', 'other'] }] },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    {
                      key: 'kubernetes.io/metadata.name',
                      operator: 'NotIn',
                      values: ['tenant-beta', 'tenant-research'],
                    },
                  ],
                },
              },
            ],
            ports: [{ port: 'metrics' }, { port: 7000, endPort: 7100, protocol: 'TCP' }],
          },
          { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'UDP' }] },
        ],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
                podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'Exists' }] },
              },
            ],
            ports: [{ port: 'web' }, { port: 9091, protocol: 'SCTP' }],
          },
          {
            to: [{ ipBlock: { cidr: '52.0.0.0/8', except: ['52.1.0.0/16', '52.2.0.0/16'] } }],
            ports: [{ port: 8443 }],
          },
        ],
      },
    });
    const env = copy.output().environments[0];
    const r = await crossCheck(env);
    expect(r.errors).toEqual([]);
    expect(r.tenants).toBe(3);
  });
});

describe('analysis input', () => {
  it('has a pod per tenant and platform component, namespaces labelled with their names, and the policies', () => {
    const env = repoOutput().environments[0];
    const files = analysisInput(env);
    expect(tenantNamespaces(env)).toEqual(['tenant-alpha', 'tenant-beta', 'tenant-research']);
    expect(files.get('namespaces.yaml')).toContain('kubernetes.io/metadata.name: tenant-alpha');
    expect(files.get('namespaces.yaml')).toContain('kubernetes.io/metadata.name: kube-system');
    for (const pod of [
      'namespace: tenant-research',
      'name: sandbox',
      'platform.agentic.io/sandbox: sandbox',
      'name: coredns',
      'name: agentgateway-proxy',
      'name: agentgateway-mesh',
      'name: agentgateway-waypoint',
      'name: kagent-waypoint',
      'name: kagent-tools',
      'name: otel-collector',
      'name: prometheus',
    ])
      expect(files.get('pods.yaml')).toContain(pod);
    expect([...files.keys()].filter((f) => f.startsWith('netpol-'))).toHaveLength(
      env.manifests.filter((m) => m.object.kind === 'NetworkPolicy').length,
    );
    expect([...analysisInput(env, 'tenant-beta').keys()].filter((f) => f.startsWith('netpol-'))).toHaveLength(9);
  });

  it('reads the connection strings of netpol-analyzer', () => {
    const c = parseConnection('TCP 4317-4318,15008,UDP 53');
    expect(allows(c, 'TCP', 4318)).toBe(true);
    expect(allows(c, 'TCP', 15008)).toBe(true);
    expect(allows(c, 'TCP', 4319)).toBe(false);
    expect(allows(c, 'UDP', 53)).toBe(true);
    expect(allows(parseConnection('All Connections'), 'SCTP', 1)).toBe(true);
    expect(allows(undefined, 'TCP', 443)).toBe(false);
    expect(() => parseConnection('TCP fifty')).toThrow(
      'netpol-analyzer connection "TCP fifty": cannot read "TCP fifty"',
    );
  });

  it('requires an external range that holds a public address on 443', () => {
    const copy = freshCopy();
    const np = copy.read(`${ALPHA}/networkpolicy-allow-external-https.yaml`);
    np.spec.egress[0].to = [{ ipBlock: { cidr: '10.0.0.0/8' } }];
    copy.write(`${ALPHA}/networkpolicy-allow-external-https.yaml`, np);
    const env = copy.output().environments[0];
    expect(checkNetwork(env).errors).toEqual([
      'dev: tenant-alpha/agent[Pod] cannot reach external address 8.8.8.8 on TCP 443; the NetworkPolicies must allow external HTTPS',
    ]);
  });
});

describe('mesh authorization evaluation', () => {
  const policy = (namespace: string, spec: object): Manifest => ({
    file: `${namespace}.yaml`,
    env: 'dev',
    object: {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'p', namespace },
      spec,
    },
  });
  const req = (principal: string, port = 8080): MeshRequest => ({
    principal,
    sourceNamespace: principal.split('/')[2],
    destinationNamespace: 'tenant-a',
    destinationLabels: { app: 'agent' },
    port,
  });

  it('matches principals exactly, by prefix, by suffix and by *', () => {
    expect(istioMatch('cluster.local/ns/a/sa/*', 'cluster.local/ns/a/sa/x')).toBe(true);
    expect(istioMatch('cluster.local/ns/a/sa/*', 'cluster.local/ns/ab/sa/x')).toBe(false);
    expect(istioMatch('*/sa/x', 'cluster.local/ns/a/sa/x')).toBe(true);
    expect(istioMatch('spiffe://cluster.local/ns/a/sa/x', 'cluster.local/ns/a/sa/x')).toBe(true);
    expect(istioMatch('*', '')).toBe(false);
  });

  it('denies what no ALLOW rule admits and allows what one does', () => {
    const ps = [
      policy('tenant-a', {
        action: 'ALLOW',
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/tenant-a/sa/*'] } }] }],
      }),
    ];
    expect(evaluate(ps, req('cluster.local/ns/tenant-b/sa/agent')).verdict).toBe('denied');
    expect(evaluate(ps, req('cluster.local/ns/tenant-a/sa/agent')).verdict).toBe('allowed');
  });

  it('lets a DENY rule win over an ALLOW rule, and applies root-namespace policies everywhere', () => {
    const ps = [
      policy('tenant-a', { rules: [{}] }),
      policy('istio-system', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['tenant-b'] } }] }] }),
    ];
    expect(evaluate(ps, req('cluster.local/ns/tenant-b/sa/agent')).verdict).toBe('denied');
    expect(evaluate(ps, req('cluster.local/ns/tenant-c/sa/agent')).verdict).toBe('allowed');
  });

  it('does not prove a denial that an unknown L7 condition could lift', () => {
    const ps = [
      policy('tenant-a', {
        rules: [
          { from: [{ source: { principals: ['cluster.local/ns/tenant-a/sa/*'] } }] },
          { to: [{ operation: { paths: ['/public'] } }] },
        ],
      }),
    ];
    const v = evaluate(ps, req('cluster.local/ns/tenant-b/sa/agent'));
    expect(v.verdict).toBe('unknown');
    expect(v.reason).toContain('rules[1]');
  });

  it('checks ports, ignores policies of other namespaces, selectors that do not match and waypoint-attached ones', () => {
    expect(ruleMatch({ to: [{ operation: { ports: ['9090'] } }] }, req('x/ns/tenant-b/sa/y', 8080))).toBe('no');
    expect(ruleMatch({ to: [{ operation: { notPorts: ['9090'] } }] }, req('x/ns/tenant-b/sa/y', 8080))).toBe('yes');
    const ps = [
      policy('tenant-z', { rules: [] }),
      policy('tenant-a', { selector: { matchLabels: { app: 'other' } }, rules: [] }),
      policy('tenant-a', { targetRefs: [{ kind: 'Gateway', name: 'w' }], rules: [] }),
    ];
    expect(evaluate(ps, req('cluster.local/ns/tenant-b/sa/agent'))).toEqual({
      verdict: 'allowed',
      reason: 'no AuthorizationPolicy applies',
    });
  });
});
