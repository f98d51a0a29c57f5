/**
 * Validation and security gates over the generated output and the repository:
 *
 *   npm run validate [-- --only <gate>[,<gate>]] [--root <dir>]
 *
 * --root reads dist/, argocd/ and charts/environments of another root (the output of
 * `npm run synth -- --root <dir>`); the default is the repository. gitleaks then scans that
 * root's dist/ and argocd/ (and its history and changed files if it is a git repository);
 * chainsaw-lint always lints this repository's end-to-end suites.
 *
 * kubeconform (-strict) and kubectl-validate check every resource of dist/ and argocd/ against
 * the schemas of the environment's Kubernetes version and of the CRDs; isolation, rbac and
 * workloads check what the resources allow; flows checks every flow across all layers against
 * what tenants.yaml promises; gitleaks looks for secrets; chainsaw-lint checks the end-to-end
 * suites; placeholders fails on the stand-in values of an environment in the making. The output is
 * read once for all gates, which run at the same time. Each gate
 * prints what it checked and how long it took; all gates run, and any problem fails the command.
 * Tools come from `npm run tools`; a missing tool fails its gate with that command.
 */
import * as path from 'node:path';
import { flowGate, intentKey, readIntent, readTenantsFile } from '../flows/gate';
import { chainsawLintGate } from '../gates/chainsaw-lint';
import { isolationGate } from '../gates/isolation';
import { type GateResult, type Output, readOutput } from '../kube/manifests';
import { placeholdersGate } from '../gates/placeholders';
import { clusterScopedCrds, rbacGate } from '../gates/rbac';
import { kubeconformGate, kubectlValidateGate, prestartSchemaServer } from '../gates/schemas';
import { secretsGate } from '../gates/secrets';
import { workloadGate } from '../gates/workloads';
import { type CommandSpec, mainCommand, type ParsedArgs, runCommand, UsageError } from '../lib/cli';
import { ensureSchemas } from '../toolchain/schemas';
import { countOf } from '../../charts/lib/plural';
import { rememberedByView } from '../gates/memo';
import { ISOLATION_VIEW, RBAC_VIEW, WORKLOADS_VIEW } from '../gates/views';
import { flowsView } from '../flows/view';
import { stampFor, tool } from '../toolchain/tools';
import { StatCache } from '../kube/stat-cache';
import { loadEnvironments } from '../../charts/config/environment';
import { DIRS } from '../../charts/lib/constants';

const ROOT = path.resolve(__dirname, '..', '..');

/** The views of the gates over the whole output (views.ts). */
const VIEWS = { isolation: ISOLATION_VIEW, flows: flowsView(), rbac: RBAC_VIEW, workloads: WORKLOADS_VIEW };

/** Tools whose build a gate's remembered result depends on. */
const toolStamp = (name: string) => stampFor(tool(name));

/**
 * Every gate, in the order they run. The gates over the whole output read it through their views
 * and remember clean results by the view's key and everything else they read (views.ts, memo.ts);
 * flows keys on what tenants.yaml promises (readIntent), not on the file's bytes. The file tools
 * remember clean tenant directories and files by digest (verdicts.ts), kube-score clean workloads.
 */
export const GATES: Readonly<Record<string, (output: Output) => Promise<GateResult> | GateResult>> = {
  kubeconform: kubeconformGate,
  'kubectl-validate': kubectlValidateGate,
  isolation: (output) => rememberedByView('isolation', output, VIEWS, [toolStamp('netpol-analyzer')], isolationGate),
  flows: (output) => {
    const tenants = readTenantsFile(output.root);
    const intent = intentKey(tenants) ?? 'an entry fails the tenant schema: readIntent reports it';
    return rememberedByView('flows', output, VIEWS, [intent], (viewed) =>
      flowGate(viewed, readIntent(output.root, tenants)),
    );
  },
  rbac: (output) => {
    const crds = clusterScopedCrds(output.environments.flatMap((e) => ensureSchemas(e.kubernetesVersion).crds));
    return rememberedByView('rbac', output, VIEWS, [JSON.stringify([...crds].sort())], (viewed) =>
      rbacGate(viewed, crds),
    );
  },
  workloads: (output) => rememberedByView('workloads', output, VIEWS, [toolStamp('kube-score')], workloadGate),
  gitleaks: (output) => secretsGate(output.root, output.record, output.stats),
  // The end-to-end suites are sources of this repository, not synthesized output: --root does not move them.
  'chainsaw-lint': () => chainsawLintGate(ROOT),
  placeholders: (output) => placeholdersGate(output),
};

