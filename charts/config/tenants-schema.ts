/**
 * The schema of tenants.yaml. Objects are strict: an unknown key is an error, so a typo never
 * silently drops a setting. Rules that need more than one field (limits ≥ requests, duplicate
 * names, ...) live in validate-tenants.ts.
 */
import { z } from 'zod';
import { DNS_LABEL, MAX_TENANT_NAME } from '../lib/constants';
import { MAX_WORKLOAD_NAME, workloadsShape } from './workloads-schema';

/** A Kubernetes quantity such as `500m`, `2`, `16Gi`; YAML numbers are accepted too. */
const quantity = z
  .union([z.string(), z.number()])
  .describe('A Kubernetes resource quantity, for example 500m, 2, 512Mi or 16Gi.');

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

const cpuMemory = z
  .strictObject({ cpu: quantity.optional(), memory: quantity.optional() })
  .describe('CPU and memory quantities.');

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

export const observabilitySchema = z
  .strictObject({
    alerts: alertReceiverSchema.optional(),
    viewers: z
      .array(z.string())
      .optional()
      .describe(
        "Keycloak users (by e-mail) who may read the tenant's traces and dashboards besides its developers group.",
      ),
  })
  .describe("Who sees the tenant's traces and dashboards, and where its alerts go. The rest is derived.");

export const tenantSchema = z
  .strictObject({
    name: z
      .string()
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
  })
  .describe('One tenant team.');

export const tenantsFileSchema = z
  .strictObject({
    tenants: z.array(tenantSchema).describe('Every tenant of the platform.'),
  })
  .describe('The tenant registry of agentic-platform.');

export type TenantInput = z.infer<typeof tenantSchema>;
export type TenantsFile = z.infer<typeof tenantsFileSchema>;
export type Subject = z.infer<typeof subjectSchema>;
export type ObservabilityInput = z.infer<typeof observabilitySchema>;

/** JSON Schema for editors (yaml-language-server), generated from the zod schema. */
export function tenantsJsonSchema(): object {
  const schema = z.toJSONSchema(tenantsFileSchema, { target: 'draft-7' }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
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
