/**
 * Compilation straight into the output, on several cores. The tenants' files, nearly all of the
 * work, are compiled by worker threads in batches; each worker compares its files with the live
 * output and stages the new and changed ones itself, and sends back only their paths. Meanwhile
 * this thread compiles the platform and the Argo CD objects. Paths are then checked in the order
 * of `synthesize` (`assemble`), so the files staged are byte for byte those of `synthesize`, and
 * memory does not grow with the size of the output.
 *
 * A worker runs this very module: as the synth bundle (see scripts/launch.cjs), or through tsx
 * when the sources run directly (tests).
 */
import * as os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Environment } from '../config/environment';
import type { InfraOutputs } from '../config/infra-outputs';
import type { Tenant } from '../config/load-tenants';
import { DIRS } from '../lib/constants';
import { assemble, collision, environmentParts, type SynthInput, tenantFiles, tenantSegments } from './synthesize';
import { OutputSink, type SinkReport, type SinkSpec } from './write';

/** Top-level directories of the output. */
export const OUTPUT_DIRS: readonly string[] = [DIRS.argocd, DIRS.dist].sort();

/** Below this many tenant folders (tenants × environments), starting workers costs more than it saves. */
export const PARALLEL_THRESHOLD = 400;

/** Tenants per batch: small enough to balance the workers, large enough to keep messages few. */
const BATCH = 20;

const WORKER_TAG = 'agentic-platform-synth-worker';

/** What a worker needs besides its batches: sent once at start. */
interface Setup {
  readonly environments: readonly Environment[];
  readonly infra: readonly [string, InfraOutputs][];
  readonly segments: readonly [string, string][];
  readonly spec: SinkSpec;
}

interface Batch {
  readonly id: number;
  readonly tenants: readonly Tenant[];
}

interface BatchResult {
  readonly id: number;
  /** Per tenant of the batch, per environment: the paths of the tenant's files in order. */
  readonly paths?: string[][][];
  readonly report?: SinkReport;
  readonly error?: string;
}

/** What compiling into a sink produced. */
export interface CompileResult {
  /** Every path, in the order of `synthesize`. */
  readonly produced: Set<string>;
  /** What each sink (this thread's, then each batch's) saw. */
  readonly reports: SinkReport[];
}

/** Worker count by default: one per core. */
export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism());
}

function startWorker(setup: Setup): Worker {
  const data = { [WORKER_TAG]: setup };
  // The bundle is plain JavaScript; the TypeScript sources need tsx's require hook in the worker.
  if (__filename.endsWith('.js') || __filename.endsWith('.cjs')) return new Worker(__filename, { workerData: data });
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: data });
}

/** Compiles the batches on `jobs` workers; resolves with each batch's result by id. */
async function runWorkers(batches: readonly Batch[], jobs: number, setup: Setup): Promise<BatchResult[]> {
  const results: BatchResult[] = new Array(batches.length);
  const pool = Array.from({ length: jobs }, () => startWorker(setup));
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let finished = 0;
      const feed = (w: Worker) => {
        if (next < batches.length) w.postMessage(batches[next++]);
      };
      for (const w of pool) {
        w.on('message', (r: BatchResult) => {
          if (r.error !== undefined || !r.paths) {
            reject(new Error(r.error ?? 'synth worker returned no files'));
            return;
          }
          results[r.id] = r;
          if (++finished === batches.length) resolve();
          else feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (finished < batches.length) reject(new Error(`synth worker stopped with exit code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

/**
 * Compiles the whole output into a sink: files go to `sink` (this thread's) or to the workers'
 * own sinks opened from `sink`'s spec. Two outputs with one path abort, as in `synthesize`.
 */
export async function compileOutput(input: SynthInput, sink: OutputSink, spec: SinkSpec, jobs: number = defaultJobs()): Promise<CompileResult> {
  const produced = new Set<string>();
  const record = (p: string) => {
    if (produced.has(p)) throw collision(p);
    if (!OUTPUT_DIRS.includes(p.slice(0, p.indexOf('/')))) throw new Error(`synth: ${p} is outside ${OUTPUT_DIRS.join('/ and ')}/`);
    produced.add(p);
  };
  const onFile = (p: string, c: string) => {
    record(p);
    sink.put(p, c);
  };
  const segments = tenantSegments(input.tenants);
  const batches: Batch[] = [];
  for (let i = 0; i < input.tenants.length; i += BATCH) batches.push({ id: batches.length, tenants: input.tenants.slice(i, i + BATCH) });
  const workers = Math.min(jobs, batches.length);

  if (workers < 2 || input.tenants.length * input.environments.length < PARALLEL_THRESHOLD) {
    assemble(input, environmentParts(input), onFile, (t, part) => {
      for (const [p, c] of tenantFiles(t, part.env, part.infra, segments)) onFile(p, c);
    });
    return { produced, reports: [sink.report] };
  }

  const setup: Setup = { environments: input.environments, infra: [...input.infra], segments: [...segments], spec };
  const running = runWorkers(batches, workers, setup);
  // This thread compiles the shared files while the workers compile the tenants. A failure here
  // still waits for the workers, so that none writes into a staging directory being dropped.
  let parts: ReturnType<typeof environmentParts> | undefined;
  let failure: unknown;
  try {
    parts = environmentParts(input);
  } catch (e) {
    failure = e;
  }
  const results = await running;
  if (!parts) throw failure;
  assemble(input, parts, onFile, (_t, _part, i, e) => {
    for (const p of results[Math.floor(i / BATCH)].paths![i % BATCH][e]) record(p);
  });
  return { produced, reports: [sink.report, ...results.map((r) => r.report!)] };
}

/** The worker side: compiles each batch it is sent for every environment into its own sink. */
function serve(setup: Setup): void {
  const infra = new Map(setup.infra);
  const segments = new Map(setup.segments);
  parentPort?.on('message', (batch: Batch) => {
    let result: BatchResult;
    try {
      const sink = new OutputSink(setup.spec);
      const paths = batch.tenants.map((t) =>
        setup.environments.map((env) => {
          const outputs = infra.get(env.name);
          if (!outputs) throw new Error(`synth: no cluster outputs for environment ${env.name}`);
          const names: string[] = [];
          for (const [p, c] of tenantFiles(t, env, outputs, segments)) {
            sink.put(p, c);
            names.push(p);
          }
          return names;
        }),
      );
      result = { id: batch.id, paths, report: sink.report };
    } catch (e) {
      result = { id: batch.id, error: e instanceof Error ? e.message : String(e) };
    }
    parentPort?.postMessage(result);
  });
}

if (!isMainThread && workerData && typeof workerData === 'object' && WORKER_TAG in workerData) {
  serve((workerData as Record<string, Setup>)[WORKER_TAG]);
}
