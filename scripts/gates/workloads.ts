/**
 * Workload gate: every workload we emit (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod in
 * dist/) passes kube-score, or the finding carries a written exception in
 * WORKLOAD_EXCEPTIONS below. Third-party charts are installed by Argo CD from their Helm
 * repositories and are not in dist/, so they are not scored here.
 *
 * kube-score reads, on its standard input, each workload with the objects of its namespace that
 * select or scale it (relatedObjects), so checks that look across objects (a NetworkPolicy selects
 * the pod, a Service targets it, a PodDisruptionBudget covers it) see what we emit. A workload
 * found clean before, with the same files of it and of those objects, is not scored again; the
 * rest are scored in runs of a bounded number of workloads (scoreGroups), so the cost grows
 * linearly with the output. The
 * `kube-score/ignore` annotation is disabled: exceptions live here, with their reasons, and one
 * that matches no finding fails the gate so the list cannot go stale.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
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
import { inParallel, ToolStarter, type ToolRun } from '../toolchain/run-tool';
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

/** A workload to score: its id, namespace, and the files kube-score reads for it (its own and its related objects'). */
export interface WorkloadToScore {
  readonly id: string;
  readonly namespace: string;
  readonly files: readonly string[];
}

/** The workloads of an environment not found clean before, with the files kube-score reads for them, and every key. */
function toScoreIn(
  env: EnvironmentOutput,
  verdicts: CleanVerdicts,
  digest: (file: string) => string,
): { toScore: WorkloadToScore[]; keys: Map<string, string> } {
  const toScore: WorkloadToScore[] = [];
  const keys = new Map<string, string>();
  for (const [w, related] of relatedObjects(env)) {
    const namespace = namespaceOf(w.object);
    const id = workloadId(w.object.kind, namespace, w.object.metadata?.name);
    const key = keyOf([['workload', id], ...[w, ...related].map((m) => [m.file, digest(m.file)] as const)]);
    keys.set(id, key);
    if (verdicts.clean(key) !== undefined) continue;
    toScore.push({ id, namespace, files: [w, ...related].map((m) => m.file) });
  }
  return { toScore, keys };
}

/**
 * Workloads per kube-score run. kube-score compares each workload with every object of its input
 * and each Service and NetworkPolicy with every pod (score/score.go RegisterAllChecks,
 * score/networkpolicy/networkpolicy.go), so a run's time grows with the square of its input. On
 * the bench's 1,000-tenant output, where each tenant's query proxy sits in the namespace
 * monitoring, a run took 4.0 ms of CPU a workload over 25 workloads, 2.8 over 50, 2.3 over 75 and
 * 100, 2.4 over 150, 2.9 over 200 and 8.8 over 1,005, with 63 MB of memory over 100. Runs of at
 * most this many keep the whole linear in the workloads.
 */
export const WORKLOADS_PER_RUN = 100;

/**
 * The workloads in groups of at most `limit`, one kube-score run each: namespaces in name order,
 * each whole in one group when it has no more than `limit` workloads (a group that cannot take
 * the next namespace is closed); a namespace with more fills groups of its own, its last part
 * shared with the namespaces after it. A workload's run reads the files of its related objects
 * (relatedObjects), so its verdict does not depend on its group; whole namespaces feed an object
 * that selects many workloads (a namespace's NetworkPolicy) to one run, not to several. Pure.
 */
