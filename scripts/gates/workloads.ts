/**
 * Workload gate: every workload we emit (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod in
 * dist/) passes kube-score, or the finding carries a written exception in
 * WORKLOAD_EXCEPTIONS below. Third-party charts are installed by Argo CD from their Helm
 * repositories and are not in dist/, so they are not scored here.
 *
 * kube-score reads, on its standard input, each workload with the objects of its namespace that
 * select or scale it (relatedObjects), so checks that look across objects (a NetworkPolicy selects
 * the pod, a Service targets it, a PodDisruptionBudget covers it) see what we emit. A workload
 * found clean before, with the same files of it and of those objects, is not scored again; one
 * run per environment scores the rest. The
 * `kube-score/ignore` annotation is disabled: exceptions live here, with their reasons, and one
 * that matches no finding fails the gate so the list cannot go stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireTool, stampFor, tool } from '../toolchain/tools';
import {
  type EnvironmentOutput,
  type GateResult,
  type K8sObject,
  type Manifest,
  type Output,
  ofKinds,
  since,
} from '../kube/manifests';
import { runTool } from '../toolchain/run-tool';
import { codeStamp } from '../kube/code-stamp';
import { keyOf } from '../kube/record';
import { CleanVerdicts } from './verdicts';

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

const namespaceOf = (o: K8sObject) => (o.metadata?.namespace as string | undefined) ?? 'default';

/** Labels of a workload's pods, or undefined when the object does not say. */
function podLabels(o: K8sObject): Record<string, string> | undefined {
  if (o.kind === 'Pod') return o.metadata?.labels ?? {};
  const template = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
  return template?.metadata ? (template.metadata.labels ?? {}) : undefined;
}

