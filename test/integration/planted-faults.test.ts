/**
 * Faults planted in a copy of the output, each of which the integration tier must catch: a field
 * a CRD's CEL rule rejects, pod templates that break their namespace's Pod Security level, and a
 * tenant RoleBinding that hands another tenant's developers `edit`. Each copy goes through the
 * same sync plan, apply and RBAC matrix as the real output, on one control plane with dist/dev/
 * applied first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import type { Manifest, Output } from '../../scripts/gates/manifests';
import { applyPlan, crdFiles, installCrds, kubectl } from '../../scripts/integration/apply';
import { startControlPlane, type ControlPlane } from '../../scripts/integration/control-plane';
import { accessMatrix, checkMatrix } from '../../scripts/integration/rbac-matrix';
import { syncPlan } from '../../scripts/integration/sync-plan';
import { CRDS_DIR } from '../../scripts/validation-schemas';
import { copiesPerTest, repoOutput, ROOT } from '../gates/fixture';

const ENV = 'dev';
const freshCopy = copiesPerTest();
const tenants = loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8'));
const devOf = (output: Output) => output.environments.find((e) => e.name === ENV)!;
const first = (kind: string, under: string): Manifest => {
  const found = devOf(repoOutput()).manifests.find((m) => m.object.kind === kind && m.file.startsWith(under));
  if (!found) throw new Error(`no ${kind} under ${under}`);
  return found;
};

describe('planted faults on a real API server', () => {
  let cp: ControlPlane | undefined;

  beforeAll(async () => {
    cp = await startControlPlane();
    await installCrds(cp, crdFiles(CRDS_DIR));
    const baseline = await applyPlan(cp, syncPlan(devOf(repoOutput())));
    expect(baseline.problems).toEqual([]);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it("rejects a ModelConfig that breaks the CRD's CEL rule, naming the object and the rule", async () => {
    const model = first('ModelConfig', `dist/${ENV}/tenants/`);
    const copy = freshCopy();
    const planted = copy.read(model.file);
    // An Anthropic configuration under another provider.
    planted.spec.provider = 'OpenAI';
    copy.write(model.file, planted);
    const report = await applyPlan(cp!, syncPlan(devOf(copy.output())));
    const { name, namespace } = model.object.metadata;
    expect(report.problems).toEqual([
      `rejected: ModelConfig ${namespace}/${name} (${model.file}) [${path.posix.dirname(model.file).split('/').slice(2).join('/')}]: The ModelConfig "${name}" is invalid: spec: Invalid value: provider.anthropic must be nil if the provider is not Anthropic`,
    ]);
    expect(report.accepted).toBe(devOf(copy.output()).manifests.length - 1);
  });

  it("flags a Deployment whose pod template breaks its namespace's Pod Security levels, and rejects such a Pod", async () => {
    const deployment = first('Deployment', `dist/${ENV}/platform/`);
    const copy = freshCopy();
    const planted = copy.read(deployment.file);
    const container = planted.spec.template.spec.containers[0];
    delete container.securityContext.allowPrivilegeEscalation;
    container.securityContext.privileged = true;
    copy.write(deployment.file, planted);
    const tenant = tenants[0];
    const podFile = `dist/${ENV}/tenants/${tenant.name}/pod-debug.yaml`;
    copy.write(podFile, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: tenant.namespace },
      spec: { hostNetwork: true, containers: [{ name: 'debug', image: 'busybox:1.37' }] },
    });
    try {
      const report = await applyPlan(cp!, syncPlan(devOf(copy.output())));
      const { name, namespace } = deployment.object.metadata;
      const step = report.outcomes.find((o) => o.manifest.file === deployment.file)!.step;
      expect(report.problems).toEqual([
        `warning: Deployment ${namespace}/${name} (${deployment.file}) [${step}]: would violate PodSecurity "restricted:v1.31": privileged (container "${container.name}" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "${container.name}" must set securityContext.allowPrivilegeEscalation=false)`,
        `rejected: Pod ${tenant.namespace}/debug (${podFile}) [tenants/${tenant.name}]: Error from server (Forbidden): pods "debug" is forbidden: violates PodSecurity "baseline:v1.31": host namespaces (hostNetwork=true)`,
      ]);
    } finally {
      // The Deployment is stored with the fault: put the generated one back.
      await applyPlan(cp!, [{ label: 'restore', objects: [deployment] }]);
    }
  });

  it("fails the RBAC matrix when a tenant RoleBinding grants edit to another tenant's developers", async () => {
    const [owner, intruder] = tenants;
    const copy = freshCopy();
    const file = `dist/${ENV}/tenants/${owner.name}/rolebinding-planted-edit.yaml`;
    copy.write(file, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'planted-edit', namespace: owner.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: intruder.subjects[0].name }],
    });
    try {
      const report = await applyPlan(cp!, syncPlan(devOf(copy.output())));
      // The API server stores the binding: an administrator may grant edit.
      expect(report.problems).toEqual([]);
      const matrix = await checkMatrix(cp!, accessMatrix(tenants));
      const why = `(RBAC: allowed by RoleBinding "planted-edit/${owner.namespace}" of ClusterRole "edit" to Group "${intruder.subjects[0].name}")`;
      expect(matrix.failures).toContain(
        `allowed: Group ${intruder.subjects[0].name} (tenant ${intruder.name}) create secrets in ${owner.namespace} ${why}; expected denied: no access to another tenant's namespace`,
      );
      expect(matrix.failures).toContain(
        `allowed: Group ${intruder.subjects[0].name} (tenant ${intruder.name}) delete configmaps in ${owner.namespace} ${why}; expected denied: no access to another tenant's namespace`,
      );
      // Only the intruding group gains anything, and only in the owner's namespace.
      expect(matrix.failures.every((f) => f.startsWith(`allowed: Group ${intruder.subjects[0].name} (tenant ${intruder.name}) `) && f.includes(` in ${owner.namespace} `))).toBe(true);
    } finally {
      await kubectl(cp!, ['delete', 'rolebinding', 'planted-edit', '-n', owner.namespace, '--ignore-not-found']);
    }
  });
});
