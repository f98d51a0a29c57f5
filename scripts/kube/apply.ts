/**
 * Hands objects to an API server with kubectl: CRDs from ../shared/crds, then an environment's
 * output step by step (see sync-plan.ts) with server-side apply. Used by the integration tier
 * (the control plane of control-plane.ts) and by `npm run apply` (any cluster a kubeconfig names).
 *
 * In the integration tier every object is stored for real: no object of the output needs a
 * controller to be accepted, and a stored object is what the RBAC matrix and later steps (the
 * tenancy ValidatingAdmissionPolicy) see. Server dry-run is used where the caller asks for it
 * (`dryRun`), such as for planted faults that must leave nothing behind.
 *
 * Warnings the API server returns (Pod Security `would violate`, unknown or duplicate fields,
 * deprecations) are collected per object; the integration tier counts them as problems, as
 * rejections are.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { Manifest } from './manifests';
import { runTool } from '../toolchain/run-tool';
import { requireTool } from '../toolchain/tools';
import { chartCrdFiles, yamlFiles } from '../toolchain/schemas';
import type { SyncStep } from './sync-plan';

/** Field manager of the integration tier's applies, as Argo CD's server-side apply uses one of its own. */
export const FIELD_MANAGER = 'agentic-platform-integration';

/**
 * Where kubectl runs. A ControlPlane is one (its environment points KUBECONFIG at it); `npm run
 * apply` builds one from --kubeconfig and --context.
 */
export interface KubectlTarget {
  /** Environment of every kubectl process. */
  readonly env: NodeJS.ProcessEnv;
  /** Directory for the temporary files that carry objects to kubectl. */
  readonly dir: string;
  /** The kubectl binary. @default .tools/bin/kubectl (it must be installed) */
  readonly bin?: string;
  /** Flags given to every command, such as --kubeconfig and --context. @default [] */
  readonly globalArgs?: readonly string[];
}

/** What server-side apply did to an object, judged by comparing it before and after. */
export type Change = 'created' | 'changed' | 'unchanged';

/** What became of one object. */
export interface ObjectOutcome {
  readonly manifest: Manifest;
  readonly step: string;
  /** 'apply': stored; 'dry-run': admitted and validated, not stored. */
  readonly mode: 'apply' | 'dry-run';
  readonly accepted: boolean;
  /** The API server's error, when rejected. */
  readonly error?: string;
  /** Warnings the API server returned for this object. */
  readonly warnings: readonly string[];
  /** What the apply did (or would do, in a dry run), when the caller asked (`changes`) and it is known. */
  readonly change?: Change;
}

/** The outcome of a whole environment. */
export interface ApplyReport {
  readonly outcomes: readonly ObjectOutcome[];
  readonly accepted: number;
  readonly applied: number;
  readonly dryRun: number;
  /** One line per rejected object and per warning. */
  readonly problems: readonly string[];
}

/** "Kind namespace/name (file)". */
export function describeObject(m: Manifest): string {
  const ns = m.object.metadata?.namespace;
  return `${m.object.kind} ${ns ? `${ns}/` : ''}${m.object.metadata?.name} (${m.file})`;
}

