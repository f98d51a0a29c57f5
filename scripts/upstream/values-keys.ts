/**
 * Values keys a chart ignores. helm accepts any key in a values file and a chart's values schema
 * (where it ships one) forbids none of ours, so a misspelt key is dropped silently: the setting
 * it meant keeps the chart's default. A key we set is known when the chart's values.yaml (or a
 * dependency's, under its name or alias) has it, or when a template of the chart names it; below a
 * default that is an empty map, a list or a scalar the chart takes whatever it is given.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { closest } from '../../charts/lib/suggest';

type Values = Record<string, unknown>;
const isMap = (x: unknown): x is Values => !!x && typeof x === 'object' && !Array.isArray(x);

interface ChartInfo {
  readonly defaults: Values;
  /** Every template's text, to find keys read but not listed in values.yaml. */
  readonly templates: string;
  /** Dependencies by name or alias. */
  readonly dependencies: ReadonlyMap<string, string>;
}

function templatesText(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ya?ml|tpl|txt|json)$/.test(e.name)) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(dir, 'templates'));
  return out.join('\n');
}

function chartInfo(dir: string): ChartInfo {
  const meta = load(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8'), { schema: CORE_SCHEMA }) as {
    dependencies?: { name: string; alias?: string }[];
  };
  const valuesFile = path.join(dir, 'values.yaml');
  const defaults = fs.existsSync(valuesFile)
    ? ((load(fs.readFileSync(valuesFile, 'utf8'), { schema: CORE_SCHEMA }) as Values | null) ?? {})
    : {};
  const dependencies = new Map<string, string>();
  for (const d of meta.dependencies ?? []) dependencies.set(d.alias ?? d.name, path.join(dir, 'charts', d.name));
  return { defaults, templates: templatesText(dir), dependencies };
}

/**
 * Whether the templates pass the map at `valuesPath` on whole (toYaml, range, omit, tpl on the same
 * line as `.Values.<path>`): then any key below it reaches the output, none is unknown.
 */
function passedWhole(templates: string, valuesPath: string): boolean {
  const p = valuesPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(toYaml|range|omit|tpl|merge|mustMerge)[^\\n]*\\.Values\\.${p}(?![\\w.])`).test(templates);
}

/** Whether a template names the key (`.key`, `"key"`, `key:`): the chart reads it though values.yaml lists it not. */
function readByTemplate(templates: string, key: string): boolean {
  const k = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\.${k}\\b|"${k}"|\\b${k}:`).test(templates);
}

export interface UnknownKey {
  /** The dotted path of the key in our values. */
  readonly path: string;
  /** The chart (or dependency) directory that does not know it. */
  readonly chart: string;
  /** The known key closest to it, if one is close. */
  readonly closest?: string;
}

/**
 * The keys of `values` that the chart at `chartDir` neither lists nor reads, and the dependencies
 * the chart folder lacks (whose keys cannot be checked here).
 */
export function unknownValuesKeys(values: Values, chartDir: string): { unknown: UnknownKey[]; unchecked: string[] } {
  const unknown: UnknownKey[] = [];
  const unchecked: string[] = [];
  // `rel` is the path below the chart whose Values are walked (for passedWhole).
  const walk = (
    ours: Values,
    defaults: Values,
    at: string,
    info: ChartInfo,
    chart: string,
    top: boolean,
    rel: string,
  ) => {
    for (const [key, v] of Object.entries(ours)) {
      const p = at ? `${at}.${key}` : key;
      if (top && key === 'global') continue;
      if (top && info.dependencies.has(key) && !(key in defaults && !isMap(defaults[key]))) {
        const dep = info.dependencies.get(key)!;
        if (!fs.existsSync(path.join(dep, 'Chart.yaml'))) {
          unchecked.push(p);
          continue;
        }
        if (isMap(v)) {
          const sub = chartInfo(dep);
          // The parent's values.yaml may set the dependency's defaults too.
          const merged = { ...sub.defaults, ...(isMap(defaults[key]) ? (defaults[key] as Values) : {}) };
          walk(v, merged, p, { ...sub, templates: `${sub.templates}\n${info.templates}` }, dep, true, '');
        }
        continue;
      }
      if (!(key in defaults)) {
        if (!readByTemplate(info.templates, key)) {
          const meant = closest(key, Object.keys(defaults));
          unknown.push({ path: p, chart, ...(meant ? { closest: meant } : {}) });
        }
        continue;
      }
      const d = defaults[key];
      const r = rel ? `${rel}.${key}` : key;
      if (isMap(v) && isMap(d) && Object.keys(d).length > 0 && !passedWhole(info.templates, r))
        walk(v, d, p, info, chart, false, r);
    }
  };
  const info = chartInfo(chartDir);
  walk(values, info.defaults, '', info, chartDir, true, '');
  return { unknown, unchecked };
}
