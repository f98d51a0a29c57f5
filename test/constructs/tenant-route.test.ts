import { describe, expect, it } from 'vitest';
import { TenantRoute } from '../../charts/constructs/tenant-route';
import { resolveWorkloads } from '../../charts/config/workloads';
import { type RouteEntry, tenantRoutes } from '../../charts/config/routes';
import { ofKind, synth } from '../helpers';

const LABELS = {
  'app.kubernetes.io/managed-by': 'agentic-platform',
  'app.kubernetes.io/part-of': 'agentic-platform',
  'platform.agentic.io/tenant-name': 'alpha',
};
const TD = 'mesh.example.test';

const ROUTES = tenantRoutes({
  name: 'alpha',
  alias: 'support',
  index: 0,
  workloads: resolveWorkloads({
    agents: [{ name: 'triage', systemMessage: 'Hi.', expose: true, allowCallsFrom: ['research'] }],
    llmBackends: [
      {
        name: 'openai',
        provider: 'openai',
        model: 'gpt-x',
        apiKeySecret: 'openai',
        expose: true,
        allowCallsFrom: ['zeta', 'beta'],
      },
      { name: 'private', provider: 'anthropic', model: 'claude-x', apiKeySecret: 'anthropic' },
    ],
    mcpServers: [{ name: 'kb', image: 'registry.test/kb:1.0.0', port: 3100, tools: ['search'], expose: true }],
    sandboxes: [{ name: 'python', image: 'registry.test/py:1.0.0', port: 8888, expose: true }],
  }),
});

const route = (kind: RouteEntry['kind'], name?: string) => {
  const r = ROUTES.find((x) => x.kind === kind && (name === undefined || x.exposes.name === name));
  if (!r) throw new Error(`no ${kind} route`);
  return r;
};

function objectsOf(r: RouteEntry) {
  const objects = synth((c) => new TenantRoute(c, 'r', { tenant: 'alpha', route: r, trustDomain: TD }));
  const byName = (kind: string, name: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o)
      throw new Error(`no ${kind} ${name} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
    return o;
  };
  return { objects, byName };
}

const meshParent = {
  group: 'gateway.networking.k8s.io',
  kind: 'Gateway',
  name: 'agentgateway-mesh',
  namespace: 'agentgateway-system',
  sectionName: 'mesh',
};
const externalParent = {
  group: 'gateway.networking.k8s.io',
  kind: 'Gateway',
  name: 'agentgateway-proxy',
  namespace: 'agentgateway-system',
  sectionName: 'api',
};

describe('TenantRoute', () => {
  it('puts an exposed agent on both gateways: the same path, prefix rewritten to /, the agent Service as backend', () => {
    const { objects, byName } = objectsOf(route('a2a'));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AgentgatewayPolicy/a2a-triage-callers',
      'AgentgatewayPolicy/a2a-triage-mesh-callers',
      'HTTPRoute/a2a-triage',
      'HTTPRoute/a2a-triage-mesh',
    ]);
    const rule = {
      matches: [{ path: { type: 'PathPrefix', value: '/a2a/support/triage' } }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
      backendRefs: [{ group: '', kind: 'Service', name: 'triage', port: 8080, weight: 1 }],
    };
    expect(byName('HTTPRoute', 'a2a-triage-mesh').metadata).toEqual({
      name: 'a2a-triage-mesh',
      namespace: 'tenant-alpha',
      labels: LABELS,
    });
    expect(byName('HTTPRoute', 'a2a-triage-mesh').spec).toEqual({ parentRefs: [meshParent], rules: [rule] });
    expect(byName('HTTPRoute', 'a2a-triage').spec).toEqual({ parentRefs: [externalParent], rules: [rule] });
  });

  it('admits callers on the mesh gateway by the SPIFFE identity of their workload: the owner and allowed tenants', () => {
    const { byName } = objectsOf(route('a2a'));
    expect(byName('AgentgatewayPolicy', 'a2a-triage-mesh-callers').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'a2a-triage-mesh' }],
      traffic: {
        authorization: {
          action: 'Require',
          policy: {
            matchExpressions: [
              `source.identity.trustDomain == "${TD}" && source.identity.namespace in ["tenant-alpha", "tenant-research"]`,
            ],
          },
        },
      },
    });
  });

  it('admits callers on the external gateway by the tenant claim of their token', () => {
    const { byName } = objectsOf(route('a2a'));
    expect(byName('AgentgatewayPolicy', 'a2a-triage-callers').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'a2a-triage' }],
      traffic: {
        authorization: {
          action: 'Require',
          policy: { matchExpressions: ['jwt.tenant.exists(t, t in ["alpha", "research"])'] },
        },
      },
    });
  });

  it('forwards an MCP route to the Service kmcp creates, on the server port', () => {
    const { byName } = objectsOf(route('mcp'));
    for (const name of ['mcp-kb', 'mcp-kb-mesh']) {
      expect(byName('HTTPRoute', name).spec.rules[0].matches).toEqual([
        { path: { type: 'PathPrefix', value: '/mcp/support/kb' } },
      ]);
      expect(byName('HTTPRoute', name).spec.rules[0].backendRefs).toEqual([
        { group: '', kind: 'Service', name: 'kb', port: 3100, weight: 1 },
      ]);
    }
  });

  it('forwards a sandbox route to the sandbox-<name> Service and admits the owner only', () => {
    const { byName } = objectsOf(route('sandbox'));
    expect(byName('HTTPRoute', 'sandbox-python').spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'sandbox-python', port: 8888, weight: 1 },
    ]);
    expect(
      byName('AgentgatewayPolicy', 'sandbox-python-callers').spec.traffic.authorization.policy.matchExpressions,
    ).toEqual(['jwt.tenant.exists(t, t in ["alpha"])']);
    expect(
      byName('AgentgatewayPolicy', 'sandbox-python-mesh-callers').spec.traffic.authorization.policy.matchExpressions,
    ).toEqual([`source.identity.trustDomain == "${TD}" && source.identity.namespace in ["tenant-alpha"]`]);
  });

  it('forwards an LLM route to the AgentgatewayBackend, without a port, owner first then allowed tenants sorted', () => {
    const { byName } = objectsOf(route('llm', 'openai'));
    expect(byName('HTTPRoute', 'llm-openai-mesh').spec.rules[0].backendRefs).toEqual([
      { group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'openai', weight: 1 },
    ]);
    expect(
      byName('AgentgatewayPolicy', 'llm-openai-callers').spec.traffic.authorization.policy.matchExpressions,
    ).toEqual(['jwt.tenant.exists(t, t in ["alpha", "beta", "zeta"])']);
  });

  it("puts an LLM backend that is not exposed on the mesh gateway only: the tenant's models still reach it", () => {
    const { objects } = objectsOf(route('llm', 'private'));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AgentgatewayPolicy/llm-private-mesh-callers',
      'HTTPRoute/llm-private-mesh',
    ]);
  });

  it('never names a route like the auto-expose policy does', () => {
    const all = synth((c) =>
      ROUTES.forEach((r, i) => new TenantRoute(c, `r${i}`, { tenant: 'alpha', route: r, trustDomain: TD })),
    );
    const names = ofKind(all, 'HTTPRoute').map((o) => o.metadata.name);
    expect(names.sort()).toEqual([
      'a2a-triage',
      'a2a-triage-mesh',
      'llm-openai',
      'llm-openai-mesh',
      'llm-private-mesh',
      'mcp-kb',
      'mcp-kb-mesh',
      'sandbox-python',
      'sandbox-python-mesh',
    ]);
    for (const n of names) expect(n.startsWith('auto-expose-')).toBe(false);
  });
});
