/**
 * npm run environment -- add: a new environment's files from an existing one, with placeholders
 * that synth accepts and the placeholders gate of npm run validate names until they are replaced.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { findPlaceholders, placeholderOutputs } from '../../charts/config/placeholders';
import { environmentCommand, ENVIRONMENT_COMMAND as spec } from '../../scripts/cli/environment';
import { scaffoldEnvironment } from '../../scripts/environment/scaffold';
import { placeholderProblems } from '../../scripts/gates/placeholders';
import { helpText, runCommand } from '../../scripts/lib/cli';
import { captureConsole, sampleInfra } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const DEV = fs.readFileSync(path.join(ROOT, 'charts', 'environments', 'dev.yaml'), 'utf8');
const DEV_TFVARS = fs.readFileSync(path.join(ROOT, 'cluster', 'terraform', 'env', 'dev.tfvars'), 'utf8');

/** A scratch repository root: environment files, their outputs and tfvars, and the example tenants. */
function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'environment-'));
  for (const d of ['charts/environments', 'cluster/outputs', 'cluster/terraform/env'])
    fs.cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'tenants.yaml'), path.join(dir, 'tenants.yaml'));
  return dir;
}

describe('scaffoldEnvironment', () => {
  it('changes only the name, branch, domain, cluster and hosted zone of the source, and keeps its comments', () => {
    const f = scaffoldEnvironment('staging', { name: 'dev', text: DEV, tfvars: DEV_TFVARS });
    const was = DEV.split('\n');
    const now = f.environment.text.split('\n').slice(2); // below the new header
    expect(f.environment.text.split('\n').slice(0, 2)).toEqual([
      '# Environment staging: made from dev by npm run environment -- add. Placeholders (npm run validate',
      '# lists them) and the checklist: docs/operator-runbook.md, "Add an environment".',
    ]);
    const changed = now.map((l, i) => [was[i + 1], l]).filter(([a, b]) => a !== b);
    expect(changed).toEqual([
      ['name: dev', 'name: staging'],
      ['  targetRevision: main', '  targetRevision: staging'],
      ['  domain: dev.agentic.example.com', '  domain: staging.placeholder.invalid'],
      ['  clusterName: agentic-platform-dev', '  clusterName: agentic-platform-staging'],
      ['  hostedZoneId: Z0DEV0EXAMPLE0ZONE0ID', '  hostedZoneId: ZPLACEHOLDER'],
    ]);
    expect(now.length).toBe(was.length - 1);
    expect(f.tfvars).toEqual({
      path: 'cluster/terraform/env/staging.tfvars',
      text: `# staging: copied from env/dev.tfvars by npm run environment -- add; review the sizes and deletion protection.\n${DEV_TFVARS}`,
    });
    expect(JSON.parse(f.outputs.text)).toEqual(placeholderOutputs(f.parsed));
  });

  it('takes the values given, leaving no placeholder in the environment file', () => {
    const f = scaffoldEnvironment(
      'staging',
      { name: 'dev', text: DEV, tfvars: DEV_TFVARS },
      {
        domain: 'staging.agentic.example.com',
        hostedZoneId: 'Z0123456789ABC',
        region: 'eu-west-1',
        accountId: '210987654321',
        branch: 'release',
        clusterName: 'ap-staging',
      },
    );
    expect(findPlaceholders(f.environment.text)).toEqual([]);
    expect(f.parsed).toMatchObject({
      name: 'staging',
      argocd: { targetRevision: 'release' },
      platform: { domain: 'staging.agentic.example.com' },
      aws: {
        region: 'eu-west-1',
        accountId: '210987654321',
        clusterName: 'ap-staging',
        hostedZoneId: 'Z0123456789ABC',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      },
    });
    expect(JSON.parse(f.outputs.text)).toMatchObject({
      accountId: '210987654321',
      region: 'eu-west-1',
      clusterName: 'ap-staging',
      secrets: { anthropicApiKey: 'agentic-platform/staging/anthropic-api-key' },
    });
  });

  it('refuses a value the environment loader refuses, with its message', () => {
    expect(() =>
      scaffoldEnvironment('staging', { name: 'dev', text: DEV, tfvars: DEV_TFVARS }, { hostedZoneId: 'not-a-zone' }),
    ).toThrow(/aws\.hostedZoneId: .*Fix: write the ID of the Route 53 hosted zone/);
  });
});

