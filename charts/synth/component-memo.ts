/**
 * Platform components remembered across synth runs by what they read of the tenant list. A
 * component's shared objects depend on the compiler, the environment (with its cluster outputs)
 * and the parts of the tenants it reads; while it is built, the tenants it sees record every
 * read (the list's length, an index, a tenant's field, or a whole tenant when it lists keys), and
 * the next run rebuilds it only when one of those values changed. A pure cache of a function of
 * its key, so it needs no agreement with the output on disk; `--fresh` builds everything.
 *
 * Kept in `.synth-record/components/`: `index.json` holds per environment and component the
 * small part (environment key, reads as index ranges, their digest, and the size and CRC-32 of
 * its file), and one file per environment and component holds its files' texts and digests, its
 * routes and Helm values. A run reads the index, and a component's file only when it is recalled;
 * it writes the files of the components it built, and deletes those it did not ask for. A file
 * that does not match its index entry (damaged, missing, another's) is not used: the component is
 * built again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as zlib from 'node:zlib';
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import type { Tenant } from '../config/load-tenants';
import type { ComponentFiles, ComponentParts } from '../platform/build';
import { RECORD_DIR, stableJson } from './record';
import { writeAtomic } from '../lib/write-atomic';
import { componentFiles } from './component-files';

/** Folder of the memory under the record's. */
export const MEMO_DIR = 'components';
const INDEX = 'index.json';
/** The memory of an earlier layout, deleted when found. */
const OLD_FILE = 'components.v8';
/** Bumped when what is stored changes meaning. */
const VERSION = 2;

/** One read of the tenant list: `['length']`, `['at', i]`, `['field', i, name]` or `['whole', i]`. */
export type TenantRead = readonly ['length'] | readonly ['at' | 'whole', number] | readonly ['field', number, string];

/**
 * What a component read of the tenant list: the length or not, and per kind of read the tenant
 * indexes as ranges, a flat list of [from, to) pairs (reading a field of every tenant is one pair).
 */
export interface Reads {
  readonly length: boolean;
  readonly at: readonly number[];
  readonly whole: readonly number[];
  readonly fields: Readonly<Record<string, readonly number[]>>;
}

/** Sorted indexes as [from, to) pairs. */
function ranges(indexes: Iterable<number>): number[] {
  const sorted = [...indexes].sort((a, b) => a - b);
  const out: number[] = [];
  for (const i of sorted) {
    if (out.length > 0 && out[out.length - 1] === i) out[out.length - 1] = i + 1;
    else out.push(i, i + 1);
  }
  return out;
}

/** Reads listed one by one, as ranges. */
export function compactReads(list: Iterable<TenantRead>): Reads {
  let length = false;
  const at = new Set<number>();
  const whole = new Set<number>();
  const fields = new Map<string, Set<number>>();
  for (const r of list) {
    if (r[0] === 'length') length = true;
    else if (r[0] === 'at') at.add(r[1]);
    else if (r[0] === 'whole') whole.add(r[1]);
    else {
      const [, i, f] = r as readonly ['field', number, string];
      const s = fields.get(f) ?? new Set<number>();
      s.add(i);
      fields.set(f, s);
    }
  }
  return toReads(length, at, whole, fields);
}

function toReads(length: boolean, at: Set<number>, whole: Set<number>, fields: Map<string, Set<number>>): Reads {
  return {
    length,
    at: ranges(at),
    whole: ranges(whole),
    fields: Object.fromEntries([...fields].sort(([a], [b]) => (a < b ? -1 : 1)).map(([f, s]) => [f, ranges(s)])),
  };
}

/** Per tenant list, the JSON of each value read so far: components read the same fields. */
const columns = new WeakMap<readonly Tenant[], Map<string, string[]>>();

/** The JSON of one read's value, computed once per tenant list. */
function valueOf(tenants: readonly Tenant[], kind: string, field: string, i: number): string {
  let byColumn = columns.get(tenants);
  if (!byColumn) columns.set(tenants, (byColumn = new Map()));
  const key = `${kind}\0${field}`;
  let column = byColumn.get(key);
  if (!column) byColumn.set(key, (column = []));
  let v = column[i];
  if (v === undefined) {
    const t = tenants[i] as unknown as Record<string, unknown> | undefined;
    if (kind === 'at') v = t === undefined ? 'false' : 'true';
    else if (t === undefined) v = 'null';
    else {
      const value = kind === 'whole' ? t : (t[field] ?? null);
      // Plain values need no replacer (stableJson's is for Map and Set inside objects).
      v = typeof value === 'object' && value !== null ? stableJson(value) : JSON.stringify(value);
    }
    column[i] = v;
  }
  return v;
}

