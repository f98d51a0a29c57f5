/**
 * The default test run shares each worker's module registry between files (vitest.config.ts,
 * `isolate: false`): a file that replaces a module or a global with vitest's mocker would leave the
 * replacement to the files after it in that worker, so each such file must be listed in MOCKING,
 * which runs it isolated. Restoring spies (`vi.restoreAllMocks`) is per file and needs no listing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { existingFiles } from '../charts/synth/write';
import { MOCKING } from '../vitest.config';

const ROOT = path.resolve(__dirname, '..');

/** Calls of vitest's mocker whose effect outlives the file in a shared registry. */
const LEAKING = /\bvi\.(mock|doMock|stubGlobal|stubEnv)\(/;

/** Test files (repository paths) that call a leaking mocker and are not listed, then listed files that do not. */
function unlisted(files: ReadonlyMap<string, string>, listed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [file, text] of files) {
    if (LEAKING.test(text) && !listed.includes(file))
      problems.push(`${file}: calls ${LEAKING.exec(text)?.[0]} but is not in MOCKING`);
  }
  for (const file of listed) {
    if (!files.has(file)) problems.push(`${file}: listed in MOCKING but no such test file`);
    else if (!LEAKING.test(files.get(file) ?? '')) problems.push(`${file}: listed in MOCKING but mocks nothing`);
  }
  return problems;
}

/** The default run's test files (test/**\/*.test.ts outside test/integration) and their text. */
function testFiles(): Map<string, string> {
  return new Map(
    existingFiles(ROOT, ['test'])
      .filter((f) => f.endsWith('.test.ts') && !f.startsWith('test/integration/'))
      .map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]),
  );
}

describe('the default run shares module registries safely', () => {
  it('lists in MOCKING exactly the test files that replace a module or a global', () => {
    const files = testFiles();
    expect(files.size).toBeGreaterThan(100);
    expect(unlisted(files, MOCKING)).toEqual([]);
  });

  it('names a file that mocks a module without being listed (planted), and a listed file that is gone', () => {
    // Built from parts, so that this file does not call the mocker in its own text.
    const call = (fn: string, args: string): string => `vi.${fn}(${args});`;
    const files = new Map([
      ['test/a.test.ts', call('mock', "'../charts/main'")],
      ['test/b.test.ts', call('stubEnv', "'HOME', '/x'")],
      ['test/c.test.ts', call('spyOn', "console, 'log'")],
    ]);
    expect(unlisted(files, ['test/a.test.ts', 'test/gone.test.ts'])).toEqual([
      `test/b.test.ts: calls ${call('stubEnv', '').slice(0, -2)} but is not in MOCKING`,
      'test/gone.test.ts: listed in MOCKING but no such test file',
    ]);
    expect(unlisted(files, ['test/c.test.ts'])).toContain('test/c.test.ts: listed in MOCKING but mocks nothing');
  });
});
