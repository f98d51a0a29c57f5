/**
 * Placeholders gate: no environment is deployed with the stand-in values `npm run environment --
 * add` writes (charts/config/placeholders.ts). Synth accepts them, so that an environment in the
 * making compiles; this gate fails, naming each file, line and field, until the environment file
 * has its real domain and hosted zone and `npm run infra:outputs` has written the real outputs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { infraOutputsFile } from '../../charts/config/infra-outputs';
import { findPlaceholders } from '../../charts/config/placeholders';
import { DIRS } from '../../charts/lib/constants';
import { countOf } from '../../charts/lib/plural';
import type { GateResult, Output } from '../kube/manifests';

/** Every placeholder of every environment's file and outputs under a root. */
export function placeholderProblems(root: string, environments: readonly string[]): string[] {
  const problems: string[] = [];
  for (const env of environments) {
    const settings = `${DIRS.environments}/${env}.yaml`;
    for (const p of findPlaceholders(fs.readFileSync(path.join(root, settings), 'utf8'))) {
      problems.push(
        `${settings}:${p.line}:${p.col}: ${p.field}: ${JSON.stringify(p.value)} is a placeholder. Fix: set the real value (docs/operator-runbook.md, "Add an environment")`,
      );
    }
    const outputs = infraOutputsFile(env);
    const file = path.join(root, outputs);
    if (!fs.existsSync(file)) continue; // synth names a missing outputs file
    const text = fs.readFileSync(file, 'utf8');
    const marked = (JSON.parse(text) as { placeholder?: unknown }).placeholder !== undefined;
    const values = findPlaceholders(text).filter((p) => p.field !== 'placeholder');
    if (marked || values.length > 0) {
      problems.push(
        `${outputs}: the outputs of ${env} are placeholders (${countOf(values.length, 'value')}${marked ? ' and the placeholder key' : ''}). Fix: npm run infra:apply -- ${env}, then npm run infra:outputs -- ${env}`,
      );
    }
  }
  return problems;
}

export function placeholdersGate(output: Output): GateResult {
  const started = Date.now();
  const envs = output.environments.map((e) => e.name);
  return {
    gate: 'placeholders',
    checked: envs.length * 2,
    unit: 'files',
    errors: placeholderProblems(output.root, envs),
    ms: Date.now() - started,
  };
}
