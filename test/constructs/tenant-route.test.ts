import { describe, expect, it } from 'vitest';
import { TenantRoute } from '../../charts/constructs/tenant-route';
import { resolveWorkloads } from '../../charts/config/workloads';
import { type RouteEntry, tenantRoutes } from '../../charts/routing/routes';
import { ofKind, only, synth } from '../helpers';

const LABELS = { 'app.kubernetes.io/managed-by': 'agentic-platform', 'app.kubernetes.io/part-of': 'agentic-platform', 'platform.agentic.io/tenant-name': 'alpha' };

const ROUTES = tenantRoutes({
  name: 'alpha',
  alias: 'support',
  index: 0,
  workloads: resolveWorkloads({
    agents: [{ name: 'triage', systemMessage: 'Hi.', expose: true, allowCallsFrom: ['research'] }],
    llmBackends: [{ name: 'openai', provider: 'openai', model: 'gpt-x', apiKeySecret: 'openai', expose: true, allowCallsFrom: ['zeta', 'beta'] }],
    mcpServers: [{ name: 'kb', image: 'registry.test/kb:1.0.0', port: 3100, tools: ['search'], expose: true }],
    sandboxes: [{ name: 'python', image: 'registry.test/py:1.0.0', port: 8888, expose: true }],
  }),
});

const route = (kind: RouteEntry['kind']) => {
  const r = ROUTES.find((x) => x.kind === kind);
  if (!r) throw new Error(`no ${kind} route`);
  return r;
};

function objectsOf(r: RouteEntry) {
  const objects = synth((c) => new TenantRoute(c, 'r', { tenant: 'alpha', route: r }));
  expect(objects).toHaveLength(2);
  return { httpRoute: only(objects, 'HTTPRoute'), policy: only(objects, 'AgentgatewayPolicy') };
}

describe('TenantRoute', () => {
  it('puts an agent route in the tenant namespace on the central gateway, rewrites the prefix to / and forwards to the agent Service', () => {
    const { httpRoute } = objectsOf(route('a2a'));
    expect(httpRoute.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(httpRoute.metadata).toEqual({ name: 'a2a-triage', namespace: 'tenant-alpha', labels: LABELS });
    expect(httpRoute.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-proxy', namespace: 'agentgateway-system', sectionName: 'platform' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/a2a/support/triage' } }],
          filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
          backendRefs: [{ kind: 'Service', name: 'triage', port: 8080 }],
        },
      ],
    });
  });

  it('forwards an MCP route to the Service kmcp creates, on the server port', () => {
    const { httpRoute } = objectsOf(route('mcp'));
    expect(httpRoute.metadata.name).toBe('mcp-kb');
    expect(httpRoute.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/mcp/support/kb' } }]);
    expect(httpRoute.spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'kb', port: 3100 }]);
  });

  it('forwards a sandbox route to the sandbox-<name> Service on the sandbox port', () => {
    const { httpRoute } = objectsOf(route('sandbox'));
    expect(httpRoute.metadata.name).toBe('sandbox-python');
    expect(httpRoute.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/sandbox/support/python' } }]);
    expect(httpRoute.spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'sandbox-python', port: 8888 }]);
  });

  it('forwards an LLM route to the AgentgatewayBackend, without a port', () => {
    const { httpRoute } = objectsOf(route('llm'));
    expect(httpRoute.metadata.name).toBe('llm-openai');
    expect(httpRoute.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/llm/support/openai' } }]);
    expect(httpRoute.spec.rules[0].backendRefs).toEqual([{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'openai' }]);
  });

  it('requires the caller token to name the owner or an allowed tenant, on exactly that HTTPRoute', () => {
    const { policy } = objectsOf(route('a2a'));
    expect(policy.apiVersion).toBe('agentgateway.dev/v1alpha1');
    expect(policy.metadata).toEqual({ name: 'a2a-triage-callers', namespace: 'tenant-alpha', labels: LABELS });
    expect(policy.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'a2a-triage' }],
      traffic: { authorization: { action: 'Require', policy: { matchExpressions: ['jwt.tenant.exists(t, t in ["alpha", "research"])'] } } },
    });
  });

  it('admits the owner first, then the allowed tenants sorted', () => {
    expect(objectsOf(route('llm')).policy.spec.traffic.authorization.policy.matchExpressions).toEqual(['jwt.tenant.exists(t, t in ["alpha", "beta", "zeta"])']);
  });

  it('admits only the owner on a sandbox and on a route without allowCallsFrom', () => {
    const sandbox = objectsOf(route('sandbox')).policy;
    expect(sandbox.metadata.name).toBe('sandbox-python-callers');
    expect(sandbox.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'sandbox-python' }]);
    expect(sandbox.spec.traffic.authorization.policy.matchExpressions).toEqual(['jwt.tenant.exists(t, t in ["alpha"])']);
    expect(objectsOf(route('mcp')).policy.spec.traffic.authorization.policy.matchExpressions).toEqual(['jwt.tenant.exists(t, t in ["alpha"])']);
  });

  it('never names a route like the auto-expose policy does', () => {
    const all = synth((c) => ROUTES.forEach((r, i) => new TenantRoute(c, `r${i}`, { tenant: 'alpha', route: r })));
    const names = ofKind(all, 'HTTPRoute').map((o) => o.metadata.name);
    expect(names.sort()).toEqual(['a2a-triage', 'llm-openai', 'mcp-kb', 'sandbox-python']);
    for (const n of names) expect(n.startsWith('auto-expose-')).toBe(false);
  });
});
