/**
 * Schemas for offline validation of dist/ and argocd/, generated from sources reachable without
 * the internet:
 *
 * - built-in kinds: the OpenAPI documents inside the k8s.io/kubernetes Go module of the target
 *   version (api/openapi-spec/swagger.json for kubeconform's JSON schemas, api/openapi-spec/v3/
 *   for kubectl-validate's --local-schemas layout), fetched through the Go module proxy;
 * - custom kinds: every served version of every CRD under ../shared/crds, and the CRDs of
 *   CHART_CRD_FILES from the pinned chart that installs them.
 *
 * The output (about 30 MB per Kubernetes version) is a cache under .tools/schemas/, not committed:
 * it is derived, large, and rebuilt in seconds when its inputs change (a stamp records them).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubernetesOpenApi } from './imports';
import { CHARTS_DIR, CRDS_DIR, requireUpstream } from './paths';

const ROOT = path.resolve(__dirname, '..', '..');

/** The k8s.io/kubernetes release whose OpenAPI documents stand for each Kubernetes minor version. */
export const KUBERNETES_RELEASES: Readonly<Record<string, string>> = {
  '1.35': '1.35.4',
};

/** Where generated schemas are cached, relative to the repository root (git-ignored). */
export const SCHEMA_CACHE = '.tools/schemas';

/** The CRD directory: ../shared/crds, or $CRDS_DIR (scripts/toolchain/paths.ts). */
export { CRDS_DIR };

/**
 * CRDs the output uses that ../shared/crds does not hold, read from the pinned chart that installs
 * them (relative to the chart copies): prometheus-operator's AlertmanagerConfig (the tenants'
 * alert receivers), v0.93.1 as kube-prometheus-stack 88.5.3 installs it.
 */
export const CHART_CRD_FILES = ['kube-prometheus-stack-88.5.3/charts/crds/crds/crd-alertmanagerconfigs.yaml'] as const;

/** The chart CRD files, as absolute paths; throws naming the fix when one is missing. */
export function chartCrdFiles(chartsDir = CHARTS_DIR): string[] {
  return CHART_CRD_FILES.map((f) => {
    const file = path.join(chartsDir, f);
    if (!fs.existsSync(file))
      throw new Error(
        `${file} does not exist; set CHARTS_DIR to the directory holding the pinned charts (default ../shared/charts)`,
      );
    return file;
  });
}

/** kubeconform's -schema-location template for the generated layout. */
export const KUBECONFORM_TEMPLATE = '{{ .Group }}/{{ .ResourceAPIVersion }}/{{ .ResourceKind }}.json';

/** A JSON object as parsed: a schema, or a part of one. */
type JsonObject = { [key: string]: unknown };

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The fields of a CustomResourceDefinition (apiextensions.k8s.io/v1) read here. */
export interface Crd {
  readonly kind: 'CustomResourceDefinition';
  readonly metadata?: { readonly name?: string };
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string; readonly plural: string };
    readonly scope: 'Cluster' | 'Namespaced';
    readonly versions?: readonly {
      readonly name: string;
      readonly served?: boolean;
      readonly schema?: { readonly openAPIV3Schema?: JsonObject };
    }[];
  };
}

