/**
 * What tenant teams create themselves, as the tenant guide asks (docs/tenant-guide.md: the
 * Secrets that `secretRefs` and `secretKeyRef` name live in the team's namespace, created by the
 * team; a ServiceAccount owner is the team's own, e.g. for its CI). The cluster tier creates them
 * after the bootstrap, as the teams would, with placeholder values, so that the live reference
 * check tells a missing platform object from a team's documented step.
 */
import type { Tenant } from '../../charts/config/load-tenants';

/** Every `secretKeyRef.name` (with its key) and `secretRefs` entry anywhere under a value. */
function secretNames(value: unknown, out: Map<string, Set<string>>): void {
  if (Array.isArray(value)) {
    for (const v of value) secretNames(v, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'secretKeyRef' && v !== null && typeof v === 'object') {
      const { name, key } = v as { name?: string; key?: string };
      if (name !== undefined) out.set(name, (out.get(name) ?? new Set()).add(key ?? 'value'));
    } else if (k === 'secretRefs' && Array.isArray(v)) {
      for (const name of v) if (typeof name === 'string') out.set(name, out.get(name) ?? new Set());
    } else secretNames(v, out);
  }
}

/** The Secrets and ServiceAccounts tenants.yaml says each team creates, in its namespace. */
export function teamProvidedObjects(tenants: readonly Tenant[]): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  for (const t of tenants) {
    const secrets = new Map<string, Set<string>>();
    secretNames(t.workloads, secrets);
    for (const [name, keys] of [...secrets].sort(([a], [b]) => a.localeCompare(b)))
      objects.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: t.namespace, labels: { 'cluster-tier/created-as': 'tenant-team' } },
        stringData: Object.fromEntries(
          [...(keys.size ? keys : ['value'])].sort().map((k) => [k, `team-placeholder:${k}`]),
        ),
      });
    for (const s of t.subjects)
      if (s.kind === 'ServiceAccount')
        objects.push({
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: s.name, namespace: t.namespace, labels: { 'cluster-tier/created-as': 'tenant-team' } },
        });
  }
  return objects;
}
