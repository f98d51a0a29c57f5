/**
 * The flows a change opens or closes: the flow matrix (scripts/flows/matrix.ts) of each changed
 * environment on both sides, compared by the flows it allows. A check that stands for the other
 * tenants of its shape stands for their flows here too, renamed, so a flow is named with its own
 * tenant. Pure: two file maps in, the lists out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIRS } from '../../charts/lib/constants';
import { codeStamp } from '../kube/code-stamp';
import { sha256 } from '../kube/record';
import { memoryHome } from '../toolchain/tools';
import { flowMatrix, type FlowCheck, type FlowMatrix } from '../flows/matrix';
import { renameTenant } from '../flows/shapes';
import { type EnvironmentOutput, type K8sObject, type Manifest, parseDocuments } from '../kube/manifests';
import { viewMultiset } from '../flows/view';
import type { FileMap, OutputDiff } from './compare';
import { writeAtomic } from '../../charts/lib/write-atomic';

export interface FlowChange {
  readonly env: string;
  /** Flows allowed after the change and not before: `source → target`. */
  readonly opened: readonly string[];
  /** Flows allowed before the change and not after. */
  readonly closed: readonly string[];
}

/** Whether a path is a manifest of environment `env` (dist/<env>/ or argocd/<env>/). */
const inEnvironment = (file: string, env: string) =>
  /\.ya?ml$/.test(file) && (file.startsWith(`${DIRS.dist}/${env}/`) || file.startsWith(`${DIRS.argocd}/${env}/`));

/** The objects of each manifest file of an environment, in the map's order. */
function parsedFiles(files: FileMap, env: string): Map<string, K8sObject[]> {
  const out = new Map<string, K8sObject[]>();
  for (const [file, text] of files) if (inEnvironment(file, env)) out.set(file, parseDocuments(text).objects);
  return out;
}

/** An environment's output as the gates read it, from the objects of its files. */
function environmentOf(parsed: ReadonlyMap<string, readonly K8sObject[]>, env: string, trustDomain: string) {
  const manifests: Manifest[] = [];
  for (const [file, objects] of parsed) for (const object of objects) manifests.push({ file, env, object });
  return { name: env, kubernetesVersion: '', trustDomain, files: [], manifests } satisfies EnvironmentOutput;
}

/**
 * The head side's files from the base side's: the `changed` files replaced by (or added as) their
 * head version, dropped when head has none; the others parsed once for both sides.
 */
function replaced(
  base: ReadonlyMap<string, K8sObject[]>,
  changed: readonly string[],
  head: FileMap,
): Map<string, K8sObject[]> {
  const swap = new Set(changed);
  const out = new Map<string, K8sObject[]>();
  const headObjects = (f: string) => parseDocuments(head.get(f)!).objects;
  for (const [file, objects] of base) {
    if (!swap.has(file)) out.set(file, objects);
    else if (head.has(file)) out.set(file, headObjects(file));
  }
  for (const file of changed) if (!base.has(file) && head.has(file)) out.set(file, headObjects(file));
  return out;
}

/** The manifest files of `env` whose text differs between the two maps. */
function changedManifests(base: FileMap, head: FileMap, env: string): string[] {
  return [...new Set([...base.keys(), ...head.keys()])]
    .filter((f) => inEnvironment(f, env) && base.get(f) !== head.get(f))
    .sort();
}

/** Whether the flow views of the objects of some files are the same multiset on both sides. */
function sameViews(base: FileMap, head: FileMap, files: readonly string[]): boolean {
  const views = (side: FileMap) =>
    viewMultiset(files.flatMap((f) => (side.has(f) ? parseDocuments(side.get(f)!).objects : [])));
  const before = views(base);
  const after = views(head);
  return before.length === after.length && before.every((v, i) => v === after[i]);
}

const flowKey = (c: FlowCheck) =>
  `${c.source}${c.members > 1 ? ` (and ${c.members - 1} more alike)` : ''} → ${c.target}`;

