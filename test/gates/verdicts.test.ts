/**
 * Clean verdicts remembered across runs: the store itself, and the gates that use it finding a
 * fault planted in a file whose earlier copy was clean.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeconformGate, kubectlValidateGate } from '../../scripts/gates/schemas';
import { secretsGate } from '../../scripts/gates/secrets';
import { CleanVerdicts, digestOf } from '../../scripts/gates/verdicts';
import { copiesPerTest, objectCount, renameField } from './fixture';

const freshCopy = copiesPerTest();
const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) fs.rmSync(h, { recursive: true, force: true });
});
const home = () => {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'verdicts-'));
  homes.push(h);
  return h;
};

describe('clean verdicts', () => {
  const a = digestOf('a');
  const b = digestOf('b');

  it('remembers clean files per key of tool, schemas and arguments, across runs', () => {
    const h = home();
    const first = new CleanVerdicts('kubeconform', ['tool v1', 'schemas x'], h, {});
    expect(first.clean(a)).toBeUndefined();
    first.add(a, 3);
    first.save();
    const again = new CleanVerdicts('kubeconform', ['tool v1', 'schemas x'], h, {});
    expect(again.clean(a)).toBe(3);
    expect(again.clean(b)).toBeUndefined();
    expect(again.remembered).toBe(1);
    // Another build of the tool, other schemas or another gate remember nothing.
    expect(new CleanVerdicts('kubeconform', ['tool v2', 'schemas x'], h, {}).clean(a)).toBeUndefined();
    expect(new CleanVerdicts('kubeconform', ['tool v1', 'schemas y'], h, {}).clean(a)).toBeUndefined();
    expect(new CleanVerdicts('kubectl-validate', ['tool v1', 'schemas x'], h, {}).clean(a)).toBeUndefined();
  });

  it('neither reads nor writes with VALIDATE_CACHE=off', () => {
    const h = home();
    const on = new CleanVerdicts('g', ['k'], h, {});
    on.add(a, 1);
    on.save();
    const off = new CleanVerdicts('g', ['k'], h, { VALIDATE_CACHE: 'off' });
    expect(off.clean(a)).toBeUndefined();
    off.add(b, 1);
    off.save();
    expect(new CleanVerdicts('g', ['k'], h, {}).clean(b)).toBeUndefined();
  });

  it('ignores lines it cannot read', () => {
    const h = home();
    const v = new CleanVerdicts('g', ['k'], h, {});
    v.add(a, 2);
    v.save();
    const file = fs.readdirSync(path.join(h, 'verdicts', 'g'))[0];
    fs.appendFileSync(path.join(h, 'verdicts', 'g', file), `not-a-digest\t1\n${b}\tmany\n`);
    const read = new CleanVerdicts('g', ['k'], h, {});
    expect(read.clean(a)).toBe(2);
    expect(read.clean(b)).toBeUndefined();
  });
});

describe('gates with remembered verdicts', () => {
  it('count remembered files and still find a fault planted in a file that was clean', async () => {
    const copy = freshCopy();
    const clean = copy.output();
    for (const gate of [kubeconformGate, kubectlValidateGate]) expect((await gate(clean)).errors).toEqual([]);
    const again = await kubeconformGate(copy.output());
    expect(again.checked).toBe(objectCount(clean));
    expect(again.notes?.[0]).toMatch(/, [1-9]\d* of them found clean before/);
    renameField(copy, 'dist/dev/tenants/alpha/networkpolicy-default-deny.yaml', ['spec'], 'podSelector', 'podSelectr');
    const faulty = copy.output();
    for (const gate of [kubeconformGate, kubectlValidateGate]) {
      const r = await gate(faulty);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^dist\/dev\/tenants\/alpha\/networkpolicy-default-deny\.yaml: .*podSelectr/);
      expect(r.checked).toBe(objectCount(faulty));
    }
  });

  it('finds a key planted in an output file whose earlier bytes were clean', async () => {
    const copy = freshCopy();
    expect((await secretsGate(copy.root)).errors).toEqual([]);
    const second = await secretsGate(copy.root);
    expect(second.notes?.[0]).toMatch(/, [1-9]\d* of them found clean before\)/);
    const file = 'dist/dev/tenants/alpha/namespace-tenant-alpha.yaml';
    const key = `sk-ant-api03-${'Ab9'.repeat(31)}AA`;
    fs.appendFileSync(path.join(copy.root, file), `# ${key}\n`);
    const r = await secretsGate(copy.root);
    expect(r.errors.map((e) => e.split(': gitleaks ')[1]?.split(':')[0])).toEqual(['anthropic-api-key']);
    expect(r.errors[0].startsWith(`${file}:`)).toBe(true);
  });
});
