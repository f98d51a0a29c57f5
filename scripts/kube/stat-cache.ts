/**
 * File digests remembered by what a stat says, as git's index does: a file whose size, mtime,
 * ctime and inode are those recorded with its digest is not read again. An entry is trusted only
 * if its file was last changed well before the record was written ("racy" entries: a rewrite in
 * the same clock tick keeps the times), so a file rewritten in place is always read again by
 * `digest`. One record per output root under .tools/records/; VALIDATE_CACHE=off reads every file
 * and leaves the record alone.
 *
 * `files` walks whole folders and trusts folders as synth's record does: a folder whose times and
 * inode are those recorded (and not racy) has the files and subfolders it had, each with its
 * recorded digest, and neither it nor its files are listed or stat'ed again. Creating, deleting or
 * renaming a file in a folder (synth, git checkout, editors that save by renaming, rm) changes the
 * folder's time; a file rewritten in place does not, which `npm run synth -- --check` finds
 * (docs/testing.md, "Validation and security gates").
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { memoryHome } from '../toolchain/tools';
import { writeAtomic } from '../../charts/lib/write-atomic';

/** How much older than the record a file's last change must be for its entry to be trusted. */
export const RACY_MS = 2000;

/** What a stat says of a file, as recorded. */
type Stamp = readonly [size: number, mtimeMs: number, ctimeMs: number, ino: number];

interface Stored {
  readonly writtenMs: number;
  /** Repository paths, one per entry. */
  readonly paths: readonly string[];
  /** Four numbers per entry: size, mtime (ms), ctime (ms), inode. */
  readonly stamps: Float64Array;
  /** 32 bytes per entry: the SHA-256 of the content. */
  readonly digests: Buffer;
  /** Folders walked by `files` (repository paths). */
  readonly dirs?: readonly string[];
  /** Three numbers per folder: mtime (ms), ctime (ms), inode. */
  readonly dirStamps?: Float64Array;
  /** Two numbers per folder: the index of its first file in `paths` and how many it holds directly. */
  readonly dirFiles?: Int32Array;
}

/** What a stat says of a folder, as recorded. */
type DirStamp = readonly [mtimeMs: number, ctimeMs: number, ino: number];

/** A folder as the last walk saw it: its stamp, and the repository paths of its files and subfolders. */
interface DirEntry {
  readonly stamp: DirStamp;
  readonly files: readonly string[];
  readonly subdirs: readonly string[];
}

/** The name of a child in a walk's order: a folder sorts as its name followed by '/'. */
const byWalkOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const sameStamp = (a: Stamp, b: Stamp) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
const stampOf = (st: fs.Stats): Stamp => [st.size, st.mtimeMs, st.ctimeMs, st.ino];

/** Digests of the files of a root, remembered by stat. */
export class StatCache {
  private readonly file: string;
  private readonly enabled: boolean;
  private readonly known = new Map<string, { stamp: Stamp; digest: string }>();
  private readonly seen = new Map<string, { stamp: Stamp; digest: string }>();
  /** Folders recorded by the last walk and not racy. */
  private readonly knownDirs = new Map<string, DirEntry>();
  private readonly seenDirs = new Map<string, DirEntry>();
  /** Links made by `link`, not yet removed: the file, and its stat right after the link (undefined: not followed). */
  private readonly links = new Map<string, { abs: string; linked: Stamp | undefined }>();
  /** Files read and hashed during this run, files known by their stat, and entries moved by `unlink`. */
  hashed = 0;
  trusted = 0;
  restamped = 0;
  /** Folders listed during this run, and folders known by their stat. */
  listed = 0;
  trustedDirs = 0;

