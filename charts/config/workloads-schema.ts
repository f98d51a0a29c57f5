/**
 * The schema of what a tenant runs: agents, models, MCP servers, sandboxes and its own LLM
 * backends (bring your own key). Objects are strict. Rules that span fields or tenants
 * (references, route paths, secrets, quota) live in validate-workloads.ts.
 */
import { z } from 'zod';
import { guardsSchema } from './guards-schema';

/** Longest workload name: derived names (`sandbox-<name>-callers`, ...) must stay DNS labels. */
export const MAX_WORKLOAD_NAME = 45;

const name = (what: string) => z.string().describe(`${what}: a DNS-1123 label (lower-case letters, digits and '-').`);

const quantity = z
  .union([z.string(), z.number()])
  .describe('A Kubernetes resource quantity, for example 500m, 2, 512Mi or 16Gi.');

const cpuMemory = z
  .strictObject({ cpu: quantity.optional(), memory: quantity.optional() })
  .describe('CPU and memory quantities.');

export const resourcesSchema = z
  .strictObject({
    requests: cpuMemory
      .optional()
      .describe("What the scheduler reserves; unset: the tenant's container default request."),
    limits: cpuMemory
      .optional()
      .describe("The most the container may use; unset: the tenant's container default limit."),
  })
  .describe('Container resources.');

export const secretKeyRefSchema = z
  .strictObject({
    name: z.string().describe('Secret in the tenant namespace.'),
    key: z.string().describe('Key in that Secret.'),
  })
  .describe('A value read from a Secret of the tenant namespace, by name: never the value itself.');

export const envVarSchema = z
  .strictObject({
    name: z.string().describe('Environment variable name.'),
    value: z.string().optional().describe('A plain, non-secret value.'),
    secretKeyRef: secretKeyRefSchema.optional(),
  })
  .describe('An environment variable: a plain value, or a reference to a Secret key.');

const expose = z
  .boolean()
  .optional()
  .describe(
    'Give it a route on the external gateway, for callers outside the cluster (default false); allowCallsFrom needs it.',
  );

const allowCallsFrom = z
  .array(z.string())
  .optional()
  .describe('Other tenants whose callers may use the route, besides the owner (needs expose: true).');

export const agentToolSchema = z
  .strictObject({
    mcpServer: z.string().optional().describe("One of the tenant's mcpServers."),
    toolNames: z
      .array(z.string())
      .optional()
      .describe('Tools of that server the agent may call (each must be in its tools list).'),
    agent: z.string().optional().describe('Another agent of the same tenant, called as a tool.'),
  })
  .describe('A tool of a declarative agent: an MCP server with explicit tool names, or another agent of the tenant.');

export const skillSchema = z
  .strictObject({
    id: z.string().describe('Skill ID, unique within the agent.'),
    name: z.string().describe('Display name.'),
    description: z.string().optional().describe('What the skill does.'),
    tags: z.array(z.string()).optional().describe('Search tags.'),
    examples: z.array(z.string()).optional().describe('Example requests.'),
  })
  .describe('An A2A skill the agent advertises in its agent card.');

export const agentCallSchema = z
  .strictObject({
    tenant: z.string().describe('Tenant that owns the agent.'),
    agent: z.string().describe("Name of that tenant's exposed agent."),
  })
  .describe('An agent of another tenant this agent calls over A2A through the mesh gateway.');

export const agentSchema = z
  .strictObject({
    name: name('Agent name'),
    description: z.string().max(500).optional().describe('What the agent does.'),
    systemMessage: z.string().optional().describe('Declarative agents: the system prompt.'),
    model: z
      .string()
      .optional()
      .describe("Declarative agents: one of the tenant's models (default: the platform default model)."),
    tools: z.array(agentToolSchema).optional().describe('Declarative agents: MCP tools and agents it may call.'),
    skills: z.array(skillSchema).optional().describe('Declarative agents: A2A skills.'),
    image: z.string().optional().describe('BYO agents: the container image (a tag or digest, never latest).'),
    args: z.array(z.string()).optional().describe('BYO agents: container arguments.'),
    env: z
      .array(envVarSchema)
      .optional()
      .describe(
        'Environment variables (no secret values: use secretKeyRef). OTEL_* tracing variables and A2A_*_URL are set by the platform and refused here.',
      ),
    resources: resourcesSchema.optional(),
    calls: z
      .array(agentCallSchema)
      .optional()
      .describe("BYO agents: other tenants' agents it calls through the mesh gateway."),
    expose,
    allowCallsFrom,
  })
  .describe('A kagent Agent: declarative (systemMessage) or bring-your-own (image).');

export const modelSchema = z
  .strictObject({
    name: name('Model name'),
    model: z.string().optional().describe("Model ID (default: the platform default model, or the backend's model)."),
    backend: z
      .string()
      .optional()
      .describe("One of the tenant's llmBackends (default: the platform's Anthropic backend)."),
    guards: guardsSchema
      .optional()
      .describe("Prompt guards of this model's route, besides the tenant's, its backend's and the platform's."),
  })
  .describe(
    'A kagent ModelConfig that reaches its LLM through its own route on the mesh gateway, /llm/<segment>/<name>.',
  );

