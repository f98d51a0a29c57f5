/**
 * The cluster commands, with no cloud call: run without their tools (PATH stripped), and with
 * fake tools that record their arguments.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseEnvironment } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { UPSTREAM } from '../../charts/lib/upstream';
import { ADDON_VERSIONS } from '../../cluster/addon-versions';
import { eksctlYaml, main, renderInfraOutputs } from '../../cluster/cli';
import { sampleInfra } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const CLOUD_COMMANDS: Record<string, string> = {
  'cluster:create': 'aws (install the AWS CLI v2); eksctl (install eksctl 0.230 or newer)',
  'cluster:delete': 'aws (install the AWS CLI v2); eksctl (install eksctl 0.230 or newer)',
  'infra:init': 'aws (install the AWS CLI v2); terraform or tofu (install Terraform or OpenTofu 1.11 or newer)',
  'cluster:upgrade': 'aws (install the AWS CLI v2); eksctl (install eksctl 0.230 or newer)',
  'infra:plan': 'aws (install the AWS CLI v2); terraform or tofu (install Terraform or OpenTofu 1.11 or newer)',
  'infra:apply':
    'aws (install the AWS CLI v2); terraform or tofu (install Terraform or OpenTofu 1.11 or newer); kubectl (install kubectl)',
  'infra:destroy': 'aws (install the AWS CLI v2); terraform or tofu (install Terraform or OpenTofu 1.11 or newer)',
  'infra:outputs': 'aws (install the AWS CLI v2); terraform or tofu (install Terraform or OpenTofu 1.11 or newer)',
  bootstrap: 'aws (install the AWS CLI v2); kubectl (install kubectl); helm (install Helm 3)',
  'port-forward': 'kubectl (install kubectl)',
};
const devEnv = () =>
  parseEnvironment(fs.readFileSync(path.join(ROOT, 'charts/environments/dev.yaml'), 'utf8'), 'dev.yaml');

let stderr: string[];
let stdout: string[];
let savedPath: string | undefined;
let tmp: string;

beforeEach(() => {
  stderr = [];
  stdout = [];
  savedPath = process.env.PATH;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-cli-'));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ')));
});
afterEach(() => {
  process.env.PATH = savedPath;
  vi.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Canned answers of the fake tools: standard output and exit code per command prefix. */
interface Answers {
  /** terraform output -json platform. */
  outputs?: string;
  /** Exit code of aws s3api head-bucket (0: the bucket exists). */
  headBucket?: number;
  /** terraform output -json destroy_guard (exit 1 when undefined: no such output). */
  destroyGuard?: string;
  /** aws eks describe-cluster ... cluster.version. */
  clusterVersion?: string;
  /** ARNs left with the stack tag (resourcegroupstaggingapi), one per line. */
  leftResources?: string;
  /** Versions EKS offers per add-on; by default the pins of Kubernetes 1.35 and one other. */
  addonVersions?: Record<string, string>;
}

/** A PATH holding only fake tools that append "<tool> <args>" to a log, with canned answers. */
function fakeTools(tools: string[], answers: Answers = {}): string {
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const log = path.join(tmp, 'log');
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(tmp, name), `${text}\n`);
    return `while IFS= read -r l; do printf '%s\\n' "$l"; done < '${path.join(tmp, name)}'`;
  };
  const offered =
    answers.addonVersions ??
    Object.fromEntries(Object.entries(ADDON_VERSIONS['1.35']).map(([a, v]) => [a, `${v} v0.0.1-eksbuild.1`]));
  const addonCases = Object.entries(offered)
    .map(([a, v]) => `  "aws eks describe-addon-versions "*"--addon-name ${a} "*) ${file(`addon-${a}`, v)} ;;`)
    .join('\n');
  for (const t of tools) {
    // Shell builtins only: PATH holds nothing else.
    fs.writeFileSync(
      path.join(bin, t),
      `#!/bin/sh
printf '%s\\n' "${t} $*" >> '${log}'
case "${t} $*" in
  "aws sts get-caller-identity"*) printf '123456789012\\n' ;;
  "aws s3api head-bucket"*) exit ${answers.headBucket ?? 0} ;;
  "aws eks describe-cluster"*) printf '%s\\n' '${answers.clusterVersion ?? '1.35'}' ;;
  "aws resourcegroupstaggingapi get-resources"*) ${file('left', answers.leftResources ?? '')} ;;
${addonCases}
  "eksctl create cluster -f "*) while IFS= read -r l; do printf '%s\\n' "$l"; done < "$4" > '${tmp}/eksctl-config.yaml' ;;
  "terraform -chdir=cluster/terraform output -json -no-color platform") ${file('outputs.json', answers.outputs ?? '{}')} ;;
  "terraform -chdir=cluster/terraform output -json destroy_guard") ${answers.destroyGuard === undefined ? 'exit 1' : file('guard.json', answers.destroyGuard)} ;;
esac
exit 0
`,
      { mode: 0o755 },
    );
  }
  process.env.PATH = bin;
  return log;
}

