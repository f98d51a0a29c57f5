/**
 * Argo CD's Applications on the simulated cluster: the names the bootstrap must lead to, their
 * live sync and health status, the time each took to become Synced and Healthy, and a table of it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment } from '../../charts';
import { loadTenants } from '../../charts/config/load-tenants';
import { DIRS } from '../../charts/lib/constants';

/** One Application as the cluster tier reads it. */
export interface ApplicationRow {
  readonly name: string;
  readonly wave: number;
  readonly sync: string;
  readonly health: string;
  /** The last operation's phase and message, and the Application's conditions: why it is not there yet. */
  readonly detail: string;
}

/**
 * The Applications `argocd/<env>/bootstrap/` must lead to: root, one per platform component
 * file, and per tenant of tenants.yaml the three the tenant ApplicationSets generate
 * (namespace-, guardrails-, workloads-<tenant>; their templates in argocd/<env>/applicationsets/).
 */
export function expectedApplications(env: Environment, root: string): string[] {
  const platform = fs
    .readdirSync(path.join(root, DIRS.argocd, env.name, DIRS.platformApplications))
    .filter((f) => f.startsWith('application-') && f.endsWith('.yaml'))
    .map((f) => f.slice('application-'.length, -'.yaml'.length));
  const tenants = loadTenants(fs.readFileSync(path.join(root, 'tenants.yaml'), 'utf8')).map((t) => t.name);
  const perTenant = tenants.flatMap((t) => [`namespace-${t}`, `guardrails-${t}`, `workloads-${t}`]);
  return ['root', ...platform, ...perTenant].sort();
}

interface LiveApplication {
  metadata: { name: string; annotations?: Record<string, string> };
  status?: {
    sync?: { status?: string };
    health?: { status?: string; message?: string };
    operationState?: { phase?: string; message?: string; startedAt?: string };
    conditions?: { type: string; message: string }[];
  };
}

/** Rows of `kubectl get applications -o json`, by sync wave then name. */
export function applicationRows(json: string): ApplicationRow[] {
  const items = (JSON.parse(json) as { items: LiveApplication[] }).items;
  return items
    .map((a) => {
      const s = a.status ?? {};
      const detail = [
        ...(s.conditions ?? []).map((c) => `${c.type}: ${c.message}`),
        ...(s.operationState && s.operationState.phase !== 'Succeeded'
          ? [`operation ${s.operationState.phase}: ${s.operationState.message ?? ''}`]
          : []),
        ...(s.health?.message && s.health.status !== 'Healthy' ? [`health: ${s.health.message}`] : []),
      ]
        .join('; ')
        .replace(/\s+/g, ' ');
      return {
        name: a.metadata.name,
        wave: Number(a.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0),
        sync: s.sync?.status ?? '-',
        health: s.health?.status ?? '-',
        detail,
      };
    })
    .sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name));
}

/** True when an Application is where the tier wants it. */
export function isDone(row: ApplicationRow): boolean {
  return row.sync === 'Synced' && row.health === 'Healthy';
}

/** The table the tier prints: wave, name, sync, health, seconds to Synced+Healthy, and why not. */
export function formatTable(rows: readonly ApplicationRow[], doneAt: ReadonlyMap<string, number>): string {
  const lines = rows.map((r) => [
    String(r.wave),
    r.name,
    r.sync,
    r.health,
    doneAt.has(r.name) ? `${Math.round(doneAt.get(r.name)! / 1000)}s` : '-',
    isDone(r) ? '' : r.detail.slice(0, 300),
  ]);
  const head = ['WAVE', 'APPLICATION', 'SYNC', 'HEALTH', 'TIME', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (i < 5 ? l[i].length : 0))));
  return [head, ...lines]
    .map((l) =>
      l
        .map((c, i) => (i < 5 ? c.padEnd(widths[i]) : c))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * Problems of Applications that were Synced and Healthy in the first snapshot and did not stay
 * so through the later ones (each `kubectl get applications -o json`, taken over a few of the
 * controller's reconcile cycles): a later OutOfSync or unhealthy state, or a new sync operation
 * (a different operationState.startedAt), which with selfHeal means something else changed what
 * Argo CD applied: a mutating webhook, a policy or a controller.
 */
export function settledProblems(snapshots: readonly string[]): string[] {
  const parse = (json: string) =>
    new Map((JSON.parse(json) as { items: LiveApplication[] }).items.map((a) => [a.metadata.name, a] as const));
  const [first, ...rest] = snapshots.map(parse);
  if (first === undefined) return [];
  const problems: string[] = [];
  for (const [name, a] of [...first].sort(([x], [y]) => x.localeCompare(y))) {
    if (a.status?.sync?.status !== 'Synced' || a.status.health?.status !== 'Healthy') continue;
    const started = a.status.operationState?.startedAt;
    for (const [i, later] of rest.entries()) {
      const b = later.get(name)?.status;
      const where = `snapshot ${i + 2} of ${snapshots.length}`;
      if (b?.sync?.status !== 'Synced' || b.health?.status !== 'Healthy') {
        problems.push(`${name}: ${b?.sync?.status ?? 'gone'}/${b?.health?.status ?? '-'} at ${where}`);
        break;
      }
      if (b.operationState?.startedAt !== started) {
        problems.push(`${name}: synced again at ${where} (${b.operationState?.message ?? ''})`);
        break;
      }
    }
  }
  return problems;
}

interface LiveApplicationSet {
  metadata: { name: string; uid: string };
  spec?: { generators?: unknown[] };
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

/**
 * ApplicationSets that generated no Application (none of the live Applications names it as its
 * owner, as the ApplicationSet controller sets: applicationset/controllers/applicationset_controller.go
 * createOrUpdateInCluster), with the generators they have and the controller's error condition if any.
 */
export function emptyGeneratorProblems(applicationSetsJson: string, applicationsJson: string): string[] {
  const sets = (JSON.parse(applicationSetsJson) as { items: LiveApplicationSet[] }).items;
  const apps = (
    JSON.parse(applicationsJson) as { items: { metadata: { ownerReferences?: { kind: string; uid: string }[] } }[] }
  ).items;
  const owners = new Set(
    apps.flatMap((a) =>
      (a.metadata.ownerReferences ?? []).filter((o) => o.kind === 'ApplicationSet').map((o) => o.uid),
    ),
  );
  return sets
    .filter((s) => !owners.has(s.metadata.uid))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((s) => {
      const error = (s.status?.conditions ?? []).find((c) => c.type === 'ErrorOccurred' && c.status === 'True');
      return `ApplicationSet ${s.metadata.name} generated no Application from ${JSON.stringify(s.spec?.generators ?? [])}${error?.message ? ` (${error.message})` : ''}`;
    });
}
