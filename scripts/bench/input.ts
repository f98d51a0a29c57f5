/**
 * The synth input of a benchmark root: its environments, cluster outputs and tenants.yaml, loaded
 * the way `npm run synth` loads them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { loadTenants } from '../../charts/config/load-tenants';
import { decodeSource } from '../../charts/config/source-errors';
import { DIRS, TENANTS_FILE } from '../../charts/lib/constants';
import type { SynthInput } from '../../charts/synth/synthesize';

export function loadInput(root: string): SynthInput {
  const environments = loadEnvironments(path.join(root, DIRS.environments));
  const tenants = loadTenants(decodeSource(fs.readFileSync(path.join(root, TENANTS_FILE)), TENANTS_FILE));
  const infra = new Map(environments.map((e) => [e.name, loadInfraOutputs(root, e.name, e)]));
  return { environments, tenants, infra };
}

/** The value of `--<name> <value>` in argv. */
export function flag(argv: readonly string[], name: string): string {
  const i = argv.indexOf(`--${name}`);
  if (i < 0 || argv[i + 1] === undefined) throw new Error(`--${name} <value> is required`);
  return argv[i + 1];
}
