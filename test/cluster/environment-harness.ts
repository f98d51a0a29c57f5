/**
 * The cluster tier's run of one environment: start the simulated cluster, apply
 * argocd/<env>/bootstrap/ (the only manual step), and poll the Applications until every one is
 * Synced and Healthy or the time bound passes, printing the table as it goes.
 */
import * as path from 'node:path';
import { loadEnvironment } from '../../scripts/upstream/render';
import {
  applicationRows,
  type ApplicationRow,
  expectedApplications,
  formatTable,
  emptyGeneratorProblems,
  isDone,
} from '../../scripts/cluster-tier/applications';
import {
  type K8sObject,
  LIVE_RESOURCES,
  liveObjects,
  withControllerObjects,
  withoutSecretValues,
} from '../../scripts/cluster-tier/live-state';
import { placementProblems } from '../../scripts/cluster-tier/placement';
import { ownObjects, stubObjects } from '../../scripts/cluster-tier/unrenderable';
import { CORE_SCHEMA, load } from 'js-yaml';
import { ARGOCD_NAMESPACE, type Cluster, startCluster } from '../../scripts/cluster-tier/cluster';
import { DIRS } from '../../charts/lib/constants';
import { loadTenants } from '../../charts/config/load-tenants';
import { teamProvidedObjects } from '../../scripts/cluster-tier/team-objects';
import * as fs from 'node:fs';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Run {
  readonly cluster: Cluster;
  readonly expected: readonly string[];
  readonly rows: readonly ApplicationRow[];
  readonly doneAt: ReadonlyMap<string, number>;
  readonly seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts an environment's cluster and applies its bootstrap directory from the local project
 * repository, built from `served` (the project itself, or a copy with planted faults).
 */
export async function bootstrap(envName: string, served = ROOT): Promise<Cluster> {
  const env = loadEnvironment(envName, ROOT);
  const cluster = await startCluster(env, served, { keepDir: process.env.CLUSTER_KEEP === '1' });
  await cluster.kubectl([
    'apply',
    '--server-side',
    '-f',
    path.join(cluster.sources.projectDir, DIRS.argocd, env.name, DIRS.bootstrap),
  ]);
  return cluster;
}

/** Creates what it can of the teams' objects; returns the ones whose namespace does not exist yet. */
async function createTeamObjects(
  cluster: Cluster,
  objects: Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  if (objects.length === 0) return [];
  // Only into namespaces that exist (a read the test process answers, not a kubectl process).
  const namespaces = new Set(
    (
      JSON.parse(await cluster.kubectl(['get', 'namespaces', '-o', 'json'])) as {
        items: { metadata: { name: string } }[];
      }
    ).items.map((n) => n.metadata.name),
  );
  const left: Record<string, unknown>[] = [];
  for (const o of objects) {
    if (!namespaces.has((o.metadata as { namespace?: string }).namespace ?? '')) {
      left.push(o);
      continue;
    }
    try {
      await cluster.kubectl(['create'], JSON.stringify(o));
    } catch (e) {
      if (!/AlreadyExists|already exists/.test((e as Error).message)) left.push(o);
    }
  }
  return left;
}

/**
 * Polls the Applications every 10 s until all expected ones (but the excused) are Synced and
 * Healthy, or `timeoutSeconds` passed, or `until` (asked every 30 s) says there is nothing left to
 * wait for.
 */
export async function waitForApplications(
  cluster: Cluster,
  timeoutSeconds: number,
  until?: (rows: readonly ApplicationRow[]) => Promise<boolean>,
): Promise<Run> {
  const expected = expectedApplications(cluster.env, ROOT);
  // The teams' own Secrets and ServiceAccounts, created once their namespace exists.
  let team = teamProvidedObjects(loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8')));
  const started = Date.now();
  const doneAt = new Map<string, number>();
  let rows: ApplicationRow[] = [];
  let lastPrint = 0;
  let lastAsked = 0;
  for (;;) {
    rows = applicationRows(
      await cluster.kubectl(['get', 'applications.argoproj.io', '-n', ARGOCD_NAMESPACE, '-o', 'json']),
    );
    for (const r of rows) if (isDone(r) && !doneAt.has(r.name)) doneAt.set(r.name, Date.now() - started);
    team = await createTeamObjects(cluster, team);
    // An excused Application (a chart not renderable here, unrenderable.ts) is not waited for.
    const excused = new Set(cluster.unrenderable.map((u) => u.application));
    const all = expected.every((n) => excused.has(n) || rows.some((r) => r.name === n && isDone(r)));
    const elapsed = Date.now() - started;
    if (all || elapsed > timeoutSeconds * 1000) break;
    if (until !== undefined && elapsed - lastAsked >= 30_000) {
      lastAsked = elapsed;
      if (await until(rows)) break;
    }
    if (elapsed - lastPrint >= 60_000) {
      lastPrint = elapsed;
      console.log(
        `cluster ${cluster.env.name}: ${Math.round(elapsed / 1000)}s: ${rows.length} Applications, ${rows.filter(isDone).length} Synced and Healthy`,
      );
    }
    await sleep(10_000);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`cluster ${cluster.env.name} after ${seconds}s:\n${formatTable(rows, doneAt)}`);
  console.log(`cluster ${cluster.env.name}: webhook stand-ins:\n${cluster.standIns().join('\n') || '(none)'}`);
  console.log(`cluster ${cluster.env.name}: controller models:\n${cluster.models().join('\n') || '(none)'}`);
  return { cluster, expected, rows, doneAt, seconds };
}

/** The live state the checks read: every LIVE_RESOURCES kind the API server serves, Secret values dropped. */
export async function readLive(cluster: Cluster): Promise<K8sObject[]> {
  const lists = [];
  for (const r of LIVE_RESOURCES)
    try {
      lists.push(await cluster.kubectl(['get', r, '-A', '-o', 'json']));
    } catch (e) {
      // A kind whose CRD did not sync is absent from the state, and said so.
      if (!/doesn't have a resource type/.test(String(e))) throw e;
      console.log(`cluster ${cluster.env.name}: the API server does not serve ${r}; the checks read none`);
    }
  return withoutSecretValues(liveObjects(...lists));
}

/**
 * The live state with what the platform names from charts not renderable here and what their
 * Applications' own sources hold (stubs, unrenderable.ts), and what the controllers this cluster
 * does not run would create (live-state.ts).
 */
export function completedLive(cluster: Cluster, live: readonly K8sObject[]): K8sObject[] {
  const stubs = cluster.unrenderable.flatMap((u) => [
    ...stubObjects(u.component, u.namespace),
    ...ownObjects(u, cluster.sources.projectDir),
  ]);
  return withControllerObjects([...live, ...stubs], (s: string) => load(s, { schema: CORE_SCHEMA }));
}

/** ApplicationSets that generated no Application. */
export async function emptyApplicationSets(cluster: Cluster): Promise<string[]> {
  const get = (r: string) => cluster.kubectl(['get', r, '-n', ARGOCD_NAMESPACE, '-o', 'json']);
  return emptyGeneratorProblems(await get('applicationsets.argoproj.io'), await get('applications.argoproj.io'));
}

/** Pods not Running on a node of their group, Pending ones with the scheduler's message, DaemonSets short of nodes. */
export async function livePlacementProblems(cluster: Cluster): Promise<string[]> {
  const get = (kind: string) => cluster.kubectl(['get', kind, '-A', '-o', 'json']);
  return placementProblems(await get('pods'), await get('nodes'), await get('daemonsets'));
}
