/**
 * The cluster tier's reads, answered in this process: the polling loops (controller models,
 * webhook stand-ins, the Application table) read the cluster every few seconds, and a kubectl
 * process per read cost a tenth to a quarter of a core-second each, about half of the 2-core
 * machine. `apiReads` answers the `kubectl get` shapes they use with one HTTPS request on a
 * kept-alive connection, in kubectl's output (items carry apiVersion and kind, managedFields
 * left out as `--show-managed-fields=false` does); any other shape is left to kubectl.
 * test/integration/api-reads.test.ts compares its answers with kubectl's.
 */
import * as https from 'node:https';
import { adminTls } from '../integration/control-plane';

/** An API server and the run's directory holding ca.crt, admin.crt and admin.key. */
export interface ApiTarget {
  readonly server: string;
  readonly dir: string;
}

interface Resource {
  /** As kubectl was given it. */
  readonly token: string;
  readonly plural: string;
  /** '' for the core group. */
  readonly group: string;
}

/** A `kubectl get` this module answers. */
export interface ReadRequest {
  readonly resources: readonly Resource[];
  readonly names: readonly string[];
  /** A namespace (`-n`); undefined with `-A` or for cluster-scoped reads. */
  readonly namespace?: string;
  /** `json`, or the metadata fields of `-o custom-columns=...,` printed with `--no-headers`. */
  readonly output: { readonly json: true } | { readonly columns: readonly string[] };
}

/** Core resources the tier reads by their plural. */
const CORE = new Set([
  'configmaps',
  'endpoints',
  'events',
  'limitranges',
  'namespaces',
  'nodes',
  'persistentvolumeclaims',
  'persistentvolumes',
  'pods',
  'resourcequotas',
  'secrets',
  'serviceaccounts',
  'services',
]);

/** Plurals the tier names without their group. */
const GROUP_OF: Readonly<Record<string, string>> = {
  customresourcedefinitions: 'apiextensions.k8s.io',
  mutatingwebhookconfigurations: 'admissionregistration.k8s.io',
  validatingwebhookconfigurations: 'admissionregistration.k8s.io',
};

function resourceOf(token: string): Resource | undefined {
  const dot = token.indexOf('.');
  if (dot > 0) return { token, plural: token.slice(0, dot), group: token.slice(dot + 1) };
  if (CORE.has(token)) return { token, plural: token, group: '' };
  const group = GROUP_OF[token];
  return group === undefined ? undefined : { token, plural: token, group };
}

const METADATA_COLUMN = /^[A-Z_]+:\.metadata\.(name|namespace|resourceVersion|uid)$/;

/** The read `args` asks for, or undefined when kubectl must answer it. */
export function parseRead(args: readonly string[]): ReadRequest | undefined {
  if (args[0] !== 'get' || args.length < 2) return undefined;
  const resources = args[1]!.split(',').map(resourceOf);
  if (resources.some((r) => r === undefined)) return undefined;
  const names: string[] = [];
  let namespace: string | undefined;
  let all = false;
  let output: string | undefined;
  let headers = true;
  for (let i = 2; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-A' || a === '--all-namespaces') all = true;
    else if (a === '-n' && i + 1 < args.length) namespace = args[++i];
    else if (a === '-o' && i + 1 < args.length) output = args[++i];
    else if (a === '--no-headers') headers = false;
    else if (!a.startsWith('-')) names.push(a);
    else return undefined;
  }
  if (all && namespace !== undefined) return undefined;
  if (names.length > 0 && (all || resources.length > 1)) return undefined;
  if (output === 'json' && headers)
    return { resources: resources as Resource[], names, namespace, output: { json: true } };
  if (output?.startsWith('custom-columns=') && !headers) {
    const columns = output.slice('custom-columns='.length).split(',');
    if (!columns.every((c) => METADATA_COLUMN.test(c))) return undefined;
    return {
      resources: resources as Resource[],
      names,
      namespace,
      output: { columns: columns.map((c) => c.split('.metadata.')[1]!) },
    };
  }
  return undefined;
}

type Json = Record<string, unknown>;

/** Answers `kubectl get` reads of a target in-process. */
export interface ApiReads {
  /** kubectl's stdout for `args`, undefined when the shape is not one answered here, or throws as kubectl fails. */
  get(args: readonly string[]): Promise<string | undefined>;
  close(): void;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}
type Get = (path: string, accept?: string) => Promise<Answer>;

