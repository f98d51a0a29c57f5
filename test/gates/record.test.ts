/** The output's record by tenant and shared files (scripts/kube/record.ts). */
import { describe, expect, it } from 'vitest';
import { keyOf, recordOf, unitOf } from '../../scripts/kube/record';

/** The record by its definition: each file's unit by unitOf, each key over its files in any order. */
function reference(digests: ReadonlyMap<string, string>) {
  const units = new Map<string, Map<string, string>>();
  const shared = new Map<string, string>();
  for (const [f, d] of digests) {
    const u = unitOf(f);
    if (u === undefined) shared.set(f, d);
    else units.set(u, (units.get(u) ?? new Map()).set(f, d));
  }
  const sorted = (m: ReadonlyMap<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    shared: sorted(shared),
    units: [...units].map(([u, f]) => [u, sorted(f)] as const).sort(([a], [b]) => (a < b ? -1 : 1)),
  };
}

/** A small random generator (mulberry32), so that a failure can be replayed by its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('recordOf', () => {
  // Tenant names whose folders sort between each other's files: 'a-b/' < 'a/' < 'ab/'.
  const tenants = ['a', 'a-b', 'ab', 'b'];
  const leaves = ['x.yaml', 'README.md', 'sub/y.yaml', 'a/z.yaml'];
  const sharedFiles = [
    'dist/dev/platform/p.yaml',
    'dist/dev/tenants/README.md',
    'argocd/dev/app.yaml',
    'dist/dev/tenants/a.yaml',
  ];

  it('groups files in path order or any other order as unitOf does, with keys independent of order', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const files = [
        ...sharedFiles.filter(() => rnd() < 0.5),
        ...['dev', 'prod'].flatMap((env) =>
          tenants.flatMap((t) => leaves.filter(() => rnd() < 0.6).map((l) => `dist/${env}/tenants/${t}/${l}`)),
        ),
      ];
      const digests = files.map((f, i) => [f, `${seed}-${i}`] as const);
      const sortedIn = new Map([...digests].sort(([a], [b]) => (a < b ? -1 : 1)));
      const shuffled = new Map([...digests].sort(() => rnd() - 0.5));
      const want = reference(sortedIn);
      for (const input of [sortedIn, shuffled]) {
        const r = recordOf(input);
        expect([...r.shared].sort(([a], [b]) => (a < b ? -1 : 1))).toEqual(want.shared);
        expect(
          [...r.units]
            .map(([u, x]) => [u, [...x.files].sort(([a], [b]) => (a < b ? -1 : 1))] as const)
            .sort(([a], [b]) => (a < b ? -1 : 1)),
        ).toEqual(want.units);
        for (const [u, x] of r.units) expect(x.key).toBe(keyOf(new Map(want.units.find(([n]) => n === u)![1])));
        expect([...r.all.keys()]).toEqual([...sortedIn.keys()]);
      }
    }
  });

  it('keys the same files the same in any order, and other files otherwise', () => {
    const files: [string, string][] = [
      ['b', '1'],
      ['a', '2'],
      ['a-b', '3'],
    ];
    expect(keyOf(files)).toBe(keyOf([...files].reverse()));
    expect(keyOf(files)).not.toBe(
      keyOf([
        ['b', '1'],
        ['a', '2'],
        ['a-b', '4'],
      ]),
    );
  });
});
