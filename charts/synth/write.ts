/**
 * Puts a synthesized file set on disk atomically, or compares it with what is there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Top-level directories a file set may write; each is replaced as a whole. */
export function topDirs(files: ReadonlyMap<string, string>): string[] {
  return [...new Set([...files.keys()].map((p) => p.split('/')[0]))].sort();
}

function listFiles(dir: string, prefix: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = `${prefix}/${e.name}`;
    if (e.isDirectory()) listFiles(path.join(dir, e.name), rel, out);
    else out.push(rel);
  }
  return out;
}

/** Every file under the given top-level directories of root, as repository paths. */
export function existingFiles(root: string, dirs: readonly string[]): string[] {
  return dirs.flatMap((d) => listFiles(path.join(root, d), d)).sort();
}

/** The live content of a file, or undefined when there is none. */
function liveContent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Journal of a swap in progress: present from the first rename of a swap to its last. */
export const SWAP_JOURNAL = '.dist-swap.json';

/** Held by the run that writes the output, from recovery to the end of its swap. */
export const OUTPUT_LOCK = '.dist-lock';

/**
 * A swap: whole top-level directories moved in (when there was none before), and single files
 * moved in or away inside the top-level directories that existed. What a swap replaces or
 * deletes is kept under `old` until the swap is complete, so a failed swap can be undone.
 */
interface Swap {
  /** Staging directory (relative to the root) holding the new directories and files. */
  readonly stage: string;
  /** Directory (relative to the root) receiving what the swap replaces. */
  readonly old: string;
  /** Top-level directories moved in whole. */
  readonly dirs: readonly string[];
  /** Repository paths of new or changed files, moved in one by one. @default [] */
  readonly files?: readonly string[];
  /** Repository paths of files no longer produced, moved away. @default [] */
  readonly deletes?: readonly string[];
}

