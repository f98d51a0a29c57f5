/**
 * Workload gate: kube-score over the workloads of dist/, and over copies with a good and a bad
 * Deployment planted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyExceptions,
  findings,
  KUBE_SCORE_KINDS,
  kubeScoreArgs,
  kubeScoreInput,
  relatedObjects,
  scoreGroups,
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

/** Findings of one kube-score run over every object of the dev environment that kube-score reads. */
async function wholeEnvironmentFindings(copy: OutputCopy): Promise<string[]> {
  const env = copy.output().environments.find((e) => e.name === 'dev')!;
  const files = [...new Set(env.manifests.filter((m) => KUBE_SCORE_KINDS.has(m.object.kind)).map((m) => m.file))];
  const res = await runTool(requireTool('kube-score'), kubeScoreArgs(env.kubernetesVersion), {
    input: kubeScoreInput(copy.root, files),
  });
  return findings('dev', JSON.parse(res.stdout))
    .map((f) => `${f.kind} ${f.namespace}/${f.name} ${f.check} ${f.message}`)
    .sort();
}

/** The gate's findings in dev, nothing remembered, in runs of at most `perRun` workloads, and its notes. */
async function gateFindings(copy: OutputCopy, perRun?: number): Promise<{ found: string[]; notes: readonly string[] }> {
  const gate = await withMemory('off', () => workloadGate(copy.output(), undefined, perRun));
  const found = gate.errors
    .filter((e) => e.startsWith('dev: '))
    .map((e) => /^dev: (\S+ \S+): kube-score \w+ ([a-z-]+): (.*); fix the workload/.exec(e)!.slice(1).join(' '))
    .sort();
  return { found, notes: gate.notes ?? [] };
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
    const whole = await wholeEnvironmentFindings(copy);
    expect(whole.length).toBeGreaterThan(3);
    expect((await gateFindings(copy)).found).toEqual(whole);
  });

  // The planted fault: five workloads of tenant-alpha, four that pass only because the
  // namespace's NetworkPolicies (default-deny selects every pod) select them, scored one
  // workload a run. A run that lost those policies (a namespace split with its objects fed to
  // one part only) would find pod-networkpolicy on the good four.
  it('finds over runs of one workload what one run over the whole environment finds', async () => {
    const copy = withDeployment('bad-deployment.yaml');
    for (const i of [1, 2, 3, 4])
      copy.write(
        `dist/dev/tenants/alpha/good-${i}.yaml`,
        fixture('good-deployment.yaml').replaceAll('agent-api', `agent-api-${i}`),
      );
    const whole = await wholeEnvironmentFindings(copy);
    expect(whole.some((f) => f.startsWith('Deployment tenant-alpha/careless '))).toBe(true);
    expect(whole.filter((f) => f.includes('agent-api') || f.includes('pod-networkpolicy'))).toEqual([]);
    const split = await gateFindings(copy, 1);
    const workloads = committed() + 5;
    expect(split.notes).toContain(`${workloads} kube-score runs of at most 1 workloads`);
    expect(split.found).toEqual(whole);
    expect((await gateFindings(copy, Infinity)).found).toEqual(whole);
  });

  it('remembers the workloads found clean in runs of one, and scores only the others again', async () => {
    const copy = withDeployment('bad-deployment.yaml');
    copy.write('dist/dev/tenants/alpha/good.yaml', fixture('good-deployment.yaml'));
    const before = process.env.VALIDATE_CACHE_DIR;
    process.env.VALIDATE_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'workloads-memory-'));
    try {
      const workloads = committed() + 2;
      const first = await workloadGate(copy.output(), undefined, 1);
      expect(first.notes?.slice(1)).toEqual([
        '0 of the workloads found clean before (the same files of the workload and of what selects or scales it, tool and arguments)',
        `${workloads} kube-score runs of at most 1 workloads`,
      ]);
      const second = await workloadGate(copy.output(), undefined, 1);
      expect(second.errors).toEqual(first.errors);
      // Only the careless Deployment, which has findings, is scored again.
      expect(second.notes?.slice(1)).toEqual([
        `${workloads - 1} of the workloads found clean before (the same files of the workload and of what selects or scales it, tool and arguments)`,
        '1 kube-score runs of at most 1 workloads',
      ]);
    } finally {
      fs.rmSync(process.env.VALIDATE_CACHE_DIR, { recursive: true, force: true });
      if (before === undefined) delete process.env.VALIDATE_CACHE_DIR;
      else process.env.VALIDATE_CACHE_DIR = before;
    }
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

describe('kube-score runs', () => {
  /** Namespaces found in more than one group. */
  const split = (groups: { namespace: string }[][]) => {
    const seen = new Map<string, number>();
    for (const g of groups) for (const ns of new Set(g.map((w) => w.namespace))) seen.set(ns, (seen.get(ns) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([ns]) => ns);
  };
  const sizes: Record<string, number> = { a: 1, b: 3, c: 2, d: 9, e: 4, f: 1, g: 2, h: 3 };
  // In an order that interleaves namespaces, as relatedObjects may give them.
  const workloads = Object.entries(sizes)
    .flatMap(([ns, n]) => Array.from({ length: n }, (_, i) => ({ namespace: ns, id: `${ns}${i}`, i })))
    .sort((x, y) => x.i - y.i || y.namespace.localeCompare(x.namespace));

  it('keeps a namespace that fits in one run whole, and gives every workload one run of at most the limit', () => {
    const groups = scoreGroups(workloads, 4);
    expect(
      groups
        .flat()
        .map((w) => w.id)
        .sort(),
    ).toEqual(workloads.map((w) => w.id).sort());
    for (const g of groups) expect(g.length).toBeLessThanOrEqual(4);
    // Only d, with more workloads than a run takes, is split: into two full runs and a rest.
    expect(split(groups)).toEqual(['d']);
    expect(groups.map((g) => g.filter((w) => w.namespace === 'd').length).filter((n) => n > 0)).toEqual([4, 4, 1]);
    expect(split(scoreGroups(workloads, 9))).toEqual([]);
    expect(scoreGroups(workloads, Infinity)).toHaveLength(1);
    expect(scoreGroups([], 4)).toEqual([]);
  });

  it('the namespace check catches runs cut without regard to namespaces (the planted fault)', () => {
    const cut = Array.from({ length: Math.ceil(workloads.length / 4) }, (_, i) => workloads.slice(i * 4, i * 4 + 4));
    expect(split(cut).filter((ns) => ns !== 'd').length).toBeGreaterThan(0);
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
