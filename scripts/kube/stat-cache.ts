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

/** Digests of the files of a root, remembered by stat. */
export class StatCache {
  private readonly file: string;
  private readonly enabled: boolean;
  private readonly known = new Map<string, { stamp: Stamp; digest: string }>();
  private readonly seen = new Map<string, { stamp: Stamp; digest: string }>();
  /** Files read and hashed during this run, and files known by their stat. */
  hashed = 0;
  trusted = 0;

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

  /** Writes the entries of this run's files (and only them) when any was read. */
  save(): void {
    if (!this.enabled || (this.hashed === 0 && this.seen.size === this.known.size)) return;
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