/**
 * Runs the named gates at once (their tools are separate processes, so they share the cores
 * with the gates that compute in this process); a gate that throws (a missing tool, say) is
 * reported as failed. Results come in the order of `names`, and `onResult` sees each one as soon
 * as it and every gate before it are done.
 */
export async function runGates(
  output: Output,
  names: readonly string[] = Object.keys(GATES),
  onResult: (r: GateResult) => void = () => undefined,
): Promise<GateResult[]> {
  const done: (GateResult | undefined)[] = names.map(() => undefined);
  let reported = 0;
  const running: Promise<void>[] = [];
  for (const [i, name] of names.entries()) {
    running.push(
      (async () => {
        const started = Date.now();
        try {
          done[i] = await GATES[name](output);
        } catch (e) {
          done[i] = {
            gate: name,
            checked: 0,
            unit: 'objects',
            errors: [e instanceof Error ? e.message : String(e)],
            ms: Date.now() - started,
          };
        }
        while (reported < names.length && done[reported] !== undefined) onResult(done[reported++]!);
      })(),
    );
    // A turn of the event loop before the next gate: a gate that starts a tool gets it running
    // before the next one computes on this thread.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(running);
  return done as GateResult[];
}

/** One summary line per gate. */
export function summary(r: GateResult): string {
  const status = r.errors.length === 0 ? 'ok' : `FAILED (${countOf(r.errors.length, 'problem')})`;
  return `${r.gate.padEnd(16)} ${status.padEnd(22)} ${String(r.checked).padStart(5)} ${r.unit} in ${(r.ms / 1000).toFixed(1)}s${r.notes?.length ? ` — ${r.notes.join('; ')}` : ''}`;
}

/** The gates named by --only (comma-separated), or every gate. */
export function parseOnly(only: string | undefined): string[] {
  if (only === undefined) return Object.keys(GATES);
  const names = only.split(',').filter(Boolean);
  const unknown = names.filter((n) => !(n in GATES));
  if (names.length === 0 || unknown.length > 0)
    throw new UsageError(
      `unknown gate ${unknown.join(', ') || '(none given)'}; gates: ${Object.keys(GATES).join(', ')}`,
    );
  return names;
}

export const VALIDATE_COMMAND: CommandSpec = {
  name: 'validate',
  usage: 'npm run validate [-- --only <gate>[,<gate>...]] [--root <dir>]',
  summary: `Runs the validation and security gates over dist/, argocd/ and the repository, all at once, printing a line per gate in order as it finishes and every problem it found; exits 1 when any gate fails. Gates: ${Object.keys(GATES).join(', ')}. Tools come from npm run tools.`,
  flags: {
    only: { value: true, help: 'run only these gates (comma-separated)' },
    root: {
      value: true,
      help: 'validate dist/ and argocd/ of this root, with its charts/environments (default: the repository)',
    },
  },
};

/** The validate command: returns 0 when every gate passed, 1 otherwise. */
export async function runValidate(args: ParsedArgs): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  const names = parseOnly(args.flags.only as string | undefined);
  const root = args.flags.root === undefined ? ROOT : path.resolve(args.flags.root as string);
  // The stat cache is saved after the gates: the secrets gate's hard links change files' change
  // times, and their entries follow (kube/stat-cache.ts).
  const stats = new StatCache(root);
  // kubectl-validate's schema servers start while the output is read (what fails here, its gate reports).
  if (names.includes('kubectl-validate'))
    try {
      for (const env of loadEnvironments(path.join(root, DIRS.environments)))
        prestartSchemaServer(ensureSchemas(env.kubernetesVersion).localSchemas);
    } catch {
      // The gate meets the same problem and reports it.
    }
  const output = readOutput(root, root, { stats });
  console.log(`validate: ${countOf(names.length, 'gate')}, ${countOf(output.environments.length, 'environment')}`);
  const results = await runGates(output, names, (r) => {
    console.log(summary(r));
    for (const e of r.errors) console.log(`  - ${e}`);
  });
  stats.save();
  const failed = results.filter((r) => r.errors.length > 0);
  if (failed.length > 0) {
    console.error(
      `validate: ${failed.length} of ${countOf(results.length, 'gate')} failed: ${failed.map((r) => r.gate).join(', ')}`,
    );
    return 1;
  }
  console.log(results.length === 1 ? `validate: the gate passed` : `validate: all ${results.length} gates passed`);
  return 0;
}

/** Entry of `node scripts/launch.cjs scripts/cli/validate.ts` (the npm script): the exit code. */
export function main(argv: readonly string[]): Promise<number> {
  return runCommand(VALIDATE_COMMAND, runValidate, argv);
}

if (require.main === module) mainCommand(VALIDATE_COMMAND, runValidate);
