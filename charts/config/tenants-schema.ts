/**
 * The schema of tenants.yaml, the one source of a tenant entry's shape. Objects are strict: an
 * unknown key is an error, so a typo never silently drops a setting. Rules that need more than one
 * field run as checks of the schema (validate-tenants.ts, validate-workloads.ts, rules.ts).
 */
import { z } from 'zod';
import { DNS_LABEL, MAX_TENANT_NAME } from '../lib/constants';
import { observabilityRules } from './observability';
import { listRule, rulesFor, valueRule, withRule } from './rules';
import { tenantLimits, tenantName, tenantOwners } from './validate-tenants';
import {
  agentReferences,
  allowedCallers,
  crossTenantCalls,
  modelReferences,
  tenantAliases,
  tenantGuards,
  uniqueRoutes,
  uniqueTenantNames,
  workloadNames,
  workloadQuota,
} from './validate-workloads';
import { cpuMemory, MAX_WORKLOAD_NAME, quantity, workloadsShape } from './workloads-schema';

const count = z.number().int().min(0).describe('A whole number of objects, 0 or more.');

export const QUOTA_KEYS = [
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
  'requests.storage',
  'persistentvolumeclaims',
  'pods',
  'services',
  'secrets',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** Keys of the quota whose values are quantities (the others are object counts). */
export const QUOTA_QUANTITY_KEYS: readonly QuotaKey[] = [
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
  'requests.storage',
];

const quotaShape = Object.fromEntries(
  QUOTA_KEYS.map((k) => [k, (QUOTA_QUANTITY_KEYS.includes(k) ? quantity : count).optional()]),
) as Record<QuotaKey, z.ZodOptional<typeof quantity | typeof count>>;

export const quotaSchema = z
  .strictObject(quotaShape)
  .describe('ResourceQuota hard limits for the tenant namespace; unset keys take the platform default.');

export const limitsSchema = z
  .strictObject({
    default: cpuMemory.optional().describe('Container limits applied when a container sets none.'),
    defaultRequest: cpuMemory.optional().describe('Container requests applied when a container sets none.'),
    max: cpuMemory.optional().describe('Largest limits one container may set (unset: no maximum).'),
  })
  .describe('LimitRange for containers in the tenant namespace; unset keys take the platform default.');

export const subjectSchema = z
  .strictObject({
    kind: z.enum(['Group', 'User', 'ServiceAccount']).describe('RBAC subject kind.'),
    name: z.string().min(1).describe('Group, user or service account name.'),
    namespace: z.string().optional().describe("ServiceAccount only: must be the tenant's own namespace (the default)."),
  })
  .describe('An extra subject of the tenant RoleBinding.');

/** Name of an entry in AWS Secrets Manager below the tenant's prefix (never a value). */
const secretEntry = (what: string) =>
  z
    .string()
    .describe(
      `Name of the AWS Secrets Manager entry, under agentic-platform/<env>/tenants/<tenant>/, whose value is ${what} (the name only, never the value).`,
    );

export const alertReceiverSchema = z
  .strictObject({
    slack: z
      .strictObject({
        webhookSecret: secretEntry('the Slack incoming-webhook URL'),
        channel: z
          .string()
          .min(1)
          .max(80)
          .optional()
          .describe("Channel to post to, such as #team-alerts (default: the webhook's own)."),
      })
      .optional()
      .describe('Send the alerts to Slack.'),
    webhook: z
      .strictObject({ urlSecret: secretEntry('the URL Alertmanager posts its webhook payload to') })
      .optional()
      .describe('Send the alerts to a webhook (Alertmanager webhook payload).'),
  })
  .describe("Where the tenant's quota alerts go: exactly one of slack or webhook.");

const observabilityFields = z.strictObject({
  alerts: alertReceiverSchema.optional(),
  viewers: z
    .array(z.string())
    .optional()
    .describe(
      "Keycloak users (by e-mail) who may read the tenant's traces and dashboards besides its developers group.",
    ),
});
export type ObservabilityInput = z.output<typeof observabilityFields>;

export const observabilitySchema = withRule(observabilityFields, ['alerts', 'viewers'], observabilityRules).describe(
  "Who sees the tenant's traces and dashboards, and where its alerts go. The rest is derived.",
);

const tenantFields = z.strictObject({
  name: z
    .string()
    .check(valueRule(tenantName))
    .describe('Tenant name: a DNS-1123 label of at most 56 characters; the namespace is tenant-<name>.'),
  displayName: z.string().min(1).max(100).optional().describe('Human-readable name.'),
  description: z.string().max(500).optional().describe('What the tenant team does.'),
  owners: z
    .array(subjectSchema)
    .optional()
    .describe('Extra RoleBinding subjects, besides the group tenant-<name>-developers.'),
  quota: quotaSchema.optional(),
  limits: limitsSchema.optional(),
  observability: observabilitySchema.optional(),
  ...workloadsShape,
});
/** A tenant entry as the schema returns it. */
export type TenantFields = z.output<typeof tenantFields>;

const tenantRule = rulesFor(tenantFields);

/** A tenant entry with the rules across its fields, each run when the fields it reads parsed. */
export const tenantSchema = tenantFields
  .check(
    tenantRule(['name', 'owners'], tenantOwners),
    tenantRule(['quota', 'limits'], tenantLimits),
    tenantRule(['agents', 'models', 'mcpServers', 'sandboxes', 'llmBackends'], workloadNames),
    tenantRule(['agents', 'models', 'mcpServers'], agentReferences),
    tenantRule(['models', 'llmBackends'], modelReferences),
    tenantRule(['quota', 'limits', 'agents', 'mcpServers', 'sandboxes', 'llmBackends', 'observability'], workloadQuota),
    tenantRule(['guards', 'agents', 'models', 'mcpServers', 'llmBackends', 'name'], tenantGuards),
  )
  .describe('One tenant team.');

export const tenantsFileSchema = z
  .strictObject({
    tenants: z
      .array(tenantSchema)
      .check(
        listRule<TenantFields>((tenants, report, broken) => {
          uniqueTenantNames(tenants, report);
          tenantAliases(tenants, report);
          crossTenantCalls(tenants, report);
          allowedCallers(tenants, report);
          uniqueRoutes(tenants, report, broken);
        }),
      )
      .describe('Every tenant of the platform.'),
  })
  .describe('The tenant registry of agentic-platform.');

export type TenantsFile = z.output<typeof tenantsFileSchema>;
/** A tenant entry as written in tenants.yaml. */
export type TenantInput = z.input<typeof tenantSchema>;
export type Subject = z.infer<typeof subjectSchema>;

/** JSON Schema for editors (yaml-language-server), generated from the zod schema. */
export function tenantsJsonSchema(): object {
  const schema = z.toJSONSchema(tenantsFileSchema, { target: 'draft-7', io: 'input' }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  // The compiler checks names with a dedicated message (load-tenants.ts); editors get the same rule here.
  const tenant = schema.properties.tenants.items.properties;
  Object.assign(tenant.name, { pattern: DNS_LABEL.source, maxLength: MAX_TENANT_NAME });
  Object.assign(tenant.alias, { pattern: DNS_LABEL.source, maxLength: 63 });
  for (const kind of ['agents', 'models', 'mcpServers', 'sandboxes', 'llmBackends']) {
    Object.assign(tenant[kind].items.properties.name, { pattern: DNS_LABEL.source, maxLength: MAX_WORKLOAD_NAME });
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://agentic-platform.dev/schemas/tenants.schema.json',
    title: 'agentic-platform tenants.yaml',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
