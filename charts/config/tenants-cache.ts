/**
 * Loading tenants.yaml in proportion to what changed: a cache, a plain JSON value the caller keeps
 * between runs, maps the digest of each entry's text to what the entry read as (its value checked
 * by the tenant schema, and its line). Only entries whose text is new are read and checked; the
 * rules over the whole list run over every entry. Anything unusual (a file not of the plain shape
 * of `splitTenantsText`, a problem anywhere) is read whole by `loadTenants`, which reports every
 * problem at its position. The tenants always equal those of `loadTenants`.
 */
import { createHash } from 'node:crypto';
import {
  type LoadOptions,
  loadTenants,
  readTenantChunk,
  type Tenant,
  type TenantChunk,
  tenantEntryTexts,
  type TenantEntryText,
  tenantsOfEntries,
  type TextChunk,
} from './load-tenants';
import { type TenantFields, tenantSchema } from './tenants-schema';
import { routePaths } from './validate-workloads';

/** Version of the cache's shape; a cache of another is ignored. */
const FORMAT = 2;

/** What one entry read as. */
export interface CachedEntry {
  /** The entry's line in its own text (0: its first line): where its mapping starts. */
  readonly line: number;
  /** The entry as the tenant schema outputs it. */
  readonly tenant: unknown;
  /** The paths of its routes (`routePaths`). */
  readonly routes: readonly string[];
  /** `tenantValueDigest` of the tenant it resolves to. */
  readonly value: string;
}

/** What entries read as, by the digest of their text. JSON as it is. */
export interface TenantsCache {
  readonly format: number;
  /** The compiler the entries were checked by (see `IncrementalOptions.compiler`). */
  readonly compiler: string;
  readonly entries: Readonly<Record<string, CachedEntry>>;
}

export interface IncrementalOptions extends LoadOptions {
  /**
   * Identity of the compiler's code (a digest of it): a cache made by other code is ignored, since
   * its rules or defaults may differ. @default ''
   */
  readonly compiler?: string;
}

export interface TenantsLoad {
  readonly tenants: Tenant[];
  /** What the next load reads less with: the entries of this file. */
  readonly cache: TenantsCache;
  /** Indexes of the entries read anew; undefined when the file was read whole. */
  readonly read?: readonly number[];
}

/** Reads parts of tenants.yaml (`readTenantChunk` of each), such as on worker threads. */
export type ChunkReader = (chunks: readonly TextChunk[]) => Promise<TenantChunk[]>;

/** Loads tenants.yaml, reading and checking only the entries not in `previous`. Throws ConfigError as `loadTenants`. */
export function loadTenantsIncremental(
  text: string,
  previous: TenantsCache | undefined,
  options: IncrementalOptions = {},
): TenantsLoad {
  const plan = planLoad(text, previous, options);
  if (!plan) return whole(text, options);
  const file = options.file ?? 'tenants.yaml';
  return finish(
    text,
    plan,
    plan.pending.map((k) => readTenantChunk(entryChunk([plan.entries[k]]).text, file)),
    options,
  );
}

/**
 * `loadTenantsIncremental` with the new entries read by `read` in up to `parts` parts (on a
 * pool's threads, for a first load of a large file).
 */
export async function loadTenantsIncrementalWith(
  read: ChunkReader,
  parts: number,
  text: string,
  previous: TenantsCache | undefined,
  options: IncrementalOptions = {},
): Promise<TenantsLoad> {
  const plan = planLoad(text, previous, options);
  if (!plan) return whole(text, options);
  const per = Math.max(1, Math.ceil(plan.pending.length / Math.max(1, parts)));
  const groups: number[][] = [];
  for (let k = 0; k < plan.pending.length; k += per) groups.push(plan.pending.slice(k, k + per));
  const chunks = groups.map((g) => entryChunk(g.map((k) => plan.entries[k])));
  const results = await read(chunks.map((c) => ({ text: c.text, lineOffset: 0 })));
  // One chunk per entry, as `finish` takes them: an entry's items and lines, its own line first.
  const each: TenantChunk[] = [];
  groups.forEach((g, n) => {
    const r = results[n];
    g.forEach((_, m) =>
      each.push(
        r.ok && r.items.length === g.length
          ? { ok: true, items: [r.items[m]], lines: [r.lines[m] - chunks[n].starts[m] + 2] }
          : { ok: false },
      ),
    );
  });
  return finish(text, plan, each, options);
}

interface Plan {
  readonly entries: readonly TenantEntryText[];
  readonly keys: readonly string[];
  /** What each entry read as, when the cache knows it. */
  readonly known: readonly (CachedEntry | undefined)[];
  /** Indexes of the entries to read. */
  readonly pending: readonly number[];
}

