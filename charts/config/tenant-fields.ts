/**
 * The fields of a tenants.yaml entry: their types, ranges and descriptions, and the rules of one
 * value (names, quantities, the observability block). tenants-schema.ts adds the rules across
 * fields and entries.
 */
import { z } from 'zod';
import { DNS_LABEL, MAX_TENANT_NAME, tenantNamespace } from '../lib/constants';
import { type Report, valueRule, withRule } from './rules';
import type { FieldPath } from './source-errors';
import { secretEntryProblem } from './workload-rules';
import { cpuMemory, quantity, workloadsShape } from './workloads-schema';

/** An e-mail address as Keycloak stores it for a user (one @, a dotted domain, no spaces). */
const EMAIL = /^[^\s@]+@[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/i;

/** Rules the field types cannot say: one receiver, entry names that are names, viewers that are e-mail addresses. */
function observabilityRules(o: Pick<ObservabilityInput, 'alerts' | 'viewers'>, report: Report): void {
  const alerts = o.alerts;
  if (alerts) {
    const kinds = (['slack', 'webhook'] as const).filter((k) => alerts[k] !== undefined);
    if (kinds.length !== 1)
      report(
        ['alerts'],
        kinds.length === 0
          ? 'alerts names no receiver'
          : `alerts names ${kinds.join(' and ')}; the alerts go to one receiver`,
        'keep exactly one of slack or webhook',
      );
    if (alerts.slack) receiverEntry(alerts.slack.webhookSecret, ['alerts', 'slack', 'webhookSecret'], report);
    if (alerts.webhook) receiverEntry(alerts.webhook.urlSecret, ['alerts', 'webhook', 'urlSecret'], report);
  }
  const seen = new Map<string, number>();
  (o.viewers ?? []).forEach((v, i) => {
    if (!EMAIL.test(v))
      return report(
        ['viewers', i],
        `${JSON.stringify(v)} is not an e-mail address`,
        'name the Keycloak user by e-mail, such as jane@example.com',
      );
    const first = seen.get(v.toLowerCase());
    if (first !== undefined)
      report(
        ['viewers', i],
        `${JSON.stringify(v)} is listed twice (first at viewers[${first}])`,
        'remove the duplicate',
      );
    else seen.set(v.toLowerCase(), i);
  });
}

/** A webhook URL carries its own credential (Slack's does): it is the value, never the name. */
function receiverEntry(ref: string, path: FieldPath, report: Report): void {
  const field = String(path[path.length - 1]);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref))
    return report(
      path,
      `${field} holds the webhook URL itself; tenants.yaml is in git and must hold no secret value`,
      'store the URL in AWS Secrets Manager under agentic-platform/<env>/tenants/<tenant>/, name the entry here, and replace the exposed webhook',
    );
  const p = secretEntryProblem(ref, field, 'the webhook URL');
  if (p) report(path, p.message, p.fix);
}

/** A tenant name: a DNS label short enough for tenant-<name>. */
function tenantName(name: string, report: Report): void {
  if (!DNS_LABEL.test(name))
    report(
      [],
      `${JSON.stringify(name)} is not a DNS-1123 label`,
      "use lower-case letters, digits and '-', starting and ending with a letter or digit",
    );
  else if (name.length > MAX_TENANT_NAME)
    report(
      [],
      `${JSON.stringify(name)} is ${name.length} characters; the namespace ${tenantNamespace(name)} would exceed 63`,
      `shorten the name to at most ${MAX_TENANT_NAME} characters`,
    );
}

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

export const tenantFields = z.strictObject({
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
export type Subject = z.infer<typeof subjectSchema>;
