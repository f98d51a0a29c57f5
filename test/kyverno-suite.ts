/**
 * Runs a Kyverno CLI suite written by a test (tables of cases too long to keep as YAML) with the
 * project's pinned kyverno binary, and reports the rows that did not meet their expectation.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

export const ROOT = path.resolve(__dirname, '..');
export const KYVERNO = path.join(ROOT, '.tools', 'bin', 'kyverno');

export interface SuiteResult {
  readonly policy: string;
  readonly rule: string;
  readonly kind: string;
  readonly resources: readonly string[];
  readonly result: 'pass' | 'fail' | 'skip';
  /** File name (among `files`) of the resource the rule should generate. */
  readonly generatedResource?: string;
}

export interface Suite {
  /** Policy files, relative to the repository root or absolute. */
  readonly policies: readonly string[];
  readonly resources: readonly object[];
  readonly results: readonly SuiteResult[];
  /** The Value document (namespace labels). */
  readonly values?: object;
  /** Further files of the suite directory, by name (generated resources). */
  readonly files?: Readonly<Record<string, object>>;
  /** Further fields of the Test document, such as apiCallResponses. */
  readonly test?: Readonly<Record<string, unknown>>;
}

export interface SuiteRun {
  /** `<rule> <kind>/<namespace>/<name>: <reason>` of every row that failed its expectation. */
  readonly failures: string[];
  /** Number of checked rows. */
  readonly passed: number;
  readonly output: string;
}

/** Writes the suite to a temporary directory, runs `kyverno test` on it and removes it. */
export function runSuite(suite: Suite): SuiteRun {
  if (!fs.existsSync(KYVERNO)) {
    throw new Error(
      `kyverno CLI not found at ${path.relative(ROOT, KYVERNO)}: install the pinned tools with \`npm run tools\``,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyverno-suite-'));
  try {
    const test = {
      apiVersion: 'cli.kyverno.io/v1alpha1',
      kind: 'Test',
      metadata: { name: 'generated' },
      policies: suite.policies.map((p) => path.resolve(ROOT, p)),
      resources: ['resources.yaml'],
      ...(suite.values ? { variables: 'values.yaml' } : {}),
      ...suite.test,
      results: suite.results,
    };
    fs.writeFileSync(path.join(dir, 'kyverno-test.yaml'), stringify(test));
    fs.writeFileSync(path.join(dir, 'resources.yaml'), suite.resources.map((r) => stringify(r)).join('---\n'));
    if (suite.values) fs.writeFileSync(path.join(dir, 'values.yaml'), stringify(suite.values));
    for (const [name, doc] of Object.entries(suite.files ?? {})) fs.writeFileSync(path.join(dir, name), stringify(doc));
    const run = spawnSync(KYVERNO, ['test', dir, '--remove-color'], { encoding: 'utf8' });
    const output = `${run.stdout}\n${run.stderr}`;
    const rows = output
      .split('\n')
      .filter((l) => /^│ \d+ /.test(l))
      .map((l) =>
        l
          .split('│')
          .map((c) => c.trim())
          .slice(1, -1),
      );
    const failures = rows
      .filter((r) => r[4] !== 'Pass')
      .map((r) => `${r[2]} ${r[3].split('/').slice(-3).join('/')}: ${r[5]}`);
    const expected = suite.results.reduce((n, r) => n + r.resources.length, 0);
    if (rows.length !== expected)
      failures.push(`kyverno test checked ${rows.length} of ${expected} expectations (exit ${run.status}):\n${output}`);
    return { failures, passed: rows.length - failures.length, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
