/**
 * Clean results of whole gates, remembered across runs under a key made of everything the gate
 * reads: the code stamp (code-stamp.ts: the gates, the compiler's names and rules they import, the
 * libraries), the tools' build stamps, and the output as the gate's view shows it (views.ts). A
 * gate whose key is remembered clean is not run again; a gate that found problems is run every
 * time, so every problem is reported every time. Keys come from contents,
 * never from timestamps. VALIDATE_CACHE=off ignores and leaves the store (.tools/verdicts/<gate>/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codeStamp } from '../kube/code-stamp';
import type { GateResult, Output } from '../kube/manifests';
import { sha256 } from '../kube/record';
import { memoryHome } from '../toolchain/tools';
import { type View, viewKeys, viewOutput } from './views';
import { writeAtomic } from '../../charts/lib/write-atomic';

/** Clean results kept per gate; the least recently seen go first. */
export const MAX_RESULTS = 64;

type Remembered = Pick<GateResult, 'checked' | 'unit' | 'notes'>;

/** A gate's store of clean results. */
export class GateMemo {
  private readonly file: string;
  private readonly enabled: boolean;
  readonly key: string;

  /** `inputs`: everything the gate's verdict depends on, besides the code stamp. */
  constructor(
    readonly gate: string,
    inputs: readonly string[],
    home = memoryHome(),
    env: NodeJS.ProcessEnv = process.env,
    stamp = codeStamp(),
  ) {
    this.key = sha256([gate, stamp, ...inputs].join('\0'));
    this.file = path.join(home, 'verdicts', gate, 'results.json');
    this.enabled = env.VALIDATE_CACHE !== 'off';
  }

  private entries(): [string, Remembered][] {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as [string, Remembered][];
    } catch {
      return [];
    }
  }

  /** The clean result remembered for the key, or undefined. */
  recall(): Remembered | undefined {
    if (!this.enabled) return undefined;
    return this.entries().find(([k]) => k === this.key)?.[1];
  }

  /** Remembers a result when it is clean. */
  remember(r: GateResult): void {
    if (!this.enabled || r.errors.length > 0) return;
    const kept = this.entries().filter(([k]) => k !== this.key);
    kept.push([this.key, { checked: r.checked, unit: r.unit, ...(r.notes ? { notes: r.notes } : {}) }]);
    try {
      writeAtomic(this.file, JSON.stringify(kept.slice(-MAX_RESULTS)));
    } catch {
      // Unremembered: the next run checks again.
    }
  }
}

/**
 * Runs a gate unless its clean result is remembered for `inputs`; a remembered result says so in
 * its notes.
 */
export async function remembered(
  gate: string,
  inputs: readonly string[],
  run: () => Promise<GateResult> | GateResult,
): Promise<GateResult> {
  const started = Date.now();
  const memo = new GateMemo(gate, inputs);
  const known = memo.recall();
  if (known)
    return {
      gate,
      ...known,
      errors: [],
      ms: Date.now() - started,
      notes: [...(known.notes ?? []), 'remembered clean for the same output, inputs and code'],
    };
  const result = await run();
  memo.remember(result);
  return result;
}

/**
 * Runs a gate over the output seen through its view (`views[gate]`, views.ts), unless its clean
 * result is remembered for the view's key and `inputs`: a run after an edit the gate does not
 * read neither parses the output nor runs the gate. The keys of all `views` are computed together,
 * so a directory not seen before is read once for all of them.
 */
export function rememberedByView(
  gate: string,
  output: Output,
  views: Readonly<Record<string, View>>,
  inputs: readonly string[],
  run: (viewed: Output) => Promise<GateResult> | GateResult,
): Promise<GateResult> {
  const view = views[gate];
  const key = process.env.VALIDATE_CACHE === 'off' ? undefined : viewKeys(output, views)[gate];
  if (key === undefined) return Promise.resolve(run(viewOutput(output, view)));
  return remembered(gate, [key, ...inputs], () => run(viewOutput(output, view)));
}
