/**
 * The schema of what a tenant runs: agents, models, MCP servers, sandboxes and its own LLM
 * backends (bring your own key), the one source of their shape: types, defaults and the rules of
 * one entry (workload-rules.ts). Objects are strict. Rules across entries and tenants
 * (references, names, route paths, quota) are in validate-workloads.ts.
 */
import { z } from 'zod';
import { guardsSchema } from './guards-schema';
import { rule, rulesFor, valueRule, withRule } from './rules';
import {
  agentEnv,
  agentForm,
  agentToolForm,
  envVarRules,
  exposedCallers,
  mcpServerForm,
  mcpServerValues,
  modelOnBackend,
  pinnedImage,
  sandboxRules,
  type SandboxRuleFields,
  secretEntryRule,
  secretName,
  uniqueSkillIds,
  workloadArgs,
} from './workload-rules';
import { parseQuantity } from '../lib/quantity';

/** Longest workload name: derived names (`sandbox-<name>-callers`, ...) must stay DNS labels. */
export const MAX_WORKLOAD_NAME = 45;

const name = (what: string) => z.string().describe(`${what}: a DNS-1123 label (lower-case letters, digits and '-').`);

/** A Kubernetes quantity such as `500m`, `2`, `16Gi`; YAML numbers are accepted too. */
export const quantity = z
  .union([z.string(), z.number()])
  .check(
    valueRule((v, report) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return; // reported as out of range
      const n = parseQuantity(v);
      if (n === undefined)
        report(
          [],
          `${JSON.stringify(v)} is not a Kubernetes quantity`,
          'write a number with an optional suffix, such as 500m, 2, 512Mi or 16Gi',
        );
      else if (n < 0) report([], `${JSON.stringify(v)} is negative`, 'use 0 or more');
    }),
  )
  .describe('A Kubernetes resource quantity, for example 500m, 2, 512Mi or 16Gi.');

export const cpuMemory = z
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
    name: z.string().check(valueRule(secretName)).describe('Secret in the tenant namespace.'),
    key: z.string().describe('Key in that Secret.'),
  })
  .describe('A value read from a Secret of the tenant namespace, by name: never the value itself.');

const envVarFields = z.strictObject({
  name: z.string().describe('Environment variable name.'),
  value: z.string().optional().describe('A plain, non-secret value.'),
  secretKeyRef: secretKeyRefSchema.optional(),
});

export const envVarSchema = withRule(envVarFields, ['name', 'value', 'secretKeyRef'], envVarRules).describe(
  'An environment variable: a plain value, or a reference to a Secret key.',
);

const expose = z
  .boolean()
  .default(false)
  .describe(
    'Give it a route on the external gateway, for callers outside the cluster (default false); allowCallsFrom needs it.',
  );

const allowCallsFrom = z
  .array(z.string())
  .default([])
  .describe('Other tenants whose callers may use the route, besides the owner (needs expose: true).');

export const agentToolSchema = withRule(
  z.strictObject({
    mcpServer: z.string().optional().describe("One of the tenant's mcpServers."),
    toolNames: z
      .array(z.string())
      .optional()
      .describe('Tools of that server the agent may call (each must be in its tools list).'),
    agent: z.string().optional().describe('Another agent of the same tenant, called as a tool.'),
  }),
  ['mcpServer', 'agent', 'toolNames'],
  agentToolForm,
).describe('A tool of a declarative agent: an MCP server with explicit tool names, or another agent of the tenant.');

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

const agentFields = z.strictObject({
  name: name('Agent name'),
  description: z.string().max(500).optional().describe('What the agent does.'),
  systemMessage: z.string().optional().describe('Declarative agents: the system prompt.'),
  model: z
    .string()
    .optional()
    .describe("Declarative agents: one of the tenant's models (default: the platform default model)."),
  tools: z.array(agentToolSchema).optional().describe('Declarative agents: MCP tools and agents it may call.'),
  skills: z.array(skillSchema).check(valueRule(uniqueSkillIds)).optional().describe('Declarative agents: A2A skills.'),
  image: z
    .string()
    .check(valueRule((image: string, report) => pinnedImage(image, report)))
    .optional()
    .describe('BYO agents: the container image (a tag or digest, never latest).'),
  args: z.array(z.string()).check(valueRule(workloadArgs)).optional().describe('BYO agents: container arguments.'),
  env: z
    .array(envVarSchema)
    .default([])
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
});

