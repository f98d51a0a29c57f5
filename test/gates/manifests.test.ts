/** Reading the output once for every gate: parsing, shared objects for equal files, errors. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseDocuments } from '../../scripts/kube/manifests';
import { copiesPerTest } from './fixture';

const freshCopy = copiesPerTest();

describe('reading the output', () => {
  it('parses the documents of a file, skipping empty ones, as yaml does', () => {
    const text =
      '# a comment\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  on: "yes"\n  n: 010\n  when: 2024-01-01\n  t: true\n---\n';
    const expected = parseAllDocuments(text)
      .map((d) => d.toJS())
      .filter((o) => o !== null && o !== undefined);
    expect(parseDocuments(text)).toEqual({ objects: expected });
    expect(parseDocuments(text).objects).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', data: { on: 'yes', n: 10, when: '2024-01-01', t: true } },
    ]);
  });

  it("names the problem of a file it cannot parse with yaml's message", () => {
    const text = 'kind: ConfigMap\nmetadata:\n  name: a\n  name: b\n';
    const [doc] = parseAllDocuments(text);
    expect(parseDocuments(text)).toEqual({ objects: [], error: doc.errors[0].message });
    expect(doc.errors[0].message).toMatch(/^Map keys must be unique at line 4, column 3/);
  });

  it('fails on every unreadable file at once, naming each', () => {
    const copy = freshCopy();
    copy.write('dist/dev/platform/broken-a.yaml', 'a: [1, 2\n');
    copy.write('dist/prod/platform/broken-b.yaml', 'b: {\n');
    let message = '';
    try {
      copy.output();
    } catch (e) {
      message = (e as Error).message;
    }
    const named = message.split('\n').filter((l) => /^dist\//.test(l));
    expect(named.map((l) => l.split(':')[0])).toEqual([
      'dist/dev/platform/broken-a.yaml',
      'dist/prod/platform/broken-b.yaml',
    ]);
    expect(named[0]).toMatch(/^dist\/dev\/platform\/broken-a\.yaml: .*flow sequence/i);
  });

  it('parses files with the same bytes once, and records which files those are', () => {
    const copy = freshCopy();
    const output = copy.output();
    const [dev, prod] = output.environments;
    const devNs = dev.manifests.find((m) => m.file === 'dist/dev/tenants/alpha/namespace-tenant-alpha.yaml')!;
    const prodNs = prod.manifests.find((m) => m.file === 'dist/prod/tenants/alpha/namespace-tenant-alpha.yaml')!;
    const digest = (m: { file: string }) => output.digests.get(path.join(copy.root, m.file));
    expect(digest(devNs)).toBe(digest(prodNs));
    expect(devNs.object).toBe(prodNs.object);
    // A file that differs between the environments is parsed for each.
    const counterpart = (m: { file: string }) =>
      prod.manifests.find((p) => p.file === m.file.replace('dist/dev/', 'dist/prod/'));
    const differing = dev.manifests.filter((m) => counterpart(m) && digest(m) !== digest(counterpart(m)!));
    expect(differing.length).toBeGreaterThan(0);
    for (const m of differing) expect(m.object).not.toBe(counterpart(m)!.object);
    expect(output.digests.size).toBe(dev.files.length + prod.files.length);
  });
});
