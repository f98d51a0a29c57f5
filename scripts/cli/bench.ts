/**
 * npm run bench [-- --sizes 1000,10000] [--out docs/benchmarks.md] [--stock-limit 120]
 *
 * On generated registries of N rich tenants (scripts/bench/tenants.ts), each command in a fresh
 * process: synth into an empty output, against the floor (serializing and writing the same
 * objects without constructs) and stock cdk8s (one App, app.synth()); synth again with nothing
 * changed; npm run validate from nothing (an empty memory folder); then, after editing one tenant, synth, npm run
 * validate and npm run diff; and synth after adding one tenant. Writes a Markdown report with
 * every target (scripts/bench/report.ts). Not part of `npm test`: it takes tens of minutes and
 * its numbers depend on the machine.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIRS, TENANTS_FILE } from '../../charts/lib/constants';
import { type CommandSpec, mainCommand, UsageError, UserError } from '../lib/cli';
import { type Measurement, renderReport, type SizeResult, type Summarized } from '../bench/report';
import { benchTenantName, benchTenantsYaml, benchTenantYaml } from '../bench/tenants';

const ROOT = path.resolve(__dirname, '..', '..');
const LAUNCH = path.join(ROOT, 'scripts', 'launch.cjs');
const RUSAGE = path.join(ROOT, 'scripts', 'bench', 'rusage.cjs');

const LAUNCHED = /^node((?: --[\w-]+(?:=\S+)?)*) scripts\/launch\.cjs (\S+)/;

/**
 * The Node.js flags an npm script starts the launcher with (package.json, the one place they are
 * written): every measured command runs with its script's, as users run it.
 */
export function launchFlags(scripts: Readonly<Record<string, string>>, name = 'synth'): string[] {
  const m = LAUNCHED.exec(scripts[name] ?? '');
  if (!m) throw new UserError(`bench: package.json's ${name} script does not run node [flags] scripts/launch.cjs`);
  return m[1].split(' ').filter(Boolean);
}

/** Per file an npm script runs through the launcher, that script's flags. */
export function flagsByFile(scripts: Readonly<Record<string, string>>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of Object.keys(scripts)) {
    const m = LAUNCHED.exec(scripts[name]);
    if (m) out.set(m[2], launchFlags(scripts, name));
  }
  return out;
}
const SCRIPTS = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const FLAGS = flagsByFile(SCRIPTS);
/** The flags of the script that runs `file`; the floor and stock cdk8s, run by none, with synth's. */
const flagsFor = (file: string) => FLAGS.get(file) ?? launchFlags(SCRIPTS);

export const BENCH_COMMAND: CommandSpec = {
  name: 'bench',
  usage: 'npm run bench [-- --sizes <n,n,...>] [--out <file>] [--stock-limit <seconds>]',
  summary:
    'Measures, on generated registries of N rich tenants (fresh process each): synth into an empty output\n' +
    'against the serialization floor and stock cdk8s, synth with nothing changed, npm run validate from\n' +
    'nothing, and synth, validate and diff after editing one tenant. Writes a Markdown report with the targets.',
  flags: {
    sizes: { value: true, help: 'tenant counts, ascending (default: 1000,10000)' },
    out: { value: true, help: 'report file (default: docs/benchmarks.md)' },
    'stock-limit': {
      value: true,
      help: 'seconds after which stock cdk8s is stopped and not run for larger N (default: 120)',
    },
    'no-validate': { help: 'skip npm run validate' },
    'full-up-to': {
      value: true,
      help: 'largest N to run npm run validate on (default: every size; from nothing it takes about a minute per 1,000 tenants)',
    },
    'no-diff': { help: 'skip npm run diff (it commits the output to a scratch git repository first)' },
  },
};

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
  readonly stdout: string;
  readonly timedOut: boolean;
}

/**
 * Runs a command in a fresh Node.js process and measures it. The writes of earlier steps are
 * flushed first (sync), so that no run pays for the writeback of another (a fresh output or the
 * scratch commit is gigabytes at 10,000 tenants).
 */
function measure(args: readonly string[], timeoutMs?: number, env: NodeJS.ProcessEnv = {}): Run {
  const usage = path.join(os.tmpdir(), `bench-rusage-${process.pid}.json`);
  fs.rmSync(usage, { force: true });
  spawnSync('sync', { stdio: 'ignore' });
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...flagsFor(args[1]), '--require', RUSAGE, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env, BENCH_RUSAGE_FILE: usage },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  if (!timedOut && r.status !== 0)
    throw new UserError(
      `${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
    );
  const u = fs.existsSync(usage)
    ? (JSON.parse(fs.readFileSync(usage, 'utf8')) as { userMs: number; systemMs: number; maxRssKb: number })
    : undefined;
  fs.rmSync(usage, { force: true });
  return {
    wallMs,
    cpuMs: u ? u.userMs + u.systemMs : Number.NaN,
    maxRssMb: u ? u.maxRssKb / 1024 : Number.NaN,
    stdout: r.stdout,
    timedOut,
  };
}

const toMeasurement = (r: Run): Measurement => ({ wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssMb: r.maxRssMb });

/** A benchmark root: the real environments and cluster outputs, and N generated tenants. */
function makeRoot(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${n}-`));
  fs.cpSync(path.join(ROOT, DIRS.environments), path.join(dir, DIRS.environments), { recursive: true });
  fs.cpSync(path.join(ROOT, 'cluster', 'outputs'), path.join(dir, 'cluster', 'outputs'), { recursive: true });
  fs.writeFileSync(path.join(dir, TENANTS_FILE), benchTenantsYaml(n));
  // As in the repository: the scratch repository of the diff run never commits what is derived.
  fs.copyFileSync(path.join(ROOT, '.gitignore'), path.join(dir, '.gitignore'));
  return dir;
}

