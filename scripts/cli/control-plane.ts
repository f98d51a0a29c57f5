/**
 * Starts the integration tier's control plane for local use and keeps it running until Ctrl-C:
 *
 *   npm run control-plane                 an API server with the platform's CRDs
 *   npm run control-plane -- --env dev    ... and dist/dev/ and argocd/dev/ applied
 *   npm run control-plane -- --no-crds    an API server with nothing installed
 *
 * Prints the KUBECONFIG to use with .tools/bin/kubectl. Everything is removed on exit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readOutput } from '../kube/manifests';
import { type CommandSpec, mainCommand, type ParsedArgs, UsageError, UserError } from '../lib/cli';
import { CRDS_DIR, missingUpstream } from '../toolchain/paths';
import { applyPlan, crdFiles, installCrds } from '../kube/apply';
import { startControlPlane } from '../integration/control-plane';
import { syncPlan } from '../kube/sync-plan';

export const CONTROL_PLANE_COMMAND: CommandSpec = {
  name: 'control-plane',
  usage: 'npm run control-plane [-- --env <env> | --no-crds]',
  summary:
    'Starts etcd, kube-apiserver and kube-controller-manager from .tools/bin on loopback, installs the CRDs of ../shared/crds (or $CRDS_DIR) and, with --env, applies dist/<env>/ and argocd/<env>/ in sync order. Prints the KUBECONFIG to use with .tools/bin/kubectl and runs until Ctrl-C, which stops everything and removes its temporary directory.',
  flags: {
    env: { value: true, help: 'apply this environment after the CRDs' },
    'no-crds': { help: 'install nothing: a bare API server' },
  },
};

/** The control-plane command; resolves when the control plane has been stopped. */
export async function runControlPlane(args: ParsedArgs, root = path.resolve(__dirname, '..', '..')): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  const envName = args.flags.env as string | undefined;
  if (envName !== undefined && args.flags['no-crds']) throw new UsageError('--env needs the CRDs; leave out --no-crds');
  const environments = envName === undefined ? [] : readOutput(root).environments;
  const env = environments.find((e) => e.name === envName);
  if (envName !== undefined && env === undefined)
    throw new UserError(`--env ${envName}: no such environment (known: ${environments.map((e) => e.name).join(', ')})`);
  if (!args.flags['no-crds'] && !fs.existsSync(CRDS_DIR)) throw new UserError(missingUpstream('CRD', CRDS_DIR));
  const crds = args.flags['no-crds'] ? [] : crdFiles(CRDS_DIR);
  console.log('control plane: starting etcd, kube-apiserver and kube-controller-manager...');
  const cp = await startControlPlane();
  try {
    if (crds.length > 0) {
      console.log(
        `control plane: installing the CRDs of ${crds.length} files and waiting until they are Established...`,
      );
      console.log(`control plane: ${await installCrds(cp, crds)} CRDs installed`);
    }
    if (env) {
      const steps = syncPlan(env);
      console.log(`control plane: applying ${env.manifests.length} objects of ${env.name} in ${steps.length} steps...`);
      const report = await applyPlan(cp, steps);
      console.log(`control plane: ${env.name}: ${report.accepted} of ${env.manifests.length} objects accepted`);
      for (const p of report.problems) console.log(`  ${p}`);
    }
    console.log(
      `\nexport KUBECONFIG=${cp.kubeconfig}\n.tools/bin/kubectl get namespaces\n\nCtrl-C stops the control plane and removes ${cp.dir}`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    await cp.stop();
  }
  return 0;
}

if (require.main === module) mainCommand(CONTROL_PLANE_COMMAND, (args) => runControlPlane(args));
