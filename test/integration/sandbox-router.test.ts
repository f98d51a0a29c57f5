/**
 * The integration tier for the sandbox router: the committed environments set no router image, so
 * their output has no router; this hands a synthesized environment that has one (tenants alpha and
 * beta with routers, gamma without; test/sandbox-router-fixture.ts) to a real kube-apiserver in
 * sync-wave order, as environments.test.ts does for dev and prod.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, crdFiles, installCrds } from '../../scripts/kube/apply';
import { startControlPlane, type ControlPlane } from '../../scripts/integration/control-plane';
import { syncPlan } from '../../scripts/kube/sync-plan';
import { KUBERNETES_VERSION } from '../../scripts/toolchain/tools';
import { CRDS_DIR } from '../../scripts/toolchain/schemas';
import { routerOutput } from '../sandbox-router-fixture';

describe(`the sandbox router's objects on kube-apiserver ${KUBERNETES_VERSION}`, () => {
  let cp: ControlPlane | undefined;
  const env = routerOutput();

  beforeAll(async () => {
    cp = await startControlPlane();
    await installCrds(cp, crdFiles(CRDS_DIR));
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('accepts every object of an environment with sandbox routers, without a warning', async () => {
    const routerObjects = env.manifests.filter((m) => /-sandbox-router[-.]/.test(m.file));
    expect(routerObjects.map((m) => m.object.kind).sort()).toEqual(
      expect.arrayContaining(['Deployment', 'HTTPRoute', 'NetworkPolicy', 'Service', 'ServiceAccount']),
    );
    const report = await applyPlan(cp!, syncPlan(env));
    console.log(
      `integration: sandbox routers: kube-apiserver accepted ${report.accepted} of ${env.manifests.length} objects; ${report.problems.length} problems`,
    );
    expect(report.problems).toEqual([]);
    expect(report.accepted).toBe(env.manifests.length);
    const accepted = new Set(report.outcomes.filter((o) => o.accepted).map((o) => o.manifest.file));
    for (const m of routerObjects) expect(accepted.has(m.file), m.file).toBe(true);
  });
});