/** The entries, and which of them the cache knows; undefined when the file must be read whole. */
function planLoad(text: string, previous: TenantsCache | undefined, options: IncrementalOptions): Plan | undefined {
  const entries = tenantEntryTexts(text);
  if (!entries || entries.length === 0) return undefined;
  const cached = usable(previous, options.compiler ?? '');
  const keys = entries.map((e) => digest(e.text));
  const known = keys.map((k) => (cached && Object.hasOwn(cached, k) ? cached[k] : undefined));
  const pending = known.flatMap((c, k) => (c ? [] : [k]));
  return { entries, keys, known, pending };
}

/** The tenants from the cached entries and those read (`read[n]` the chunk of `plan.pending[n]`). */
function finish(text: string, plan: Plan, read: readonly TenantChunk[], options: IncrementalOptions): TenantsLoad {
  const known = [...plan.known];
  for (let n = 0; n < plan.pending.length; n++) {
    const r = read[n];
    if (!r.ok || r.items.length !== 1) return whole(text, options);
    const checked = tenantSchema.safeParse(r.items[0]);
    if (!checked.success) return whole(text, options);
    known[plan.pending[n]] = {
      line: r.lines[0] - 2,
      tenant: checked.data,
      routes: routePaths(checked.data),
      value: '',
    };
  }
  const entries = known as CachedEntry[];
  const tenants = tenantsOfEntries(
    entries.map((e) => e.tenant as TenantFields),
    entries.map((e, k) => plan.entries[k].start + 1 + e.line),
    entries.map((e) => e.routes),
  );
  if (!tenants) return whole(text, options);
  const cache: Record<string, CachedEntry> = {};
  entries.forEach((e, k) => {
    // A tenant is a function of its entry alone (its line and index aside): the digest of its
    // value is the one the entry's text had before.
    const value = typeof e.value === 'string' && e.value !== '' ? e.value : tenantValueDigest(tenants[k]);
    valueDigests.set(tenants[k], value);
    // An entry whose value JSON would not give back as it is (-0, undefined) is read again next time.
    if (!plan.known[k] && !plainJson(e.tenant)) return;
    cache[plan.keys[k]] = { ...e, value };
  });
  return { tenants, cache: { format: FORMAT, compiler: options.compiler ?? '', entries: cache }, read: plan.pending };
}

/** The file read whole; nothing is cached from it. */
function whole(text: string, options: IncrementalOptions): TenantsLoad {
  return {
    tenants: loadTenants(text, options),
    cache: { format: FORMAT, compiler: options.compiler ?? '', entries: {} },
  };
}

/** The entries of a cache of this format and compiler, else undefined. */
function usable(cache: TenantsCache | undefined, compiler: string): Readonly<Record<string, CachedEntry>> | undefined {
  if (!cache || typeof cache !== 'object' || cache.format !== FORMAT || cache.compiler !== compiler) return undefined;
  const entries = cache.entries;
  return entries && typeof entries === 'object' && !Array.isArray(entries) ? entries : undefined;
}

/** `tenants:` and some entries, with the line of each entry's first line in it. */
function entryChunk(entries: readonly TenantEntryText[]): { text: string; starts: number[] } {
  let text = 'tenants:\n';
  let line = 2;
  const starts: number[] = [];
  for (const e of entries) {
    starts.push(line);
    // Only the file's last entry can end without a line break, and it comes last.
    text += e.text;
    for (let i = e.text.indexOf('\n'); i >= 0; i = e.text.indexOf('\n', i + 1)) line++;
  }
  return { text, starts };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** Digests of tenants' values, computed or taken from the cache once per tenant object. */
const valueDigests = new WeakMap<Tenant, string>();

/**
 * Digest of what a tenant resolved to, its line and index in the file aside (no generated file
 * depends on them, and moving an entry must not change it). What incremental synth keys a
 * tenant's files on; taken from the cache for entries whose text is unchanged.
 */
export function tenantValueDigest(tenant: Tenant): string {
  let d = valueDigests.get(tenant);
  if (d === undefined) {
    const { line: _line, index: _index, ...rest } = tenant;
    d = createHash('sha256')
      .update(
        JSON.stringify(rest, (_k, v: unknown) => {
          if (v instanceof Map || v instanceof Set) throw new Error('tenantValueDigest: a tenant holds a Map or Set');
          return v;
        }),
      )
      .digest('base64url');
    valueDigests.set(tenant, d);
  }
  return d;
}

/** Whether JSON gives a value back exactly: plain objects and lists of text, booleans, null, numbers but -0. */
function plainJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(plainJson);
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.values(v as object).every(plainJson);
}
