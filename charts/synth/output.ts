/**
 * The two ways `npm run synth` meets the output on disk, both over the one compile path
 * (`compileOutput`): compare a fresh compile with dist/ and argocd/ (--check), or write it, under
 * the output lock, staged beside the live folders and swapped in (synth/write.ts).
 */
import { DIRS } from '../lib/constants';
import { type CompileResult, compileOutput, type SynthPool } from './parallel';
import { OUTPUT_DIRS, type SynthInput } from './synthesize';
import {
  beginWrite,
  drift,
  existingFiles,
  lockOutput,
  OutputSink,
  recoverInterruptedSwap,
  type WriteReport,
} from './write';

/** Tenants that have a folder in the current dist/ but not in the new output, as <env>/<tenant>. */
export function removedTenants(root: string, produced: Iterable<string>): string[] {
  const dirs = new Set<string>();
  for (const f of existingFiles(root, [DIRS.dist])) {
    const parts = f.split('/');
    if (parts[2] === DIRS.tenants && parts.length > 4) dirs.add(`${parts[1]}/${parts[3]}`);
  }
  for (const f of produced) {
    const parts = f.split('/');
    if (parts[2] === DIRS.tenants && parts.length > 4) dirs.delete(`${parts[1]}/${parts[3]}`);
  }
  return [...dirs].sort();
}

/** What differs between a fresh compile and the output on disk: one line per file. */
export async function checkOutput(
  root: string,
  input: SynthInput,
  pool?: SynthPool,
): Promise<{ produced: Set<string>; stale: string[] }> {
  const spec = { root, whole: [] };
  const { produced, reports } = await compileOutput(input, new OutputSink(spec), spec, pool);
  const found = drift(root, OUTPUT_DIRS, produced, reports);
  return {
    produced,
    stale: [
      ...found.changed.map((f) => `changed: ${f}`),
      ...found.missing.map((f) => `missing: ${f}`),
      ...found.extra.map((f) => `extra:   ${f}`),
    ],
  };
}

export interface WriteOutcome {
  readonly produced: Set<string>;
  readonly report: WriteReport;
  /** Tenant folders the new output no longer has (<env>/<tenant>). */
  readonly removed: string[];
  /** Folders an interrupted earlier run had left half swapped, now finished. */
  readonly recovered: string[];
  /** When compiling and staging ended (process.hrtime.bigint()). */
  readonly compiled: bigint;
}

/** Compiles into dist/ and argocd/: nothing changes on disk unless the whole compile succeeds. */
export async function writeOutput(root: string, input: SynthInput, pool?: SynthPool): Promise<WriteOutcome> {
  const release = lockOutput(root);
  try {
    const recovered = recoverInterruptedSwap(root);
    const pending = beginWrite(root, OUTPUT_DIRS);
    let result: CompileResult;
    try {
      result = await compileOutput(input, pending.sink, pending.spec, pool);
    } catch (e) {
      pending.abort();
      throw e;
    }
    const compiled = process.hrtime.bigint();
    const removed = removedTenants(root, result.produced);
    const report = pending.commit(result.produced, result.reports.slice(1));
    return { produced: result.produced, report, removed, recovered, compiled };
  } finally {
    release();
  }
}
