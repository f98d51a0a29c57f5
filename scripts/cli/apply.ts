/**
 * npm run apply -- <env> [--tenant <name>] [--yes] [--kubeconfig <file>] [--context <ctx>]
 *
 * Puts dist/<env>/ on a development cluster that has no Argo CD: server-side apply with the
 * field manager `agentic-platform`, in the order Argo CD would sync it (sync-plan.ts: namespaces,
 * platform directories by the sync wave of their Application, then the tenants; inside a
 * directory by object wave, hook phase and kind). Then prunes what dist/ no longer declares
 * (prune.ts says exactly what qualifies). Without --yes everything is a server dry run and the
 * prune is only listed.
 *
 * argocd/<env>/ is not applied: its Applications and AppProjects do nothing without Argo CD, and
 * would make a later Argo CD fight this command over every object. The platform components that
 * come from upstream Helm charts (Istio, Kyverno, kagent, ...) are Applications too, so they are
 * not installed either: the CRDs their objects need must already be in the cluster.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MANAGED_BY, tenantNamespace } from '../../charts/lib/constants';
import { readOutput, type Manifest } from '../kube/manifests';
import {
  applyObjects,
  describeObject,
  objectKey,
  problemsOf,
  type KubectlTarget,
  type ObjectOutcome,
} from '../kube/apply';
import { syncPlan, tenantSteps, tenantsOf, type SyncStep } from '../kube/sync-plan';
import { type CommandSpec, mainCommand, type ParsedArgs, progress, UsageError, UserError } from '../lib/cli';
import {
  deleteObjects,
  describeTarget,
  findKubectl,
  globalArgs,
  listManaged,
  MANAGED_SELECTOR,
  namespaces,
  platformApplications,
} from '../apply/cluster';
import { describeClusterObject, selectPrune } from '../apply/prune';
import { countOf } from '../../charts/lib/plural';

/** Field manager of `npm run apply`: the value of the managed-by label. */
export const APPLY_FIELD_MANAGER = MANAGED_BY;

