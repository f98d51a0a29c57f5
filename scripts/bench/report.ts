/**
 * The benchmark report: a Markdown table per measurement and the targets, each marked met or
 * missed from the numbers. Pure, so that it is tested without running anything.
 */

export interface Measurement {
  readonly wallMs: number;
  /** User + system CPU time of the process, all threads. */
  readonly cpuMs: number;
  readonly maxRssMb: number;
}

export interface BenchRow {
  readonly tenants: number;
  readonly files: number;
  /** Synth into an empty output. */
  readonly fresh: Measurement;
  /** Synth again with nothing changed. */
  readonly rerun: Measurement;
  /** Serializing and writing the same objects without constructs (timed part only). */
  readonly floorMs: number;
  /** Stock cdk8s: measured, stopped at the limit, or not run after an earlier stop. */
  readonly stock: Measurement | 'timeout' | 'skipped';
}

export interface Targets {
  readonly incremental?: Measurement & { readonly tenants: number; readonly changedFiles: number };
  readonly validate?: Measurement & { readonly tenants: number; readonly summary: string };
  /** kubectl-validate alone over a smaller output, for its rate per tenant. */
  readonly kubectlValidate?: { readonly tenants: number; readonly wallMs: number };
  /** The flow gate alone over each output up to the incremental size: its own time, and the flows it stood for. */
  readonly flowGate?: readonly { readonly tenants: number; readonly gateMs: number; readonly flows: number }[];
}

export interface ReportInput extends Targets {
  readonly machine: string;
  readonly date: string;
  readonly rows: readonly BenchRow[];
  readonly stockLimitS: number;
}

/** The targets a run is held to. */
export const TARGETS = {
  /** Wall seconds of a synth of 1,000 tenants. */
  at1000S: 3,
  /** Wall seconds of a synth of 10,000 tenants. */
  at10000S: 25,
  /** Largest t(2N)/t(N). */
  scaling: 2.2,
  /** Smallest speed-up over stock cdk8s at 1,000 tenants. */
  stockSpeedup: 10,
  /** Largest ratio to the serialization floor. */
  floorRatio: 3,
  /** Peak memory at 10,000 tenants, MiB. */
  memory10000Mb: 2048,
  /** Wall seconds of npm run validate over the 1,000-tenant output. */
  validate1000S: 15,
  /** Seconds of the flow gate over 1,000 tenants. */
  flowGate1000S: 10,
} as const;

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (m: number) => (Number.isFinite(m) ? `${m.toFixed(0)} MiB` : 'n/a');
const n = (x: number) => x.toLocaleString('en-US');

/** t(2N)/t(N) for every N whose double was measured too: of fresh runs, or of reruns. */
export function scalingRatios(
  rows: readonly BenchRow[],
  run: 'fresh' | 'rerun' = 'fresh',
): { from: number; to: number; ratio: number }[] {
  const out: { from: number; to: number; ratio: number }[] = [];
  for (const r of rows) {
    const double = rows.find((x) => x.tenants === 2 * r.tenants);
    if (double) out.push({ from: r.tenants, to: double.tenants, ratio: double[run].wallMs / r[run].wallMs });
  }
  return out;
}

function stockCell(row: BenchRow, limitS: number): string {
  if (row.stock === 'skipped') return 'not run';
  if (row.stock === 'timeout') return `> ${limitS} s (stopped)`;
  return s(row.stock.wallMs);
}

/** Speed-up over stock cdk8s: a lower bound when stock was stopped at the limit. */
export function stockSpeedup(row: BenchRow, limitS: number): { ratio: number; lowerBound: boolean } | undefined {
  if (row.stock === 'skipped') return undefined;
  if (row.stock === 'timeout') return { ratio: (limitS * 1000) / row.fresh.wallMs, lowerBound: true };
  return { ratio: row.stock.wallMs / row.fresh.wallMs, lowerBound: false };
}

interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** The verdict on the time of npm run validate over 1,000 tenants. */
function validateVerdict(input: ReportInput): Verdict {
  const v = input.validate;
  const k = input.kubectlValidate;
  // The whole of npm run validate: the other gates as measured, plus kubectl-validate at the rate
  // measured over a smaller output (it scales with the number of objects).
  const projected = v && k ? v.wallMs + (k.wallMs / k.tenants) * v.tenants : undefined;
  return {
    target: `npm run validate over 1,000 tenants ≤ ${TARGETS.validate1000S} s`,
    measured: v
      ? `${s(v.wallMs)} without kubectl-validate${projected !== undefined ? `; about ${Math.round(projected / 60000)} min with it` : ''}`
      : 'not measured',
    met:
      v && v.tenants === 1000
        ? projected !== undefined
          ? projected <= TARGETS.validate1000S * 1000
          : v.wallMs <= TARGETS.validate1000S * 1000
            ? undefined
            : false
        : undefined,
  };
}

/** The verdicts on the flow gate: its time over 1,000 tenants, and its growth. */
function flowGateVerdicts(input: ReportInput): Verdict[] {
  const f = input.flowGate ?? [];
  const f1k = f.find((x) => x.tenants === 1000);
  const time: Verdict = {
    target: `flow gate over 1,000 tenants ≤ ${TARGETS.flowGate1000S} s`,
    measured: f1k ? s(f1k.gateMs) : 'not measured',
    met: f1k ? f1k.gateMs <= TARGETS.flowGate1000S * 1000 : undefined,
  };
  // Linear: the time per tenant does not grow from the smallest N measured to the largest.
  const [first, last] = [f[0], f[f.length - 1]];
  const growth =
    first && last && last.tenants > first.tenants
      ? last.gateMs / last.tenants / (first.gateMs / first.tenants)
      : undefined;
  const linear: Verdict = {
    target: 'flow gate grows linearly (time per tenant at the largest N ≤ at the smallest)',
    measured:
      growth !== undefined
        ? `${f.map((x) => `${n(x.tenants)}: ${s(x.gateMs)}`).join(', ')}; per tenant × ${growth.toFixed(2)}`
        : 'not measured',
    met: growth !== undefined ? growth <= 1 : undefined,
  };
  return [time, linear];
}

export function verdicts(input: ReportInput): Verdict[] {
  const row = (t: number) => input.rows.find((r) => r.tenants === t);
  const out: Verdict[] = [];
  const r1k = row(1000);
  const r10k = row(10000);
  out.push({
    target: `1,000 tenants ≤ ${TARGETS.at1000S} s`,
    measured: r1k ? s(r1k.fresh.wallMs) : 'not measured',
    met: r1k ? r1k.fresh.wallMs <= TARGETS.at1000S * 1000 : undefined,
  });
  out.push({
    target: `10,000 tenants ≤ ${TARGETS.at10000S} s`,
    measured: r10k ? s(r10k.fresh.wallMs) : 'not measured',
    met: r10k ? r10k.fresh.wallMs <= TARGETS.at10000S * 1000 : undefined,
  });
  const ratios = scalingRatios(input.rows);
  const worst = ratios.length > 0 ? Math.max(...ratios.map((r) => r.ratio)) : undefined;
  out.push({
    target: `t(2N)/t(N) ≤ ${TARGETS.scaling}`,
    measured:
      ratios.length > 0
        ? `${ratios.map((r) => `${n(r.from)}→${n(r.to)}: ${r.ratio.toFixed(2)}`).join(', ')} (rerun: ${scalingRatios(
            input.rows,
            'rerun',
          )
            .map((r) => r.ratio.toFixed(2))
            .join(', ')})`
        : 'no N with 2N measured',
    met: worst === undefined ? undefined : worst <= TARGETS.scaling,
  });
  const speedup = r1k ? stockSpeedup(r1k, input.stockLimitS) : undefined;
  out.push({
    target: `≥ ${TARGETS.stockSpeedup}× stock cdk8s at 1,000 tenants`,
    measured: speedup ? `${speedup.lowerBound ? '> ' : ''}${speedup.ratio.toFixed(1)}×` : 'not measured',
    met: speedup ? speedup.ratio >= TARGETS.stockSpeedup : undefined,
  });
  const floors = input.rows.map((r) => r.fresh.wallMs / r.floorMs);
  out.push({
    target: `≤ ${TARGETS.floorRatio}× the serialization floor`,
    measured: input.rows.map((r, i) => `${n(r.tenants)}: ${floors[i].toFixed(2)}×`).join(', '),
    met: floors.length > 0 ? Math.max(...floors) <= TARGETS.floorRatio : undefined,
  });
  out.push({
    target: `peak memory ≤ ${TARGETS.memory10000Mb / 1024} GiB at 10,000 tenants`,
    measured: r10k ? mb(r10k.fresh.maxRssMb) : 'not measured',
    met: r10k ? r10k.fresh.maxRssMb <= TARGETS.memory10000Mb : undefined,
  });
  out.push(validateVerdict(input), ...flowGateVerdicts(input));
  return out;
}

