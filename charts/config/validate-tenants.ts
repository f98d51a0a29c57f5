/**
 * Rules of one tenant entry that the field types cannot say: its name, its owners, and limits
 * never below requests once the platform defaults are applied. The schema (tenants-schema.ts)
 * runs them.
 */
import { tenantDevelopersGroup, tenantNamespace } from '../lib/constants';
import { parseQuantity } from '../lib/quantity';
import type { FieldPath } from './source-errors';
import type { Report } from './rules';
import { DEFAULT_LIMITS, DEFAULT_QUOTA } from './tenant-defaults';
import type { Subject, TenantFields } from './tenant-fields';

const q = JSON.stringify;

/** A tenant name: a DNS label short enough for tenant-<name>. */

/** Owners: no system identity, valid service accounts of the tenant's own namespace, none bound twice. */
export function tenantOwners(t: Pick<TenantFields, 'name' | 'owners'>, report: Report): void {
  const seen = new Set<string>([`Group/${tenantDevelopersGroup(t.name)}`]);
  (t.owners ?? []).forEach((o, j) => {
    if (o.name.startsWith('system:'))
      report(
        ['owners', j, 'name'],
        `${q(o.name)} is a Kubernetes system identity and would grant access far beyond the tenant's team`,
        'name a group, user or service account of the tenant team',
      );
    ownerNamespace(o, t.name, ['owners', j], report);
    const key = `${o.kind}/${o.name}`;
    if (seen.has(key))
      report(
        ['owners', j],
        `${o.kind} ${q(o.name)} is already bound${o.name === tenantDevelopersGroup(t.name) ? ' (every tenant binds its developers group)' : ''}`,
        'remove the duplicate entry',
      );
    seen.add(key);
  });
}

function ownerNamespace(o: Subject, tenant: string, at: FieldPath, report: Report): void {
  if (o.kind !== 'ServiceAccount') {
    if (o.namespace !== undefined)
      report(
        [...at, 'namespace'],
        `namespace applies to ServiceAccount subjects only, not ${o.kind}`,
        'remove namespace',
      );
    return;
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(o.name) || o.name.length > 253)
    report(
      [...at, 'name'],
      `${q(o.name)} is not a valid service account name`,
      "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
    );
  if (o.name === 'default')
    report(
      [...at, 'name'],
      'the default service account runs every pod that names no other, so binding it would give all of them the developer role',
      'create a dedicated service account for the automation and name it here',
    );
  if (o.namespace !== undefined && o.namespace !== tenantNamespace(tenant))
    report(
      [...at, 'namespace'],
      `service account from namespace ${q(o.namespace)} would reach into ${tenantNamespace(tenant)}`,
      `use a service account of ${tenantNamespace(tenant)} (omit namespace)`,
    );
}

/** A quantity in effect: the tenant's override, else the platform default; undefined when it does not parse. */
interface Effective {
  readonly value: number;
  readonly text: string;
  readonly path: FieldPath;
  readonly overridden: boolean;
  readonly label: string;
}

function effective(
  path: FieldPath,
  override: string | number | undefined,
  fallback: string | number | undefined,
  label: string,
): Effective | undefined {
  const text = override ?? fallback;
  const value = text === undefined ? undefined : parseQuantity(text);
  if (value === undefined || (override !== undefined && value < 0)) return undefined; // its own rule reports it
  return { value, text: String(text), path, overridden: override !== undefined, label };
}

/** `low` ≤ `high`, reported at the overridden side. */
function atMost(low: Effective | undefined, high: Effective | undefined, report: Report): void {
  if (!low || !high || low.value <= high.value || (!low.overridden && !high.overridden)) return;
  const where = low.overridden ? low : high;
  report(
    where.path,
    `${low.label} ${low.text}${low.overridden ? '' : ' (platform default)'} exceeds ${high.label} ${high.text}${high.overridden ? '' : ' (platform default)'}`,
    where === low
      ? `lower ${low.label} to at most ${high.text}, or raise ${high.label}`
      : `raise ${high.label} to at least ${low.text}, or lower ${low.label}`,
  );
}

/** Limits are never below requests, after defaults are applied. */
export function tenantLimits(t: Pick<TenantFields, 'quota' | 'limits'>, report: Report): void {
  const quota = t.quota ?? {};
  const limits = t.limits ?? {};
  for (const r of ['cpu', 'memory'] as const) {
    const qReq = effective(
      ['quota', `requests.${r}`],
      quota[`requests.${r}`],
      DEFAULT_QUOTA[`requests.${r}`],
      `quota requests.${r}`,
    );
    const qLim = effective(
      ['quota', `limits.${r}`],
      quota[`limits.${r}`],
      DEFAULT_QUOTA[`limits.${r}`],
      `quota limits.${r}`,
    );
    const dReq = effective(
      ['limits', 'defaultRequest', r],
      limits.defaultRequest?.[r],
      DEFAULT_LIMITS.defaultRequest[r],
      `limits.defaultRequest.${r}`,
    );
    const dLim = effective(
      ['limits', 'default', r],
      limits.default?.[r],
      DEFAULT_LIMITS.default[r],
      `limits.default.${r}`,
    );
    const max = effective(['limits', 'max', r], limits.max?.[r], undefined, `limits.max.${r}`);
    atMost(qReq, qLim, report);
    atMost(dReq, dLim, report);
    atMost(dReq, qReq, report);
    atMost(dLim, qLim, report);
    atMost(dLim, max, report);
  }
}
