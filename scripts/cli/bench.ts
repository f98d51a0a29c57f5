/**
 * npm run bench [-- --sizes 100,1000,5000,10000] [--out docs/benchmarks.md] [--stock-limit 120]
 *
 * Synthesizes generated registries of N rich tenants (scripts/bench/tenants.ts), each in a fresh
 * process, and reports wall time, CPU time and peak memory per N, against stock cdk8s (one App,
 * app.synth()) and against the floor (serializing and writing the same objects without
 * constructs), the scaling ratio t(2N)/t(N), the cost of a synth after adding one tenant, and
 * the time of `npm run validate` over the 1,000-tenant output. Writes a Markdown report.
 * Not part of `npm test`: it takes several minutes and its numbers depend on the machine.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIRS, TENANTS_FILE } from '../../charts/lib/constants';
import { type CommandSpec, mainCommand, UsageError, UserError } from '../lib/cli';
import { type BenchRow, type Measurement, renderReport, type Targets } from '../bench/report';
import { benchTenantsYaml, benchTenantYaml } from '../bench/tenants';

const ROOT = path.resolve(__dirname, '..', '..');
const LAUNCH = path.join(ROOT, 'scripts', 'launch.cjs');
const RUSAGE = path.join(ROOT, 'scripts', 'bench', 'rusage.cjs');

/** Every validation gate but kubectl-validate, whose first run over a large output takes tens of minutes. */
const FAST_GATES = ['kubeconform', 'isolation', 'flows', 'rbac', 'workloads', 'gitleaks', 'chainsaw-lint'];

export const BENCH_COMMAND: CommandSpec = {
  name: 'bench',
  usage: 'npm run bench [-- --sizes <n,n,...>] [--out <file>] [--stock-limit <seconds>]',
  summary:
    'Measures synth on generated registries of N rich tenants (fresh process each), against stock cdk8s and\n' +
    'the serialization floor, with the scaling ratio, the cost of adding one tenant, and npm run validate over\n' +
    'the 1,000-tenant output. Writes a Markdown report.',
  flags: {
    sizes: { value: true, help: 'tenant counts, ascending (default: 100,1000,5000,10000)' },
    out: { value: true, help: 'report file (default: docs/benchmarks.md)' },
    'stock-limit': {
      value: true,
      help: 'seconds after which stock cdk8s is stopped and not run for larger N (default: 120)',
    },
    'incremental-size': {
      value: true,
      help: 'N whose registry gets one more tenant for the incremental run (default: 1000)',
    },
    'no-validate': { help: 'skip npm run validate over the incremental-size output' },
  },
};

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
  readonly stdout: string;
  readonly timedOut: boolean;
}

/** Runs a command in a fresh Node.js process and measures it. */
function measure(args: readonly string[], timeoutMs?: number, env: NodeJS.ProcessEnv = {}): Run {
  const usage = path.join(os.tmpdir(), `bench-rusage-${process.pid}.json`);
  fs.rmSync(usage, { force: true });
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', RUSAGE, ...args], {
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
  return dir;
}

/** "(12 written, 0 deleted)" of synth's summary line. */
function changedFiles(stdout: string): number {
  const m = /\((\d+) written, (\d+) deleted\)/.exec(stdout);
  if (!m) throw new UserError(`synth printed no file counts: ${stdout.trim().split('\n').pop()}`);
  return Number(m[1]) + Number(m[2]);
}

