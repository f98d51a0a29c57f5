/** What a platform component read of the tenant list, recorded while it is built (charts/synth/component-memo.ts). */
import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../charts/config/load-tenants';
import { readsDigest, trackedTenants } from '../../charts/synth/component-memo';

const tenants = [
  { name: 'alpha', displayName: 'Alpha', quota: { pods: 10 } },
  { name: 'beta', displayName: 'Beta', quota: { pods: 20 } },
] as unknown as Tenant[];

describe('tracked tenants', () => {
  it('records the length, each index, each field and whole tenants, and their values make the digest', () => {
    const t = trackedTenants(tenants);
    const names = t.view.map((x) => x.name);
    expect(names).toEqual(['alpha', 'beta']);
    expect(t.reads()).toEqual([['length'], ['at', 0], ['field', 0, 'name'], ['at', 1], ['field', 1, 'name']]);
    const reads = t.reads();
    const same = readsDigest(reads, tenants);
    const renamedQuota = structuredClone(tenants);
    (renamedQuota[1] as unknown as { quota: { pods: number } }).quota.pods = 99;
    expect(readsDigest(reads, renamedQuota), 'a field it never read').toBe(same);
    const renamed = structuredClone(tenants);
    (renamed[1] as unknown as { name: string }).name = 'gamma';
    expect(readsDigest(reads, renamed), 'a field it read').not.toBe(same);
    expect(readsDigest(reads, tenants.slice(0, 1)), 'the length it read').not.toBe(same);
  });

  it('counts listing a tenant, or serializing it, as reading all of it', () => {
    const t = trackedTenants(tenants);
    JSON.stringify(t.view[0]);
    expect(t.reads()).toContainEqual(['whole', 0]);
    const changed = structuredClone(tenants);
    (changed[0] as unknown as { quota: { pods: number } }).quota.pods = 11;
    expect(readsDigest(t.reads(), changed)).not.toBe(readsDigest(t.reads(), tenants));
    const k = trackedTenants(tenants);
    void Object.keys(k.view[1]);
    void ('quota' in k.view[1]);
    expect(k.reads()).toEqual([
      ['at', 1],
      ['whole', 1],
    ]);
  });
});
