import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureConsole } from '../helpers';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { loadTenants } from '../../charts/config/load-tenants';
import { synthesize } from '../../charts/synth/synthesize';
import { existingFiles } from '../../charts/synth/write';
import { explainCommand, EXPLAIN_COMMAND as explainSpec } from '../../scripts/cli/explain';
import { runCommand } from '../../scripts/lib/cli';
import { TENANT_COMMAND as spec, tenantCommand } from '../../scripts/cli/tenant';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8');

/** A scratch repository root with the real environments, cluster outputs and example tenants.yaml. */
function scratch(tenants = EXAMPLE): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-'));
  fs.cpSync(path.join(ROOT, 'charts', 'environments'), path.join(dir, 'charts', 'environments'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'cluster', 'outputs'), path.join(dir, 'cluster', 'outputs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tenants.yaml'), tenants);
  return dir;
}

/** The comment lines of a text, trimmed, in order. */
const comments = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trimStart().startsWith('#'))
    .map((l) => l.trim());

/** synthesize() of a tenants.yaml text with the scratch root's environments and outputs. */
function synthesized(root: string, text: string): Map<string, string> {
  const environments = loadEnvironments(path.join(root, 'charts', 'environments'));
  const infra = new Map(environments.map((e) => [e.name, loadInfraOutputs(root, e.name, e)]));
  return synthesize({ environments, tenants: loadTenants(text), infra });
}

