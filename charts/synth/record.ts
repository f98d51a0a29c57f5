/**
 * The synth record: what the last successful write put on disk and what it was compiled from,
 * so that the next synth compiles, writes and deletes only what its inputs change.
 *
 * Content-addressed: every key is a digest of inputs (the compiler's own code, the environment and
 * cluster outputs, a tenant's entry, the route segments of other tenants it read), never a time.
 * The record is derived data kept outside git (`.synth-record/` in the output root); a run without
 * one, or with one that does not match the output on disk, compiles everything and writes a new
 * one. docs/architecture.md, "Incremental synth", explains the design.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeAtomic } from '../lib/write-atomic';

/** Folder of the record under the output root (ignored by git). */
export const RECORD_DIR = '.synth-record';
/** What says whether anything changed: the inputs' digest; written last, it makes the record count. */
const HEAD_FILE = 'head.json';
/** The folders' times, read only when the inputs are the record's or the record is used. */
const FOLDERS_FILE = 'folders.json';
/** The rest: units, templates and shared files. */
const BODY_FILE = 'units.json';
/** Bumped whenever the record's shape or meaning changes: an older record is ignored. */
const RECORD_VERSION = 2;

/** Hex SHA-256 of text. */
export function digest(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(String(p.length));
    h.update(':');
    h.update(p);
  }
  return h.digest('hex');
}

/** JSON of a value with Map and Set written as sorted entries, so that any loaded value can be digested. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Map) return { $map: [...v.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)) };
    if (v instanceof Set) return { $set: [...v].sort() };
    return v;
  });
}

/** Environment variable through which scripts/launch.cjs passes the digest of the synth bundle. */
export const COMPILER_DIGEST_ENV = 'AGENTIC_PLATFORM_COMPILER_DIGEST';

/** Folders whose files make up the compiler when it runs from its sources (tests, tsx). */
const COMPILER_SOURCES = ['charts', 'imports'];

function sourceFiles(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
}

let sourcesDigest: string | undefined;

/**
 * Digest of the compiler itself: the synth bundle's content when launched from it (it holds every
 * module and package it runs), otherwise every TypeScript file of charts/ and imports/ plus the
 * package lock. Node.js's version is part of it.
 */
export function compilerDigest(repoRoot: string = path.resolve(__dirname, '..', '..')): string {
  const fromBundle = process.env[COMPILER_DIGEST_ENV];
  if (fromBundle) return digest('bundle', fromBundle, process.version);
  if (sourcesDigest === undefined) {
    const files: string[] = [];
    for (const d of COMPILER_SOURCES) sourceFiles(path.join(repoRoot, d), files);
    const h = createHash('sha256');
    for (const f of [...files, path.join(repoRoot, 'package-lock.json')]) {
      h.update(path.relative(repoRoot, f));
      h.update('\0');
      try {
        h.update(fs.readFileSync(f));
      } catch {
        h.update('(missing)');
      }
      h.update('\0');
    }
    sourcesDigest = h.digest('hex');
  }
  return digest('sources', sourcesDigest, process.version);
}

/** One tenant in one environment: the inputs it was compiled from and the files it produced. */
export interface UnitRecord {
  /** Digest of the compiler, the environment and the tenant's entry. */
  readonly key: string;
  /** Route segments of other tenants the compile read: name → segment, null when it had none. */
  readonly reads: readonly (readonly [string, string | null])[];
  /** Index into `RecordData.templates`: the unit's file paths with its tenant's name as `\0`. */
  readonly files: number;
  /** Digest of the unit's files (paths and contents): what validation keys on. */
  readonly content: string;
}