function fileCount(stdout: string): number {
  const m = /, (\d+) files \(/.exec(stdout);
  return m ? Number(m[1]) : Number.NaN;
}

/** The flow gate's line of `npm run validate`: "flows  ok  356,006 flows in 1.1s — ...". */
export function parseFlowGate(tenants: number, stdout: string): { tenants: number; gateMs: number; flows: number } {
  const m = /^flows\s+\S+(?: \(\d+ problems?\))?\s+(\d+) flows in ([\d.]+)s/m.exec(stdout);
  if (!m)
    throw new UserError(`the flow gate printed no summary line: ${stdout.trim().split('\n').slice(-2).join(' | ')}`);
  return { tenants, gateMs: Number(m[2]) * 1000, flows: Number(m[1]) };
}

function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || sizes.some((n, i) => i > 0 && n <= sizes[i - 1])) {
    throw new UsageError(`--sizes ${text}: give ascending whole numbers, such as 100,1000,5000,10000`);
  }
  return sizes;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function bench(flags: Record<string, string | boolean | string[]>): Promise<number> {
  const sizes = parseSizes(String(flags.sizes ?? '100,1000,5000,10000'));
  const out = path.resolve(ROOT, String(flags.out ?? path.join('docs', 'benchmarks.md')));
  const stockLimitS = Number(flags['stock-limit'] ?? 120);
  const incrementalSize = Number(flags['incremental-size'] ?? 1000);
  if (!Number.isFinite(stockLimitS) || stockLimitS <= 0)
    throw new UsageError('--stock-limit: give a number of seconds');
  const synth = (root: string) => [LAUNCH, 'charts/main.ts', '--root', root];

  // Warm-up: builds the cached bundles and fills the page cache, so no measured run pays for it.
  log('warming up (bundles, page cache)');
  const warm = makeRoot(5);
  for (const args of [
    synth(warm),
    [LAUNCH, 'scripts/bench/floor.ts', '--root', warm, '--out', path.join(warm, 'floor')],
    [LAUNCH, 'scripts/bench/stock.ts', '--root', warm, '--out', path.join(warm, 'stock')],
  ])
    measure(args);
  fs.rmSync(warm, { recursive: true, force: true });

  const rows: BenchRow[] = [];
  let stockStopped = false;
  let incremental: Targets['incremental'];
  let validate: Targets['validate'];
  let kubectlValidate: Targets['kubectlValidate'];
  const flowGate: { tenants: number; gateMs: number; flows: number }[] = [];
  const kubectlValidateSize = sizes[0];
  sizes.forEach((n, step) => {
    const prefix = `N=${n} (${step + 1}/${sizes.length})`;
    const root = makeRoot(n);
    try {
      log(`${prefix}: synth into an empty output`);
      const fresh = measure(synth(root));
      log(`${prefix}: ${(fresh.wallMs / 1000).toFixed(1)} s; synth again, nothing changed`);
      const again = measure(synth(root));
      log(`${prefix}: floor (serialize and write without constructs)`);
      const floorRun = measure([
        LAUNCH,
        'scripts/bench/floor.ts',
        '--root',
        root,
        '--out',
        path.join(root, 'floor-out'),
      ]);
      const floorMs = (JSON.parse(floorRun.stdout) as { ms: number }).ms;
      fs.rmSync(path.join(root, 'floor-out'), { recursive: true, force: true });
      let stock: Measurement | 'skipped' | 'timeout' = 'skipped';
      if (!stockStopped) {
        log(`${prefix}: stock cdk8s (one App, app.synth(); stopped after ${stockLimitS} s)`);
        const s = measure(
          [LAUNCH, 'scripts/bench/stock.ts', '--root', root, '--out', path.join(root, 'stock-out')],
          stockLimitS * 1000,
        );
        if (s.timedOut) {
          stock = 'timeout';
          stockStopped = true;
        } else stock = toMeasurement(s);
        fs.rmSync(path.join(root, 'stock-out'), { recursive: true, force: true });
      }
      rows.push({
        tenants: n,
        files: fileCount(fresh.stdout),
        fresh: toMeasurement(fresh),
        rerun: toMeasurement(again),
        floorMs,
        stock,
      });
      if (n === kubectlValidateSize && !flags['no-validate']) {
        log(`${prefix}: kubectl-validate alone over this output, nothing remembered`);
        const k = measure(
          ['--import', 'tsx', 'scripts/cli/validate.ts', '--root', root, '--only', 'kubectl-validate'],
          undefined,
          { VALIDATE_CACHE: 'off' },
        );
        kubectlValidate = { tenants: n, wallMs: k.wallMs };
      }
      if (n <= incrementalSize) {
        log(`${prefix}: the flow gate alone`);
        const f = measure(['--import', 'tsx', 'scripts/cli/validate.ts', '--root', root, '--only', 'flows']);
        flowGate.push(parseFlowGate(n, f.stdout));
      }
      if (n === incrementalSize) {
        if (!flags['no-validate']) {
          log(`${prefix}: npm run validate over this output, every gate but kubectl-validate, nothing remembered`);
          const v = measure(
            ['--import', 'tsx', 'scripts/cli/validate.ts', '--root', root, '--only', FAST_GATES.join(',')],
            undefined,
            { VALIDATE_CACHE: 'off' },
          );
          validate = { tenants: n, ...toMeasurement(v), summary: v.stdout.trim().split('\n').pop() ?? '' };
        }
        log(`${prefix}: synth after adding one tenant`);
        fs.appendFileSync(path.join(root, TENANTS_FILE), benchTenantYaml(n));
        const inc = measure(synth(root));
        incremental = { tenants: n, ...toMeasurement(inc), changedFiles: changedFiles(inc.stdout) };
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  const report = renderReport({
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${os.platform()} ${os.release()}`,
    date: new Date().toISOString().slice(0, 10),
    rows,
    incremental,
    validate,
    kubectlValidate,
    flowGate,
    stockLimitS,
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, report);
  process.stdout.write(report);
  log(`report written to ${path.relative(process.cwd(), out)}`);
  return 0;
}

if (require.main === module) mainCommand(BENCH_COMMAND, (args) => bench(args.flags));
