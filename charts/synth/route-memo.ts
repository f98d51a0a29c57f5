/**
 * The route tables remembered across synth runs by what they are computed from. An environment's
 * table (routes.md, routes.json) is a function of the environment (its key: the compiler, its
 * settings and cluster outputs), the platform's own routes and every tenant's routes. Per tenant,
 * the memory keeps the digest of its entry and of its routes, so a run computes the routes only
 * of tenants whose entry changed; when every digest is as it was, the table is the one
 * remembered, known by its files' digests, and its text is made only if the output on disk does
 * not hold them already. Kept in `.synth-record/routes.v8`; a pure cache of a function of its
 * key, so it needs no agreement with the output on disk. `--fresh` computes everything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { RouteEntry } from '../config/routes';
import { writeAtomic } from '../lib/write-atomic';
import { digest, RECORD_DIR, stableJson } from './record';
import type { KnownFile, RememberRouteTable, RouteTableFiles } from './synthesize';
import { contentDigest } from './units';
import { tenantValueDigest } from '../config/tenants-cache';

const FILE = 'routes.v8';
/**
 * Tenants whose entry changed but not their routes, up to which a recalled table is not written
 * back: their routes are computed again next time, which costs less than writing the memory.
 */
const STALE_ENTRIES = 64;
/** Bumped when what is stored changes meaning. */
const VERSION = 1;

/** Digest of routes as the table sees them: everything but where they are declared. */
export function routesDigest(routes: readonly RouteEntry[]): string {
  return digest(stableJson(routes.map(({ field: _field, ...rest }) => rest)));
}

interface Entry {
  readonly environment: string;
  /** Per tenant name: the digest of its entry and of its routes. */
  readonly tenants: Map<string, readonly [string, string]>;
  /** Digest of everything the table was computed from. */
  readonly key: string;
  /** Content digests of the table's files. */
  readonly files: RouteTableFiles;
}

/** Remembered route tables of one synth root, per environment. */
export class RouteTableMemo {
  private readonly file: string;
  private readonly entries = new Map<string, Entry>();
  private readonly used = new Set<string>();
  private changed = false;
  /** Tables taken from memory, and computed, in this run. */
  recalled = 0;
  computed = 0;

  constructor(root: string) {
    this.file = path.join(root, RECORD_DIR, FILE);
    try {
      const stored = v8.deserialize(fs.readFileSync(this.file)) as { version: number; entries: [string, Entry][] };
      if (stored.version === VERSION) for (const [k, e] of stored.entries) this.entries.set(k, e);
    } catch {
      // Nothing remembered: every table is computed.
    }
  }

  /** How one environment's table is remembered. */
  forEnvironment(env: string, environmentKey: string): RememberRouteTable {
    return (view, render) => {
      this.used.add(env);
      const known = this.entries.get(env);
      const before = known?.environment === environmentKey ? known.tenants : undefined;
      const tenants = new Map<string, readonly [string, string]>();
      const parts = [environmentKey, routesDigest(view.own())];
      let stale = before !== undefined && before.size === view.tenants.length ? 0 : Infinity;
      for (const t of view.tenants) {
        const entry = tenantValueDigest(t); // computed once per tenant, or kept by the loader
        const was = before?.get(t.name);
        const routes = was && was[0] === entry ? was[1] : routesDigest(view.routes(t));
        if (!was || was[0] !== entry) stale++;
        tenants.set(t.name, [entry, routes]);
        parts.push(t.name, routes);
      }
      const key = digest(...parts);
      if (known && known.key === key) {
        this.recalled++;
        if (stale > STALE_ENTRIES || tenants.size !== view.tenants.length) {
          this.entries.set(env, { ...known, environment: environmentKey, tenants });
          this.changed = true;
        }
        let texts: RouteTableFiles | undefined;
        const file = (which: keyof RouteTableFiles): KnownFile => ({
          digest: known.files[which],
          content: () => (texts ??= render())[which],
        });
        return { md: file('md'), json: file('json') };
      }
      const texts = render();
      this.computed++;
      const files = { md: contentDigest(texts.md), json: contentDigest(texts.json) };
      this.entries.set(env, { environment: environmentKey, tenants, key, files });
      this.changed = true;
      return {
        md: { digest: files.md, content: () => texts.md },
        json: { digest: files.json, content: () => texts.json },
      };
    };
  }

  /** Writes what this run computed; environments it did not ask for are dropped. */
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
      // Unremembered: computed again next time.
    }
  }
}
