/**
 * The schema of prompt guards: what a tenant (tenants.yaml `guards:`, per tenant, model or LLM
 * backend) and the platform (the environment's `platform.guards`) ask the gateways to check on LLM
 * requests and responses. One source for both; the compiler turns them into
 * `backend.ai.promptGuard` of agentgateway's AgentgatewayPolicy (charts/config/guards.ts).
 */
import { z } from 'zod';

/**
 * Built-in detectors: five of agentgateway's recognizers (v1.4.1
 * crates/agentgateway/src/llm/policy/pii/) and `apiKey`, the shapes of common API keys
 * (charts/config/guards.ts API_KEY_PATTERNS).
 */
export const GUARD_DETECTORS = ['email', 'creditCard', 'phoneNumber', 'ssn', 'caSin', 'apiKey'] as const;
export type GuardDetector = (typeof GUARD_DETECTORS)[number];

/** reject: the request (or response) is refused with 403; mask: each match is replaced. */
export const GUARD_ACTIONS = ['reject', 'mask'] as const;
export type GuardAction = (typeof GUARD_ACTIONS)[number];

const ruleFields = {
  detect: z
    .array(z.enum(GUARD_DETECTORS))
    .optional()
    .describe(
      'Built-in detectors: email, creditCard, phoneNumber, ssn, caSin (Canadian SIN), apiKey (shapes of common API keys).',
    ),
  patterns: z
    .array(z.string())
    .optional()
    .describe(
      'Regular expressions in Rust regex syntax (no look-around, no backreferences), at most 1024 characters each.',
    ),
  action: z
    .enum(GUARD_ACTIONS)
    .optional()
    .describe('detect and patterns: reject (403 with message) or mask (each match replaced by <ENTITY> or <masked>).'),
  message: z
    .string()
    .min(1)
    .max(500)
    .optional()
    .describe(
      'reject only: the body of the 403 response (default: "The request was rejected due to inappropriate content").',
    ),
};

export const guardWebhookSchema = z
  .strictObject({
    service: z
      .string()
      .describe(
        "One of the tenant's agents or image MCP servers, whose Service answers agentgateway's guardrail webhook API.",
      ),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe("Port of that Service (default: the agent's 8080, or the MCP server's port)."),
    failOpen: z
      .boolean()
      .optional()
      .describe('Let the request through when the webhook cannot be reached (default false: refuse it).'),
  })
  .describe('A webhook that decides itself: pass, mask or reject.');

export const guardRuleSchema = z
  .strictObject({ ...ruleFields, webhook: guardWebhookSchema.optional() })
  .describe('One guard: detect, patterns or webhook (exactly one); detect and patterns need action.');

/** Platform defaults name no webhook: a tenant's Service would serve every tenant. */
export const platformGuardRuleSchema = z
  .strictObject(ruleFields)
  .describe('One platform guard: detect or patterns (exactly one), with action.');

const guardsShape = <R extends z.ZodType>(rule: R) => ({
  request: z.array(rule).optional().describe('Checked on the prompt before it reaches the provider, in order.'),
  response: z
    .array(rule)
    .optional()
    .describe("Checked on the provider's answer before it reaches the caller, in order."),
  streaming: z
    .boolean()
    .optional()
    .describe('Also check streamed responses (default false: a streamed answer is not checked).'),
});

export const guardsSchema = z
  .strictObject(guardsShape(guardRuleSchema))
  .describe(
    'Prompt guards on every path this LLM traffic takes; they add to the platform defaults and to the guards of the levels above, never replace them.',
  );

export const platformGuardsSchema = z
  .strictObject(guardsShape(platformGuardRuleSchema))
  .describe(
    "Prompt guards on every tenant's LLM traffic and kagent's own; tenants can add guards but not weaken these.",
  );

export type GuardRuleInput = z.infer<typeof guardRuleSchema>;
export type GuardsInput = z.infer<typeof guardsSchema>;
export type PlatformGuardsInput = z.infer<typeof platformGuardsSchema>;