export const MCP_TRANSPORTS = ['http', 'stdio'] as const;
export const MCP_PROTOCOLS = ['STREAMABLE_HTTP', 'SSE'] as const;

export const mcpServerSchema = z
  .strictObject({
    name: name('MCP server name'),
    description: z.string().max(500).optional().describe('What the server offers.'),
    tools: z.array(z.string()).describe('Names of the tools the server offers; agents may use only these.'),
    image: z.string().optional().describe('Run the server from this image (a kagent MCPServer).'),
    transport: z.enum(MCP_TRANSPORTS).optional().describe('Image servers: how the server speaks MCP (default http).'),
    port: z.number().int().min(1).max(65535).optional().describe('Image servers: port of the server (default 3000).'),
    path: z.string().optional().describe('Image servers: HTTP path of the MCP endpoint (default /mcp).'),
    args: z.array(z.string()).optional().describe('Image servers: container arguments.'),
    env: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'Image servers: plain, non-secret environment variables. The OTEL_* tracing variables are set by the platform and refused here.',
      ),
    secretRefs: z
      .array(z.string())
      .optional()
      .describe('Image servers: Secrets of the tenant namespace to load as environment, by name.'),
    resources: resourcesSchema.optional(),
    url: z.string().optional().describe('Use a server that runs elsewhere (a kagent RemoteMCPServer).'),
    protocol: z.enum(MCP_PROTOCOLS).optional().describe('Remote servers: the MCP transport (default STREAMABLE_HTTP).'),
    expose,
    allowCallsFrom,
  })
  .describe('An MCP server: from an image, or a remote one by URL.');

export const SANDBOX_KINDS = ['Sandbox', 'SandboxTemplate'] as const;

export const sandboxSchema = z
  .strictObject({
    name: name('Sandbox name'),
    kind: z
      .enum(SANDBOX_KINDS)
      .optional()
      .describe('Sandbox (one running sandbox) or SandboxTemplate (claimed on demand). Default Sandbox.'),
    image: z.string().describe('Container image of the sandbox.'),
    args: z.array(z.string()).optional().describe('Container arguments.'),
    port: z.number().int().min(1).max(65535).optional().describe('Port the sandbox serves on (default 8080).'),
    resources: resourcesSchema.optional(),
    expose: z
      .boolean()
      .optional()
      .describe('Sandbox only: route /sandbox/<segment>/<name>, callable by the owner tenant only.'),
  })
  .describe('An agent-sandbox Sandbox or SandboxTemplate.');

export const sandboxRouterSchema = z
  .strictObject({
    expose: z
      .boolean()
      .optional()
      .describe("Also route /sandbox/<segment> on the external gateway, for the owner's tokens (default false)."),
  })
  .describe(
    "The tenant's sandbox router: /sandbox/<segment> on the mesh gateway (and the external one when exposed) reaches the sandboxes that SandboxClaims of the tenant's SandboxTemplates create at run time, the claim named by the X-Sandbox-ID header. Needs platform.images.sandboxRouter in every environment file.",
  );

export const LLM_PROVIDERS = ['anthropic', 'openai'] as const;

export const llmBackendSchema = z
  .strictObject({
    name: name('Backend name'),
    provider: z.enum(LLM_PROVIDERS).describe('LLM provider.'),
    model: z.string().describe('Model the backend serves.'),
    apiKeySecret: z
      .string()
      .describe(
        'Name of the AWS Secrets Manager entry that holds the key, under agentic-platform/<env>/tenants/<tenant>/ (the name only, never the key).',
      ),
    guards: guardsSchema
      .optional()
      .describe(
        "Prompt guards of this backend's routes and of the models that use it, besides the tenant's and the platform's.",
      ),
    expose,
    allowCallsFrom,
  })
  .describe(
    'An LLM backend with the tenant’s own key (an AgentgatewayBackend); the key comes from AWS Secrets Manager.',
  );

/** Keys of a tenant entry that declare workloads. */
export const workloadsShape = {
  alias: z.string().optional().describe('Path segment of the tenant’s routes instead of its namespace (a DNS label).'),
  guards: guardsSchema
    .optional()
    .describe(
      "Prompt guards on every path of the tenant's LLM traffic (its models' and its backends' routes), besides the platform defaults.",
    ),
  agents: z.array(agentSchema).optional(),
  models: z.array(modelSchema).optional(),
  mcpServers: z.array(mcpServerSchema).optional(),
  sandboxes: z.array(sandboxSchema).optional(),
  sandboxRouter: sandboxRouterSchema.optional(),
  llmBackends: z.array(llmBackendSchema).optional(),
};

export type AgentInput = z.infer<typeof agentSchema>;
export type ModelInput = z.infer<typeof modelSchema>;
export type McpServerInput = z.infer<typeof mcpServerSchema>;
export type SandboxInput = z.infer<typeof sandboxSchema>;
export type SandboxRouterInput = z.infer<typeof sandboxRouterSchema>;
export type LlmBackendInput = z.infer<typeof llmBackendSchema>;
export type EnvVarInput = z.infer<typeof envVarSchema>;
export type ResourcesInput = z.infer<typeof resourcesSchema>;
