/**
 * The benchmark report: every operation a user waits for, per registry size, with its target,
 * the serialization floor and stock cdk8s beside it, each target marked met or missed from the
 * numbers. Pure, so that it is tested without running anything.
 */

export interface Measurement {
  readonly wallMs: number;
  /** User + system CPU time of the process, all threads. */
  readonly cpuMs: number;
  readonly maxRssMb: number;
}

/** A measurement with the summary line the command printed. */
export type Summarized = Measurement & { readonly summary: string };

/** Everything measured on one registry size. */
export interface SizeResult {
  readonly tenants: number;
  readonly files: number;
  /** Synth into an empty output. */
  readonly fresh: Measurement;
  /** Serializing and writing the same objects without constructs (timed part only). */
  readonly floorMs: number;
  /** Stock cdk8s: measured, stopped at the limit, or not run after an earlier stop. */
  readonly stock: Measurement | 'timeout' | 'skipped';
  /** Synth again, nothing changed. */
  readonly nothingChanged?: Measurement;
  /** Synth after editing one tenant's entry (previous output and record present). */
  readonly editOne?: Measurement & { readonly changedFiles: number };
  /** Synth after adding one tenant. */
  readonly addOne?: Measurement & { readonly changedFiles: number };
  /** npm run validate, every gate, from nothing (no remembered verdicts). */
  readonly validateFull?: Summarized;
  /** npm run validate, every gate, after editing one tenant and synthesizing. */
  readonly validateEdit?: Summarized;
  /** npm run diff of a one-tenant change against the last commit. */
  readonly diffEdit?: Summarized;
}

export interface ReportInput {
  readonly machine: string;
  readonly date: string;
  readonly sizes: readonly SizeResult[];
  readonly stockLimitS: number;
}

type PerSize = Readonly<Record<number, number>>;

/** The targets of issue "everyday speed", in seconds per registry size. */
export const TARGETS = {
  editOne: { 1000: 0.8, 10000: 1.5 } as PerSize,
  nothingChanged: { 1000: 0.5, 10000: 1 } as PerSize,
  validateEdit: { 1000: 3, 10000: 5 } as PerSize,
  diffEdit: { 1000: 2, 10000: 4 } as PerSize,
  validateFull: { 1000: 60 } as PerSize,
  /** Largest fresh synth ÷ floor. */
  floorRatio: 1.5,
  /** Largest t(10N)/t(N) of fresh synth and of the floor. */
  linear: 11,
  /** Peak memory of any synth at 10,000 tenants, MiB. */
  memory10000Mb: 1024,
} as const;

const s = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`);
const mb = (m: number) => (Number.isFinite(m) ? `${m.toFixed(0)} MiB` : 'n/a');
const n = (x: number) => x.toLocaleString('en-US');

export interface Verdict {
  readonly operation: string;
  readonly tenants?: number;
  readonly measured: string;
  readonly target: string;
  readonly met: boolean | undefined;
  readonly floor: string;
  readonly stock: string;
}

function stockCell(r: SizeResult, limitS: number): string {
  if (r.stock === 'skipped') return 'not run';
  if (r.stock === 'timeout') return `> ${limitS} s (stopped)`;
  return s(r.stock.wallMs);
}

/** Speed-up over stock cdk8s: a lower bound when stock was stopped at the limit. */
export function stockSpeedup(r: SizeResult, limitS: number): { ratio: number; lowerBound: boolean } | undefined {
  if (r.stock === 'skipped') return undefined;
  if (r.stock === 'timeout') return { ratio: (limitS * 1000) / r.fresh.wallMs, lowerBound: true };
  return { ratio: r.stock.wallMs / r.fresh.wallMs, lowerBound: false };
}

/** A timed operation against its target for this size (no target: reported only). */
function timed(
  operation: string,
  r: SizeResult,
  m: Measurement | undefined,
  targets: PerSize,
  floor: string,
  stock: string,
): Verdict {
  const limit = targets[r.tenants];
  return {
    operation,
    tenants: r.tenants,
    measured: m ? s(m.wallMs) : 'not measured',
    target: limit !== undefined ? `≤ ${limit} s` : 'report',
    met: m && limit !== undefined ? m.wallMs <= limit * 1000 : undefined,
    floor,
    stock,
  };
}

/** t(10N)/t(N) of fresh synth and of the floor, for every N whose tenfold was measured. */
export function linearity(sizes: readonly SizeResult[]): { from: number; to: number; wall: number; floor: number }[] {
  const out: { from: number; to: number; wall: number; floor: number }[] = [];
  for (const r of sizes) {
    const big = sizes.find((x) => x.tenants === 10 * r.tenants);
    if (big)
      out.push({
        from: r.tenants,
        to: big.tenants,
        wall: big.fresh.wallMs / r.fresh.wallMs,
        floor: big.floorMs / r.floorMs,
      });
  }
  return out;
}

/** Every row of the targets table. */
export function verdicts(input: ReportInput): Verdict[] {
  const out: Verdict[] = [];
  for (const r of input.sizes) {
    const stock = stockCell(r, input.stockLimitS);
    // Stock cdk8s has no incremental mode: any change costs it a whole synth.
    const stockWhole = r.stock === 'skipped' ? 'not run' : `${stock} (whole synth)`;
    out.push(
      timed(
        'synth after editing one tenant',
        r,
        r.editOne,
        TARGETS.editOne,
        `${s(r.floorMs / r.tenants)} (one tenant's share)`,
        stockWhole,
      ),
    );
    out.push(
      timed(
        'synth with nothing changed',
        r,
        r.nothingChanged,
        TARGETS.nothingChanged,
        '0 s (writes nothing)',
        stockWhole,
      ),
    );
    out.push(
      timed('npm run validate after editing one tenant, every gate', r, r.validateEdit, TARGETS.validateEdit, '—', '—'),
    );
    out.push(timed('npm run diff of a one-tenant change', r, r.diffEdit, TARGETS.diffEdit, '—', '—'));
    const ratio = r.fresh.wallMs / r.floorMs;
    out.push({
      operation: 'fresh synth into an empty output, ÷ floor',
      tenants: r.tenants,
      measured: `${s(r.fresh.wallMs)} = ${ratio.toFixed(2)}×`,
      target: `≤ ${TARGETS.floorRatio}×`,
      met: ratio <= TARGETS.floorRatio,
      floor: s(r.floorMs),
      stock,
    });
    out.push(timed('npm run validate from nothing, every gate', r, r.validateFull, TARGETS.validateFull, '—', '—'));
  }
  for (const l of linearity(input.sizes)) {
    out.push({
      operation: `fresh synth grows linearly: t(${n(l.to)}) ÷ t(${n(l.from)})`,
      measured: `wall ${l.wall.toFixed(2)}, floor ${l.floor.toFixed(2)}`,
      target: `≤ ${TARGETS.linear} both`,
      met: l.wall <= TARGETS.linear && l.floor <= TARGETS.linear,
      floor: '—',
      stock: '—',
    });
  }
  const big = input.sizes.find((r) => r.tenants === 10000);
  if (big) {
    const peaks = [big.fresh, big.nothingChanged, big.editOne, big.addOne].filter((m): m is Measurement => !!m);
    const peak = Math.max(...peaks.map((m) => m.maxRssMb));
    out.push({
      operation: 'peak memory of a synth',
      tenants: 10000,
      measured: mb(peak),
      target: `≤ ${TARGETS.memory10000Mb / 1024} GiB`,
      met: peak <= TARGETS.memory10000Mb,
      floor: '—',
      stock: '—',
    });
  }
  return out;
}

