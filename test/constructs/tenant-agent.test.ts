import { describe, expect, it } from 'vitest';
import { TenantAgent } from '../../charts/constructs/tenant-agent';
import { callEnvName } from '../../charts/constructs/workload-parts';
import { resolveWorkloads } from '../../charts/config/workloads';
import type { AgentInput, McpServerInput } from '../../charts/config/workloads-schema';
import { only, synth } from '../helpers';

const TENANT = 'alpha';
const NS = 'tenant-alpha';

const SERVERS: McpServerInput[] = [
  { name: 'kb', image: 'registry.test/kb:1.0.0', tools: ['search', 'get'] },
  { name: 'papers', url: 'https://mcp.example.test/mcp', tools: ['search_papers'] },
];

/** The Agent a tenants.yaml entry compiles to. */
function agentOf(input: AgentInput, callUrls?: ReadonlyMap<string, string>) {
  const w = resolveWorkloads({ agents: [input], mcpServers: SERVERS });
  return only(
    synth(
      (c) =>
        new TenantAgent(c, 'a', {
          tenant: TENANT,
          namespace: NS,
          agent: w.agents[0],
          mcpServers: w.mcpServers,
          callUrls,
        }),
    ),
    'Agent',
  );
}

const PLACEMENT = {
  nodeSelector: { 'node-role': 'agents' },
  tolerations: [{ key: 'workload', operator: 'Equal', value: 'agents', effect: 'NoSchedule' }],
};

const TRACING = [
  { name: 'OTEL_PROPAGATORS', value: 'tracecontext,baggage' },
  { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'tenant=alpha,k8s.namespace.name=tenant-alpha' },
];

/** Compiled into every declarative agent (trace propagation), right after the tracing variables. */
const DECLARATIVE = [{ name: 'DISABLE_AIOHTTP_TRANSPORT', value: 'True' }];

const LABELS = {
  'app.kubernetes.io/managed-by': 'agentic-platform',
  'app.kubernetes.io/part-of': 'agentic-platform',
  'platform.agentic.io/tenant-name': 'alpha',
};

describe('TenantAgent, declarative', () => {
  const agent = agentOf({
    name: 'triage',
    description: 'Answers support questions.',
    systemMessage: 'You are the triage agent.',
    model: 'claude-haiku',
    tools: [
      { mcpServer: 'kb', toolNames: ['search'] },
      { mcpServer: 'papers', toolNames: ['search_papers'] },
      { agent: 'helper' },
    ],
    skills: [{ id: 'answer', name: 'Answer a question', tags: ['support'] }],
    env: [{ name: 'LOG_LEVEL', value: 'debug' }],
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: 1 } },
    expose: true,
  });

  it('is a kagent v1alpha2 Agent in the tenant namespace with the tenant labels', () => {
    expect(agent.apiVersion).toBe('kagent.dev/v1alpha2');
    expect(agent.metadata).toEqual({
      name: 'triage',
      namespace: NS,
      labels: LABELS,
      annotations: { 'platform.agentic.io/expose': 'true' },
    });
    expect(agent.spec.type).toBe('Declarative');
    expect(agent.spec.description).toBe('Answers support questions.');
    expect(agent.spec.byo).toBeUndefined();
  });

  it('uses the named ModelConfig and the system message', () => {
    expect(agent.spec.declarative.modelConfig).toBe('claude-haiku');
    expect(agent.spec.declarative.systemMessage).toBe('You are the triage agent.');
  });

  it('refers to an image server as MCPServer and a remote one as RemoteMCPServer, both in the namespace', () => {
    expect(agent.spec.declarative.tools).toEqual([
      {
        type: 'McpServer',
        mcpServer: { apiGroup: 'kagent.dev', kind: 'MCPServer', name: 'kb', namespace: NS, toolNames: ['search'] },
      },
      {
        type: 'McpServer',
        mcpServer: {
          apiGroup: 'kagent.dev',
          kind: 'RemoteMCPServer',
          name: 'papers',
          namespace: NS,
          toolNames: ['search_papers'],
        },
      },
      { type: 'Agent', agent: { apiGroup: 'kagent.dev', kind: 'Agent', name: 'helper', namespace: NS } },
    ]);
  });

  it('advertises its skills in a2aConfig', () => {
    expect(agent.spec.declarative.a2aConfig).toEqual({
      skills: [{ id: 'answer', name: 'Answer a question', tags: ['support'] }],
    });
  });

  it('runs on the agents node group with tracing env first, the trace propagation switch, then its own env, and its resources', () => {
    expect(agent.spec.declarative.deployment).toEqual({
      ...PLACEMENT,
      // What the collector reports as the agent and model of the pod's spans.
      labels: { 'platform.agentic.io/agent': 'triage', 'platform.agentic.io/model-config': 'claude-haiku' },
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1' } },
      env: [...TRACING, ...DECLARATIVE, { name: 'LOG_LEVEL', value: 'debug' }],
    });
  });

  it('may be used as a tool only by agents of its own namespace', () => {
    expect(agent.spec.allowedNamespaces).toEqual({ from: 'Same' });
  });

  it('has no a2aConfig, tools, resources, description or expose annotation when none are declared', () => {
    const bare = agentOf({ name: 'plain', systemMessage: 'Hi.' });
    expect(bare.metadata).toEqual({ name: 'plain', namespace: NS, labels: LABELS });
    expect(bare.spec).toEqual({
      allowedNamespaces: { from: 'Same' },
      type: 'Declarative',
      declarative: {
        modelConfig: 'default-model-config',
        systemMessage: 'Hi.',
        deployment: {
          ...PLACEMENT,
          labels: { 'platform.agentic.io/agent': 'plain', 'platform.agentic.io/model-config': 'default-model-config' },
          env: [...TRACING, ...DECLARATIVE],
        },
      },
    });
  });
});

