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
  const entries = [...files];
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const [rel, content] = entries[next++];
      const live = path.join(root, rel);
      const target = path.join(stage, rel);
      let same = false;
      try {
        same = (await fs.promises.readFile(live, 'utf8')) === content;
      } catch {
        same = false;
      }
      if (same) {
        try {
          await fs.promises.link(live, target);
          continue;
        } catch {
          // a file system without hard links: write the copy
        }
      }
      await fs.promises.writeFile(target, content);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, entries.length) }, worker));
}

/**
 * Puts back output directories that an interrupted swap left only in a `.dist-old-*` directory
 * (the process was killed between moving the live directory away and moving the new one in).
 * Returns the directories restored.
 */
export function recoverInterruptedSwap(root: string): string[] {
  const restored: string[] = [];
  for (const entry of fs.readdirSync(root).filter((e) => e.startsWith('.dist-old-')).sort()) {
    const old = path.join(root, entry);
    for (const d of fs.readdirSync(old)) {
      if (!fs.existsSync(path.join(root, d))) {
        fs.renameSync(path.join(old, d), path.join(root, d));
        restored.push(d);
      }
    }
    fs.rmSync(old, { recursive: true, force: true });
  }
  for (const entry of fs.readdirSync(root).filter((e) => e.startsWith('.dist-stage-'))) {
    fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
  return restored;
}

/**
 * Writes the files into a temporary directory next to the targets, then swaps each top-level
 * directory in with a rename. A failure or a kill before the swap leaves the previous output
 * untouched; files of removed tenants disappear with the old directory. A kill in the instant
 * between the two renames of one directory leaves it in `.dist-old-*`, from where the next run
 * puts it back before doing anything else (recoverInterruptedSwap).
 */
export async function writeAtomically(root: string, files: ReadonlyMap<string, string>): Promise<void> {
  const stage = fs.mkdtempSync(path.join(root, '.dist-stage-'));
  const old = fs.mkdtempSync(path.join(root, '.dist-old-'));
  try {
    await writeAll(root, stage, files);
    for (const d of topDirs(files)) {
      const live = path.join(root, d);
      if (fs.existsSync(live)) fs.renameSync(live, path.join(old, d));
      fs.renameSync(path.join(stage, d), live);
    }
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
    fs.rmSync(old, { recursive: true, force: true });
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