/** GETs over one kept-alive connection pool, retried as client-go does on Retry-After (at most 10 times). */
function transport(target: ApiTarget): { get: Get; close(): void } {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4, ...adminTls(target.dir) });
  const url = new URL(target.server);
  const once = (p: string, accept: string) =>
    new Promise<Answer & { retryAfter?: string }>((resolve, reject) => {
      const req = https.request(
        { agent, host: url.hostname, port: url.port, path: p, method: 'GET', headers: { accept } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              retryAfter: res.headers['retry-after'],
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const get: Get = async (p, accept = 'application/json') => {
    for (let attempt = 1; ; attempt++) {
      const res = await once(p, accept);
      const wait = Number(res.retryAfter);
      if (res.retryAfter === undefined || !(wait >= 0) || attempt >= 10 || (res.status !== 429 && res.status < 500))
        return res;
      await new Promise((r) => setTimeout(r, Math.max(1, wait) * 1000));
    }
  };
  return { get, close: () => agent.destroy() };
}

const noType = (r: Resource) => new Error(`error: the server doesn't have a resource type "${r.plural}"`);

/**
 * The version kubectl reads a resource in: the group's preferred version when it serves the
 * resource, else the first of the group's versions (in discovery's order) that does; remembered
 * per resource until `forget`.
 */
function discovery(get: Get): { versionOf(r: Resource): Promise<string>; forget(r: Resource): void } {
  const versions = new Map<string, string>();
  const key = (r: Resource) => `${r.group}/${r.plural}`;
  const versionOf = async (r: Resource): Promise<string> => {
    if (r.group === '') return 'v1';
    const known = versions.get(key(r));
    if (known !== undefined) return known;
    const res = await get(`/apis/${r.group}`);
    if (res.status === 404) throw noType(r);
    if (res.status !== 200) throw new Error(`discovery of ${r.group}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    const group = JSON.parse(res.body) as { preferredVersion: { version: string }; versions: { version: string }[] };
    const preferred = group.preferredVersion.version;
    for (const v of [preferred, ...group.versions.map((x) => x.version).filter((x) => x !== preferred)]) {
      const d = await get(`/apis/${r.group}/${v}`);
      if (d.status !== 200) continue;
      const served = (JSON.parse(d.body) as { resources: { name: string }[] }).resources.map((x) => x.name);
      if (served.includes(r.plural)) {
        versions.set(key(r), v);
        return v;
      }
    }
    throw noType(r);
  };
  return { versionOf, forget: (r) => void versions.delete(key(r)) };
}

const base = (r: Resource, v: string, namespace?: string) =>
  `${r.group === '' ? '/api' : `/apis/${r.group}`}/${v}${namespace === undefined ? '' : `/namespaces/${namespace}`}/${r.plural}`;

/** kubectl's form of an object it printed: apiVersion and kind set, managedFields dropped. */
function printed(o: Json, apiVersion: string, kind: string): Json {
  const metadata = { ...(o.metadata as Json) };
  delete metadata.managedFields;
  return { ...o, apiVersion, kind, metadata };
}

/** kubectl's stdout: one object for one name, else a List; or the columns' values, a line per object. */
function printedOutput(q: ReadRequest, items: readonly Json[]): string {
  if ('columns' in q.output) {
    const columns = q.output.columns;
    return items
      .map((o) => columns.map((c) => String((o.metadata as Json)[c] ?? '<none>')).join('   ') + '\n')
      .join('');
  }
  return JSON.stringify(
    q.names.length === 1 ? items[0] : { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } },
  );
}

export function apiReads(target: ApiTarget): ApiReads {
  const { get: request, close } = transport(target);
  const { versionOf, forget } = discovery(request);

  /** GET of a path under the resource, discovery refreshed once when the version is gone. */
  const read = async (r: Resource, namespace: string | undefined, rest: string, accept?: string) => {
    for (let attempt = 0; ; attempt++) {
      const v = await versionOf(r);
      const res = await request(`${base(r, v, namespace)}${rest}`, accept);
      if (res.status === 404 && attempt === 0 && rest === '') {
        forget(r);
        continue;
      }
      return { res, groupVersion: r.group === '' ? v : `${r.group}/${v}` };
    }
  };

  const list = async (r: Resource, namespace: string | undefined, metadataOnly: boolean): Promise<Json[]> => {
    const accept = metadataOnly ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' : undefined;
    const { res, groupVersion } = await read(r, namespace, '', accept);
    if (res.status === 404) throw noType(r);
    if (res.status !== 200) throw new Error(`list ${r.token}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    const body = JSON.parse(res.body) as { kind: string; items: Json[] | null };
    const kind = body.kind.replace(/List$/, '');
    return (body.items ?? []).map((o) => printed(o, groupVersion, kind));
  };

  const one = async (r: Resource, namespace: string | undefined, name: string): Promise<Json> => {
    const { res } = await read(r, namespace, `/${encodeURIComponent(name)}`);
    if (res.status === 404)
      throw new Error(`Error from server (NotFound): ${r.plural}${r.group ? `.${r.group}` : ''} "${name}" not found`);
    if (res.status !== 200) throw new Error(`get ${r.token} ${name}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    const o = JSON.parse(res.body) as Json;
    return printed(o, o.apiVersion as string, o.kind as string);
  };

  return {
    async get(args) {
      const q = parseRead(args);
      if (q === undefined) return undefined;
      let items: Json[] = [];
      if (q.names.length > 0) {
        for (const n of q.names) items.push(await one(q.resources[0]!, q.namespace, n));
      } else for (const r of q.resources) items = [...items, ...(await list(r, q.namespace, 'columns' in q.output))];
      return printedOutput(q, items);
    },
    close,
  };
}
