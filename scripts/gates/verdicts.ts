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

/** Remembered verdicts kept per key; the least recently seen go first beyond this. */
export const MAX_VERDICTS = 500_000;

export class CleanVerdicts {
  private readonly file: string;
  private readonly entries = new Map<string, number>();
  private readonly enabled: boolean;
  private changed = false;
  /** Digests found clean during this run: kept before the others when the store is trimmed. */
  private readonly seen = new Set<string>();
  /** Files found clean in the store during this run. */
  remembered = 0;

  /** `inputs` are everything the verdicts depend on besides the file itself. */
  constructor(gate: string, inputs: readonly string[], home = memoryHome(), env: NodeJS.ProcessEnv = process.env) {
    const key = createHash('sha256').update(inputs.join('\0')).digest('hex').slice(0, 32);
    this.file = path.join(home, 'verdicts', gate, `${key}.tsv`);
    this.enabled = env.VALIDATE_CACHE !== 'off';
    if (!this.enabled || !fs.existsSync(this.file)) return;
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      const [digest, count] = line.split('\t');
      if (/^[0-9a-f]{64}$/.test(digest) && /^\d+$/.test(count ?? '')) this.entries.set(digest, Number(count));
    }
  }

  /** The number of resources of a file found clean before, or undefined. */
  clean(digest: string | undefined): number | undefined {
    if (!this.enabled || digest === undefined) return undefined;
    const n = this.entries.get(digest);
    if (n !== undefined) {
      this.remembered++;
      this.seen.add(digest);
    }
    return n;
  }

  /** Records a file the tool found clean. */
  add(digest: string | undefined, resources: number): void {
    if (!this.enabled || digest === undefined) return;
    this.entries.delete(digest);
    this.entries.set(digest, resources);
    this.changed = true;
  }

  /**
   * Writes the store (atomically) when it gained verdicts, keeping the newest MAX_VERDICTS: those
   * added or seen in this run last.
   */
  save(): void {
    if (!this.enabled || !this.changed) return;
    for (const d of this.seen) {
      const n = this.entries.get(d);
      if (n === undefined) continue;
      this.entries.delete(d);
      this.entries.set(d, n);
    }
    this.seen.clear();
    const lines = [...this.entries].slice(-MAX_VERDICTS).map(([d, n]) => `${d}\t${n}\n`);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, lines.join(''));
    fs.renameSync(tmp, this.file);
    this.changed = false;
  }
}

/** sha256 of a text, for keys. */
export function digestOf(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
