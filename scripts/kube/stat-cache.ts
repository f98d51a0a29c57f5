/**
 * File digests remembered by what a stat says, as git's index does: a file whose size, mtime,
 * ctime and inode are those recorded with its digest is not read again. An entry is trusted only
 * if its file was last changed well before the record was written ("racy" entries: a rewrite in
 * the same clock tick keeps the times), so a file rewritten in place is always read again. One
 * record per output root under .tools/records/; VALIDATE_CACHE=off reads every file and leaves the
 * record alone.
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
}

const sameStamp = (a: Stamp, b: Stamp) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
const stampOf = (st: fs.Stats): Stamp => [st.size, st.mtimeMs, st.ctimeMs, st.ino];

/** Digests of the files of a root, remembered by stat. */
export class StatCache {
  private readonly file: string;
  private readonly enabled: boolean;
  private readonly known = new Map<string, { stamp: Stamp; digest: string }>();
  private readonly seen = new Map<string, { stamp: Stamp; digest: string }>();
  /** Links made by `link`, not yet removed: the file, and its stat right after the link (undefined: not followed). */
  private readonly links = new Map<string, { abs: string; linked: Stamp | undefined }>();
  /** Files read and hashed during this run, files known by their stat, and entries moved by `unlink`. */
  hashed = 0;
  trusted = 0;
  restamped = 0;

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
    const { paths, stamps, digests, writtenMs } = stored;
    if (!Array.isArray(paths) || stamps.length !== paths.length * 4 || digests.length !== paths.length * 32) return;
    const limit = writtenMs - this.racyMs;
    for (let i = 0; i < paths.length; i++) {
      const stamp: Stamp = [stamps[i * 4], stamps[i * 4 + 1], stamps[i * 4 + 2], stamps[i * 4 + 3]];
      // Racy: changed too close to the record's writing for its times to tell a later rewrite apart.
      if (stamp[1] >= limit || stamp[2] >= limit) continue;
      this.known.set(paths[i], { stamp, digest: digests.toString('hex', i * 32, i * 32 + 32) });
    }
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
    if (!this.enabled || (this.hashed === 0 && this.restamped === 0 && this.seen.size === this.known.size)) return;
    const paths = [...this.seen.keys()];
    const stamps = new Float64Array(paths.length * 4);
    const digests = Buffer.alloc(paths.length * 32);
    paths.forEach((p, i) => {
      const { stamp, digest } = this.seen.get(p)!;
      stamps.set(stamp, i * 4);
      digests.write(digest, i * 32, 'hex');
    });
    const stored: Stored = { writtenMs: Date.now(), paths, stamps, digests };
    try {
      writeAtomic(this.file, v8.serialize(stored));
    } catch {
      // Unremembered: the next run reads the files again.
    }
  }
}
