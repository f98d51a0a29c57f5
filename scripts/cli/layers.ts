/**
 * Checks the layer rules of .dependency-cruiser.cjs with dependency-cruiser's API: every import of
 * charts/, scripts/ and cluster/ points down, and none goes in a circle.
 *
 *   npm run layers
 *
 * The API, not the depcruise command: dependency-cruiser's command refuses Node.js 20, which this
 * project supports; its API runs on it.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CommandSpec, mainCommand, type ParsedArgs, UsageError, UserError } from '../lib/cli';

const ROOT = path.resolve(__dirname, '..', '..');

/** The folders whose imports are checked. */
export const LAYERED = ['charts', 'scripts', 'cluster'];

export interface LayerViolation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
  /** The modules of a cycle, in order. */
  readonly cycle?: readonly string[];
}

/** What .dependency-cruiser.cjs exports. */
export interface LayerRules {
  readonly LAYERS: readonly { readonly name: string; readonly path: string; readonly imports: readonly string[] }[];
  readonly forbidden: unknown[];
  readonly options: Record<string, unknown>;
}

export const RULES_FILE = path.join(ROOT, '.dependency-cruiser.cjs');

/** The rules file's exports. */
export async function loadRules(file = RULES_FILE): Promise<LayerRules> {
  return ((await import(pathToFileURL(file).href)) as { default: LayerRules }).default;
}

/** Cruises `dirs` under `root` with the rules of `configFile` and returns every violation. */
export async function layerViolations(
  root = ROOT,
  dirs: readonly string[] = LAYERED,
  configFile = RULES_FILE,
): Promise<{ modules: number; violations: LayerViolation[] }> {
  const { cruise } = await import('dependency-cruiser');
  const config = await loadRules(configFile);
  // Paths in the rules and the result are relative to the root.
  const result = await cruise([...dirs], {
    ...config.options,
    baseDir: root,
    validate: true,
    ruleSet: { forbidden: config.forbidden } as never,
  });
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned text, not a result');
  const unresolved = result.output.modules.flatMap((m) =>
    m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} imports ${d.module}`),
  );
  if (unresolved.length > 0) throw new UserError(`unresolved imports: ${unresolved.join('; ')}`);
  const violations = result.output.summary.violations.map((v) => ({
    rule: v.rule.name,
    from: v.from,
    to: v.to,
    ...(v.cycle ? { cycle: v.cycle.map((c) => c.name) } : {}),
  }));
  return { modules: result.output.summary.totalCruised, violations };
}

/** One line per violation: the rule, then the import (or the cycle). */
export function violationLine(v: LayerViolation): string {
  return `${v.rule}: ${v.from} → ${v.cycle ? [...v.cycle].join(' → ') : v.to}`;
}

export const LAYERS_COMMAND: CommandSpec = {
  name: 'layers',
  usage: 'npm run layers',
  summary: `Checks that every import of ${LAYERED.join('/, ')}/ follows the layer rules of .dependency-cruiser.cjs (each folder imports only the layers below it; no cycles). Prints each violation with its rule; exit 1 on any.`,
};

/** The layers command. */
export async function runLayers(args: ParsedArgs): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  const { modules, violations } = await layerViolations();
  if (violations.length > 0) {
    for (const v of violations) console.error(`layers: ${violationLine(v)}`);
    throw new UserError(
      `${violations.length} import(s) break the layer rules of .dependency-cruiser.cjs; move the code down a layer`,
    );
  }
  console.log(`layers: ${modules} modules, every import follows the layer rules, no cycles`);
  return 0;
}

if (require.main === module) mainCommand(LAYERS_COMMAND, runLayers);