export function scoreGroups<T extends { readonly namespace: string }>(workloads: readonly T[], limit: number): T[][] {
  const byNs = new Map<string, T[]>();
  for (const w of workloads) {
    if (!byNs.has(w.namespace)) byNs.set(w.namespace, []);
    byNs.get(w.namespace)!.push(w);
  }
  limit = Math.max(1, limit);
  const groups: T[][] = [];
  let current: T[] = [];
  for (const ns of [...byNs.keys()].sort()) {
    let list = byNs.get(ns)!;
    if (current.length > 0 && current.length + list.length > limit) {
      groups.push(current);
      current = [];
    }
    while (list.length > limit) {
      groups.push(list.slice(0, limit));
      list = list.slice(limit);
    }
    current.push(...list);
  }
  if (current.length > 0) groups.push(current);
  return groups;
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

/** One kube-score run: the workloads it scores, of one environment, and where their clean verdicts go. */
interface ScoreRun {
  readonly env: string;
  readonly args: readonly string[];
  readonly workloads: readonly WorkloadToScore[];
  readonly verdicts: CleanVerdicts;
  /** Verdict keys by workload id. */
  readonly keys: ReadonlyMap<string, string>;
}

/** What one run found: the findings of its workloads, those found clean, or the gate's errors about the run. */
interface RunResult {
  readonly found: WorkloadFinding[];
  readonly clean: string[];
  readonly errors: string[];
}

/** Runs kube-score over the files of a group's workloads and reads the report for those workloads. */
async function scoreRun(
  root: string,
  kubeScore: (args: readonly string[], input: string) => Promise<ToolRun>,
  run: ScoreRun,
): Promise<RunResult> {
  const files = new Set(run.workloads.flatMap((w) => w.files));
  const res = await kubeScore(run.args, kubeScoreInput(root, files));
  const first = run.workloads[0].namespace;
  const last = run.workloads[run.workloads.length - 1].namespace;
  const which = `kube-score (${run.env}, namespaces ${first === last ? first : `${first} to ${last}`})`;
  let report: KubeScoreObject[];
  try {
    report = JSON.parse(res.stdout);
  } catch {
    const what = res.stderr.trim() || res.stdout.trim();
    return { found: [], clean: [], errors: [`${which} exited with ${res.code} and printed no report: ${what}`] };
  }
  // A file may hold another group's workload: only this group's are read.
  const ids = new Set(run.workloads.map((w) => w.id));
  const scored = report.filter((o) =>
    ids.has(workloadId(o.type_meta.kind, o.object_meta.namespace ?? 'default', o.object_meta.name)),
  );
  if (scored.length !== ids.size)
    return {
      found: findings(run.env, scored),
      clean: [],
      errors: [
        `${which} scored ${scored.length} workloads of ${ids.size} in the output; every workload must be scored`,
      ],
    };
  const found = findings(run.env, scored);
  const withFindings = new Set(found.map((f) => workloadId(f.kind, f.namespace, f.name)));
  return { found, clean: [...ids].filter((id) => !withFindings.has(id)), errors: [] };
}

/**
 * Runs kube-score over each environment's output: over the workloads not found clean before (the
 * same files of the workload and of the objects that select or scale it, by digest, with the same
 * kube-score build, arguments and gate code), in runs of at most `perRun` workloads
 * (scoreGroups), as many at once as there are cores. A workload with a finding, excepted or not,
 * is scored on every run.
 */
export async function workloadGate(
  output: Output,
  exceptions: readonly WorkloadException[] = WORKLOAD_EXCEPTIONS,
  perRun = WORKLOADS_PER_RUN,
): Promise<GateResult> {
  const started = Date.now();
  const bin = requireTool('kube-score');
  let workloads = 0;
  const runs: ScoreRun[] = [];
  // One store per set of arguments: environments on one Kubernetes version share it.
  const stores = new Map<string, CleanVerdicts>();
  for (const env of output.environments) {
    const count = ofKinds(env.manifests, ...WORKLOAD_KINDS).length;
    workloads += count;
    if (count === 0) continue;
    const args = kubeScoreArgs(env.kubernetesVersion);
    const argsKey = JSON.stringify(args);
    // The code stamp too: which objects go with a workload is this gate's choice.
    if (!stores.has(argsKey))
      stores.set(argsKey, new CleanVerdicts('workloads', [stampFor(tool('kube-score')), argsKey, codeStamp()]));
    const verdicts = stores.get(argsKey)!;
    const { toScore, keys } = toScoreIn(
      env,
      verdicts,
      (f) => output.digests.get(path.join(output.root, f)) ?? `file:${f}`,
    );
    for (const group of scoreGroups(toScore, perRun))
      runs.push({ env: env.name, args, workloads: group, verdicts, keys });
  }
  let results: RunResult[] = [];
  if (runs.length > 0) {
    const starter = new ToolStarter();
    try {
      results = await inParallel(runs, os.availableParallelism(), (run) =>
        scoreRun(output.root, (args, input) => starter.run(bin, args, { input }), run),
      );
    } finally {
      starter.close();
    }
  }
  const found: WorkloadFinding[] = [];
  const errors: string[] = [];
  results.forEach((r, i) => {
    found.push(...r.found);
    errors.push(...r.errors);
    for (const id of r.clean) runs[i].verdicts.add(runs[i].keys.get(id), 1);
  });
  let remembered = 0;
  for (const verdicts of stores.values()) {
    remembered += verdicts.remembered;
    verdicts.save();
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
      `${runs.length} kube-score runs of at most ${perRun} workloads`,
    ],
  };
}
