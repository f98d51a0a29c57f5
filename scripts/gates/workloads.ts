/**
 * Workload gate: every workload we emit (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod in
 * dist/) passes kube-score, or the finding carries a written exception in
 * WORKLOAD_EXCEPTIONS below. Third-party charts are installed by Argo CD from their Helm
 * repositories and are not in dist/, so they are not scored here.
 *
 * kube-score sees the whole environment at once, on its standard input, so checks that look
 * across objects (a NetworkPolicy selects the pod, a Service targets it, a PodDisruptionBudget
 * covers it) see what we emit. The
 * `kube-score/ignore` annotation is disabled: exceptions live here, with their reasons, and one
 * that matches no finding fails the gate so the list cannot go stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireTool } from '../toolchain/tools';
import { type EnvironmentOutput, type GateResult, type Output, ofKinds, since } from '../kube/manifests';
import { runTool } from '../toolchain/run-tool';

/** Kinds the gate scores. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'] as const;

/**
 * Every kind kube-score v1.20.0 reads (parser/parse.go); it passes over documents of any other
 * kind.
 */
export const KUBE_SCORE_KINDS: ReadonlySet<string> = new Set([
  ...WORKLOAD_KINDS,
  'NetworkPolicy',
  'Service',
  'PodDisruptionBudget',
  'Ingress',
  'HorizontalPodAutoscaler',
  'List',
]);

/**
 * kube-score's input for an environment, as one YAML stream for its standard input (a command
 * line cannot name the files of a thousand tenants): each file holding a kind kube-score reads,
 * in a namespace that holds a workload, and every PodDisruptionBudget and List.
 *
 * kube-score's checks of a workload look at other objects of its namespace only (Services,
 * NetworkPolicies, HorizontalPodAutoscalers, PodDisruptionBudgets); only a PodDisruptionBudget of
 * another namespace can change a message ("a matching budget was found, but in a different
 * namespace"). Objects of namespaces without workloads change no finding the gate reports, and a
 * thousand tenants' NetworkPolicies and Services would only slow kube-score down.
 */
export function kubeScoreInput(root: string, env: EnvironmentOutput): string {
  const namespaceOf = (o: Record<string, any>) => (o.metadata?.namespace as string | undefined) ?? 'default';
  const withWorkloads = new Set(ofKinds(env.manifests, ...WORKLOAD_KINDS).map((m) => namespaceOf(m.object)));
  const files = new Set(
    env.manifests
      .filter((m) => KUBE_SCORE_KINDS.has(m.object.kind))
      .filter(
        (m) => ['PodDisruptionBudget', 'List'].includes(m.object.kind) || withWorkloads.has(namespaceOf(m.object)),
      )
      .map((m) => m.file),
  );
  return [...files].map((f) => `---\n${fs.readFileSync(path.join(root, f), 'utf8')}\n`).join('');
}

/** A finding accepted on purpose. */
export interface WorkloadException {
  readonly kind: string;
  /** Namespace of the workload. */
  readonly namespace: string;
  readonly name: string;
  /** kube-score check id, such as container-image-pull-policy. */
  readonly check: string;
  /** Why the finding is acceptable: what would break, and what protects instead. */
  readonly reason: string;
}

/** Accepted kube-score findings. Each needs a reason; each must match a current finding. */
export const WORKLOAD_EXCEPTIONS: readonly WorkloadException[] = [];

/** One failed kube-score check of one workload. */
export interface WorkloadFinding {
  readonly env: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly check: string;
  readonly grade: 'CRITICAL' | 'WARNING';
  readonly message: string;
}

interface KubeScoreObject {
  type_meta: { kind: string; apiVersion: string };
  object_meta: { name: string; namespace?: string };
  file_name?: string;
  checks: {
    check: { id: string; name: string };
    grade: number;
    skipped: boolean;
    comments: { path?: string; summary: string; description?: string }[] | null;
  }[];
}

// kube-score's grades.
const GRADE_CRITICAL = 1;
const GRADE_ALL_OK = 10;

