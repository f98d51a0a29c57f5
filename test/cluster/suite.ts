/**
 * The checks of issue 16 for one environment: `kubectl apply -f argocd/<env>/bootstrap/` on a
 * simulated cluster with the real Argo CD leads to every Application the tenants and platform
 * imply, Synced and Healthy, with every pod placed on its node group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDone, settledProblems } from '../../scripts/cluster-tier/applications';
import { APP_RESYNC_SECONDS, ARGOCD_NAMESPACE } from '../../scripts/cluster-tier/cluster';
import type { K8sObject } from '../../scripts/cluster-tier/live-state';
import { driftProblems } from '../../scripts/cluster-tier/live-drift';
import { referenceProblems } from '../../scripts/cluster-tier/live-references';
import { quotaProblems } from '../../scripts/cluster-tier/live-quota';
import { reachProblems } from '../../scripts/cluster-tier/live-reach';
import type { Cluster } from '../../scripts/cluster-tier/cluster';
import {
  bootstrap,
  completedLive,
  emptyApplicationSets,
  livePlacementProblems,
  readLive,
  type Run,
  waitForApplications,
} from './environment-harness';
import { distObjects } from './live-fixture';

/** Seconds every Application has to become Synced and Healthy. */
const TIME_BOUND = Number(process.env.CLUSTER_TIME_BOUND ?? 1200);

/** The cluster tier's checks of one environment. */
export function clusterSuite(envName: string): void {
  describe(`${envName} on a simulated cluster with Argo CD in the loop`, () => {
    let cluster: Cluster | undefined;
    let run: Run;

    beforeAll(
      async () => {
        cluster = await bootstrap(envName);
        run = await waitForApplications(cluster, TIME_BOUND);
      },
      (TIME_BOUND + 300) * 1000,
    );

    afterAll(async () => {
      await cluster?.stop();
    });

    // The live state, read once (Secret values dropped).
    let raw: Promise<K8sObject[]> | undefined;
    const rawLive = () => (raw ??= readLive(cluster!));
    let completed: Promise<K8sObject[]> | undefined;
    const live = () => (completed ??= rawLive().then((l) => completedLive(cluster!, l)));
    const report = (what: string, problems: string[]) => {
      console.log(`cluster ${envName}: ${what}:\n${problems.join('\n') || '(none)'}`);
      expect(problems).toEqual([]);
    };

    it('generates exactly the Applications that tenants.yaml and the platform imply', () => {
      expect(run.rows.map((r) => r.name).sort()).toEqual(run.expected);
    });

    it(`brings every Application to Synced and Healthy within ${TIME_BOUND}s`, () => {
      // An Application whose chart the charts folder cannot render is excused while it cannot
      // (scripts/cluster-tier/unrenderable.ts); one that syncs all the same is a stale excuse.
      const excused = new Set(cluster!.unrenderable.map((u) => u.application));
      for (const u of cluster!.unrenderable)
        console.log(`cluster ${envName}: excused ${u.application}: its chart lacks ${u.missing.join(', ')} here`);
      const notDone = run.rows
        .filter((r) => !isDone(r) && !excused.has(r.name))
        .map((r) => `${r.name}: ${r.sync}/${r.health} ${r.detail}`);
      const stale = run.rows
        .filter((r) => isDone(r) && excused.has(r.name))
        .map((r) => `${r.name}: excused, yet synced`);
      expect([...notDone, ...stale]).toEqual([]);
    });

    it(
      'keeps every Synced and Healthy Application so through three reconcile cycles (no self-heal fight)',
      async () => {
        const snapshots: string[] = [];
        const get = () => cluster!.kubectl(['get', 'applications.argoproj.io', '-n', ARGOCD_NAMESPACE, '-o', 'json']);
        for (let waited = 0; waited <= 3 * APP_RESYNC_SECONDS + 10; waited += 15) {
          snapshots.push(await get());
          await new Promise((r) => setTimeout(r, 15_000));
        }
        const problems = settledProblems(snapshots);
        console.log(`cluster ${envName}: after three reconcile cycles:\n${problems.join('\n') || '(nothing moved)'}`);
        expect(problems).toEqual([]);
      },
      (4 * APP_RESYNC_SECONDS + 120) * 1000,
    );

    it('generates at least one Application from every ApplicationSet', async () => {
      report('ApplicationSets that generated nothing', await emptyApplicationSets(cluster!));
    });

    it('holds every field dist/ sets in the live objects (no policy or controller rewrote one)', async () => {
      const r = driftProblems(distObjects(envName), await rawLive());
      console.log(`cluster ${envName}: compared ${r.compared} objects of dist/${envName} with their live state`);
      expect(r.compared).toBeGreaterThan(0);
      report('fields that differ from dist/', r.problems);
    });

    it("runs Kyverno's admission and background controllers once Argo CD has synced their chart", () => {
      console.log(`cluster ${envName}: Kyverno ${cluster!.kyverno()}`);
      expect(cluster!.kyverno()).toBe('running');
    });

    it('runs every Pod on a node of the group it selects, none Pending, every DaemonSet on its nodes', async () => {
      const problems = await livePlacementProblems(cluster!);
      console.log(`cluster ${envName}: placement problems:\n${problems.join('\n') || '(none)'}`);
      expect(problems).toEqual([]);
    });

    it('resolves every Service, port, Secret, ConfigMap and ServiceAccount our objects name', async () => {
      report('dangling references', referenceProblems(await live()));
    });

    it('fits each tenant namespace, with what controllers create there, in its ResourceQuota', async () => {
      report('quota problems', quotaProblems(await live()));
    });

    it('keeps powerful ServiceAccounts out of reach of tenant pods through the NetworkPolicies', async () => {
      report('powerful ServiceAccounts tenants reach', reachProblems(await live()));
    });
  });
}
