/**
 * What changed between two versions of the generated output (dist/ and argocd/), object by
 * object: a pure function of two maps from repository path to file content, so it is tested
 * without git or a disk. Only files whose content differs are parsed, which keeps a diff of a
 * large output as fast as the number of changed files.
 *
 * Objects are matched by API group, kind, namespace and name (not by file), so an object that
 * moves to another file is one change, not a removal and an addition.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { DIRS, ROUTE_TABLE } from '../../charts/lib/constants';
import { type K8sObject, parseDocuments } from '../kube/manifests';
import { UserError } from '../lib/cli';
import { applicationOf, environmentOf, platformApplications } from './applications';
import { deepEqual, fieldChanges, type FieldChange } from './field-diff';

/** Repository path → file content. */
export type FileMap = ReadonlyMap<string, string>;

/**
 * Kinds whose changes decide who can reach, call, change or deploy what: their changes are listed
 * first and field by field. Matched by API group and kind.
 */
export const ISOLATION_KINDS: readonly { readonly group: string; readonly kind: string; readonly why: string }[] = [
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', why: 'which pods may reach which' },
  { group: 'security.istio.io', kind: 'AuthorizationPolicy', why: 'which mesh identities may connect' },
  { group: 'agentgateway.dev', kind: 'AgentgatewayPolicy', why: 'who may call a route or a waypoint' },
  { group: 'rbac.authorization.k8s.io', kind: 'Role', why: 'what a subject may do in a namespace' },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', why: 'who gets a role' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', why: 'what a subject may do' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', why: 'who gets a role everywhere' },
  { group: 'argoproj.io', kind: 'AppProject', why: 'what an Application may deploy, and where' },
  { group: '', kind: 'ResourceQuota', why: 'how much a namespace may use' },
  { group: '', kind: 'LimitRange', why: 'container defaults and maximum' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy', why: 'what the API server refuses' },
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingAdmissionPolicyBinding',
    why: 'where an admission policy applies',
  },
  { group: 'kyverno.io', kind: 'ClusterPolicy', why: 'what Kyverno refuses or changes' },
  { group: 'gateway.networking.k8s.io', kind: 'ReferenceGrant', why: 'which cross-namespace references are allowed' },
  {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    why: 'listeners, host names and which namespaces may attach routes',
  },
  // Only its labels: Pod Security level, mesh enrollment, the tenant marker policies select on.
  { group: '', kind: 'Namespace', why: 'Pod Security, mesh and tenant labels' },
];

/** For Namespaces only label changes count as isolation changes. */
const NAMESPACE_LABELS = 'metadata.labels';