const logOf = (log: string) => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);

/** A scratch repository root with the real environment files (optionally edited). */
function scratchRoot(edit: (dev: string) => string = (d) => d): string {
  const root = path.join(tmp, 'repo');
  fs.cpSync(path.join(ROOT, 'charts', 'environments'), path.join(root, 'charts', 'environments'), { recursive: true });
  const dev = path.join(root, 'charts', 'environments', 'dev.yaml');
  fs.writeFileSync(dev, edit(fs.readFileSync(dev, 'utf8')));
  return root;
}

describe('cluster commands', () => {
  for (const [command, tools] of Object.entries(CLOUD_COMMANDS)) {
    it(`${command}: without its tools or an environment, exits 1 naming all of them in one line`, async () => {
      process.env.PATH = path.join(tmp, 'empty');
      expect(await main([command], ROOT)).toBe(1);
      expect(stderr).toEqual([`${command}: missing ${tools}; an environment (npm run ${command} -- <dev|prod>)`]);
    });

    it(`${command}: --help prints its usage and exits 0`, async () => {
      expect(await main([command, '--help'], ROOT)).toBe(0);
      expect(stdout.join('\n')).toMatch(new RegExp(`^usage: npm run ${command} -- <env> \\[options\\]\\n`));
      expect(stderr).toEqual([]);
    });
  }

  it('run as a program with PATH stripped of the tools: exit 1, one line, no stack trace', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'cluster', 'cli.ts'), 'infra:plan', 'dev'],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: path.join(tmp, 'empty') } },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'infra:plan: missing aws (install the AWS CLI v2); terraform or tofu (install Terraform or OpenTofu 1.11 or newer)\n',
    );
  });

  it('names an unknown environment and lists the known ones', async () => {
    fakeTools(['kubectl']);
    expect(await main(['port-forward', 'staging'], ROOT)).toBe(1);
    expect(stderr).toEqual([
      'port-forward: missing environment staging (no charts/environments/staging.yaml; one of: dev, prod)',
    ]);
  });

  it('rejects unknown commands and options with exit 2', async () => {
    expect(await main(['cluster:scale'], ROOT)).toBe(2);
    expect(stderr[0]).toBe(
      'cluster: unknown command cluster:scale; one of: cluster:config, cluster:create, cluster:upgrade, cluster:delete, infra:init, infra:plan, infra:apply, infra:destroy, infra:outputs, bootstrap, port-forward',
    );
    expect(await main(['infra:plan', 'dev', '--force'], ROOT)).toBe(2);
    expect(stderr[1]).toBe('infra:plan: unknown option --force; see npm run infra:plan -- --help');
  });

  it('every command that touches AWS requires aws.accountId, before calling anything', async () => {
    const root = scratchRoot((d) =>
      d.replace(/ {2}# The account the environment lives in.*\n {2}accountId: "\d+"\n/, ''),
    );
    fs.cpSync(path.join(ROOT, 'cluster', 'terraform', 'env'), path.join(root, 'cluster', 'terraform', 'env'), {
      recursive: true,
    });
    fs.mkdirSync(path.join(root, 'cluster', 'terraform', '.terraform', 'dev'), { recursive: true });
    const log = fakeTools(['aws', 'eksctl', 'terraform', 'kubectl', 'helm']);
    for (const command of Object.keys(CLOUD_COMMANDS).filter((c) => c !== 'port-forward')) {
      stderr.length = 0;
      expect(await main([command, 'dev', ...(command === 'cluster:delete' ? ['--yes'] : [])], root), command).toBe(1);
      expect(stderr, command).toEqual([
        `${command}: missing aws.accountId in charts/environments/dev.yaml (the environment's 12-digit AWS account: every command that touches AWS refuses another)`,
      ]);
    }
    expect(logOf(log)).toEqual([]);
  });

  it('cluster:create checks the add-on pins EKS offers, then hands eksctl the generated ClusterConfig in a temporary file, and removes it', async () => {
    const log = fakeTools(['aws', 'eksctl']);
    expect(await main(['cluster:create', 'dev'], ROOT)).toBe(0);
    const lines = logOf(log);
    expect(lines[0]).toBe('aws sts get-caller-identity --query Account --output text');
    expect(lines.slice(1, 6)).toEqual(
      Object.keys(ADDON_VERSIONS['1.35']).map(
        (a) =>
          `aws eks describe-addon-versions --region us-east-1 --kubernetes-version 1.35 --addon-name ${a} --query addons[].addonVersions[].addonVersion --output text`,
      ),
    );
    expect(lines[6]).toMatch(/^eksctl create cluster -f .*\/eksctl-dev-\w+\/cluster\.yaml$/);
    expect(fs.readFileSync(path.join(tmp, 'eksctl-config.yaml'), 'utf8')).toBe(eksctlYaml(devEnv()));
    expect(fs.existsSync(lines[6].split(' ').pop()!)).toBe(false);
  });

  it('cluster:create refuses a pinned add-on version EKS does not offer, before creating anything', async () => {
    const offered = Object.fromEntries(Object.entries(ADDON_VERSIONS['1.35']).map(([a, v]) => [a, v]));
    offered['metrics-server'] = 'v0.7.2-eksbuild.4 v0.8.1-eksbuild.1';
    const log = fakeTools(['aws', 'eksctl'], { addonVersions: offered });
    expect(await main(['cluster:create', 'dev'], ROOT)).toBe(1);
    expect(stderr).toEqual([
      `cluster:create: EKS offers no such add-on version for Kubernetes 1.35: metrics-server ${ADDON_VERSIONS['1.35']['metrics-server']} (offered: v0.7.2-eksbuild.4, v0.8.1-eksbuild.1); fix ADDON_VERSIONS in cluster/addon-versions.ts`,
    ]);
    expect(logOf(log).some((l) => l.startsWith('eksctl'))).toBe(false);
  });

  it('cluster:create refuses a Kubernetes version EKS or Istio no longer supports, before calling AWS', async () => {
    const root = scratchRoot((d) => d.replace('kubernetesVersion: "1.35"', 'kubernetesVersion: "1.31"'));
    const log = fakeTools(['aws', 'eksctl']);
    expect(await main(['cluster:create', 'dev'], root)).toBe(1);
    expect(stderr[0]).toMatch(
      /^cluster:create: dev: Kubernetes 1\.31 is outside Istio 1\.30's supported range 1\.32 to 1\.36/,
    );
    expect(logOf(log)).toEqual([]);
  });

  it('refuses to run against another AWS account than the environment names', async () => {
    const root = scratchRoot((d) => d.replace('accountId: "123456789012"', 'accountId: "210987654321"'));
    const log = fakeTools(['aws', 'eksctl']);
    expect(await main(['cluster:create', 'dev'], root)).toBe(1);
    expect(stderr).toEqual([
      'cluster:create: the AWS credentials are for account 123456789012, but environment dev is in 210987654321 (aws.accountId); switch AWS_PROFILE',
    ]);
    expect(logOf(log).some((l) => l.startsWith('eksctl'))).toBe(false);
  });

  it('cluster:upgrade: control plane, then the pinned add-ons, then each node group, one minor version at a time', async () => {
    const root = scratchRoot();
    const log = fakeTools(['aws', 'eksctl'], { clusterVersion: '1.34' });
    expect(await main(['cluster:upgrade', 'dev'], root)).toBe(0);
    const lines = logOf(log).filter((l) => !l.startsWith('aws eks describe-addon-versions'));
    expect(lines.slice(0, 2)).toEqual([
      'aws sts get-caller-identity --query Account --output text',
      'aws eks describe-cluster --name agentic-platform-dev --region us-east-1 --query cluster.version --output text',
    ]);
    expect(lines[2]).toMatch(/^eksctl upgrade cluster -f .*\/cluster\.yaml --approve$/);
    expect(lines[3]).toMatch(/^eksctl update addon -f .*\/cluster\.yaml --wait$/);
    expect(lines.slice(4)).toEqual(
      ['platform', 'agents', 'gateway'].flatMap((g) =>
        ['us-east-1a', 'us-east-1b'].map(
          (z) =>
            `eksctl upgrade nodegroup --cluster agentic-platform-dev --region us-east-1 --name ${g}-${z} --kubernetes-version 1.35 --wait`,
        ),
      ),
    );
    // At the target already: add-ons and node groups only.
    fs.rmSync(path.join(tmp, 'log'));
    fakeTools(['aws', 'eksctl'], { clusterVersion: '1.35' });
    expect(await main(['cluster:upgrade', 'dev'], root)).toBe(0);
    expect(logOf(log).some((l) => l.startsWith('eksctl upgrade cluster'))).toBe(false);
    expect(logOf(log).filter((l) => l.startsWith('eksctl upgrade nodegroup'))).toHaveLength(6);
  });

  it('cluster:upgrade refuses a skipped minor version and a downgrade', async () => {
    const log = fakeTools(['aws', 'eksctl'], { clusterVersion: '1.33' });
    expect(await main(['cluster:upgrade', 'dev'], ROOT)).toBe(1);
    expect(stderr).toEqual([
      'cluster:upgrade: cluster agentic-platform-dev runs Kubernetes 1.33: EKS upgrades one minor version at a time; set kubernetesVersion to 1.34 first, upgrade, then 1.35',
    ]);
    fakeTools(['aws', 'eksctl'], { clusterVersion: '1.36' });
    expect(await main(['cluster:upgrade', 'dev'], ROOT)).toBe(1);
    expect(stderr[1]).toBe(
      'cluster:upgrade: cluster agentic-platform-dev runs Kubernetes 1.36; 1.35 is not an upgrade (EKS never downgrades a control plane)',
    );
    expect(logOf(log).some((l) => l.startsWith('eksctl'))).toBe(false);
  });

  it('cluster:delete needs --yes, refuses while resources of cluster/terraform are in the VPC, then deletes the cluster', async () => {
    let log = fakeTools(['aws', 'eksctl']);
    expect(await main(['cluster:delete', 'dev'], ROOT)).toBe(1);
    expect(stderr).toEqual([
      'cluster:delete: deleting cluster agentic-platform-dev is permanent; run infra:destroy first, then again with --yes',
    ]);
    expect(logOf(log)).toEqual([]);
    const sg = 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123';
    const db = 'arn:aws:rds:us-east-1:123456789012:db:agentic-platform-dev';
    log = fakeTools(['aws', 'eksctl'], { leftResources: `${sg}\t${db}` });
    expect(await main(['cluster:delete', 'dev', '--yes'], ROOT)).toBe(1);
    expect(stderr[1]).toBe(
      `cluster:delete: 2 resources of cluster/terraform still in the VPC (${sg}, ${db}); run npm run infra:destroy -- dev first`,
    );
    expect(logOf(log)[1]).toBe(
      'aws resourcegroupstaggingapi get-resources --region us-east-1 --tag-filters Key=platform.agentic.io/stack,Values=data-services Key=environment,Values=dev --resource-type-filters ec2:security-group ec2:vpc-endpoint rds:db elasticache:replicationgroup --query ResourceTagMappingList[].ResourceARN --output text',
    );
    expect(logOf(log).some((l) => l.startsWith('eksctl'))).toBe(false);
    fs.rmSync(path.join(tmp, 'log'));
    log = fakeTools(['aws', 'eksctl']);
    expect(await main(['cluster:delete', 'dev', '--yes'], ROOT)).toBe(0);
    expect(logOf(log).pop()).toBe('eksctl delete cluster --name agentic-platform-dev --region us-east-1 --wait');
  });

  const bucket = 'agentic-platform-tfstate-123456789012-us-east-1';
  const stateBucketSettings = [
    `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
    `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`,
    `aws s3api put-bucket-encryption --bucket ${bucket} --server-side-encryption-configuration {"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}`,
  ];
  const init = `terraform -chdir=cluster/terraform init -input=false -reconfigure -backend-config=bucket=${bucket} -backend-config=key=prod/terraform.tfstate -backend-config=region=us-east-1 -backend-config=encrypt=true -backend-config=use_lockfile=true`;

  it('infra:init creates a private, versioned, encrypted state bucket when missing, then one state per environment', async () => {
    const log = fakeTools(['aws', 'terraform'], { headBucket: 254 });
    expect(await main(['infra:init', 'prod'], ROOT)).toBe(0);
    expect(logOf(log)).toEqual([
      'aws sts get-caller-identity --query Account --output text',
      `aws s3api head-bucket --bucket ${bucket}`,
      `aws s3api create-bucket --bucket ${bucket} --region us-east-1`,
      ...stateBucketSettings,
      init,
    ]);
  });

  it('infra:init finishes the settings of a state bucket an earlier run left half-way', async () => {
    const log = fakeTools(['aws', 'terraform'], { headBucket: 0 });
    expect(await main(['infra:init', 'prod'], ROOT)).toBe(0);
    expect(logOf(log)).toEqual([
      'aws sts get-caller-identity --query Account --output text',
      `aws s3api head-bucket --bucket ${bucket}`,
      ...stateBucketSettings,
      init,
    ]);
  });

  it("infra:plan passes the environment file's values and its tfvars, after an init, in the environment's account only", async () => {
    const root = scratchRoot();
    fs.cpSync(path.join(ROOT, 'cluster', 'terraform', 'env'), path.join(root, 'cluster', 'terraform', 'env'), {
      recursive: true,
    });
    const log = fakeTools(['aws', 'terraform']);
    expect(await main(['infra:plan', 'dev'], root)).toBe(1);
    expect(stderr).toEqual(['infra:plan: Terraform is not initialised for dev; run npm run infra:init -- dev first']);
    fs.mkdirSync(path.join(root, 'cluster', 'terraform', '.terraform', 'dev'), { recursive: true });
    expect(await main(['infra:plan', 'dev'], root)).toBe(0);
    expect(logOf(log)).toEqual([
      'aws sts get-caller-identity --query Account --output text',
      'terraform -chdir=cluster/terraform plan -input=false -var-file=env/dev.tfvars -var=environment=dev -var=region=us-east-1 -var=cluster_name=agentic-platform-dev -var=account_id=123456789012 -var=domain=dev.agentic.example.com -var=hosted_zone_id=Z0DEV0EXAMPLE0ZONE0ID',
    ]);
  });

  /** A scratch root with the tfvars and an initialised Terraform directory for dev and prod. */
  function terraformRoot(): string {
    const root = scratchRoot();
    fs.cpSync(path.join(ROOT, 'cluster', 'terraform', 'env'), path.join(root, 'cluster', 'terraform', 'env'), {
      recursive: true,
    });
    for (const e of ['dev', 'prod'])
      fs.mkdirSync(path.join(root, 'cluster', 'terraform', '.terraform', e), { recursive: true });
    return root;
  }

  it('infra:destroy refuses while the database has deletion protection, which would stop the destroy half-way', async () => {
    const root = terraformRoot();
    // No applied state with the guard output: the tfvars decide (prod: deletion_protection = true).
    let log = fakeTools(['aws', 'terraform']);
    expect(await main(['infra:destroy', 'prod'], root)).toBe(1);
    expect(stderr).toEqual([
      'infra:destroy: the database agentic-platform-prod has deletion protection on: Terraform would delete the IAM roles, secrets and bucket and then stop at the database, leaving prod half-destroyed. To destroy it: set deletion_protection = false in cluster/terraform/env/prod.tfvars, run npm run infra:apply -- prod (final snapshots stay on), then infra:destroy again',
    ]);
    expect(logOf(log).some((l) => l.startsWith('terraform -chdir=cluster/terraform destroy'))).toBe(false);
    // The applied state decides when it says: protection still on although the tfvars turned it off.
    fs.rmSync(path.join(tmp, 'log'));
    log = fakeTools(['aws', 'terraform'], {
      destroyGuard: '{"database":"agentic-platform-dev","deletion_protection":true}',
    });
    expect(await main(['infra:destroy', 'dev'], root)).toBe(1);
    expect(stderr[1]).toMatch(/^infra:destroy: the database agentic-platform-dev has deletion protection on/);
    // Off in the state: the destroy runs.
    fs.rmSync(path.join(tmp, 'log'));
    log = fakeTools(['aws', 'terraform'], {
      destroyGuard: '{"database":"agentic-platform-dev","deletion_protection":false}',
    });
    expect(await main(['infra:destroy', 'dev'], root)).toBe(0);
    expect(logOf(log).pop()).toMatch(
      /^terraform -chdir=cluster\/terraform destroy -input=false -var-file=env\/dev\.tfvars /,
    );
  });

  it('infra:outputs before infra:init says so in one line and runs no terraform', async () => {
    const root = scratchRoot();
    const log = fakeTools(['aws', 'terraform'], { outputs: '{}' });
    expect(await main(['infra:outputs', 'dev'], root)).toBe(1);
    expect(stderr).toEqual([
      'infra:outputs: Terraform is not initialised for dev; run npm run infra:init -- dev first',
    ]);
    expect(logOf(log)).toEqual([]);
  });

  it('infra:outputs writes cluster/outputs/<env>.json that synth loads', async () => {
    const root = scratchRoot();
    fs.mkdirSync(path.join(root, 'cluster', 'terraform', '.terraform', 'dev'), { recursive: true });
    const env = devEnv();
    const outputs = sampleInfra('dev', {
      accountId: '123456789012',
      region: 'us-east-1',
      clusterName: 'agentic-platform-dev',
      s3: { bucket: 'agentic-platform-langfuse-dev-123456789012-us-east-1', region: 'us-east-1' },
    });
    const log = fakeTools(['aws', 'terraform'], { outputs: JSON.stringify(outputs) });
    expect(await main(['infra:outputs', 'dev'], root)).toBe(0);
    expect(logOf(log)).toEqual([
      'aws sts get-caller-identity --query Account --output text',
      'terraform -chdir=cluster/terraform output -json -no-color platform',
    ]);
    expect(loadInfraOutputs(root, 'dev', env)).toEqual(outputs);
    expect(fs.readFileSync(path.join(root, 'cluster/outputs/dev.json'), 'utf8')).toBe(
      `${JSON.stringify(outputs, null, 2)}\n`,
    );
  });

  it('infra:outputs refuses outputs that synth would reject, and writes nothing', async () => {
    const root = scratchRoot();
    fs.mkdirSync(path.join(root, 'cluster', 'terraform', '.terraform', 'dev'), { recursive: true });
    const { roles: _, ...partial } = sampleInfra('dev', {
      accountId: '123456789012',
      region: 'us-east-1',
      clusterName: 'agentic-platform-dev',
    });
    fakeTools(['aws', 'terraform'], { outputs: JSON.stringify(partial) });
    expect(await main(['infra:outputs', 'dev'], root)).toBe(1);
    expect(stderr[0]).toMatch(
      /^terraform output platform \(for cluster\/outputs\/dev\.json\):1:1: roles: Invalid input: expected object, received undefined\. Fix: /,
    );
    expect(fs.existsSync(path.join(root, 'cluster/outputs/dev.json'))).toBe(false);
  });

  it('renderInfraOutputs explains output that is not JSON', () => {
    expect(() => renderInfraOutputs('Warning: No outputs found', devEnv())).toThrow(
      'terraform output -json platform did not print JSON; run npm run infra:apply -- dev first',
    );
  });

  it('bootstrap installs the Argo CD chart the platform pins, on the platform nodes, and applies argocd/<env>/bootstrap', async () => {
    const log = fakeTools(['aws', 'kubectl', 'helm']);
    expect(await main(['bootstrap', 'dev'], ROOT)).toBe(0);
    expect(logOf(log)).toEqual([
      'aws sts get-caller-identity --query Account --output text',
      'aws eks update-kubeconfig --name agentic-platform-dev --region us-east-1 --alias agentic-platform-dev',
      `helm upgrade --install argocd argo-cd --repo https://argoproj.github.io/argo-helm --version ${UPSTREAM.argocd.version} --namespace argocd --create-namespace --kube-context agentic-platform-dev --wait ` +
        '--set-json global.nodeSelector={"node-role":"platform"} --set-json global.tolerations=[{"key":"workload","operator":"Equal","value":"platform","effect":"NoSchedule"}]',
      `kubectl --context agentic-platform-dev apply -n argocd -f ${path.join(ROOT, 'argocd', 'dev', 'bootstrap')}`,
    ]);
  });

  it("bootstrap refuses outputs of another account than the caller's: the Applications would carry that account's roles", async () => {
    const root = scratchRoot();
    fs.mkdirSync(path.join(root, 'cluster', 'outputs'), { recursive: true });
    const outputs = JSON.parse(fs.readFileSync(path.join(ROOT, 'cluster', 'outputs', 'dev.json'), 'utf8'));
    fs.writeFileSync(
      path.join(root, 'cluster', 'outputs', 'dev.json'),
      JSON.stringify({ ...outputs, accountId: '210987654321' }, null, 2),
    );
    const log = fakeTools(['aws', 'kubectl', 'helm']);
    expect(await main(['bootstrap', 'dev'], root)).toBe(1);
    expect(stderr).toEqual([
      'bootstrap: cluster/outputs/dev.json is for account 210987654321, but the credentials are for 123456789012; run npm run infra:outputs -- dev, npm run synth, and commit before bootstrap',
    ]);
    expect(logOf(log)).toEqual(['aws sts get-caller-identity --query Account --output text']);
  });

  it('port-forward forwards every platform UI to its local port', async () => {
    const log = fakeTools(['kubectl']);
    expect(await main(['port-forward', 'dev'], ROOT)).toBe(0);
    expect(logOf(log).sort()).toEqual(
      [
        'kubectl --context agentic-platform-dev port-forward -n kagent-system svc/kagent-ui 15000:8080',
        'kubectl --context agentic-platform-dev port-forward -n langfuse svc/langfuse-web 15001:3000',
        'kubectl --context agentic-platform-dev port-forward -n monitoring svc/kube-prometheus-stack-grafana 15002:80',
        'kubectl --context agentic-platform-dev port-forward -n agentgateway-system deploy/agentgateway-proxy 15003:15000',
        'kubectl --context agentic-platform-dev port-forward -n keycloak svc/keycloak-http 15004:80',
        'kubectl --context agentic-platform-dev port-forward -n kiali svc/kiali 15005:20001',
      ].sort(),
    );
  });

  // npm run prints its own lines ("> agentic-platform@0.1.0 cluster:config", the command) on
  // standard output; -s (--silent) leaves them out, so the documented redirection is plain YAML.
  it('npm run -s cluster:config -- <env> > file writes only the ClusterConfig; without -s npm adds its lines', () => {
    const npm = (...args: string[]) =>
      spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: savedPath } });
    const silent = npm('run', '-s', 'cluster:config', '--', 'dev');
    expect(silent.status).toBe(0);
    expect(silent.stdout.startsWith('# eksctl ClusterConfig of environment dev')).toBe(true);
    expect(parse(silent.stdout).metadata.name).toBe('agentic-platform-dev');
    const loud = npm('run', 'cluster:config', '--', 'dev');
    expect(loud.stdout).toContain('> agentic-platform@0.1.0 cluster:config');
    expect(() => parse(loud.stdout)).toThrow();
  });

  it('cluster:config needs no tool and prints the ClusterConfig', async () => {
    process.env.PATH = path.join(tmp, 'empty');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['cluster:config', 'prod'], ROOT)).toBe(0);
    expect(String(write.mock.calls[0][0])).toContain('name: agentic-platform-prod');
  });
});
