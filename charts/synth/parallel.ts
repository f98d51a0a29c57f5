/**
 * Compilation straight into the output, on several cores. The tenants' units (every file of a
 * tenant, `tenantUnitFiles`), nearly all of the work, are compiled by worker threads in batches;
 * each worker compares its files with the live output and stages the new and changed ones
 * itself, and sends back only their paths. Meanwhile this thread compiles the environments'
 * shared files. Paths are then checked in the order of `synthesize` (`assemble`), so the files
 * staged are byte for byte those of `synthesize`, and memory does not grow with the size of the
 * output.
 *
 * A worker runs this very module: as the synth bundle (see scripts/launch.cjs), or through tsx
 * when the sources run directly (tests).
 */
import * as os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Environment } from '../config/environment';
import type { InfraOutputs } from '../config/infra-outputs';
import {
  countTenantEntries,
  type LoadOptions,
  loadTenants,
  readTenantChunk,
  splitTenantsText,
  type Tenant,
  type TenantChunk,
  tenantsFromChunks,
  type TextChunk,
} from '../config/load-tenants';
import {
  assemble,
  checkInsideOutput,
  collision,
  type EnvironmentPart,
  environmentPart,
  type KnownFile,
  type SharedContent,
  type RememberFor,
  ProducedPaths,
  contentOf,
  type SynthInput,
  tenantSegments,
  tenantUnitFiles,
} from './synthesize';
import { ContentDigest, contentDigest, TrackedSegments } from './units';
import { OutputSink, type SinkReport, type SinkSpec } from './write';

/** Below this many tenant folders (tenants × environments), starting workers costs more than it saves. */
export const PARALLEL_THRESHOLD = 400;

/**
 * Whether a registry is worth starting workers for: enough tenant folders for the compile stage
 * to use them (the count of entries is read from the text without parsing it).
 */
export function worthThreads(text: string, environments: number): boolean {
  return countTenantEntries(text) * environments >= PARALLEL_THRESHOLD;
}

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

/** What compiling one tenant in one environment produced. */
export interface UnitResult {
  /** The paths of its files, in order. */
  readonly paths: string[];
  /** The route segments of other tenants it read (`TrackedSegments.reads`). */
  readonly reads: [string, string | null][];
  /** Digest of its files' paths and contents. */
  readonly content: string;
}

interface BatchResult {
  readonly id: number;
  /** Per tenant of the batch, per environment. */
  readonly units?: UnitResult[][];
  readonly report?: SinkReport;
  readonly error?: string;
}

/** What compiling into a sink produced. */
export interface CompileResult {
  /** Every path, in the order of `synthesize`; with a plan, only the compiled units' and the shared files'. */
  readonly produced: Set<string>;
  /** How many files the output has. */
  readonly files: number;
  /** What each sink (this thread's, then each batch's) saw. */
  readonly reports: SinkReport[];
  /** Per tenant index, per environment index: the units compiled (absent for those the plan does not compile). */
  readonly units: (UnitResult[] | undefined)[];
  /** Files that belong to no tenant: path → content digest. */
  readonly shared: Map<string, string>;
}

/**
 * Which tenants to compile: the others' files are known from the record of an earlier run and
 * are on disk already. Without a plan every tenant is compiled.
 */
export interface CompilePlan {
  /** Per tenant index: whether to compile it. */
  readonly compile: readonly boolean[];
  /** How many files a tenant not compiled has in an environment. */
  count(tenantIndex: number, envIndex: number): number;
  /**
   * The unit not compiled whose files include `path`, and the path's place among them. The units
   * not compiled have the paths the last write checked: inside the output, none shared by two.
   */
  owner(path: string): { readonly tenant: number; readonly env: number; readonly index: number } | undefined;
  /** The content digest the record says a shared file has on disk (undefined: none recorded). */
  onDisk?(path: string): string | undefined;
}

/**
 * The paths of a compile with a plan, checked as `ProducedPaths` checks every path of a fresh
 * compile, with the same first error, without listing the units not compiled: a compiled or shared
 * path that one of them has is a collision where the later of the two comes in `assemble` order.
 */
