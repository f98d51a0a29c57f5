/**
 * The integration tier: each environment's output handed to a real kube-apiserver (with etcd, on
 * loopback) in sync-wave order, then the tenant access matrix checked with SubjectAccessReviews.
 * One fresh control plane per environment, as each environment is a cluster of its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import { readOutput } from '../../scripts/gates/manifests';
import { applyPlan, crdFiles, installCrds } from '../../scripts/integration/apply';
import { startControlPlane, type ControlPlane } from '../../scripts/integration/control-plane';
import { accessMatrix, checkMatrix } from '../../scripts/integration/rbac-matrix';
import { syncPlan } from '../../scripts/integration/sync-plan';
import { KUBERNETES_VERSION } from '../../scripts/tools';
import { CRDS_DIR } from '../../scripts/validation-schemas';

const ROOT = path.resolve(__dirname, '..', '..');
const output = readOutput(ROOT);
const tenants = loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8'));

for (const env of output.environments) {
  describe(`environment ${env.name} on kube-apiserver ${KUBERNETES_VERSION}`, () => {
    let cp: ControlPlane | undefined;
    let crds = 0;

    beforeAll(async () => {
      cp = await startControlPlane();
      crds = await installCrds(cp, crdFiles(CRDS_DIR));
    });
    afterAll(async () => {
      await cp?.stop();
    });

    it('accepts every object of dist/ and argocd/ in sync-wave order, without a warning', async () => {
      const steps = syncPlan(env);
      const started = Date.now();
      const report = await applyPlan(cp!, steps);
      console.log(
        `integration: ${env.name}: kube-apiserver accepted ${report.accepted} of ${env.manifests.length} objects ` +
          `(${report.applied} applied with server-side apply, ${report.dryRun} server dry-run) in ${steps.length} steps ` +
          `after ${crds} CRDs, ${((Date.now() - started) / 1000).toFixed(1)}s; ${report.problems.length} problems`,
      );
      expect(report.problems).toEqual([]);
      expect(report.accepted).toBe(env.manifests.length);
    });

    it("grants each tenant's subjects what the tenancy contract says, and nothing more", async () => {
      const checks = accessMatrix(tenants);
      const report = await checkMatrix(cp!, checks);
      const subjects = tenants.reduce((n, t) => n + t.subjects.length, 0);
      console.log(
        `integration: ${env.name}: RBAC matrix of ${report.checked} SubjectAccessReviews ` +
          `(${checks.filter((c) => c.allowed).length} allowed, ${checks.filter((c) => !c.allowed).length} denied expected) ` +
          `for ${subjects} subjects of ${tenants.length} tenants; ${report.failures.length} failures`,
      );
      expect(report.failures).toEqual([]);
    });
  });
}