/** The record as stored (JSON). */
export interface RecordData {
  readonly version: number;
  /** Digest of every input file and the compiler: equal means nothing to do. */
  readonly inputs: string;
  /** Per environment name, the digest of the compiler, the environment and its cluster outputs. */
  readonly environments: Readonly<Record<string, string>>;
  /** Per unit `<env>/<tenant>`. */
  readonly units: Readonly<Record<string, UnitRecord>>;
  /** Path lists shared by units of the same shape (tenant name written `\0`). */
  readonly templates: readonly (readonly string[])[];
  /** Files that belong to no tenant, each with the SHA-256 (hex) of its content. */
  readonly shared: Readonly<Record<string, string>>;
  /** Every folder of the output with its modification time (ns) after the write. */
  readonly dirs: FolderStamps;
  /** How many files the output has. */
  readonly files: number;
}

/** Folders (sorted) and their modification times (ns), side by side. */
export interface FolderStamps {
  readonly names: readonly string[];
  readonly stamps: readonly string[];
}

/** The unit key `<env>/<tenant>`. */
export function unitName(env: string, tenant: string): string {
  return `${env}/${tenant}`;
}

/** A unit's paths with its tenant's name replaced, so that units of one shape share one list. */
export function toTemplate(paths: readonly string[], tenant: string): string[] {
  return paths.map((p) => p.split(tenant).join('\0'));
}

export function fromTemplate(template: readonly string[], tenant: string): string[] {
  return template.map((p) => p.split('\0').join(tenant));
}

/**
 * Finds which template paths a path is, without listing any unit: per template, per path, the
 * tenant's name that makes the template path equal to it (a template path fixes the name's
 * length, hence the name).
 */
export class TemplateMatcher {
  private readonly byPrefix = new Map<string, { template: number; index: number; parts: string[]; fixed: number }[]>();
  constructor(templates: readonly (readonly string[])[]) {
    templates.forEach((t, template) =>
      t.forEach((p, index) => {
        const parts = p.split('\0');
        const fixed = parts.reduce((n, x) => n + x.length, 0);
        let list = this.byPrefix.get(parts[0]);
        if (!list) this.byPrefix.set(parts[0], (list = []));
        list.push({ template, index, parts, fixed });
      }),
    );
  }

  /** Every (template, index in it, tenant's name) whose path is `p`; the name is '' for a template path without one. */
  *matches(p: string): Generator<{ template: number; index: number; name: string }> {
    for (const [prefix, list] of this.byPrefix) {
      if (!p.startsWith(prefix)) continue;
      for (const { template, index, parts, fixed } of list) {
        const holes = parts.length - 1;
        if (holes === 0) {
          if (p === prefix) yield { template, index, name: '' };
          continue;
        }
        const length = (p.length - fixed) / holes;
        if (!Number.isInteger(length) || length < 1 || !p.endsWith(parts[holes])) continue;
        const name = p.slice(prefix.length, prefix.length + length);
        if (parts.join(name) === p) yield { template, index, name };
      }
    }
  }
}

/** Builds the `templates` table while units are added. */
export class TemplateTable {
  readonly list: string[][] = [];
  private readonly index = new Map<string, number>();
  add(paths: readonly string[], tenant: string): number {
    return this.addTemplate(toTemplate(paths, tenant));
  }
  addTemplate(t: readonly string[]): number {
    const k = t.join('\n');
    let i = this.index.get(k);
    if (i === undefined) {
      i = this.list.length;
      this.list.push([...t]);
      this.index.set(k, i);
    }
    return i;
  }
}

/** The part of the record that says whether the inputs changed. */
export type RecordHead = Pick<RecordData, 'version' | 'inputs' | 'files'>;

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The head of the record under the root, or undefined when there is none, or of another version, or damaged. */
export function readRecordHead(root: string): RecordHead | undefined {
  const head = readJson<RecordHead>(path.join(root, RECORD_DIR, HEAD_FILE));
  return head && head.version === RECORD_VERSION && typeof head.inputs === 'string' && typeof head.files === 'number'
    ? head
    : undefined;
}