/** Findings of kube-score's JSON (v2) report for the workload kinds. Pure. */
export function findings(env: string, report: readonly KubeScoreObject[]): WorkloadFinding[] {
  const out: WorkloadFinding[] = [];
  for (const o of report) {
    if (!(WORKLOAD_KINDS as readonly string[]).includes(o.type_meta.kind)) continue;
    for (const c of o.checks) {
      if (c.skipped || c.grade >= GRADE_ALL_OK) continue;
      const comments = (c.comments ?? []).map((x) => `${x.path ? `(${x.path}) ` : ''}${x.summary}`).join('; ');
      out.push({
        env,
        kind: o.type_meta.kind,
        namespace: o.object_meta.namespace ?? 'default',
        name: o.object_meta.name,
        check: c.check.id,
        grade: c.grade <= GRADE_CRITICAL ? 'CRITICAL' : 'WARNING',
        message: comments || c.check.name,
      });
    }
  }
  return out;
}

/** Splits findings into failures and excepted ones, and names exceptions that match nothing. Pure. */
export function applyExceptions(
  found: readonly WorkloadFinding[],
  exceptions: readonly WorkloadException[],
): { errors: string[]; excepted: number } {
  const errors: string[] = [];
  const used = new Set<WorkloadException>();
  let excepted = 0;
  for (const f of found) {
    const ex = exceptions.find(
      (e) => e.kind === f.kind && e.namespace === f.namespace && e.name === f.name && e.check === f.check,
    );
    if (ex && ex.reason.trim() !== '') {
      used.add(ex);
      excepted++;
      continue;
    }
    errors.push(
      `${f.env}: ${f.kind} ${f.namespace}/${f.name}: kube-score ${f.grade} ${f.check}: ${f.message}; fix the workload, or add an exception with its reason to WORKLOAD_EXCEPTIONS in scripts/gates/workloads.ts`,
    );
  }
  for (const e of exceptions) {
    if (e.reason.trim() === '')
      errors.push(
        `workload exception ${e.kind} ${e.namespace}/${e.name} ${e.check} has no reason; write why the finding is acceptable`,
      );
    else if (!used.has(e))
      errors.push(
        `workload exception ${e.kind} ${e.namespace}/${e.name} ${e.check} matches no kube-score finding; remove it from WORKLOAD_EXCEPTIONS`,
      );
  }
  return { errors, excepted };
}

/** Runs kube-score over each environment's output. */
export async function workloadGate(
  output: Output,
  exceptions: readonly WorkloadException[] = WORKLOAD_EXCEPTIONS,
): Promise<GateResult> {
  const started = Date.now();
  const bin = requireTool('kube-score');
  const found: WorkloadFinding[] = [];
  const errors: string[] = [];
  let workloads = 0;
  for (const env of output.environments) {
    const count = ofKinds(env.manifests, ...WORKLOAD_KINDS).length;
    workloads += count;
    if (count === 0) continue;
    const args = [
      'score',
      '--output-format',
      'json',
      '--kubernetes-version',
      `v${env.kubernetesVersion}`,
      '--disable-ignore-checks-annotations',
      '-',
    ];
    const res = await runTool(bin, args, { input: kubeScoreInput(output.root, env) });
    let report: KubeScoreObject[];
    try {
      report = JSON.parse(res.stdout);
    } catch {
      errors.push(
        `kube-score (${env.name}) exited with ${res.code} and printed no report: ${res.stderr.trim() || res.stdout.trim()}`,
      );
      continue;
    }
    const scored = report.filter((o) => (WORKLOAD_KINDS as readonly string[]).includes(o.type_meta.kind)).length;
    if (scored !== count)
      errors.push(
        `kube-score (${env.name}) scored ${scored} workloads of ${count} in the output; every workload must be scored`,
      );
    found.push(...findings(env.name, report));
  }
  // kube-score's check order varies between runs; messages come out sorted.
  const key = (f: WorkloadFinding) => [f.env, f.kind, f.namespace, f.name, f.check].join('\0');
  const applied = applyExceptions(
    [...found].sort((a, b) => key(a).localeCompare(key(b))),
    exceptions,
  );
  errors.push(...applied.errors);
  return {
    gate: 'workloads',
    checked: workloads,
    unit: 'workloads',
    errors,
    ms: since(started),
    notes: [`kube-score, ${applied.excepted} findings under written exceptions (${exceptions.length} exceptions)`],
  };
}
