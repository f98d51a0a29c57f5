/**
 * npm run synth [-- --check] [--tenants <file>] [--root <dir>]
 *
 * Compiles tenants.yaml, charts/environments/*.yaml and cluster/outputs/<env>.json into dist/
 * and argocd/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from './config/environment';
import { loadInfraOutputs, type InfraOutputs } from './config/infra-outputs';
import { loadTenants } from './config/load-tenants';
import { ConfigError, decodeSource, type SourceError } from './config/source-errors';
import { DIRS, TENANTS_FILE } from './lib/constants';
import { synthesize } from './synth/synthesize';
import { compare, existingFiles, lockOutput, pendingRecovery, recoverInterruptedSwap, writeAtomically } from './synth/write';

const USAGE = `usage: npm run synth [-- [--check] [--tenants <file>] [--root <dir>]]
  --check           compare with the committed dist/ and argocd/ instead of writing; exit 1 when stale
  --tenants <file>  tenant registry (default: tenants.yaml in the root)
  --root <dir>      repository root holding charts/environments, cluster/outputs, dist/ and argocd/ (default: .)`;

interface Options {
  check: boolean;
  tenants?: string;
  root: string;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { check: false, root: '.' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--check') o.check = true;
    else if (a === '--tenants') o.tenants = value();
    else if (a === '--root') o.root = value();
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument ${a}`);
  }
  return o;
}

/** Tenants that have a folder in the current dist/ but not in the new output. */
function removedTenants(root: string, files: ReadonlyMap<string, string>): string[] {
  const dirs = new Set<string>();
  for (const f of existingFiles(root, [DIRS.dist])) {
    const parts = f.split('/');
    if (parts[2] === DIRS.tenants && parts.length > 4) dirs.add(`${parts[1]}/${parts[3]}`);
  }
  for (const f of files.keys()) {
    const parts = f.split('/');
    if (parts[2] === DIRS.tenants && parts.length > 4) dirs.delete(`${parts[1]}/${parts[3]}`);
  }
  return [...dirs].sort();
}

export async function run(argv: readonly string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const options = parseArgs(argv);
  const root = path.resolve(options.root);
  if (options.check && pendingRecovery(root)) {
    console.error('synth --check: an earlier synth was interrupted; run npm run synth to finish it');
    return 1;
  }
  const tenantsPath = path.resolve(root, options.tenants ?? TENANTS_FILE);
  // Every input file is checked before any error is reported, so that one run shows them all.
  const errors: SourceError[] = [];
  const collect = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      errors.push(...e.errors);
      return undefined;
    }
  };
  const environments = collect(() => loadEnvironments(path.join(root, DIRS.environments)));
  const tenantsFile = path.relative(process.cwd(), tenantsPath) || TENANTS_FILE;
  const tenants = collect(() => loadTenants(decodeSource(fs.readFileSync(tenantsPath), tenantsFile), { file: tenantsFile }));
  const infra = new Map<string, InfraOutputs>();
  for (const env of environments ?? []) {
    const outputs = collect(() => loadInfraOutputs(root, env.name, env));
    if (outputs) infra.set(env.name, outputs);
  }
  if (!environments || !tenants || errors.length > 0) throw new ConfigError(errors);
  const files = synthesize({ environments, tenants, infra });

  if (options.check) {
    const drift = compare(root, files);
    const stale = [...drift.changed.map((f) => `changed: ${f}`), ...drift.missing.map((f) => `missing: ${f}`), ...drift.extra.map((f) => `extra:   ${f}`)];
    if (stale.length > 0) {
      console.error(`synth --check: ${stale.length} generated files differ from a fresh synth; run npm run synth and commit the result`);
      for (const line of stale.slice(0, 200)) console.error(`  ${line}`);
      if (stale.length > 200) console.error(`  ... and ${stale.length - 200} more`);
      return 1;
    }
    console.log(`synth --check: ${files.size} files up to date`);
    return 0;
  }

  const release = lockOutput(root);
  let removed: string[];
  try {
    for (const d of recoverInterruptedSwap(root)) console.warn(`synth: finished ${d}/ of an interrupted earlier run`);
    removed = removedTenants(root, files);
    await writeAtomically(root, files);
  } finally {
    release();
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`synth: ${tenants.length} tenants, ${environments.length} environments (${environments.map((e) => e.name).join(', ')}), ${files.size} files in ${ms.toFixed(0)} ms`);
  if (removed.length > 0) {
    console.warn(
      `synth: tenant folders removed: ${removed.join(', ')}. Argo CD keeps their namespaces and objects ` +
        '(Delete=false, Prune=confirm, ApplicationSets never delete Applications); offboard them explicitly (README, "Offboarding a tenant").',
    );
  }
  return 0;
}

/** Runs the CLI and returns the exit code; user errors print one line each, never a stack trace. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const err of e.message.split('\n')) console.error(err);
      console.error(`synth: ${e.errors.length} error${e.errors.length === 1 ? '' : 's'}; dist/ and argocd/ were not changed`);
      return 1;
    }
    if (e instanceof UsageError) {
      console.error(`synth: ${e.message}\n${USAGE}`);
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      console.error(`synth: ${(e as Error).message.replace(/^ENOENT: /, '')}; run from the repository root or pass --root`);
      return 1;
    }
    console.error(`synth: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