/** The folders' times of the record of `head`, or undefined when missing, damaged or of another run. */
export function readFolderStamps(root: string, head: RecordHead): FolderStamps | undefined {
  const f = readJson<FolderStamps & { inputs: string }>(path.join(root, RECORD_DIR, FOLDERS_FILE));
  return f &&
    f.inputs === head.inputs &&
    Array.isArray(f.names) &&
    Array.isArray(f.stamps) &&
    f.names.length === f.stamps.length
    ? { names: f.names, stamps: f.stamps }
    : undefined;
}

/** The whole record, or undefined when it is missing, damaged, or its parts are of different runs. */
export function readRecord(root: string): RecordData | undefined {
  const head = readRecordHead(root);
  if (!head) return undefined;
  const body = readJson<Omit<RecordData, keyof RecordHead | 'dirs'> & { inputs: string }>(
    path.join(root, RECORD_DIR, BODY_FILE),
  );
  if (!body || body.inputs !== head.inputs || !body.units || !Array.isArray(body.templates) || !body.shared)
    return undefined;
  // Every unit names a template of the table: the paths of a unit not compiled are read there.
  const templates = body.templates.length;
  for (const name in body.units) {
    const files = body.units[name]?.files;
    if (!Number.isInteger(files) || files < 0 || files >= templates) return undefined;
  }
  if (!body.templates.every((t) => Array.isArray(t) && t.every((p) => typeof p === 'string'))) return undefined;
  const dirs = readFolderStamps(root, head);
  return dirs && { ...body, ...head, dirs };
}

/** Writes the record: the body and the folders' times first, then the head that makes it count. */
export function writeRecord(root: string, data: Omit<RecordData, 'version'>): void {
  const dir = path.join(root, RECORD_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const { inputs, files, dirs, ...body } = data;
  writeAtomic(path.join(dir, BODY_FILE), JSON.stringify({ inputs, ...body }));
  writeAtomic(path.join(dir, FOLDERS_FILE), JSON.stringify({ inputs, names: dirs.names, stamps: dirs.stamps }));
  writeAtomic(path.join(dir, HEAD_FILE), JSON.stringify({ version: RECORD_VERSION, inputs, files }));
}

/** The tenant loader's cache (config/tenants-cache.ts): what each entry of tenants.yaml read as. */
const LOADER_FILE = 'tenants.json';

/** The loader's cache kept under the root, or undefined. Its own checks decide whether it is usable. */
export function readLoaderCache(root: string): unknown {
  return readJson<unknown>(path.join(root, RECORD_DIR, LOADER_FILE));
}

/** Keeps the loader's cache for the next run. */
export function writeLoaderCache(root: string, cache: unknown): void {
  const dir = path.join(root, RECORD_DIR);
  fs.mkdirSync(dir, { recursive: true });
  writeAtomic(path.join(dir, LOADER_FILE), JSON.stringify(cache));
}

/** Removes the record: the next synth compiles everything. */
export function dropRecord(root: string): void {
  // The caches beside it (the loader's, the components') are keyed by their own inputs: kept.
  for (const f of [HEAD_FILE, FOLDERS_FILE, BODY_FILE]) fs.rmSync(path.join(root, RECORD_DIR, f), { force: true });
}

/** Modification time of a folder in ns, or undefined when it is gone. */
function dirStamp(root: string, dir: string): string | undefined {
  const st = fs.statSync(`${root}/${dir}`, { bigint: true, throwIfNoEntry: false });
  return st?.isDirectory() ? String(st.mtimeNs) : undefined;
}

/** Every folder that holds one of the paths (and their parents up to the top-level folder). */
export function foldersOf(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) {
    let d = p.slice(0, p.lastIndexOf('/'));
    while (d !== '' && !dirs.has(d)) {
      dirs.add(d);
      const i = d.lastIndexOf('/');
      d = i < 0 ? '' : d.slice(0, i);
    }
  }
  return dirs;
}

/** The folders' modification times now. */
export function stampFolders(root: string, dirs: Iterable<string>): FolderStamps {
  const names: string[] = [];
  const stamps: string[] = [];
  for (const d of [...dirs].sort()) {
    const s = dirStamp(root, d);
    if (s === undefined) continue;
    names.push(d);
    stamps.push(s);
  }
  return { names, stamps };
}

