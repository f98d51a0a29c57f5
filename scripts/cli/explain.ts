/**
 * npm run explain -- <tenant> [--env <env>] [--root <dir>]
 *
 * Prints a tenant's effective configuration from the compiled output in dist/ and argocd/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIRS, ROUTE_TABLE } from '../../charts/lib/constants';
import { explainTenant, type RouteTable, tenantsOf } from '../explain/explain';
import { readIntent } from '../flows/gate';
import { flowMatrix, type TenantIntent } from '../flows/matrix';
import { readOutput } from '../kube/manifests';
import { type CommandSpec, mainCommand, type ParsedArgs, UsageError, UserError } from '../lib/cli';

export const EXPLAIN_COMMAND: CommandSpec = {
  name: 'explain',
  usage: 'npm run explain -- <tenant> [--env <env>]',
  summary: [
    "Shows a tenant's effective configuration as compiled into dist/<env>/ and argocd/<env>/: its namespace",
    'and labels, quota and limits, routes and who may call them, the routes it may call, what its',
    'NetworkPolicies let it reach and be reached from, its mesh and waypoint authorization, its Argo CD',
    'projects, its workloads, and the model each ModelConfig actually sends (the route and backend its',
    'requests reach). Reads the compiled output: run npm run synth first after an edit.',
  ].join('\n'),
  flags: {
    env: { value: true, help: 'environment to show (default: the first of charts/environments)' },
    root: { value: true, help: 'repository root holding charts/environments, dist/ and argocd/ (default: .)' },
  },
};

export function explainCommand(args: ParsedArgs): number {
  const [tenant, ...extra] = args.positional;
  if (tenant === undefined) throw new UsageError('name a tenant');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const root = path.resolve(typeof args.flags.root === 'string' ? args.flags.root : '.');
  if (!fs.existsSync(path.join(root, DIRS.environments)))
    throw new UserError(
      `${path.join(root, DIRS.environments)}: no such directory; run from the repository root or pass --root`,
    );
  const output = readOutput(root, root);
  const names = output.environments.map((e) => e.name);
  const wanted = typeof args.flags.env === 'string' ? args.flags.env : names[0];
  const env = output.environments.find((e) => e.name === wanted);
  if (!env)
    throw new UserError(`unknown environment ${JSON.stringify(wanted)}; environments: ${names.join(', ') || 'none'}`);
  const known = tenantsOf(env.manifests.map((m) => m.object));
  if (!known.includes(tenant)) {
    throw new UserError(
      `unknown tenant ${JSON.stringify(tenant)} in ${env.name}; tenants: ${known.join(', ') || 'none'}${known.length === 0 ? ' (run npm run synth)' : ''}`,
    );
  }
  const routesFile = path.join(root, DIRS.dist, env.name, `${ROUTE_TABLE}.json`);
  if (!fs.existsSync(routesFile))
    throw new UserError(`${path.relative(process.cwd(), routesFile)}: no such file; run npm run synth`);
  const routes = JSON.parse(fs.readFileSync(routesFile, 'utf8')) as RouteTable;
  // What tenants.yaml promises, to judge the tenant's flows; without it the flows are shown as they are.
  let intent: TenantIntent[] | undefined;
  try {
    intent = readIntent(root);
  } catch {
    intent = undefined;
  }
  const lines = explainTenant({
    tenant,
    env: env.name,
    otherEnvironments: names.filter((n) => n !== env.name),
    objects: env.manifests.map((m) => m.object),
    routes,
    flows: flowMatrix(env, intent, tenant),
  });
  console.log(lines.join('\n'));
  return 0;
}

if (require.main === module) mainCommand(EXPLAIN_COMMAND, explainCommand);