export class PlannedPaths {
  private readonly checked = new ProducedPaths();
  readonly paths = this.checked.paths;
  private known = 0;
  /** Units walked so far, in `assemble` order (environment-major). */
  private passed = 0;
  /** Per unit not compiled yet to come: the first of its paths already produced. */
  private readonly pending = new Map<number, { index: number; path: string }>();
  constructor(
    private readonly plan: CompilePlan,
    private readonly tenants: number,
  ) {}

  /** How many paths the output has. */
  get files(): number {
    return this.paths.size + this.known;
  }

  /** A path of a compiled unit or a shared file, in `assemble` order. */
  record(path: string): void {
    const owner = this.plan.owner(path);
    const unit = owner ? owner.env * this.tenants + owner.tenant : -1;
    if (owner && unit < this.passed) throw collision(path);
    this.checked.record(path);
    if (owner) {
      const first = this.pending.get(unit);
      if (!first || owner.index < first.index) this.pending.set(unit, { index: owner.index, path });
    }
  }

  /** A unit at its place in `assemble` order: the paths of a compiled one, none for one not compiled. */
  unit(tenantIndex: number, envIndex: number, paths: readonly string[] | undefined): void {
    if (paths) for (const p of paths) this.record(p);
    else {
      const first = this.pending.get(envIndex * this.tenants + tenantIndex);
      if (first) throw collision(first.path);
      this.known += this.plan.count(tenantIndex, envIndex);
    }
    this.passed++;
  }
}

/** Worker count by default: one per core. */
export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism());
}

type Request =
  | { readonly kind: 'parse'; readonly id: number; readonly text: string; readonly file: string }
  | { readonly kind: 'setup'; readonly setup: Setup }
  | ({ readonly kind: 'batch' } & Batch);

interface ParseResult {
  readonly id: number;
  readonly chunk?: TenantChunk;
  readonly error?: string;
}

/**
 * Worker threads shared by the stages of one synth, plus this thread: the workers start first, so
 * that they load the compiler while this thread reads the configuration; then all of them read a
 * large tenants.yaml in parts, then compile batches of tenants. Jobs come from one queue, so this
 * thread keeps working while the workers start, and the faster threads take more jobs.
 */
export class SynthPool {
  private readonly workers: Worker[];
  private failure: Error | undefined;
  private readonly listeners = new Set<(w: Worker, message: unknown) => void>();
  private readonly failed = new Set<(e: Error) => void>();