/**
 * The folders' times after a write that touched only `paths` (written, replaced or deleted):
 * their folders and those folders' parents get their time now (or go, when gone); every other
 * folder keeps the time it had. One merge of two sorted lists.
 */
export function restampFolders(root: string, dirs: FolderStamps, paths: readonly string[]): FolderStamps {
  const touched = [...foldersOf(paths)].sort();
  const now = stampFolders(root, touched);
  const names: string[] = [];
  const stamps: string[] = [];
  let j = 0;
  let k = 0;
  const take = (d: string) => {
    // A touched folder: its time now, when it is there.
    if (now.names[k] === d) {
      names.push(d);
      stamps.push(now.stamps[k++]);
    }
  };
  dirs.names.forEach((d, i) => {
    while (j < touched.length && touched[j] < d) take(touched[j++]);
    if (touched[j] === d) take(touched[j++]);
    else {
      names.push(d);
      stamps.push(dirs.stamps[i]);
    }
  });
  while (j < touched.length) take(touched[j++]);
  return { names, stamps };
}

/**
 * Whether every folder of the output is as the last write left it. A file created, deleted or
 * replaced in a folder (what git checkout, editors that save by renaming, and rm do) changes
 * the folder's time; a file rewritten in place does not, which `npm run synth -- --check`
 * finds instead (it compares every file).
 */
export function foldersUnchanged(root: string, dirs: FolderStamps): boolean {
  const { names, stamps } = dirs;
  for (let i = 0; i < names.length; i++) if (dirStamp(root, names[i]) !== stamps[i]) return false;
  return true;
}

/**
 * `foldersUnchanged` on a thread of its own (plain JavaScript, the same from the sources and the
 * bundle): the same stat of each folder, in order, until one differs.
 */
const FOLDER_CHECK = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { root, names, stamps } = workerData;
let same = true;
for (let i = 0; same && i < names.length; i++) {
  const st = fs.statSync(root + '/' + names[i], { bigint: true, throwIfNoEntry: false });
  same = st !== undefined && st.isDirectory() && String(st.mtimeNs) === stamps[i];
}
parentPort.postMessage(same);
`;

/** The folders of a record being checked on another thread: what they were checked against, and the answer. */
export interface FolderCheck {
  readonly dirs: FolderStamps;
  readonly unchanged: Promise<boolean>;
}

/**
 * Starts checking the folders of the record under the root, if there is one, on another thread,
 * while this one loads the inputs. Its answer holds for a record whose folders are these.
 */
export function startFolderCheck(root: string): FolderCheck | undefined {
  const head = readRecordHead(root);
  const dirs = head && readFolderStamps(root, head);
  if (!dirs) return undefined;
  const worker = new Worker(FOLDER_CHECK, { eval: true, workerData: { root, ...dirs } });
  worker.unref();
  const unchanged = new Promise<boolean>((resolve) => {
    worker.once('message', (same: boolean) => resolve(same === true));
    // A check that fails says nothing: the record is not used.
    worker.once('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
  return { dirs, unchanged };
}

/** Whether two lists of folder stamps are the same. */
export function sameFolders(a: FolderStamps, b: FolderStamps): boolean {
  if (a.names.length !== b.names.length) return false;
  for (let i = 0; i < a.names.length; i++) if (a.names[i] !== b.names[i] || a.stamps[i] !== b.stamps[i]) return false;
  return true;
}

/** The input files of a synth besides the compiler: their digest, read in a fixed order. */
export function inputsDigest(compiler: string, files: readonly { path: string; text: string | Buffer }[]): string {
  const h = createHash('sha256');
  h.update(compiler);
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    h.update('\0');
    h.update(f.path);
    h.update('\0');
    h.update(String(f.text.length));
    h.update('\0');
    h.update(f.text);
  }
  return h.digest('hex');
}
