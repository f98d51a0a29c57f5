/**
 * Clean results of whole gates, remembered across runs under a key made of everything the gate
 * reads: the code stamp (code-stamp.ts: the gates, the compiler's names and rules they import, the
 * libraries), the tools' build stamps, and the digests of the output and the files of the root
 * the gate reads. A gate whose key is remembered clean is not run again; a gate that found
 * problems is run every time, so every problem is reported every time. Keys come from contents,
 * never from timestamps. VALIDATE_CACHE=off ignores and leaves the store (.tools/verdicts/<gate>/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codeStamp } from '../kube/code-stamp';
import type { GateResult, Output } from '../kube/manifests';
import { keyOf, sha256 } from '../kube/record';
import { memoryHome } from '../toolchain/tools';

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
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, JSON.stringify(kept.slice(-MAX_RESULTS)));
      fs.renameSync(tmp, this.file);
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

const outputKeys = new WeakMap<Output, string>();

/** A key over an output: each environment's name, version and trust domain, and every file's digest. */
export function outputKey(output: Output): string {
  let key = outputKeys.get(output);
  if (key === undefined) {
    const envs = output.environments.map((e) => `${e.name} ${e.kubernetesVersion} ${e.trustDomain}`).join('\n');
    key = sha256(`${envs}\0${output.record.globalKey}\0${keyOf([...output.record.units].map(([n, u]) => [n, u.key]))}`);
    outputKeys.set(output, key);
  }
  return key;
}

/** sha256 of a file under root, or "absent". */
export function fileKey(root: string, rel: string): string {
  const file = path.join(root, rel);
  return `${rel}\0${fs.existsSync(file) ? sha256(fs.readFileSync(file)) : 'absent'}`;
}
