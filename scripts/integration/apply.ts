/**
 * Hands objects to the API server with kubectl: CRDs from ../shared/crds, then an environment's
 * output step by step (see sync-plan.ts) with server-side apply. Every object is stored for real:
 * no object of the output needs a controller to be accepted, and a stored object is what the RBAC
 * matrix and later steps (the tenancy ValidatingAdmissionPolicy) see. Server dry-run is used
 * where the caller asks for it (`dryRun`), such as for planted faults that must leave nothing
 * behind.
 *
 * Warnings the API server returns (Pod Security `would violate`, unknown or duplicate fields,
 * deprecations) are collected per object and count as problems, as rejections do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { Manifest } from '../gates/manifests';
import { runTool } from '../gates/run-tool';
import { requireTool } from '../tools';
import { yamlFiles } from '../validation-schemas';
import type { ControlPlane } from './control-plane';
import type { SyncStep } from './sync-plan';

/** Field manager of every apply, as Argo CD's server-side apply uses one of its own. */
export const FIELD_MANAGER = 'agentic-platform-integration';

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

/** Runs kubectl against the control plane. */
export async function kubectl(cp: ControlPlane, args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const bin = requireTool('kubectl');
  if (input === undefined) return runTool(bin, args, { env: cp.env });
  const file = path.join(cp.dir, `input-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, input);
  try {
    return await runTool(bin, [...args, '-f', file], { env: cp.env });
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

function errorOf(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('Warning: '))
    .join('\n')
    .trim();
}

const toYaml = (objects: readonly Manifest[]) => objects.map((m) => stringify(m.object)).join('---\n');

const applyArgs = (dryRun: boolean) => ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', '--validate=strict', '-o', 'name', ...(dryRun ? ['--dry-run=server'] : [])];

/**
 * Applies one step's objects. One kubectl call for the step; when it reports an error or a
 * warning, each object is applied on its own again (server-side apply is idempotent) so that
 * every problem names its object.
 */
export async function applyObjects(cp: ControlPlane, step: string, objects: readonly Manifest[], options: { dryRun?: boolean } = {}): Promise<ObjectOutcome[]> {
  const dryRun = options.dryRun ?? false;
  const mode = dryRun ? 'dry-run' : 'apply';
  if (objects.length === 0) return [];
  const batch = await kubectl(cp, applyArgs(dryRun), toYaml(objects));
  const names = batch.stdout.split('\n').filter((l) => l.trim() !== '');
  if (batch.code === 0 && warningsOf(batch.stderr).length === 0 && names.length === objects.length) {
    return objects.map((manifest) => ({ manifest, step, mode, accepted: true, warnings: [] }));
  }
  const outcomes: ObjectOutcome[] = [];
  for (const manifest of objects) {
    const one = await kubectl(cp, applyArgs(dryRun), toYaml([manifest]));
    const accepted = one.code === 0;
    outcomes.push({ manifest, step, mode, accepted, warnings: warningsOf(one.stderr), ...(accepted ? {} : { error: errorOf(one.stderr) || `kubectl exited with ${one.code}` }) });
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
export async function applyPlan(cp: ControlPlane, steps: readonly SyncStep[]): Promise<ApplyReport> {
  const outcomes: ObjectOutcome[] = [];
  for (const s of steps) outcomes.push(...(await applyObjects(cp, s.label, s.objects)));
  const accepted = outcomes.filter((o) => o.accepted);
  return {
    outcomes,
    accepted: accepted.length,
    applied: accepted.filter((o) => o.mode === 'apply').length,
    dryRun: accepted.filter((o) => o.mode === 'dry-run').length,
    problems: problemsOf(outcomes),
  };
}

/** The CRD files the platform uses: every YAML file under the CRD directory, sorted. */
export function crdFiles(crdsDir: string): string[] {
  return yamlFiles(crdsDir);
}

/**
 * Installs CRDs with server-side apply (some are too large for client-side apply's annotation)
 * and waits until every one is Established. Resolves the number of CRDs installed.
 */
export async function installCrds(cp: ControlPlane, files: readonly string[], timeoutSeconds = 60): Promise<number> {
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
    const items = (JSON.parse(get.stdout).items ?? []) as { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
    const established = new Set(items.filter((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')).map((c) => c.metadata.name));
    const pending = [...names].filter((n) => !established.has(n));
    if (pending.length === 0) return names.size;
    if (Date.now() > deadline) throw new Error(`CRDs not Established after ${timeoutSeconds}s: ${pending.join(', ')}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}