describe('npm run tenant', () => {
  let root: string;
  let out: string[];
  let err: string[];
  const tenant = (...argv: string[]) => runCommand(spec, tenantCommand, [...argv, '--root', root]);
  const file = () => fs.readFileSync(path.join(root, 'tenants.yaml'), 'utf8');

  beforeEach(() => {
    root = scratch();
    out = [];
    err = [];
    captureConsole(out, err);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('add keeps every comment of the file in order, appends the entry, and writes what synthesize() produces', async () => {
    const code = await tenant(
      'add',
      'gamma',
      '--display-name',
      'Team Gamma',
      '--owner-group',
      'gamma-admins',
      '--quota',
      'requests.cpu=12',
      '--limit',
      'default.memory=512Mi',
      '--comment',
      'Forecasting.',
    );
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const text = file();
    const before = comments(EXAMPLE);
    const after = comments(text);
    // Every comment line of the example, in order, and the new one after them.
    expect(after).toEqual([...before, '# Forecasting.']);
    expect(text.startsWith(EXAMPLE)).toBe(true);
    expect(loadTenants(text).map((t) => t.name)).toEqual(['alpha', 'beta', 'research', 'gamma']);

    // dist/ and argocd/ on disk are exactly synthesize() of the new file.
    const files = synthesized(root, text);
    const onDisk = existingFiles(root, ['dist', 'argocd']);
    expect(onDisk.sort()).toEqual([...files.keys()].sort());
    for (const [f, content] of files) expect(fs.readFileSync(path.join(root, f), 'utf8'), f).toBe(content);
    expect(files.has('dist/dev/tenants/gamma/namespace-tenant-gamma.yaml')).toBe(true);
    expect(out[0]).toBe('tenant: added gamma to ' + path.relative(process.cwd(), path.join(root, 'tenants.yaml')));

    // explain reads the new tenant back from the output.
    out.length = 0;
    expect(await runCommand(explainSpec, explainCommand, ['gamma', '--root', root])).toBe(0);
    const quota = out
      .join('\n')
      .split('\n')
      .find((l) => l.startsWith('Quota'));
    expect(quota).toContain('requests.cpu 12,');
  });

  it('an invalid new entry leaves tenants.yaml byte-identical and writes nothing, naming the options at fault', async () => {
    const code = await tenant('add', 'gamma', '--alias', 'research', '--owner-user', 'system:admin');
    expect(code).toBe(1);
    expect(file()).toBe(EXAMPLE);
    expect(fs.existsSync(path.join(root, 'dist'))).toBe(false);
    const display = path.relative(process.cwd(), path.join(root, 'tenants.yaml'));
    expect(err).toEqual([
      '--owner-user system:admin: "system:admin" is a Kubernetes system identity and would grant access far beyond the tenant\'s team. Fix: name a group, user or service account of the tenant team',
      '--alias research: alias "research" is the name of tenant "research" (line 104). Fix: choose an alias that no other tenant uses as its name or alias',
      `tenant: the new entry is invalid (2 errors above); ${display} was not changed`,
    ]);
    expect(fs.readdirSync(root).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('refuses an existing name and a bad name in one line each, file untouched', async () => {
    expect(await tenant('add', 'beta')).toBe(1);
    expect(await tenant('add', 'Beta')).toBe(1);
    expect(err[0]).toMatch(/^tenant: "beta" already exists in .*tenants\.yaml \(line 52\); choose another name$/);
    expect(err[1]).toBe(
      `tenant: "Beta" is not a DNS-1123 label; use lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
    expect(file()).toBe(EXAMPLE);
  });

  it('refuses to edit a file that is invalid already', async () => {
    const broken = 'tenants:\n  - name: alpha\n    colour: blue\n';
    fs.writeFileSync(path.join(root, 'tenants.yaml'), broken);
    expect(await tenant('add', 'gamma')).toBe(1);
    expect(err[0]).toMatch(/tenants\.yaml:3:5: tenants\[0\]\.colour: unknown key "colour"\. Fix: /);
    expect(err).toHaveLength(2);
    expect(err[err.length - 1]).toMatch(
      /^tenant: .*tenants\.yaml has 1 error already; fix them first \(nothing was changed\)$/,
    );
    expect(file()).toBe(broken);
  });

  it('usage errors exit 2 with the usage line', async () => {
    expect(await tenant('rename', 'alpha')).toBe(2);
    expect(err[0]).toBe(`tenant: unknown action "rename"; use add or remove\nusage: ${spec.usage} (--help for more)`);
    expect(await tenant('remove', 'beta', '--alias', 'x')).toBe(2);
    expect(err[1]).toBe(`tenant: --alias applies to add only\nusage: ${spec.usage} (--help for more)`);
    expect(await tenant('add')).toBe(2);
    expect(err[2]).toBe(`tenant: add needs a tenant name\nusage: ${spec.usage} (--help for more)`);
  });

  it('remove refuses a tenant that another one calls, naming it, and changes nothing', async () => {
    expect(await tenant('remove', 'alpha')).toBe(1);
    expect(err).toEqual([
      `tenant: cannot remove alpha: tenant research still refers to it (${path.relative(process.cwd(), path.join(root, 'tenants.yaml'))}:132:21 tenants[2].agents[0].calls[0].tenant: agent analyst calls alpha/triage); remove those references first`,
    ]);
    expect(file()).toBe(EXAMPLE);
  });

  it('remove drops the entry and its comments, keeps the others byte-identical, synthesizes and prints the offboarding steps', async () => {
    expect(await tenant('remove', 'beta')).toBe(0);
    const text = file();
    expect(text).toBe(
      EXAMPLE.slice(0, EXAMPLE.indexOf('\n\n  # Bring your own key')) +
        EXAMPLE.slice(EXAMPLE.indexOf('\n\n  # Overrides')),
    );
    expect(fs.existsSync(path.join(root, 'dist', 'dev', 'tenants', 'alpha'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dist', 'dev', 'tenants', 'beta'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'argocd', 'prod', 'projects', 'appproject-tenant-beta.yaml'))).toBe(false);
    // The steps come after synth's own lines, in order: the merge before anything in a cluster.
    const printed = out.join('\n').split('\n');
    const at = (needle: string) => printed.findIndex((l) => l.includes(needle));
    expect(at('Offboarding beta:')).toBeGreaterThan(at('synth: '));
    expect(at('git commit -m "Offboard tenant beta"')).toBeGreaterThan(at('Offboarding beta:'));
    expect(at('get appprojects.argoproj.io')).toBeGreaterThan(at('git commit'));
    expect(at('delete applications.argoproj.io')).toBeGreaterThan(at('get appprojects.argoproj.io'));
    expect(at('delete namespace tenant-beta')).toBeGreaterThan(at('delete applications.argoproj.io'));
    expect(printed).toContain('       kubectl --context agentic-platform-prod delete namespace tenant-beta');
    expect(printed).toContain(
      '       aws secretsmanager delete-secret --region us-east-1 --secret-id agentic-platform/prod/tenants/beta/openai',
    );
  });

  it('puts tenants.yaml back when synth fails after the edit', async () => {
    fs.writeFileSync(path.join(root, 'charts', 'environments', 'dev.yaml'), 'name: dev\ncolour: blue\n');
    expect(await tenant('add', 'gamma')).toBe(1);
    expect(file()).toBe(EXAMPLE);
    expect(err[err.length - 1]).toMatch(
      /^tenant: synth found \d+ errors?; .*tenants\.yaml was put back as it was, dist\/ and argocd\/ were not changed$/,
    );
    expect(fs.existsSync(path.join(root, 'dist'))).toBe(false);
  });

  it('--no-synth edits the file only; --file names another registry', async () => {
    fs.writeFileSync(path.join(root, 'teams.yaml'), 'tenants:\n  - name: alpha\n');
    expect(await tenant('add', 'beta', '--file', 'teams.yaml', '--no-synth')).toBe(0);
    expect(fs.readFileSync(path.join(root, 'teams.yaml'), 'utf8')).toBe('tenants:\n  - name: alpha\n  - name: beta\n');
    expect(file()).toBe(EXAMPLE);
    expect(fs.existsSync(path.join(root, 'dist'))).toBe(false);
  });
});
