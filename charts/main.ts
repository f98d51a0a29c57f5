/**
 * npm run synth [-- --check] [--tenants <file>] [--root <dir>]
 *
 * Compiles tenants.yaml, charts/environments/*.yaml and cluster/outputs/<env>.json into dist/
 * and argocd/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { type Environment, loadEnvironments } from './config/environment';
import { infraOutputsFile, loadInfraOutputs, type InfraOutputs } from './config/infra-outputs';
import {
  environmentGuardErrors,
  type PlatformGuardDefaults,
  sandboxRouterImageErrors,
  type Tenant,
} from './config/load-tenants';
import { platformGuards } from './config/guards';
import { ConfigError, decodeSource, type SourceError } from './config/source-errors';
import { DIRS, TENANTS_FILE } from './lib/constants';
import { checkOutput, type RecordInputs, upToDate, type WriteOutcome, writeOutput } from './synth/output';
import {
  compilerDigest,
  digest,
  inputsDigest,
  readLoaderCache,
  readRecordHead,
  stableJson,
  startFolderCheck,
  writeLoaderCache,
} from './synth/record';
import {
  type IncrementalOptions,
  loadTenantsIncremental,
  loadTenantsIncrementalWith,
  type TenantsCache,
  type TenantsLoad,
  tenantValueDigest,
} from './config/tenants-cache';
import { defaultJobs, SynthPool, worthThreads } from './synth/parallel';
import { pendingRecovery } from './synth/write';
import { countOf } from './lib/plural';

const USAGE = `usage: npm run synth [-- [--check] [--tenants <file>] [--root <dir>] [--jobs <n>]]
  --check           compare with the committed dist/ and argocd/ instead of writing; exit 1 when stale
  --tenants <file>  tenant registry (default: tenants.yaml in the root)
  --root <dir>      repository root holding charts/environments, cluster/outputs, dist/ and argocd/ (default: .)
  --jobs <n>        threads compiling tenants (default: one per core; 1 compiles on the main thread only)
  --timings         print the time spent loading, compiling and writing
  --fresh           compile every tenant, not only those whose inputs changed since the last synth`;

interface Options {
  check: boolean;
  tenants?: string;
  root: string;
  jobs: number;
  timings: boolean;
  fresh: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { check: false, root: '.', jobs: defaultJobs(), timings: false, fresh: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--check') o.check = true;
    else if (a === '--timings') o.timings = true;
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--tenants') o.tenants = value();
    else if (a === '--root') o.root = value();
    else if (a === '--jobs') {
      const v = value();
      o.jobs = Number(v);
      if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`--jobs ${v}: give a whole number of threads, 1 or more`);
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument ${a}`);
  }
  return o;
}

/** Every file of charts/environments/ and cluster/outputs/: what the environments are read from. */
function configFiles(root: string): { path: string; text: Buffer }[] {
  const out: { path: string; text: Buffer }[] = [];
  for (const dir of [DIRS.environments, DIRS.infraOutputs]) {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(root, dir)).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const rel = `${dir}/${n}`;
      try {
        out.push({ path: rel, text: fs.readFileSync(path.join(root, rel)) });
      } catch {
        out.push({ path: rel, text: Buffer.from('(unreadable)') });
      }
    }
  }
  return out;
}

/**
 * Worker threads to start now, so that they load the compiler while this thread reads the
 * configuration: only without a record of the last synth (with one, most runs compile a few
 * tenants, and workers start later when needed).
 */
function upfrontPool(root: string, options: Options, text: string | undefined, envs: number): SynthPool | undefined {
  const incremental = !options.check && !options.fresh && readRecordHead(root) !== undefined;
  return options.jobs > 1 && !incremental && text !== undefined && worthThreads(text, envs)
    ? new SynthPool(options.jobs)
    : undefined;
}

/**
 * Loads tenants.yaml reading only the entries the loader's cache of the last run does not know
 * (config/tenants-cache.ts); without a cache, a large file is read on the pool's threads.
 */
async function loadTenantsFast(
  root: string,
  text: string,
  options: IncrementalOptions,
  pool: () => SynthPool | undefined,
): Promise<TenantsLoad & { readonly guardsChecked?: GuardsChecked }> {
  const kept = readLoaderCache(root) as KeptCache | undefined;
  // A cache of other code is of no use (the loader ignores it): then read on threads.
  const previous = kept?.compiler === options.compiler ? kept : undefined;
  const guardsChecked = previous?.guardsChecked;
  const threads = previous === undefined ? pool() : undefined;
  if (!threads) return { ...loadTenantsIncremental(text, previous, options), guardsChecked };
  const file = options.file ?? TENANTS_FILE;
  const load = await loadTenantsIncrementalWith(
    (chunks) => threads.parse(chunks, file),
    threads.threads * 4,
    text,
    previous,
    options,
  );
  return { ...load, guardsChecked };
}

