import { describe, expect, it } from 'vitest';
import { TenantMcpServer } from '../../charts/constructs/tenant-mcp-server';
import { resolveWorkloads } from '../../charts/config/workloads';
import type { McpServerInput } from '../../charts/config/workloads-schema';
import { synth } from '../helpers';

const NS = 'tenant-alpha';
const LABELS = {
  'app.kubernetes.io/managed-by': 'agentic-platform',
  'app.kubernetes.io/part-of': 'agentic-platform',
  'platform.agentic.io/tenant-name': 'alpha',
};
const PLACEMENT = {
  nodeSelector: { 'node-role': 'agents' },
  tolerations: [{ key: 'workload', operator: 'Equal', value: 'agents', effect: 'NoSchedule' }],
};
const TRACING = {
  OTEL_PROPAGATORS: 'tracecontext,baggage',
  OTEL_RESOURCE_ATTRIBUTES: 'tenant=alpha,k8s.namespace.name=tenant-alpha',
};

/** The one object a tenants.yaml server entry compiles to. */
function serverOf(input: McpServerInput) {
  const server = resolveWorkloads({ mcpServers: [input] }).mcpServers[0];
  const objects = synth((c) => new TenantMcpServer(c, 's', { tenant: 'alpha', namespace: NS, server }));
  expect(objects).toHaveLength(1);
  return objects[0];
}

describe('TenantMcpServer, from an image', () => {
  const s = serverOf({
    name: 'kb',
    image: 'registry.test/kb-mcp:1.4.2',
    port: 3100,
    path: '/rpc',
    args: ['--verbose'],
    tools: ['search'],
    env: { LOG_LEVEL: 'info' },
    secretRefs: ['kb-credentials', 'kb-extra'],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  });

  it('is a kagent.dev/v1alpha1 MCPServer in the tenant namespace', () => {
    expect(s.apiVersion).toBe('kagent.dev/v1alpha1');
    expect(s.kind).toBe('MCPServer');
    expect(s.metadata).toEqual({ name: 'kb', namespace: NS, labels: LABELS });
  });

  it('speaks HTTP on the declared port and path', () => {
    expect(s.spec.transportType).toBe('http');
    expect(s.spec.httpTransport).toEqual({ targetPort: 3100, path: '/rpc' });
    expect(s.spec.stdioTransport).toBeUndefined();
  });

  it('deploys the image with its args, plain env plus the tracing attributes, secrets by name only, resources and placement', () => {
    expect(s.spec.deployment).toEqual({
      image: 'registry.test/kb-mcp:1.4.2',
      port: 3100,
      args: ['--verbose'],
      env: { LOG_LEVEL: 'info', ...TRACING },
      secretRefs: [{ name: 'kb-credentials' }, { name: 'kb-extra' }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      ...PLACEMENT,
    });
  });

  it('keeps the tenant in the trace attributes even when the tenant sets them', () => {
    // The loader refuses such a variable (workload-rules.ts); the construct does not rely on it.
    const server = {
      ...resolveWorkloads({ mcpServers: [{ name: 'kb', image: 'registry.test/kb:1', tools: ['t'] }] }).mcpServers[0],
      env: { OTEL_RESOURCE_ATTRIBUTES: 'tenant=beta' },
    };
    const [spoof] = synth((c) => new TenantMcpServer(c, 's', { tenant: 'alpha', namespace: NS, server }));
    expect(spoof.spec.deployment.env.OTEL_RESOURCE_ATTRIBUTES).toBe('tenant=alpha,k8s.namespace.name=tenant-alpha');
  });

  it('uses the defaults (http, port 3000, /mcp) and omits args, secretRefs and resources when none are declared', () => {
    const d = serverOf({ name: 'bare', image: 'registry.test/bare:1.0.0', tools: ['t'] });
    expect(d.spec).toEqual({
      transportType: 'http',
      httpTransport: { targetPort: 3000, path: '/mcp' },
      deployment: { image: 'registry.test/bare:1.0.0', port: 3000, env: TRACING, ...PLACEMENT },
    });
  });

  it('uses stdioTransport for a stdio server', () => {
    const d = serverOf({ name: 'cli', image: 'registry.test/cli:1.0.0', transport: 'stdio', tools: ['t'] });
    expect(d.spec.transportType).toBe('stdio');
    expect(d.spec.stdioTransport).toEqual({});
    expect(d.spec.httpTransport).toBeUndefined();
  });
});

describe('TenantMcpServer, remote', () => {
  it('is a kagent.dev/v1alpha2 RemoteMCPServer with url, protocol and a default description, usable from its namespace only', () => {
    const s = serverOf({ name: 'papers', url: 'https://mcp.example.test/mcp', tools: ['search_papers'] });
    expect(s.apiVersion).toBe('kagent.dev/v1alpha2');
    expect(s.kind).toBe('RemoteMCPServer');
    expect(s.metadata).toEqual({ name: 'papers', namespace: NS, labels: LABELS });
    expect(s.spec).toEqual({
      description: 'MCP server papers of tenant alpha',
      url: 'https://mcp.example.test/mcp',
      protocol: 'STREAMABLE_HTTP',
      allowedNamespaces: { from: 'Same' },
    });
  });

  it('keeps a declared description and protocol', () => {
    const s = serverOf({
      name: 'papers',
      description: 'Searches papers.',
      url: 'https://mcp.example.test/sse',
      protocol: 'SSE',
      tools: ['search_papers'],
    });
    expect(s.spec.description).toBe('Searches papers.');
    expect(s.spec.protocol).toBe('SSE');
  });
});