/** A Kubernetes OpenAPI v2 (swagger) document: its definitions by name. */
interface Swagger {
  readonly definitions: Record<string, JsonObject>;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** The k8s.io/kubernetes release for a Kubernetes minor version; throws naming the fix. */
export function kubernetesRelease(minor: string): string {
  const release = KUBERNETES_RELEASES[minor];
  if (!release) {
    throw new Error(
      `kubernetesVersion "${minor}" has no k8s.io/kubernetes release to take schemas from; add one to KUBERNETES_RELEASES in scripts/toolchain/schemas.ts (known: ${Object.keys(KUBERNETES_RELEASES).join(', ')})`,
    );
  }
  return release;
}

/** Directory of api/openapi-spec inside the k8s.io/kubernetes module (downloaded if needed). */
export function kubernetesOpenApiDir(release: string): string {
  try {
    return path.dirname(kubernetesOpenApi(release));
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new Error(
      `cannot fetch k8s.io/kubernetes@v${release} through the Go module proxy for the validation schemas (${why}); install Go 1.26 or newer and check that the module proxy is reachable`,
      { cause: e },
    );
  }
}

/** A CRD as read from disk. */
export interface CrdSource {
  readonly file: string;
  readonly crd: Crd;
}

/** YAML files under a directory, recursively, sorted. */
export function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const isCrd = (o: unknown): o is Crd => isObject(o) && o.kind === 'CustomResourceDefinition';

/** Every CustomResourceDefinition in the YAML files under a directory (recursively, sorted). */
export function readCrds(dir: string): CrdSource[] {
  const out: CrdSource[] = [];
  for (const file of yamlFiles(dir)) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const crd: unknown = doc.toJS();
      if (isCrd(crd)) out.push({ file, crd });
    }
  }
  return out;
}

/** What the gates need to know of a CRD besides its schema. */
export interface CrdSummary {
  readonly group: string;
  readonly plural: string;
  readonly kind: string;
  readonly scope: 'Namespaced' | 'Cluster';
}

/** Directories under `dir` (itself included) that hold YAML files: kubectl-validate reads no subdirectories. */
export function crdDirectories(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const entries = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    if (entries.some((e) => e.isFile() && /\.ya?ml$/.test(e.name))) out.push(d);
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
  };
  walk(dir);
  return out;
}

/**
 * A swagger 2.0 definition made strict: every object that lists its properties rejects others
 * (as the API server's field validation does), and the int-or-string and quantity types accept
 * both of their YAML spellings.
 */
function strictDefinition(name: string, def: JsonObject): JsonObject {
  if (name === INT_OR_STRING) return { description: def.description, anyOf: [{ type: 'string' }, { type: 'integer' }] };
  if (name === QUANTITY) return { description: def.description, anyOf: [{ type: 'string' }, { type: 'number' }] };
  const walk = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(walk);
    if (!isObject(s)) return s;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(s))
      out[k] =
        k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, walk(ps)])) : walk(v);
    if (s.properties && s.additionalProperties === undefined) out.additionalProperties = false;
    return out;
  };
  return walk(def) as JsonObject;
}

/** Names of the definitions reachable from a schema through $ref. */
function reachable(definitions: Record<string, JsonObject>, start: JsonObject): string[] {
  const seen = new Set<string>();
  const visit = (s: unknown): void => {
    if (Array.isArray(s)) return s.forEach(visit);
    if (!isObject(s)) return;
    if (typeof s.$ref === 'string' && s.$ref.startsWith('#/definitions/')) {
      const name = s.$ref.slice('#/definitions/'.length);
      if (!seen.has(name)) {
        seen.add(name);
        visit(definitions[name]);
      }
    }
    for (const v of Object.values(s)) visit(v);
  };
  visit(start);
  return [...seen].sort();
}

function schemaPath(group: string, version: string, kind: string): string {
  // kubeconform's template fields: Group is the part before "/" of apiVersion ("v1" for the core group).
  return `${group === '' ? version : group}/${version}/${kind.toLowerCase()}.json`;
}

/** A standalone schema: the root plus the definitions it reaches, as one JSON document. */
function standalone(root: JsonObject, definitions: Record<string, JsonObject>): string {
  const names = reachable(definitions, root);
  const defs = Object.fromEntries(names.map((n) => [n, definitions[n]]));
  return JSON.stringify({ ...root, ...(names.length > 0 ? { definitions: defs } : {}) }) + '\n';
}

/** Kubeconform JSON schemas for every built-in kind of a swagger 2.0 document. */
export function builtinSchemas(swagger: Swagger): Map<string, string> {
  const definitions = Object.fromEntries(
    Object.entries(swagger.definitions).map(([n, d]) => [n, strictDefinition(n, d)]),
  );
  const out = new Map<string, string>();
  for (const [name, def] of Object.entries(swagger.definitions)) {
    // meta/v1 types (DeleteOptions, WatchEvent, Status) carry every group's GVK; they are not resources.
    if (name.startsWith('io.k8s.apimachinery.pkg.apis.meta.')) continue;
    for (const gvk of (def['x-kubernetes-group-version-kind'] ?? []) as {
      group: string;
      version: string;
      kind: string;
    }[]) {
      out.set(schemaPath(gvk.group, gvk.version, gvk.kind), standalone({ $ref: `#/definitions/${name}` }, definitions));
    }
  }
  return out;
}

