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

/**
 * Writes the files into a temporary directory next to the targets, then swaps each top-level
 * directory in with a rename. A failure or a kill before the swap leaves the previous output
 * untouched; files of removed tenants disappear with the old directory.
 */
export function writeAtomically(root: string, files: ReadonlyMap<string, string>): void {
  const stage = fs.mkdtempSync(path.join(root, '.dist-stage-'));
  const old = fs.mkdtempSync(path.join(root, '.dist-old-'));
  try {
    const made = new Set<string>();
    for (const [rel, content] of files) {
      const target = path.join(stage, rel);
      const dir = path.dirname(target);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fs.writeFileSync(target, content);
    }
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
