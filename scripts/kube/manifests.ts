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
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { loadEnvironments } from '../../charts/config/environment';
import { DIRS } from '../../charts/lib/constants';
import { existingFiles } from '../../charts/synth/write';

const ROOT = path.resolve(__dirname, '..', '..');

/** One Kubernetes object from the output. */
export interface Manifest {
  /** Repository path of the file, such as dist/dev/tenants/alpha/namespace-tenant-alpha.yaml. */
  readonly file: string;
  readonly env: string;
  readonly object: Record<string, any>;
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
  readonly manifests: readonly Manifest[];
}

/** The whole output under a root. */
export interface Output {
  readonly root: string;
  readonly environments: readonly EnvironmentOutput[];
  /**
   * Digest of each file's bytes, by absolute path: files with equal digests have the same
   * content, so a tool that judges a file by its content alone needs to read only one of them.
   */
  readonly digests: ReadonlyMap<string, string>;
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

/**
 * Reads dist/ and argocd/ under root. Environments come from charts/environments of `configRoot`
 * (the repository by default); a YAML file outside an environment's directory, or an environment
 * directory without a configuration file, is an error.
 */
export function readOutput(root: string, configRoot = ROOT): Output {
  const environments = loadEnvironments(path.join(configRoot, DIRS.environments));
  const byName = new Map(
    environments.map((e) => [e.name, { env: e, files: [] as string[], manifests: [] as Manifest[] }]),
  );
  const problems: string[] = [];
  const digests = new Map<string, string>();
  const parsed = new Map<string, { objects: Record<string, any>[]; error?: string }>();
  for (const file of existingFiles(root, [DIRS.dist, DIRS.argocd])) {
    if (!/\.ya?ml$/.test(file)) continue;
    const [, envName] = file.split('/');
    const entry = byName.get(envName);
    if (!entry || file.split('/').length < 3) {
      problems.push(
        `${file}: not inside the directory of an environment (${[...byName.keys()].join(', ')}); every generated YAML file belongs to dist/<env>/ or argocd/<env>/`,
      );
      continue;
    }
    const abs = path.join(root, file);
    entry.files.push(abs);
    const text = fs.readFileSync(abs, 'utf8');
    const digest = createHash('sha256').update(text).digest('hex');
    digests.set(abs, digest);
    let docs = parsed.get(digest);
    if (!docs) {
      docs = parseDocuments(text);
      parsed.set(digest, docs);
    }
    if (docs.error) problems.push(`${file}: ${docs.error}`);
    for (const object of docs.objects) entry.manifests.push({ file, env: envName, object });
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return {
    root,
    environments: [...byName.values()].map(({ env, files, manifests }) => ({
      name: env.name,
      kubernetesVersion: env.kubernetesVersion,
      trustDomain: env.cluster.trustDomain,
      files,
      manifests,
    })),
    digests,
  };
}

/**
 * The non-empty documents of a YAML text, or the first error: js-yaml first, `yaml` for the
 * message when js-yaml rejects the text (and for its verdict, should it accept it).
 */
export function parseDocuments(text: string): { objects: Record<string, any>[]; error?: string } {
  try {
    return {
      objects: loadAll(text, undefined, { schema: CORE_SCHEMA }).filter((o) => o !== null && o !== undefined) as Record<
        string,
        any
      >[],
    };
  } catch {
    const objects: Record<string, any>[] = [];
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
