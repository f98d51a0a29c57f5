/**
 * Clean verdicts of the gates' file tools, remembered across runs by content digest, so a run
 * after a small change validates only the files that changed (as the gitleaks history scan
 * scans only commits after the last clean one).
 *
 * A verdict is remembered only when the tool found nothing in the file, under a key made of
 * everything else the verdict depends on: the tool's build stamp (module, version, sources), the
 * schema set or configuration, and the arguments. Files with findings are validated on every
 * run, so every problem is reported every time. The store lives under .tools/verdicts (not
 * committed); a fresh clone starts empty and validates everything. VALIDATE_CACHE=off ignores
 * and leaves the store, for a run that validates every file again.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryHome } from '../toolchain/tools';
import { writeAtomic } from '../../charts/lib/write-atomic';

/** Remembered verdicts kept per key; the least recently seen go first beyond this. */
export const MAX_VERDICTS = 500_000;

/** The verdicts of one file of a store. */
interface Shard {
  readonly file: string;
  readonly entries: Map<string, number>;
  /** Digests found clean during this run: kept before the others when the shard is trimmed. */
  readonly seen: Set<string>;
  changed: boolean;
}

export class CleanVerdicts {
  private readonly base: string;
  private readonly shards = new Map<string, Shard>();
  private readonly enabled: boolean;
  /** Files found clean in the store during this run. */
  remembered = 0;

  /**
   * `inputs` are everything the verdicts depend on besides the file itself. `sharded`: the store is
   * split by the digests' first two characters into files read only when a digest of theirs is
   * asked for, so a run that asks about a few files reads a few small files.
   */
  constructor(
    gate: string,
    inputs: readonly string[],
    home = memoryHome(),
    env: NodeJS.ProcessEnv = process.env,
    private readonly sharded = false,
  ) {
    const key = createHash('sha256').update(inputs.join('\0')).digest('hex').slice(0, 32);
    this.base = path.join(home, 'verdicts', gate, key);
    this.enabled = env.VALIDATE_CACHE !== 'off';
  }

  private shard(digest: string): Shard {
    const file = this.sharded ? path.join(this.base, `${digest.slice(0, 2)}.tsv`) : `${this.base}.tsv`;
    let shard = this.shards.get(file);
    if (shard) return shard;
    shard = { file, entries: new Map(), seen: new Set(), changed: false };
    this.shards.set(file, shard);
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // Nothing remembered yet.
    }
    for (const line of text.split('\n')) {
      const [d, count] = line.split('\t');
      if (/^[0-9a-f]{64}$/.test(d) && /^\d+$/.test(count ?? '')) shard.entries.set(d, Number(count));
    }
    return shard;
  }

  /** The number of resources of a file found clean before, or undefined. */
  clean(digest: string | undefined): number | undefined {
    if (!this.enabled || digest === undefined) return undefined;
    const shard = this.shard(digest);
    const n = shard.entries.get(digest);
    if (n !== undefined) {
      this.remembered++;
      shard.seen.add(digest);
    }
    return n;
  }

  /** Records a file the tool found clean. */
  add(digest: string | undefined, resources: number): void {
    if (!this.enabled || digest === undefined) return;
    const shard = this.shard(digest);
    shard.entries.delete(digest);
    shard.entries.set(digest, resources);
    shard.changed = true;
  }

  /**
   * Writes each file of the store that gained verdicts (atomically), keeping the newest
   * MAX_VERDICTS of the store: those added or seen in this run last.
   */
  save(): void {
    if (!this.enabled) return;
    const limit = this.sharded ? Math.ceil(MAX_VERDICTS / 256) : MAX_VERDICTS;
    for (const shard of this.shards.values()) {
      if (!shard.changed) continue;
      for (const d of shard.seen) {
        const n = shard.entries.get(d);
        if (n === undefined) continue;
        shard.entries.delete(d);
        shard.entries.set(d, n);
      }
      shard.seen.clear();
      const lines = [...shard.entries].slice(-limit).map(([d, n]) => `${d}\t${n}\n`);
      writeAtomic(shard.file, lines.join(''));
      shard.changed = false;
    }
  }
}

/** sha256 of a text, for keys. */
export function digestOf(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
