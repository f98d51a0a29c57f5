/**
 * The options of `tenant add` turned into a tenants.yaml entry, with each option value checked
 * where the option is named (the loader checks the rest on the edited file).
 */
import {
  QUOTA_KEYS,
  QUOTA_QUANTITY_KEYS,
  type QuotaKey,
  type Subject,
  type TenantInput,
} from '../../charts/config/tenants-schema';
import { DNS_LABEL, MAX_TENANT_NAME, tenantNamespace } from '../../charts/lib/constants';
import { parseQuantity } from '../../charts/lib/quantity';
import { UsageError, UserError } from '../lib/cli';
import type { TenantEntry } from './edit';

/** What `tenant add` accepts, as the command's flags hold it. */
export interface AddFlags {
  readonly displayName?: string;
  readonly description?: string;
  readonly alias?: string;
  readonly ownerGroups?: readonly string[];
  readonly ownerUsers?: readonly string[];
  readonly ownerServiceAccounts?: readonly string[];
  /** `key=value`, such as `requests.cpu=12` or `pods=30`. */
  readonly quota?: readonly string[];
  /** `group.resource=value`, such as `default.cpu=300m` or `max.memory=8Gi`. */
  readonly limits?: readonly string[];
}

export const LIMIT_GROUPS = ['default', 'defaultRequest', 'max'] as const;
const LIMIT_RESOURCES = ['cpu', 'memory'] as const;

/** Refuses a tenant name the loader would refuse, with the same rule and fix. */
export function checkTenantName(name: string): void {
  if (!DNS_LABEL.test(name)) {
    throw new UserError(
      `${JSON.stringify(name)} is not a DNS-1123 label; use lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
  if (name.length > MAX_TENANT_NAME) {
    throw new UserError(
      `${JSON.stringify(name)} is ${name.length} characters; the namespace ${tenantNamespace(name)} would exceed 63, so use at most ${MAX_TENANT_NAME}`,
    );
  }
}

/** `key=value` split at the first `=`. */
function keyValue(flag: string, arg: string, example: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1)
    throw new UsageError(`--${flag} ${arg}: expected <key>=<value>, such as ${example}`);
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}

function quantity(flag: string, arg: string, value: string): string {
  const q = parseQuantity(value);
  if (q === undefined)
    throw new UsageError(
      `--${flag} ${arg}: ${JSON.stringify(value)} is not a Kubernetes quantity; write a number with an optional suffix, such as 500m, 2, 512Mi or 16Gi`,
    );
  if (q < 0) throw new UsageError(`--${flag} ${arg}: ${JSON.stringify(value)} is negative; use 0 or more`);
  return value;
}

/** The new tenant's entry: only the fields an option sets, so that the rest take the platform defaults. */
export function entryFromFlags(name: string, flags: AddFlags): TenantEntry {
  checkTenantName(name);
  const owners: Subject[] = [
    ...(flags.ownerGroups ?? []).map((n) => ({ kind: 'Group' as const, name: n })),
    ...(flags.ownerUsers ?? []).map((n) => ({ kind: 'User' as const, name: n })),
    ...(flags.ownerServiceAccounts ?? []).map((n) => ({ kind: 'ServiceAccount' as const, name: n })),
  ];

  const quota: Partial<Record<QuotaKey, string | number>> = {};
  for (const arg of flags.quota ?? []) {
    const [key, value] = keyValue('quota', arg, 'requests.cpu=12');
    if (!(QUOTA_KEYS as readonly string[]).includes(key))
      throw new UsageError(
        `--quota ${arg}: unknown quota key ${JSON.stringify(key)}; use one of ${QUOTA_KEYS.join(', ')}`,
      );
    const k = key as QuotaKey;
    if (k in quota) throw new UsageError(`--quota ${key} given twice`);
    if (QUOTA_QUANTITY_KEYS.includes(k)) quota[k] = quantity('quota', arg, value);
    else if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) quota[k] = Number(value);
    else
      throw new UsageError(
        `--quota ${arg}: ${key} counts objects, so ${JSON.stringify(value)} must be a whole number, 0 or more`,
      );
  }
  // Schema order of the quota keys, whatever the order of the options.
  const orderedQuota = Object.fromEntries(QUOTA_KEYS.filter((k) => k in quota).map((k) => [k, quota[k]]));

  const limits: Record<string, Record<string, string>> = {};
  for (const arg of flags.limits ?? []) {
    const [key, value] = keyValue('limit', arg, 'default.cpu=300m');
    const [group, resource, extra] = key.split('.');
    if (
      extra !== undefined ||
      !(LIMIT_GROUPS as readonly string[]).includes(group) ||
      !(LIMIT_RESOURCES as readonly string[]).includes(resource)
    ) {
      throw new UsageError(
        `--limit ${arg}: unknown limit ${JSON.stringify(key)}; use <${LIMIT_GROUPS.join('|')}>.<cpu|memory>, such as default.cpu=300m`,
      );
    }
    if (limits[group]?.[resource] !== undefined) throw new UsageError(`--limit ${key} given twice`);
    limits[group] = { ...limits[group], [resource]: quantity('limit', arg, value) };
  }
  const orderedLimits = Object.fromEntries(
    LIMIT_GROUPS.filter((g) => limits[g]).map((g) => [
      g,
      Object.fromEntries(LIMIT_RESOURCES.filter((r) => limits[g][r] !== undefined).map((r) => [r, limits[g][r]])),
    ]),
  ) as TenantInput['limits'];

  return {
    name,
    ...(flags.displayName !== undefined ? { displayName: flags.displayName } : {}),
    ...(flags.description !== undefined ? { description: flags.description } : {}),
    ...(owners.length > 0 ? { owners } : {}),
    ...(Object.keys(orderedQuota).length > 0 ? { quota: orderedQuota } : {}),
    ...(Object.keys(limits).length > 0 ? { limits: orderedLimits } : {}),
    ...(flags.alias !== undefined ? { alias: flags.alias } : {}),
  };
}

/**
 * An error the loader found in the new entry, named by the option that set the field instead of
 * a position in a file that was never written, such as
 * `--quota requests.cpu=1: quota requests.cpu 1 exceeds ... Fix: ...`.
 */
export function optionError(field: string, message: string, fix: string, entry: TenantEntry): string {
  const rest = /^tenants\[\d+\]\.?(.*)$/.exec(field)?.[1] ?? field;
  let option = rest;
  let m: RegExpExecArray | null;
  if (rest === 'name') option = `name ${entry.name}`;
  else if (rest === 'displayName') option = '--display-name';
  else if (rest === 'description') option = '--description';
  else if (rest === 'alias') option = `--alias ${entry.alias}`;
  else if ((m = /^owners\[(\d+)\]/.exec(rest))) {
    const o = entry.owners?.[Number(m[1])];
    if (o) option = `--owner-${o.kind === 'ServiceAccount' ? 'service-account' : o.kind.toLowerCase()} ${o.name}`;
  } else if ((m = /^quota(?:\["([^"]+)"\]|\.(\w+))$/.exec(rest))) {
    const key = (m[1] ?? m[2]) as QuotaKey;
    option = `--quota ${key}=${entry.quota?.[key]}`;
  } else if ((m = /^limits\.(\w+)\.(cpu|memory)$/.exec(rest))) {
    const limits = entry.limits as Record<string, Record<string, unknown> | undefined> | undefined;
    option = `--limit ${m[1]}.${m[2]}=${limits?.[m[1]]?.[m[2]]}`;
  }
  return `${option}: ${message}. Fix: ${fix}`;
}
