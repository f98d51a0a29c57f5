/**
 * The record of an output on disk: the sha256 of every file of dist/ and argocd/, grouped into
 * units (one per tenant and environment: dist/<env>/tenants/<tenant>/**) and shared files (the
 * rest). Gates key what they remember on these digests, so a run after a one-tenant change knows
 * which files changed without comparing their contents with anything.
 *
 * outputRecord lists only the folders, and reads and hashes only the files, whose stat changed
 * since the last run (stat-cache.ts).
 */
import { createHash } from 'node:crypto';
import { DIRS } from '../../charts/lib/constants';
import { StatCache } from './stat-cache';

/** One tenant of one environment: its files and a key over them. */
export interface RecordUnit {
  /** sha256 over the unit's paths and digests. */
  readonly key: string;
  /** Repository path → sha256 of the content. */
  readonly files: ReadonlyMap<string, string>;
}

export interface OutputRecord {
  /** sha256 over the shared files' paths and digests. */
  readonly globalKey: string;
  /** '<env>/<tenant>' → the unit. */
  readonly units: ReadonlyMap<string, RecordUnit>;
  /** Repository path → sha256, for files outside every unit. */
  readonly shared: ReadonlyMap<string, string>;
  /** Every file with its sha256, in path order. */
  readonly all: ReadonlyMap<string, string>;
}

/** sha256 (hex) of a text or buffer. */
export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A key over paths and digests, independent of the order they come in. Pure. */
export function keyOf(files: Iterable<readonly [string, string]>): string {
  const entries = [...files];
  // Most come in path order already, which one pass confirms.
  if (!inPathOrder(entries.map(([p]) => p))) entries.sort(byPath);
  const h = createHash('sha256');
  for (const [p, d] of entries) h.update(`${p}\0${d}\n`);
  return h.digest('hex');
}

const byPath = ([a]: readonly [string, unknown], [b]: readonly [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/** Whether the paths come in order. */
function inPathOrder(paths: Iterable<string>): boolean {
  let last = '';
  for (const p of paths) {
    if (p < last) return false;
    last = p;
  }
  return true;
}

/** The unit a repository path belongs to ('<env>/<tenant>'), or undefined for a shared file. Pure. */
export function unitOf(file: string): string | undefined {
  const parts = file.split('/');
  return parts[0] === DIRS.dist && parts[2] === 'tenants' && parts.length > 4 ? `${parts[1]}/${parts[3]}` : undefined;
}

/** A record from every file's digest (repository path → sha256). Pure. */
export function recordOf(digests: ReadonlyMap<string, string>): OutputRecord {
  const files = new Map<string, Map<string, string>>();
  const shared = new Map<string, string>();
  // In path order a unit's files come one after another: the unit is worked out when the folder
  // of the unit before ends.
  let prefix: string | undefined;
  let current: Map<string, string> | undefined;
  for (const [file, digest] of digests) {
    if (current === undefined || prefix === undefined || !file.startsWith(prefix)) {
      const unit = unitOf(file);
      if (unit === undefined) {
        prefix = undefined;
        shared.set(file, digest);
        continue;
      }
      const [env, tenant] = unit.split('/');
      prefix = `${DIRS.dist}/${env}/tenants/${tenant}/`;
      current = files.get(unit);
      if (!current) files.set(unit, (current = new Map()));
    }
    current.set(file, digest);
  }
  const units = new Map([...files].map(([name, f]) => [name, { key: keyOf(f), files: f }] as const));
  // The map itself when in path order (as outputRecord's walk gives it), else a sorted copy.
  const all = inPathOrder(digests.keys()) ? digests : new Map([...digests].sort(byPath));
  return { globalKey: keyOf(shared), units, shared, all };
}

/**
 * The record of the output under root, read from disk (files whose stat is remembered are not
 * read). The cache is saved unless `save` is false (its caller saves it later).
 */
export function outputRecord(root: string, cache = new StatCache(root), save = true): OutputRecord {
  const digests = cache.files(root, [DIRS.dist, DIRS.argocd]);
  if (save) cache.save();
  return recordOf(digests);
}
