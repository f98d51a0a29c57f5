/**
 * The cluster tier's planted faults (faults.ts) change exactly the files they name, in both
 * environments, and nothing else of what the tier serves.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './environment-harness';
import { faultyRoot } from './faults';

function changedFiles(root: string): string[] {
  const out: string[] = [];
  for (const top of ['argocd', 'dist']) {
    const r = (() => {
      try {
        return execFileSync('diff', ['-rq', path.join(ROOT, top), path.join(root, top)], { encoding: 'utf8' });
      } catch (e) {
        return String((e as { stdout: string }).stdout);
      }
    })();
    for (const line of r.split('\n').filter(Boolean)) {
      const m = /^Files (\S+) and \S+ differ$/.exec(line) ?? /^Only in (\S+): (\S+)$/.exec(line);
      if (!m) throw new Error(line);
      const file = m[2] ? path.join(m[1], m[2]) : m[1];
      out.push(path.relative(file.startsWith(ROOT) ? ROOT : root, file));
    }
  }
  return out.sort();
}

describe('planted faults', () => {
  for (const env of ['dev', 'prod']) {
    it(`${env}: each plant changes the one file it names, and nothing else`, () => {
      const { root, faults } = faultyRoot(env);
      try {
        expect(faults).toHaveLength(4);
        expect(changedFiles(root)).toEqual(faults.map((f) => f.file).sort());
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