export function renderReport(input: ReportInput): string {
  const lines = [
    '# Synth benchmark',
    '',
    `_Written by \`npm run bench\` on ${input.date}: ${input.machine}._`,
    '',
    'Each N is a generated `tenants.yaml` of N tenants, each with an exposed LLM backend of its own, a model on it,',
    'an exposed MCP server and an exposed declarative agent (`scripts/bench/tenants.ts`), in both environments.',
    'Every run is a fresh `node` process; wall time includes process start. "Fresh" synthesizes into an empty',
    'output, "rerun" synthesizes again with nothing changed. The floor serializes the same objects to YAML and',
    'writes them without constructs (timed part only). Stock cdk8s builds only the tenant charts, all in one',
    '`App`, and calls `app.synth()`.',
    '',
    '| Tenants | Files | Fresh: wall | CPU | Peak memory | Rerun: wall | Floor | ÷ floor | Stock cdk8s | Speed-up |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of input.rows) {
    const sp = stockSpeedup(r, input.stockLimitS);
    lines.push(
      `| ${n(r.tenants)} | ${n(r.files)} | ${s(r.fresh.wallMs)} | ${s(r.fresh.cpuMs)} | ${mb(r.fresh.maxRssMb)} | ${s(r.rerun.wallMs)} | ${s(r.floorMs)} | ${(r.fresh.wallMs / r.floorMs).toFixed(2)}× | ${stockCell(r, input.stockLimitS)} | ${sp ? `${sp.lowerBound ? '> ' : ''}${sp.ratio.toFixed(1)}×` : '—'} |`,
    );
  }
  lines.push('');
  if (input.incremental) {
    const i = input.incremental;
    lines.push(
      `**Adding one tenant** to the ${n(i.tenants)}-tenant registry: synth in ${s(i.wallMs)} (CPU ${s(i.cpuMs)}, ${mb(i.maxRssMb)}), ${n(i.changedFiles)} files written or deleted.`,
      '',
    );
  }
  if (input.validate) {
    const v = input.validate;
    lines.push(
      `**npm run validate** over the ${n(v.tenants)}-tenant output, every gate but kubectl-validate, nothing remembered (\`VALIDATE_CACHE=off\`): ${s(v.wallMs)} wall. Last line: \`${v.summary}\``,
      '',
    );
  }
  if (input.kubectlValidate) {
    const k = input.kubectlValidate;
    const perTenant = k.wallMs / k.tenants;
    lines.push(
      `**kubectl-validate** alone over the ${n(k.tenants)}-tenant output, nothing remembered: ${s(k.wallMs)} wall, ${(perTenant / 1000).toFixed(2)} s per tenant` +
        (input.validate
          ? `, so about ${Math.round((perTenant * input.validate.tenants) / 60000)} min over ${n(input.validate.tenants)} tenants.`
          : '.'),
      '',
    );
  }
  if (input.flowGate && input.flowGate.length > 0) {
    lines.push(
      '**The flow gate** alone (`npm run validate -- --only flows`; its own time, without reading the output):',
      '',
      '| Tenants | Time | Flows stood for |',
      '|---:|---:|---:|',
    );
    for (const f of input.flowGate) lines.push(`| ${n(f.tenants)} | ${s(f.gateMs)} | ${n(f.flows)} |`);
    lines.push('');
  }
  lines.push('## Targets', '', '| Target | Measured | Met |', '|---|---|---|');
  for (const v of verdicts(input))
    lines.push(`| ${v.target} | ${v.measured} | ${v.met === undefined ? '—' : v.met ? 'yes' : '**no**'} |`);
  lines.push('');
  return lines.join('\n');
}