/**
 * A CRD version's openAPIV3Schema as a strict JSON schema: objects that list properties reject
 * others unless they preserve unknown fields, int-or-string accepts both, nullable accepts null,
 * embedded resources get apiVersion/kind/metadata, and the top-level metadata is ObjectMeta.
 */
export function strictCrdSchema(schema: JsonObject): JsonObject {
  const walk = (s: unknown, top: boolean): unknown => {
    if (Array.isArray(s)) return s.map((x) => walk(x, false));
    if (!isObject(s)) return s;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'properties')
        out[k] = Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, walk(ps, false)]));
      else if (k === 'nullable') continue;
      else out[k] = walk(v, false);
    }
    if (s['x-kubernetes-int-or-string']) {
      delete out.type;
      out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    }
    if (s.nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
    if (s['x-kubernetes-embedded-resource']) {
      out.properties = {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        ...(out.properties as JsonObject | undefined),
      };
    }
    if (top) {
      out.properties = {
        ...(out.properties as JsonObject | undefined),
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { $ref: `#/definitions/${OBJECT_META}` },
      };
    }
    if (out.properties && !s['x-kubernetes-preserve-unknown-fields'] && out.additionalProperties === undefined)
      out.additionalProperties = false;
    return out;
  };
  return walk(schema, true) as JsonObject;
}

/** Kubeconform JSON schemas for every served version of every CRD. */
export function crdSchemas(crds: readonly CrdSource[], swagger: Swagger): Map<string, string> {
  const definitions = Object.fromEntries(
    Object.entries(swagger.definitions).map(([n, d]) => [n, strictDefinition(n, d)]),
  );
  const out = new Map<string, string>();
  for (const { file, crd } of crds) {
    for (const v of crd.spec.versions ?? []) {
      if (v.served === false) continue;
      const schema = v.schema?.openAPIV3Schema;
      if (!schema)
        throw new Error(
          `${file}: CRD ${crd.metadata?.name} version ${v.name} has no openAPIV3Schema; kubeconform cannot check its objects`,
        );
      out.set(
        schemaPath(crd.spec.group, v.name, crd.spec.names.kind),
        standalone(strictCrdSchema(schema), definitions),
      );
    }
  }
  return out;
}

/** kubectl-validate's --local-schemas layout (api/v1.json, apis/<group>/<version>.json) from openapi-spec/v3. */
export function localSchemaFiles(v3Dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of fs.readdirSync(v3Dir).sort()) {
    const core = /^api__(v[^_]+)_openapi\.json$/.exec(name);
    const grouped = /^apis__([^_]+)__(v[^_]+)_openapi\.json$/.exec(name);
    if (core) out.set(`api/${core[1]}.json`, fs.readFileSync(path.join(v3Dir, name), 'utf8'));
    else if (grouped) out.set(`apis/${grouped[1]}/${grouped[2]}.json`, fs.readFileSync(path.join(v3Dir, name), 'utf8'));
  }
  return out;
}

/** Generated schemas of one Kubernetes minor version, ready on disk. */
export interface SchemaSet {
  readonly minor: string;
  readonly release: string;
  /** kubeconform -schema-location (a template under the cache). */
  readonly kubeconformLocation: string;
  /** kubectl-validate --local-schemas. */
  readonly localSchemas: string;
  /** kubectl-validate --local-crds. */
  readonly crdDirs: readonly string[];
  readonly builtinKinds: number;
  readonly crdKinds: number;
  readonly crds: readonly CrdSummary[];
  /** Digest of the inputs the schemas were generated from (release, CRDs, this generator). */
  readonly stamp: string;
  /** The CRD directory they were generated from. */
  readonly crdsDir: string;
}

