/**
 * The checks of issue 16 for one environment: `kubectl apply -f argocd/<env>/bootstrap/` on a
 * simulated cluster with the real Argo CD leads to every Application the tenants and platform
 * imply, Synced and Healthy, with every pod placed on its node group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDone } from '../../scripts/cluster-tier/applications';
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

    it("runs Kyverno's admission and background controllers once Argo CD has synced their chart", () => {
      console.log(`cluster ${envName}: Kyverno ${cluster!.kyverno()}`);
      expect(cluster!.kyverno()).toBe('running');
    });

    it('runs every Pod on a node of the group it selects, none Pending, every DaemonSet on its nodes', async () => {
      const get = (kind: string) => cluster!.kubectl(['get', kind, '-A', '-o', 'json']);
      const problems = placementProblems(await get('pods'), await get('nodes'), await get('daemonsets'));
      console.log(`cluster ${envName}: placement problems:\n${problems.join('\n') || '(none)'}`);
      expect(problems).toEqual([]);
    });
  });
}
