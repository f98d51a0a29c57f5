/**
 * npm run <command> -- <env> [options]: the EKS cluster (eksctl), the AWS data services
 * (Terraform or OpenTofu), their outputs for synth, Argo CD bootstrap and port-forwards.
 *
 * Every command checks its prerequisites first (the tools on PATH, a known environment) and
 * names everything that is missing in one line. User errors print one line and exit non-zero,
 * never a stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import {
  AWS_TAGS,
  canonical,
  ConfigError,
  DIRS,
  type Environment,
  type HelmChart,
  infraOutputsFile,
  loadEnvironments,
  loadInfraOutputs,
  nodeSelectorFor,
  parseInfraOutputs,
  pinned,
  PLATFORM_UIS,
  tolerationsFor,
} from '../charts';
import { UsageError, UserError } from '../scripts/lib/cli';
import { ADDONS, addonVersions } from './addon-versions';
import { eksctlConfig } from './eksctl-config';
import { kubernetesVersionProblems, minorOf } from './kubernetes-versions';

/**
 * The Argo CD Helm chart that bootstrap installs: the platform's own pin (and the environment's
 * override), so that the platform Application argocd later adopts the release without changing it.
 */
export function argocdChart(env: Environment): HelmChart {
  const source = pinned('argocd', env.platform.versions);
  if (source.type !== 'helm')
    throw new UserError('the argocd upstream is not a Helm chart; bootstrap installs Helm charts only');
  return source;
}

/** A tool the commands need, with alternatives (terraform or tofu) and how to get it. */
interface Tool {
  readonly names: readonly string[];
  readonly install: string;
}

const TOOLS = {
  aws: { names: ['aws'], install: 'install the AWS CLI v2' },
  eksctl: { names: ['eksctl'], install: 'install eksctl 0.230 or newer' },
  terraform: { names: ['terraform', 'tofu'], install: 'install Terraform or OpenTofu 1.11 or newer' },
  kubectl: { names: ['kubectl'], install: 'install kubectl' },
  helm: { names: ['helm'], install: 'install Helm 3' },
} satisfies Record<string, Tool>;

type ToolName = keyof typeof TOOLS;

/** A problem the user can fix (one line, exit 1) and wrong arguments (one line, exit 2): the shared command shape of scripts/lib/cli.ts. */
export { UsageError, UserError };

interface Context {
  readonly root: string;
  readonly env: Environment;
  readonly flags: ReadonlySet<string>;
  /** Resolved executable per tool (terraform may be tofu). */
  readonly bin: Readonly<Record<ToolName, string>>;
}

interface Command {
  readonly summary: string;
  readonly tools: readonly ToolName[];
  readonly flags?: Readonly<Record<string, string>>;
  run(ctx: Context): Promise<void> | void;
}

