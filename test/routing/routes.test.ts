import { describe, expect, it } from 'vitest';
import { resolveWorkloads } from '../../charts/config/workloads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import {
  backendRefWithDefaults,
  callersExpression,
  externalUrl,
  gatewayUrl,
  meshCallersExpression,
  routePath,
  routeSegment,
  sortRoutes,
  tenantRoutes,
  type RouteEntry,
} from '../../charts/config/routes';
import { CRDS_DIR } from '../../scripts/toolchain/schemas';

const workloads = resolveWorkloads({
  agents: [
    { name: 'triage', systemMessage: 'Hi.', expose: true, allowCallsFrom: ['zeta', 'research', 'alpha', 'research'] },
    { name: 'internal', systemMessage: 'Hi.' },
  ],
  llmBackends: [
    {
      name: 'openai',
      provider: 'openai',
      model: 'gpt-x',
      apiKeySecret: 'openai',
      expose: true,
      allowCallsFrom: ['beta'],
    },
    { name: 'hidden', provider: 'anthropic', model: 'c', apiKeySecret: 'h' },
  ],
  mcpServers: [
    { name: 'kb', image: 'registry.test/kb:1.0.0', tools: ['search'], expose: true },
    { name: 'papers', url: 'https://mcp.example.test/mcp', tools: [], expose: false },
  ],
  sandboxes: [
    { name: 'python', image: 'registry.test/py:1.0.0', port: 8888, expose: true },
    { name: 'notebook', kind: 'SandboxTemplate', image: 'registry.test/nb:1.0.0' },
  ],
});

describe('tenantRoutes', () => {
  const routes = tenantRoutes({ name: 'alpha', index: 2, workloads });

  it('routes the exposed objects and every LLM backend, agents then LLM backends, MCP servers and sandboxes', () => {
    expect(routes.map((r) => r.path)).toEqual([
      '/a2a/tenant-alpha/triage',
      '/llm/tenant-alpha/openai',
      '/llm/tenant-alpha/hidden',
      '/mcp/tenant-alpha/kb',
      '/sandbox/tenant-alpha/python',
    ]);
  });

  it('puts the exposed objects on the external gateway too, and an unexposed LLM backend on the mesh gateway only', () => {
    expect(routes[2].routeNames).toEqual({ mesh: 'llm-hidden-mesh' });
    expect(routes.map((r) => [r.path, r.external])).toEqual([
      ['/a2a/tenant-alpha/triage', true],
      ['/llm/tenant-alpha/openai', true],
      ['/llm/tenant-alpha/hidden', false],
      ['/mcp/tenant-alpha/kb', true],
      ['/sandbox/tenant-alpha/python', true],
    ]);
  });

  it('describes an agent route completely', () => {
    expect(routes[0]).toEqual({
      path: '/a2a/tenant-alpha/triage',
      kind: 'a2a',
      owner: 'alpha',
      namespace: 'tenant-alpha',
      routeNames: { mesh: 'a2a-triage-mesh', external: 'a2a-triage' },
      field: ['tenants', 2, 'agents', 0],
      exposes: { kind: 'Agent', name: 'triage' },
      backend: { kind: 'Service', namespace: 'tenant-alpha', name: 'triage', port: 8080, createdBy: 'kagent' },
      callers: ['alpha', 'research', 'zeta'],
      external: true,
    } satisfies RouteEntry);
  });

  it('backs an LLM route with the compiled AgentgatewayBackend', () => {
    expect(routes[1]).toMatchObject({
      routeNames: { mesh: 'llm-openai-mesh', external: 'llm-openai' },
      field: ['tenants', 2, 'llmBackends', 0],
      exposes: { kind: 'AgentgatewayBackend', name: 'openai' },
      callers: ['alpha', 'beta'],
    });
    expect(routes[1].backend).toEqual({
      kind: 'AgentgatewayBackend',
      namespace: 'tenant-alpha',
      name: 'openai',
      createdBy: 'compiler',
    });
  });

  it('backs an MCP route with the Service kmcp creates on the server port', () => {
    expect(routes[3]).toMatchObject({
      routeNames: { mesh: 'mcp-kb-mesh', external: 'mcp-kb' },
      field: ['tenants', 2, 'mcpServers', 0],
      exposes: { kind: 'MCPServer', name: 'kb' },
      callers: ['alpha'],
    });
    expect(routes[3].backend).toEqual({
      kind: 'Service',
      namespace: 'tenant-alpha',
      name: 'kb',
      port: 3000,
      createdBy: 'kmcp',
    });
  });

  it("gives every running sandbox a mesh route for its tenant's agents, external only when exposed, and a template none", () => {
    const inner = tenantRoutes({
      name: 'alpha',
      index: 0,
      workloads: resolveWorkloads({
        sandboxes: [
          { name: 'py', image: 'registry.test/py:1.0.0' },
          { name: 'nb', kind: 'SandboxTemplate', image: 'registry.test/nb:1.0.0' },
        ],
      }),
    });
    expect(inner.map((r) => [r.path, r.routeNames, r.external, r.callers])).toEqual([
      ['/sandbox/tenant-alpha/py', { mesh: 'sandbox-py-mesh' }, false, ['alpha']],
    ]);
  });

  it('backs a sandbox route with the compiled sandbox-<name> Service, callable by the owner only', () => {
    expect(routes[4]).toMatchObject({
      routeNames: { mesh: 'sandbox-python-mesh', external: 'sandbox-python' },
      field: ['tenants', 2, 'sandboxes', 0],
      exposes: { kind: 'Sandbox', name: 'python' },
      callers: ['alpha'],
    });
    expect(routes[4].backend).toEqual({
      kind: 'Service',
      namespace: 'tenant-alpha',
      name: 'sandbox-python',
      port: 8888,
      createdBy: 'compiler',
    });
  });

  it('uses the alias as path segment when there is one', () => {
    const aliased = tenantRoutes({ name: 'alpha', alias: 'support', index: 0, workloads });
    expect(aliased.map((r) => r.path)).toEqual([
      '/a2a/support/triage',
      '/llm/support/openai',
      '/llm/support/hidden',
      '/mcp/support/kb',
      '/sandbox/support/python',
    ]);
    expect(aliased.every((r) => r.namespace === 'tenant-alpha' && r.owner === 'alpha')).toBe(true);
  });

  it('gives a tenant without exposed objects no routes', () => {
    expect(
      tenantRoutes({
        name: 'quiet',
        index: 0,
        workloads: resolveWorkloads({ agents: [{ name: 'a', systemMessage: 'x' }] }),
      }),
    ).toEqual([]);
  });
});

