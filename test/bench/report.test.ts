import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type BenchRow, renderReport, scalingRatios, stockSpeedup, verdicts } from '../../scripts/bench/report';
import { parseFlowGate } from '../../scripts/cli/bench';
import { benchTenantName, benchTenantsYaml } from '../../scripts/bench/tenants';
import { loadTenants } from '../../charts/config/load-tenants';

const m = (wallS: number, rssMb = 500) => ({ wallMs: wallS * 1000, cpuMs: wallS * 1500, maxRssMb: rssMb });
const row = (tenants: number, wallS: number, floorS: number, stock: BenchRow['stock'], rssMb = 500): BenchRow => ({
  tenants,
  files: tenants * 66,
  fresh: m(wallS, rssMb),
  rerun: m(wallS / 2, rssMb),
  floorMs: floorS * 1000,
  stock,
});

describe('bench tenants', () => {
  it('generates N valid, distinct, rich tenants', () => {
    const tenants = loadTenants(benchTenantsYaml(3));
    expect(tenants.map((t) => t.name)).toEqual([benchTenantName(0), benchTenantName(1), benchTenantName(2)]);
    for (const t of tenants) {
      expect(t.workloads.agents.map((a) => a.expose)).toEqual([true]);
      expect(t.workloads.mcpServers.map((s) => s.expose)).toEqual([true]);
      expect(t.workloads.llmBackends.map((b) => b.expose)).toEqual([true]);
      expect(t.workloads.models.map((x) => x.name)).toEqual(['gpt']);
    }
    expect(parse(benchTenantsYaml(2)).tenants).toHaveLength(2);
  });
});

