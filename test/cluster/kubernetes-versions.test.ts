/**
 * The environments' Kubernetes version against the pinned Istio's supported range and the EKS
 * release calendar, on today's date: when a version nears the end of EKS standard support, this test
 * fails and names the upgrade, before a user finds that cluster:create no longer works.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEnvironments } from '../../charts/config/environment';
import { UPSTREAM } from '../../charts/lib/upstream';
import {
  EKS_SUPPORT,
  ISTIO_KUBERNETES_SUPPORT,
  kubernetesVersionProblems,
  minorOf,
  UPGRADE_NOTICE_DAYS,
} from '../../cluster/kubernetes-versions';
import { sampleEnvironment } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
const at = (date: string) => new Date(`${date}T12:00:00Z`);
const THIS_FILE = path.relative(ROOT, __filename).split(path.sep).join('/');

interface Workflow {
  on?: { schedule?: { cron?: string }[] };
  jobs?: Record<string, { if?: string; steps?: { run?: string }[] }>;
}

/**
 * Why the CI workflow does not run this file every day (the dates above expire without a commit);
 * empty when it does. A job runs on the schedule when it has no condition or asks for the schedule.
 */
function dailyRunProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const crons = (workflow.on?.schedule ?? []).map((s) => s.cron ?? '');
  if (!crons.some((c) => /^\S+ \S+ \* \* \*$/.test(c.trim()))) problems.push('on.schedule has no daily cron');
  const runsThis = Object.values(workflow.jobs ?? {}).some(
    (job) =>
      (job.if === undefined || job.if.replace(/\s+/g, ' ') === "github.event_name == 'schedule'") &&
      (job.steps ?? []).some((s) => s.run?.split(/\s+/).includes(THIS_FILE)),
  );
  if (!runsThis) problems.push(`no job runs ${THIS_FILE} on the schedule`);
  return problems;
}

describe('Kubernetes version of each environment', () => {
  for (const env of envs) {
    it(`${env.name}: Kubernetes ${env.kubernetesVersion} is inside Istio's range and EKS standard support today, with ${UPGRADE_NOTICE_DAYS} days to spare`, () => {
      expect(kubernetesVersionProblems(env, new Date())).toEqual([]);
    });
  }

  it('CI runs this file every day, and the check fails without the schedule or the job', () => {
    const workflow = parse(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'ci.yaml'), 'utf8')) as Workflow;
    expect(dailyRunProblems(workflow)).toEqual([]);
    expect(dailyRunProblems({ ...workflow, on: { ...workflow.on, schedule: undefined } })).toEqual([
      'on.schedule has no daily cron',
    ]);
    const jobs = Object.fromEntries(
      Object.entries(workflow.jobs ?? {}).map(([name, job]) => [name, { ...job, if: "github.event_name == 'push'" }]),
    );
    expect(dailyRunProblems({ ...workflow, jobs })).toEqual([`no job runs ${THIS_FILE} on the schedule`]);
  });

  it('the pinned Istio has a row in the support table', () => {
    // istio/istio.io data/compatibility/supportStatus.yml: 1.30 supports Kubernetes 1.32 to 1.36;
    // istio/istio 1.30.3 istioctl/pkg/install/k8sversion/version.go: MinK8SVersion = 32.
    expect(ISTIO_KUBERNETES_SUPPORT[minorOf(UPSTREAM.istiod.version)]).toEqual([
      '1.32',
      '1.33',
      '1.34',
      '1.35',
      '1.36',
    ]);
  });

  it('the EKS calendar rows are ordered: standard support ends 14 months after release, extended 12 months later', () => {
    for (const [version, row] of Object.entries(EKS_SUPPORT)) {
      const standard = new Date(`${row.standardEnds}T00:00:00Z`);
      const extended = new Date(`${row.extendedEnds}T00:00:00Z`);
      expect(extended.getUTCFullYear() - standard.getUTCFullYear(), version).toBe(1);
      expect([extended.getUTCMonth(), extended.getUTCDate()], version).toEqual([
        standard.getUTCMonth(),
        standard.getUTCDate(),
      ]);
    }
  });

  it('fails a version Istio does not support, and one whose EKS extended support has ended (Kubernetes 1.31 on 2026-12-04)', () => {
    const env = sampleEnvironment({ name: 'dev', kubernetesVersion: '1.31' });
    expect(kubernetesVersionProblems(env, at('2026-12-04'))).toEqual([
      "dev: Kubernetes 1.31 is outside Istio 1.30's supported range 1.32 to 1.36; set kubernetesVersion to one of 1.32, 1.33, 1.34, 1.35, 1.36",
      'dev: EKS extended support for Kubernetes 1.31 ended on 2026-11-26: EKS no longer creates such clusters; set kubernetesVersion to a supported version',
    ]);
  });

  it('fails a version past standard support, and one whose standard support ends within the notice period', () => {
    expect(
      kubernetesVersionProblems(sampleEnvironment({ name: 'prod', kubernetesVersion: '1.34' }), at('2026-12-04')),
    ).toEqual([
      'prod: EKS standard support for Kubernetes 1.34 ended on 2026-12-02 (extended support ends 2027-12-02); upgrade with npm run cluster:upgrade',
    ]);
    expect(
      kubernetesVersionProblems(sampleEnvironment({ name: 'prod', kubernetesVersion: '1.35' }), at('2027-03-01')),
    ).toEqual([
      'prod: EKS standard support for Kubernetes 1.35 ends on 2027-03-27, in 25 days; upgrade with npm run cluster:upgrade',
    ]);
    expect(
      kubernetesVersionProblems(sampleEnvironment({ name: 'prod', kubernetesVersion: '1.35' }), at('2027-01-01')),
    ).toEqual([]);
  });

  it('fails a version without EKS dates and an Istio override without a support row', () => {
    const env = sampleEnvironment({ name: 'dev', kubernetesVersion: '1.36' });
    expect(kubernetesVersionProblems(env, at('2026-12-04'))).toEqual([
      'dev: Kubernetes 1.36 has no EKS support dates in EKS_SUPPORT (cluster/kubernetes-versions.ts); add them from the Amazon EKS Kubernetes release calendar',
    ]);
    const overridden = sampleEnvironment({ name: 'dev', kubernetesVersion: '1.35' });
    const platform = { ...overridden.platform, versions: { istiod: '1.31.0' } };
    expect(kubernetesVersionProblems({ ...overridden, platform }, at('2026-12-04'))).toEqual([
      "dev: Istio 1.31 has no supported Kubernetes versions in ISTIO_KUBERNETES_SUPPORT (cluster/kubernetes-versions.ts); add them from Istio's support matrix",
    ]);
  });
});
