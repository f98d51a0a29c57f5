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
  isDone,
} from '../../scripts/cluster-tier/applications';
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

/** Starts an environment's cluster and applies its bootstrap directory from the local project repository. */
export async function bootstrap(envName: string): Promise<Cluster> {
  const env = loadEnvironment(envName, ROOT);
  const cluster = await startCluster(env, ROOT, { keepDir: process.env.CLUSTER_KEEP === '1' });
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
  const left: Record<string, unknown>[] = [];
  for (const o of objects) {
    try {
      await cluster.kubectl(['create'], JSON.stringify(o));
    } catch (e) {
      if (!/AlreadyExists|already exists/.test((e as Error).message)) left.push(o);
    }
  }
  return left;
}

/** Polls the Applications every 10 s until all expected ones are Synced and Healthy, or `timeoutSeconds` passed. */
export async function waitForApplications(cluster: Cluster, timeoutSeconds: number): Promise<Run> {
  const expected = expectedApplications(cluster.env, ROOT);
  // The teams' own Secrets and ServiceAccounts, created once their namespace exists.
  let team = teamProvidedObjects(loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8')));
  const started = Date.now();
  const doneAt = new Map<string, number>();
  let rows: ApplicationRow[] = [];
  let lastPrint = 0;
  for (;;) {
    rows = applicationRows(
      await cluster.kubectl(['get', 'applications.argoproj.io', '-n', ARGOCD_NAMESPACE, '-o', 'json']),
    );
    for (const r of rows) if (isDone(r) && !doneAt.has(r.name)) doneAt.set(r.name, Date.now() - started);
    team = await createTeamObjects(cluster, team);
    const all = expected.every((n) => rows.some((r) => r.name === n && isDone(r)));
    const elapsed = Date.now() - started;
    if (all || elapsed > timeoutSeconds * 1000) break;
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
