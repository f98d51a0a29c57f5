/** What a platform component read of the tenant list, recorded while it is built (charts/synth/component-memo.ts). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../charts/config/load-tenants';
import { ComponentMemo, readsDigest, trackedTenants } from '../../charts/synth/component-memo';
import { toYaml } from '../../charts/lib/serialize';

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

describe('component memo', () => {
  it("remembers each object's YAML with it, and a recall returns both", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'component-memo-'));
    try {
      const build = (ts: readonly Tenant[]) => ({
        objects: ts.map((t) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: t.name }, data: { a: 'b' } })),
      });
      const first = new ComponentMemo(root);
      const built = first.parts('dev', 'key', 'realm', tenants, build);
      expect(first.built).toBe(1);
      expect(built.yaml).toEqual(built.objects.map((o) => toYaml(o)));
      first.save();
      const second = new ComponentMemo(root);
      const recalled = second.parts('dev', 'key', 'realm', tenants, build);
      expect([second.recalled, second.built]).toEqual([1, 0]);
      expect(recalled.objects).toEqual(built.objects);
      expect(recalled.yaml).toEqual(built.yaml);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