/** The values of the reads on a tenant list, digested. */
export function readsDigest(reads: Reads, tenants: readonly Tenant[]): string {
  const h = createHash('sha256');
  h.update(`length ${reads.length ? tenants.length : '-'}\n`);
  const section = (kind: string, field: string, pairs: readonly number[]) => {
    h.update(`${kind} ${JSON.stringify(field)} ${pairs.join(',')}\n`);
    for (let p = 0; p < pairs.length; p += 2) {
      const values: string[] = [];
      for (let i = pairs[p]; i < pairs[p + 1]; i++) values.push(valueOf(tenants, kind, field, i));
      h.update(values.join('\n'));
      h.update('\n');
    }
  };
  section('at', '', reads.at);
  section('whole', '', reads.whole);
  for (const [field, pairs] of Object.entries(reads.fields)) section('field', field, pairs);
  return h.digest('hex');
}

/** The tenant list as a component sees it while built: every read is recorded. */
export function trackedTenants(tenants: readonly Tenant[]): { view: readonly Tenant[]; reads: () => Reads } {
  let length = false;
  const at = new Set<number>();
  const whole = new Set<number>();
  const fields = new Map<string, Set<number>>();
  const field = (i: number, name: string) => {
    let s = fields.get(name);
    if (!s) fields.set(name, (s = new Set()));
    s.add(i);
  };
  const element = (t: Tenant, i: number): Tenant =>
    new Proxy(t, {
      get(target, prop, receiver) {
        if (typeof prop === 'string') field(i, prop);
        else whole.add(i);
        return Reflect.get(target, prop, receiver) as unknown;
      },
      has(target, prop) {
        whole.add(i);
        return Reflect.has(target, prop);
      },
      ownKeys(target) {
        whole.add(i);
        return Reflect.ownKeys(target);
      },
      getOwnPropertyDescriptor(target, prop) {
        whole.add(i);
        return Reflect.getOwnPropertyDescriptor(target, prop);
      },
    });
  const elements = tenants.map(element);
  const view = new Proxy(elements, {
    get(target, prop, receiver) {
      if (prop === 'length') length = true;
      else if (typeof prop === 'string' && /^\d+$/.test(prop)) at.add(Number(prop));
      return Reflect.get(target, prop, receiver) as unknown;
    },
    has(target, prop) {
      length = true;
      return Reflect.has(target, prop);
    },
    ownKeys(target) {
      length = true;
      return Reflect.ownKeys(target);
    },
  });
  return {
    view,
    reads: () => toReads(length, at, whole, fields),
  };
}

/** The small part of a remembered component, kept in the index. */
export interface IndexEntry {
  readonly environment: string;
  readonly reads: Reads;
  readonly seen: string;
  /** Size and CRC-32 of its file: a file that differs is not used. */
  readonly bytes: number;
  readonly crc: number;
}

/** The index: per `<environment>/<component>`, its entry. */
export interface MemoIndex {
  readonly version: number;
  readonly entries: Record<string, IndexEntry>;
}

/** What a component's file holds besides its texts. */
interface PayloadHead {
  readonly key: string;
  readonly names: readonly string[];
  readonly readmeNames: readonly string[];
  readonly digests: readonly string[];
  readonly routes: readonly Record<string, unknown>[];
  readonly values?: Record<string, unknown>;
  /** Length of each text, in UTF-16 units, in the order of `names`. */
  readonly lengths: readonly number[];
}

const memoDir = (root: string) => path.join(root, RECORD_DIR, MEMO_DIR);
const keyOf = (env: string, component: string) => `${env}/${component}`;
/** The file of one environment's component (names are DNS labels; encoded all the same). */
export const payloadFile = (root: string, key: string) =>
  path.join(memoDir(root), `${key.split('/').map(encodeURIComponent).join('.')}.bin`);

/** The index of the memory under a root, or an empty one. */
export function readIndex(root: string): MemoIndex {
  try {
    const stored = JSON.parse(fs.readFileSync(path.join(memoDir(root), INDEX), 'utf8')) as MemoIndex;
    if (stored.version === VERSION && stored.entries && typeof stored.entries === 'object') return stored;
  } catch {
    // Nothing remembered: every component is built.
  }
  return { version: VERSION, entries: {} };
}

export function writeIndex(root: string, index: MemoIndex): void {
  writeAtomic(path.join(memoDir(root), INDEX), JSON.stringify(index));
}

/** A component's file: a 4-byte length, its head (v8), then its texts one after another (UTF-8). */
export function encodePayload(key: string, files: ComponentFiles, values?: Record<string, unknown>): Buffer {
  const head: PayloadHead = {
    key,
    names: files.names,
    readmeNames: files.readmeNames,
    digests: files.digests,
    routes: files.routes,
    ...(values ? { values } : {}),
    lengths: files.yaml.map((y) => y.length),
  };
  const h = v8.serialize(head);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(h.length);
  return Buffer.concat([size, h, Buffer.from(files.yaml.join(''), 'utf8')]);
}

