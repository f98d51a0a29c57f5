/**
 * What each gate over the whole output reads, and keys made of it
 * (docs/testing.md, "Validation and security gates"). A gate's view names, for each kind it reads,
 * the parts of an object it reads; kinds it does not name are not shown to it. The gate runs over
 * the output seen through its view (`viewOutput`), so two outputs with equal views get the same
 * verdict by construction. `viewKey` digests an output as a gate sees it without parsing it: each
 * directory's view digest is remembered under the directory's content key (its files' names and
 * digests, as the parse cache keys it) and computed, from parsed documents, only for directories
 * not seen before. An edit that changes nothing a gate reads (a quota, a display name, a
 * ConfigMap) leaves its key, and so its remembered clean result, as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LABELS } from '../../charts/lib/constants';
import { codeStamp } from '../kube/code-stamp';
import {
  byFolder,
  directoryDocuments,
  type EnvironmentOutput,
  type K8sObject,
  type Manifest,
  type Output,
} from '../kube/manifests';
import { directoryKey, ParseCache } from '../kube/parse-cache';
import { sha256 } from '../kube/record';
import { memoryHome } from '../toolchain/tools';
import { KUBE_SCORE_KINDS } from './workloads';
import { writeAtomic } from '../../charts/lib/write-atomic';

/** A path into an object, such as ['metadata', 'labels']. */
export type FieldPath = readonly string[];

/** Per kind, the fields a gate reads ('all': the whole object). */
export type View = Readonly<Record<string, readonly FieldPath[] | 'all'>>;

/** Kept in every projection: what names an object in messages (describe()). */
const IDENTITY: readonly FieldPath[] = [['apiVersion'], ['kind'], ['metadata', 'name'], ['metadata', 'namespace']];

/** The isolation gate: namespace labels, NetworkPolicies and AuthorizationPolicies (isolation.ts, mesh-authz.ts). */
export const ISOLATION_VIEW: View = {
  Namespace: [['metadata', 'labels']],
  NetworkPolicy: [['spec']],
  AuthorizationPolicy: [['spec']],
};

/** The RBAC gate: roles' rules, the tenant-role label, bindings' roleRef and subjects (rbac.ts). */
export const RBAC_VIEW: View = {
  Role: [['rules'], ['aggregationRule']],
  ClusterRole: [['rules'], ['aggregationRule'], ['metadata', 'labels', LABELS.role]],
  RoleBinding: [['roleRef'], ['subjects']],
  ClusterRoleBinding: [['roleRef'], ['subjects']],
};

/** The workload gate: every object of a kind kube-score reads, whole (workloads.ts KUBE_SCORE_KINDS). */
export const WORKLOADS_VIEW: View = Object.fromEntries([...KUBE_SCORE_KINDS].map((k) => [k, 'all' as const]));

/** An object seen through a view, or undefined when the view does not show its kind. Pure. */
export function project(view: View, o: K8sObject): K8sObject | undefined {
  const fields = view[o?.kind];
  if (fields === undefined) return undefined;
  if (fields === 'all') return o;
  const out: K8sObject = {};
  for (const p of [...IDENTITY, ...fields]) {
    let from: unknown = o;
    for (const k of p) from = from !== null && typeof from === 'object' ? (from as K8sObject)[k] : undefined;
    if (from === undefined) continue;
    let to = out;
    for (const k of p.slice(0, -1)) to = to[k] ??= {};
    to[p[p.length - 1]] = from;
  }
  return out;
}

const viewed = new WeakMap<Output, WeakMap<View, Output>>();

/**
 * The output as a gate with this view sees it: each environment's manifests are those of the
 * kinds the view shows, projected onto their fields, in the same order; files and settings as
 * they are.
 */
export function viewOutput(output: Output, view: View): Output {
  let byView = viewed.get(output);
  if (!byView) viewed.set(output, (byView = new WeakMap()));
  let out = byView.get(view);
  if (out) return out;
  out = {
    ...output,
    environments: output.environments.map((env): EnvironmentOutput => {
      let manifests: Manifest[] | undefined;
      return {
        name: env.name,
        kubernetesVersion: env.kubernetesVersion,
        trustDomain: env.trustDomain,
        files: env.files,
        get manifests() {
          manifests ??= env.manifests.flatMap((m) => {
            const object = project(view, m.object);
            return object === undefined ? [] : [{ ...m, object }];
          });
          return manifests;
        },
      };
    }),
  };
  byView.set(view, out);
  return out;
}

/** A directory of an environment's output: repository paths and digests of its YAML files, and its content key. */
interface Directory {
  readonly dir: string;
  readonly files: readonly (readonly [string, string])[];
  readonly key: string;
}

const directoriesOf = new WeakMap<Output, Directory[][]>();

/** Each environment's directories, in path order, with their content keys (parse-cache.ts). */
function directories(output: Output): Directory[][] {
  let dirs = directoriesOf.get(output);
  if (dirs) return dirs;
  const cut = output.root.length + 1;
  dirs = output.environments.map((env) => {
    const folders =
      env.folders ?? byFolder(env.files.map((abs) => [abs.slice(cut), output.digests.get(abs)!] as const));
    return [...folders].map(([dir, files]) => ({ dir, files, key: directoryKey(files) }));
  });
  directoriesOf.set(output, dirs);
  return dirs;
}