/** The first of `names` found as an executable file on PATH, or undefined. */
export function findOnPath(names: readonly string[], pathVar = process.env.PATH ?? ''): string | undefined {
  for (const name of names) {
    for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
      const file = path.join(dir, name);
      try {
        if (fs.statSync(file).isFile()) {
          fs.accessSync(file, fs.constants.X_OK);
          return file;
        }
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Runs a tool with the terminal attached; a failure is a one-line user error. */
function run(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  console.error(`$ ${path.basename(file)} ${args.join(' ')}`);
  const r = spawnSync(file, args, { stdio: 'inherit', cwd: options.cwd, env: options.env ?? process.env });
  if (r.error) throw new UserError(`${path.basename(file)} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new UserError(`${describe(file, args)} failed (exit ${r.status ?? r.signal})`);
}

/** `tool subcommand`, for messages: the first two arguments that are not options. */
function describe(file: string, args: readonly string[]): string {
  return [path.basename(file), ...args.filter((a) => !a.startsWith('-')).slice(0, 2)].join(' ');
}

/** Runs a tool and returns its standard output (standard error goes to the terminal). */
function capture(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  const r = spawnSync(file, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    cwd: options.cwd,
    env: options.env ?? process.env,
  });
  if (r.error) throw new UserError(`${path.basename(file)} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new UserError(`${describe(file, args)} failed (exit ${r.status ?? r.signal})`);
  return r.stdout;
}

/** Runs a tool quietly; its exit status and standard output, for questions whose "no" is an exit code. */
function probe(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number | null; stdout: string } {
  const r = spawnSync(file, args, {
    stdio: ['ignore', 'pipe', 'ignore'],
    encoding: 'utf8',
    cwd: options.cwd,
    env: options.env ?? process.env,
  });
  if (r.error) throw new UserError(`${path.basename(file)} could not start: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout };
}

/**
 * The AWS account of the current credentials; refuses another account than the environment's
 * (aws.accountId, which main() requires of every command that touches AWS).
 */
function account(ctx: Context): string {
  const id = capture(ctx.bin.aws, ['sts', 'get-caller-identity', '--query', 'Account', '--output', 'text']).trim();
  if (id !== ctx.env.aws.accountId) {
    throw new UserError(
      `the AWS credentials are for account ${id}, but environment ${ctx.env.name} is in ${ctx.env.aws.accountId} (aws.accountId); switch AWS_PROFILE`,
    );
  }
  return id;
}

/** Refuses a Kubernetes version outside the pinned Istio's range or EKS support (cluster/kubernetes-versions.ts). */
function requireSupportedVersion(env: Environment): void {
  const problems = kubernetesVersionProblems(env, new Date());
  if (problems.length > 0) throw new UserError(problems.join('; '));
}

/**
 * Every pinned add-on version must be one EKS offers for the Kubernetes version: checked before
 * eksctl creates or changes anything (aws eks describe-addon-versions).
 */
function requireAddonVersions(ctx: Context, kubernetesVersion: string): void {
  const pins = addonVersions(kubernetesVersion);
  const missing: string[] = [];
  for (const name of ADDONS) {
    const offered = capture(ctx.bin.aws, [
      'eks',
      'describe-addon-versions',
      '--region',
      ctx.env.aws.region,
      '--kubernetes-version',
      kubernetesVersion,
      '--addon-name',
      name,
      '--query',
      'addons[].addonVersions[].addonVersion',
      '--output',
      'text',
    ])
      .split(/\s+/)
      .filter(Boolean);
    if (!offered.includes(pins[name]))
      missing.push(`${name} ${pins[name]} (offered: ${offered.slice(0, 5).join(', ') || 'none'})`);
  }
  if (missing.length > 0) {
    throw new UserError(
      `EKS offers no such add-on version for Kubernetes ${kubernetesVersion}: ${missing.join('; ')}; fix ADDON_VERSIONS in cluster/addon-versions.ts`,
    );
  }
}

/** Writes the eksctl config of the environment to a temporary file for the duration of `use`. */
function withEksctlConfig<T>(env: Environment, use: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `eksctl-${env.name}-`));
  const file = path.join(dir, 'cluster.yaml');
  try {
    fs.writeFileSync(file, eksctlYaml(env));
    return use(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Resource types of cluster/terraform that live in the cluster's VPC and keep it from being deleted. */
const VPC_RESOURCE_TYPES = ['ec2:security-group', 'ec2:vpc-endpoint', 'rds:db', 'elasticache:replicationgroup'];

/** The deletion protection that would stop infra:destroy half-way: Terraform's output, else the tfvars. */
function deletionProtection(ctx: Context): { on: boolean; database: string } {
  const guard = probe(ctx.bin.terraform, [`-chdir=${DIRS.terraform}`, 'output', '-json', 'destroy_guard'], {
    cwd: ctx.root,
    env: terraformEnv(ctx),
  });
  if (guard.status === 0) {
    try {
      const value = JSON.parse(guard.stdout) as { database?: string; deletion_protection?: boolean };
      if (typeof value.deletion_protection === 'boolean')
        return { on: value.deletion_protection, database: value.database ?? `agentic-platform-${ctx.env.name}` };
    } catch {
      // not JSON: fall back to the variables
    }
  }
  const tfvars = fs.readFileSync(path.join(ctx.root, DIRS.terraform, 'env', `${ctx.env.name}.tfvars`), 'utf8');
  const set = /^\s*deletion_protection\s*=\s*(true|false)\b/m.exec(tfvars);
  // variables.tf: deletion_protection defaults to true.
  return { on: set ? set[1] === 'true' : true, database: `agentic-platform-${ctx.env.name}` };
}

/** The S3 bucket that holds the Terraform state of every environment of an account and region. */
export function stateBucket(accountId: string, region: string): string {
  return `agentic-platform-tfstate-${accountId}-${region}`;
}

/** Arguments of `terraform init` for an environment's state (one state file per environment). */
export function backendArgs(env: Environment, accountId: string): string[] {
  const config = {
    bucket: stateBucket(accountId, env.aws.region),
    key: `${env.name}/terraform.tfstate`,
    region: env.aws.region,
    encrypt: 'true',
    use_lockfile: 'true',
  };
  return Object.entries(config).map(([k, v]) => `-backend-config=${k}=${v}`);
}

/** Variables of every plan, apply and destroy: the environment file's values plus env/<env>.tfvars. */
export function terraformVarArgs(env: Environment): string[] {
  const vars: Record<string, string | undefined> = {
    environment: env.name,
    region: env.aws.region,
    cluster_name: env.aws.clusterName,
    account_id: env.aws.accountId,
    domain: env.platform.domain,
    hosted_zone_id: env.aws.hostedZoneId,
  };
  return [
    `-var-file=env/${env.name}.tfvars`,
    ...Object.entries(vars)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `-var=${k}=${v}`),
  ];
}

/** terraform in cluster/terraform, with a data directory per environment so that states never mix. */
function terraform(ctx: Context, args: readonly string[]): void {
  run(ctx.bin.terraform, [`-chdir=${DIRS.terraform}`, ...args], { cwd: ctx.root, env: terraformEnv(ctx) });
}

function terraformEnv(ctx: Context): NodeJS.ProcessEnv {
  return { ...process.env, TF_DATA_DIR: `.terraform/${ctx.env.name}`, TF_IN_AUTOMATION: '1' };
}

/** What plan, apply and destroy need besides the tools: the environment's tfvars and an init. */
function requireTerraformReady(ctx: Context): void {
  const file = path.join(ctx.root, DIRS.terraform, 'env', `${ctx.env.name}.tfvars`);
  if (!fs.existsSync(file))
    throw new UserError(`missing ${DIRS.terraform}/env/${ctx.env.name}.tfvars (copy env/dev.tfvars and adjust it)`);
  requireTerraformInit(ctx);
}

/** Terraform's data directory of the environment: without it every terraform command fails at length. */
function requireTerraformInit(ctx: Context): void {
  if (!fs.existsSync(path.join(ctx.root, DIRS.terraform, '.terraform', ctx.env.name))) {
    throw new UserError(
      `Terraform is not initialised for ${ctx.env.name}; run npm run infra:init -- ${ctx.env.name} first`,
    );
  }
}

/**
 * The outputs file of an environment from `terraform output -json platform`: validated like synth
 * validates it, then written with a fixed layout.
 */
export function renderInfraOutputs(terraformJson: string, env: Environment): string {
  const file = infraOutputsFile(env.name);
  let value: unknown;
  try {
    value = JSON.parse(terraformJson);
  } catch {
    throw new UserError(
      `terraform output -json platform did not print JSON; run npm run infra:apply -- ${env.name} first`,
    );
  }
  const outputs = parseInfraOutputs(JSON.stringify(value, null, 2), `terraform output platform (for ${file})`, {
    name: env.name,
    aws: env.aws,
  });
  return `${JSON.stringify(outputs, null, 2)}\n`;
}

/** The eksctl ClusterConfig as YAML, keys sorted. */
export function eksctlYaml(env: Environment): string {
  return `# eksctl ClusterConfig of environment ${env.name}, generated from charts/environments/${env.name}.yaml by cluster/eksctl-config.ts\n${stringify(canonical(eksctlConfig(env)), { lineWidth: 0 })}`;
}

const COMMANDS: Record<string, Command> = {
  'cluster:config': {
    summary:
      "print the eksctl ClusterConfig of the environment (what cluster:create uses); into a file: npm run -s cluster:config -- <env> > cluster.yaml (-s keeps npm's own lines out)",
    tools: [],
    run: (ctx) => void process.stdout.write(eksctlYaml(ctx.env)),
  },
  'cluster:create': {
    summary: 'create the EKS cluster with eksctl (VPC, node groups, add-ons, OIDC provider)',
    tools: ['aws', 'eksctl'],
    run(ctx) {
      requireSupportedVersion(ctx.env);
      account(ctx);
      requireAddonVersions(ctx, ctx.env.kubernetesVersion);
      withEksctlConfig(ctx.env, (file) => run(ctx.bin.eksctl, ['create', 'cluster', '-f', file]));
    },
  },
  'cluster:upgrade': {
    summary:
      "upgrade the cluster to the environment file's Kubernetes version: control plane, then add-ons, then each node group",
    tools: ['aws', 'eksctl'],
    run(ctx) {
      const { clusterName, region } = ctx.env.aws;
      const target = ctx.env.kubernetesVersion;
      requireSupportedVersion(ctx.env);
      account(ctx);
      const current = capture(ctx.bin.aws, [
        'eks',
        'describe-cluster',
        '--name',
        clusterName,
        '--region',
        region,
        '--query',
        'cluster.version',
        '--output',
        'text',
      ]).trim();
      const [cMajor, cMinor] = minorOf(current).split('.').map(Number);
      const [tMajor, tMinor] = target.split('.').map(Number);
      if (tMajor !== cMajor || tMinor < cMinor)
        throw new UserError(
          `cluster ${clusterName} runs Kubernetes ${current}; ${target} is not an upgrade (EKS never downgrades a control plane)`,
        );
      if (tMinor > cMinor + 1) {
        throw new UserError(
          `cluster ${clusterName} runs Kubernetes ${current}: EKS upgrades one minor version at a time; set kubernetesVersion to ${cMajor}.${cMinor + 1} first, upgrade, then ${target}`,
        );
      }
      requireAddonVersions(ctx, target);
      withEksctlConfig(ctx.env, (file) => {
        if (tMinor > cMinor) run(ctx.bin.eksctl, ['upgrade', 'cluster', '-f', file, '--approve']);
        else console.error(`cluster:upgrade: control plane already at ${current}; updating add-ons and node groups`);
        run(ctx.bin.eksctl, ['update', 'addon', '-f', file, '--wait']);
        const groups = (eksctlConfig(ctx.env).managedNodeGroups as { name: string }[]).map((g) => g.name);
        // One node group at a time, each replacing one node at a time (updateConfig.maxUnavailable).
        for (const g of groups)
          run(ctx.bin.eksctl, [
            'upgrade',
            'nodegroup',
            '--cluster',
            clusterName,
            '--region',
            region,
            '--name',
            g,
            '--kubernetes-version',
            target,
            '--wait',
          ]);
      });
      console.log(
        `cluster:upgrade: ${clusterName} runs Kubernetes ${target}; run npm run synth (Pod Security labels and schemas follow kubernetesVersion) and commit`,
      );
    },
  },
  'cluster:delete': {
    summary:
      "delete the EKS cluster (refuses while Terraform's resources are still in its VPC: run infra:destroy first)",
    tools: ['aws', 'eksctl'],
    flags: { '--yes': 'confirm the deletion' },
    run(ctx) {
      if (!ctx.flags.has('--yes'))
        throw new UserError(
          `deleting cluster ${ctx.env.aws.clusterName} is permanent; run infra:destroy first, then again with --yes`,
        );
      account(ctx);
      // Terraform's security groups, endpoint, database and cache have network interfaces in the
      // VPC: eksctl's VPC stack cannot be deleted while they exist.
      const left = capture(ctx.bin.aws, [
        'resourcegroupstaggingapi',
        'get-resources',
        '--region',
        ctx.env.aws.region,
        '--tag-filters',
        `Key=${AWS_TAGS.stack.key},Values=${AWS_TAGS.stack.value}`,
        `Key=environment,Values=${ctx.env.name}`,
        '--resource-type-filters',
        ...VPC_RESOURCE_TYPES,
        '--query',
        'ResourceTagMappingList[].ResourceARN',
        '--output',
        'text',
      ])
        .split(/\s+/)
        .filter(Boolean);
      if (left.length > 0) {
        throw new UserError(
          `${left.length} resource${left.length === 1 ? '' : 's'} of cluster/terraform still in the VPC (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', ...' : ''}); run npm run infra:destroy -- ${ctx.env.name} first`,
        );
      }
      run(ctx.bin.eksctl, [
        'delete',
        'cluster',
        '--name',
        ctx.env.aws.clusterName,
        '--region',
        ctx.env.aws.region,
        '--wait',
      ]);
    },
  },
  'infra:init': {
    summary: 'create the encrypted, versioned state bucket if needed and initialise Terraform for the environment',
    tools: ['aws', 'terraform'],
    run(ctx) {
      const id = account(ctx);
      const bucket = stateBucket(id, ctx.env.aws.region);
      const exists = probe(ctx.bin.aws, ['s3api', 'head-bucket', '--bucket', bucket]).status === 0;
      if (!exists) {
        const region = ctx.env.aws.region;
        run(ctx.bin.aws, [
          's3api',
          'create-bucket',
          '--bucket',
          bucket,
          '--region',
          region,
          ...(region === 'us-east-1' ? [] : ['--create-bucket-configuration', `LocationConstraint=${region}`]),
        ]);
      }
      // Every time, not only after creating the bucket: each call is idempotent, and a run that
      // stopped after create-bucket leaves a bucket without them.
      run(ctx.bin.aws, [
        's3api',
        'put-public-access-block',
        '--bucket',
        bucket,
        '--public-access-block-configuration',
        'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
      ]);
      run(ctx.bin.aws, [
        's3api',
        'put-bucket-versioning',
        '--bucket',
        bucket,
        '--versioning-configuration',
        'Status=Enabled',
      ]);
      run(ctx.bin.aws, [
        's3api',
        'put-bucket-encryption',
        '--bucket',
        bucket,
        '--server-side-encryption-configuration',
        '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}',
      ]);
      terraform(ctx, ['init', '-input=false', '-reconfigure', ...backendArgs(ctx.env, id)]);
    },
  },
  'infra:plan': {
    summary: 'show what infra:apply would change',
    tools: ['aws', 'terraform'],
    run(ctx) {
      requireTerraformReady(ctx);
      account(ctx);
      terraform(ctx, ['plan', '-input=false', ...terraformVarArgs(ctx.env)]);
    },
  },
  'infra:apply': {
    summary: 'create or update RDS, ElastiCache, the bucket, IAM roles, secrets and backups (asks for confirmation)',
    // kubectl: the db-init Job's Secret is created and removed with kubectl (terraform/databases.tf).
    tools: ['aws', 'terraform', 'kubectl'],
    flags: { '--auto-approve': 'apply without asking' },
    run(ctx) {
      requireTerraformReady(ctx);
      account(ctx);
      terraform(ctx, [
        'apply',
        '-input=false',
        ...(ctx.flags.has('--auto-approve') ? ['-auto-approve'] : []),
        ...terraformVarArgs(ctx.env),
      ]);
    },
  },
  'infra:destroy': {
    summary:
      'destroy the data services of the environment (asks for confirmation; refuses while the database has deletion protection)',
    tools: ['aws', 'terraform'],
    run(ctx) {
      requireTerraformReady(ctx);
      account(ctx);
      // Terraform would delete the roles, secrets and bucket first and then stop at the database.
      const guard = deletionProtection(ctx);
      if (guard.on) {
        throw new UserError(
          `the database ${guard.database} has deletion protection on: Terraform would delete the IAM roles, secrets and bucket and then stop at the database, leaving ${ctx.env.name} half-destroyed. To destroy it: set deletion_protection = false in ${DIRS.terraform}/env/${ctx.env.name}.tfvars, run npm run infra:apply -- ${ctx.env.name} (final snapshots stay on), then infra:destroy again`,
        );
      }
      terraform(ctx, ['destroy', '-input=false', ...terraformVarArgs(ctx.env)]);
    },
  },
  'infra:outputs': {
    summary: `write ${DIRS.infraOutputs}/<env>.json (endpoints, bucket, role ARNs, secret names) for synth`,
    tools: ['aws', 'terraform'],
    run(ctx) {
      requireTerraformInit(ctx);
      account(ctx);
      const json = capture(
        ctx.bin.terraform,
        [`-chdir=${DIRS.terraform}`, 'output', '-json', '-no-color', 'platform'],
        { cwd: ctx.root, env: terraformEnv(ctx) },
      );
      const file = infraOutputsFile(ctx.env.name);
      fs.mkdirSync(path.join(ctx.root, DIRS.infraOutputs), { recursive: true });
      fs.writeFileSync(path.join(ctx.root, file), renderInfraOutputs(json, ctx.env));
      console.log(`infra:outputs: wrote ${file}; run npm run synth and commit both`);
    },
  },
  bootstrap: {
    summary: 'install Argo CD (the argo-cd chart version the platform pins) and apply argocd/<env>/bootstrap',
    tools: ['aws', 'kubectl', 'helm'],
    run(ctx) {
      const { clusterName, region } = ctx.env.aws;
      const ns = ctx.env.argocd.namespace;
      const id = account(ctx);
      // The platform Applications carry the outputs' role ARNs and endpoints: they must be this account's.
      const outputs = loadInfraOutputs(ctx.root, ctx.env.name);
      if (outputs.accountId !== id) {
        throw new UserError(
          `${infraOutputsFile(ctx.env.name)} is for account ${outputs.accountId}, but the credentials are for ${id}; run npm run infra:outputs -- ${ctx.env.name}, npm run synth, and commit before bootstrap`,
        );
      }
      run(ctx.bin.aws, ['eks', 'update-kubeconfig', '--name', clusterName, '--region', region, '--alias', clusterName]);
      const chart = argocdChart(ctx.env);
      // Every node group is tainted: Argo CD runs on the platform group.
      run(ctx.bin.helm, [
        'upgrade',
        '--install',
        'argocd',
        chart.chart,
        '--repo',
        chart.repoURL,
        '--version',
        chart.version,
        '--namespace',
        ns,
        '--create-namespace',
        '--kube-context',
        clusterName,
        '--wait',
        '--set-json',
        `global.nodeSelector=${JSON.stringify(nodeSelectorFor('platform'))}`,
        '--set-json',
        `global.tolerations=${JSON.stringify(tolerationsFor('platform'))}`,
      ]);
      run(ctx.bin.kubectl, [
        '--context',
        clusterName,
        'apply',
        '-n',
        ns,
        '-f',
        path.join(ctx.root, DIRS.argocd, ctx.env.name, DIRS.bootstrap),
      ]);
    },
  },
  'port-forward': {
    summary: `forward the platform UIs to localhost (${PLATFORM_UIS.map((u) => `${u.name} ${u.localPort}`).join(', ')}) until Ctrl-C`,
    tools: ['kubectl'],
    async run(ctx) {
      const children = PLATFORM_UIS.map((u) => {
        console.log(`${u.name}: http://localhost:${u.localPort}${u.path}`);
        return spawn(
          ctx.bin.kubectl,
          [
            '--context',
            ctx.env.aws.clusterName,
            'port-forward',
            '-n',
            u.namespace,
            u.target,
            `${u.localPort}:${u.port}`,
          ],
          { stdio: ['ignore', 'ignore', 'inherit'] },
        );
      });
      const stop = () => children.forEach((c) => c.kill('SIGTERM'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const codes = await Promise.all(
        children.map((c) => new Promise<number | null>((resolve) => c.on('exit', resolve))),
      );
      if (codes.some((c) => c !== 0 && c !== null))
        throw new UserError('a kubectl port-forward ended with an error (see above)');
    },
  },
};

function usage(name?: string): string {
  if (name && COMMANDS[name]) {
    const c = COMMANDS[name];
    const flags = Object.entries(c.flags ?? {})
      .map(([f, what]) => `\n  ${f.padEnd(16)}${what}`)
      .join('');
    const needs = c.tools.map((t) => TOOLS[t].names.join(' or ')).join(', ') || 'nothing but Node.js';
    return `usage: npm run ${name} -- <env> [options]\n${c.summary}.\nneeds: ${needs}, and an environment of ${DIRS.environments}/${flags ? `\noptions:${flags}` : ''}\n  --help          show this help`;
  }
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(16)}${c.summary}`);
  return `usage: npm run <command> -- <env> [options]   (or: tsx cluster/cli.ts <command> <env>)\ncommands:\n${lines.join('\n')}\nevery command takes --help`;
}

/** Parses the arguments, checks every prerequisite, and runs the command. Returns the exit code. */
export async function main(argv: readonly string[], root = process.cwd()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    if (name === undefined) console.error(usage());
    else console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`cluster: unknown command ${name}; one of: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(usage(name));
    return 0;
  }
  try {
    const positional = rest.filter((a) => !a.startsWith('-'));
    const flags = new Set(rest.filter((a) => a.startsWith('-')));
    const unknown = [...flags].filter((f) => !(command.flags && f in command.flags));
    if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.join(', ')}; see npm run ${name} -- --help`);
    if (positional.length > 1) throw new UsageError(`one environment at a time, got ${positional.join(', ')}`);

    // Every missing prerequisite, in one line.
    const missing: string[] = [];
    const bin: Partial<Record<ToolName, string>> = {};
    for (const t of command.tools) {
      const found = findOnPath(TOOLS[t].names);
      if (found) bin[t] = found;
      else missing.push(`${TOOLS[t].names.join(' or ')} (${TOOLS[t].install})`);
    }
    const envs = loadEnvironments(path.join(root, DIRS.environments));
    const names = envs.map((e) => e.name);
    const env = envs.find((e) => e.name === positional[0]);
    if (positional.length === 0) missing.push(`an environment (npm run ${name} -- <${names.join('|')}>)`);
    else if (!env)
      missing.push(
        `environment ${positional[0]} (no ${DIRS.environments}/${positional[0]}.yaml; one of: ${names.join(', ')})`,
      );
    else if (command.tools.includes('aws') && !env.aws.accountId) {
      missing.push(
        `aws.accountId in ${DIRS.environments}/${env.name}.yaml (the environment's 12-digit AWS account: every command that touches AWS refuses another)`,
      );
    }
    if (missing.length > 0) throw new UserError(`missing ${missing.join('; ')}`);
    await command.run({ root, env: env!, flags, bin: bin as Record<ToolName, string> });
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${name}: ${e.message}`);
      return 2;
    }
    if (e instanceof UserError) {
      console.error(`${name}: ${e.message}`);
      return 1;
    }
    if (e instanceof ConfigError) {
      for (const line of e.message.split('\n')) console.error(line);
      console.error(`${name}: ${e.errors.length} error${e.errors.length === 1 ? '' : 's'} in the configuration`);
      return 1;
    }
    console.error(`${name}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