/**
 * Tenants whose guards had no issue under the environments' platform defaults (`key`, their
 * digest), by `tenantValueDigest`: kept with the loader's cache, so that a run checks only
 * tenants whose entries changed (a tenant's issues depend on its entry and the defaults alone).
 */
interface GuardsChecked {
  readonly key: string;
  readonly ok: readonly string[];
}

/** The loader's cache as kept under the root, with the guards already checked. */
type KeptCache = TenantsCache & { readonly guardsChecked?: GuardsChecked };

/**
 * The guard issues of the tenants (`environmentGuardErrors`), checking only those not known to
 * have none; and what the next run may skip.
 */
function guardErrors(
  text: string,
  tenants: readonly Tenant[],
  defaults: readonly PlatformGuardDefaults[],
  file: string,
  checked: GuardsChecked | undefined,
): { errors: SourceError[]; checked: GuardsChecked } {
  const key = digest(stableJson(defaults.map((d) => d.guards)));
  const ok = checked?.key === key ? new Set(checked.ok) : undefined;
  const pending = ok ? tenants.filter((t) => !ok.has(tenantValueDigest(t))) : tenants;
  const errors = environmentGuardErrors(text, pending, defaults, { file });
  return { errors, checked: { key, ok: errors.length === 0 ? tenants.map(tenantValueDigest) : [] } };
}

/** Prints and returns true when the record says the output is what these inputs produce. */
function nothingChanged(root: string, inputs: string, started: bigint): boolean {
  const files = upToDate(root, inputs);
  if (files === undefined) return false;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(
    `synth: nothing changed since the last synth, ${countOf(files, 'file')} up to date in ${ms.toFixed(0)} ms`,
  );
  return true;
}

/** What the synth record of this run is keyed on: the inputs, and each environment with its outputs. */
function recordKeys(
  compiler: string,
  inputs: string,
  environments: readonly Environment[],
  infra: ReadonlyMap<string, InfraOutputs>,
): RecordInputs {
  const envKey = (e: Environment) => digest(compiler, stableJson(e), stableJson(infra.get(e.name)));
  return { inputs, environments: new Map(environments.map((e) => [e.name, envKey(e)])) };
}

/** synth --check: prints what differs from a fresh synth; the exit code. */
function reportCheck({ produced, stale }: { produced: ReadonlySet<string>; stale: readonly string[] }): number {
  if (stale.length > 0) {
    console.error(
      `synth --check: ${stale.length} generated files differ from a fresh synth; run npm run synth and commit the result`,
    );
    for (const line of stale.slice(0, 200)) console.error(`  ${line}`);
    if (stale.length > 200) console.error(`  ... and ${stale.length - 200} more`);
    return 1;
  }
  console.log(`synth --check: ${countOf(produced.size, 'file')} up to date`);
  return 0;
}

/** The summary of a written synth: timings when asked, counts, placeholder outputs, removed tenants. */
function reportWrite(r: {
  options: Options;
  started: bigint;
  loaded: bigint;
  compiled: bigint;
  tenants: readonly Tenant[];
  environments: readonly Environment[];
  infra: ReadonlyMap<string, InfraOutputs>;
  count: number;
  report: { written: number; deleted: number };
  removed: readonly string[];
  units: WriteOutcome['units'];
}): void {
  const { options, started, loaded, compiled, tenants, environments, infra, count, report, removed, units } = r;
  const finished = process.hrtime.bigint();
  const ms = Number(finished - started) / 1e6;
  if (options.timings) {
    const span = (a: bigint, b: bigint) => `${(Number(b - a) / 1e6).toFixed(0)} ms`;
    console.log(
      `synth: timings: load ${span(started, loaded)}, compile and stage ${span(loaded, compiled)}, swap ${span(compiled, finished)}; ${options.jobs} threads; ${units.compiled} of ${units.total} tenant folders compiled${units.components ? `, ${units.components.built} of ${units.components.total} platform components built` : ''}${units.routeTables ? `, ${units.routeTables.computed} of ${units.routeTables.total} route tables computed` : ''}`,
    );
  }
  console.log(
    `synth: ${countOf(tenants.length, 'tenant')}, ${countOf(environments.length, 'environment')} (${environments.map((e) => e.name).join(', ')}), ${countOf(count, 'file')} (${report.written} written, ${report.deleted} deleted) in ${ms.toFixed(0)} ms`,
  );
  const standIns = environments.filter((e) => infra.get(e.name)?.placeholder !== undefined).map((e) => e.name);
  if (standIns.length > 0) {
    console.warn(
      `synth: ${standIns.join(', ')} ${standIns.length === 1 ? 'runs' : 'run'} on placeholder outputs (${standIns.map(infraOutputsFile).join(', ')}); npm run validate fails until npm run infra:outputs -- <env> writes the real ones`,
    );
  }
  if (removed.length > 0) {
    console.warn(
      `synth: tenant folders removed: ${removed.join(', ')}. Argo CD keeps their namespaces and objects ` +
        '(Delete=false, Prune=confirm, ApplicationSets never delete Applications); offboard them explicitly (docs/operator-runbook.md, "Offboard a tenant").',
    );
  }
}