/** Identity of an object in a cluster. */
export interface ObjectId {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface ObjectChange extends ObjectId {
  readonly change: 'added' | 'removed' | 'changed';
  /** The Application that syncs it (of the new file; of the old one when removed). */
  readonly application: string;
  /** Repository path (the new one; the old one when removed). */
  readonly file: string;
  /** The old path, when the object moved to another file. */
  readonly movedFrom?: string;
  /** Whether the change is listed among the isolation changes. */
  readonly isolation: boolean;
  /** Field changes (changed objects only). */
  readonly fields: readonly FieldChange[];
}

/** A row of dist/<env>/routes.json. */
export interface RouteRow {
  readonly path: string;
  readonly kind?: string;
  readonly owner?: string;
  readonly gateways?: readonly string[];
  readonly routes?: { readonly mesh?: string; readonly external?: string };
  readonly exposes?: string;
  readonly backend?: {
    readonly kind?: string;
    readonly namespace?: string;
    readonly name?: string;
    readonly port?: number;
  };
  readonly callers?: readonly string[];
}

export interface RouteChange {
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before?: RouteRow;
  readonly after?: RouteRow;
  readonly fields: readonly FieldChange[];
}

/** A file that is not a Kubernetes manifest (README, routes.md), or a manifest whose objects did not change. */
export interface FileChange {
  readonly file: string;
  readonly change: 'added' | 'removed' | 'changed';
}

export interface EnvironmentDiff {
  /** Environment name; empty for files outside every environment directory. */
  readonly name: string;
  readonly objects: readonly ObjectChange[];
  readonly routes: readonly RouteChange[];
  /** Non-manifest files that changed. */
  readonly files: readonly FileChange[];
  /** Manifest files whose text changed while their objects did not (comments, formatting). */
  readonly textOnly: readonly string[];
}

export interface OutputDiff {
  readonly environments: readonly EnvironmentDiff[];
}

/** Labels of the two sides in error messages, such as "origin/main" and "working tree". */
export interface CompareOptions {
  /** @default 'base' */
  readonly baseLabel?: string;
  /** @default 'head' */
  readonly headLabel?: string;
}

/** API group of an apiVersion (empty for the core group). */
export function groupOf(apiVersion: unknown): string {
  const s = String(apiVersion ?? '');
  return s.includes('/') ? s.split('/')[0] : '';
}

/** "Kind namespace/name", or "Kind name" for cluster-scoped objects. */
export function describeId(o: ObjectId): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** Whether objects of this group and kind are isolation-relevant. */
export function isIsolationKind(group: string, kind: string): boolean {
  return ISOLATION_KINDS.some((k) => k.group === group && k.kind === kind);
}

/** Rank of a kind in ISOLATION_KINDS (others after them), for ordering the flagged changes. */
function isolationRank(o: ObjectId): number {
  const i = ISOLATION_KINDS.findIndex((k) => k.group === o.group && k.kind === o.kind);
  return i < 0 ? ISOLATION_KINDS.length : i;
}

const isManifest = (file: string) => /\.ya?ml$/.test(file);
const isRouteTable = (file: string) => {
  const parts = file.split('/');
  return parts.length === 3 && parts[0] === DIRS.dist && parts[2] === `${ROUTE_TABLE}.json`;
};

interface Located {
  readonly id: ObjectId;
  readonly file: string;
  readonly object: K8sObject;
}

const keyOf = (id: ObjectId) => `${id.group}\u0000${id.kind}\u0000${id.namespace}\u0000${id.name}`;

function parseObjects(file: string, text: string, side: string): Located[] {
  const out: Located[] = [];
  const lines = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter: lines, prettyErrors: false })) {
    const err = doc.errors[0];
    if (err) {
      const pos = lines.linePos(err.pos[0]);
      throw new UserError(
        `${file}:${pos.line}:${pos.col} (${side}): ${err.message.split('\n')[0]}; fix the file or run npm run synth`,
      );
    }
    const object = doc.toJS() as K8sObject | null;
    if (object === null || typeof object !== 'object') continue;
    out.push({
      file,
      object,
      id: {
        group: groupOf(object.apiVersion),
        kind: String(object.kind ?? ''),
        namespace: String(object.metadata?.namespace ?? ''),
        name: String(object.metadata?.name ?? ''),
      },
    });
  }
  return out;
}

