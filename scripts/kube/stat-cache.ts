/**
 * File digests remembered by what a stat says, as git's index does: a file whose size, mtime,
 * ctime and inode are those recorded with its digest is not read again. An entry is trusted only
 * if its file was last changed well before the record was written ("racy" entries: a rewrite in
 * the same clock tick keeps the times), so a file rewritten in place is always read again by
 * `digest`. One record per output root under .tools/records/; VALIDATE_CACHE=off reads every file
 * and leaves the record alone.
 *
 * `files` walks whole folders, as git's untracked cache does: a folder whose times and inode are
 * those recorded (and not racy) has the files and subfolders it had and is not listed again
 * (creating, deleting or renaming a file in it changes its times); each of its files is still
 * stat'ed, since a file rewritten in place keeps its folder's times.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import * as v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { memoryHome } from '../toolchain/tools';
import { writeAtomic } from '../../charts/lib/write-atomic';

/** How much older than the record a file's last change must be for its entry to be trusted. */
export const RACY_MS = 2000;

/** A record of at least this many files is also stat'ed on helper threads (`files`). */
export const HELPERS_FROM = 50_000;

/** Files per chunk that a thread claims at a time. */
export const CHUNK = 1024;

/**
 * A helper thread: loads the same record, then claims chunks from the end downwards and marks each
 * trusted file whose stat is the recorded one (the rule of `walk`). Plain JavaScript, run from the
 * sources and the bundle alike. claims: 0 free, 1 a helper's (in progress), 2 done, 3 the walk's.
 */