const cell = (m: Measurement | undefined) => (m ? s(m.wallMs) : '—');

export function renderReport(input: ReportInput): string {
  const lines = [
    '# Benchmarks',
    '',
    `_Written by \`npm run bench\` on ${input.date}: ${input.machine}._`,
    '',
    'Each N is a generated `tenants.yaml` of N tenants, each with an exposed LLM backend of its own, a model on it,',
    'an exposed MCP server and an exposed declarative agent (`scripts/bench/tenants.ts`), in both environments.',
    'Every run is a fresh `node` process, started after the writes of earlier steps are flushed (`sync`); wall time',
    'includes process start. Each command runs with the Node.js flags of its npm script. The floor serializes the same objects',
    'to YAML and writes them without constructs (timed part only, one thread). Stock cdk8s builds only the tenant',
    'charts, all in one `App`, and calls `app.synth()`; it has no incremental mode. "Editing one tenant" changes',
    "the display name and pod quota of the middle tenant's entry; validate and diff then run on that output.",
    '',
    '## Targets',
    '',
    '| Operation | Tenants | Measured | Target | Met | Floor | Stock cdk8s |',
    '|---|---:|---:|---:|---|---:|---:|',
  ];
  for (const v of verdicts(input))
    lines.push(
      `| ${v.operation} | ${v.tenants !== undefined ? n(v.tenants) : 'all'} | ${v.measured} | ${v.target} | ${v.met === undefined ? '—' : v.met ? 'yes' : '**no**'} | ${v.floor} | ${v.stock} |`,
    );
  lines.push(
    '',
    '## Every measurement',
    '',
    '| Tenants | Files | Fresh: wall | CPU | Peak memory | Floor | Stock cdk8s | Speed-up | Nothing changed | Edit one | Add one | Validate: from nothing | after one edit | Diff |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of input.sizes) {
    const sp = stockSpeedup(r, input.stockLimitS);
    lines.push(
      `| ${n(r.tenants)} | ${n(r.files)} | ${s(r.fresh.wallMs)} | ${s(r.fresh.cpuMs)} | ${mb(r.fresh.maxRssMb)} | ${s(r.floorMs)} | ${stockCell(r, input.stockLimitS)} | ${sp ? `${sp.lowerBound ? '> ' : ''}${sp.ratio.toFixed(1)}×` : '—'} | ${cell(r.nothingChanged)} | ${cell(r.editOne)} | ${cell(r.addOne)} | ${cell(r.validateFull)} | ${cell(r.validateEdit)} | ${cell(r.diffEdit)} |`,
    );
  }
  lines.push('');
  for (const r of input.sizes) {
    const notes: string[] = [];
    if (r.editOne) notes.push(`editing one tenant wrote or deleted ${n(r.editOne.changedFiles)} files`);
    if (r.addOne) notes.push(`adding one wrote or deleted ${n(r.addOne.changedFiles)}`);
    if (r.validateFull) notes.push(`validate from nothing ended \`${r.validateFull.summary}\``);
    if (r.validateEdit) notes.push(`after one edit \`${r.validateEdit.summary}\``);
    if (notes.length > 0) lines.push(`- ${n(r.tenants)} tenants: ${notes.join('; ')}.`);
  }
  lines.push('');
  return lines.join('\n');
}