/** Runs a load; a configuration error is added to `errors` (undefined returned), any other thrown. */
function collector(errors: SourceError[]) {
  return <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      errors.push(...e.errors);
      return undefined;
    }
  };
}

export async function run(argv: readonly string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const options = parseArgs(argv);
  const root = path.resolve(options.root);
  if (options.check && pendingRecovery(root)) {
    console.error('synth --check: an earlier synth was interrupted; run npm run synth to finish it');
    return 1;
  }
  const tenantsPath = path.resolve(root, options.tenants ?? TENANTS_FILE);
  // Every input file is checked before any error is reported, so that one run shows them all.
  const errors: SourceError[] = [];
  const collect = collector(errors);
  const environments = collect(() => loadEnvironments(path.join(root, DIRS.environments)));
  const tenantsFile = path.relative(process.cwd(), tenantsPath) || TENANTS_FILE;
  const raw = fs.readFileSync(tenantsPath);
  const compiler = compilerDigest();
  const inputs = inputsDigest(compiler, [{ path: 'tenants', text: raw }, ...configFiles(root)]);
  if (!options.check && !options.fresh && nothingChanged(root, inputs, started)) return 0;
  const folderCheck = options.check || options.fresh ? undefined : startFolderCheck(root);
  const text = collect(() => decodeSource(raw, tenantsFile));
  let pool = upfrontPool(root, options, text, environments?.length ?? 1);
  const lazyPool = () => (pool ??= options.jobs > 1 ? new SynthPool(options.jobs) : undefined);
  try {
    let tenants: Tenant[] | undefined;
    let loaderCache: KeptCache | undefined;
    let guardsChecked: GuardsChecked | undefined;
    try {
      if (text !== undefined) {
        const load = await loadTenantsFast(root, text, { file: tenantsFile, compiler }, () =>
          worthThreads(text, environments?.length ?? 1) ? lazyPool() : undefined,
        );
        tenants = load.tenants;
        loaderCache = load.cache;
        guardsChecked = load.guardsChecked;
      }
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      errors.push(...e.errors);
    }
    const infra = new Map<string, InfraOutputs>();
    for (const env of environments ?? []) {
      const outputs = collect(() => loadInfraOutputs(root, env.name, env));
      if (outputs) infra.set(env.name, outputs);
    }
    // Guards of tenants.yaml against each environment's platform defaults.
    if (environments && tenants && text !== undefined) {
      const envDir = path.relative(process.cwd(), path.join(root, DIRS.environments)) || '.';
      const defaults = environments.map((e) => ({
        file: path.join(envDir, `${e.name}.yaml`),
        guards: platformGuards(e),
      }));
      const guards = guardErrors(text, tenants, defaults, tenantsFile, guardsChecked);
      errors.push(...guards.errors);
      if (loaderCache) loaderCache = { ...loaderCache, guardsChecked: guards.checked };
      const images = environments.map((e) => ({
        file: path.join(envDir, `${e.name}.yaml`),
        set: e.platform.images.sandboxRouter !== undefined,
      }));
      errors.push(...sandboxRouterImageErrors(text, tenants, images, { file: tenantsFile }));
    }
    if (!environments || !tenants || errors.length > 0) throw new ConfigError(errors);
    const loaded = process.hrtime.bigint();
    const input = { environments, tenants, infra };

    if (options.check) return reportCheck(await checkOutput(root, input, pool));

    const keys = recordKeys(compiler, inputs, environments, infra);
    const outcome = await writeOutput(root, input, lazyPool, keys, options.fresh, folderCheck);
    writeLoaderCache(root, loaderCache);
    const { files: count, report, removed, recovered, compiled, units } = outcome;
    for (const d of recovered) console.warn(`synth: finished ${d}/ of an interrupted earlier run`);
    reportWrite({ options, started, loaded, compiled, tenants, environments, infra, count, report, removed, units });
    return 0;
  } finally {
    await pool?.close();
  }
}

/** Runs the CLI and returns the exit code; user errors print one line each, never a stack trace. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const err of e.message.split('\n')) console.error(err);
      console.error(`synth: ${countOf(e.errors.length, 'error')}; dist/ and argocd/ were not changed`);
      return 1;
    }
    if (e instanceof UsageError) {
      console.error(`synth: ${e.message}\n${USAGE}`);
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      console.error(
        `synth: ${(e as Error).message.replace(/^ENOENT: /, '')}; run from the repository root or pass --root`,
      );
      return 1;
    }
    console.error(`synth: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

// Not in a worker thread: a synth worker loads this module as part of the synth bundle.
if (require.main === module && isMainThread) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