const HELPER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const v8 = require('node:v8');
let stored;
try {
  stored = v8.deserialize(fs.readFileSync(workerData.file));
} catch {}
parentPort.once('message', ({ prefix, writtenMs, chunk, trustable, claims, same, next }) => {
  parentPort.close();
  if (!stored || stored.writtenMs !== writtenMs || stored.paths.length !== trustable.length) return;
  const { paths, stamps } = stored;
  for (;;) {
    const c = Atomics.sub(next, 0, 1);
    if (c < 0) return;
    if (Atomics.compareExchange(claims, c, 0, 1) !== 0) continue;
    const end = Math.min(paths.length, (c + 1) * chunk);
    for (let i = c * chunk; i < end; i++) {
      if (!trustable[i]) continue;
      const st = fs.statSync(prefix + paths[i], { throwIfNoEntry: false });
      const o = i * 4;
      if (st && st.size === stamps[o] && st.mtimeMs === stamps[o + 1] && st.ctimeMs === stamps[o + 2] && st.ino === stamps[o + 3])
        same[i] = 1;
    }
    Atomics.store(claims, c, 2);
    Atomics.notify(claims, c);
  }
});
`;

/** Helper threads at work on the loaded record, and what they share with this one. */
interface Helpers {
  readonly workers: readonly Worker[];
  readonly chunk: number;
  /** Per chunk: who has it (HELPER's states). */
  readonly claims: Int32Array;
  /** Per file: 1 when a helper found its stat the recorded one. */
  readonly same: Uint8Array;
  /** The next chunk for a helper to claim. */
  readonly next: Int32Array;
}

/** How many helper threads: one fewer than the cores, at least one, at most three. */
const helperCount = () => Math.max(1, Math.min(3, os.availableParallelism() - 1));

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

/**
 * A folder as a walk saw it: its stamp and subfolders (repository paths), and its files either
 * as a range of the loaded record (trusted whole) or as repository paths (listed).
 */
interface DirEntry {
  readonly stamp: DirStamp;
  readonly subdirs: readonly string[];
  /** First index and count in the loaded record, for a folder trusted whole. */
  readonly range?: readonly [start: number, count: number];
  /** Its files, for a folder listed in this run. */
  readonly files?: readonly string[];
}

/** The name of a child in a walk's order: a folder sorts as its name followed by '/'. */
const byWalkOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const sameStamp = (a: Stamp, b: Stamp) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
const stampOf = (st: fs.Stats): Stamp => [st.size, st.mtimeMs, st.ctimeMs, st.ino];

/** Digests of the files of a root, remembered by stat. */
export class StatCache {
  private readonly file: string;
  private readonly enabled: boolean;
  /** The record as loaded; file entries are read from it by index. */
  private stored: Stored | undefined;
  /** Index in the loaded record of each path, built on first need (files digested outside a walk). */
  private index: Map<string, number> | undefined;
  /** Whether each loaded file entry is trusted (not racy). */
  private trustable: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private knownFiles = 0;
  /** Files digested one by one in this run. */
  private readonly seen = new Map<string, { stamp: Stamp; digest: string }>();
  /** Folders recorded by the last walk and not racy. */
  private readonly knownDirs = new Map<string, DirEntry & { range: readonly [number, number] }>();
  /** Each loaded folder's files as a range of the loaded record, racy or not. */
  private readonly loadedDirs = new Map<string, readonly [number, number]>();
  private readonly seenDirs = new Map<string, DirEntry>();
  /** Files of folders trusted whole in this run. */
  private trustedInDirs = 0;
  /** Threads stat'ing the loaded record's files while `files` walks (undefined: none). */
  private helpers: Helpers | undefined;
  /** Links made by `link`, not yet removed: the file, and its stat right after the link (undefined: not followed). */
  private readonly links = new Map<string, { abs: string; linked: Stamp | undefined }>();
  /** Files read and hashed during this run, files known by their stat, and entries moved by `unlink`. */
  hashed = 0;
  trusted = 0;
  restamped = 0;
  /** Folders listed during this run, and folders known by their stat. */
  listed = 0;
  trustedDirs = 0;
  /** Files of trusted folders whose stat a helper thread compared. */
  helped = 0;

  constructor(
    root: string,
    home = memoryHome(),
    env: NodeJS.ProcessEnv = process.env,
    private readonly racyMs = RACY_MS,
    helpersFrom = HELPERS_FROM,
    chunk = CHUNK,
  ) {
    const id = createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 16);
    this.file = path.join(home, 'records', `${id}.v8`);
    this.enabled = env.VALIDATE_CACHE !== 'off';
    if (!this.enabled) return;
    // The helpers load the record while this thread does: started first when it is large.
    let workers: Worker[] = [];
    try {
      // About 140 bytes per file (its path, stamp and digest).
      if (fs.statSync(this.file).size >= helpersFrom * 140)
        workers = Array.from({ length: helperCount() }, () => {
          const w = new Worker(HELPER, { eval: true, workerData: { file: this.file } });
          w.unref();
          // A helper that fails leaves its chunks to the walk (or its claimed one, after a wait).
          w.on('error', () => undefined);
          return w;
        });
    } catch {
      // No record: nothing to help with.
    }
    this.load();
    const n = this.stored?.paths.length ?? 0;
    if (workers.length === 0 || n < helpersFrom) {
      for (const w of workers) void w.terminate();
      return;
    }
    const chunks = Math.ceil(n / chunk);
    const trustable = new Uint8Array(new SharedArrayBuffer(n));
    trustable.set(this.trustable);
    this.trustable = trustable;
    this.helpers = {
      workers,
      chunk,
      claims: new Int32Array(new SharedArrayBuffer(chunks * 4)),
      same: new Uint8Array(new SharedArrayBuffer(n)),
      next: new Int32Array(new SharedArrayBuffer(4)).fill(chunks - 1),
    };
    const { claims, same, next } = this.helpers;
    const prefix = path.join(root, '/');
    for (const w of workers)
      w.postMessage({ prefix, writtenMs: this.stored!.writtenMs, chunk, trustable, claims, same, next });
  }

  /** Whether the helpers have no chunk left to claim or finish (for tests). */
  helpersIdle(): boolean {
    const h = this.helpers;
    return !h || (Atomics.load(h.next, 0) < 0 && !h.claims.some((c) => c === 1));
  }

  /**
   * Whether a helper found the stat of the loaded record's file i the recorded one: true or false
   * when its chunk is done, undefined when this thread is to stat it (the chunk is free, then
   * claimed here, or a helper took over a second without finishing it).
   */
  private helperSays(i: number): boolean | undefined {
    const h = this.helpers!;
    const c = (i / h.chunk) | 0;
    let state = Atomics.load(h.claims, c);
    if (state === 0) state = Atomics.compareExchange(h.claims, c, 0, 3) === 0 ? 3 : Atomics.load(h.claims, c);
    if (state === 1) {
      Atomics.wait(h.claims, c, 1, 1000);
      state = Atomics.load(h.claims, c);
    }
    return state === 2 ? h.same[i] === 1 : undefined;
  }

  /** Stops the helpers: no chunk is left for them. */
  private stopHelpers(): void {
    const h = this.helpers;
    if (!h) return;
    Atomics.store(h.next, 0, -1);
    for (const w of h.workers) void w.terminate();
    this.helpers = undefined;
  }

  private load(): void {
    let stored: Stored;
    try {
      stored = v8.deserialize(fs.readFileSync(this.file)) as Stored;
    } catch {
      return;
    }
    const { paths, stamps, digests, writtenMs, dirs = [], dirStamps, dirFiles } = stored;
    if (
      !Array.isArray(paths) ||
      !(stamps instanceof Float64Array) ||
      !Buffer.isBuffer(digests) ||
      stamps.length !== paths.length * 4 ||
      digests.length !== paths.length * 32
    )
      return;
    this.stored = stored;
    const limit = writtenMs - this.racyMs;
    this.trustable = new Uint8Array(paths.length);
    for (let i = 0; i < paths.length; i++) {
      // Racy: written too close to the record's writing for its modification time to tell a later
      // rewrite apart. (Its change time is compared, not aged: the secrets gate's links move it
      // right before the record is written, and a rewrite moves the modification time too.)
      if (stamps[i * 4 + 1] >= limit) continue;
      this.trustable[i] = 1;
      this.knownFiles++;
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
      if (start >= 0 && count >= 0 && start + count <= paths.length) this.loadedDirs.set(d, [start, count]);
      // Racy: changed too close to the record's writing for its times to tell a later change apart.
      if (stamp[0] >= limit || stamp[1] >= limit || start < 0 || count < 0 || start + count > paths.length) return;
      this.knownDirs.set(d, { stamp, subdirs: subdirs.get(d) ?? [], range: [start, count] });
    });
  }

  /** The loaded entry of a file: its stamp and digest. */
  private entry(i: number): { stamp: Stamp; digest: string } {
    const { stamps, digests } = this.stored!;
    return {
      stamp: [stamps[i * 4], stamps[i * 4 + 1], stamps[i * 4 + 2], stamps[i * 4 + 3]],
      digest: digests.toString('hex', i * 32, i * 32 + 32),
    };
  }

  /** Index of a path in the loaded record, or -1. */
  private indexOf(rel: string): number {
    if (!this.stored) return -1;
    if (!this.index) {
      this.index = new Map();
      this.stored.paths.forEach((p, i) => this.index!.set(p, i));
    }
    return this.index.get(rel) ?? -1;
  }

  /**
   * Every file under the given top-level folders of root (repository paths, sorted) with its
   * SHA-256: a folder whose stat is the recorded one has its recorded files and subfolders, and
   * its files their recorded digests; any other folder is listed and its files `digest`ed.
   */
  files(root: string, tops: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    try {
      for (const top of [...tops].sort()) this.walk(root, top, out);
    } finally {
      this.stopHelpers();
    }
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
      const { paths, stamps, digests } = this.stored!;
      const [start, count] = k.range;
      const prefix = path.join(root, '/');
      // Each file is stat'ed (a rewrite in place keeps its folder's times) and read only when its
      // stat is not the recorded one. Files and subfolders merged in path order (a subfolder sorts
      // as its name and '/').
      let changed = false;
      let j = 0;
      const withHelpers = this.helpers !== undefined;
      for (let i = start; i < start + count; i++) {
        const f = paths[i];
        while (j < k.subdirs.length && byWalkOrder(`${k.subdirs[j]}/`, f) < 0) this.walk(root, k.subdirs[j++], out);
        let same = withHelpers ? this.helperSays(i) : undefined;
        if (same === undefined) {
          const st = fs.statSync(prefix + f);
          const o = i * 4;
          same =
            this.trustable[i] === 1 &&
            st.size === stamps[o] &&
            st.mtimeMs === stamps[o + 1] &&
            st.ctimeMs === stamps[o + 2] &&
            st.ino === stamps[o + 3];
        } else this.helped++;
        if (same) {
          this.trusted++;
          out.set(f, digests.toString('hex', i * 32, i * 32 + 32));
        } else {
          changed = true;
          out.set(f, this.digestAt(f, prefix + f, i));
        }
      }
      while (j < k.subdirs.length) this.walk(root, k.subdirs[j++], out);
      if (!changed) {
        this.trustedInDirs += count;
        this.seenDirs.set(rel, k);
        return;
      }
      // Its files one by one, as a listed folder's.
      const files = paths.slice(start, start + count);
      files.forEach((f, n) => {
        if (!this.seen.has(f)) this.seen.set(f, this.entry(start + n));
      });
      this.seenDirs.set(rel, { stamp: k.stamp, subdirs: k.subdirs, files });
      return;
    }
    this.listed++;
    // The folder's files as last recorded, found by name.
    const before = new Map<string, number>();
    const old = this.loadedDirs.get(rel);
    if (old) for (let i = old[0]; i < old[0] + old[1]; i++) before.set(this.stored!.paths[i], i);
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
        // A record without folders (an earlier format) is searched by path.
        const i = before.get(c.rel) ?? (this.stored?.dirs === undefined ? this.indexOf(c.rel) : -1);
        out.set(c.rel, this.digestAt(c.rel, path.join(root, c.rel), i));
      }
    }
    this.seenDirs.set(rel, { stamp, files, subdirs });
  }

  /** The SHA-256 (hex) of a file: remembered when its stat is the recorded one, else read and hashed. */
  digest(rel: string, abs: string): string {
    return this.digestAt(rel, abs, this.indexOf(rel));
  }

  /** `digest`, with the file's index in the loaded record (-1: none). */
  private digestAt(rel: string, abs: string, i: number): string {
    const st = fs.statSync(abs);
    const stamp: Stamp = [st.size, st.mtimeMs, st.ctimeMs, st.ino];
    if (i >= 0 && this.trustable[i]) {
      const k = this.entry(i);
      if (sameStamp(k.stamp, stamp)) {
        this.trusted++;
        this.seen.set(rel, k);
        return k.digest;
      }
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
        this.seen.size + this.trustedInDirs === this.knownFiles &&
        this.seenDirs.size === this.knownDirs.size)
    )
      return;
    // Each walked folder's files side by side (a trusted folder's copied from the loaded record),
    // then the files digested outside a walk.
    const total = this.seen.size + this.trustedInDirs;
    const paths: string[] = [];
    const stamps = new Float64Array(total * 4);
    const digests = Buffer.alloc(total * 32);
    const dirs = [...this.seenDirs.keys()];
    const dirStamps = new Float64Array(dirs.length * 3);
    const dirFiles = new Int32Array(dirs.length * 2);
    const placed = new Set<string>();
    const put = (p: string, entry: { stamp: Stamp; digest: string }) => {
      stamps.set(entry.stamp, paths.length * 4);
      digests.write(entry.digest, paths.length * 32, 'hex');
      paths.push(p);
    };
    dirs.forEach((d, i) => {
      const dir = this.seenDirs.get(d)!;
      dirStamps.set(dir.stamp, i * 3);
      dirFiles[i * 2] = paths.length;
      if (dir.range) {
        const [start, count] = dir.range;
        const from = this.stored!;
        stamps.set(from.stamps.subarray(start * 4, (start + count) * 4), paths.length * 4);
        from.digests.copy(digests, paths.length * 32, start * 32, (start + count) * 32);
        for (let j = start; j < start + count; j++) paths.push(from.paths[j]);
        dirFiles[i * 2 + 1] = count;
        return;
      }
      const files = dir.files!.filter((f) => this.seen.has(f));
      for (const f of files) {
        put(f, this.seen.get(f)!);
        placed.add(f);
      }
      dirFiles[i * 2 + 1] = files.length === dir.files!.length ? files.length : -1;
    });
    for (const [p, entry] of this.seen) if (!placed.has(p)) put(p, entry);
    const stored: Stored = {
      writtenMs: Date.now(),
      paths,
      stamps: stamps.subarray(0, paths.length * 4),
      digests: digests.subarray(0, paths.length * 32),
      dirs,
      dirStamps,
      dirFiles,
    };
    try {
      writeAtomic(this.file, v8.serialize(stored));
    } catch {
      // Unremembered: the next run reads the files again.
    }
  }
}