describe('routeSegment and routePath', () => {
  it('is the alias, else the namespace', () => {
    expect(routeSegment({ name: 'alpha', alias: 'support' })).toBe('support');
    expect(routeSegment({ name: 'alpha' })).toBe('tenant-alpha');
  });

  it('joins prefix, segment and name', () => {
    expect(routePath('mcp', 'support', 'kb')).toBe('/mcp/support/kb');
    expect(routePath('sandbox', 'tenant-beta', 'python')).toBe('/sandbox/tenant-beta/python');
  });
});

describe('sortRoutes', () => {
  const entry = (path: string, owner: string) => ({ path, owner }) as RouteEntry;

  it('sorts by path, then owner, without changing its input', () => {
    const input = [entry('/mcp/a/x', 'b'), entry('/a2a/z/y', 'z'), entry('/mcp/a/x', 'a'), entry('/a2a/b/y', 'b')];
    const before = [...input];
    expect(sortRoutes(input).map((r) => `${r.path} ${r.owner}`)).toEqual([
      '/a2a/b/y b',
      '/a2a/z/y z',
      '/mcp/a/x a',
      '/mcp/a/x b',
    ]);
    expect(input).toEqual(before);
  });
});

describe('callersExpression', () => {
  it('admits a token whose claim names one of the callers, quoted', () => {
    expect(callersExpression('tenant', ['alpha', 'research'])).toBe('jwt.tenant.exists(t, t in ["alpha", "research"])');
    expect(callersExpression('tenant', ['alpha'])).toBe('jwt.tenant.exists(t, t in ["alpha"])');
    expect(callersExpression('groups', ['a"b'])).toBe('jwt.groups.exists(t, t in ["a\\"b"])');
  });
});

describe('meshCallersExpression', () => {
  it("admits workloads of the callers' namespaces, in the trust domain", () => {
    expect(meshCallersExpression('cluster.local', ['alpha', 'research'])).toBe(
      'source.identity.trustDomain == "cluster.local" && source.identity.namespace in ["tenant-alpha", "tenant-research"]',
    );
  });

  it('admits every tenant namespace and kagent for a platform route', () => {
    expect(meshCallersExpression('td', ['*'])).toBe(
      'source.identity.trustDomain == "td" && (source.identity.namespace.startsWith("tenant-") || source.identity.namespace == "kagent-system")',
    );
  });
});

describe('gatewayUrl and externalUrl', () => {
  it('is the in-cluster URL of the mesh gateway', () => {
    expect(gatewayUrl('/a2a/support/triage')).toBe(
      'http://agentgateway-mesh.agentgateway-system.svc.cluster.local/a2a/support/triage',
    );
  });

  it('is the TLS URL of the external gateway host', () => {
    expect(externalUrl('dev.example.test', '/a2a/support/triage')).toBe(
      'https://gateway.dev.example.test/a2a/support/triage',
    );
  });
});

describe('backendRefWithDefaults', () => {
  // gateway-api v1.6.1 gateway.networking.k8s.io_httproutes.yaml (../shared/crds): the defaults the
  // API server writes into every HTTPRoute backendRef, which Argo CD's server-side apply owns.
  const crd = load(
    fs.readFileSync(path.join(CRDS_DIR, 'gateway-api', 'gateway.networking.k8s.io_httproutes.yaml'), 'utf8'),
  ) as Record<string, any>;
  const v1 = crd.spec.versions.find((v: Record<string, any>) => v.name === 'v1');
  const ref = v1.schema.openAPIV3Schema.properties.spec.properties.rules.items.properties.backendRefs.items
    .properties as Record<string, { default?: unknown }>;
  const defaults = Object.fromEntries(
    Object.entries(ref)
      .filter(([, p]) => p.default !== undefined)
      .map(([k, p]) => [k, p.default]),
  );

  it('writes out every default of the CRD, so the live route equals the generated one', () => {
    expect(defaults).toEqual({ group: '', kind: 'Service', weight: 1 });
    expect(backendRefWithDefaults({ name: 'kb', port: 3000 })).toEqual({ ...defaults, name: 'kb', port: 3000 });
  });

  it('keeps what the reference sets', () => {
    expect(
      backendRefWithDefaults({ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'openai', weight: 3 }),
    ).toEqual({ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'openai', weight: 3 });
  });
});