describe('bench report', () => {
  const rows = [
    row(100, 0.5, 0.3, m(2)),
    row(1000, 2.5, 1.2, 'timeout'),
    row(5000, 12, 6, 'skipped'),
    row(10000, 26, 12, 'skipped', 1500),
  ];
  const input = {
    machine: '2 × test CPU',
    date: '2026-01-01',
    rows,
    stockLimitS: 120,
    validate: { tenants: 1000, ...m(16), summary: 'validate: all 6 gates passed' },
    kubectlValidate: { tenants: 100, wallMs: 140_000 },
  };

  it('computes t(2N)/t(N) only where 2N was measured', () => {
    expect(scalingRatios(rows)).toEqual([{ from: 5000, to: 10000, ratio: 26 / 12 }]);
    expect(scalingRatios(rows, 'rerun')).toEqual([{ from: 5000, to: 10000, ratio: 13 / 6 }]);
    expect(verdicts({ machine: '', date: '', rows, stockLimitS: 120 })[2].measured).toBe(
      '5,000→10,000: 2.17 (rerun: 2.17)',
    );
  });

  it('gives the stock speed-up as a lower bound when stock cdk8s was stopped', () => {
    expect(stockSpeedup(rows[0], 120)).toEqual({ ratio: 4, lowerBound: false });
    expect(stockSpeedup(rows[1], 120)).toEqual({ ratio: 48, lowerBound: true });
    expect(stockSpeedup(rows[2], 120)).toBeUndefined();
  });

  it('marks each target met or missed from the numbers', () => {
    expect(verdicts(input).map((v) => [v.target, v.met])).toEqual([
      ['1,000 tenants ≤ 3 s', true],
      ['10,000 tenants ≤ 25 s', false],
      ['t(2N)/t(N) ≤ 2.2', true],
      ['≥ 10× stock cdk8s at 1,000 tenants', true],
      ['≤ 3× the serialization floor', true],
      ['peak memory ≤ 2 GiB at 10,000 tenants', true],
      ['npm run validate over 1,000 tenants ≤ 15 s', false],
      ['flow gate over 1,000 tenants ≤ 10 s', undefined],
      ['flow gate grows linearly (time per tenant at the largest N ≤ at the smallest)', undefined],
    ]);
    const slow = {
      ...input,
      rows: [row(1000, 4, 1, 'skipped'), row(2000, 9.2, 2, 'skipped')],
      validate: undefined,
      kubectlValidate: undefined,
    };
    expect(verdicts(slow).map((v) => v.met)).toEqual([
      false,
      undefined,
      false,
      undefined,
      false,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('renders one table row per N and the targets table', () => {
    const text = renderReport(input);
    expect(text).toContain(
      '| 1,000 | 66,000 | 2.5 s | 3.8 s | 500 MiB | 1.3 s | 1.2 s | 2.08× | > 120 s (stopped) | > 48.0× |',
    );
    expect(text).toContain('| 10,000 tenants ≤ 25 s | 26.0 s | **no** |');
    expect(text).toContain(
      '**npm run validate** over the 1,000-tenant output, every gate but kubectl-validate, nothing remembered (`VALIDATE_CACHE=off`): 16.0 s wall.',
    );
    expect(text).toContain(
      '**kubectl-validate** alone over the 100-tenant output, nothing remembered: 140.0 s wall, 1.40 s per tenant, so about 23 min over 1,000 tenants.',
    );
    expect(text).toContain(
      '| npm run validate over 1,000 tenants ≤ 15 s | 16.0 s without kubectl-validate; about 24 min with it | **no** |',
    );
    const withGate = renderReport({ ...input, flowGate: [{ tenants: 100, gateMs: 1100, flows: 356_006 }] });
    expect(withGate).toContain('| 100 | 1.1 s | 356,006 |');
  });
});

describe('the validation target', () => {
  const base = { machine: 'm', date: 'd', rows: [row(1000, 2, 1, 'skipped')], stockLimitS: 120 };
  const met = (input: Parameters<typeof verdicts>[0]) =>
    verdicts(input).find((v) => v.target.startsWith('npm run validate'))!.met;
  it('is met only when the other gates plus kubectl-validate at its measured rate fit', () => {
    expect(
      met({
        ...base,
        validate: { tenants: 1000, ...m(5), summary: '' },
        kubectlValidate: { tenants: 100, wallMs: 900 },
      }),
    ).toBe(true);
    expect(
      met({
        ...base,
        validate: { tenants: 1000, ...m(5), summary: '' },
        kubectlValidate: { tenants: 100, wallMs: 1100 },
      }),
    ).toBe(false);
  });
  it('is unknown when kubectl-validate was not measured and the rest fits, missed when the rest alone does not', () => {
    expect(met({ ...base, validate: { tenants: 1000, ...m(5), summary: '' } })).toBeUndefined();
    expect(met({ ...base, validate: { tenants: 1000, ...m(16), summary: '' } })).toBe(false);
  });
});

describe('bench: the flow gate', () => {
  const base = { machine: '', date: '', rows: [], stockLimitS: 120 };
  const gate = (v: ReturnType<typeof verdicts>) => v.filter((x) => x.target.startsWith('flow gate'));

  it('holds the gate to 10 s at 1,000 tenants and to a time per tenant that does not grow', () => {
    const ok = gate(
      verdicts({
        ...base,
        flowGate: [
          { tenants: 100, gateMs: 1100, flows: 356_006 },
          { tenants: 1000, gateMs: 6800, flows: 34_160_006 },
        ],
      }),
    );
    expect(ok).toEqual([
      { target: 'flow gate over 1,000 tenants ≤ 10 s', measured: '6.8 s', met: true },
      {
        target: 'flow gate grows linearly (time per tenant at the largest N ≤ at the smallest)',
        measured: '100: 1.1 s, 1,000: 6.8 s; per tenant × 0.62',
        met: true,
      },
    ]);
    const slow = gate(
      verdicts({
        ...base,
        flowGate: [
          { tenants: 100, gateMs: 500, flows: 1 },
          { tenants: 1000, gateMs: 12_000, flows: 1 },
        ],
      }),
    );
    expect(slow.map((v) => v.met)).toEqual([false, false]);
    expect(gate(verdicts(base)).map((v) => v.met)).toEqual([undefined, undefined]);
  });

  it("reads the gate's own time and flow count from its line of npm run validate", () => {
    expect(
      parseFlowGate(
        1000,
        'validate: 1 gate, 2 environments\nflows            ok                     34160006 flows in 6.8s — 220 checks\n',
      ),
    ).toEqual({ tenants: 1000, gateMs: 6800, flows: 34_160_006 });
    expect(parseFlowGate(3, 'flows            FAILED (214 problems)    756 flows in 0.3s — x')).toEqual({
      tenants: 3,
      gateMs: 300,
      flows: 756,
    });
    expect(() => parseFlowGate(1, 'validate: all 1 gates passed')).toThrow(
      'the flow gate printed no summary line: validate: all 1 gates passed',
    );
  });
});
