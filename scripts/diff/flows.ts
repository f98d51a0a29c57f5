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
import { type EnvironmentOutput, type Manifest, parseDocuments } from '../kube/manifests';
import type { FileMap, OutputDiff } from './compare';

export interface FlowChange {
  readonly env: string;
  /** Flows allowed after the change and not before: `source → target`. */
  readonly opened: readonly string[];
  /** Flows allowed before the change and not after. */
  readonly closed: readonly string[];
}

/** An environment's output as the gates read it, from a file map. */
function environmentFromFiles(files: FileMap, env: string, trustDomain: string): EnvironmentOutput {
  const manifests: Manifest[] = [];
  for (const [file, text] of files) {
    if (
      !/\.ya?ml$/.test(file) ||
      !(file.startsWith(`${DIRS.dist}/${env}/`) || file.startsWith(`${DIRS.argocd}/${env}/`))
    )
      continue;
    for (const object of parseDocuments(text).objects) manifests.push({ file, env, object });
  }
  return { name: env, kubernetesVersion: '', trustDomain, files: [], manifests };
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
function sideFlows(source: FlowSource, side: 'base' | 'head', env: string, trustDomain: string): Set<string> {
  const compute = () => allowedFlows(flowMatrix(environmentFromFiles(source.files(side, env), env, trustDomain)));
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
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${file}.tmp-${process.pid}`, JSON.stringify([...flows]));
    fs.renameSync(`${file}.tmp-${process.pid}`, file);
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

/**
 * The flows each changed environment opens and closes; environments without a trust domain are
 * left out. `source` gives each side's whole environment (by default `base` and `head`, which then
 * hold every file).
 */
export function flowChanges(
  base: FileMap,
  head: FileMap,
  diff: OutputDiff,
  trustDomains: ReadonlyMap<string, string>,
  source: FlowSource = { files: (side) => (side === 'base' ? base : head) },
): FlowChange[] {
  const out: FlowChange[] = [];
  for (const e of diff.environments) {
    const td = trustDomains.get(e.name);
    if (!td || e.objects.length + e.routes.length === 0) continue;
    const before = sideFlows(source, 'base', e.name, td);
    const after = sideFlows(source, 'head', e.name, td);
    const opened = [...after].filter((k) => !before.has(k)).sort();
    const closed = [...before].filter((k) => !after.has(k)).sort();
    if (opened.length + closed.length > 0) out.push({ env: e.name, opened, closed });
  }
  return out;
}
