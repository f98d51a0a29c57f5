/**
 * Every command of package.json has the shared shape: --help prints its usage and exits 0; a
 * mistake exits non-zero with a one-line reason and never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main as clusterMain } from '../../cluster/cli';
import { FETCH_UPSTREAM_COMMAND, fetchUpstreamCommand } from '../../scripts/cli/fetch-upstream';
import { IMPORT_COMMAND, runImportCommand } from '../../scripts/cli/import';
import { LAYERS_COMMAND, runLayers } from '../../scripts/cli/layers';
import { CONTROL_PLANE_COMMAND, runControlPlane } from '../../scripts/cli/control-plane';
import { type CommandSpec, helpText, type ParsedArgs, runCommand } from '../../scripts/lib/cli';
import { runSchema, SCHEMA_COMMAND, schemaText } from '../../scripts/cli/schema';
import { runTools, TOOLS_COMMAND } from '../../scripts/cli/tools';
import { buildingLine, tool, TOOLS } from '../../scripts/toolchain/tools';
import { GATES, runValidate, VALIDATE_COMMAND } from '../../scripts/cli/validate';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

const COMMANDS: [string, CommandSpec, (args: ParsedArgs) => Promise<number> | number][] = [
  ['scripts/cli/tools.ts', TOOLS_COMMAND, runTools],
  ['scripts/cli/validate.ts', VALIDATE_COMMAND, runValidate],
  ['scripts/cli/control-plane.ts', CONTROL_PLANE_COMMAND, (a) => runControlPlane(a)],
  ['scripts/cli/import.ts', IMPORT_COMMAND, runImportCommand],
  ['scripts/cli/schema.ts', SCHEMA_COMMAND, (a) => runSchema(a)],
  ['scripts/cli/fetch-upstream.ts', FETCH_UPSTREAM_COMMAND, fetchUpstreamCommand],
  ['scripts/cli/layers.ts', LAYERS_COMMAND, runLayers],
];

describe('command entry files', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const entries = fs.readdirSync(path.join(ROOT, 'scripts', 'cli')).sort();

  it('every npm script that runs a TypeScript command runs a file of scripts/cli/ (or cluster/cli.ts, or the synth entry)', () => {
    const run = Object.entries(pkg.scripts).flatMap(([name, line]) =>
      [...line.matchAll(/(?:tsx|launch\.cjs) (\S+\.ts)/g)].map((m) => [name, m[1]]),
    );
    expect(run.length).toBeGreaterThan(10);
    for (const [name, file] of run)
      expect(file, name).toMatch(/^(scripts\/cli\/[a-z-]+\.ts|cluster\/cli\.ts|charts\/main\.ts)$/);
  });

  it('every file of scripts/cli/ is one command of the shared shape, which an npm script runs', () => {
    const lines = Object.values(pkg.scripts).join('\n');
    for (const file of entries) {
      const text = fs.readFileSync(path.join(ROOT, 'scripts', 'cli', file), 'utf8');
      expect(text, file).toMatch(/\nif \(require\.main === module\)\s+mainCommand\([A-Z_]+_COMMAND, /);
      expect(lines, file).toContain(`scripts/cli/${file}`);
    }
  });
});

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

/** The lines of what went to stderr. */
const errLines = () => err.join('\n').split('\n');

describe.each(COMMANDS)('%s', (script, spec, body) => {
  it('--help prints the usage and every option, and exits 0 without running anything', async () => {
    expect(await runCommand(spec, body, ['--help'])).toBe(0);
    expect(out.join('\n')).toBe(helpText(spec));
    expect(out[0]).toMatch(new RegExp(`^usage: npm run ${spec.name}`));
    for (const flag of Object.keys(spec.flags ?? {})) expect(out[0], flag).toContain(`--${flag}`);
    expect(err).toEqual([]);
  });

  it('an unknown option exits 2 with the reason on one line, then the usage', async () => {
    expect(await runCommand(spec, body, ['--bogus'])).toBe(2);
    expect(errLines()).toEqual([`${spec.name}: unknown option --bogus`, `usage: ${spec.usage} (--help for more)`]);
    expect(out).toEqual([]);
  });

  it('an unexpected argument exits 2', async () => {
    expect(await runCommand(spec, body, ['stray'])).toBe(2);
    expect(errLines()[0]).toBe(`${spec.name}: unexpected argument stray`);
  });

  it(`as a process: exit 2, no stack trace (npx tsx ${script} --bogus)`, () => {
    const r = spawnSync(TSX, [script, '--bogus'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DEBUG: '' } });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `${spec.name}: unknown option --bogus`,
      `usage: ${spec.usage} (--help for more)`,
    ]);
  });
});

