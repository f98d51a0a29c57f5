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

/** Files written at once: the disk is faster with several writes in flight than one by one. */
const WRITE_CONCURRENCY = 32;

/**
 * Writes every file under `stage`. A file whose content equals the live copy under `root` is
 * hard-linked instead of written: in the usual run almost nothing changed, and a link costs the
 * disk far less than a new file.
 */
async function writeAll(root: string, stage: string, files: ReadonlyMap<string, string>): Promise<void> {
  const dirs = new Set<string>();
  for (const rel of files.keys()) dirs.add(path.dirname(path.join(stage, rel)));
  for (const dir of [...dirs].sort()) fs.mkdirSync(dir, { recursive: true });
  // Unchanged files (the usual case) are compared and linked synchronously: both are cheap
  // calls, and a promise per file costs more than the call itself. New content is written with
  // several writes in flight.
  const pending: [string, string][] = [];
  for (const [rel, content] of files) {
    const live = path.join(root, rel);
    const target = path.join(stage, rel);
    let same = false;
    try {
      same = fs.readFileSync(live, 'utf8') === content;
    } catch {
      same = false;
    }
    if (same) {
      try {
        fs.linkSync(live, target);
        continue;
      } catch {
        // a file system without hard links: write the copy
      }
    }
    pending.push([target, content]);
  }
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const [target, content] = pending[next++];
      await fs.promises.writeFile(target, content);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, pending.length) }, worker));
}

/** Journal of a swap in progress: present from the first rename of a swap to its last. */
export const SWAP_JOURNAL = '.dist-swap.json';

/** Held by the run that writes the output, from recovery to the end of its swap. */
export const OUTPUT_LOCK = '.dist-lock';

interface Swap {
  /** Staging directory (relative to the root) holding the new top-level directories. */
  readonly stage: string;
  /** Directory (relative to the root) receiving the previous top-level directories. */
  readonly old: string;
  readonly dirs: readonly string[];
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
  const plain = (p: unknown, prefix: string) => typeof p === 'string' && p.startsWith(prefix) && !p.includes('/') && !p.includes('..');
  if (!swap || !plain(swap.stage, '.dist-stage-') || !plain(swap.old, '.dist-old-') || !Array.isArray(swap.dirs) || !swap.dirs.every((d) => plain(d, '') && !d.startsWith('.'))) {
    throw new Error(`${SWAP_JOURNAL} is damaged; check that dist/ and argocd/ are complete (git status), then delete ${SWAP_JOURNAL} and the .dist-* directories`);
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

/** Moves every staged directory of a swap into place; safe to run again after an interruption. */
function completeSwap(root: string, swap: Swap, rename: Rename = fs.renameSync): void {
  if (!fs.existsSync(path.join(root, swap.stage))) throw new Error(`the staging directory ${swap.stage} of ${SWAP_JOURNAL} is gone`);
  for (const d of swap.dirs) {
    const staged = path.join(root, swap.stage, d);
    if (!fs.existsSync(staged)) continue; // already swapped in
    const live = path.join(root, d);
    if (fs.existsSync(live)) rename(live, path.join(root, swap.old, d));
    rename(staged, live);
  }
  dropSwap(root, swap);
}

/** Undoes a swap that failed part-way: every directory moved back, newest first. */
function rollBackSwap(root: string, swap: Swap): void {
  for (const d of [...swap.dirs].reverse()) {
    const previous = path.join(root, swap.old, d);
    const live = path.join(root, d);
    if (fs.existsSync(previous)) {
      if (fs.existsSync(live)) fs.renameSync(live, path.join(root, swap.stage, d));
      fs.renameSync(previous, live);
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
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = Number.isInteger(pid) && pid > 0;
      } catch {
        alive = false;
      }
      if (alive) throw new Error(`another synth (pid ${pid}) is writing dist/ and argocd/; wait for it, or delete ${OUTPUT_LOCK} if it is gone`);
      fs.rmSync(file, { force: true }); // left by a run that died
    }
  }
  throw new Error(`could not take ${OUTPUT_LOCK}`);
}

/** Whether an interrupted swap or stale staging directories are waiting for recovery. */
export function pendingRecovery(root: string): boolean {
  return fs.readdirSync(root).some((e) => e === SWAP_JOURNAL || e.startsWith('.dist-old-') || e.startsWith('.dist-stage-'));
}

/**
 * Finishes what an interrupted run left behind, before anything else reads the output: a swap
 * with a journal is completed (every top-level directory ends up new), a staging directory
 * without one is dropped (every top-level directory is still the previous one). Call it under
 * the output lock. Returns the directories it completed or restored.
 */
export function recoverInterruptedSwap(root: string): string[] {
  const touched: string[] = [];
  const swap = readJournal(root);
  if (swap) {
    completeSwap(root, swap);
    touched.push(...swap.dirs);
  }
  for (const entry of fs.readdirSync(root).filter((e) => e.startsWith('.dist-old-')).sort()) {
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
  for (const entry of fs.readdirSync(root).filter((e) => e.startsWith('.dist-stage-') || (e.startsWith(SWAP_JOURNAL) && e.endsWith('.tmp')))) {
    fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
  return touched;
}

/**
 * Writes the files into a temporary directory next to the targets, then swaps the top-level
 * directories in with renames, under a journal. A failure or a kill while writing leaves the
 * previous output untouched; a rename that fails during the swap is rolled back; a kill during
 * the swap is completed by the next run (recoverInterruptedSwap), so dist/ and argocd/ are always
 * both previous or both new. Files of removed tenants disappear with the old directories. Call it
 * under the output lock.
 */
export async function writeAtomically(root: string, files: ReadonlyMap<string, string>, rename: Rename = fs.renameSync): Promise<void> {
  const stage = fs.mkdtempSync(path.join(root, '.dist-stage-'));
  try {
    await writeAll(root, stage, files);
  } catch (e) {
    fs.rmSync(stage, { recursive: true, force: true });
    throw e;
  }
  const old = fs.mkdtempSync(path.join(root, '.dist-old-'));
  const swap: Swap = { stage: path.basename(stage), old: path.basename(old), dirs: topDirs(files) };
  writeJournal(root, swap);
  try {
    completeSwap(root, swap, rename);
  } catch (e) {
    rollBackSwap(root, swap);
    throw new Error(`${(e as Error).message}; dist/ and argocd/ were left as they were`);
  }
}

export interface Drift {
  readonly changed: string[];
  readonly missing: string[];
  readonly extra: string[];
}

/** Differences between a file set and the files on disk under the same top-level directories. */
export function compare(root: string, files: ReadonlyMap<string, string>): Drift {
  const onDisk = new Set(existingFiles(root, topDirs(files)));
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [rel, content] of files) {
    if (!onDisk.has(rel)) missing.push(rel);
    else if (fs.readFileSync(path.join(root, rel), 'utf8') !== content) changed.push(rel);
    onDisk.delete(rel);
  }
  return { changed: changed.sort(), missing: missing.sort(), extra: [...onDisk].sort() };
}
