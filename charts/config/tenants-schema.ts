/**
 * The schema of tenants.yaml, the one source of a tenant entry's shape: the fields
 * (tenant-fields.ts, workloads-schema.ts) and the rules that need more than one field or entry
 * (validate-tenants.ts, validate-workloads.ts), each run when the fields it reads parsed
 * (rules.ts). Objects are strict: an unknown key is an error, so a typo never silently drops a
 * setting.
 */
import { z } from 'zod';
import { DNS_LABEL, MAX_TENANT_NAME } from '../lib/constants';
import { type Broken, listRule, type Report, rulesFor } from './rules';
import { tenantFields, type TenantFields } from './tenant-fields';
import { tenantLimits, tenantOwners } from './validate-tenants';
import {
  agentReferences,
  allowedCallers,
  crossTenantCalls,
  modelReferences,
  sandboxRouterTemplates,
  tenantAliases,
  tenantGuards,
  uniqueRoutes,
  uniqueTenantNames,
  workloadNames,
  workloadQuota,
} from './validate-workloads';
import { MAX_WORKLOAD_NAME } from './workloads-schema';

export * from './tenant-fields';

const tenantRule = rulesFor(tenantFields);

/** A tenant entry with the rules across its fields, each run when the fields it reads parsed. */
export const tenantSchema = tenantFields
  .check(
    tenantRule(['name', 'owners'], tenantOwners),
    tenantRule(['quota', 'limits'], tenantLimits),
    tenantRule(['agents', 'models', 'mcpServers', 'sandboxes', 'llmBackends', 'sandboxRouter'], workloadNames),
    tenantRule(['agents', 'models', 'mcpServers'], agentReferences),
    tenantRule(['models', 'llmBackends'], modelReferences),
    tenantRule(['sandboxRouter', 'sandboxes'], sandboxRouterTemplates),
    tenantRule(
      ['quota', 'limits', 'agents', 'mcpServers', 'sandboxes', 'sandboxRouter', 'llmBackends', 'observability'],
      workloadQuota,
    ),
    tenantRule(['guards', 'agents', 'models', 'mcpServers', 'llmBackends', 'name'], tenantGuards),
  )
  .describe('One tenant team.');

/** The rules over the whole registry but uniqueRoutes, each linear in the number of tenants. */
const LIST_RULES = [uniqueTenantNames, tenantAliases, crossTenantCalls, allowedCallers] as const;

/**
 * The rules over the whole registry. An entry is undefined when it is not an object of the
 * schema, and holds only the keys that parsed (see listRule).
 */
export function tenantListRules(
  tenants: readonly (Partial<TenantFields> | undefined)[],
  report: Report,
  broken: Broken,
): void {
  for (const check of LIST_RULES) check(tenants, report);
  uniqueRoutes(tenants, report, broken);
}

/**
 * Whether entries that each passed `tenantSchema` pass the rules over the whole registry, with
 * the paths of each entry's routes already known (`routePaths`): uniqueRoutes then reports
 * exactly when a path repeats (every alias is a DNS label, or tenantAliases reports).
 */
export function tenantListPasses(tenants: readonly TenantFields[], paths: readonly (readonly string[])[]): boolean {
  let passes = true;
  for (const check of LIST_RULES) check(tenants, () => void (passes = false));
  const seen = new Set<string>();
  for (const ps of paths)
    for (const p of ps) {
      if (seen.has(p)) return false;
      seen.add(p);
    }
  return passes;
}

export const tenantsFileSchema = z
  .strictObject({
    tenants: z
      .array(tenantSchema)
      .check(listRule<TenantFields>(tenantListRules))
      .describe('Every tenant of the platform.'),
  })
  .describe('The tenant registry of agentic-platform.');

export type TenantsFile = z.output<typeof tenantsFileSchema>;
/** A tenant entry as written in tenants.yaml. */
export type TenantInput = z.input<typeof tenantSchema>;

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