describe('TenantAgent, BYO', () => {
  const calls = new Map([
    ['research/lib-rarian', 'http://gw.test/a2a/research/lib-rarian'],
    ['beta-team/planner', 'http://gw.test/a2a/tenant-beta-team/planner'],
  ]);
  const agent = agentOf(
    {
      name: 'planner',
      image: 'registry.test/planner:0.9.0',
      args: ['--port', '8080'],
      env: [
        { name: 'MODEL_CONFIG', value: 'gpt' },
        { name: 'GITHUB_TOKEN', secretKeyRef: { name: 'planner-github', key: 'token' } },
      ],
      resources: { limits: { memory: '1Gi' } },
      calls: [
        { tenant: 'research', agent: 'lib-rarian' },
        { tenant: 'beta-team', agent: 'planner' },
      ],
    },
    calls,
  );

  it('runs the tenant image with its args on the agents node group', () => {
    expect(agent.spec.type).toBe('BYO');
    expect(agent.spec.declarative).toBeUndefined();
    const d = agent.spec.byo.deployment;
    expect(d.image).toBe('registry.test/planner:0.9.0');
    expect(d.args).toEqual(['--port', '8080']);
    expect(d.nodeSelector).toEqual(PLACEMENT.nodeSelector);
    expect(d.tolerations).toEqual(PLACEMENT.tolerations);
    expect(d.resources).toEqual({ limits: { memory: '1Gi' } });
  });

  it('puts OTEL first, then the called agents sorted by tenant/agent, then its own env with secrets by reference', () => {
    expect(agent.spec.byo.deployment.env).toEqual([
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.otel.svc.cluster.local:4317' },
      { name: 'OTEL_SERVICE_NAME', value: 'planner' },
      ...TRACING,
      { name: 'A2A_BETA_TEAM_PLANNER_URL', value: 'http://gw.test/a2a/tenant-beta-team/planner' },
      { name: 'A2A_RESEARCH_LIB_RARIAN_URL', value: 'http://gw.test/a2a/research/lib-rarian' },
      { name: 'MODEL_CONFIG', value: 'gpt' },
      { name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: 'planner-github', key: 'token' } } },
    ]);
  });

  it('never holds a secret value: the reference is kept as it is', () => {
    expect(JSON.stringify(agent)).not.toContain('"token":"');
    expect(
      agent.spec.byo.deployment.env.find((e: { name: string }) => e.name === 'GITHUB_TOKEN').value,
    ).toBeUndefined();
  });

  it('is not exposed unless declared, and still carries the managed-by label the auto-expose policy skips', () => {
    expect(agent.metadata.annotations).toBeUndefined();
    expect(agent.metadata.labels['app.kubernetes.io/managed-by']).toBe('agentic-platform');
    expect(agent.spec.allowedNamespaces).toEqual({ from: 'Same' });
  });

  it('has no args key and no call variables when there are none', () => {
    const bare = agentOf({ name: 'solo', image: 'registry.test/solo:1.0.0' });
    expect(bare.spec.byo.deployment).toEqual({
      image: 'registry.test/solo:1.0.0',
      ...PLACEMENT,
      // A BYO agent names its model itself: only the agent's name is a pod label.
      labels: { 'platform.agentic.io/agent': 'solo' },
      env: [
        { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.otel.svc.cluster.local:4317' },
        { name: 'OTEL_SERVICE_NAME', value: 'solo' },
        ...TRACING,
      ],
    });
  });
});

describe('callEnvName', () => {
  it('upper-cases and turns - into _', () => {
    expect(callEnvName('alpha', 'triage')).toBe('A2A_ALPHA_TRIAGE_URL');
    expect(callEnvName('team-x', 'code-review')).toBe('A2A_TEAM_X_CODE_REVIEW_URL');
  });
});
