/**
 * Runs the Kyverno CLI suites of test/kyverno/ against the policies in dist/dev/ with the
 * project's pinned kyverno binary, and checks that every shipped ClusterPolicy has a suite.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { DIRS } from '../charts/lib/constants';

const ROOT = path.resolve(__dirname, '..');
const KYVERNO = path.join(ROOT, '.tools', 'bin', 'kyverno');
const SUITES = path.join(ROOT, 'test', 'kyverno');
const POLICIES = path.join(ROOT, DIRS.dist, 'dev', DIRS.platform, DIRS.policies);

interface Suite {
  readonly dir: string;
  readonly test: { policies: string[]; resources: string[]; results: { policy: string; resources: string[] }[] };
}

const suites: Suite[] = fs
  .readdirSync(SUITES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => ({ dir: e.name, test: parse(fs.readFileSync(path.join(SUITES, e.name, 'kyverno-test.yaml'), 'utf8')) }));

function clusterPolicies(): { file: string; name: string }[] {
  return fs
    .readdirSync(POLICIES)
    .filter((f) => f.startsWith('clusterpolicy-'))
    .map((f) => ({ file: f, name: parse(fs.readFileSync(path.join(POLICIES, f), 'utf8')).metadata.name as string }));
}

function requireKyverno(): void {
  if (!fs.existsSync(KYVERNO)) {
    throw new Error(
      `kyverno CLI not found at ${path.relative(ROOT, KYVERNO)}: install the pinned tools with \`npm run tools\`, then run \`npm test\` again`,
    );
  }
}

describe('Kyverno CLI suites (test/kyverno/)', () => {
  it('cover every ClusterPolicy in dist/dev/, each suite testing the synthesized file itself', () => {
    const policies = clusterPolicies();
    expect(policies.map((p) => p.name).sort()).toEqual(suites.map((s) => s.dir).sort());
    for (const { file, name } of policies) {
      const suite = suites.find((s) => s.dir === name)!;
      expect(suite.test.policies, name).toEqual([
        `../../../${DIRS.dist}/dev/${DIRS.platform}/${DIRS.policies}/${file}`,
      ]);
      expect(new Set(suite.test.results.map((r) => r.policy)), name).toEqual(new Set([name]));
    }
  });

  it('name only resources their resource files hold (by name, or namespace/name)', () => {
    for (const { dir, test } of suites) {
      const names = new Set<string>();
      for (const file of test.resources) {
        for (const d of parseAllDocuments(fs.readFileSync(path.join(SUITES, dir, file), 'utf8'))) {
          const { name, namespace } = (d.toJS() as { metadata: { name: string; namespace?: string } }).metadata;
          names.add(name);
          if (namespace) names.add(`${namespace}/${name}`);
        }
      }
      for (const r of test.results)
        for (const name of r.resources) expect(names.has(name), `${dir}: ${name}`).toBe(true);
    }
  });

  it('check the exposed objects the compiler emits, as committed, against the auto-expose policy', () => {
    const suite = suites.find((s) => s.dir === 'auto-expose')!;
    const compiled = suite.test.resources.filter((f) => f.startsWith(`../../../${DIRS.dist}/`));
    expect(compiled.length).toBeGreaterThanOrEqual(1);
    for (const f of compiled) {
      const o = parse(fs.readFileSync(path.join(SUITES, 'auto-expose', f), 'utf8'));
      // Only a compiled object that the policy's annotation precondition would accept proves the skip.
      expect(o.metadata.annotations?.['platform.agentic.io/expose'], f).toBe('true');
      expect(o.metadata.labels['app.kubernetes.io/managed-by'], f).toBe('agentic-platform');
    }
  });

  it('generate no route for auto-expose resources in namespaces none of its rules selects (kyverno test reports nothing for those)', () => {
    requireKyverno();
    const suite = path.join(SUITES, 'auto-expose');
    const docs = parseAllDocuments(fs.readFileSync(path.join(suite, 'resource.yaml'), 'utf8')).map((d) => d.toJS());
    const selected = new Set(
      (
        parse(fs.readFileSync(path.join(suite, 'values.yaml'), 'utf8')).namespaceSelector as {
          name: string;
          labels: Record<string, string>;
        }[]
      )
        .filter(
          (n) =>
            n.labels['platform.agentic.io/tenant'] === 'true' || n.labels['platform.agentic.io/auto-expose'] === 'true',
        )
        .map((n) => n.name),
    );
    const apply = (objects: object[]) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auto-expose-'));
      try {
        fs.writeFileSync(path.join(dir, 'resources.yaml'), objects.map((o) => stringify(o)).join('---\n'));
        const policy = path.join(POLICIES, 'clusterpolicy-auto-expose.yaml');
        const run = spawnSync(
          KYVERNO,
          [
            'apply',
            policy,
            '--resource',
            path.join(dir, 'resources.yaml'),
            '--values-file',
            path.join(suite, 'values.yaml'),
            '--remove-color',
          ],
          { encoding: 'utf8' },
        );
        return `${run.stdout}\n${run.stderr}`;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    const outside = docs.filter((d) => !selected.has(d.metadata.namespace));
    expect(outside.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual([
      'agentgateway-system/anthropic',
      'agentgateway-system/unlabelled',
    ]);
    expect(apply(outside)).toContain('pass: 0, fail: 0, warn: 0, error: 0, skip: 0');
    // The same command on a tenant's exposed agent generates its route and its caller policy.
    expect(apply(docs.filter((d) => d.metadata.name === 'helper'))).toContain(
      'pass: 2, fail: 0, warn: 0, error: 0, skip: 0',
    );
  });

  it('pass with the pinned kyverno CLI, every expected result checked', () => {
    requireKyverno();
    const run = spawnSync(KYVERNO, ['test', path.relative(ROOT, SUITES), '--remove-color'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    const expected = suites.reduce((n, s) => n + s.test.results.reduce((m, r) => m + r.resources.length, 0), 0);
    expect(output).toContain(`Test Summary: ${expected} tests passed and 0 tests failed`);
  });
});