/** A component's parts from its file, or undefined when the file is not the one the entry names. */
export function decodePayload(key: string, entry: IndexEntry, data: Buffer): ComponentParts | undefined {
  if (data.length !== entry.bytes || zlib.crc32(data) !== entry.crc) return undefined;
  const size = data.readUInt32BE(0);
  const head = v8.deserialize(data.subarray(4, 4 + size)) as PayloadHead;
  if (head.key !== key) return undefined;
  const body = data.subarray(4 + size);
  // Mostly ASCII: then read as one-byte text, several times faster than decoding UTF-8.
  const text = isAscii(body) ? body.toString('latin1') : body.toString('utf8');
  const yaml: string[] = [];
  let at = 0;
  for (const n of head.lengths) {
    yaml.push(text.slice(at, at + n));
    at += n;
  }
  if (at !== text.length || yaml.length !== head.names.length) return undefined;
  const files: ComponentFiles = {
    names: head.names,
    readmeNames: head.readmeNames,
    yaml,
    digests: head.digests,
    routes: head.routes,
  };
  let objects: Record<string, unknown>[] | undefined;
  return {
    // Read back from the texts, only if asked for: synth needs only `files`.
    get objects() {
      return (objects ??= yaml.map((y) => parse(y) as Record<string, unknown>));
    },
    ...(head.values ? { values: head.values } : {}),
    files,
  };
}

/** Remembered components of one synth root, per environment and component. */
export class ComponentMemo {
  private readonly root: string;
  private readonly index: MemoIndex;
  private readonly entries: Map<string, IndexEntry>;
  /** Keys asked for in this run: every component of every environment (synth builds them all). */
  private readonly used = new Set<string>();
  /** Files of the components built in this run, written by `save`. */
  private readonly pending = new Map<string, { entry: Omit<IndexEntry, 'bytes' | 'crc'>; data: Buffer }>();
  private changed = false;
  /** Components taken from memory, and built, in this run. */
  recalled = 0;
  built = 0;

  constructor(root: string) {
    this.root = root;
    this.index = readIndex(root);
    this.entries = new Map(Object.entries(this.index.entries));
  }

  /** A remembered component's parts, when its entry's key and reads hold and its file matches. */
  private recall(key: string, environmentKey: string, tenants: readonly Tenant[]): ComponentParts | undefined {
    const known = this.entries.get(key);
    if (!known || known.environment !== environmentKey || readsDigest(known.reads, tenants) !== known.seen)
      return undefined;
    try {
      return decodePayload(key, known, fs.readFileSync(payloadFile(this.root, key)));
    } catch {
      return undefined; // missing or unreadable: built again
    }
  }

  /**
   * The component's parts: remembered when the environment key and the values of everything it
   * read of the tenants are unchanged, else built with `build` on a tracked list and remembered.
   */
  parts(
    env: string,
    environmentKey: string,
    component: string,
    tenants: readonly Tenant[],
    build: (tenants: readonly Tenant[]) => ComponentParts,
  ): ComponentParts {
    const key = keyOf(env, component);
    this.used.add(key);
    const recalled = this.recall(key, environmentKey, tenants);
    if (recalled) {
      this.recalled++;
      return recalled;
    }
    const tracked = trackedTenants(tenants);
    const built = build(tracked.view);
    this.built++;
    // Serialized once here, from the objects as built: a recall then writes its files without
    // serializing them again (toYaml is a function of the object alone).
    const files = built.files ?? componentFiles(built.objects);
    const parts: ComponentParts = { ...built, files };
    this.entries.delete(key);
    this.changed = true;
    let data: Buffer;
    try {
      // Encoded now: what is remembered is what was built, whatever the caller does with it.
      data = encodePayload(key, files, built.values);
    } catch {
      return parts; // parts that hold a tenant itself are not remembered
    }
    const reads = tracked.reads();
    this.pending.set(key, { entry: { environment: environmentKey, reads, seen: readsDigest(reads, tenants) }, data });
    return parts;
  }

  /** Writes what this run built; entries it did not ask for (environments or components gone) are dropped. */
  save(): void {
    for (const k of [...this.entries.keys()])
      if (!this.used.has(k)) {
        this.entries.delete(k);
        this.changed = true;
      }
    if (!this.changed) return;
    try {
      for (const [key, { entry, data }] of this.pending) {
        writeAtomic(payloadFile(this.root, key), data);
        this.entries.set(key, { ...entry, bytes: data.length, crc: zlib.crc32(data) });
      }
      writeIndex(this.root, { version: VERSION, entries: Object.fromEntries(this.entries) });
      const keep = new Set([INDEX, ...[...this.entries.keys()].map((k) => path.basename(payloadFile(this.root, k)))]);
      for (const f of fs.readdirSync(memoDir(this.root)))
        if (!keep.has(f)) fs.rmSync(path.join(memoDir(this.root), f), { force: true });
      fs.rmSync(path.join(this.root, RECORD_DIR, OLD_FILE), { force: true });
    } catch {
      // Unremembered: built again next time.
    }
  }
}