const agentRule = rulesFor(agentFields);

export const agentSchema = agentFields
  .check(
    agentRule(['systemMessage', 'image', 'model', 'tools', 'skills', 'args', 'calls'], agentForm),
    agentRule(['env', 'image', 'calls'], agentEnv),
    agentRule(['name', 'expose', 'allowCallsFrom'], exposedCallers('agent')),
  )
  .describe('A kagent Agent: declarative (systemMessage) or bring-your-own (image).');

export const modelSchema = withRule(
  z.strictObject({
    name: name('Model name'),
    model: z.string().optional().describe("Model ID (default: the platform default model, or the backend's model)."),
    backend: z
      .string()
      .optional()
      .describe("One of the tenant's llmBackends (default: the platform's Anthropic backend)."),
    guards: guardsSchema
      .optional()
      .describe("Prompt guards of this model's route, besides the tenant's, its backend's and the platform's."),
  }),
  ['backend', 'model'],
  modelOnBackend,
).describe(
  'A kagent ModelConfig that reaches its LLM through its own route on the mesh gateway, /llm/<segment>/<name>.',
);

export const MCP_TRANSPORTS = ['http', 'stdio'] as const;
export const MCP_PROTOCOLS = ['STREAMABLE_HTTP', 'SSE'] as const;

const mcpServerFields = z.strictObject({
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
});

const mcpServerRule = rulesFor(mcpServerFields);
const MCP_FORM_KEYS = ['image', 'url', 'transport', 'port', 'path', 'args', 'env', 'secretRefs', 'resources'] as const;

export const mcpServerSchema = mcpServerFields
  .check(
    mcpServerRule([...MCP_FORM_KEYS, 'protocol', 'expose', 'tools'], mcpServerForm),
    mcpServerRule(['url', 'env', 'args'], mcpServerValues),
    mcpServerRule(['name', 'expose', 'allowCallsFrom'], exposedCallers('MCP server')),
  )
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
  .check(rule<SandboxRuleFields, keyof SandboxRuleFields>(['image', 'args', 'kind', 'expose'], sandboxRules))
  .describe('An agent-sandbox Sandbox or SandboxTemplate.');

export const sandboxRouterSchema = z
  .strictObject({
    expose: z
      .boolean()
      .default(false)
      .describe("Also route /sandbox/<segment> on the external gateway, for the owner's tokens (default false)."),
  })
  .describe(
    "The tenant's sandbox router: /sandbox/<segment> on the mesh gateway (and the external one when exposed) reaches the sandboxes that SandboxClaims of the tenant's SandboxTemplates create at run time, the claim named by the X-Sandbox-ID header. Needs platform.images.sandboxRouter in every environment file.",
  );

export const LLM_PROVIDERS = ['anthropic', 'openai'] as const;

export const llmBackendSchema = withRule(
  z.strictObject({
    name: name('Backend name'),
    provider: z.enum(LLM_PROVIDERS).describe('LLM provider.'),
    model: z.string().describe('Model the backend serves.'),
    apiKeySecret: z
      .string()
      .check(valueRule(secretEntryRule('apiKeySecret', 'the key')))
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
  }),
  ['name', 'expose', 'allowCallsFrom'],
  exposedCallers('LLM backend'),
).describe(
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
  agents: z.array(agentSchema).default([]),
  models: z.array(modelSchema).default([]),
  mcpServers: z.array(mcpServerSchema).default([]),
  sandboxes: z.array(sandboxSchema).default([]),
  sandboxRouter: sandboxRouterSchema.optional(),
  llmBackends: z.array(llmBackendSchema).default([]),
};

/** A tenant's workload keys, as written and as the schema returns them (defaults applied). */
export const workloadsSchema = z.strictObject(workloadsShape);
export type WorkloadsInput = z.input<typeof workloadsSchema>;
export type WorkloadsOutput = z.output<typeof workloadsSchema>;

export type AgentInput = z.input<typeof agentSchema>;
export type McpServerInput = z.input<typeof mcpServerSchema>;
export type SandboxInput = z.input<typeof sandboxSchema>;
export type ResourcesInput = z.output<typeof resourcesSchema>;
