import { describe, expect, it } from 'vitest';
import { canonicalJson, fieldChanges, shortValue } from '../../scripts/diff/field-diff';

describe('fieldChanges', () => {
  it('names a changed leaf by its full path, with bracketed keys that are not identifiers', () => {
    const before = {
      spec: {
        ingress: [
          {
            from: [
              { podSelector: {} },
              { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
            ],
          },
        ],
      },
    };
    const after = structuredClone(before);
    after.spec.ingress[0].from[1].namespaceSelector!.matchLabels['kubernetes.io/metadata.name'] = 'tenant-beta';
    expect(fieldChanges(before, after)).toEqual([
      {
        path: 'spec.ingress[0].from[1].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]',
        change: 'changed',
        before: 'monitoring',
        after: 'tenant-beta',
      },
    ]);
  });

  it('reports added and removed keys with their values', () => {
    expect(fieldChanges({ a: 1, b: { c: 2 } }, { a: 1, d: [3] })).toEqual([
      { path: 'b', change: 'removed', before: { c: 2 } },
      { path: 'd', change: 'added', after: [3] },
    ]);
  });

  it('reads an element inserted in the middle of a list as one addition, not a change of every later element', () => {
    const rule = (ns: string) => ({ to: [{ namespaceSelector: { matchLabels: { name: ns } } }] });
    expect(
      fieldChanges(
        { egress: [rule('a'), rule('b'), rule('c')] },
        { egress: [rule('a'), rule('x'), rule('b'), rule('c')] },
      ),
    ).toEqual([{ path: 'egress[1]', change: 'added', after: rule('x') }]);
    expect(fieldChanges({ egress: [rule('a'), rule('b'), rule('c')] }, { egress: [rule('a'), rule('c')] })).toEqual([
      { path: 'egress[1]', change: 'removed', before: rule('b') },
    ]);
  });

  it('compares an element that changed in place field by field', () => {
    expect(
      fieldChanges(
        { ports: [{ port: 53, protocol: 'UDP' }, { port: 443 }] },
        { ports: [{ port: 53, protocol: 'TCP' }, { port: 443 }] },
      ),
    ).toEqual([{ path: 'ports[0].protocol', change: 'changed', before: 'UDP', after: 'TCP' }]);
  });

  it('finds nothing between values that differ only in key order, and a type change as one change', () => {
    expect(fieldChanges({ a: 1, b: 2 }, { b: 2, a: 1 })).toEqual([]);
    expect(fieldChanges({ a: '1' }, { a: 1 })).toEqual([{ path: 'a', change: 'changed', before: '1', after: 1 }]);
    expect(fieldChanges({ a: [1] }, { a: { x: 1 } })).toEqual([
      { path: 'a', change: 'changed', before: [1], after: { x: 1 } },
    ]);
  });
});

describe('value helpers', () => {
  it('writes canonical JSON with sorted keys and cuts long values', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    expect(shortValue('x'.repeat(200), 10)).toBe(`"${'x'.repeat(8)}…`);
  });
});