  constructor(
    root: string,
    home = memoryHome(),
    env: NodeJS.ProcessEnv = process.env,
    private readonly racyMs = RACY_MS,
  ) {
    const id = createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 16);
    this.file = path.join(home, 'records', `${id}.v8`);
    this.enabled = env.VALIDATE_CACHE !== 'off';
    if (this.enabled) this.load();
  }

  private load(): void {
    let stored: Stored;
    try {
      stored = v8.deserialize(fs.readFileSync(this.file)) as Stored;
    } catch {
      return;
    }
    const { paths, stamps, digests, writtenMs, dirs = [], dirStamps, dirFiles } = stored;
    if (!Array.isArray(paths) || stamps.length !== paths.length * 4 || digests.length !== paths.length * 32) return;
    const limit = writtenMs - this.racyMs;
    for (let i = 0; i < paths.length; i++) {
      const stamp: Stamp = [stamps[i * 4], stamps[i * 4 + 1], stamps[i * 4 + 2], stamps[i * 4 + 3]];
      // Racy: changed too close to the record's writing for its times to tell a later rewrite apart.
      if (stamp[1] >= limit || stamp[2] >= limit) continue;
      this.known.set(paths[i], { stamp, digest: digests.toString('hex', i * 32, i * 32 + 32) });
    }
    if (!Array.isArray(dirs) || dirStamps?.length !== dirs.length * 3 || dirFiles?.length !== dirs.length * 2) return;
    const subdirs = new Map<string, string[]>();
    for (const d of dirs) {
      const parent = d.slice(0, Math.max(0, d.lastIndexOf('/')));
      if (!subdirs.has(parent)) subdirs.set(parent, []);
      subdirs.get(parent)!.push(d);
    }
    dirs.forEach((d, i) => {
      const stamp: DirStamp = [dirStamps[i * 3], dirStamps[i * 3 + 1], dirStamps[i * 3 + 2]];
      const [start, count] = [dirFiles[i * 2], dirFiles[i * 2 + 1]];
      if (stamp[0] >= limit || stamp[1] >= limit || start < 0 || count < 0 || start + count > paths.length) return;
      const files = paths.slice(start, start + count);
      // A folder whose files are not all trusted is listed again.
      if (files.some((f) => !this.known.has(f))) return;
      this.knownDirs.set(d, { stamp, files, subdirs: subdirs.get(d) ?? [] });
    });
  }

  /**
   * Every file under the given top-level folders of root (repository paths, sorted) with its
   * SHA-256: a folder whose stat is the recorded one has its recorded files and subfolders, and
   * its files their recorded digests; any other folder is listed and its files `digest`ed.
   */
  files(root: string, tops: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const top of [...tops].sort()) this.walk(root, top, out);
    return out;
  }

  private walk(root: string, rel: string, out: Map<string, string>): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(path.join(root, rel));
    } catch {
      return;
    }
    if (!st.isDirectory()) return;
    const stamp: DirStamp = [st.mtimeMs, st.ctimeMs, st.ino];
    const k = this.knownDirs.get(rel);
    if (k && k.stamp[0] === stamp[0] && k.stamp[1] === stamp[1] && k.stamp[2] === stamp[2]) {
      this.trustedDirs++;
      this.seenDirs.set(rel, k);
      // Files and subfolders merged in path order (a subfolder sorts as its name and '/').
      let j = 0;
      for (const f of k.files) {
        while (j < k.subdirs.length && byWalkOrder(`${k.subdirs[j]}/`, f) < 0) this.walk(root, k.subdirs[j++], out);
        const entry = this.known.get(f)!;
        this.seen.set(f, entry);
        this.trusted++;
        out.set(f, entry.digest);
      }
      while (j < k.subdirs.length) this.walk(root, k.subdirs[j++], out);
      return;
    }
    this.listed++;
    const children = fs
      .readdirSync(path.join(root, rel), { withFileTypes: true })
      .map((e) => ({ rel: `${rel}/${e.name}`, dir: e.isDirectory() }))
      .sort((a, b) => byWalkOrder(a.dir ? `${a.rel}/` : a.rel, b.dir ? `${b.rel}/` : b.rel));
    const files: string[] = [];
    const subdirs: string[] = [];
    for (const c of children) {
      if (c.dir) {
        subdirs.push(c.rel);
        this.walk(root, c.rel, out);
      } else {
        files.push(c.rel);
        out.set(c.rel, this.digest(c.rel, path.join(root, c.rel)));
      }
    }
    this.seenDirs.set(rel, { stamp, files, subdirs });
  }

  /** The SHA-256 (hex) of a file: remembered when its stat is the recorded one, else read and hashed. */
  digest(rel: string, abs: string): string {
    const st = fs.statSync(abs);
    const stamp: Stamp = [st.size, st.mtimeMs, st.ctimeMs, st.ino];
    const k = this.known.get(rel);
    if (k && sameStamp(k.stamp, stamp)) {
      this.trusted++;
      this.seen.set(rel, k);
      return k.digest;
    }
    const digest = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
    this.hashed++;
    this.seen.set(rel, { stamp, digest });
    return digest;
  }

  /**
   * Makes a hard link `target` to a file of this run (repository path `rel`), as fs.linkSync. A
   * link made and removed changes the file's change time only; `unlink` then moves the file's
   * entry to its new stat, so the next run does not read it again.
   */
  link(rel: string, abs: string, target: string): void {
    const before = stampOf(fs.statSync(abs));
    fs.linkSync(abs, target);
    const seen = this.seen.get(rel);
    // Followed only when the file is as this run hashed it right up to the link.
    let linked: Stamp | undefined;
    try {
      if (seen !== undefined && sameStamp(seen.stamp, before)) linked = stampOf(fs.statSync(target));
    } catch {
      linked = undefined; // not followed: the next run reads the file again
    }
    this.links.set(rel, { abs, linked });
  }

  /**
   * Removes a link made by `link`. The entry takes the file's new stat when nothing but the link
   * and its removal changed the file: its stat right before the removal is the one right after
   * the link, and size, modification time and inode are still those hashed.
   */
  unlink(rel: string, target: string): void {
    const link = this.links.get(rel);
    this.links.delete(rel);
    const before = link?.linked ? stampOf(fs.statSync(target)) : undefined;
    fs.unlinkSync(target);
    if (!link?.linked || !before || !sameStamp(link.linked, before)) return;
    const seen = this.seen.get(rel);
    let now: Stamp;
    try {
      now = stampOf(fs.statSync(link.abs));
    } catch {
      return;
    }
    if (!seen || now[0] !== seen.stamp[0] || now[1] !== seen.stamp[1] || now[3] !== seen.stamp[3]) return;
    this.seen.set(rel, { stamp: now, digest: seen.digest });
    this.restamped++;
  }

  /** Writes the entries of this run's files (and only them) when any was read or moved. */
  save(): void {
    if (
      !this.enabled ||
      (this.hashed === 0 &&
        this.restamped === 0 &&
        this.listed === 0 &&
        this.seen.size === this.known.size &&
        this.seenDirs.size === this.knownDirs.size)
    )
      return;
    // Each walked folder's files side by side, then the files seen outside a walk.
    const paths: string[] = [];
    const dirs = [...this.seenDirs.keys()];
    const dirStamps = new Float64Array(dirs.length * 3);
    const dirFiles = new Int32Array(dirs.length * 2);
    dirs.forEach((d, i) => {
      const { stamp, files } = this.seenDirs.get(d)!;
      dirStamps.set(stamp, i * 3);
      const kept = files.filter((f) => this.seen.has(f));
      dirFiles[i * 2] = paths.length;
      dirFiles[i * 2 + 1] = kept.length === files.length ? kept.length : -1;
      for (const f of kept) paths.push(f);
    });
    if (paths.length < this.seen.size) {
      const placed = new Set(paths);
      for (const p of this.seen.keys()) if (!placed.has(p)) paths.push(p);
    }
    const stamps = new Float64Array(paths.length * 4);
    const digests = Buffer.alloc(paths.length * 32);
    paths.forEach((p, i) => {
      const { stamp, digest } = this.seen.get(p)!;
      stamps.set(stamp, i * 4);
      digests.write(digest, i * 32, 'hex');
    });
    const stored: Stored = { writtenMs: Date.now(), paths, stamps, digests, dirs, dirStamps, dirFiles };
    try {
      writeAtomic(this.file, v8.serialize(stored));
    } catch {
      // Unremembered: the next run reads the files again.
    }
  }
}
