/**
 * Workload gate: kube-score over the workloads of dist/, and over copies with a good and a bad
 * Deployment planted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyExceptions,
  findings,
  KUBE_SCORE_KINDS,
  kubeScoreArgs,
  kubeScoreInput,
  relatedObjects,
  workloadGate,
  type WorkloadException,
  type WorkloadFinding,
} from '../../scripts/gates/workloads';
import { runTool } from '../../scripts/toolchain/run-tool';
import { requireTool } from '../../scripts/toolchain/tools';
import { copiesPerTest, type OutputCopy, repoOutput, withMemory } from './fixture';

const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

const freshCopy = copiesPerTest();

function withDeployment(name: string): OutputCopy {
  const c = freshCopy();
  c.write(`dist/dev/tenants/alpha/${name}`, fixture(name));
  return c;
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'];
/** Workloads the committed dist/ holds (the platform's own: collector, realm sync). */
const committed = () =>
  repoOutput()
    .environments.flatMap((e) => e.manifests)
    .filter((m) => WORKLOAD_KINDS.includes(m.object.kind)).length;

describe('workload gate', () => {
  it('runs over dist/ and counts its workloads', async () => {
    const r = await workloadGate(repoOutput());
    expect(r.errors).toEqual([]);
    expect(committed()).toBeGreaterThanOrEqual(4);
    expect(r.checked).toBe(committed());
  });

  it('gives kube-score each workload with the objects of its namespace that select or scale it', () => {
    const env = repoOutput().environments[0];
    const related = relatedObjects(env);
    expect(related.size).toBe(env.manifests.filter((m) => WORKLOAD_KINDS.includes(m.object.kind)).length);
    let services = 0;
    for (const [w, objects] of related) {
      const ns = w.object.metadata.namespace;
      const labels =
        w.object.kind === 'CronJob'
          ? w.object.spec.jobTemplate.spec.template.metadata.labels
          : w.object.spec.template.metadata.labels;
      for (const o of objects) {
        expect(o.object.metadata.namespace).toBe(ns);
        expect(KUBE_SCORE_KINDS.has(o.object.kind)).toBe(true);
      }
      // Every Service of the namespace that selects the pods is given, and no other.
      const selecting = env.manifests.filter(
        (m) =>
          m.object.kind === 'Service' &&
          m.object.metadata.namespace === ns &&
          Object.entries(m.object.spec?.selector ?? {}).every(([k, v]) => labels?.[k] === v),
      );
      expect(objects.filter((o) => o.object.kind === 'Service')).toEqual(selecting);
      services += selecting.length;
    }
    expect(services).toBeGreaterThan(0);
  });

  // kube-score v1.20.0 judges a workload by the objects of its namespace that select or scale it
  // (score/deployment/deployment.go, score/apps/apps.go, score/probes/probes.go,
  // score/networkpolicy/networkpolicy.go, score/disruptionbudget/disruptionbudget.go): its findings
  // over the whole environment equal those over each workload with its related objects.
  it('finds for each workload what kube-score finds over the whole environment', async () => {
    const copy = withDeployment('bad-deployment.yaml');
    const env = copy.output().environments.find((e) => e.name === 'dev')!;
    const files = [...new Set(env.manifests.filter((m) => KUBE_SCORE_KINDS.has(m.object.kind)).map((m) => m.file))];
    const res = await runTool(requireTool('kube-score'), kubeScoreArgs(env.kubernetesVersion), {
      input: kubeScoreInput(copy.root, files),
    });
    const whole = findings('dev', JSON.parse(res.stdout)).map(
      (f) => `${f.kind} ${f.namespace}/${f.name} ${f.check} ${f.message}`,
    );
    const gate = await withMemory('off', () => workloadGate(copy.output()));
    const mine = gate.errors
      .filter((e) => e.startsWith('dev: '))
      .map((e) => /^dev: (\S+ \S+): kube-score \w+ ([a-z-]+): (.*); fix the workload/.exec(e)!.slice(1).join(' '));
    expect(whole.length).toBeGreaterThan(3);
    expect(mine.sort()).toEqual(whole.sort());
  });

  it('scores a Deployment against the NetworkPolicies of its namespace (a check across objects)', async () => {
    const copy = freshCopy();
    copy.write(
      'dist/dev/platform/observability/deployment-good.yaml',
      fixture('good-deployment.yaml').replaceAll('namespace: tenant-alpha', 'namespace: no-policies'),
    );
    const r = await workloadGate(copy.output());
    expect(r.errors.some((e) => e.includes('no-policies/') && e.includes('pod-networkpolicy'))).toBe(true);
  });

  it('passes a Deployment that follows the checks', async () => {
    const copy = withDeployment('good-deployment.yaml');
    const r = await workloadGate(copy.output());
    expect(r.errors).toEqual([]);
    expect(r.checked).toBe(committed() + 1);
  });

  it('fails a careless Deployment, naming each failed check and the fix', async () => {
    const copy = withDeployment('bad-deployment.yaml');
    const r = await workloadGate(copy.output());
    expect(r.checked).toBe(committed() + 1);
    const checks = r.errors.map((e) => /kube-score (?:CRITICAL|WARNING) ([a-z-]+):/.exec(e)?.[1]);
    for (const id of [
      'container-image-tag',
      'container-resources',
      'container-security-context-user-group-id',
      'container-security-context-readonlyrootfilesystem',
    ])
      expect(checks).toContain(id);
    expect(r.errors[0]).toMatch(
      /^dev: Deployment tenant-alpha\/careless: kube-score (CRITICAL|WARNING) [a-z-]+: .+; fix the workload, or add an exception with its reason to WORKLOAD_EXCEPTIONS in scripts\/gates\/workloads\.ts$/,
    );
  });

  it('accepts a finding only under a written exception, and rejects exceptions that match nothing', async () => {
    const copy = withDeployment('bad-deployment.yaml');
    const first = await workloadGate(copy.output());
    const excepted: WorkloadException = {
      kind: 'Deployment',
      namespace: 'tenant-alpha',
      name: 'careless',
      check: 'container-image-tag',
      reason: 'test: the tag is pinned by digest at deploy time',
    };
    const stale: WorkloadException = {
      kind: 'Deployment',
      namespace: 'tenant-alpha',
      name: 'gone',
      check: 'pod-probes',
      reason: 'test',
    };
    const second = await workloadGate(copy.output(), [excepted, stale]);
    expect(second.errors).toEqual([
      ...first.errors.filter((e) => !e.includes('container-image-tag')),
      'workload exception Deployment tenant-alpha/gone pod-probes matches no kube-score finding; remove it from WORKLOAD_EXCEPTIONS',
    ]);
    expect(second.notes?.[0]).toBe('kube-score, 1 findings under written exceptions (2 exceptions)');
  });
});

describe('workload exceptions', () => {
  const finding: WorkloadFinding = {
    env: 'dev',
    kind: 'Deployment',
    namespace: 'ns',
    name: 'd',
    check: 'pod-probes',
    grade: 'CRITICAL',
    message: 'no probes',
  };

  it('does not accept an exception without a reason', () => {
    const r = applyExceptions(
      [finding],
      [{ kind: 'Deployment', namespace: 'ns', name: 'd', check: 'pod-probes', reason: ' ' }],
    );
    expect(r.excepted).toBe(0);
    expect(r.errors).toEqual([
      'dev: Deployment ns/d: kube-score CRITICAL pod-probes: no probes; fix the workload, or add an exception with its reason to WORKLOAD_EXCEPTIONS in scripts/gates/workloads.ts',
      'workload exception Deployment ns/d pod-probes has no reason; write why the finding is acceptable',
    ]);
  });
});
