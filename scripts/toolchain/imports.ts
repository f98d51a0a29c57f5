/**
 * Regenerates imports/ from local copies of the upstream API definitions, so that machines
 * without internet access can run it.
 *
 *   npm run import [-- --crds <dir>]
 *
 * The list of imports is the `imports:` list of cdk8s.yaml. Each `name:=<url>` entry is resolved
 * to the file with the same base name under the CRD directory (default ../shared/crds, or
 * $CRDS_DIR, or --crds). `k8s@<version>` is generated from the OpenAPI document shipped in the
 * k8s.io/kubernetes Go module of that version, fetched through the Go module proxy.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { type ParsedArgs, UsageError, UserError } from '../lib/cli';
import { CHARTS_DIR, CRDS_DIR, missingUpstream } from './paths';

const ROOT = path.resolve(__dirname, '..', '..');
let OUT = path.join(ROOT, 'imports');

interface ImportEntry {
  readonly module: string;
  readonly source: string;
}

/** The CRD directory used when none is given. */
export const DEFAULT_CRDS = CRDS_DIR;

// A CRD that only a pinned chart ships (kube-prometheus-stack's AlertmanagerConfig) is read from
// the chart's crds directory under CHARTS_DIR: an import whose URL names the chart's repository at
// the chart's tag.

export function readImports(file = path.join(ROOT, 'cdk8s.yaml')): ImportEntry[] {
  const config = parse(fs.readFileSync(file, 'utf8')) as { imports?: string[] };
  return (config.imports ?? []).map((spec) => {
    const i = spec.indexOf(':=');
    return i < 0
      ? { module: spec.split('@')[0], source: spec }
      : { module: spec.slice(0, i), source: spec.slice(i + 2) };
  });
}

function findLocal(dir: string, base: string): string | undefined {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findLocal(p, base);
      if (found) return found;
    } else if (entry.name === base) {
      return p;
    }
  }
  return undefined;
}

/** A CRD file of a pinned chart copy: <charts>/<chart>-<version>/charts/crds/crds/<file>. */
function chartCrd(chart: string, version: string, base: string): string | undefined {
  const file = path.join(CHARTS_DIR, `${chart}-${version}`, 'charts', 'crds', 'crds', base);
  return fs.existsSync(file) ? file : undefined;
}

/** Path of swagger.json inside the k8s.io/kubernetes module of the given version. */
export function kubernetesOpenApi(version: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    cwd: ROOT,
  });
  const dir = (JSON.parse(out) as { Dir: string }).Dir;
  return path.join(dir, 'api', 'openapi-spec', 'swagger.json');
}

// cdk8s-cli's package export map hides lib/, so its importer modules are loaded by file path.
const CLI_LIB = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'lib');

interface ImportSpec {
  readonly source: string;
  readonly moduleNamePrefix?: string;
}
type Dispatch = (specs: ImportSpec[], argv: object, options: object) => Promise<void>;

async function runImport(spec: ImportSpec): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { importDispatch } = require(path.join(CLI_LIB, 'import', 'dispatch.js')) as { importDispatch: Dispatch };
  await importDispatch([spec], {}, { targetLanguage: 'typescript', outdir: OUT, save: false });
}

async function importKubernetes(version: string): Promise<void> {
  const swagger = kubernetesOpenApi(version);
  // The k8s importer always downloads its schema; hand it the definitions of the local document.
  const { definitions } = JSON.parse(fs.readFileSync(swagger, 'utf8')) as { definitions: Record<string, object> };
  // As in cdk8s's published schemas: int-or-string and quantities are unions of string and
  // number, which the importer turns into IntOrString and Quantity classes.
  for (const name of [
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    'io.k8s.apimachinery.pkg.api.resource.Quantity',
  ]) {
    const description = (definitions[name] as { description?: string }).description;
    definitions[name] = { description, oneOf: [{ type: 'string' }, { type: 'number' }] };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const util = require(path.join(CLI_LIB, 'util.js')) as { download: (url: string) => Promise<string> };
  const original = util.download;
  util.download = async () => JSON.stringify({ definitions });
  try {
    await runImport({ source: `k8s@${version}` });
  } finally {
    util.download = original;
  }
}

/** The import command (scripts/cli/import.ts). */
export async function runImportCommand(args: ParsedArgs): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  const crds = args.flags.crds === undefined ? DEFAULT_CRDS : path.resolve(args.flags.crds as string);
  if (args.flags.out !== undefined) OUT = path.resolve(args.flags.out as string);
  if (!fs.existsSync(crds)) throw new UserError(`${missingUpstream('CRD', crds)}; or pass --crds <dir>`);
  const entries = readImports();
  // Every local copy is found before imports/ is cleared, so that a missing one changes nothing.
  const sources = entries.map((entry) => {
    if (entry.source.startsWith('k8s@')) return { entry, local: undefined };
    const base = path.basename(new URL(entry.source).pathname);
    const chartCrds = /\/helm-charts\/(kube-prometheus-stack)-([\d.]+)\/charts\/\1\/charts\/crds\/crds\//.exec(
      entry.source,
    );
    const local = chartCrds ? chartCrd(chartCrds[1], chartCrds[2], base) : findLocal(crds, base);
    if (!local)
      throw new UserError(`no local copy of ${base} (for ${entry.module}) under ${chartCrds ? CHARTS_DIR : crds}`);
    return { entry, local };
  });
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  for (const [i, { entry, local }] of sources.entries()) {
    const step = `(${i + 1}/${sources.length})`;
    if (local === undefined) {
      const version = entry.source.slice(4);
      console.log(`import: ${step} k8s ${version} <- k8s.io/kubernetes@v${version} api/openapi-spec/swagger.json`);
      await importKubernetes(version);
      continue;
    }
    console.log(`import: ${step} ${entry.module} <- ${path.relative(path.dirname(crds), local)}`);
    await runImport({ source: local, moduleNamePrefix: entry.module });
  }
  const shown = path.relative(process.cwd(), OUT);
  console.log(`import: ${sources.length} imports written to ${shown.startsWith('..') ? OUT : shown || '.'}`);
  return 0;
}