/** View digests remembered beyond those of the current run, per view. */
export const MAX_EXTRA_VIEWS = 50_000;

/** Digests remembered by digest (for a view: each directory's view digest by its content key), under .tools/views/. */
export class DigestStore {
  private readonly file: string;
  private readonly enabled: boolean;
  private readonly entries = new Map<string, string>();
  private readonly used = new Set<string>();
  private added = false;

  constructor(name: string, home = memoryHome(), env: NodeJS.ProcessEnv = process.env, stamp = codeStamp()) {
    this.file = path.join(home, 'views', stamp.slice(0, 16), `${name}.tsv`);
    this.enabled = env.VALIDATE_CACHE !== 'off';
    if (!this.enabled) return;
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab === 64 && line.length === 129) this.entries.set(line.slice(0, 64), line.slice(65));
    }
  }

  get(key: string): string | undefined {
    this.used.add(key);
    return this.entries.get(key);
  }

  set(key: string, digest: string): void {
    this.used.add(key);
    this.entries.set(key, digest);
    this.added = true;
  }

  /** Writes the store when it gained digests: those of this run, and the newest others up to MAX_EXTRA_VIEWS. */
  save(): void {
    if (!this.enabled || !this.added) return;
    const others = [...this.entries].filter(([k]) => !this.used.has(k)).slice(-MAX_EXTRA_VIEWS);
    const lines = [...others, ...[...this.used].map((k) => [k, this.entries.get(k)] as const)]
      .filter(([, d]) => d !== undefined)
      .map(([k, d]) => `${k}\t${d}\n`);
    try {
      writeAtomic(this.file, lines.join(''));
    } catch {
      // Unremembered: the next run projects these directories again.
    }
    this.added = false;
  }
}

/** Digest of a directory's documents as the view shows them; EMPTY when it shows none. Pure. */
export function directoryViewDigest(
  view: View,
  files: readonly (readonly [string, { readonly objects: readonly K8sObject[] }])[],
): string {
  const shown: [string, K8sObject[]][] = [];
  for (const [file, docs] of files) {
    const objects = docs.objects.map((o) => project(view, o)).filter((o) => o !== undefined);
    if (objects.length > 0) shown.push([path.basename(file), objects]);
  }
  return shown.length === 0 ? EMPTY : sha256(JSON.stringify(shown));
}

/** The view digest of a directory that shows the view nothing. */
export const EMPTY = '0'.repeat(64);

/** Directories projected (not remembered) by the last viewKeys, for tests. */
export let lastProjected = 0;

const keysOf = new WeakMap<Output, WeakMap<object, Readonly<Record<string, string | undefined>>>>();

/**
 * Keys over the output as each view shows it: each environment's settings, and the path and view
 * digest of each directory that shows the view something. A directory's view digest is taken from
 * the view's store by the directory's content key, or computed from its documents (from the parse
 * cache, or parsed, once for all the views) and remembered. Undefined for every view when a
 * directory cannot be parsed: the gates then run and report it.
 */
export function viewKeys(
  output: Output,
  views: Readonly<Record<string, View>>,
  cache = new ParseCache(),
): Readonly<Record<string, string | undefined>> {
  let byViews = keysOf.get(output);
  if (!byViews) keysOf.set(output, (byViews = new WeakMap()));
  const known = byViews.get(views);
  if (known) return known;
  const names = Object.keys(views);
  const stores = names.map((n) => new DigestStore(n));
  const lines: string[][] = names.map(() => []);
  let projected = 0;
  let keys: Record<string, string | undefined>;
  try {
    directories(output).forEach((dirs, i) => {
      const env = output.environments[i];
      for (const l of lines) l.push(`env ${env.name} ${env.kubernetesVersion} ${env.trustDomain}`);
      for (const d of dirs) {
        const digests = stores.map((s) => s.get(d.key));
        if (digests.includes(undefined)) {
          const docs = directoryDocuments(output.root, d.files, cache);
          if (docs.some((x) => x.error !== undefined)) throw new Unparsable();
          const files = d.files.map(([f], j) => [f, docs[j]] as const);
          names.forEach((n, v) => {
            if (digests[v] !== undefined) return;
            digests[v] = directoryViewDigest(views[n], files);
            stores[v].set(d.key, digests[v]);
          });
          projected++;
        }
        digests.forEach((digest, v) => {
          if (digest !== EMPTY) lines[v].push(`${d.dir}\0${digest}`);
        });
      }
    });
    keys = Object.fromEntries(names.map((n, v) => [n, sha256(`${n}\0${lines[v].join('\n')}`)]));
  } catch (e) {
    if (!(e instanceof Unparsable)) throw e;
    keys = Object.fromEntries(names.map((n) => [n, undefined]));
  } finally {
    for (const s of stores) s.save();
    lastProjected = projected;
  }
  byViews.set(views, keys);
  return keys;
}

/** The key of one view (viewKeys). */
export function viewKey(output: Output, name: string, view: View): string | undefined {
  return viewKeys(output, { [name]: view })[name];
}

class Unparsable extends Error {}