describe('command-specific failures', () => {
  it('validate --only names an unknown gate and lists the real ones', async () => {
    expect(await runCommand(VALIDATE_COMMAND, runValidate, ['--only', 'kubeconform,lint'])).toBe(2);
    expect(errLines()[0]).toBe(`validate: unknown gate lint; gates: ${Object.keys(GATES).join(', ')}`);
  });

  it('tools --check --list is a usage error; --list prints one line per pinned tool', async () => {
    expect(await runCommand(TOOLS_COMMAND, runTools, ['--check', '--list'])).toBe(2);
    expect(errLines()[0]).toBe('tools: --check and --list exclude each other');
    expect(await runCommand(TOOLS_COMMAND, runTools, ['--list'])).toBe(0);
    expect(out.map((l) => l.split('\t')[0])).toEqual(TOOLS.map((t) => t.name));
  });

  it('tools names each tool as its build starts, with its place in the run', () => {
    expect(buildingLine(tool('kyverno'), '3/11')).toBe(
      'tools: building kyverno (3/11): github.com/kyverno/kyverno@v1.19.0, wrapper tools/kyverno',
    );
    expect(buildingLine(tool('gitleaks'), '1/1')).toBe(
      'tools: building gitleaks (1/1): github.com/zricethezav/gitleaks/v8@v8.30.1',
    );
  });

  it('control-plane refuses an unknown environment and --env with --no-crds before starting anything', async () => {
    expect(await runCommand(CONTROL_PLANE_COMMAND, (a) => runControlPlane(a, ROOT), ['--env', 'staging'])).toBe(1);
    expect(err).toEqual(['control-plane: --env staging: no such environment (known: dev, prod)']);
    expect(
      await runCommand(CONTROL_PLANE_COMMAND, (a) => runControlPlane(a, ROOT), ['--env', 'dev', '--no-crds']),
    ).toBe(2);
    expect(errLines()[1]).toBe('control-plane: --env needs the CRDs; leave out --no-crds');
    expect(out).toEqual([]);
  });

  it('import refuses a missing CRD directory before clearing anything', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-'));
    fs.writeFileSync(path.join(outDir, 'keep.ts'), '');
    try {
      expect(await runCommand(IMPORT_COMMAND, runImportCommand, ['--crds', '/nonexistent/crds', '--out', outDir])).toBe(
        1,
      );
      expect(err).toEqual([
        'import: the upstream CRD copies are not in /nonexistent/crds; run npm run fetch-upstream (downloads every pinned file and checks its digest), or set CRDS_DIR to the folder that holds them; or pass --crds <dir>',
      ]);
      expect(fs.readdirSync(outDir)).toEqual(['keep.ts']);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('schema --check passes on the committed file and fails, naming the fix, on a stale one', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-'));
    try {
      const file = path.join(root, 'charts', 'schemas', 'tenants.schema.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '{}\n');
      expect(await runCommand(SCHEMA_COMMAND, (a) => runSchema(a, root), ['--check'])).toBe(1);
      expect(err).toEqual(['schema: charts/schemas/tenants.schema.json is stale; run npm run schema and commit it']);
      expect(fs.readFileSync(file, 'utf8')).toBe('{}\n');
      expect(await runCommand(SCHEMA_COMMAND, (a) => runSchema(a, root), [])).toBe(0);
      expect(fs.readFileSync(file, 'utf8')).toBe(schemaText());
      expect(await runCommand(SCHEMA_COMMAND, (a) => runSchema(a, ROOT), ['--check'])).toBe(0);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('cluster commands (cluster/cli.ts)', () => {
  it('--help of the whole and of a command exit 0; no command, an unknown one or an unknown option exit 2 in one line', async () => {
    expect(await clusterMain(['--help'], ROOT)).toBe(0);
    expect(out[0]).toMatch(/^usage: npm run <command> -- <env>/);
    expect(await clusterMain(['bootstrap', '--help'], ROOT)).toBe(0);
    expect(out.at(-1)).toMatch(/^usage: npm run bootstrap -- <env> \[options\]/);
    expect(await clusterMain([], ROOT)).toBe(2);
    expect(err[0]).toMatch(/^usage: npm run <command>/);
    expect(await clusterMain(['bootstrap', 'dev', '--bogus'], ROOT)).toBe(2);
    expect(err.at(-1)).toBe('bootstrap: unknown option --bogus; see npm run bootstrap -- --help');
  });

  it('as a process: exit 2, no stack trace (npx tsx cluster/cli.ts infra:plan dev --bogus)', () => {
    const r = spawnSync(TSX, ['cluster/cli.ts', 'infra:plan', 'dev', '--bogus'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('infra:plan: unknown option --bogus; see npm run infra:plan -- --help\n');
  });
});