describe('npm run environment', () => {
  let root: string;
  let out: string[];
  let err: string[];
  const cwd = process.cwd();
  const environment = (...argv: string[]) => runCommand(spec, environmentCommand, [...argv, '--root', root]);
  beforeEach(() => {
    root = scratch();
    out = [];
    err = [];
    captureConsole(out, err);
    process.chdir(root);
  });
  afterEach(() => {
    process.chdir(cwd);
    vi.restoreAllMocks();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('writes the three files, synth accepts them, and the placeholders gate names each placeholder', async () => {
    expect(await environment('add', 'staging', '--from', 'dev')).toBe(0);
    expect(out[0]).toBe(
      'environment: wrote charts/environments/staging.yaml, cluster/terraform/env/staging.tfvars, cluster/outputs/staging.json',
    );
    expect(out.some((l) => /^synth: 3 tenants, 3 environments \(dev, prod, staging\), \d+ files/.test(l))).toBe(true);
    expect(err).toContain(
      'synth: staging runs on placeholder outputs (cluster/outputs/staging.json); npm run validate fails until npm run infra:outputs -- <env> writes the real ones',
    );
    expect(fs.existsSync(path.join(root, 'dist', 'staging', 'tenants', 'alpha', 'namespace-tenant-alpha.yaml'))).toBe(
      true,
    );
    expect(fs.existsSync(path.join(root, 'argocd', 'staging', 'bootstrap'))).toBe(true);

    expect(placeholderProblems(root, ['dev', 'prod', 'staging'])).toEqual([
      'charts/environments/staging.yaml:15:11: platform.domain: "staging.placeholder.invalid" is a placeholder. Fix: set the real value (docs/operator-runbook.md, "Add an environment")',
      'charts/environments/staging.yaml:53:17: aws.hostedZoneId: "ZPLACEHOLDER" is a placeholder. Fix: set the real value (docs/operator-runbook.md, "Add an environment")',
      'cluster/outputs/staging.json: the outputs of staging are placeholders (6 values and the placeholder key). Fix: npm run infra:apply -- staging, then npm run infra:outputs -- staging',
    ]);
    // The repository's own environments have none.
    expect(placeholderProblems(ROOT, ['dev', 'prod'])).toEqual([]);
  });

  it('the gate passes once the real values and outputs are in, and catches a stand-in left behind', async () => {
    expect(
      await environment(
        'add',
        'staging',
        '--domain',
        'staging.agentic.example.com',
        '--hosted-zone-id',
        'Z0123456789ABC',
        '--no-synth',
      ),
    ).toBe(0);
    expect(placeholderProblems(root, ['staging'])).toHaveLength(1);
    const env = loadEnvironments(path.join(root, 'charts', 'environments')).find((e) => e.name === 'staging')!;
    const real = sampleInfra('staging', {
      accountId: env.aws.accountId,
      region: env.aws.region,
      clusterName: env.aws.clusterName,
    });
    const file = path.join(root, 'cluster', 'outputs', 'staging.json');
    fs.writeFileSync(file, `${JSON.stringify(real, null, 2)}\n`);
    expect(loadInfraOutputs(root, 'staging', env)).toEqual(real);
    expect(placeholderProblems(root, ['staging'])).toEqual([]);
    // Planted: the key removed by hand, a stand-in value left.
    fs.writeFileSync(
      file,
      `${JSON.stringify({ ...real, redis: { host: 'redis.staging.placeholder.invalid', port: 6379 } }, null, 2)}\n`,
    );
    expect(placeholderProblems(root, ['staging'])).toEqual([
      'cluster/outputs/staging.json: the outputs of staging are placeholders (1 value). Fix: npm run infra:apply -- staging, then npm run infra:outputs -- staging',
    ]);
  });

  it('--help prints the usage; a missing or unknown action is a usage error (exit 2)', async () => {
    expect(await runCommand(spec, environmentCommand, ['--help'])).toBe(0);
    expect(out.join('\n')).toBe(helpText(spec));
    expect(await environment()).toBe(2);
    expect(err[0]).toBe(`environment: name an action: add\nusage: ${spec.usage} (--help for more)`);
    expect(await environment('remove', 'dev')).toBe(2);
    expect(err[1]).toBe(`environment: unknown action "remove"; use add\nusage: ${spec.usage} (--help for more)`);
  });

  it('refuses an existing environment, an unknown source and a bad name, and writes nothing', async () => {
    expect(await environment('add', 'dev')).toBe(1);
    expect(err).toEqual(['environment: environment dev exists already (charts/environments/dev.yaml)']);
    expect(await environment('add', 'qa', '--from', 'test')).toBe(1);
    expect(err[1]).toBe('environment: unknown environment "test" for --from; environments: dev, prod');
    expect(await environment('add', 'QA')).toBe(1);
    expect(err[2]).toBe(
      `environment: "QA" is not a usable environment name; use lower-case letters, digits and '-' (a DNS label of at most 40 characters)`,
    );
    expect(await environment('add', 'qa', '--domain', 'Not A Domain')).toBe(1);
    expect(err[err.length - 1]).toBe('environment: a value given is invalid (above); nothing was written');
    expect(fs.readdirSync(path.join(root, 'charts', 'environments')).sort()).toEqual(['dev.yaml', 'prod.yaml']);
    expect(fs.existsSync(path.join(root, 'dist'))).toBe(false);
  });
});
