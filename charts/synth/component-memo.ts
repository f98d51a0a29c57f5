/**
 * Platform components remembered across synth runs by what they read of the tenant list. A
 * component's shared objects depend on the compiler, the environment (with its cluster outputs)
 * and the parts of the tenants it reads; while it is built, the tenants it sees record every
 * read (the list's length, an index, a tenant's field, or a whole tenant when it lists keys), and
 * the next run rebuilds it only when one of those values changed. Kept in
 * `.synth-record/components.v8`; a pure cache of a function of its key, so it needs no
 * agreement with the output on disk. `--fresh` builds everything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { Tenant } from '../config/load-tenants';
import { digest, RECORD_DIR, stableJson } from './record';
import { writeAtomic } from '../lib/write-atomic';
import { toYaml } from '../lib/serialize';

const FILE = 'components.v8';
/** Bumped when what is stored changes meaning. */
const VERSION = 1;

/** One read of the tenant list: `['length']`, `['at', i]`, `['field', i, name]` or `['whole', i]`. */
export type TenantRead = readonly ['length'] | readonly ['at' | 'whole', number] | readonly ['field', number, string];

/** A component's objects and Helm values as built, and the objects serialized (`toYaml`, one each). */
export interface BuiltParts {
  readonly objects: Record<string, unknown>[];
  readonly values?: Record<string, unknown>;
  readonly yaml?: readonly string[];
}

interface Entry extends BuiltParts {
  readonly environment: string;
  readonly reads: readonly TenantRead[];
  readonly seen: string;
}

/** The values of the reads on a tenant list, digested. */
export function readsDigest(reads: readonly TenantRead[], tenants: readonly Tenant[]): string {
  const values = reads.map((r) => {
    if (r[0] === 'length') return tenants.length;
    const t = tenants[r[1]] as unknown as Record<string, unknown> | undefined;
    if (r[0] === 'at') return t !== undefined;
    if (r[0] === 'whole') return t === undefined ? null : stableJson(t);
    return t === undefined ? null : stableJson(t[r[2] as string] ?? null);
  });
  return digest(stableJson(reads), stableJson(values));
}

/** The tenant list as a component sees it while built: every read is recorded. */
export function trackedTenants(tenants: readonly Tenant[]): { view: readonly Tenant[]; reads: () => TenantRead[] } {
  const seen = new Map<string, TenantRead>();
  const note = (r: TenantRead) => seen.set(r.join('\0'), r);
  const element = (t: Tenant, i: number): Tenant =>
    new Proxy(t, {
      get(target, prop, receiver) {
        note(typeof prop === 'string' ? ['field', i, prop] : ['whole', i]);
        return Reflect.get(target, prop, receiver) as unknown;
      },
      has(target, prop) {
        note(['whole', i]);
        return Reflect.has(target, prop);
      },
      ownKeys(target) {
        note(['whole', i]);
        return Reflect.ownKeys(target);
      },
      getOwnPropertyDescriptor(target, prop) {
        note(['whole', i]);
        return Reflect.getOwnPropertyDescriptor(target, prop);
      },
    });
  const elements = tenants.map(element);
  const view = new Proxy(elements, {
    get(target, prop, receiver) {
      if (prop === 'length') note(['length']);
      else if (typeof prop === 'string' && /^\d+$/.test(prop)) note(['at', Number(prop)]);
      return Reflect.get(target, prop, receiver) as unknown;
    },
    has(target, prop) {
      note(['length']);
      return Reflect.has(target, prop);
    },
    ownKeys(target) {
      note(['length']);
      return Reflect.ownKeys(target);
    },
  });
  return { view, reads: () => [...seen.values()] };
}

/** Remembered components of one synth root, per environment and component. */
export class ComponentMemo {
  private readonly file: string;
  private readonly entries = new Map<string, Entry>();
  /** Keys asked for in this run: every component of every environment (synth builds them all). */
  private readonly used = new Set<string>();
  private changed = false;
  /** Components taken from memory, and built, in this run. */
  recalled = 0;
  built = 0;

  constructor(root: string) {
    this.file = path.join(root, RECORD_DIR, FILE);
    try {
      const stored = v8.deserialize(fs.readFileSync(this.file)) as { version: number; entries: [string, Entry][] };
      if (stored.version === VERSION) for (const [k, e] of stored.entries) this.entries.set(k, e);
    } catch {
      // Nothing remembered: every component is built.
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
    build: (tenants: readonly Tenant[]) => BuiltParts,
  ): BuiltParts {
    const key = `${env}\0${component}`;
    this.used.add(key);
    const known = this.entries.get(key);
    if (known && known.environment === environmentKey && readsDigest(known.reads, tenants) === known.seen) {
      this.recalled++;
      return {
        objects: known.objects,
        ...(known.values ? { values: known.values } : {}),
        ...(known.yaml ? { yaml: known.yaml } : {}),
      };
    }
    const tracked = trackedTenants(tenants);
    const built = build(tracked.view);
    this.built++;
    let copy: BuiltParts;
    try {
      // What is remembered is a copy: the parts returned are this run's to use.
      copy = structuredClone(built);
    } catch {
      return built; // parts that hold a tenant itself are not remembered
    }
    // Serialized once here, from the objects as built: a recall then writes its files without
    // serializing them again (toYaml is a function of the object alone).
    const yaml = built.objects.map((o) => toYaml(o));
    const reads = tracked.reads();
    this.entries.set(key, { ...copy, yaml, environment: environmentKey, reads, seen: readsDigest(reads, tenants) });
    this.changed = true;
    return { ...built, yaml };
  }

  /** Writes what this run built; entries it did not ask for (environments or components gone) are dropped. */
  save(): void {
    for (const k of this.entries.keys())
      if (!this.used.has(k)) {
        this.entries.delete(k);
        this.changed = true;
      }
    if (!this.changed) return;
    try {
      writeAtomic(this.file, v8.serialize({ version: VERSION, entries: [...this.entries] }));
    } catch {
      // Unremembered: built again next time.
    }
  }
}
