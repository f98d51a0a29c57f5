/**
 * A tenant's workloads with every default applied: what the tenant chart compiles into kagent,
 * agent-sandbox and agentgateway objects.
 */
import type { GuardsInput } from './guards-schema';
import { type Guards, resolveGuards } from './guards';
import { KAGENT_AGENT_SERVICE } from '../lib/constants';
import type {
  AgentInput,
  EnvVarInput,
  LlmBackendInput,
  McpServerInput,
  ModelInput,
  ResourcesInput,
  SandboxInput,
  SandboxRouterInput,
} from './workloads-schema';

export interface Resources {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly secretKeyRef?: { readonly name: string; readonly key: string };
}

export interface AgentTool {
  readonly mcpServer?: string;
  readonly toolNames?: readonly string[];
  readonly agent?: string;
}

export interface Skill {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly examples?: readonly string[];
}

export interface Agent {
  readonly name: string;
  readonly description?: string;
  /** Declarative (kagent runs it from a system message) or BYO (the tenant's own image). */
  readonly type: 'Declarative' | 'BYO';
  readonly systemMessage?: string;
  /** Name of the tenant's ModelConfig the agent uses. */
  readonly modelConfig: string;
  readonly tools: readonly AgentTool[];
  readonly skills: readonly Skill[];
  readonly image?: string;
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
  readonly resources?: Resources;
  readonly calls: readonly { readonly tenant: string; readonly agent: string }[];
  readonly expose: boolean;
  readonly allowCallsFrom: readonly string[];
}

export interface Model {
  readonly name: string;
  /** Model ID; undefined: the platform default model of the environment. */
  readonly model?: string;
  /** One of the tenant's llmBackends; undefined: the platform's Anthropic backend. */
  readonly backend?: string;
  /** Prompt guards of the model's own route. */
  readonly guards: Guards;
}

export interface McpServer {
  readonly name: string;
  readonly description?: string;
  readonly tools: readonly string[];
  readonly source: 'image' | 'remote';
  readonly image?: string;
  readonly transport: 'http' | 'stdio';
  readonly port: number;
  readonly path: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly secretRefs: readonly string[];
  readonly resources?: Resources;
  readonly url?: string;
  readonly protocol: 'STREAMABLE_HTTP' | 'SSE';
  readonly expose: boolean;
  readonly allowCallsFrom: readonly string[];
}

export interface Sandbox {
  readonly name: string;
  readonly kind: 'Sandbox' | 'SandboxTemplate';
  readonly image: string;
  readonly args: readonly string[];
  readonly port: number;
  readonly resources?: Resources;
  readonly expose: boolean;
}

export interface LlmBackend {
  readonly name: string;
  readonly provider: 'anthropic' | 'openai';
  readonly model: string;
  /** Entry name under the tenant's prefix in AWS Secrets Manager. */
  readonly apiKeySecret: string;
  readonly expose: boolean;
  readonly allowCallsFrom: readonly string[];
  /** Prompt guards of the backend's routes and of the models on it. */
  readonly guards: Guards;
}

export interface TenantWorkloads {
  /** Prompt guards of every path of the tenant's LLM traffic. */
  readonly guards: Guards;
  readonly agents: readonly Agent[];
  readonly models: readonly Model[];
  readonly mcpServers: readonly McpServer[];
  readonly sandboxes: readonly Sandbox[];
  /** The tenant's sandbox router, when it asks for one. */
  readonly sandboxRouter?: SandboxRouter;
  readonly llmBackends: readonly LlmBackend[];
}

export interface SandboxRouter {
  /** Also on the external gateway. */
  readonly expose: boolean;
}

/** Defaults of the workload keys. */
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

const str = (v: string | number | undefined) => (v === undefined ? undefined : String(v));

