/**
 * A unit of incremental synth: one tenant in one environment. Its files depend only on the
 * compiler, the environment (with its cluster outputs), the tenant's entry and the route segments
 * of the tenants it names; `unitKey` digests the first three, `TrackedSegments` records the last.
 */
import { createHash } from 'node:crypto';
import type { Tenant } from '../config/load-tenants';
import { tenantValueDigest } from '../config/tenants-cache';
import { digest, stableJson } from './record';
import { MapView } from '../lib/map-view';

/** Route segments by tenant name that remember which names were read. */
export class TrackedSegments extends MapView {
  private readonly read = new Map<string, string | null>();
  private walked = false;
  constructor(private readonly segments: ReadonlyMap<string, string>) {
    super();
  }

  get(name: string): string | undefined {
    const v = this.segments.get(name);
    this.read.set(name, v ?? null);
    return v;
  }
  protected whole(): ReadonlyMap<string, string> {
    this.walked = true;
    return this.segments;
  }

  /**
   * What was read, sorted: name → segment (null when absent). A walk over the whole map is one
   * entry `*` holding the digest of all of it.
   */
  reads(): [string, string | null][] {
    const out: [string, string | null][] = [...this.read.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    if (this.walked) out.unshift(['*', segmentsDigest(this.segments)]);
    return out;
  }
}

/** Digest of a whole segments map. */
export function segmentsDigest(segments: ReadonlyMap<string, string>): string {
  return digest(stableJson(new Map(segments)));
}

/** Whether the segments a unit read are still what they were. */
export function readsHold(
  reads: readonly (readonly [string, string | null])[],
  segments: ReadonlyMap<string, string>,
  whole: () => string,
): boolean {
  for (const [name, value] of reads) {
    if (name === '*') {
      if (whole() !== value) return false;
    } else if ((segments.get(name) ?? null) !== value) return false;
  }
  return true;
}

/**
 * The key of a unit: the environment's key and the tenant's entry as loaded. Its line and index in
 * tenants.yaml are left out: no file depends on them (test/synth/incremental.test.ts), and moving
 * an entry must not recompile every tenant after it. The loader keeps each entry's digest with
 * its cache, so a run serializes only the tenants whose entries changed.
 */
export function unitKey(environmentKey: string, tenant: Tenant): string {
  return digest(environmentKey, tenantValueDigest(tenant));
}

/** Hex SHA-256 of a file's content, as the synth record keeps a shared file's. */
export function contentDigest(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Accumulates the digest of a unit's files (paths and contents, in the order produced). */
export class ContentDigest {
  private readonly h = createHash('sha256');
  add(p: string, content: string): void {
    this.h.update(p);
    this.h.update('\0');
    this.h.update(String(Buffer.byteLength(content)));
    this.h.update('\0');
    this.h.update(content);
  }
  value(): string {
    return this.h.digest('hex');
  }
}
