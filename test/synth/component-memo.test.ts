/** What a platform component read of the tenant list, recorded while it is built (charts/synth/component-memo.ts). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../charts/config/load-tenants';
import * as zlib from 'node:zlib';
import {
  compactReads,
  ComponentMemo,
  payloadFile,
  readIndex,
  readsDigest,
  type TenantRead,
  trackedTenants,
  writeIndex,
} from '../../charts/synth/component-memo';
import { contentDigest } from '../../charts/synth/units';
import { toYaml } from '../../charts/lib/serialize';

const tenants = [
  { name: 'alpha', displayName: 'Ålpha ✓', quota: { pods: 10 } },
  { name: 'beta', displayName: 'Beta', quota: { pods: 20 } },
] as unknown as Tenant[];

describe('tracked tenants', () => {
  it('records the length, each index, each field and whole tenants, and their values make the digest', () => {
    const t = trackedTenants(tenants);
    const names = t.view.map((x) => x.name);
    expect(names).toEqual(['alpha', 'beta']);
    expect(t.reads()).toEqual({ length: true, at: [0, 2], whole: [], fields: { name: [0, 2] } });
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
    expect(t.reads().whole).toEqual([0, 1]);
    const changed = structuredClone(tenants);
    (changed[0] as unknown as { quota: { pods: number } }).quota.pods = 11;
    expect(readsDigest(t.reads(), changed)).not.toBe(readsDigest(t.reads(), tenants));
    const k = trackedTenants(tenants);
    void Object.keys(k.view[1]);
    void ('quota' in k.view[1]);
    expect(k.reads()).toEqual({ length: false, at: [1, 2], whole: [1, 2], fields: {} });
  });
});

describe('reads as ranges', () => {
  it('keeps the indexes of each kind of read as [from, to) pairs, whatever the order of the reads', () => {
    const list: TenantRead[] = [
      ['field', 4, 'name'],
      ['field', 0, 'name'],
      ['field', 1, 'name'],
      ['field', 2, 'name'],
      ['whole', 7],
      ['at', 3],
      ['length'],
    ];
    expect(compactReads(list)).toEqual({ length: true, at: [3, 4], whole: [7, 8], fields: { name: [0, 3, 4, 5] } });
    expect(compactReads([...list].reverse())).toEqual(compactReads(list));
  });

  it('digests the value of every read: one in the middle of a range, and a tenant gone', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ name: `t${i}`, quota: { pods: i } })) as unknown as Tenant[];
    const reads = compactReads(many.map((_, i): TenantRead => ['field', i, 'name']));
    expect(reads.fields).toEqual({ name: [0, 50] });
    const same = readsDigest(reads, many);
    const changed = structuredClone(many);
    (changed[25] as unknown as { name: string }).name = 'other';
    expect(readsDigest(reads, changed)).not.toBe(same);
    expect(readsDigest(reads, many.slice(0, 49)), 'the last tenant gone').not.toBe(same);
    const quota = structuredClone(many);
    (quota[25] as unknown as { quota: { pods: number } }).quota.pods = 99;
    expect(readsDigest(reads, quota), 'a field it never read').toBe(same);
    // A read of another field with the same values is another read.
    const other = compactReads(many.map((_, i): TenantRead => ['field', i, 'displayName']));
    expect(readsDigest(other, many)).not.toBe(readsDigest({ ...other, fields: {} }, many));
  });
});

describe('component memo', () => {
  const build = (ts: readonly Tenant[]) => ({
    // Texts in UTF-8 (a display name) and in ASCII are read back alike.
    objects: ts.map((t) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: t.name },
      data: { a: 'b', shown: t.displayName },
    })),
    values: { replicas: ts.length },
  });

  it("remembers each object's YAML and digest, and a recall returns them and reads the objects back", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'component-memo-'));
    try {
      const first = new ComponentMemo(root);
      const built = first.parts('dev', 'key', 'realm', tenants, build);
      expect(first.built).toBe(1);
      expect(built.files!.yaml).toEqual(built.objects.map((o) => toYaml(o)));
      expect(built.files!.digests).toEqual(built.files!.yaml.map(contentDigest));
      first.save();
      const second = new ComponentMemo(root);
      const recalled = second.parts('dev', 'key', 'realm', tenants, build);
      expect([second.recalled, second.built]).toEqual([1, 0]);
      expect(recalled.files).toEqual(built.files);
      expect(recalled.values).toEqual({ replicas: 2 });
      expect(recalled.objects).toEqual(built.objects);
      const ascii = second.parts('dev', 'key', 'plain', tenants, (ts) => ({ objects: build(ts).objects.slice(1) }));
      second.save();
      const third = new ComponentMemo(root);
      expect(third.parts('dev', 'key', 'plain', tenants, build).files).toEqual(ascii.files);
      expect(third.parts('dev', 'key', 'realm', tenants, build).files).toEqual(built.files);
      expect([third.recalled, third.built]).toEqual([2, 0]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('writes only the components built, and deletes those a run did not ask for', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'component-memo-'));
    try {
      const first = new ComponentMemo(root);
      first.parts('dev', 'key', 'realm', tenants, build);
      first.parts('dev', 'key', 'gone', tenants, build);
      first.save();
      const realm = payloadFile(root, 'dev/realm');
      const written = fs.statSync(realm).mtimeMs;
      fs.utimesSync(realm, 0, 0);
      const second = new ComponentMemo(root);
      second.parts('dev', 'key', 'realm', tenants, build);
      second.parts('dev', 'key', 'new', tenants, build);
      second.save();
      expect(written).toBeGreaterThan(0);
      expect(fs.statSync(realm).mtimeMs, 'a recalled component is not written again').toBe(0);
      expect(fs.existsSync(payloadFile(root, 'dev/gone'))).toBe(false);
      expect(Object.keys(readIndex(root).entries).sort()).toEqual(['dev/new', 'dev/realm']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('builds again when its file is damaged, missing or not the one its index entry names', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'component-memo-'));
    try {
      const first = new ComponentMemo(root);
      for (const c of ['a', 'b', 'c', 'd']) first.parts('dev', 'key', c, tenants, build);
      first.save();
      const a = fs.readFileSync(payloadFile(root, 'dev/a'));
      a[a.length - 3] ^= 1;
      fs.writeFileSync(payloadFile(root, 'dev/a'), a);
      fs.rmSync(payloadFile(root, 'dev/b'));
      const index = readIndex(root);
      // c's file under d's name, d's entry made to match it: the file names another component.
      const c = fs.readFileSync(payloadFile(root, 'dev/c'));
      fs.writeFileSync(payloadFile(root, 'dev/d'), c);
      index.entries['dev/d'] = { ...index.entries['dev/d'], bytes: c.length, crc: zlib.crc32(c) };
      // c's entry stale: another CRC than its file's.
      index.entries['dev/c'] = { ...index.entries['dev/c'], crc: (index.entries['dev/c'].crc + 1) >>> 0 };
      writeIndex(root, index);
      const second = new ComponentMemo(root);
      for (const k of ['a', 'b', 'c', 'd'])
        expect(second.parts('dev', 'key', k, tenants, build).files!.yaml).toEqual(
          build(tenants).objects.map((o) => toYaml(o)),
        );
      expect([second.recalled, second.built]).toEqual([0, 4]);
      second.save();
      const third = new ComponentMemo(root);
      for (const k of ['a', 'b', 'c', 'd']) third.parts('dev', 'key', k, tenants, build);
      expect([third.recalled, third.built], 'the files written again are used').toEqual([4, 0]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