/** Every flow a matrix allows, one per tenant for the checks that stand for a shape. */
function allowedFlows(m: FlowMatrix): Set<string> {
  const out = new Set<string>();
  for (const c of m.checks) {
    if (c.actual !== 'allowed') continue;
    const key = flowKey(c);
    out.add(key);
    if (!c.alike) continue;
    const [rep, ...rest] = m.groups[c.alike.group];
    for (const t of rest) out.add(renameTenant(key, rep, (part) => t[part === 'tenant' ? 'tenant' : part]));
  }
  return out;
}

/** Where a side's environment comes from: all its files, and a key over their content when one is known. */
export interface FlowSource {
  /** Every file of the environment on that side. */
  files(side: 'base' | 'head', env: string): FileMap;
  /** A key over the environment's content on that side (its flows are remembered under it), or undefined. */
  key?(side: 'base' | 'head', env: string): string | undefined;
}

/** Allowed-flow sets kept; the least recently used go first. */
export const MAX_REMEMBERED_FLOWS = 16;

/** The flows a side allows: remembered under its key (with the trust domain and code stamp), or computed. */
function sideFlows(
  source: FlowSource,
  side: 'base' | 'head',
  env: string,
  trustDomain: string,
  environment: () => EnvironmentOutput,
): Set<string> {
  const compute = () => allowedFlows(flowMatrix(environment()));
  const key = source.key?.(side, env);
  if (key === undefined || process.env.VALIDATE_CACHE === 'off') return compute();
  const dir = path.join(memoryHome(), 'diff-flows');
  const file = path.join(dir, sha256(`${key}\0${env}\0${trustDomain}\0${codeStamp()}`));
  try {
    const flows = new Set(JSON.parse(fs.readFileSync(file, 'utf8')) as string[]);
    fs.utimesSync(file, new Date(), new Date());
    return flows;
  } catch {
    // Not remembered: computed below.
  }
  const flows = compute();
  try {
    writeAtomic(file, JSON.stringify([...flows]));
    const kept = fs
      .readdirSync(dir)
      .filter((f) => !f.includes('.tmp-'))
      .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of kept.slice(MAX_REMEMBERED_FLOWS)) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // Unremembered: computed again next time.
  }
  return flows;
}

/** How flowChanges works; for tests. */
export interface FlowOptions {
  /**
   * Compute both sides' matrices from their whole environments, as parsed from `source`, even when
   * the views of the changed files are equal. @default false
   */
  readonly full?: boolean;
}

/**
 * The flows each changed environment opens and closes; environments without a trust domain are
 * left out. `source` gives each side's whole environment (by default `base` and `head`, which then
 * hold every file). When the flow views (flows/view.ts) of the objects of the changed files are
 * the same on both sides, so are the matrices, and nothing else of the environment is read; else
 * the base side is parsed once and the head side is the base with the changed files replaced.
 */
export function flowChanges(
  base: FileMap,
  head: FileMap,
  diff: OutputDiff,
  trustDomains: ReadonlyMap<string, string>,
  source: FlowSource = { files: (side) => (side === 'base' ? base : head) },
  options: FlowOptions = {},
): FlowChange[] {
  const out: FlowChange[] = [];
  for (const e of diff.environments) {
    const td = trustDomains.get(e.name);
    if (!td || e.objects.length + e.routes.length === 0) continue;
    const changed = changedManifests(base, head, e.name);
    if (!options.full && sameViews(base, head, changed)) continue;
    let baseFiles: Map<string, K8sObject[]> | undefined;
    const baseParsed = () => (baseFiles ??= parsedFiles(source.files('base', e.name), e.name));
    const before = sideFlows(source, 'base', e.name, td, () => environmentOf(baseParsed(), e.name, td));
    const after = sideFlows(source, 'head', e.name, td, () =>
      environmentOf(
        options.full ? parsedFiles(source.files('head', e.name), e.name) : replaced(baseParsed(), changed, head),
        e.name,
        td,
      ),
    );
    const opened = [...after].filter((k) => !before.has(k)).sort();
    const closed = [...before].filter((k) => !after.has(k)).sort();
    if (opened.length + closed.length > 0) out.push({ env: e.name, opened, closed });
  }
  return out;
}
