/**
 * The cluster tier's planted faults (issue 16, item 6): dev's output with four faults planted
 * (test/cluster/faults.ts), bootstrapped like the real thing; each fault must be caught by the
 * check that guards against it, with a message that names the object.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedApplications, isDone } from '../../scripts/cluster-tier/applications';
import type { Cluster } from '../../scripts/cluster-tier/cluster';
import { driftProblems } from '../../scripts/cluster-tier/live-drift';
import {
  bootstrap,
  ROOT,
  emptyApplicationSets,
  livePlacementProblems,
  readLive,
  type Run,
  waitForApplications,
} from './environment-harness';
import { faultyRoot, type PlantedFault } from './faults';
import { distObjects } from './live-fixture';

/**
 * Seconds the faulty bootstrap may run: past wave 7, where the rewritten Deployment is synced. The
 * run ends sooner once each fault is caught by its check (`caughtAll`).
 */
const TIME_BOUND = Number(process.env.CLUSTER_FAULTS_TIME_BOUND ?? 900);

/** The Applications the ApplicationSet fault leaves out: every other expected one must exist. */
const MISSING = ['workloads-alpha', 'workloads-beta', 'workloads-research'];

describe('planted faults on a simulated dev cluster with Argo CD in the loop', () => {
  const { root, faults } = faultyRoot('dev');
  const fault = (name: string): PlantedFault => faults.find((f) => f.name.startsWith(name))!;
  let cluster: Cluster | undefined;
  let run: Run;

  beforeAll(
    async () => {
      console.log(`cluster faults: planted ${faults.map((f) => `${f.name} (${f.file})`).join('; ')}`);
      cluster = await bootstrap('dev', root);
      run = await waitForApplications(cluster, TIME_BOUND, (rows) => caughtAll(cluster!, rows));
    },
    (TIME_BOUND + 300) * 1000,
  );

  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Whether every check below would catch its fault now (the tests then ask again and print). */
  const caughtAll = async (c: Cluster, rows: Run['rows']): Promise<boolean> => {
    const names = (ps: string[], f: PlantedFault) => ps.some((p) => p.includes(f.object));
    const present = new Set(rows.map((r) => r.name));
    const missing = expectedApplications(c.env, ROOT).filter((n) => !present.has(n));
    if (missing.join() !== MISSING.join()) return false;
    const keycloak = rows.find((r) => r.name === fault('chart value').object);
    if (keycloak === undefined || isDone(keycloak) || !/enableServiceLinks/.test(keycloak.detail)) return false;
    if (!names(await emptyApplicationSets(c), fault('ApplicationSet'))) return false;
    if (
      !(await livePlacementProblems(c)).some((p) => p.includes('tenant-research/sandbox-router') && /Pending/.test(p))
    )
      return false;
    return names(driftProblems(distObjects('dev'), await readLive(c)).problems, fault('mutating policy'));
  };

  const caught = (what: string, f: PlantedFault, problems: string[]) => {
    console.log(`cluster faults: ${f.name}: ${what}:\n${problems.join('\n') || '(none)'}`);
    expect(problems.filter((p) => p.includes(f.object))).not.toEqual([]);
  };

  it('names the Pending pod of the tenant Deployment without the agents toleration', async () => {
    const problems = await livePlacementProblems(cluster!);
    caught('placement problems', fault('tenant Deployment'), problems);
    expect(problems.find((p) => p.includes('tenant-research/sandbox-router'))).toMatch(/Pending/);
  });

  it("names the Application whose chart value the chart's schema rejects, with the value's path", () => {
    const f = fault('chart value');
    const row = run.rows.find((r) => r.name === f.object);
    console.log(`cluster faults: ${f.name}: ${row?.name}: ${row?.sync}/${row?.health} ${row?.detail}`);
    expect(row && isDone(row)).toBe(false);
    expect(row?.detail).toMatch(/enableServiceLinks/);
  });

  it('names the ApplicationSet whose directory path matches nothing, and the Applications missing', async () => {
    caught('ApplicationSets that generated nothing', fault('ApplicationSet'), await emptyApplicationSets(cluster!));
    const names = new Set(run.rows.map((r) => r.name));
    expect(run.expected.filter((n) => !names.has(n))).toEqual(MISSING);
  });

  it('names the field a mutating policy rewrote under an Application that stays Synced', async () => {
    const f = fault('mutating policy');
    const r = driftProblems(distObjects('dev'), await readLive(cluster!));
    caught('fields that differ from dist/', f, r.problems);
    expect(r.problems).toContain(
      `${f.object} metadata.labels.app.kubernetes.io/part-of: live "planted", dist/ "agentic-platform"`,
    );
    const collector = run.rows.find((x) => x.name === 'platform-otel-collector');
    console.log(`cluster faults: platform-otel-collector is ${collector?.sync}/${collector?.health}`);
  });
});
