/**
 * The generated output as the gates see it: every YAML file under dist/<env>/ and argocd/<env>/,
 * grouped by environment, with each document parsed.
 *
 * The output is read once for all gates. Files with the same bytes (a tenant's file is often the
 * same in every environment) are parsed once and share their objects, which gates only read.
 * Documents are parsed with js-yaml's YAML 1.2 core schema, several times faster than `yaml` on
 * this output and giving the same objects; a file js-yaml rejects is parsed again with `yaml`,
 * whose message names the problem.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { loadEnvironments } from '../../charts/config/environment';
import { DIRS } from '../../charts/lib/constants';
import { MapView } from '../../charts/lib/map-view';
import { type ParsedFile, ParseCache } from './parse-cache';
import { type OutputRecord, outputRecord } from './record';
import { StatCache } from './stat-cache';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * A parsed YAML document of any kind (Kubernetes, CRDs, Argo CD). Gates and flows read its fields by path and check
 * them where they use them; kubeconform and the CRD schemas check the shapes, which a model per kind would restate.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML of every kind, read by path (see above)
export type K8sObject = Record<string, any>;

/** One Kubernetes object from the output. */
export interface Manifest {
  /** Repository path of the file, such as dist/dev/tenants/alpha/namespace-tenant-alpha.yaml. */
  readonly file: string;
  readonly env: string;
  readonly object: K8sObject;
}

/** The output of one environment. */
export interface EnvironmentOutput {
  readonly name: string;
  /** Kubernetes minor version from charts/environments/<env>.yaml, such as "1.31". */
  readonly kubernetesVersion: string;
  /** Mesh trust domain (SPIFFE) from the environment file. */
  readonly trustDomain: string;
  /** Absolute paths of the YAML files. */
  readonly files: readonly string[];
  /** The objects of the files, parsed on first read. */
  readonly manifests: readonly Manifest[];
  /** The files by folder, in path order of their first files: [repository path, digest]. */
  readonly folders?: ReadonlyMap<string, readonly (readonly [string, string])[]>;
}

/** The whole output under a root. */
export interface Output {
  readonly root: string;
  readonly environments: readonly EnvironmentOutput[];
  /**
   * Digest of each YAML file's bytes, by absolute path: files with equal digests have the same
   * content, so a tool that judges a file by its content alone needs to read only one of them.
   */
  readonly digests: ReadonlyMap<string, string>;
  /** Every file of dist/ and argocd/ (YAML or not) with its digest, by tenant and shared. */
  readonly record: OutputRecord;
  /** The stat cache the record was read through, when the caller saves it (`readOutput`'s `stats`). */
  readonly stats?: StatCache;
}

/** A gate's outcome: what it checked, how long it took, and every problem found. */
export interface GateResult {
  readonly gate: string;
  /** Number of objects (or files) checked. */
  readonly checked: number;
  /** What `checked` counts, such as "resources" or "files". */
  readonly unit: string;
  readonly errors: readonly string[];
  readonly ms: number;
  /** One-line extras for the summary (tool version, exceptions used). */
  readonly notes?: readonly string[];
}

/** Objects of the given kinds. */
export function ofKinds(manifests: readonly Manifest[], ...kinds: string[]): Manifest[] {
  return manifests.filter((m) => kinds.includes(m.object.kind));
}

/** "Kind namespace/name (file)", for messages. */
export function describe(m: Manifest): string {
  const ns = m.object.metadata?.namespace;
  return `${m.object.kind} ${ns ? `${ns}/` : ''}${m.object.metadata?.name} (${m.file})`;
}

/** Whether a path names a YAML file (the files the output is read from). Pure. */
export const isYaml = (file: string) => file.endsWith('.yaml') || file.endsWith('.yml');

/**
 * Reads dist/ and argocd/ under root. Environments come from charts/environments of `configRoot`
 * (the repository by default); a YAML file outside an environment's directory, or an environment
 * directory without a configuration file, is an error.
 *
 * The files and their digests come from the output's record (record.ts); the documents are parsed
 * when a gate first reads `manifests`, so a run whose gates all find their verdicts remembered
 * parses nothing. Parsed directories are remembered by their files' digests (parse-cache.ts): a
 * run after a one-tenant change parses that tenant's files only. A file that cannot be parsed
 * fails the first read of `manifests`, naming every such file.
 */