/** Whether a selector may select pods with these labels: false only when its matchLabels prove it cannot. */
function mayMatch(selector: K8sObject | undefined, labels: Record<string, string> | undefined): boolean {
  if (labels === undefined || selector === undefined || selector === null) return true;
  const match = (selector.matchLabels ?? (selector.matchExpressions ? {} : selector)) as Record<string, unknown>;
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

/**
 * The objects kube-score may read when it scores a workload: those of its namespace that could
 * select its pods (Services by spec.selector, NetworkPolicies by podSelector, PodDisruptionBudgets
 * by selector) or scale it (HorizontalPodAutoscalers naming it). kube-score v1.20.0 looks at
 * nothing else for a workload's checks: score/deployment/deployment.go and score/apps/apps.go
 * (Services and HPAs of the workload's namespace), score/probes/probes.go podIsTargetedByService
 * (same namespace, matching selector), score/networkpolicy/networkpolicy.go podHasNetworkPolicy
 * (same namespace, matching podSelector), score/disruptionbudget/disruptionbudget.go hasMatching
 * (a matching budget elsewhere changes the description only, which the gate does not report).
 * A selector this cannot read (matchExpressions) counts as matching. Pure.
 */
export function relatedObjects(env: EnvironmentOutput): Map<Manifest, Manifest[]> {
  const byNs = new Map<string, Manifest[]>();
  for (const m of env.manifests)
    if (KUBE_SCORE_KINDS.has(m.object.kind) && !(WORKLOAD_KINDS as readonly string[]).includes(m.object.kind)) {
      const ns = namespaceOf(m.object);
      if (!byNs.has(ns)) byNs.set(ns, []);
      byNs.get(ns)!.push(m);
    }
  // Objects by the rarest label their selector requires (a workload whose pods lack it cannot be
  // selected); the rest are checked against every workload of their namespace.
  const indexed = new Map<string, Map<string, Manifest[]>>();
  const everywhere = new Map<string, Manifest[]>();
  const selectorOf = (o: K8sObject): K8sObject | undefined =>
    o.kind === 'Service' ? o.spec?.selector : o.kind === 'NetworkPolicy' ? o.spec?.podSelector : o.spec?.selector;
  const pairsOf = (m: Manifest): string[] => {
    if (!['PodDisruptionBudget', 'Service', 'NetworkPolicy'].includes(m.object.kind)) return [];
    const sel = selectorOf(m.object);
    if (!sel || sel.matchExpressions) return [];
    const match = (sel.matchLabels ?? (m.object.kind === 'Service' ? sel : {})) as Record<string, unknown>;
    return Object.entries(match).map(([k, v]) => `${k}\0${String(v)}`);
  };
  for (const [ns, list] of byNs) {
    const counts = new Map<string, number>();
    for (const m of list) for (const p of pairsOf(m)) counts.set(p, (counts.get(p) ?? 0) + 1);
    const index = new Map<string, Manifest[]>();
    const rest: Manifest[] = [];
    for (const m of list) {
      const pairs = pairsOf(m);
      if (pairs.length === 0) {
        rest.push(m);
        continue;
      }
      const rarest = pairs.reduce((a, b) => (counts.get(b)! < counts.get(a)! ? b : a));
      if (!index.has(rarest)) index.set(rarest, []);
      index.get(rarest)!.push(m);
    }
    indexed.set(ns, index);
    everywhere.set(ns, rest);
  }
  const out = new Map<Manifest, Manifest[]>();
  for (const w of ofKinds(env.manifests, ...WORKLOAD_KINDS)) {
    const ns = namespaceOf(w.object);
    const labels = podLabels(w.object);
    const candidates =
      labels === undefined
        ? (byNs.get(ns) ?? [])
        : [
            ...(everywhere.get(ns) ?? []),
            ...Object.entries(labels).flatMap(([k, v]) => indexed.get(ns)?.get(`${k}\0${v}`) ?? []),
          ];
    out.set(
      w,
      [...new Set(candidates)].filter((m) =>
        m.object.kind === 'HorizontalPodAutoscaler'
          ? [undefined, w.object.metadata?.name].includes(m.object.spec?.scaleTargetRef?.name)
          : m.object.kind === 'List' || mayMatch(selectorOf(m.object), labels),
      ),
    );
  }
  return out;
}

/** "Kind namespace/name" of a workload, as kube-score's report names it. */
const workloadId = (kind: string, namespace: string, name: string) => `${kind} ${namespace}/${name}`;

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

/** The workloads of an environment not found clean before, the files kube-score reads for them, and every key. */
function toScoreIn(
  env: EnvironmentOutput,
  verdicts: CleanVerdicts,
  digest: (file: string) => string,
): { toScore: Map<string, Manifest>; keys: Map<string, string>; files: Set<string> } {
  const toScore = new Map<string, Manifest>();
  const keys = new Map<string, string>();
  const files = new Set<string>();
  for (const [w, related] of relatedObjects(env)) {
    const id = workloadId(w.object.kind, namespaceOf(w.object), w.object.metadata?.name);
    const key = keyOf([['workload', id], ...[w, ...related].map((m) => [m.file, digest(m.file)] as const)]);
    keys.set(id, key);
    if (verdicts.clean(key) !== undefined) continue;
    toScore.set(id, w);
    for (const m of [w, ...related]) files.add(m.file);
  }
  return { toScore, keys, files };
}

/** kube-score's arguments: a JSON report for a Kubernetes version, checks not disabled by annotations, stdin. */
export function kubeScoreArgs(kubernetesVersion: string): string[] {
  return [
    'score',
    '--output-format',
    'json',
    '--kubernetes-version',
    `v${kubernetesVersion}`,
    '--disable-ignore-checks-annotations',
    '-',
  ];
}

/** kube-score's input: the files (repository paths under root) as one YAML stream. */
export function kubeScoreInput(root: string, files: Iterable<string>): string {
  return [...files].map((f) => `---\n${fs.readFileSync(path.join(root, f), 'utf8')}\n`).join('');
}

/**
 * Scores the workloads of an environment not found clean before, in one kube-score run, and
 * remembers those it finds clean; returns their findings, or the gate's errors about the run.
 */
async function scoreEnvironment(
  output: Output,
  env: EnvironmentOutput,
  bin: string,
): Promise<{ found: WorkloadFinding[]; errors: string[]; remembered: number }> {
  const args = kubeScoreArgs(env.kubernetesVersion);
  // The code stamp too: which objects go with a workload is this gate's choice.
  const verdicts = new CleanVerdicts('workloads', [stampFor(tool('kube-score')), JSON.stringify(args), codeStamp()]);
  const { toScore, keys, files } = toScoreIn(
    env,
    verdicts,
    (f) => output.digests.get(path.join(output.root, f)) ?? `file:${f}`,
  );
  const remembered = verdicts.remembered;
  if (toScore.size === 0) {
    verdicts.save();
    return { found: [], errors: [], remembered };
  }
  const input = kubeScoreInput(output.root, files);
  const res = await runTool(bin, args, { input });
  let report: KubeScoreObject[];
  try {
    report = JSON.parse(res.stdout);
  } catch {
    const what = res.stderr.trim() || res.stdout.trim();
    return {
      found: [],
      errors: [`kube-score (${env.name}) exited with ${res.code} and printed no report: ${what}`],
      remembered,
    };
  }
  const scored = report.filter((o) =>
    toScore.has(workloadId(o.type_meta.kind, o.object_meta.namespace ?? 'default', o.object_meta.name)),
  );
  const errors =
    scored.length === toScore.size
      ? []
      : [
          `kube-score (${env.name}) scored ${scored.length} workloads of ${toScore.size} in the output; every workload must be scored`,
        ];
  const found = findings(env.name, scored);
  const withFindings = new Set(found.map((f) => workloadId(f.kind, f.namespace, f.name)));
  if (errors.length === 0) for (const id of toScore.keys()) if (!withFindings.has(id)) verdicts.add(keys.get(id), 1);
  verdicts.save();
  return { found, errors, remembered };
}

/**
 * Runs kube-score over each environment's output: over the workloads not found clean before (the
 * same files of the workload and of the objects that select or scale it, by digest, with the same
 * kube-score build, arguments and gate code), in one run per environment. A workload with a
 * finding, excepted or not, is scored on every run.
 */
export async function workloadGate(
  output: Output,
  exceptions: readonly WorkloadException[] = WORKLOAD_EXCEPTIONS,
): Promise<GateResult> {
  const started = Date.now();
  const bin = requireTool('kube-score');
  const found: WorkloadFinding[] = [];
  const errors: string[] = [];
  let workloads = 0;
  let remembered = 0;
  for (const env of output.environments) {
    const count = ofKinds(env.manifests, ...WORKLOAD_KINDS).length;
    workloads += count;
    if (count === 0) continue;
    const r = await scoreEnvironment(output, env, bin);
    found.push(...r.found);
    errors.push(...r.errors);
    remembered += r.remembered;
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
    notes: [
      `kube-score, ${applied.excepted} findings under written exceptions (${exceptions.length} exceptions)`,
      `${remembered} of the workloads found clean before (the same files of the workload and of what selects or scales it, tool and arguments)`,
    ],
  };
}