/** "(12 written, 0 deleted)" of synth's summary line; 0 when synth found nothing changed. */
function changedFiles(stdout: string): number {
  if (stdout.includes('nothing changed since the last synth')) return 0;
  const m = /\((\d+) written, (\d+) deleted\)/.exec(stdout);
  if (!m) throw new UserError(`synth printed no file counts: ${stdout.trim().split('\n').pop()}`);
  return Number(m[1]) + Number(m[2]);
}

function fileCount(stdout: string): number {
  const m = /, (\d+) files \(/.exec(stdout);
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * Edits one tenant's entry in place: the middle one's display name and pod quota, the kind of
 * change a tenant team's pull request makes.
 */
export function editOneTenant(text: string, n: number): string {
  const name = benchTenantName(Math.floor(n / 2));
  const at = text.indexOf(`  - name: ${name}\n`);
  if (at < 0) throw new UserError(`bench: no tenant ${name} to edit`);
  const line = text.indexOf('\n', text.indexOf('displayName:', at));
  return `${text.slice(0, line)} (edited)\n    quota:\n      pods: 40${text.slice(line)}`;
}

function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((x) => Number(x.trim()));
  if (sizes.some((x) => !Number.isInteger(x) || x < 1) || sizes.some((x, i) => i > 0 && x <= sizes[i - 1])) {
    throw new UsageError(`--sizes ${text}: give ascending whole numbers, such as 1000,10000`);
  }
  return sizes;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

const lastLine = (r: Run) => r.stdout.trim().split('\n').pop() ?? '';
const summarized = (r: Run): Summarized => ({ ...toMeasurement(r), summary: lastLine(r) });

/** Warm-up: builds the cached bundles and fills the page cache, so no measured run pays for it. */
function warmUp(synth: (root: string) => string[]): void {
  log('warming up (bundles, page cache)');
  const warm = makeRoot(5);
  for (const args of [
    synth(warm),
    [LAUNCH, 'scripts/bench/floor.ts', '--root', warm, '--out', path.join(warm, 'floor')],
    [LAUNCH, 'scripts/bench/stock.ts', '--root', warm, '--out', path.join(warm, 'stock')],
  ])
    measure(args);
  fs.rmSync(warm, { recursive: true, force: true });
}

/** Fresh synth, the floor and stock cdk8s (until a run of it takes longer than its limit). */
function freshRuns(
  prefix: string,
  root: string,
  synth: (root: string) => string[],
  stockRuns: { readonly limitS: number; stopped: boolean },
): Pick<SizeResult, 'files' | 'fresh' | 'floorMs' | 'stock'> {
  log(`${prefix}: synth into an empty output`);
  const fresh = measure(synth(root));
  log(`${prefix}: ${(fresh.wallMs / 1000).toFixed(1)} s; floor (serialize and write without constructs)`);
  const floorRun = measure([LAUNCH, 'scripts/bench/floor.ts', '--root', root, '--out', path.join(root, 'floor-out')]);
  const floorMs = (JSON.parse(floorRun.stdout) as { ms: number }).ms;
  fs.rmSync(path.join(root, 'floor-out'), { recursive: true, force: true });
  let stock: Measurement | 'skipped' | 'timeout' = 'skipped';
  if (!stockRuns.stopped) {
    log(`${prefix}: stock cdk8s (one App, app.synth(); stopped after ${stockRuns.limitS} s)`);
    const r = measure(
      [LAUNCH, 'scripts/bench/stock.ts', '--root', root, '--out', path.join(root, 'stock-out')],
      stockRuns.limitS * 1000,
    );
    if (r.timedOut) {
      stock = 'timeout';
      stockRuns.stopped = true;
    } else stock = toMeasurement(r);
    fs.rmSync(path.join(root, 'stock-out'), { recursive: true, force: true });
  }
  return { files: fileCount(fresh.stdout), fresh: toMeasurement(fresh), floorMs, stock };
}

function git(root: string, args: readonly string[]): void {
  // No automatic gc or maintenance: git would run it detached after the commit, writing into .git
  // while the scratch root is removed (ENOTEMPTY).
  const config = ['user.name=bench', 'user.email=bench@localhost', 'gc.auto=0', 'maintenance.auto=false'];
  const r = spawnSync('git', [...config.flatMap((c) => ['-c', c]), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new UserError(`git ${args.join(' ')} failed in ${root}: ${r.stderr.trim()}`);
}

const VALIDATE = [LAUNCH, 'scripts/cli/validate.ts'];
const DIFF = [LAUNCH, 'scripts/cli/diff.ts'];

/** Every measurement of one registry size. */
function sizeRuns(
  prefix: string,
  n: number,
  synth: (root: string) => string[],
  stockRuns: { readonly limitS: number; stopped: boolean },
  flags: Record<string, string | boolean | string[]>,
): SizeResult {
  const root = makeRoot(n);
  const cleanups: (() => void)[] = [];
  try {
    const first = freshRuns(prefix, root, synth, stockRuns);
    log(`${prefix}: synth again, nothing changed`);
    const nothingChanged = toMeasurement(measure(synth(root)));
    let validateFull: Summarized | undefined;
    // Validate and diff remember into a folder of this size's own, empty at first: the first
    // validate runs from nothing, and what it remembers is what the runs after the edit find.
    const memory = { VALIDATE_CACHE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), `bench-memory-${n}-`)) };
    cleanups.push(() => fs.rmSync(memory.VALIDATE_CACHE_DIR, { recursive: true, force: true }));
    if (!flags['no-validate']) {
      log(`${prefix}: npm run validate from nothing (an empty VALIDATE_CACHE_DIR)`);
      validateFull = summarized(measure([...VALIDATE, '--root', root], undefined, memory));
    }
    log(`${prefix}: synth after editing one tenant`);
    const file = path.join(root, TENANTS_FILE);
    fs.writeFileSync(file, editOneTenant(fs.readFileSync(file, 'utf8'), n));
    const edit = measure(synth(root));
    const editOne = { ...toMeasurement(edit), changedFiles: changedFiles(edit.stdout) };
    const validateEdit = flags['no-validate']
      ? undefined
      : (log(`${prefix}: npm run validate after the edit`),
        summarized(measure([...VALIDATE, '--root', root], undefined, memory)));
    let diffEdit: Summarized | undefined;
    if (!flags['no-diff']) {
      // In a git repository of its own (validate's secrets gate then scans history too): commit, edit
      // another tenant, synth, and diff against the commit.
      log(`${prefix}: committing the output to a scratch repository, then npm run diff of another one-tenant edit`);
      git(root, ['init', '-q', '-b', 'main']);
      git(root, ['add', '-A']);
      git(root, ['commit', '-q', '-m', 'bench']);
      fs.writeFileSync(file, editOneTenant(fs.readFileSync(file, 'utf8'), n - 1));
      measure(synth(root));
      diffEdit = summarized(measure([...DIFF, '--root', root, 'HEAD'], undefined, memory));
    }
    log(`${prefix}: synth after adding one tenant`);
    fs.appendFileSync(file, benchTenantYaml(n));
    const add = measure(synth(root));
    const addOne = { ...toMeasurement(add), changedFiles: changedFiles(add.stdout) };
    return { tenants: n, ...first, nothingChanged, editOne, addOne, validateFull, validateEdit, diffEdit };
  } finally {
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 5 });
    for (const c of cleanups) c();
  }
}