  /** `threads` in all, this one included: `threads - 1` workers. */
  constructor(readonly threads: number) {
    const data = { [WORKER_TAG]: true };
    this.workers = Array.from({ length: Math.max(0, threads - 1) }, () =>
      // The bundle is plain JavaScript; the TypeScript sources need tsx's require hook in the worker.
      __filename.endsWith('.js') || __filename.endsWith('.cjs')
        ? new Worker(__filename, { workerData: data })
        : new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: data }),
    );
    for (const w of this.workers) {
      w.on('message', (m: unknown) => {
        for (const l of this.listeners) l(w, m);
      });
      const fail = (e: Error) => {
        this.failure ??= e;
        for (const f of this.failed) f(e);
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`synth worker stopped with exit code ${code}`)));
    }
  }

  /**
   * Runs every job, on the next free worker (`send`) or on this thread (`local`), and collects
   * the answers by id, in job order. `before` runs on this thread first, while the workers start
   * on the queue.
   */
  private async run<J extends { id: number }, R extends { id: number; error?: string }>(
    jobs: readonly J[],
    send: (w: Worker, job: J) => void,
    local: (job: J) => R,
    before?: () => void,
  ): Promise<R[]> {
    const results: R[] = new Array(jobs.length);
    if (this.failure) throw this.failure;
    let next = 0;
    let finished = 0;
    let settle: ((e?: Error) => void) | undefined;
    const all = new Promise<void>((resolve, reject) => {
      settle = (e?: Error) => {
        this.listeners.delete(onMessage);
        this.failed.delete(onFailure);
        if (e) reject(e);
        else resolve();
      };
    });
    const feed = (w: Worker) => {
      if (next < jobs.length) send(w, jobs[next++]);
    };
    const onMessage = (w: Worker, m: unknown) => {
      const r = m as R;
      if (r.error !== undefined) return settle!(new Error(r.error));
      results[r.id] = r;
      if (++finished === jobs.length) settle!();
      else feed(w);
    };
    const onFailure = (e: Error) => settle!(e);
    this.listeners.add(onMessage);
    this.failed.add(onFailure);
    for (const w of this.workers) feed(w);
    let failure: unknown;
    try {
      before?.();
      while (next < jobs.length) {
        const job = jobs[next++];
        results[job.id] = local(job);
        if (++finished === jobs.length) settle!();
        // Lets the workers' answers in, so that they get their next job.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      failure = e;
    }
    if (failure !== undefined) settle!(failure instanceof Error ? failure : new Error(String(failure)));
    if (jobs.length === 0) settle!();
    await all;
    return results;
  }

  /** Reads parts of tenants.yaml (`splitTenantsText`). */
  async parse(chunks: readonly TextChunk[], file: string): Promise<TenantChunk[]> {
    const jobs = chunks.map((c, id) => ({ id, text: c.text }));
    const results = await this.run<{ id: number; text: string }, ParseResult>(
      jobs,
      (w, j) => w.postMessage({ kind: 'parse', id: j.id, text: j.text, file } satisfies Request),
      (j) => ({ id: j.id, chunk: readTenantChunk(j.text, file) }),
    );
    return results.map((r) => r.chunk!);
  }

  /** Compiles the batches; every worker gets the setup first. `before` runs on this thread first. */
  async compile(setup: Setup, batches: readonly Batch[], before: () => void): Promise<BatchResult[]> {
    for (const w of this.workers) w.postMessage({ kind: 'setup', setup } satisfies Request);
    const local = compiler(setup);
    return this.run<Batch, BatchResult>(
      batches,
      (w, b) => w.postMessage({ kind: 'batch', ...b } satisfies Request),
      local,
      before,
    );
  }

  async close(): Promise<void> {
    this.failed.clear();
    this.listeners.clear();
    for (const w of this.workers) w.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Compiles one batch for every environment into a sink of its own; the same code on every thread. */
function compiler(setup: Setup): (batch: Batch) => BatchResult {
  const infra = new Map(setup.infra);
  const segments = new Map(setup.segments);
  return (batch) => {
    const sink = new OutputSink(setup.spec);
    const units = batch.tenants.map((t) =>
      setup.environments.map((env): UnitResult => {
        const outputs = infra.get(env.name);
        if (!outputs) throw new Error(`synth: no cluster outputs for environment ${env.name}`);
        const tracked = new TrackedSegments(segments);
        const content = new ContentDigest();
        const paths: string[] = [];
        for (const [p, c] of tenantUnitFiles(t, env, outputs, tracked)) {
          sink.put(p, c);
          content.add(p, c);
          paths.push(p);
        }
        return { paths, reads: tracked.reads(), content: content.value() };
      }),
    );
    return { id: batch.id, units, report: sink.report };
  };
}

/**
 * Reads tenants.yaml in parts on the pool's workers when it has the plain shape (see
 * `splitTenantsText`) and no problem; otherwise, or when anything is wrong, reads it whole with
 * `loadTenants`, which reports every problem at its position. The result equals `loadTenants`.
 */
export async function loadTenantsWith(
  pool: SynthPool | undefined,
  text: string,
  options: LoadOptions = {},
): Promise<Tenant[]> {
  const chunks = pool ? splitTenantsText(text, pool.threads * 4) : undefined;
  if (pool && chunks && chunks.length > 1) {
    const file = options.file ?? 'tenants.yaml';
    const read = await pool.parse(chunks, file);
    const tenants = tenantsFromChunks(
      file,
      read.map((chunk, i) => ({ chunk, lineOffset: chunks[i].lineOffset })),
    );
    if (tenants) return tenants;
  }
  return loadTenants(text, options);
}

/**
 * Compiles the output into a sink: files go to `sink` (this thread's) or to the workers' own
 * sinks opened from `sink`'s spec. With a plan, only the tenants it names are compiled; the paths
 * of the others come from the plan. Two outputs with one path abort, as in `synthesize`.
 */
export async function compileOutput(
  input: SynthInput,
  sink: OutputSink,
  spec: SinkSpec,
  pool?: SynthPool | (() => SynthPool | undefined),
  plan?: CompilePlan,
  remember?: RememberFor,
): Promise<CompileResult> {
  const produced = plan ? new PlannedPaths(plan, input.tenants.length) : new ProducedPaths();
  const batches: Batch[] = [];
  const indexes: number[] = [];
  let pending: Tenant[] = [];
  const flush = () => {
    if (pending.length > 0) batches.push({ id: batches.length, tenants: pending });
    pending = [];
  };
  input.tenants.forEach((t, i) => {
    if (plan && !plan.compile[i]) return;
    indexes.push(i);
    pending.push(t);
    if (pending.length === BATCH) flush();
  });
  flush();
  const segments = tenantSegments(input.tenants);
  const setup: Setup = { environments: input.environments, infra: [...input.infra], segments: [...segments], spec };
  // A pool given as a function is started only when the tenants to compile are worth threads.
  const worth = batches.length > 1 && indexes.length * input.environments.length >= PARALLEL_THRESHOLD;
  const threadPool = worth ? (typeof pool === 'function' ? pool() : pool) : undefined;
  const threads = threadPool && threadPool.threads > 1;
  let parts: EnvironmentPart[] | undefined;
  /** Stages a shared file (unless the output holds it already); returns its digest. */
  const stage = (p: string, c: SharedContent): string => {
    checkInsideOutput(p);
    const d = typeof c === 'string' ? contentDigest(c) : c.digest;
    // A file the record says the output holds already is neither read nor written again.
    if (plan?.onDisk?.(p) === d) sink.report.unchanged++;
    else sink.put(p, contentOf(c));
    return d;
  };
  // This thread compiles the shared files first, while the workers start on the tenants. Each
  // environment's are staged as soon as they are compiled, and only their digests kept: the
  // texts of one environment at a time are in memory. Their paths are checked below, in order.
  const before = () => {
    parts = input.environments.map((env) => stagedPart(environmentPart(input, env, remember), stage));
  };
  let results: BatchResult[];
  if (threads) results = await threadPool.compile(setup, batches, before);
  else {
    before();
    results = batches.map(compiler(setup));
  }
  if (!parts) throw new Error('synth: the shared files were not compiled');
  const units: (UnitResult[] | undefined)[] = new Array(input.tenants.length);
  indexes.forEach((tenantIndex, k) => {
    units[tenantIndex] = results[Math.floor(k / BATCH)].units![k % BATCH];
  });
  const shared = new Map<string, string>();
  assemble(
    input,
    parts,
    (p, c) => {
      produced.record(p);
      shared.set(p, c instanceof StagedFile ? c.digest : stage(p, c));
    },
    (_t, _part, i, e) => {
      const paths = units[i]?.[e].paths;
      if (produced instanceof PlannedPaths) produced.unit(i, e, paths);
      else for (const p of paths!) produced.record(p);
    },
  );
  const files = produced instanceof PlannedPaths ? produced.files : produced.paths.size;
  return { produced: produced.paths, files, reports: [sink.report, ...results.map((r) => r.report!)], units, shared };
}

/** A shared file staged already: only its digest is kept. */
class StagedFile implements KnownFile {
  constructor(readonly digest: string) {}
  content(): string {
    throw new Error('synth: the text of a staged file is not kept');
  }
}

/** An environment's shared files, each staged with `stage`, which returns its digest. */
function stagedPart(part: EnvironmentPart, stage: (path: string, content: SharedContent) => string): EnvironmentPart {
  const staged = (files: ReadonlyMap<string, SharedContent>) =>
    new Map([...files].map(([p, c]): [string, SharedContent] => [p, new StagedFile(stage(p, c))]));
  return { ...part, head: staged(part.head), tail: staged(part.tail) };
}

/** The worker side: reads parts of tenants.yaml, and compiles batches of tenants. */
function serve(): void {
  let compile: ((batch: Batch) => BatchResult) | undefined;
  parentPort?.on('message', (request: Request) => {
    if (request.kind === 'setup') {
      compile = compiler(request.setup);
      return;
    }
    let result: ParseResult | BatchResult;
    try {
      if (request.kind === 'parse') result = { id: request.id, chunk: readTenantChunk(request.text, request.file) };
      else if (!compile) throw new Error('synth worker got a batch before its setup');
      else result = compile(request);
    } catch (e) {
      result = { id: request.id, error: e instanceof Error ? e.message : String(e) };
    }
    parentPort?.postMessage(result);
  });
}

if (!isMainThread && workerData && typeof workerData === 'object' && WORKER_TAG in workerData) serve();
