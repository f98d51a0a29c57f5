import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tenantErrors } from '../helpers';
import { loadTenants } from '../../charts/config/load-tenants';
import { ConfigError, decodeSource } from '../../charts/config/source-errors';

const ROOT = path.resolve(__dirname, '..', '..');

const errorsOf = tenantErrors;

describe('loadTenants', () => {
  it('loads the example registry with platform defaults applied', () => {
    const tenants = loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8'));
    expect(tenants.map((t) => t.name)).toEqual(['alpha', 'beta', 'research']);
    const alpha = tenants[0];
    expect(alpha.namespace).toBe('tenant-alpha');
    expect(alpha.quota).toEqual({
      'requests.cpu': '8',
      'requests.memory': '16Gi',
      'limits.cpu': '16',
      'limits.memory': '32Gi',
      pods: '20',
      services: '10',
      secrets: '20',
      configmaps: '20',
      'services.nodeports': '0',
      'services.loadbalancers': '0',
    });
    expect(alpha.limits).toEqual({
      default: { cpu: '200m', memory: '256Mi' },
      defaultRequest: { cpu: '50m', memory: '64Mi' },
    });
    expect(alpha.subjects).toEqual([{ kind: 'Group', name: 'tenant-alpha-developers' }]);
  });

  it('applies overrides key by key and keeps the other defaults', () => {
    const [t] = loadTenants(
      'tenants:\n  - name: big\n    quota:\n      pods: 50\n      limits.cpu: 20\n    limits:\n      default: {memory: 1Gi}\n',
    );
    expect(t.quota.pods).toBe('50');
    expect(t.quota['limits.cpu']).toBe('20');
    expect(t.quota['requests.cpu']).toBe('8');
    expect(t.limits.default).toEqual({ cpu: '200m', memory: '1Gi' });
  });

  it('places service-account owners in the tenant namespace', () => {
    const [t] = loadTenants('tenants:\n  - name: a\n    owners:\n      - {kind: ServiceAccount, name: ci}\n');
    expect(t.subjects[1]).toEqual({ kind: 'ServiceAccount', name: 'ci', namespace: 'tenant-a' });
  });

  it('reads the quota example of the tenant guide, "9. Limits and quota", as it says', () => {
    const guide = fs.readFileSync(path.join(ROOT, 'docs', 'tenant-guide.md'), 'utf8');
    const section = guide.slice(guide.indexOf('## 9. Limits and quota'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const [t] = loadTenants(block);
    expect(t.name).toBe('gamma');
    expect(t.quota['requests.cpu']).toBe('16');
    expect(t.quota['requests.memory']).toBe('16Gi');
    expect(t.limits.default).toEqual({ cpu: '500m', memory: '512Mi' });
  });

  it('records the line of each tenant', () => {
    const t = loadTenants('tenants:\n  - name: a\n\n  - name: b\n');
    expect(t.map((x) => x.line)).toEqual([2, 4]);
  });
});

describe('loadTenants errors (one class of bad input per test, exact messages)', () => {
  it('duplicate tenant name', () => {
    expect(errorsOf('tenants:\n  - name: a\n  - name: a\n')).toEqual([
      'tenants.yaml:3:11: tenants[1].name: duplicate tenant name "a" (first declared at line 2). Fix: give each tenant a unique name, or merge the two entries',
    ]);
  });

  it('name that is not a DNS label', () => {
    expect(errorsOf('tenants:\n  - name: Team_A\n')).toEqual([
      `tenants.yaml:2:11: tenants[0].name: "Team_A" is not a DNS-1123 label. Fix: use lower-case letters, digits and '-', starting and ending with a letter or digit`,
    ]);
  });

  it('name too long for tenant-<name>', () => {
    const name = 'a'.repeat(57);
    expect(errorsOf(`tenants:\n  - name: ${name}\n`)).toEqual([
      `tenants.yaml:2:11: tenants[0].name: "${name}" is 57 characters; the namespace tenant-${name} would exceed 63. Fix: shorten the name to at most 56 characters`,
    ]);
    expect(() => loadTenants(`tenants:\n  - name: ${'a'.repeat(56)}\n`)).not.toThrow();
  });

  it('unknown key', () => {
    expect(errorsOf('tenants:\n  - name: a\n    colour: blue\n')).toEqual([
      'tenants.yaml:3:5: tenants[0].colour: unknown key "colour". Fix: remove it or use one of: name, displayName, description, owners, quota, limits, observability, alias, guards, agents, models, mcpServers, sandboxes, sandboxRouter, llmBackends',
    ]);
    expect(errorsOf('tenants:\n  - name: a\n    quota:\n      cpu: 2\n')).toEqual([
      'tenants.yaml:4:7: tenants[0].quota.cpu: unknown key "cpu". Fix: remove it or use one of: requests.cpu, requests.memory, limits.cpu, limits.memory, requests.storage, persistentvolumeclaims, pods, services, secrets, configmaps, services.nodeports, services.loadbalancers',
    ]);
  });

  it('an unknown key close to an allowed one (edit distance) says which it probably is', () => {
    expect(errorsOf('tenants:\n  - name: a\n    quotas: {}\n')).toEqual([
      'tenants.yaml:3:5: tenants[0].quotas: unknown key "quotas" (did you mean "quota"?). Fix: rename it to quota',
    ]);
    expect(errorsOf('tenants:\n  - name: a\n    DisplayName: A\n')).toEqual([
      'tenants.yaml:3:5: tenants[0].DisplayName: unknown key "DisplayName" (did you mean "displayName"?). Fix: rename it to displayName',
    ]);
    expect(errorsOf('tenants:\n  - name: a\n    limits: {defualt: {cpu: 1}}\n')).toEqual([
      'tenants.yaml:3:14: tenants[0].limits.defualt: unknown key "defualt" (did you mean "default"?). Fix: rename it to default',
    ]);
  });

  it('a misspelt required key is one error, not also a missing one', () => {
    expect(errorsOf('tenants:\n  - nme: a\n')).toEqual([
      'tenants.yaml:2:5: tenants[0].nme: unknown key "nme" (did you mean "name"?). Fix: rename it to name',
    ]);
  });

  it('wrong type', () => {
    expect(errorsOf('tenants:\n  - name: a\n    owners: alice\n')).toEqual([
      'tenants.yaml:3:13: tenants[0].owners: expected a list, got string "alice". Fix: write a YAML list (- item) here',
    ]);
    expect(errorsOf('tenants:\n  - name: 7\n')).toEqual([
      'tenants.yaml:2:11: tenants[0].name: expected a string, got number 7. Fix: write a string here',
    ]);
  });

  it('missing required key', () => {
    expect(errorsOf('tenants:\n  - displayName: A\n')).toEqual([
      'tenants.yaml:2:5: tenants[0].name: required key "name" is missing. Fix: add name: <string>',
    ]);
  });

  it('bad quantity', () => {
    expect(errorsOf('tenants:\n  - name: a\n    quota:\n      requests.memory: 16GB\n')).toEqual([
      'tenants.yaml:4:24: tenants[0].quota["requests.memory"]: "16GB" is not a Kubernetes quantity. Fix: write a number with an optional suffix, such as 500m, 2, 512Mi or 16Gi',
    ]);
    expect(errorsOf('tenants:\n  - name: a\n    quota:\n      requests.cpu: true\n')).toEqual([
      'tenants.yaml:4:21: tenants[0].quota["requests.cpu"]: expected a Kubernetes quantity such as 500m, 2 or 16Gi, got boolean true. Fix: write a quantity: a number with an optional suffix (m, Ki, Mi, Gi, k, M, G)',
    ]);
  });

  it('negative counts', () => {
    expect(errorsOf('tenants:\n  - name: a\n    quota:\n      pods: -1\n')).toEqual([
      'tenants.yaml:4:13: tenants[0].quota.pods: -1 is below the minimum 0. Fix: use 0 or more',
    ]);
  });

  it('limits below requests, naming the overridden side and the platform default', () => {
    expect(errorsOf('tenants:\n  - name: a\n    quota:\n      requests.cpu: 20\n')).toEqual([
      'tenants.yaml:4:21: tenants[0].quota["requests.cpu"]: quota requests.cpu 20 exceeds quota limits.cpu 16 (platform default). Fix: lower quota requests.cpu to at most 16, or raise quota limits.cpu',
    ]);
    expect(errorsOf('tenants:\n  - name: a\n    limits:\n      default: {cpu: 10m}\n')).toEqual([
      'tenants.yaml:4:22: tenants[0].limits.default.cpu: limits.defaultRequest.cpu 50m (platform default) exceeds limits.default.cpu 10m. Fix: raise limits.default.cpu to at least 50m, or lower limits.defaultRequest.cpu',
    ]);
    expect(errorsOf('tenants:\n  - name: a\n    limits:\n      max: {memory: 128Mi}\n')).toEqual([
      'tenants.yaml:4:21: tenants[0].limits.max.memory: limits.default.memory 256Mi (platform default) exceeds limits.max.memory 128Mi. Fix: raise limits.max.memory to at least 256Mi, or lower limits.default.memory',
    ]);
  });

  it('owners that would widen access beyond the tenant', () => {
    expect(
      errorsOf(
        'tenants:\n  - name: a\n    owners:\n      - {kind: Group, name: "system:authenticated"}\n      - {kind: ServiceAccount, name: x, namespace: tenant-b}\n      - {kind: Group, name: tenant-a-developers}\n',
      ),
    ).toEqual([
      `tenants.yaml:4:29: tenants[0].owners[0].name: "system:authenticated" is a Kubernetes system identity and would grant access far beyond the tenant's team. Fix: name a group, user or service account of the tenant team`,
      'tenants.yaml:5:52: tenants[0].owners[1].namespace: service account from namespace "tenant-b" would reach into tenant-a. Fix: use a service account of tenant-a (omit namespace)',
      'tenants.yaml:6:9: tenants[0].owners[2]: Group "tenant-a-developers" is already bound (every tenant binds its developers group). Fix: remove the duplicate entry',
    ]);
  });

  it('service-account owners that are invalid or the default account', () => {
    expect(
      errorsOf(
        'tenants:\n  - name: a\n    owners:\n      - {kind: ServiceAccount, name: default}\n      - {kind: ServiceAccount, name: CI_bot}\n',
      ),
    ).toEqual([
      'tenants.yaml:4:38: tenants[0].owners[0].name: the default service account runs every pod that names no other, so binding it would give all of them the developer role. Fix: create a dedicated service account for the automation and name it here',
      `tenants.yaml:5:38: tenants[0].owners[1].name: "CI_bot" is not a valid service account name. Fix: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
    ]);
  });

  it('more than one YAML document', () => {
    expect(errorsOf('tenants:\n  - name: a\n---\ntenants: []\n')).toEqual([
      'tenants.yaml:3:1: more than one YAML document (a `---` separator). Fix: keep every tenant in the single `tenants:` list and remove the separator',
    ]);
  });

  it('numbers out of range', () => {
    expect(errorsOf('tenants:\n  - name: a\n    quota: {pods: 1e400}\n')).toEqual([
      'tenants.yaml:3:19: tenants[0].quota.pods: number 1e400 is out of range. Fix: write a smaller number, or a quantity with a suffix such as 16Gi',
    ]);
  });

  it('YAML syntax error', () => {
    expect(errorsOf('tenants:\n  - name: [a\n')).toEqual([
      'tenants.yaml:3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]. Fix: correct the YAML syntax at this position (check indentation, colons and quotes)',
    ]);
  });

  it('duplicate key', () => {
    expect(errorsOf('tenants:\n  - name: a\n    name: b\n')).toEqual([
      'tenants.yaml:3:5: duplicate key "name" in the same mapping. Fix: remove one of the two entries or merge them',
    ]);
  });

  it('tab indentation', () => {
    expect(errorsOf('tenants:\n\t- name: a\n')).toEqual([
      'tenants.yaml:2:1: tab character used for indentation. Fix: indent with spaces only',
    ]);
  });

  it('after a syntax error, only the syntax errors: no follow-on line, no guessed field path', () => {
    const example = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8').split('\n');
    // A tab in place of the indentation of one key of an MCP server, and of a whole list entry.
    const line = (n: number, from: string) =>
      example.map((l, i) => (i === n - 1 ? l.replace(from, '\t') : l)).join('\n');
    expect(example[19]).toBe('        path: /mcp');
    expect(errorsOf(line(20, '        '))).toEqual([
      'tenants.yaml:20:1: tab character used for indentation. Fix: indent with spaces only',
    ]);
    expect(example[30]).toBe('      - name: triage');
    expect(errorsOf(line(31, '    '))).toEqual([
      'tenants.yaml:31:1: tab character used for indentation. Fix: indent with spaces only',
    ]);
    // Without a tab: the first syntax error; the parser's guesses after it are not reported.
    expect(
      errorsOf('tenants:\n  - name: a\n    displayName: [x\n    colour: y\n  - name: b\n    quota: {pods: 1\n'),
    ).toEqual([
      'tenants.yaml:4:5: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]. Fix: correct the YAML syntax at this position (check indentation, colons and quotes)',
    ]);
  });

  it('aliases (no billion laughs, every tenant readable on its own)', () => {
    expect(errorsOf('q: &q {pods: 1}\ntenants:\n  - name: a\n    quota: *q\n')).toEqual([
      'tenants.yaml:1:1: q: unknown key "q". Fix: remove it or use one of: tenants',
      'tenants.yaml:4:12: tenants[0].quota: YAML alias *q is not allowed. Fix: write the value out in full, so that every tenant reads on its own in a diff',
    ]);
  });

  it('empty file', () => {
    expect(errorsOf('')).toEqual([
      'tenants.yaml:1:1: the file is empty. Fix: start it with `tenants:` followed by a list of tenants',
    ]);
  });

  it('keeps checking after a duplicate key, so that one run shows every error', () => {
    expect(errorsOf('tenants:\n  - name: a1\n    name: a2\n    bogus: 1\n  - name: BAD\n')).toEqual([
      'tenants.yaml:3:5: duplicate key "name" in the same mapping. Fix: remove one of the two entries or merge them',
      'tenants.yaml:4:5: tenants[0].bogus: unknown key "bogus". Fix: remove it or use one of: name, displayName, description, owners, quota, limits, observability, alias, guards, agents, models, mcpServers, sandboxes, sandboxRouter, llmBackends',
      `tenants.yaml:5:11: tenants[1].name: "BAD" is not a DNS-1123 label. Fix: use lower-case letters, digits and '-', starting and ending with a letter or digit`,
    ]);
    expect(errorsOf('tenants:\n  - name: c\n    "name": d\n')[0]).toBe(
      'tenants.yaml:3:5: duplicate key "name" in the same mapping. Fix: remove one of the two entries or merge them',
    );
  });

  it('keys that are not strings, explicit tags, and deep nesting', () => {
    expect(errorsOf('tenants:\n  - name: a1\n    null: z\n')).toEqual([
      'tenants.yaml:3:5: tenants[0]: mapping keys must be plain strings. Fix: write the key as text, such as name',
    ]);
    expect(errorsOf('tenants:\n  - name: a1\n    ? [a, b]\n    : c\n')).toEqual([
      'tenants.yaml:3:7: tenants[0]: mapping keys must be plain strings. Fix: write the key as text, such as name',
    ]);
    expect(errorsOf('tenants:\n  - name: !custom x\n')).toEqual([
      'tenants.yaml:2:11: tenants[0].name: YAML tag !custom is not allowed. Fix: remove the tag and write a plain value (quote it to make it text)',
    ]);
    expect(errorsOf('tenants:\n  - name: x\n    displayName: !!binary aGk=\n')).toEqual([
      'tenants.yaml:3:18: tenants[0].displayName: YAML tag !!binary is not allowed. Fix: remove the tag and write a plain value (quote it to make it text)',
      'tenants.yaml:3:27: tenants[0].displayName: expected a string, got binary data. Fix: write a string here',
    ]);
    expect(errorsOf(`tenants: ${'['.repeat(5000)}\n`)[0]).toMatch(
      /^tenants\.yaml:1:\d+: the YAML nests too deeply to read\. Fix: flatten the structure/,
    );
  });

  it('counts columns in characters, not UTF-16 units', () => {
    expect(errorsOf('tenants:\n  - {displayName: "😀😀", bogus: 1, name: b}\n')).toEqual([
      'tenants.yaml:2:25: tenants[0].bogus: unknown key "bogus". Fix: remove it or use one of: name, displayName, description, owners, quota, limits, observability, alias, guards, agents, models, mcpServers, sandboxes, sandboxRouter, llmBackends',
    ]);
  });

  it('reads the last of duplicated keys and points at it', () => {
    expect(errorsOf('tenants:\n  - name: ok\ntenants:\n  - name: Bad_Name\n')).toEqual([
      'tenants.yaml:3:1: duplicate key "tenants" in the same mapping. Fix: remove one of the two entries or merge them',
      `tenants.yaml:4:11: tenants[0].name: "Bad_Name" is not a DNS-1123 label. Fix: use lower-case letters, digits and '-', starting and ending with a letter or digit`,
    ]);
    expect(errorsOf('tenants:\n  - name: a\n    display Name: x\n    display Name: y\n')[0]).toBe(
      'tenants.yaml:4:5: duplicate key "display Name" in the same mapping. Fix: remove one of the two entries or merge them',
    );
  });

  it('names the field of tags, aliases and out-of-range numbers, and points at the tag itself', () => {
    expect(errorsOf('tenants:\n  - name: a\n    quota: !!map\n      pods: 1\n')).toEqual([
      'tenants.yaml:3:12: tenants[0].quota: YAML tag !!map is not allowed. Fix: remove the tag and write a plain value (quote it to make it text)',
    ]);
    expect(errorsOf('tenants:\n  - name: a\n    quota: {requests.cpu: .inf}\n')).toEqual([
      'tenants.yaml:3:27: tenants[0].quota["requests.cpu"]: number .inf is out of range. Fix: write a smaller number, or a quantity with a suffix such as 16Gi',
    ]);
  });

  it('whole numbers and sizes get messages that say what to write', () => {
    expect(errorsOf('tenants:\n  - name: a\n    quota: {pods: 1e300, services: 2.5}\n')).toEqual([
      'tenants.yaml:3:19: tenants[0].quota.pods: number 1e+300 is too large. Fix: use a smaller number',
      'tenants.yaml:3:36: tenants[0].quota.services: expected a whole number, got number 2.5. Fix: write a whole number here',
    ]);
  });

  it('reports every error of the file in one run, in file order', () => {
    const lines = errorsOf('tenants:\n  - name: B\n    colour: red\n  - name: c\n    quota: {pods: x}\n  - name: c\n');
    expect(lines.map((l) => l.split(': ')[0])).toEqual([
      'tenants.yaml:2:11',
      'tenants.yaml:3:5',
      'tenants.yaml:5:19',
      'tenants.yaml:6:11',
    ]);
  });

  it('uses the given file name in every message', () => {
    try {
      loadTenants('tenants:\n  - name: A\n', { file: 'registry/teams.yaml' });
    } catch (e) {
      expect((e as ConfigError).errors[0].file).toBe('registry/teams.yaml');
      expect((e as Error).message.startsWith('registry/teams.yaml:2:11: ')).toBe(true);
      return;
    }
    throw new Error('expected an error');
  });
});

describe('decodeSource', () => {
  it('reads UTF-8 with or without a byte-order mark', () => {
    expect(decodeSource(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'tenants.yaml')).toBe('a');
    expect(decodeSource(new TextEncoder().encode('tenants:\r\n  - name: ä\r\n'), 'tenants.yaml')).toBe(
      'tenants:\r\n  - name: ä\r\n',
    );
  });

  it('rejects invalid UTF-8 at its position instead of replacing it', () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('tenants:\n  - name: a\n    displayName: "ä'),
      0xff,
      0xfe,
      0x22,
      0x0a,
    ]);
    expect(() => decodeSource(bytes, 'tenants.yaml')).toThrow(
      'tenants.yaml:3:20: invalid UTF-8 byte 0xff. Fix: save the file as UTF-8',
    );
  });
});
