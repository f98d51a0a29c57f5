/**
 * A tenant's workloads with every default applied: what the tenant chart compiles into kagent,
 * agent-sandbox and agentgateway objects. The shape is the schema's (workloads-schema.ts); this
 * adds what follows from it: each entry's form, the defaults of fields that only one form has,
 * quantities as text, and the resolved guards.
 */
import { resolveGuards } from './guards';
import { KAGENT_AGENT_SERVICE } from '../lib/constants';
import { type ResourcesInput, workloadsSchema, type WorkloadsInput, type WorkloadsOutput } from './workloads-schema';

/** Defaults of the workload keys that only one form of an entry has (the schema holds the others). */
export const WORKLOAD_DEFAULTS = {
  mcpPort: 3000,
  mcpPath: '/mcp',
  mcpTransport: 'http',
  mcpProtocol: 'STREAMABLE_HTTP',
  sandboxPort: 8080,
  sandboxKind: 'Sandbox',
} as const;

/** The ModelConfig an agent uses when it names none (created in every tenant namespace). */
export const DEFAULT_MODEL_CONFIG = 'default-model-config';

type Of<K extends keyof WorkloadsOutput> = WorkloadsOutput[K] extends readonly (infer T)[] ? T : never;

export interface Resources {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** An entry's resources with quantities as text (no key when it sets none). */
function resources(r: ResourcesInput | undefined): { resources?: Resources } {
  if (!r) return {};
  const side = (s: { cpu?: string | number; memory?: string | number } | undefined) =>
    s
      ? {
          ...(s.cpu !== undefined ? { cpu: String(s.cpu) } : {}),
          ...(s.memory !== undefined ? { memory: String(s.memory) } : {}),
        }
      : undefined;
  const requests = side(r.requests);
  const limits = side(r.limits);
  return { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } };
}

const agent = ({ model, resources: r, ...a }: Of<'agents'>) => ({
  ...a,
  /** Declarative (kagent runs it from a system message) or BYO (the tenant's own image). */
  type: a.image !== undefined ? ('BYO' as const) : ('Declarative' as const),
  /** Name of the tenant's ModelConfig the agent uses. */
  modelConfig: model ?? DEFAULT_MODEL_CONFIG,
  tools: a.tools ?? [],
  skills: a.skills ?? [],
  args: a.args ?? [],
  calls: a.calls ?? [],
  ...resources(r),
});

const mcpServer = ({ resources: r, ...s }: Of<'mcpServers'>) => ({
  ...s,
  source: s.url !== undefined ? ('remote' as const) : ('image' as const),
  transport: s.transport ?? WORKLOAD_DEFAULTS.mcpTransport,
  port: s.port ?? WORKLOAD_DEFAULTS.mcpPort,
  path: s.path ?? WORKLOAD_DEFAULTS.mcpPath,
  args: s.args ?? [],
  env: { ...s.env },
  secretRefs: s.secretRefs ?? [],
  ...resources(r),
  protocol: s.protocol ?? WORKLOAD_DEFAULTS.mcpProtocol,
});

const sandbox = ({ resources: r, ...s }: Of<'sandboxes'>) => ({
  ...s,
  kind: s.kind ?? WORKLOAD_DEFAULTS.sandboxKind,
  args: s.args ?? [],
  port: s.port ?? WORKLOAD_DEFAULTS.sandboxPort,
  ...resources(r),
  expose: s.expose ?? false,
});

export type Agent = ReturnType<typeof agent>;
export type McpServer = ReturnType<typeof mcpServer>;
export type Sandbox = ReturnType<typeof sandbox>;
export type EnvVar = Agent['env'][number];
export type Model = TenantWorkloads['models'][number];
export type LlmBackend = TenantWorkloads['llmBackends'][number];
export type TenantWorkloads = ReturnType<typeof workloadsOf>;
export type SandboxRouter = NonNullable<TenantWorkloads['sandboxRouter']>;

/** The workloads of a tenant entry the schema accepted. */
export function workloadsOf(t: WorkloadsOutput) {
  // A webhook guard names a Service of the tenant: an agent's or an image MCP server's.
  const webhookPort = (service: string): number | undefined => {
    if (t.agents.some((a) => a.name === service)) return KAGENT_AGENT_SERVICE.port;
    const server = t.mcpServers.find((s) => s.name === service && s.url === undefined);
    return server ? (server.port ?? WORKLOAD_DEFAULTS.mcpPort) : undefined;
  };
  return {
    /** Prompt guards of every path of the tenant's LLM traffic. */
    guards: resolveGuards(t.guards, webhookPort),
    agents: t.agents.map(agent),
    models: t.models.map(({ guards, ...m }) => ({ ...m, guards: resolveGuards(guards, webhookPort) })),
    mcpServers: t.mcpServers.map(mcpServer),
    sandboxes: t.sandboxes.map(sandbox),
    /** The tenant's sandbox router, when it asks for one. */
    ...(t.sandboxRouter ? { sandboxRouter: { expose: t.sandboxRouter.expose } } : {}),
    llmBackends: t.llmBackends.map(({ guards, ...b }) => ({ ...b, guards: resolveGuards(guards, webhookPort) })),
  };
}

/** The workloads of workload keys as written (parsed and checked entry by entry; throws when invalid). */
export function resolveWorkloads(input: WorkloadsInput): TenantWorkloads {
  return workloadsOf(workloadsSchema.parse(input));
}