export const APPLY_COMMAND: CommandSpec = {
  name: 'apply',
  usage: 'npm run apply -- <env> [--tenant <name>] [--yes] [--kubeconfig <file>] [--context <ctx>]',
  summary: [
    `Applies dist/<env>/ to a development cluster without Argo CD: server-side apply (field manager ${APPLY_FIELD_MANAGER})`,
    "in Argo CD's sync-wave order, then deletes what dist/ no longer declares among the objects labelled",
    `${MANAGED_SELECTOR} that this command applied.`,
    'Without --yes: a server dry run, and the prune is only listed. argocd/<env>/ is not applied.',
  ].join('\n'),
  flags: {
    tenant: {
      value: true,
      help: "only this tenant's objects (namespace, guardrails, workloads); prune only in its namespace",
    },
    yes: { help: 'apply and prune for real (default: server dry run, prune listed only)' },
    kubeconfig: { value: true, help: 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' },
    context: { value: true, help: 'kubeconfig context (default: the current one)' },
  },
};

export interface ApplyRunOptions {
  /** Directory holding dist/ (the repository, or a copy in tests). */
  readonly root: string;
  /** Report lines. @default console.log */
  readonly write?: (line: string) => void;
  /** Progress lines. @default standard error */
  readonly progressWrite?: (line: string) => void;
  /** kubectl binary. @default findKubectl() */
  readonly kubectl?: string;
  /** Environment of kubectl (KUBECONFIG, the discovery cache's location). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Created and changed objects listed one per line (changed first); the rest are counted. */
const LISTED_CHANGES = 50;

const str = (v: string | boolean | string[] | undefined) => (typeof v === 'string' ? v : undefined);

/** The steps to apply: the environment's dist/ in sync order, optionally one tenant's part. */
function planFor(root: string, envName: string, tenant?: string): { steps: SyncStep[]; total: number } {
  const output = readOutput(root);
  const env = output.environments.find((e) => e.name === envName);
  if (!env)
    throw new UserError(`no environment ${envName} (known: ${output.environments.map((e) => e.name).join(', ')})`);
  let steps: SyncStep[];
  try {
    steps = syncPlan(env, { argocd: false });
  } catch (e) {
    throw new UserError((e as Error).message.split('\n').join('; '));
  }
  if (tenant !== undefined) {
    const known = tenantsOf(env);
    if (!known.includes(tenant))
      throw new UserError(
        `no tenant ${tenant} in dist/${envName}/tenants/ (known: ${known.join(', ')}); add it to tenants.yaml and run npm run synth`,
      );
    steps = tenantSteps(steps, env, tenant);
  }
  return { steps, total: steps.reduce((n, s) => n + s.objects.length, 0) };
}

/** The command's body. */
export async function runApply(args: ParsedArgs, options: ApplyRunOptions): Promise<number> {
  const write = options.write ?? ((l: string) => console.log(l));
  if (args.positional.length !== 1)
    throw new UsageError(
      args.positional.length === 0
        ? 'name the environment, such as dev'
        : `one environment, got ${args.positional.join(' ')}`,
    );
  const envName = args.positional[0];
  const tenant = str(args.flags.tenant);
  const yes = args.flags.yes === true;
  const { steps, total } = planFor(options.root, envName, tenant);
  const label = `apply: ${envName}${tenant ? ` (tenant ${tenant})` : ''}`;

  const bin = options.kubectl ?? findKubectl();
  const flags = globalArgs(str(args.flags.kubeconfig), str(args.flags.context));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apply-'));
  const target: KubectlTarget = { env: options.env ?? process.env, dir, bin, globalArgs: flags };
  try {
    const cluster = await describeTarget(target);
    write(
      `${label}: ${countOf(total, 'object')} to context ${cluster.context || '(none)'} at ${cluster.server}; ${yes ? 'applying' : 'dry run, nothing is changed (--yes applies)'}`,
    );
    const argo = await platformApplications(target);
    if (argo.length > 0) {
      throw new UserError(
        `the cluster runs Argo CD with ${argo.length} Application(s) of this platform, such as ${argo[0]}; apply is for a cluster without Argo CD, which would fight it over every object: sync through Argo CD instead`,
      );
    }

    // In a dry run nothing is created, so objects in a namespace this run would create cannot
    // be checked by the server; they are counted as created, unchecked.
    const existing = yes ? new Set<string>() : await namespaces(target);
    const created = new Set(
      steps.flatMap((s) =>
        s.objects.filter((m) => m.object.kind === 'Namespace').map((m) => m.object.metadata.name as string),
      ),
    );
    const unchecked = (m: Manifest) =>
      !yes &&
      m.object.metadata?.namespace !== undefined &&
      !existing.has(m.object.metadata.namespace) &&
      created.has(m.object.metadata.namespace);

    const bar = progress(label, total, options.progressWrite);
    const outcomes: ObjectOutcome[] = [];
    let notSent = 0;
    for (const step of steps) {
      const send = step.objects.filter((m) => !unchecked(m));
      for (const m of step.objects.filter(unchecked))
        outcomes.push({
          manifest: m,
          step: step.label,
          mode: 'dry-run',
          accepted: true,
          warnings: [],
          change: 'created',
        });
      notSent += step.objects.length - send.length;
      outcomes.push(
        ...(await applyObjects(target, step.label, send, {
          dryRun: !yes,
          fieldManager: APPLY_FIELD_MANAGER,
          changes: true,
        })),
      );
      bar.tick(step.objects.length);
    }
    bar.done();

    const count = (c: string) => outcomes.filter((o) => o.accepted && o.change === c).length;
    const rejected = outcomes.filter((o) => !o.accepted);
    const verb = yes ? '' : 'would be ';
    write(
      `${label}: ${countOf(total, 'object')} in ${countOf(steps.length, 'step')}: ${count('created')} ${verb}created, ${count('changed')} ${verb}changed, ${count('unchanged')} unchanged, ${rejected.length} rejected` +
        (notSent > 0 ? ` (${notSent} in namespaces this run creates were not sent to the server)` : ''),
    );
    for (const p of problemsOf(outcomes)) write(`${label}: ${p}`);
    const changes = [
      ...outcomes.filter((o) => o.accepted && o.change === 'changed'),
      ...outcomes.filter((o) => o.accepted && o.change === 'created'),
    ];
    for (const o of changes.slice(0, LISTED_CHANGES))
      write(`  ${o.change === 'created' ? '+' : '~'} ${describeObject(o.manifest)}`);
    if (changes.length > LISTED_CHANGES) write(`  ... and ${changes.length - LISTED_CHANGES} more`);

    if (rejected.length > 0) {
      write(`${label}: prune skipped: ${rejected.length} object(s) were rejected; fix them first`);
      return 1;
    }
    const pruned = await prune(target, steps, label, tenant, yes, write);
    if (!yes) write(`${label}: dry run: nothing was changed; run again with --yes to apply`);
    return pruned ? 0 : 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Lists or deletes what dist/ no longer declares. Resolves false when a delete failed. */
async function prune(
  target: KubectlTarget,
  steps: readonly SyncStep[],
  label: string,
  tenant: string | undefined,
  yes: boolean,
  write: (line: string) => void,
): Promise<boolean> {
  const namespace = tenant === undefined ? undefined : tenantNamespace(tenant);
  const listed = await listManaged(target, namespace);
  if (listed.unlisted) write(`${label}: some kinds could not be listed and are not pruned: ${listed.unlisted}`);
  const declared = new Set(steps.flatMap((s) => s.objects.map((m) => objectKey(m.object))));
  const { prune: doomed, kept } = selectPrune(listed.objects, declared, {
    fieldManager: APPLY_FIELD_MANAGER,
    namespace,
  });
  const scope = namespace ? `namespace ${namespace}` : 'the cluster';
  for (const k of kept) write(`${label}: left alone: ${describeClusterObject(k.object)}: ${k.reason}`);
  if (doomed.length === 0) {
    write(`${label}: nothing to prune in ${scope}`);
    return true;
  }
  write(
    `${label}: ${yes ? 'pruning' : 'would prune'} ${doomed.length} object(s) in ${scope} that dist/ no longer declares:`,
  );
  for (const o of doomed) write(`  - ${describeClusterObject(o)}`);
  if (!yes) return true;
  const error = await deleteObjects(target, doomed);
  if (error) {
    write(`${label}: prune failed: ${error.split('\n')[0]}`);
    return false;
  }
  return true;
}

if (require.main === module)
  mainCommand(APPLY_COMMAND, (args) => runApply(args, { root: path.resolve(__dirname, '..', '..') }));