function resources(r: ResourcesInput | undefined): Resources | undefined {
  if (!r) return undefined;
  const side = (s: { cpu?: string | number; memory?: string | number } | undefined) =>
    s
      ? {
          ...(s.cpu !== undefined ? { cpu: str(s.cpu) } : {}),
          ...(s.memory !== undefined ? { memory: str(s.memory) } : {}),
        }
      : undefined;
  const requests = side(r.requests);
  const limits = side(r.limits);
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

const env = (e: readonly EnvVarInput[] | undefined): EnvVar[] => (e ?? []).map((v) => ({ ...v }));

/** Applies the defaults to a tenant entry's workload keys (already validated). */
export function resolveWorkloads(t: {
  agents?: AgentInput[];
  models?: ModelInput[];
  mcpServers?: McpServerInput[];
  sandboxes?: SandboxInput[];
  sandboxRouter?: SandboxRouterInput;
  llmBackends?: LlmBackendInput[];
  guards?: GuardsInput;
}): TenantWorkloads {
  // A webhook guard names a Service of the tenant: an agent's or an image MCP server's.
  const webhookPort = (service: string): number | undefined => {
    if ((t.agents ?? []).some((a) => a.name === service)) return KAGENT_AGENT_SERVICE.port;
    const server = (t.mcpServers ?? []).find((s) => s.name === service && s.url === undefined);
    return server ? (server.port ?? WORKLOAD_DEFAULTS.mcpPort) : undefined;
  };
  return {
    guards: resolveGuards(t.guards, webhookPort),
    agents: (t.agents ?? []).map((a) => ({
      name: a.name,
      description: a.description,
      type: a.image !== undefined ? 'BYO' : 'Declarative',
      systemMessage: a.systemMessage,
      modelConfig: a.model ?? DEFAULT_MODEL_CONFIG,
      tools: (a.tools ?? []).map((x) => ({ ...x })),
      skills: (a.skills ?? []).map((x) => ({ ...x })),
      image: a.image,
      args: a.args ?? [],
      env: env(a.env),
      resources: resources(a.resources),
      calls: (a.calls ?? []).map((c) => ({ ...c })),
      expose: a.expose ?? false,
      allowCallsFrom: a.allowCallsFrom ?? [],
    })),
    models: (t.models ?? []).map(({ guards, ...m }) => ({ ...m, guards: resolveGuards(guards, webhookPort) })),
    mcpServers: (t.mcpServers ?? []).map((s) => ({
      name: s.name,
      description: s.description,
      tools: s.tools,
      source: s.url !== undefined ? 'remote' : 'image',
      image: s.image,
      transport: s.transport ?? WORKLOAD_DEFAULTS.mcpTransport,
      port: s.port ?? WORKLOAD_DEFAULTS.mcpPort,
      path: s.path ?? WORKLOAD_DEFAULTS.mcpPath,
      args: s.args ?? [],
      env: { ...s.env },
      secretRefs: s.secretRefs ?? [],
      resources: resources(s.resources),
      url: s.url,
      protocol: s.protocol ?? WORKLOAD_DEFAULTS.mcpProtocol,
      expose: s.expose ?? false,
      allowCallsFrom: s.allowCallsFrom ?? [],
    })),
    sandboxes: (t.sandboxes ?? []).map((s) => ({
      name: s.name,
      kind: s.kind ?? WORKLOAD_DEFAULTS.sandboxKind,
      image: s.image,
      args: s.args ?? [],
      port: s.port ?? WORKLOAD_DEFAULTS.sandboxPort,
      resources: resources(s.resources),
      expose: s.expose ?? false,
    })),
    ...(t.sandboxRouter ? { sandboxRouter: { expose: t.sandboxRouter.expose ?? false } } : {}),
    llmBackends: (t.llmBackends ?? []).map(({ guards, ...b }) => ({
      ...b,
      expose: b.expose ?? false,
      allowCallsFrom: b.allowCallsFrom ?? [],
      guards: resolveGuards(guards, webhookPort),
    })),
  };
}