/** Runs kubectl against a target; `input` is handed over as a file (`-f`). */
export async function kubectl(
  target: KubectlTarget,
  args: readonly string[],
  input?: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const bin = target.bin ?? requireTool('kubectl');
  const all = [...(target.globalArgs ?? []), ...args];
  if (input === undefined) return runTool(bin, all, { env: target.env });
  const file = path.join(target.dir, `input-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, input);
  try {
    return await runTool(bin, [...all, '-f', file], { env: target.env });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Warning lines of kubectl's stderr, without the "Warning: " prefix. */
export function warningsOf(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('Warning: '))
    .map((l) => l.slice('Warning: '.length).trim());
}

/** The error lines of kubectl's stderr (everything but warnings). */
export function errorOf(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('Warning: '))
    .join('\n')
    .trim();
}

const toYaml = (objects: readonly Manifest[]) => objects.map((m) => stringify(m.object)).join('---\n');

export interface ApplyOptions {
  /** Server dry-run: admitted and validated, nothing stored. @default false */
  readonly dryRun?: boolean;
  /** Field manager of the apply. @default FIELD_MANAGER */
  readonly fieldManager?: string;
  /**
   * Tell created, changed and unchanged objects apart: each step's objects are read before the
   * apply and compared with what the apply returns. @default false
   */
  readonly changes?: boolean;
}

const applyArgs = (o: ApplyOptions, output: 'name' | 'json') => [
  'apply',
  '--server-side',
  `--field-manager=${o.fieldManager ?? FIELD_MANAGER}`,
  // The output wins over other field managers, as Argo CD's sync does.
  '--force-conflicts',
  '--validate=strict',
  '-o',
  output,
  ...(o.dryRun ? ['--dry-run=server'] : []),
];

type K8sObject = Record<string, any>;

/** group/kind/namespace/name of an object (the version is left out: one object is served in several). */
export function objectKey(o: K8sObject): string {
  const apiVersion = String(o.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return [group, o.kind, o.metadata?.namespace ?? '', o.metadata?.name].join('/');
}

/** The items of kubectl's JSON output: a List, or a single object. */
function itemsOf(stdout: string): K8sObject[] {
  if (stdout.trim() === '') return [];
  const parsed = JSON.parse(stdout) as K8sObject;
  return Array.isArray(parsed.items) && /List$/.test(String(parsed.kind)) ? parsed.items : [parsed];
}

/** An object without what every write changes by itself (resourceVersion, managedFields, generation, status). */
function comparable(o: K8sObject): string {
  const { status: _status, ...rest } = o;
  const { resourceVersion: _rv, managedFields: _mf, generation: _gen, ...metadata } = (o.metadata ?? {}) as K8sObject;
  return JSON.stringify({ ...rest, metadata });
}

/** Whether the apply created, changed or left an object as it was. */
export function changeOf(before: K8sObject | undefined, after: K8sObject): Change {
  if (!before) return 'created';
  return comparable(before) === comparable(after) ? 'unchanged' : 'changed';
}

/** The objects as the server has them now (missing ones left out), keyed by objectKey; undefined when unreadable. */
async function current(
  target: KubectlTarget,
  objects: readonly Manifest[],
): Promise<Map<string, K8sObject> | undefined> {
  const r = await kubectl(target, ['get', '--ignore-not-found', '-o', 'json'], toYaml(objects));
  if (r.code !== 0) return undefined;
  return new Map(itemsOf(r.stdout).map((o) => [objectKey(o), o]));
}

/**
 * Applies one step's objects. One kubectl call for the step; when it reports an error or a
 * warning, each object is applied on its own again (server-side apply is idempotent) so that
 * every problem names its object.
 */
export async function applyObjects(
  target: KubectlTarget,
  step: string,
  objects: readonly Manifest[],
  options: ApplyOptions = {},
): Promise<ObjectOutcome[]> {
  const mode = options.dryRun ? 'dry-run' : 'apply';
  if (objects.length === 0) return [];
  const output = options.changes ? 'json' : 'name';
  const before = options.changes ? await current(target, objects) : undefined;
  const batch = await kubectl(target, applyArgs(options, output), toYaml(objects));
  if (batch.code === 0 && warningsOf(batch.stderr).length === 0) {
    if (!options.changes) {
      if (batch.stdout.split('\n').filter((l) => l.trim() !== '').length === objects.length)
        return objects.map((manifest) => ({ manifest, step, mode, accepted: true, warnings: [] }));
    } else {
      const after = new Map(itemsOf(batch.stdout).map((o) => [objectKey(o), o]));
      if (after.size === objects.length) {
        return objects.map((manifest) => {
          const now = after.get(objectKey(manifest.object));
          const change = before && now ? { change: changeOf(before.get(objectKey(manifest.object)), now) } : {};
          return { manifest, step, mode, accepted: true, warnings: [], ...change };
        });
      }
    }
  }
  const outcomes: ObjectOutcome[] = [];
  for (const manifest of objects) {
    const was = options.changes ? await current(target, [manifest]) : undefined;
    const one = await kubectl(target, applyArgs(options, output), toYaml([manifest]));
    const accepted = one.code === 0;
    const now = accepted && options.changes ? itemsOf(one.stdout)[0] : undefined;
    outcomes.push({
      manifest,
      step,
      mode,
      accepted,
      warnings: warningsOf(one.stderr),
      ...(accepted ? {} : { error: errorOf(one.stderr) || `kubectl exited with ${one.code}` }),
      ...(was && now ? { change: changeOf(was.get(objectKey(manifest.object)), now) } : {}),
    });
  }
  return outcomes;
}

/** Problem lines of a list of outcomes. */
export function problemsOf(outcomes: readonly ObjectOutcome[]): string[] {
  const out: string[] = [];
  for (const o of outcomes) {
    if (!o.accepted) out.push(`rejected: ${describeObject(o.manifest)} [${o.step}]: ${o.error}`);
    for (const w of o.warnings) out.push(`warning: ${describeObject(o.manifest)} [${o.step}]: ${w}`);
  }
  return out;
}

/** Applies every step in order and sums up. */
export async function applyPlan(target: KubectlTarget, steps: readonly SyncStep[]): Promise<ApplyReport> {
  const outcomes: ObjectOutcome[] = [];
  for (const s of steps) outcomes.push(...(await applyObjects(target, s.label, s.objects)));
  const accepted = outcomes.filter((o) => o.accepted);
  return {
    outcomes,
    accepted: accepted.length,
    applied: accepted.filter((o) => o.mode === 'apply').length,
    dryRun: accepted.filter((o) => o.mode === 'dry-run').length,
    problems: problemsOf(outcomes),
  };
}

/**
 * The CRD files the platform uses: every YAML file under the CRD directory, sorted, then the CRDs
 * only a pinned chart ships (scripts/toolchain/schemas.ts CHART_CRD_FILES).
 */
export function crdFiles(crdsDir: string): string[] {
  return [...yamlFiles(crdsDir), ...chartCrdFiles()];
}

/**
 * Installs CRDs with server-side apply (some are too large for client-side apply's annotation)
 * and waits until every one is Established. Resolves the number of CRDs installed.
 */
export async function installCrds(cp: KubectlTarget, files: readonly string[], timeoutSeconds = 60): Promise<number> {
  const args = ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-o', 'name'];
  for (const f of files) args.push('-f', f);
  const r = await kubectl(cp, args);
  if (r.code !== 0) throw new Error(`installing the CRDs failed: ${errorOf(r.stderr)}`);
  const names = new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith('customresourcedefinition.apiextensions.k8s.io/'))
      .map((l) => l.slice('customresourcedefinition.apiextensions.k8s.io/'.length)),
  );
  // One list per poll instead of kubectl wait, which watches the CRDs one after another.
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const get = await kubectl(cp, ['get', 'customresourcedefinitions', '-o', 'json']);
    if (get.code !== 0) throw new Error(`listing the CRDs failed: ${errorOf(get.stderr)}`);
    const items = (JSON.parse(get.stdout).items ?? []) as {
      metadata: { name: string };
      status?: { conditions?: { type: string; status: string }[] };
    }[];
    const established = new Set(
      items
        .filter((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'))
        .map((c) => c.metadata.name),
    );
    const pending = [...names].filter((n) => !established.has(n));
    if (pending.length === 0) return names.size;
    if (Date.now() > deadline) throw new Error(`CRDs not Established after ${timeoutSeconds}s: ${pending.join(', ')}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}
