/**
 * npm run tenant -- add <name> [options] | remove <name> [options]
 *
 * Onboards or removes a tenant: edits tenants.yaml in place (every comment and the formatting of
 * the other entries kept), validates the result with the compiler's loader, writes it atomically
 * only when it is valid, and synthesizes dist/ and argocd/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Environment, loadEnvironments } from '../../charts/config/environment';
import { loadTenants, type Tenant } from '../../charts/config/load-tenants';
import { ConfigError, decodeSource } from '../../charts/config/source-errors';
import { DIRS, TENANTS_FILE, tenantDevelopersGroup, tenantNamespace } from '../../charts/lib/constants';
import { run as synth } from '../../charts/main';
import { type CommandSpec, mainCommand, type ParsedArgs, UsageError, UserError } from '../lib/cli';
import { addTenantEntry, removeTenantEntry } from '../tenant/edit';
import { entryFromFlags, optionError } from '../tenant/entry';
import { offboardingText, referencesMessage, tenantReferences } from '../tenant/offboard';
import { countOf } from '../../charts/lib/plural';

const ADD_FLAGS = [
  'display-name',
  'description',
  'alias',
  'owner-group',
  'owner-user',
  'owner-service-account',
  'quota',
  'limit',
  'comment',
];

export const TENANT_COMMAND: CommandSpec = {
  name: 'tenant',
  usage: 'npm run tenant -- add <name> [options] | remove <name> [--file <path>] [--root <dir>] [--no-synth]',
  summary: [
    'add: appends a tenant to tenants.yaml, keeping every comment and the formatting of the other entries;',
    '  unset fields take the platform defaults (docs/tenant-guide.md, "9. Limits and quota"). Example:',
    '  npm run tenant -- add gamma --display-name "Team Gamma" --owner-group gamma-admins --quota requests.cpu=12',
    'remove: removes a tenant and the comment lines directly above it; refused while another tenant',
    '  calls it or allows calls from it. Prints the steps that offboard it from the cluster.',
    'Either edit is validated first (tenants.yaml is left untouched when it is invalid), written',
    'atomically, and followed by npm run synth.',
  ].join('\n'),
  flags: {
    'display-name': { value: true, help: 'add: human-readable name, such as "Team Gamma"' },
    description: { value: true, help: 'add: what the team does' },
    alias: { value: true, help: 'add: path segment of its routes instead of tenant-<name> (a DNS label)' },
    'owner-group': {
      value: true,
      repeat: true,
      help: 'add: an extra RoleBinding group besides tenant-<name>-developers (repeatable)',
    },
    'owner-user': { value: true, repeat: true, help: 'add: an extra RoleBinding user (repeatable)' },
    'owner-service-account': {
      value: true,
      repeat: true,
      help: 'add: a service account of tenant-<name> bound too, such as a CI deployer (repeatable)',
    },
    quota: {
      value: true,
      repeat: true,
      help: 'add: <key>=<value> overriding one quota default, such as requests.cpu=12 or pods=30 (repeatable)',
    },
    limit: {
      value: true,
      repeat: true,
      help: 'add: <default|defaultRequest|max>.<cpu|memory>=<quantity>, such as default.cpu=300m (repeatable)',
    },
    comment: { value: true, help: 'add: one comment line written above the entry' },
    file: { value: true, help: `tenant registry to edit (default: ${TENANTS_FILE} in the root)` },
    root: { value: true, help: 'repository root holding charts/environments, dist/ and argocd/ (default: .)' },
    'no-synth': { help: 'edit tenants.yaml only; run npm run synth yourself' },
  },
};

const list = (v: string | boolean | string[] | undefined): string[] | undefined => (Array.isArray(v) ? v : undefined);
const str = (v: string | boolean | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** Writes a file through a temporary file in the same directory and a rename, keeping its mode. */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const mode = fs.existsSync(file) ? fs.statSync(file).mode & 0o777 : 0o644;
  try {
    fs.writeFileSync(tmp, content, { mode });
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Prints a loader's errors, then fails with one line saying what happened to the file. */
function validated(text: string, display: string, failure: (count: number) => string): Tenant[] {
  try {
    return loadTenants(text, { file: display });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split('\n')) console.error(line);
    throw new UserError(failure(e.errors.length));
  }
}

const errors = (n: number) => countOf(n, 'error');

