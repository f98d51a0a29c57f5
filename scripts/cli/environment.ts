/**
 * npm run environment -- add <name> [--from <env>] [--domain <d>] [--hosted-zone-id <id>] ...
 *
 * Scaffolds a new environment: charts/environments/<name>.yaml (the settings of --from with the
 * new name, branch, cluster and the values given), cluster/terraform/env/<name>.tfvars (the sizes
 * of --from) and stand-in cluster/outputs/<name>.json. Synth accepts them; `npm run validate`
 * names every placeholder until the real values and outputs are in (the checklist:
 * docs/operator-runbook.md, "Add an environment").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from '../../charts/config/environment';
import { findPlaceholders } from '../../charts/config/placeholders';
import { ConfigError } from '../../charts/config/source-errors';
import { DIRS, DNS_LABEL } from '../../charts/lib/constants';
import { run as synth } from '../../charts/main';
import { scaffoldEnvironment, type ScaffoldFiles, tfvarsFile } from '../environment/scaffold';
import { type CommandSpec, mainCommand, type ParsedArgs, UsageError, UserError } from '../lib/cli';

export const ENVIRONMENT_COMMAND: CommandSpec = {
  name: 'environment',
  usage:
    'npm run environment -- add <name> [--from <env>] [--domain <domain>] [--hosted-zone-id <id>] [--region <region>] [--account-id <id>] [--cluster-name <name>] [--branch <branch>]',
  summary: [
    'add: writes a new environment made from an existing one: its environment file, its Terraform',
    '  sizes and stand-in cluster outputs, then runs npm run synth. Values not given are taken from',
    '  --from or are placeholders, which synth accepts and npm run validate lists until they are',
    '  replaced (the outputs by npm run infra:outputs). Example:',
    '  npm run environment -- add staging --from dev --domain staging.agentic.example.com --hosted-zone-id Z0123456789ABC',
    'Checklist of what else a new environment needs: docs/operator-runbook.md, "Add an environment".',
  ].join('\n'),
  flags: {
    from: { value: true, help: 'environment to copy the settings and sizes of (default: the first, dev)' },
    domain: {
      value: true,
      help: 'DNS domain of its hosts: gateway.<domain>, keycloak.<domain> (default: a placeholder)',
    },
    'hosted-zone-id': { value: true, help: 'Route 53 public hosted zone of the domain (default: a placeholder)' },
    region: { value: true, help: "AWS region (default: --from's)" },
    'account-id': {
      value: true,
      help: "AWS account ID; the cluster commands then refuse other accounts' credentials (default: --from's, if set)",
    },
    'cluster-name': {
      value: true,
      help: "EKS cluster name, also the kubeconfig context (default: --from's with its name replaced)",
    },
    branch: { value: true, help: 'Git branch Argo CD follows for it (default: the environment name)' },
    root: { value: true, help: 'repository root (default: .)' },
    'no-synth': { help: 'write the files only; run npm run synth yourself' },
  },
};

const str = (v: string | boolean | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export async function environmentCommand(args: ParsedArgs): Promise<number> {
  const [action, name, ...extra] = args.positional;
  if (action !== 'add')
    throw new UsageError(
      action === undefined ? 'name an action: add' : `unknown action ${JSON.stringify(action)}; use add`,
    );
  if (name === undefined) throw new UsageError('add needs an environment name');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (!DNS_LABEL.test(name) || name.length > 40)
    throw new UserError(
      `${JSON.stringify(name)} is not a usable environment name; use lower-case letters, digits and '-' (a DNS label of at most 40 characters)`,
    );
  const root = path.resolve(str(args.flags.root) ?? '.');
  const envDir = path.join(root, DIRS.environments);
  if (!fs.existsSync(envDir))
    throw new UserError(
      `${path.relative(process.cwd(), envDir) || '.'}: no such directory; run from the repository root or pass --root`,
    );
  const existing = loadEnvironments(envDir);
  const fromName = str(args.flags.from) ?? existing[0]?.name;
  const from = existing.find((e) => e.name === fromName);
  if (!from)
    throw new UserError(
      `unknown environment ${JSON.stringify(fromName)} for --from; environments: ${existing.map((e) => e.name).join(', ') || 'none'}`,
    );
  if (existing.some((e) => e.name === name))
    throw new UserError(`environment ${name} exists already (${DIRS.environments}/${name}.yaml)`);
  const sourceTfvars = path.join(root, tfvarsFile(from.name));
  if (!fs.existsSync(sourceTfvars)) throw new UserError(`missing ${tfvarsFile(from.name)}, the sizes to copy`);

  let files: ScaffoldFiles;
  try {
    files = scaffoldEnvironment(
      name,
      {
        name: from.name,
        text: fs.readFileSync(path.join(envDir, `${from.name}.yaml`), 'utf8'),
        tfvars: fs.readFileSync(sourceTfvars, 'utf8'),
      },
      {
        domain: str(args.flags.domain),
        hostedZoneId: str(args.flags['hosted-zone-id']),
        region: str(args.flags.region),
        accountId: str(args.flags['account-id']),
        clusterName: str(args.flags['cluster-name']),
        branch: str(args.flags.branch),
      },
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split('\n')) console.error(line);
    throw new UserError('a value given is invalid (above); nothing was written');
  }
  const targets = [files.environment, files.tfvars, files.outputs];
  const taken = targets.filter((f) => fs.existsSync(path.join(root, f.path)));
  if (taken.length > 0)
    throw new UserError(
      `${taken.map((f) => f.path).join(', ')} exist already; remove them first (nothing was written)`,
    );
  for (const f of targets) {
    fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    fs.writeFileSync(path.join(root, f.path), f.text);
  }
  console.log(`environment: wrote ${targets.map((f) => f.path).join(', ')}`);
  if (args.flags['no-synth'])
    console.log('environment: run npm run synth, then commit the three files, dist/ and argocd/ together');
  else if ((await synthSafely(root)) !== 0) {
    for (const f of targets) fs.rmSync(path.join(root, f.path), { force: true });
    throw new UserError(`synth failed; the files of ${name} were removed again`);
  }

  const left = findPlaceholders(files.environment.text);
  console.log(
    `environment: placeholders until replaced (npm run validate lists them): ${[...left.map((p) => `${files.environment.path} ${p.field}`), `${files.outputs.path} (all of it)`].join(', ')}`,
  );
  console.log(
    `environment: next: docs/operator-runbook.md, "Add an environment" (branch ${files.parsed.argocd.targetRevision}, DNS, cluster, data services, outputs, bootstrap)`,
  );
  return 0;
}

/** npm run synth in-process; a configuration error is printed and counts as a failure. */
async function synthSafely(root: string): Promise<number> {
  try {
    return await synth(['--root', root]);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split('\n')) console.error(line);
    return 1;
  }
}

if (require.main === module) mainCommand(ENVIRONMENT_COMMAND, environmentCommand);
