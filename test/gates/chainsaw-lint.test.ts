/** The Chainsaw suites pass `chainsaw lint test`; a malformed suite does not. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainsawLintGate, chainsawTests, E2E_DIR } from '../../scripts/gates/chainsaw-lint';
import { ROOT } from './fixture';

describe('chainsaw lint gate', () => {
  it('lints the four end-to-end suites', async () => {
    expect(chainsawTests(path.join(ROOT, E2E_DIR)).map((f) => path.relative(ROOT, f))).toEqual([
      'test/e2e/cross-tenant-denial/chainsaw-test.yaml',
      'test/e2e/egress-anthropic/chainsaw-test.yaml',
      'test/e2e/gateway-auth/chainsaw-test.yaml',
      'test/e2e/waypoint-traffic/chainsaw-test.yaml',
    ]);
    const r = await chainsawLintGate(ROOT);
    expect(r.errors).toEqual([]);
    expect(r.checked).toBe(4);
  });

  it('fails a suite with a misspelled field, and a repository without suites', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chainsaw-'));
    try {
      expect((await chainsawLintGate(root)).errors).toEqual([
        'no chainsaw-test.yaml under test/e2e/; the end-to-end suites are missing',
      ]);
      const suite = path.join(root, E2E_DIR, 'broken');
      fs.mkdirSync(suite, { recursive: true });
      const text = fs
        .readFileSync(path.join(ROOT, E2E_DIR, 'waypoint-traffic', 'chainsaw-test.yaml'), 'utf8')
        .replace('  steps:', '  stepz:');
      fs.writeFileSync(path.join(suite, 'chainsaw-test.yaml'), text);
      const r = await chainsawLintGate(root);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^test\/e2e\/broken\/chainsaw-test\.yaml: chainsaw lint test failed: .*stepz/s);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