function parseRoutes(file: string, text: string, side: string): Map<string, RouteRow> {
  let data: { routes?: RouteRow[] };
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} (${side}): not valid JSON (${(e as Error).message}); run npm run synth`);
  }
  return new Map((data.routes ?? []).map((r) => [r.path, r]));
}

function routeChanges(before: Map<string, RouteRow>, after: Map<string, RouteRow>): RouteChange[] {
  const out: RouteChange[] = [];
  for (const p of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(p);
    const a = after.get(p);
    if (!a) out.push({ path: p, change: 'removed', before: b, fields: [] });
    else if (!b) out.push({ path: p, change: 'added', after: a, fields: [] });
    else if (!deepEqual(a, b)) out.push({ path: p, change: 'changed', before: b, after: a, fields: rowChanges(b, a) });
  }
  return out;
}

/** A route row's changes per top-level field (rows are small: whole callers lists read best). */
function rowChanges(before: RouteRow, after: RouteRow): FieldChange[] {
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  const out: FieldChange[] = [];
  for (const k of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
    if (!(k in a)) out.push({ path: k, change: 'removed', before: b[k] });
    else if (!(k in b)) out.push({ path: k, change: 'added', after: a[k] });
    else if (!deepEqual(a[k], b[k])) out.push({ path: k, change: 'changed', before: b[k], after: a[k] });
  }
  return out;
}

/** The objects of an Application file: read with the faster js-yaml, with positions only on an error. */
function applications(file: string, text: string, side: string): K8sObject[] {
  const { objects, error } = parseDocuments(text);
  return error === undefined ? objects : parseObjects(file, text, side).map((l) => l.object);
}

/** Source directories of the platform Applications of both sides (the new side wins). */
function applicationIndex(base: FileMap, head: FileMap, options: Required<CompareOptions>): Map<string, string> {
  const apps: K8sObject[] = [];
  // A file the same on both sides is parsed once.
  const parsed = new Map<string, K8sObject[]>();
  for (const [files, side] of [
    [base, options.baseLabel],
    [head, options.headLabel],
  ] as const) {
    for (const [file, text] of files) {
      if (!file.startsWith(`${DIRS.argocd}/`) || !isManifest(file) || !/^kind: Application$/m.test(text)) continue;
      const key = `${file}\0${text}`;
      if (!parsed.has(key)) parsed.set(key, applications(file, text, side));
      apps.push(...parsed.get(key)!);
    }
  }
  return platformApplications(apps);
}

/** Every difference between two versions of the output, per environment, objects in a stable order. */
export function compareOutputs(base: FileMap, head: FileMap, options: CompareOptions = {}): OutputDiff {
  const opts = { baseLabel: options.baseLabel ?? 'base', headLabel: options.headLabel ?? 'head' };
  const platform = applicationIndex(base, head, opts);
  const envs = new Map<
    string,
    { before: Located[]; after: Located[]; routes: RouteChange[]; files: FileChange[]; manifestFiles: Set<string> }
  >();
  const envFor = (file: string) => {
    const name = environmentOf(file) ?? '';
    if (!envs.has(name)) envs.set(name, { before: [], after: [], routes: [], files: [], manifestFiles: new Set() });
    return envs.get(name)!;
  };

  for (const file of [...new Set([...base.keys(), ...head.keys()])].sort()) {
    const b = base.get(file);
    const a = head.get(file);
    if (a === b) continue;
    const e = envFor(file);
    const change = b === undefined ? 'added' : a === undefined ? 'removed' : 'changed';
    if (isRouteTable(file)) {
      e.routes.push(
        ...routeChanges(
          b === undefined ? new Map() : parseRoutes(file, b, opts.baseLabel),
          a === undefined ? new Map() : parseRoutes(file, a, opts.headLabel),
        ),
      );
    } else if (isManifest(file) && environmentOf(file) !== undefined) {
      if (b !== undefined) e.before.push(...parseObjects(file, b, opts.baseLabel));
      if (a !== undefined) e.after.push(...parseObjects(file, a, opts.headLabel));
      e.manifestFiles.add(file);
    } else {
      e.files.push({ file, change });
    }
  }

  const environments: EnvironmentDiff[] = [];
  for (const [name, e] of [...envs].sort(([x], [y]) => x.localeCompare(y))) {
    const before = new Map(e.before.map((l) => [keyOf(l.id), l]));
    const after = new Map(e.after.map((l) => [keyOf(l.id), l]));
    const objects: ObjectChange[] = [];
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      const b = before.get(key);
      const a = after.get(key);
      const at = (a ?? b)!;
      const isolationKind = isIsolationKind(at.id.group, at.id.kind);
      const where = { ...at.id, file: at.file, application: applicationOf(at.file, platform) };
      if (!b) objects.push({ ...where, change: 'added', isolation: isolationKind, fields: [] });
      else if (!a) objects.push({ ...where, change: 'removed', isolation: isolationKind, fields: [] });
      else {
        const fields = fieldChanges(b.object, a.object);
        const moved = a.file !== b.file ? { movedFrom: b.file } : {};
        if (fields.length === 0) {
          if (moved.movedFrom) objects.push({ ...where, ...moved, change: 'changed', isolation: false, fields });
          continue;
        }
        const isolation =
          isolationKind &&
          (at.id.kind !== 'Namespace' ||
            fields.some(
              (f) =>
                f.path === NAMESPACE_LABELS ||
                f.path.startsWith(`${NAMESPACE_LABELS}.`) ||
                f.path.startsWith(`${NAMESPACE_LABELS}[`),
            ));
        objects.push({ ...where, ...moved, change: 'changed', isolation, fields });
      }
    }
    objects.sort(compareChanges);
    const touched = new Set(objects.flatMap((o) => (o.movedFrom ? [o.file, o.movedFrom] : [o.file])));
    const textOnly = [...e.manifestFiles].filter((f) => !touched.has(f)).sort();
    if (objects.length + e.routes.length + e.files.length + textOnly.length === 0) continue;
    environments.push({ name, objects, routes: e.routes, files: e.files, textOnly });
  }
  return { environments };
}

const CHANGE_ORDER = { changed: 0, removed: 1, added: 2 } as const;

/**
 * Stable order: isolation changes first (changes to existing objects before removals before
 * additions, then by kind as ISOLATION_KINDS lists them), then by Application, kind, namespace, name.
 */
function compareChanges(x: ObjectChange, y: ObjectChange): number {
  if (x.isolation !== y.isolation) return x.isolation ? -1 : 1;
  if (x.isolation) {
    const d = CHANGE_ORDER[x.change] - CHANGE_ORDER[y.change] || isolationRank(x) - isolationRank(y);
    if (d !== 0) return d;
  }
  return (
    x.application.localeCompare(y.application) ||
    x.kind.localeCompare(y.kind) ||
    x.namespace.localeCompare(y.namespace) ||
    x.name.localeCompare(y.name) ||
    x.group.localeCompare(y.group)
  );
}