export function readOutput(
  root: string,
  configRoot = ROOT,
  options: { record?: OutputRecord; cache?: ParseCache; stats?: StatCache } = {},
): Output {
  const environments = loadEnvironments(path.join(configRoot, DIRS.environments));
  // With `stats`, the caller saves the stat cache when it is done with the output.
  const record = options.record ?? outputRecord(root, options.stats ?? new StatCache(root), !options.stats);
  const byName = new Map(environments.map((e) => [e.name, { env: e, files: [] as (readonly [string, string])[] }]));
  const problems: string[] = [];
  const relDigests = record.all;
  // Repository paths are plain (no '.' or '..' parts): joined by concatenation.
  const prefix = path.join(root, '/');
  for (const [file, digest] of relDigests) {
    if (!isYaml(file)) continue;
    const first = file.indexOf('/');
    const second = file.indexOf('/', first + 1);
    const entry = byName.get(file.slice(first + 1, second < 0 ? undefined : second));
    if (!entry || second < 0) {
      problems.push(
        `${file}: not inside the directory of an environment (${[...byName.keys()].join(', ')}); every generated YAML file belongs to dist/<env>/ or argocd/<env>/`,
      );
      continue;
    }
    entry.files.push([file, digest]);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  let loaded: Map<string, Manifest[]> | undefined;
  const load = (): Map<string, Manifest[]> => {
    loaded ??= parseOutput(
      root,
      [...byName.values()].map(({ env, files }) => ({ name: env.name, files: files.map(([f]) => f) })),
      relDigests,
      options.cache ?? new ParseCache(),
    );
    return loaded;
  };
  return {
    root,
    record,
    ...(options.stats ? { stats: options.stats } : {}),
    environments: [...byName.values()].map(({ env, files }): EnvironmentOutput => {
      let absolute: string[] | undefined;
      return {
        name: env.name,
        folders: byFolder(files),
        kubernetesVersion: env.kubernetesVersion,
        trustDomain: env.cluster.trustDomain,
        get files() {
          return (absolute ??= files.map(([f]) => prefix + f));
        },
        get manifests() {
          return load().get(env.name)!;
        },
      };
    }),
    digests: new YamlDigests(prefix, relDigests),
  };
}

/**
 * The digests of the YAML files of a record by absolute path, looked up in the record itself (its
 * repository paths behind a prefix); listed only when iterated.
 */
export class YamlDigests extends MapView {
  private listed: Map<string, string> | undefined;

  constructor(
    private readonly prefix: string,
    private readonly all: ReadonlyMap<string, string>,
  ) {
    super();
  }

  get(abs: string): string | undefined {
    if (!abs.startsWith(this.prefix)) return undefined;
    const rel = abs.slice(this.prefix.length);
    return isYaml(rel) ? this.all.get(rel) : undefined;
  }

  protected whole(): ReadonlyMap<string, string> {
    if (!this.listed) {
      this.listed = new Map();
      for (const [f, d] of this.all) if (isYaml(f)) this.listed.set(this.prefix + f, d);
    }
    return this.listed;
  }
}

/** Files ([repository path, digest]) by folder, in the order of each folder's first file. Pure. */
export function byFolder(files: Iterable<readonly [string, string]>): Map<string, (readonly [string, string])[]> {
  const out = new Map<string, (readonly [string, string])[]>();
  let dir = '';
  let list: (readonly [string, string])[] | undefined;
  for (const entry of files) {
    const file = entry[0];
    const slash = file.lastIndexOf('/');
    // In path order a folder's files mostly come together: the folder is looked up on a change only.
    if (list === undefined || slash !== dir.length || !file.startsWith(dir)) {
      dir = file.slice(0, slash);
      list = out.get(dir);
      if (!list) out.set(dir, (list = []));
    }
    list.push(entry);
  }
  return out;
}

/**
 * Parses the YAML files of each environment (repository paths), directory by directory, taking a
 * directory's documents from the parse cache when its files are unchanged; files with the same
 * bytes are parsed once and share their objects. Throws naming every file that cannot be parsed.
 */
function parseOutput(
  root: string,
  environments: readonly { name: string; files: readonly string[] }[],
  digests: ReadonlyMap<string, string>,
  cache: ParseCache,
): Map<string, Manifest[]> {
  const problems: string[] = [];
  const parsed = new Map<string, ParsedFile>();
  const out = new Map<string, Manifest[]>();
  for (const env of environments) {
    const manifests: Manifest[] = [];
    const byDir = new Map<string, string[]>();
    for (const f of env.files) {
      const dir = path.dirname(f);
      if (!byDir.has(dir)) byDir.set(dir, []);
      byDir.get(dir)!.push(f);
    }
    const docsOf = new Map<string, ParsedFile>();
    for (const files of byDir.values()) {
      const docs = directoryDocuments(
        root,
        files.map((f) => [f, digests.get(f)!] as const),
        cache,
        parsed,
      );
      files.forEach((file, i) => docsOf.set(file, docs[i]));
    }
    for (const file of env.files) {
      const docs = docsOf.get(file)!;
      if (docs.error) problems.push(`${file}: ${docs.error}`);
      for (const object of docs.objects) manifests.push({ file, env: env.name, object });
    }
    out.set(env.name, manifests);
  }
  cache.save();
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return out;
}

/**
 * The documents of one directory's files ([repository path, digest], sorted), from the parse
 * cache or parsed; `parsed` shares the documents of files with the same digest.
 */
export function directoryDocuments(
  root: string,
  files: readonly (readonly [string, string])[],
  cache: ParseCache,
  parsed = new Map<string, ParsedFile>(),
): ParsedFile[] {
  return cache.directory(files, (file, digest) => {
    let d = parsed.get(digest);
    if (!d) {
      d = parseDocuments(fs.readFileSync(path.join(root, file), 'utf8'));
      parsed.set(digest, d);
    }
    return d;
  });
}

/**
 * The non-empty documents of a YAML text, or the first error: js-yaml first, `yaml` for the
 * message when js-yaml rejects the text (and for its verdict, should it accept it).
 */
export function parseDocuments(text: string): ParsedFile {
  try {
    return {
      objects: loadAll(text, undefined, { schema: CORE_SCHEMA }).filter(
        (o) => o !== null && o !== undefined,
      ) as K8sObject[],
    };
  } catch {
    const objects: K8sObject[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) return { objects, error: doc.errors[0].message };
      const object = doc.toJS();
      if (object !== null && object !== undefined) objects.push(object);
    }
    return { objects };
  }
}

/** Every manifest of every environment. */
export function allManifests(output: Output): Manifest[] {
  return output.environments.flatMap((e) => e.manifests);
}

/** Milliseconds since `started`, for GateResult.ms. */
export function since(started: number): number {
  return Date.now() - started;
}
