/**
 * The checks of issue 16 for one environment: `kubectl apply -f argocd/<env>/bootstrap/` on a
 * simulated cluster with the real Argo CD leads to every Application the tenants and platform
 * imply, Synced and Healthy, with every pod placed on its node group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDone, settledProblems } from '../../scripts/cluster-tier/applications';
import { APP_RESYNC_SECONDS, ARGOCD_NAMESPACE } from '../../scripts/cluster-tier/cluster';
import { placementProblems } from '../../scripts/cluster-tier/placement';
import type { Cluster } from '../../scripts/cluster-tier/cluster';
import { bootstrap, type Run, waitForApplications } from './environment-harness';

/** Seconds every Application has to become Synced and Healthy. */
const TIME_BOUND = Number(process.env.CLUSTER_TIME_BOUND ?? 900);

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

    it('generates exactly the Applications that tenants.yaml and the platform imply', () => {
      expect(run.rows.map((r) => r.name).sort()).toEqual(run.expected);
    });

    it(`brings every Application to Synced and Healthy within ${TIME_BOUND}s`, () => {
      const notDone = run.rows.filter((r) => !isDone(r)).map((r) => `${r.name}: ${r.sync}/${r.health} ${r.detail}`);
      expect(notDone).toEqual([]);
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

    it('runs every Pod on a node of the group it selects, none Pending, every DaemonSet on its nodes', async () => {
      const get = (kind: string) => cluster!.kubectl(['get', kind, '-A', '-o', 'json']);
      const problems = placementProblems(await get('pods'), await get('nodes'), await get('daemonsets'));
      console.log(`cluster ${envName}: placement problems:\n${problems.join('\n') || '(none)'}`);
      expect(problems).toEqual([]);
    });
  });
}