async function bench(flags: Record<string, string | boolean | string[]>): Promise<number> {
  const sizes = parseSizes(String(flags.sizes ?? '1000,10000'));
  const out = path.resolve(ROOT, String(flags.out ?? path.join('docs', 'benchmarks.md')));
  const stockLimitS = Number(flags['stock-limit'] ?? 120);
  if (!Number.isFinite(stockLimitS) || stockLimitS <= 0)
    throw new UsageError('--stock-limit: give a number of seconds');
  const synth = (root: string) => [LAUNCH, 'charts/main.ts', '--root', root];

  warmUp(synth);
  const stockRuns = { limitS: stockLimitS, stopped: false };
  const fullUpTo = flags['full-up-to'] === undefined ? Infinity : Number(flags['full-up-to']);
  if (Number.isNaN(fullUpTo)) throw new UsageError('--full-up-to: give a number of tenants');
  const results = sizes.map((n, step) =>
    sizeRuns(`N=${n} (${step + 1}/${sizes.length})`, n, synth, stockRuns, {
      ...flags,
      ...(n > fullUpTo ? { 'no-validate': true } : {}),
    }),
  );
  const report = renderReport({
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${os.platform()} ${os.release()}`,
    date: new Date().toISOString().slice(0, 10),
    sizes: results,
    stockLimitS,
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, report);
  process.stdout.write(report);
  log(`report written to ${path.relative(process.cwd(), out)}`);
  return 0;
}

if (require.main === module) mainCommand(BENCH_COMMAND, (args) => bench(args.flags));
