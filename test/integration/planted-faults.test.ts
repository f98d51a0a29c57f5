/**
 * Faults planted in a copy of the output, each of which the integration tier must catch: a field
 * a CRD's CEL rule rejects, pod templates that break their namespace's Pod Security level, a
 * tenant RoleBinding that hands another tenant's developers `edit`, and tenant pods that would
 * land on platform or gateway nodes while Kyverno is down (no Kyverno runs here). Each copy goes through the
 * same sync plan, apply and RBAC matrix as the real output, on one control plane with dist/dev/
 * applied first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import type { Manifest, Output } from '../../scripts/kube/manifests';
import { TENANT_POD_RULES } from '../../charts/constructs/tenant-pod-policy';
import { nodeSelectorFor, tolerationsFor } from '../../charts/lib/placement';
import { applyPlan, crdFiles, errorOf, installCrds, kubectl } from '../../scripts/kube/apply';
import { startControlPlane, type ControlPlane } from '../../scripts/integration/control-plane';
import { accessMatrix, checkMatrix } from '../../scripts/integration/rbac-matrix';
import { syncPlan } from '../../scripts/kube/sync-plan';
import { CRDS_DIR } from '../../scripts/toolchain/schemas';
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
    // A Deployment in a namespace the platform labels with Pod Security levels (kube-system has none).
    const labelled = new Set(
      devOf(repoOutput())
        .manifests.filter(
          (m) => m.object.kind === 'Namespace' && m.object.metadata.labels?.['pod-security.kubernetes.io/enforce'],
        )
        .map((m) => m.object.metadata.name),
    );
    const deployment = devOf(repoOutput()).manifests.find(
      (m) =>
        m.object.kind === 'Deployment' &&
        m.file.startsWith(`dist/${ENV}/platform/`) &&
        labelled.has(m.object.metadata.namespace),
    )!;
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
        `warning: Deployment ${namespace}/${name} (${deployment.file}) [${step}]: would violate PodSecurity "restricted:v1.35": privileged (container "${container.name}" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "${container.name}" must set securityContext.allowPrivilegeEscalation=false)`,
        `rejected: Pod ${tenant.namespace}/debug (${podFile}) [tenants/${tenant.name}]: Error from server (Forbidden): pods "debug" is forbidden: violates PodSecurity "baseline:v1.35": host namespaces (hostNetwork=true)`,
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
      expect(
        matrix.failures.every(
          (f) =>
            f.startsWith(`allowed: Group ${intruder.subjects[0].name} (tenant ${intruder.name}) `) &&
            f.includes(` in ${owner.namespace} `),
        ),
      ).toBe(true);
    } finally {
      await kubectl(cp!, ['delete', 'rolebinding', 'planted-edit', '-n', owner.namespace, '--ignore-not-found']);
    }
  });

  describe('tenant-pod-restrictions (ValidatingAdmissionPolicy, no webhook)', () => {
    const namespace = tenants[0].namespace;
    const message = (id: (typeof TENANT_POD_RULES)[number]['id']) => TENANT_POD_RULES.find((r) => r.id === id)!.message;
    /** The API server's answer to creating the pod (server-side dry run: admitted in full, stored never). */
    const create = async (name: string, spec: Record<string, unknown>): Promise<string> => {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace },
        spec: { containers: [{ name: 'main', image: 'busybox:1.37' }], ...spec },
      };
      const run = await kubectl(cp!, ['create', '--dry-run=server', '-o', 'name'], JSON.stringify(pod));
      if (run.code === 0) return run.stdout.trim();
      const error = errorOf(run.stderr);
      const at = error.indexOf(`pods "${name}"`);
      return at < 0 ? error : error.slice(at);
    };
    const denied = (name: string, id: (typeof TENANT_POD_RULES)[number]['id']) =>
      `pods "${name}" is forbidden: ValidatingAdmissionPolicy 'tenant-pod-restrictions' with binding 'tenant-pod-restrictions' denied request: ${message(id)}`;

    it('refuses every toleration shape that tolerates workload=platform or workload=gateway with effect NoSchedule', async () => {
      const shapes: Record<string, Record<string, string>> = {
        'empty-key-exists': { operator: 'Exists' },
        'empty-key-exists-noschedule': { operator: 'Exists', effect: 'NoSchedule' },
        'key-exists': { key: 'workload', operator: 'Exists' },
        'key-exists-noschedule': { key: 'workload', operator: 'Exists', effect: 'NoSchedule' },
        'equal-platform': { key: 'workload', operator: 'Equal', value: 'platform', effect: 'NoSchedule' },
        'equal-gateway-no-effect': { key: 'workload', operator: 'Equal', value: 'gateway' },
        'no-operator-platform': { key: 'workload', value: 'platform', effect: 'NoSchedule' },
        'no-operator-gateway-no-effect': { key: 'workload', value: 'gateway' },
      };
      for (const [name, toleration] of Object.entries(shapes)) {
        // As tenant-scheduling would leave it had Kyverno run: agents placement, plus the extra toleration.
        const spec = {
          nodeSelector: nodeSelectorFor('agents'),
          tolerations: [...tolerationsFor('agents'), toleration],
        };
        expect(await create(name, spec), name).toBe(denied(name, 'tolerations'));
      }
    });

    it('refuses another node-role, required node affinity for it, and spec.nodeName', async () => {
      expect(await create('select-platform', { nodeSelector: nodeSelectorFor('platform') })).toBe(
        denied('select-platform', 'node-selector'),
      );
      const affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role', operator: 'In', values: ['gateway'] }] }],
          },
        },
      };
      expect(await create('require-gateway', { affinity })).toBe(denied('require-gateway', 'node-affinity'));
      expect(await create('named-node', { nodeName: 'ip-10-0-0-1.ec2.internal' })).toBe(
        denied('named-node', 'node-name'),
      );
    });

    it('refuses a probe or lifecycle handler that names a host, also where Pod Security would not', async () => {
      const containers = [
        {
          name: 'main',
          image: 'busybox:1.37',
          readinessProbe: { httpGet: { host: '10.0.0.5', port: 8080, path: '/' } },
        },
      ];
      // Pod Security baseline refuses a probe host from policy version v1.34 on: at the namespace's
      // version (the environment's Kubernetes version) it answers first.
      const version = devOf(repoOutput()).manifests.find(
        (m) => m.object.kind === 'Namespace' && m.object.metadata.name === namespace,
      )!.object.metadata.labels['pod-security.kubernetes.io/enforce-version'];
      expect(await create('probe-host', { containers })).toBe(
        `pods "probe-host" is forbidden: violates PodSecurity "baseline:${version}": probe or lifecycle host (container "main" uses probe or lifecycle host "10.0.0.5")`,
      );
      // Under an older policy version Pod Security admits it; the ValidatingAdmissionPolicy does not.
      const relabel = async (v: string) =>
        expect(
          (
            await kubectl(cp!, [
              'label',
              'namespace',
              namespace,
              `pod-security.kubernetes.io/enforce-version=${v}`,
              '--overwrite',
            ])
          ).code,
        ).toBe(0);
      await relabel('v1.33');
      try {
        expect(await create('probe-host', { containers })).toBe(denied('probe-host', 'probe-host'));
        const tcp = [
          {
            name: 'main',
            image: 'busybox:1.37',
            startupProbe: { tcpSocket: { host: 'kb.tenant-b.svc.cluster.local', port: 3000 } },
          },
        ];
        expect(await create('tcp-probe-host', { containers: tcp })).toBe(denied('tcp-probe-host', 'probe-host'));
        // A sidecar (an init container that keeps running) may have lifecycle handlers.
        const sidecar = [
          {
            name: 'sidecar',
            image: 'busybox:1.37',
            restartPolicy: 'Always',
            lifecycle: { preStop: { httpGet: { host: '169.254.169.254', port: 80, path: '/' } } },
          },
        ];
        expect(await create('sidecar-hook-host', { initContainers: sidecar })).toBe(
          denied('sidecar-hook-host', 'probe-host'),
        );
      } finally {
        await relabel(version);
      }
    });

    it('admits a pod as tenant-scheduling leaves it, one without placement, and tolerations that tolerate no forbidden taint', async () => {
      expect(
        await create('as-placed', { nodeSelector: nodeSelectorFor('agents'), tolerations: tolerationsFor('agents') }),
      ).toBe('pod/as-placed');
      expect(await create('unplaced', {})).toBe('pod/unplaced');
      const harmless = [
        { key: 'workload', operator: 'Exists', effect: 'NoExecute' },
        { key: 'workload', operator: 'Equal', value: 'platform', effect: 'PreferNoSchedule' },
        { key: 'dedicated', operator: 'Exists' },
      ];
      expect(await create('harmless-tolerations', { tolerations: harmless })).toBe('pod/harmless-tolerations');
      const probe = [{ name: 'main', image: 'busybox:1.37', readinessProbe: { httpGet: { port: 8080, path: '/' } } }];
      expect(await create('own-probe', { containers: probe })).toBe('pod/own-probe');
    });

    it('refuses an update that adds such a toleration, and admits updates that leave placement alone', async () => {
      const spec = {
        containers: [{ name: 'main', image: 'busybox:1.37' }],
        nodeSelector: nodeSelectorFor('agents'),
        tolerations: tolerationsFor('agents'),
      };
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stored', namespace }, spec };
      expect((await kubectl(cp!, ['create', '-o', 'name'], JSON.stringify(pod))).stdout.trim()).toBe('pod/stored');
      try {
        const patch = (ops: object[]) =>
          kubectl(cp!, ['patch', 'pod', 'stored', '-n', namespace, '--type', 'json', '-p', JSON.stringify(ops)]);
        const added = await patch([
          { op: 'add', path: '/spec/tolerations/-', value: { key: 'workload', operator: 'Exists' } },
        ]);
        expect(errorOf(added.stderr)).toBe(`Error from server (Forbidden): ${denied('stored', 'tolerations')}`);
        const labelled = await patch([{ op: 'add', path: '/metadata/labels', value: { team: 'a' } }]);
        expect(labelled.code, labelled.stderr).toBe(0);
      } finally {
        await kubectl(cp!, ['delete', 'pod', 'stored', '-n', namespace, '--ignore-not-found', '--wait=false']);
      }
    });
  });
});
