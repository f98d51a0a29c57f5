import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { loadTenants } from '../../charts/config/load-tenants';
import { compileOutput, OUTPUT_DIRS, PARALLEL_THRESHOLD } from '../../charts/synth/parallel';
import { type SynthInput, synthesize } from '../../charts/synth/synthesize';
import { beginWrite, drift, existingFiles, OutputSink } from '../../charts/synth/write';
import { benchTenantsYaml } from '../../scripts/bench/tenants';

const ROOT = path.resolve(__dirname, '..', '..');

/** 200 rich tenants in the real environments: 400 tenant folders, above the threshold for workers. */
function input(): SynthInput {
  const environments = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
  const infra = new Map(environments.map((e) => [e.name, loadInfraOutputs(ROOT, e.name, e)]));
  return { environments, tenants: loadTenants(benchTenantsYaml(200)), infra };
}

describe('compileOutput on worker threads', () => {
  let root: string;
  let data: SynthInput;
  let expected: Map<string, string>;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-'));
    data = input();
    expected = synthesize(data);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('stages exactly the files of the single-threaded synthesize, byte for byte, in the same order', async () => {
    expect(data.tenants.length * data.environments.length).toBeGreaterThanOrEqual(PARALLEL_THRESHOLD);
    const pending = beginWrite(root, OUTPUT_DIRS);
    const result = await compileOutput(data, pending.sink, pending.spec, 2);
    expect(result.reports.length, 'the workers compiled batches').toBeGreaterThan(2);
    expect([...result.produced]).toEqual([...expected.keys()]);
    const report = pending.commit(result.produced, result.reports.slice(1));
    expect(report).toEqual({ written: expected.size, unchanged: 0, deleted: 0 });
    const onDisk = existingFiles(root, OUTPUT_DIRS);
    expect(onDisk).toEqual([...expected.keys()].sort());
    for (const [p, content] of expected) expect(fs.readFileSync(path.join(root, p), 'utf8'), p).toBe(content);
  });

  it('finds no drift on the output it wrote, and names a changed and an extra file', async () => {
    const spec = { root, whole: [] };
    const clean = await compileOutput(data, new OutputSink(spec), spec, 2);
    expect(drift(root, OUTPUT_DIRS, clean.produced, clean.reports)).toEqual({ changed: [], missing: [], extra: [] });
    const victim = 'dist/dev/tenants/team-00120/networkpolicy-default-deny.yaml';
    fs.appendFileSync(path.join(root, victim), '# edited\n');
    fs.writeFileSync(path.join(root, 'dist/dev/tenants/team-00120/stray.yaml'), 'x: 1\n');
    const dirty = await compileOutput(data, new OutputSink(spec), spec, 2);
    expect(drift(root, OUTPUT_DIRS, dirty.produced, dirty.reports)).toEqual({ changed: [victim], missing: [], extra: ['dist/dev/tenants/team-00120/stray.yaml'] });
  });

  it('reports a worker failure as an error and leaves the output as it was', async () => {
    const broken: SynthInput = { ...data, infra: new Map([...data.infra].slice(0, 1)) };
    const before = existingFiles(root, OUTPUT_DIRS);
    const pending = beginWrite(root, OUTPUT_DIRS);
    await expect(compileOutput(broken, pending.sink, pending.spec, 2)).rejects.toThrow(/no cluster outputs for environment prod/);
    pending.abort();
    expect(existingFiles(root, OUTPUT_DIRS)).toEqual(before);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.dist-'))).toEqual([]);
  });
});
