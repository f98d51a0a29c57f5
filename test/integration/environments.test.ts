/**
 * The integration tier: each environment's output handed to a real kube-apiserver (with etcd, on
 * loopback) in sync-wave order, then the tenant access matrix checked with SubjectAccessReviews.
 * One fresh control plane per environment, as each environment is a cluster of its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import { readOutput } from '../../scripts/kube/manifests';
import { applyPlan, crdFiles, installCrds, kubectl } from '../../scripts/kube/apply';
import { startControlPlane, type ControlPlane } from '../../scripts/integration/control-plane';
import { accessMatrix, checkMatrix } from '../../scripts/integration/rbac-matrix';
import { syncPlan } from '../../scripts/kube/sync-plan';
import { KUBERNETES_VERSION } from '../../scripts/toolchain/tools';
import { CRDS_DIR } from '../../scripts/toolchain/schemas';

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

    // The CronJob controller makes each Job from spec.jobTemplate under the name
    // <cronjob>-<scheduled time in minutes> (kubernetes v1.36 pkg/controller/cronjob/utils.go
    // getJobFromTemplate2, getJobName), and the API server requires a batch.kubernetes.io/job-name
    // pod label, when set, to equal that name (pkg/apis/batch/validation/validation.go
    // validateGeneratedSelector; pkg/registry/batch/job/strategy.go generateSelector keeps a label
    // already set). Accepting the CronJob itself proves neither.
    it("accepts the Jobs each CronJob's controller would create from it", async () => {
      const cronJobs = env.manifests.map((m) => m.object).filter((o) => o.kind === 'CronJob');
      expect(cronJobs.length).toBeGreaterThan(0);
      const refused: string[] = [];
      for (const c of cronJobs) {
        const job = {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: {
            name: `${c.metadata.name}-29410000`,
            namespace: c.metadata.namespace,
            labels: c.spec.jobTemplate.metadata?.labels,
            annotations: c.spec.jobTemplate.metadata?.annotations,
          },
          spec: c.spec.jobTemplate.spec,
        };
        const r = await kubectl(cp!, ['create', '--dry-run=server', '-o', 'name'], JSON.stringify(job));
        if (r.code !== 0) refused.push(`${c.metadata.namespace}/${c.metadata.name}: ${r.stderr.trim()}`);
      }
      expect(refused).toEqual([]);
      // Planted: a job-name pod label naming the CronJob, as the access syncs had.
      const [c] = cronJobs;
      const template = c.spec.jobTemplate.spec.template;
      const planted = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: `${c.metadata.name}-29410000`, namespace: c.metadata.namespace },
        spec: {
          ...c.spec.jobTemplate.spec,
          template: {
            ...template,
            metadata: {
              ...template.metadata,
              labels: { ...template.metadata?.labels, 'batch.kubernetes.io/job-name': c.metadata.name },
            },
          },
        },
      };
      const r = await kubectl(cp!, ['create', '--dry-run=server', '-o', 'name'], JSON.stringify(planted));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`spec.template.metadata.labels[batch.kubernetes.io/job-name]`);
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
