/** Reading the output once for every gate: parsing, shared objects for equal files, errors. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseDocuments, readOutput, YamlDigests } from '../../scripts/kube/manifests';
import { ParseCache } from '../../scripts/kube/parse-cache';
import { outputRecord, unitOf } from '../../scripts/kube/record';
import { copiesPerTest, withMemory } from './fixture';

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

  it('fails on every unreadable file at once, naming each, when the objects are first read', () => {
    const copy = freshCopy();
    copy.write('dist/dev/platform/broken-a.yaml', 'a: [1, 2\n');
    copy.write('dist/prod/platform/broken-b.yaml', 'b: {\n');
    let message = '';
    // Reading the output only lists and hashes the files; the documents are parsed on first use.
    const output = copy.output();
    try {
      void output.environments[1].manifests;
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

  it('parses files with the same bytes once, and records which files those are', async () => {
    const copy = freshCopy();
    const output = await withMemory('off', () => {
      const o = copy.output();
      void o.environments[0].manifests;
      return o;
    });
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

  it('looks up YAML digests by absolute path in the record, and lists the YAML files only', () => {
    const all = new Map([
      ['argocd/dev/README.md', 'r'],
      ['dist/dev/a.yaml', 'a'],
      ['dist/dev/b.yml', 'b'],
      ['dist/dev/c.json', 'c'],
    ]);
    const digests = new YamlDigests('/repo/', all);
    expect(digests.get('/repo/dist/dev/a.yaml')).toBe('a');
    expect(digests.get('/repo/dist/dev/b.yml')).toBe('b');
    // Not YAML, not under the root, or not in the record: no digest, as a listing would have none.
    expect(digests.get('/repo/dist/dev/c.json')).toBeUndefined();
    expect(digests.get('/repo/argocd/dev/README.md')).toBeUndefined();
    expect(digests.get('/other/dist/dev/a.yaml')).toBeUndefined();
    expect(digests.has('/repo/dist/dev/z.yaml')).toBe(false);
    expect([...digests]).toEqual([
      ['/repo/dist/dev/a.yaml', 'a'],
      ['/repo/dist/dev/b.yml', 'b'],
    ]);
    expect(digests.size).toBe(2);
    expect([...digests.keys()].every((k) => digests.get(k) === all.get(k.slice('/repo/'.length)))).toBe(true);
  });

  it('groups files by tenant and environment, the rest shared, with keys that follow their contents', () => {
    expect(unitOf('dist/dev/tenants/alpha/workloads/agent-triage.yaml')).toBe('dev/alpha');
    expect(unitOf('dist/dev/tenants/README.md')).toBeUndefined();
    expect(unitOf('dist/dev/platform/gateway/gateway-agentgateway.yaml')).toBeUndefined();
    expect(unitOf('argocd/dev/projects/appproject-guardrails-alpha.yaml')).toBeUndefined();
    const copy = freshCopy();
    const before = outputRecord(copy.root);
    expect(before.units.get('prod/alpha')!.files.size).toBeGreaterThan(5);
    const file = 'dist/prod/tenants/alpha/resourcequota-tenant-quota.yaml';
    copy.write(file, `${fs.readFileSync(path.join(copy.root, file), 'utf8')}# changed\n`);
    const after = outputRecord(copy.root);
    expect(after.units.get('prod/alpha')!.key).not.toBe(before.units.get('prod/alpha')!.key);
    expect(after.units.get('dev/alpha')!.key).toBe(before.units.get('dev/alpha')!.key);
    expect(after.globalKey).toBe(before.globalKey);
  });

  it('remembers parsed directories by their files: the same objects as a parse, and a changed file parsed again', () => {
    const copy = freshCopy();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'parsed-'));
    try {
      const read = (cache: ParseCache) =>
        readOutput(copy.root, undefined, { cache }).environments.flatMap((e) => e.manifests);
      const fresh = new ParseCache(home, { VALIDATE_CACHE: 'off' });
      const first = new ParseCache(home, {});
      expect(read(first)).toEqual(read(fresh));
      expect(first.parsed).toBeGreaterThan(0);
      const file = 'dist/dev/tenants/alpha/resourcequota-tenant-quota.yaml';
      copy.write(file, fs.readFileSync(path.join(copy.root, file), 'utf8').replace(/pods: "\d+"/, 'pods: "77"'));
      const second = new ParseCache(home, {});
      const again = read(second);
      expect(second.parsed).toBe(1);
      expect(second.remembered).toBe(first.parsed - 1 + first.remembered);
      expect(again).toEqual(read(new ParseCache(home, { VALIDATE_CACHE: 'off' })));
      expect(again.find((m) => m.file === file)!.object.spec.hard.pods).toBe('77');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