/** Runs npm run synth in-process; on failure the previous tenants.yaml is put back. */
async function synthesize(root: string, file: string, display: string, previous: string): Promise<void> {
  let failure: string | undefined;
  try {
    if ((await synth(['--root', root, '--tenants', file])) !== 0) failure = 'synth failed';
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const line of e.message.split('\n')) console.error(line);
      failure = `synth found ${errors(e.errors.length)}`;
    } else failure = `synth failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
  if (failure !== undefined) {
    writeFileAtomic(file, previous);
    throw new UserError(`${failure}; ${display} was put back as it was, dist/ and argocd/ were not changed`);
  }
}

/** The environments for the offboarding steps (placeholders when they cannot be read). */
function environments(root: string): Environment[] {
  try {
    return loadEnvironments(path.join(root, DIRS.environments));
  } catch {
    return [];
  }
}

export async function tenantCommand(args: ParsedArgs): Promise<number> {
  const [action, name, ...extra] = args.positional;
  if (action !== 'add' && action !== 'remove')
    throw new UsageError(
      action === undefined
        ? 'name an action: add or remove'
        : `unknown action ${JSON.stringify(action)}; use add or remove`,
    );
  if (name === undefined) throw new UsageError(`${action} needs a tenant name`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (action === 'remove') {
    const misplaced = ADD_FLAGS.find((f) => f in args.flags);
    if (misplaced) throw new UsageError(`--${misplaced} applies to add only`);
  }
  const root = path.resolve(str(args.flags.root) ?? '.');
  const file = path.resolve(root, str(args.flags.file) ?? TENANTS_FILE);
  const display = path.relative(process.cwd(), file) || TENANTS_FILE;
  if (!fs.existsSync(file))
    throw new UserError(`${display}: no such file; run from the repository root or pass --root or --file`);
  const text = decodeSource(fs.readFileSync(file), display);
  const before = validated(
    text,
    display,
    (n) => `${display} has ${errors(n)} already; fix them first (nothing was changed)`,
  );

  let updated: string;
  let removed: Tenant | undefined;
  if (action === 'add') {
    const entry = entryFromFlags(name, {
      displayName: str(args.flags['display-name']),
      description: str(args.flags.description),
      alias: str(args.flags.alias),
      ownerGroups: list(args.flags['owner-group']),
      ownerUsers: list(args.flags['owner-user']),
      ownerServiceAccounts: list(args.flags['owner-service-account']),
      quota: list(args.flags.quota),
      limits: list(args.flags.limit),
    });
    updated = addTenantEntry(text, entry, { comment: str(args.flags.comment), file: display });
    try {
      loadTenants(updated, { file: display });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const err of e.errors) console.error(optionError(err.field, err.message, err.fix, entry));
      throw new UserError(`the new entry is invalid (${errors(e.errors.length)} above); ${display} was not changed`);
    }
  } else {
    removed = before.find((t) => t.name === name);
    if (!removed)
      throw new UserError(
        `no tenant ${JSON.stringify(name)} in ${display} (tenants: ${before.map((t) => t.name).join(', ') || 'none'})`,
      );
    const refs = tenantReferences(before, name, text, display);
    if (refs.length > 0) throw new UserError(referencesMessage(name, refs, display));
    updated = removeTenantEntry(text, name, { file: display });
    validated(
      updated,
      display,
      (n) =>
        `removing ${name} makes ${display} invalid (${errors(n)} above, at the lines the file would have); ${display} was not changed`,
    );
  }

  writeFileAtomic(file, updated);
  console.log(`tenant: ${action === 'add' ? `added ${name} to` : `removed ${name} from`} ${display}`);
  if (args.flags['no-synth'])
    console.log('tenant: run npm run synth, then commit tenants.yaml, dist/ and argocd/ together');
  else await synthesize(root, file, display, text);

  if (removed) {
    for (const line of offboardingText(removed, environments(root))) console.log(line);
  } else {
    console.log(
      `tenant: members of group ${tenantDevelopersGroup(name)} manage agents, models, MCP servers and sandboxes in ${tenantNamespace(name)}; ` +
        `commit ${display}, dist/ and argocd/ together. npm run explain -- ${name} shows what it got.`,
    );
  }
  return 0;
}

if (require.main === module) mainCommand(TENANT_COMMAND, tenantCommand);
