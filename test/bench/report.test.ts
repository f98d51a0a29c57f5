import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { linearity, renderReport, type SizeResult, stockSpeedup, verdicts } from '../../scripts/bench/report';
import * as fs from 'node:fs';
import { editOneTenant, flagsByFile, launchFlags } from '../../scripts/cli/bench';
import { benchTenantName, benchTenantsYaml } from '../../scripts/bench/tenants';
import { loadTenants } from '../../charts/config/load-tenants';

const m = (wallS: number, rssMb = 500) => ({ wallMs: wallS * 1000, cpuMs: wallS * 1500, maxRssMb: rssMb });
const sum = (wallS: number, summary = 'validate: all 9 gates passed') => ({ ...m(wallS), summary });

function size(tenants: number, over: Partial<SizeResult> = {}): SizeResult {
  return {
    tenants,
    files: tenants * 100,
    fresh: m(tenants / 100),
    floorMs: (tenants / 150) * 1000,
    stock: 'skipped',
    nothingChanged: m(0.3),
    editOne: { ...m(0.7), changedFiles: 8 },
    addOne: { ...m(0.9), changedFiles: 110 },
    validateFull: sum(50),
    validateEdit: sum(2),
    diffEdit: sum(1.5),
    ...over,
  };
}

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
  const sizes = [
    size(1000, { stock: 'timeout' }),
    size(10000, { fresh: m(120, 900), editOne: { ...m(2), changedFiles: 8 } }),
  ];
  const input = { machine: '2 × test CPU', date: '2026-01-01', sizes, stockLimitS: 120 };
  const row = (operation: string, tenants?: number) =>
    verdicts(input).find((v) => v.operation.startsWith(operation) && v.tenants === tenants)!;

  it('holds every operation to its target per size', () => {
    expect(row('synth after editing one tenant', 1000)).toMatchObject({
      measured: '0.70 s',
      target: '≤ 0.8 s',
      met: true,
    });
    expect(row('synth after editing one tenant', 10000)).toMatchObject({
      measured: '2.00 s',
      target: '≤ 1.5 s',
      met: false,
    });
    expect(row('synth with nothing changed', 1000).met).toBe(true);
    expect(row('npm run validate after editing', 10000)).toMatchObject({ target: '≤ 5 s', met: true });
    expect(row('npm run diff', 1000)).toMatchObject({ target: '≤ 2 s', met: true });
    expect(row('npm run validate from nothing', 1000)).toMatchObject({ target: '≤ 60 s', met: true });
    expect(row('npm run validate from nothing', 10000)).toMatchObject({ target: 'report', met: undefined });
  });

  it('compares fresh synth with the floor, and its growth over ten times the tenants', () => {
    // fresh 10 s against a floor of 6.67 s: 1.50×, met; at 10,000: 120 s against 66.7 s: 1.80×.
    expect(row('fresh synth', 1000)).toMatchObject({
      measured: '10.0 s = 1.50×',
      met: true,
      stock: '> 120 s (stopped)',
    });
    expect(row('fresh synth', 10000)).toMatchObject({ met: false });
    expect(linearity(sizes)).toEqual([{ from: 1000, to: 10000, wall: 12, floor: 10 }]);
    expect(row('fresh synth grows linearly')).toMatchObject({ measured: 'wall 12.00, floor 10.00', met: false });
    expect(row('peak memory', 10000)).toMatchObject({ measured: '900 MiB', met: true });
  });

  it('marks an operation not measured as unknown, never as met', () => {
    const partial = { ...input, sizes: [size(1000, { diffEdit: undefined, validateEdit: undefined })] };
    const v = verdicts(partial);
    expect(v.find((x) => x.operation.startsWith('npm run diff'))).toMatchObject({
      measured: 'not measured',
      met: undefined,
    });
    expect(v.some((x) => x.operation.startsWith('peak memory'))).toBe(false);
  });

  it('gives the stock speed-up as a lower bound when stock cdk8s was stopped', () => {
    expect(stockSpeedup(sizes[0], 120)).toEqual({ ratio: 12, lowerBound: true });
    expect(stockSpeedup(size(100, { stock: m(4) }), 120)).toEqual({ ratio: 4, lowerBound: false });
    expect(stockSpeedup(sizes[1], 120)).toBeUndefined();
  });

  it('renders the targets table with floor and stock beside each row, and every measurement', () => {
    const text = renderReport(input);
    expect(text).toContain(
      "| synth after editing one tenant | 1,000 | 0.70 s | ≤ 0.8 s | yes | 0.01 s (one tenant's share) | > 120 s (stopped) (whole synth) |",
    );
    expect(text).toContain('| synth after editing one tenant | 10,000 | 2.00 s | ≤ 1.5 s | **no** |');
    expect(text).toContain(
      '| 1,000 | 100,000 | 10.0 s | 15.0 s | 500 MiB | 6.67 s | > 120 s (stopped) | > 12.0× | 0.30 s | 0.70 s | 0.90 s | 50.0 s | 2.00 s | 1.50 s |',
    );
  });
});

describe('the one-tenant edit of the benchmark', () => {
  it("changes only the middle tenant's entry, and the registry stays valid", () => {
    const text = benchTenantsYaml(4);
    const edited = editOneTenant(text, 4);
    const before = loadTenants(text);
    const after = loadTenants(edited);
    expect(after.map((t) => t.name)).toEqual(before.map((t) => t.name));
    const changed = after.filter(
      (t, i) => JSON.stringify({ ...t, line: 0 }) !== JSON.stringify({ ...before[i], line: 0 }),
    );
    expect(changed.map((t) => t.name)).toEqual([benchTenantName(2)]);
    expect(changed[0].quota.pods).toBe('40');
    expect(() => editOneTenant(text, 40)).toThrow(/no tenant team-00020/);
  });
});

describe('the Node.js flags of the measured commands', () => {
  const scripts = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

  it("are those of each command's script in package.json", () => {
    expect(launchFlags(scripts)).toEqual(['--max-semi-space-size=32', '--heap-growing-percent=100']);
    expect(launchFlags(scripts, 'validate')).toEqual(['--max-semi-space-size=32']);
    expect(launchFlags(scripts, 'diff')).toEqual(['--max-semi-space-size=32']);
    // Each measured file runs with the flags of the script that runs it.
    const byFile = flagsByFile(scripts);
    expect(byFile.get('charts/main.ts')).toEqual(launchFlags(scripts));
    expect(byFile.get('scripts/cli/validate.ts')).toEqual(launchFlags(scripts, 'validate'));
    expect(byFile.get('scripts/cli/diff.ts')).toEqual(launchFlags(scripts, 'diff'));
  });

  // Planted: a synth script the pattern does not recognize is an error, never an empty flag list.
  it('refuses a synth script that does not run the launcher', () => {
    expect(() => launchFlags({ synth: 'tsx charts/main.ts' })).toThrow(
      /does not run node \[flags\] scripts\/launch\.cjs/,
    );
    expect(launchFlags({ synth: 'node scripts/launch.cjs charts/main.ts' })).toEqual([]);
    expect(() => launchFlags({ synth: 'node scripts/launch.cjs charts/main.ts' }, 'diff')).toThrow(/diff script/);
  });
});
