/**
 * Validation and security gates over the generated output and the repository:
 *
 *   npm run validate [-- --only <gate>[,<gate>]]
 *
 * kubeconform (-strict) and kubectl-validate check every resource of dist/ and argocd/ against
 * the schemas of the environment's Kubernetes version and of the CRDs; isolation, rbac and
 * workloads check what the resources allow; gitleaks looks for secrets; chainsaw-lint checks the
 * end-to-end suites. Each gate prints what it checked and how long it took; all gates run, and
 * any problem fails the command. Tools come from `npm run tools`; a missing tool fails its gate
 * with that command.
 */
import * as path from 'node:path';
import { chainsawLintGate } from './gates/chainsaw-lint';
import { isolationGate } from './gates/isolation';
import { type GateResult, type Output, readOutput } from './gates/manifests';
import { clusterScopedCrds, rbacGate } from './gates/rbac';
import { kubeconformGate, kubectlValidateGate } from './gates/schemas';
import { secretsGate } from './gates/secrets';
import { workloadGate } from './gates/workloads';
import { ensureSchemas } from './validation-schemas';

const ROOT = path.resolve(__dirname, '..');

/** Every gate, in the order they run. */
export const GATES: Readonly<Record<string, (output: Output) => Promise<GateResult> | GateResult>> = {
  kubeconform: kubeconformGate,
  'kubectl-validate': kubectlValidateGate,
  isolation: isolationGate,
  rbac: (output) => rbacGate(output, clusterScopedCrds(output.environments.flatMap((e) => ensureSchemas(e.kubernetesVersion).crds))),
  workloads: (output) => workloadGate(output),
  gitleaks: (output) => secretsGate(output.root),
  'chainsaw-lint': (output) => chainsawLintGate(output.root),
};

/** Runs the named gates; a gate that throws (a missing tool, say) is reported as failed. */
export async function runGates(output: Output, names: readonly string[] = Object.keys(GATES)): Promise<GateResult[]> {
  const results: GateResult[] = [];
  for (const name of names) {
    const started = Date.now();
    try {
      results.push(await GATES[name](output));
    } catch (e) {
      results.push({ gate: name, checked: 0, unit: 'objects', errors: [e instanceof Error ? e.message : String(e)], ms: Date.now() - started });
    }
  }
  return results;
}

/** One summary line per gate. */
export function summary(r: GateResult): string {
  const status = r.errors.length === 0 ? 'ok' : `FAILED (${r.errors.length} problem${r.errors.length === 1 ? '' : 's'})`;
  return `${r.gate.padEnd(16)} ${status.padEnd(22)} ${String(r.checked).padStart(5)} ${r.unit} in ${(r.ms / 1000).toFixed(1)}s${r.notes?.length ? ` — ${r.notes.join('; ')}` : ''}`;
}

function parseOnly(argv: string[]): string[] {
  const i = argv.indexOf('--only');
  if (i < 0) return Object.keys(GATES);
  const names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !(n in GATES));
  if (names.length === 0 || unknown.length > 0) {
    console.error(`validate: unknown gate ${unknown.join(', ') || '(none given)'}; gates: ${Object.keys(GATES).join(', ')}`);
    process.exit(2);
  }
  return names;
}

async function main(argv: string[]): Promise<void> {
  const names = parseOnly(argv);
  const output = readOutput(ROOT);
  const results = await runGates(output, names);
  for (const r of results) {
    console.log(summary(r));
    for (const e of r.errors) console.log(`  - ${e}`);
  }
  const failed = results.filter((r) => r.errors.length > 0);
  if (failed.length > 0) {
    console.error(`validate: ${failed.length} of ${results.length} gates failed: ${failed.map((r) => r.gate).join(', ')}`);
    process.exit(1);
  }
  console.log(`validate: all ${results.length} gates passed`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`validate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
