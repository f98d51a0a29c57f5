/** The gates' code stamp is the same from sources (tsx) and from the launch bundle (npm run validate). */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const PROBE = 'test/fixtures/code-stamp-probe.ts';

const stampOf = (args: string[]) => {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.trim();
};

describe('code stamp', () => {
  it('is the same whether the gates run from their sources or from the bundle, so both share what they remember', () => {
    const fromSources = stampOf(['--import', 'tsx', PROBE]);
    expect(fromSources).toMatch(/^[0-9a-f]{64}$/);
    expect(stampOf([path.join('scripts', 'launch.cjs'), PROBE])).toBe(fromSources);
  });
});
