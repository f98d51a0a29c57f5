import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { loadTenants, splitTenantsText } from '../../charts/config/load-tenants';
import { ConfigError } from '../../charts/config/source-errors';
import { compileOutput, loadTenantsWith, PARALLEL_THRESHOLD, SynthPool } from '../../charts/synth/parallel';
import { OUTPUT_DIRS, type SynthInput, synthesize } from '../../charts/synth/synthesize';
import { beginWrite, drift, existingFiles, OutputSink } from '../../charts/synth/write';
import { benchTenantsYaml } from '../../scripts/bench/tenants';

const ROOT = path.resolve(__dirname, '..', '..');

/** 300 rich tenants in the real environments: 600 tenant folders, above the threshold for workers. */
function input(): SynthInput {
  const environments = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
  const infra = new Map(environments.map((e) => [e.name, loadInfraOutputs(ROOT, e.name, e)]));
  return { environments, tenants: loadTenants(benchTenantsYaml(300)), infra };
}

describe('compileOutput on worker threads', () => {
  let root: string;
  let data: SynthInput;
  let expected: Map<string, string>;
  let pool: SynthPool;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-'));
    data = input();
    expected = synthesize(data);
    pool = new SynthPool(2);
  });
  afterAll(async () => {
    await pool.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('stages exactly the files of the single-threaded synthesize, byte for byte, in the same order', async () => {
    expect(data.tenants.length * data.environments.length).toBeGreaterThanOrEqual(PARALLEL_THRESHOLD);
    const pending = beginWrite(root, OUTPUT_DIRS);
    const result = await compileOutput(data, pending.sink, pending.spec, pool);
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
    const clean = await compileOutput(data, new OutputSink(spec), spec, pool);
    expect(drift(root, OUTPUT_DIRS, clean.produced, clean.reports)).toEqual({ changed: [], missing: [], extra: [] });
    const victim = 'dist/dev/tenants/team-00120/networkpolicy-default-deny.yaml';
    fs.appendFileSync(path.join(root, victim), '# edited\n');
    fs.writeFileSync(path.join(root, 'dist/dev/tenants/team-00120/stray.yaml'), 'x: 1\n');
    const dirty = await compileOutput(data, new OutputSink(spec), spec, pool);
    expect(drift(root, OUTPUT_DIRS, dirty.produced, dirty.reports)).toEqual({
      changed: [victim],
      missing: [],
      extra: ['dist/dev/tenants/team-00120/stray.yaml'],
    });
  });

  it('reports a worker failure as an error and leaves the output as it was', async () => {
    const broken: SynthInput = { ...data, infra: new Map([...data.infra].slice(0, 1)) };
    const before = existingFiles(root, OUTPUT_DIRS);
    const pending = beginWrite(root, OUTPUT_DIRS);
    await expect(compileOutput(broken, pending.sink, pending.spec, pool)).rejects.toThrow(
      /no cluster outputs for environment prod/,
    );
    pending.abort();
    expect(existingFiles(root, OUTPUT_DIRS)).toEqual(before);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.dist-'))).toEqual([]);
  });
});

describe('reading tenants.yaml in parts', () => {
  let pool: SynthPool;
  beforeAll(() => {
    pool = new SynthPool(2);
  });
  afterAll(() => pool.close());

  it('gives exactly what loadTenants gives, lines and indexes included', async () => {
    const text = `# a registry\n\ntenants:\n  # first\n${benchTenantsYaml(40).split('\n').slice(2).join('\n')}`;
    expect(splitTenantsText(text, 8)!.length).toBe(8);
    expect(await loadTenantsWith(pool, text)).toEqual(loadTenants(text));
    const example = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8');
    expect(splitTenantsText(example, 8)!.length, 'one part per entry').toBe(3);
    expect(await loadTenantsWith(pool, example)).toEqual(loadTenants(example));
  });

  it('reports the same errors as loadTenants when a rule across tenants or a YAML problem fails', async () => {
    const base = benchTenantsYaml(20);
    const bad = [
      base.replace('name: team-00003', 'name: team-00001'), // a duplicate name in another part
      base.replace('    displayName: Team 15\n', '    displayName: Team 15\n    alias: team-00002\n'), // an alias naming another tenant
      base.replace('    displayName: Team 7\n', '    displayName: Team 7\n    displayName: again\n'), // a duplicate key
      base.replace('        expose: true\n', '        expose: yes\n'), // a schema error
    ];
    for (const text of bad) {
      let expected: unknown;
      try {
        loadTenants(text);
      } catch (e) {
        expected = (e as ConfigError).message;
      }
      expect(expected, 'the file is invalid').toBeTypeOf('string');
      await expect(loadTenantsWith(pool, text)).rejects.toThrow(expected as string);
    }
  });

  it('reads files of any other shape whole', () => {
    expect(splitTenantsText('tenants: []\n', 4)).toBeUndefined();
    expect(splitTenantsText('version: 1\ntenants:\n  - name: a\n  - name: b\n', 4)).toBeUndefined();
    expect(splitTenantsText('tenants:\n  - name: a\n  - name: b\nother: 1\n', 4)).toBeUndefined();
    expect(splitTenantsText('tenants:\n\t- name: a\n  - name: b\n', 4)).toBeUndefined();
    expect(splitTenantsText('tenants:\n- name: a\n- name: b\n', 4)).toEqual([
      { text: 'tenants:\n- name: a', lineOffset: 0 },
      { text: 'tenants:\n- name: b\n', lineOffset: 1 },
    ]);
  });
});