function writeTree(dir: string, files: Map<string, string>): void {
  for (const [rel, content] of files) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

function inputsHash(crdFiles: readonly string[], release: string): string {
  const hash = createHash('sha256')
    .update(release)
    .update(fs.readFileSync(path.join(__dirname, 'schemas.ts')));
  for (const file of crdFiles) hash.update(file).update(fs.readFileSync(file));
  return hash.digest('hex');
}

/**
 * Schemas for a Kubernetes minor version, generated into the cache unless a stamp shows they
 * were generated from the same inputs.
 */
export function ensureSchemas(
  minor: string,
  root = ROOT,
  crdsDir = CRDS_DIR,
  extraCrdFiles: readonly string[] = chartCrdFiles(),
): SchemaSet {
  const release = kubernetesRelease(minor);
  requireUpstream('CRD', crdsDir);
  const dir = path.join(root, SCHEMA_CACHE, `v${release}`);
  const stampFile = path.join(dir, 'stamp');
  // Reading the stamp needs only the bytes of the CRD files; parsing them takes seconds.
  const stamp = inputsHash([...yamlFiles(crdsDir), ...extraCrdFiles], release);
  const countsFile = path.join(dir, 'counts.json');
  const set = (counts: { builtinKinds: number; crdKinds: number; crds: CrdSummary[] }): SchemaSet => ({
    minor,
    release,
    kubeconformLocation: path.join(dir, 'kubeconform', KUBECONFORM_TEMPLATE),
    localSchemas: path.join(dir, 'openapi'),
    // kubectl-validate reads CRDs by directory: the chart ones are copied into the cache.
    crdDirs: [...crdDirectories(crdsDir), ...(extraCrdFiles.length ? [path.join(dir, 'chart-crds')] : [])],
    ...counts,
    stamp,
    crdsDir,
  });
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp && fs.existsSync(countsFile)) {
    return set(JSON.parse(fs.readFileSync(countsFile, 'utf8')));
  }
  const crds = [
    ...readCrds(crdsDir),
    ...extraCrdFiles.flatMap((file) =>
      parseAllDocuments(fs.readFileSync(file, 'utf8'))
        .map((d): unknown => d.toJS())
        .filter(isCrd)
        .map((crd) => ({ file, crd })),
    ),
  ];
  const openapi = kubernetesOpenApiDir(release);
  const swagger = JSON.parse(fs.readFileSync(path.join(openapi, 'swagger.json'), 'utf8'));
  const builtins = builtinSchemas(swagger);
  const custom = crdSchemas(crds, swagger);
  // Written beside the cache and renamed into place, so that concurrent runs (test files run in
  // parallel) never see a half-written cache.
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  writeTree(path.join(staging, 'kubeconform'), new Map([...builtins, ...custom]));
  writeTree(path.join(staging, 'openapi'), localSchemaFiles(path.join(openapi, 'v3')));
  if (extraCrdFiles.length) {
    fs.mkdirSync(path.join(staging, 'chart-crds'), { recursive: true });
    for (const file of extraCrdFiles) fs.copyFileSync(file, path.join(staging, 'chart-crds', path.basename(file)));
  }
  const summaries = crds.map(({ crd }) => ({
    group: crd.spec.group,
    plural: crd.spec.names.plural,
    kind: crd.spec.names.kind,
    scope: crd.spec.scope,
  }));
  const counts = { builtinKinds: builtins.size, crdKinds: custom.size, crds: summaries };
  fs.writeFileSync(path.join(staging, 'counts.json'), JSON.stringify(counts) + '\n');
  fs.writeFileSync(path.join(staging, 'stamp'), stamp);
  const old = `${dir}.old-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(dir, old);
  } catch {
    // No previous cache (or another run moved it away).
  }
  try {
    fs.renameSync(staging, dir);
  } catch {
    // Another run put an equally fresh cache in place first.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  fs.rmSync(old, { recursive: true, force: true });
  return set(counts);
}
