/**
 * Starts the integration tier's control plane for local use and keeps it running until Ctrl-C:
 *
 *   npm run control-plane                 an API server with the platform's CRDs
 *   npm run control-plane -- --env dev    ... and dist/dev/ and argocd/dev/ applied
 *   npm run control-plane -- --no-crds    an API server with nothing installed
 *
 * Prints the KUBECONFIG to use with .tools/bin/kubectl. Everything is removed on exit.
 */
import * as path from 'node:path';
import { readOutput } from '../gates/manifests';
import { CRDS_DIR } from '../validation-schemas';
import { applyPlan, crdFiles, installCrds } from './apply';
import { startControlPlane } from './control-plane';
import { syncPlan } from './sync-plan';

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--env');
  const envName = at >= 0 ? argv[at + 1] : undefined;
  const root = path.resolve(__dirname, '..', '..');
  const env = envName === undefined ? undefined : readOutput(root).environments.find((e) => e.name === envName);
  if (envName !== undefined && env === undefined) throw new Error(`--env ${envName}: no such environment (known: ${readOutput(root).environments.map((e) => e.name).join(', ')})`);
  const cp = await startControlPlane();
  try {
    if (!argv.includes('--no-crds') || env) console.log(`control plane: ${await installCrds(cp, crdFiles(CRDS_DIR))} CRDs installed`);
    if (env) {
      const report = await applyPlan(cp, syncPlan(env));
      console.log(`control plane: ${env.name}: ${report.accepted} of ${env.manifests.length} objects accepted`);
      for (const p of report.problems) console.log(`  ${p}`);
    }
    console.log(`\nexport KUBECONFIG=${cp.kubeconfig}\n.tools/bin/kubectl get namespaces\n\nCtrl-C stops the control plane and removes ${cp.dir}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    await cp.stop();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`control plane: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