/** A repository path a journal may name: relative, inside a top-level output directory, no `..`. */
function safePath(p: unknown): boolean {
  if (typeof p !== 'string' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  const parts = p.split('/');
  return parts.length >= 2 && !parts[0].startsWith('.') && parts.every((x) => x !== '' && x !== '.' && x !== '..');
}

/** A swap journal, checked so that a damaged one can never make recovery touch other paths. */
function readJournal(root: string): Swap | undefined {
  const file = path.join(root, SWAP_JOURNAL);
  if (!fs.existsSync(file)) return undefined;
  let swap: Swap | undefined;
  try {
    swap = JSON.parse(fs.readFileSync(file, 'utf8')) as Swap;
  } catch {
    swap = undefined;
  }
  const plain = (p: unknown, prefix: string) =>
    typeof p === 'string' && p.startsWith(prefix) && !p.includes('/') && !p.includes('..');
  const paths = (list: unknown) => list === undefined || (Array.isArray(list) && list.every(safePath));
  if (
    !swap ||
    !plain(swap.stage, '.dist-stage-') ||
    !plain(swap.old, '.dist-old-') ||
    !Array.isArray(swap.dirs) ||
    !swap.dirs.every((d) => plain(d, '') && !d.startsWith('.')) ||
    !paths(swap.files) ||
    !paths(swap.deletes)
  ) {
    throw new Error(
      `${SWAP_JOURNAL} is damaged; check that dist/ and argocd/ are complete (git status), then delete ${SWAP_JOURNAL} and the .dist-* directories`,
    );
  }
  return swap;
}

function writeJournal(root: string, swap: Swap): void {
  const tmp = path.join(root, `${SWAP_JOURNAL}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(swap));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(root, SWAP_JOURNAL));
}

function dropSwap(root: string, swap: Swap): void {
  fs.rmSync(path.join(root, SWAP_JOURNAL), { force: true });
  fs.rmSync(path.join(root, swap.stage), { recursive: true, force: true });
  fs.rmSync(path.join(root, swap.old), { recursive: true, force: true });
}

type Rename = (from: string, to: string) => void;

/** Renames, creating the target's directory when it is missing. */
function moveTo(rename: Rename, from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  rename(from, to);
}

/** Removes the directories a deleted file leaves empty, up to its top-level directory. */
function pruneEmptyDirs(root: string, rel: string): void {
  let dir = path.dirname(rel);
  while (dir.includes('/')) {
    try {
      fs.rmdirSync(path.join(root, dir));
    } catch {
      return; // not empty (or gone)
    }
    dir = path.dirname(dir);
  }
}

/** Moves everything of a swap into place; safe to run again after an interruption. */
function completeSwap(root: string, swap: Swap, rename: Rename = fs.renameSync): void {
  if (!fs.existsSync(path.join(root, swap.stage)))
    throw new Error(`the staging directory ${swap.stage} of ${SWAP_JOURNAL} is gone`);
  for (const d of swap.dirs) {
    const staged = path.join(root, swap.stage, d);
    if (!fs.existsSync(staged)) continue; // already swapped in
    const live = path.join(root, d);
    if (fs.existsSync(live)) rename(live, path.join(root, swap.old, d));
    rename(staged, live);
  }
  // Deletions first: a file may give way to a directory of the same name.
  for (const f of swap.deletes ?? []) {
    const live = path.join(root, f);
    if (fs.existsSync(live)) moveTo(rename, live, path.join(root, swap.old, f));
    pruneEmptyDirs(root, f);
  }
  for (const f of swap.files ?? []) {
    const staged = path.join(root, swap.stage, f);
    if (!fs.existsSync(staged)) continue; // already moved in
    const live = path.join(root, f);
    const previous = path.join(root, swap.old, f);
    if (fs.existsSync(live) && !fs.existsSync(previous)) moveTo(rename, live, previous);
    moveTo(rename, staged, live);
  }
  dropSwap(root, swap);
}

/** Undoes a swap that failed part-way: every file and directory moved back, newest first. */
function rollBackSwap(root: string, swap: Swap): void {
  for (const f of [...(swap.files ?? [])].reverse()) {
    const live = path.join(root, f);
    const staged = path.join(root, swap.stage, f);
    const previous = path.join(root, swap.old, f);
    if (!fs.existsSync(staged) && fs.existsSync(live)) moveTo(fs.renameSync, live, staged); // the new file was moved in
    if (fs.existsSync(previous)) moveTo(fs.renameSync, previous, live);
    else pruneEmptyDirs(root, f);
  }
  for (const f of [...(swap.deletes ?? [])].reverse()) {
    const previous = path.join(root, swap.old, f);
    if (fs.existsSync(previous)) moveTo(fs.renameSync, previous, path.join(root, f));
  }
  for (const d of [...swap.dirs].reverse()) {
    const previous = path.join(root, swap.old, d);
    const live = path.join(root, d);
    if (fs.existsSync(previous)) {
      if (fs.existsSync(live)) fs.renameSync(live, path.join(root, swap.stage, d));
      fs.renameSync(previous, live);
    } else if (fs.existsSync(live) && !fs.existsSync(path.join(root, swap.stage, d))) {
      fs.renameSync(live, path.join(root, swap.stage, d)); // there was none before
    }
  }
  dropSwap(root, swap);
}

/**
 * Takes the output lock, or fails when another live synth holds it. Returns the release function.
 */
export function lockOutput(root: string): () => void {
  const file = path.join(root, OUTPUT_LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      let alive: boolean;
      try {
        process.kill(pid, 0);
        alive = Number.isInteger(pid) && pid > 0;
      } catch {
        alive = false;
      }
      if (alive)
        throw new Error(
          `another synth (pid ${pid}) is writing dist/ and argocd/; wait for it, or delete ${OUTPUT_LOCK} if it is gone`,
          { cause: e },
        );
      fs.rmSync(file, { force: true }); // left by a run that died
    }
  }
  throw new Error(`could not take ${OUTPUT_LOCK}`);
}

/** Whether an interrupted swap or stale staging directories are waiting for recovery. */
export function pendingRecovery(root: string): boolean {
  return fs
    .readdirSync(root)
    .some((e) => e === SWAP_JOURNAL || e.startsWith('.dist-old-') || e.startsWith('.dist-stage-'));
}

/**
 * Finishes what an interrupted run left behind, before anything else reads the output: a swap
 * with a journal is completed (everything it names ends up new), a staging directory without one
 * is dropped (everything is still the previous output). Call it under the output lock. Returns
 * the directories it completed or restored.
 */
export function recoverInterruptedSwap(root: string): string[] {
  const touched: string[] = [];
  const swap = readJournal(root);
  if (swap) {
    completeSwap(root, swap);
    touched.push(
      ...new Set([...swap.dirs, ...[...(swap.files ?? []), ...(swap.deletes ?? [])].map((f) => f.split('/')[0])]),
    );
  }
  for (const entry of fs
    .readdirSync(root)
    .filter((e) => e.startsWith('.dist-old-'))
    .sort()) {
    // Without a journal a previous directory is only ever here after its swap finished, unless an
    // older version of this tool was interrupted: put back whatever is missing, then drop it.
    const old = path.join(root, entry);
    for (const d of fs.readdirSync(old)) {
      if (!fs.existsSync(path.join(root, d))) {
        fs.renameSync(path.join(old, d), path.join(root, d));
        touched.push(d);
      }
    }
    fs.rmSync(old, { recursive: true, force: true });
  }
  for (const entry of fs
    .readdirSync(root)
    .filter((e) => e.startsWith('.dist-stage-') || (e.startsWith(SWAP_JOURNAL) && e.endsWith('.tmp')))) {
    fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
  return [...new Set(touched)].sort();
}

/** What a write changes: how many files were written, kept and deleted. */
export interface WriteReport {
  readonly written: number;
  readonly unchanged: number;
  readonly deleted: number;
}

/**
 * Where an output sink puts files: the root holding the live output, and the staging directory
 * (absent when only comparing). Plain data, so that worker threads can open sinks of their own.
 */
export interface SinkSpec {
  readonly root: string;
  /** Staging directory (absolute); undefined compares with the live output without writing. */
  readonly stage?: string;
  /** Top-level directories that have no live copy: everything in them is new. */
  readonly whole: readonly string[];
}

/** What a sink saw: files that differ from their live copy, files without one, and the rest. */
export interface SinkReport {
  readonly changed: string[];
  readonly added: string[];
  unchanged: number;
  /** Files of top-level directories that had no live copy: counted, never listed (all of them are new). @default 0 */
  whole?: number;
}

/**
 * Receives generated files one at a time: compares each with its live copy and stages it when it
 * is new or different. Files are never held in memory beyond the call, so output of any size
 * streams through, and several threads can each fill the same staging directory.
 */
export class OutputSink {
  readonly report: SinkReport = { changed: [], added: [], unchanged: 0 };
  private readonly whole: ReadonlySet<string>;
  private readonly made = new Set<string>();
  constructor(private readonly spec: SinkSpec) {
    this.whole = new Set(spec.whole);
  }

  put(rel: string, content: string): void {
    const top = rel.slice(0, rel.indexOf('/'));
    if (this.whole.has(top)) this.report.whole = (this.report.whole ?? 0) + 1;
    else {
      const live = liveContent(path.join(this.spec.root, rel));
      if (live === content) {
        this.report.unchanged++;
        return;
      }
      (live === undefined ? this.report.added : this.report.changed).push(rel);
    }
    if (this.spec.stage === undefined) return;
    const target = path.join(this.spec.stage, rel);
    const dir = path.dirname(target);
    if (!this.made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    fs.writeFileSync(target, content);
  }
}

/** Adds one sink report into another. */
export function mergeReport(into: SinkReport, from: SinkReport): void {
  // One by one: a spread of a very large list overflows the call stack.
  for (const p of from.changed) into.changed.push(p);
  for (const p of from.added) into.added.push(p);
  into.unchanged += from.unchanged;
  if (from.whole) into.whole = (into.whole ?? 0) + from.whole;
}

/**
 * A write in progress: a staging directory and the sink that fills it. `commit` moves what was
 * staged into place atomically; `abort` drops it.
 */
export interface PendingWrite {
  readonly spec: SinkSpec;
  readonly sink: OutputSink;
  /**
   * Moves the staged files in, and moves away every live file under the written top-level
   * directories that is not among `produced`. A top-level directory that had no live copy moves
   * in with one rename; in one that had, only new and changed files move, one by one. Everything
   * happens under a journal: a rename that fails is rolled back; a kill is completed by the next
   * run (recoverInterruptedSwap), so dist/ and argocd/ are always both previous or both new.
   */
  commit(
    produced: ReadonlySet<string>,
    others: readonly SinkReport[],
    rename?: Rename,
    /** Live files to delete, when the caller knows them (the synth record); otherwise every live file not produced. */
    deletions?: readonly string[],
  ): WriteReport;
  abort(): void;
}

/** Starts an atomic write of the given top-level directories under the root. Call it under the output lock. */
export function beginWrite(root: string, tops: readonly string[]): PendingWrite {
  const whole = tops.filter((d) => !fs.existsSync(path.join(root, d)));
  const present = tops.filter((d) => !whole.includes(d));
  const stageDir = fs.mkdtempSync(path.join(root, '.dist-stage-'));
  const spec: SinkSpec = { root, stage: stageDir, whole };
  const sink = new OutputSink(spec);
  const abort = () => fs.rmSync(stageDir, { recursive: true, force: true });
  const commit = (
    produced: ReadonlySet<string>,
    others: readonly SinkReport[],
    rename: Rename = fs.renameSync,
    deletions?: readonly string[],
  ): WriteReport => {
    const report: SinkReport = { changed: [], added: [], unchanged: 0 };
    for (const r of [sink.report, ...others]) mergeReport(report, r);
    const deletes = deletions
      ? deletions.filter((f) => !produced.has(f) && fs.existsSync(path.join(root, f))).sort()
      : existingFiles(root, present).filter((f) => !produced.has(f));
    const files = [...report.changed, ...report.added].sort();
    const result = {
      written: report.changed.length + report.added.length + (report.whole ?? 0),
      unchanged: report.unchanged,
      deleted: deletes.length,
    };
    if (whole.length === 0 && files.length === 0 && deletes.length === 0) {
      abort();
      return result;
    }
    const old = fs.mkdtempSync(path.join(root, '.dist-old-'));
    const swap: Swap = { stage: path.basename(stageDir), old: path.basename(old), dirs: whole, files, deletes };
    writeJournal(root, swap);
    try {
      completeSwap(root, swap, rename);
    } catch (e) {
      rollBackSwap(root, swap);
      throw new Error(`${(e as Error).message}; dist/ and argocd/ were left as they were`, { cause: e });
    }
    return result;
  };
  return { spec, sink, commit, abort };
}

/**
 * Writes a file set under the root atomically (see `beginWrite`): only new and changed files are
 * written, files no longer produced are removed. Call it under the output lock.
 */
export async function writeAtomically(
  root: string,
  files: ReadonlyMap<string, string>,
  rename: Rename = fs.renameSync,
): Promise<WriteReport> {
  const pending = beginWrite(root, topDirs(files));
  try {
    for (const [rel, content] of files) pending.sink.put(rel, content);
  } catch (e) {
    pending.abort();
    throw e;
  }
  return pending.commit(new Set(files.keys()), [], rename);
}

export interface Drift {
  readonly changed: string[];
  readonly missing: string[];
  readonly extra: string[];
}

/** Drift from what sinks in compare mode saw and the paths produced. */
export function drift(
  root: string,
  tops: readonly string[],
  produced: ReadonlySet<string>,
  reports: readonly SinkReport[],
): Drift {
  const report: SinkReport = { changed: [], added: [], unchanged: 0 };
  for (const r of reports) mergeReport(report, r);
  const extra = existingFiles(root, tops).filter((f) => !produced.has(f));
  return { changed: report.changed.sort(), missing: report.added.sort(), extra };
}
