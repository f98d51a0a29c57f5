import { describe, expect, it } from 'vitest';
import {
  loadTenants,
  readTenantChunk,
  splitTenantsText,
  tenantEntryTexts,
  type Tenant,
} from '../../charts/config/load-tenants';
import { ConfigError } from '../../charts/config/source-errors';
import {
  loadTenantsIncremental,
  loadTenantsIncrementalWith,
  type TenantsCache,
  tenantValueDigest,
} from '../../charts/config/tenants-cache';
import { tenantListPasses, tenantListRules, type TenantFields } from '../../charts/config/tenants-schema';
import { benchTenantsYaml } from '../../scripts/bench/tenants';
import { seededRandom } from '../seeded';

/** The seeded generator with the picks the edits use: the same seed, the same registries and edits. */
function random(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)], chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

/** A tenant as the generator varies it. */
interface Spec {
  name: string;
  alias?: string;
  pods?: number;
  displayName?: string;
  /** Declarative agents, exposed, each admitting some other tenants. */
  agents: { name: string; allowCallsFrom: string[] }[];
  /** A BYO agent calling an agent of another tenant. */
  calls?: { tenant: string; agent: string };
  backend: boolean;
  comment?: string;
  blankAfter: boolean;
  /** `-` alone on its line, the mapping below it. */
  dashAlone: boolean;
  /** A problem planted in this entry. */
  fault?: string;
}

function entryText(s: Spec): string {
  const out: string[] = [];
  if (s.comment !== undefined) out.push(`  # ${s.comment}`);
  out.push(s.dashAlone ? '  -' : `  - name: ${s.name}`);
  if (s.dashAlone) out.push(`    name: ${s.name}`);
  if (s.displayName !== undefined) out.push(`    displayName: ${s.displayName}`);
  if (s.alias !== undefined) out.push(`    alias: ${s.alias}`);
  if (s.pods !== undefined) out.push('    quota:', `      pods: ${s.pods}`);
  if (s.backend)
    out.push(
      '    llmBackends:',
      '      - name: openai',
      '        provider: openai',
      '        model: gpt-4.1-mini',
      '        apiKeySecret: openai',
      '        expose: true',
      '    models:',
      '      - name: gpt',
      '        backend: openai',
    );
  if (s.agents.length > 0 || s.calls) out.push('    agents:');
  for (const a of s.agents) {
    out.push(`      - name: ${a.name}`, '        systemMessage: |', `          Agent ${a.name} of ${s.name}.`);
    out.push('        expose: true');
    if (a.allowCallsFrom.length > 0) out.push(`        allowCallsFrom: [${a.allowCallsFrom.join(', ')}]`);
  }
  if (s.calls)
    out.push(
      '      - name: caller',
      '        image: ghcr.io/example/caller:1.0.0',
      '        calls:',
      `          - {tenant: ${s.calls.tenant}, agent: ${s.calls.agent}}`,
    );
  if (s.fault !== undefined) out.push(s.fault);
  if (s.blankAfter) out.push('');
  return out.map((l) => `${l}\n`).join('');
}

function render(specs: readonly Spec[], tail = ''): string {
  return `# The tenant registry.\ntenants:\n${specs.map(entryText).join('')}${tail}`;
}

let counter = 0;
function newSpec(r: Random, others: readonly Spec[]): Spec {
  const name = `t${counter++}`;
  const agents = Array.from({ length: r.int(3) }, (_, j) => ({
    name: `a${j}`,
    allowCallsFrom: others.length > 0 && r.chance(0.3) ? [r.pick(others).name] : [],
  }));
  return {
    name,
    agents,
    backend: r.chance(0.5),
    blankAfter: r.chance(0.3),
    dashAlone: r.chance(0.1),
    ...(r.chance(0.3) ? { pods: 10 + r.int(40) } : {}),
    ...(r.chance(0.2) ? { alias: `al-${name}` } : {}),
    ...(r.chance(0.2) ? { comment: `about ${name}` } : {}),
  };
}

/** A call from `s` that the registry admits, when some tenant lets `s` call it. */
function admittedCall(specs: readonly Spec[], s: Spec): Spec['calls'] {
  for (const o of specs)
    for (const a of o.agents)
      if (o.name !== s.name && a.allowCallsFrom.includes(s.name)) return { tenant: o.name, agent: a.name };
  return undefined;
}

/** Faults an entry may carry: each a line of the entry (or of the file) that some check rejects. */
const FAULTS = [
  '    unknownKey: 1',
  '    quota: {pods: -1}',
  '    description: [unclosed',
  '    \tdisplayName: tab',
  '    displayName: *anchor',
  '    description: !!binary aGVsbG8=',
  '    displayName: ok\n    displayName: twice',
  '    limits: {default: {cpu: 1000}}',
];

const copy = (specs: readonly Spec[]): Spec[] =>
  specs.map((s) => ({ ...s, agents: s.agents.map((a) => ({ ...a, allowCallsFrom: [...a.allowCallsFrom] })) }));

/** Renames a tenant everywhere: its entry, and the calls and allowCallsFrom that name it. */
function rename(specs: Spec[], s: Spec, name: string): void {
  const old = s.name;
  s.name = name;
  for (const o of specs) {
    for (const a of o.agents) a.allowCallsFrom = a.allowCallsFrom.map((x) => (x === old ? name : x));
    if (o.calls?.tenant === old) o.calls = { ...o.calls, tenant: name };
  }
}

/** An edit that keeps the registry valid. */
function validEdit(r: Random, specs: readonly Spec[]): Spec[] {
  const next = copy(specs);
  const i = r.int(next.length);
  const s = next[i];
  switch (r.int(10)) {
    case 0:
      next.splice(r.int(next.length + 1), 0, newSpec(r, next));
      break;
    case 1:
      if (next.length > 1) {
        next.splice(i, 1);
        for (const o of next) {
          for (const a of o.agents) a.allowCallsFrom = a.allowCallsFrom.filter((x) => x !== s.name);
          if (o.calls?.tenant === s.name) delete o.calls;
        }
      }
      break;
    case 2:
      rename(next, s, `${s.name}r`);
      break;
    case 3: {
      const j = r.int(next.length);
      [next[i], next[j]] = [next[j], next[i]];
      break;
    }
    case 4:
      s.pods = 5 + r.int(60);
      break;
    case 5:
      s.agents.push({ name: `a${s.agents.length}x`, allowCallsFrom: [] });
      break;
    case 6:
      s.comment = `note ${r.int(1000)}`;
      s.blankAfter = !s.blankAfter;
      break;
    case 7: {
      const o = r.pick(next);
      if (o !== s && o.agents.length > 0 && !o.agents[0].allowCallsFrom.includes(s.name))
        o.agents[0].allowCallsFrom.push(s.name);
      const call = admittedCall(next, s);
      if (call && r.chance(0.5)) s.calls = call;
      break;
    }
    case 8:
      s.displayName = r.chance(0.5) ? `Team ${s.name}` : undefined;
      s.dashAlone = !s.dashAlone;
      break;
    default:
      s.alias = s.alias === undefined ? `al-${s.name}` : undefined;
  }
  return next;
}

/** An edit that breaks the registry (a problem in one entry, between entries, or in the file's shape). */
function faultyEdit(r: Random, specs: readonly Spec[]): { specs: Spec[]; tail: string } {
  const next = copy(specs);
  const i = r.int(next.length);
  const s = next[i];
  const o = next[(i + 1) % next.length];
  switch (r.int(8)) {
    case 0:
      s.fault = r.pick(FAULTS);
      break;
    case 1: // a duplicate name
      s.name = o.name;
      break;
    case 2: // an alias that is another tenant's name or alias
      s.alias = o.alias ?? o.name;
      break;
    case 3: // a call nobody admitted
      s.calls = { tenant: o.name, agent: r.pick(['a0', 'nope']) };
      break;
    case 4:
      if (o.agents.length > 0) o.agents[0].allowCallsFrom.push(r.pick(['nobody', o.name]));
      else s.pods = 1; // below what the waypoint alone needs
      break;
    case 5: // another tenant removed, its callers left naming it
      if (next.length > 1) next.splice(i, 1);
      return { specs: next, tail: s.agents.length > 0 ? '' : 'other: 1\n' };
    case 6:
      return { specs: next, tail: r.pick(['other: 1\n', '...\n', '---\ntenants: []\n']) };
    default:
      s.pods = 1;
  }
  return { specs: next, tail: '' };
}

type Outcome = { tenants: Tenant[] } | { error: string };
function outcome(load: () => Tenant[]): Outcome {
  try {
    return { tenants: load() };
  } catch (e) {
    if (e instanceof ConfigError) return { error: e.message };
    throw e;
  }
}

/** What a cache is after the caller stored it as JSON and read it back. */
const stored = (cache: TenantsCache): TenantsCache => JSON.parse(JSON.stringify(cache)) as TenantsCache;

describe('loadTenantsIncremental', () => {
  it('equals loadTenants, errors included, over random edits of a registry', () => {
    let loaded = 0;
    let failed = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = random(seed);
      let specs: Spec[] = [];
      for (let k = 0; k < 4 + r.int(8); k++) specs.push(newSpec(r, specs));
      let cache: TenantsCache | undefined;
      for (let step = 0; step < 40; step++) {
        let text: string;
        if (r.chance(0.3)) {
          // A broken registry for one step; the next edits start from the valid one.
          const broken = faultyEdit(r, specs);
          text = render(broken.specs, broken.tail);
        } else {
          specs = validEdit(r, specs);
          text = render(specs);
        }
        const full = outcome(() => loadTenants(text));
        let result: ReturnType<typeof loadTenantsIncremental> | undefined;
        const inc = outcome(() => (result = loadTenantsIncremental(text, cache)).tenants);
        expect(inc, `seed ${seed} step ${step}:\n${text}`).toStrictEqual(full);
        if (result) {
          loaded++;
          // What synth keys each tenant's files on: taken from the cache, it equals the digest of
          // the value read from nothing.
          expect(result.tenants.map(tenantValueDigest), `seed ${seed} step ${step}`).toEqual(
            loadTenants(text).map(tenantValueDigest),
          );
          cache = stored(result.cache);
          // The same text again reads nothing anew, when it has the plain shape.
          const again = loadTenantsIncremental(text, cache);
          expect(again.tenants).toStrictEqual(result.tenants);
          if (result.read) expect(again.read).toEqual([]);
        } else failed++;
      }
    }
    // Both outcomes are exercised.
    expect(loaded).toBeGreaterThan(250);
    expect(failed).toBeGreaterThan(80);
  });

  it('reads only the entry that changed, and reports problems of a cached entry’s neighbours', () => {
    const text = benchTenantsYaml(50);
    const first = loadTenantsIncremental(text, undefined);
    expect(first.read).toHaveLength(50);
    const cache = stored(first.cache);
    const edited = text.replace('displayName: Team 7\n', 'displayName: Team seven\n');
    const second = loadTenantsIncremental(edited, cache);
    expect(second.read).toEqual([7]);
    expect(second.tenants).toStrictEqual(loadTenants(edited));
    // Whole-list rules over cached entries: a name made equal to another's, by editing one entry only.
    const duplicate = text.replace('name: team-00008\n', 'name: team-00003\n');
    expect(() => loadTenantsIncremental(duplicate, cache)).toThrow(
      /tenants\.yaml:\d+:\d+: tenants\[8\]\.name: duplicate tenant name "team-00003" \(first declared at line \d+\)/,
    );
    expect(outcome(() => loadTenantsIncremental(duplicate, cache).tenants)).toEqual(
      outcome(() => loadTenants(duplicate)),
    );
    // A route collision: an alias equal to another tenant's namespace segment.
    const collision = text.replace('name: team-00009\n', 'name: team-00009\n    alias: team-00004\n');
    expect(outcome(() => loadTenantsIncremental(collision, cache).tenants)).toEqual(
      outcome(() => loadTenants(collision)),
    );
    expect(() => loadTenants(collision)).toThrow(/alias "team-00004" is the name of tenant/);
  });

  // The planted fault: a cached digest that is not the entry's (as if the cache were keyed on
  // something other than the entry's text) is what the random-edit comparison above finds.
  it('a wrong cached value digest differs from the digest of the value read from nothing', () => {
    const text = benchTenantsYaml(5);
    const cache = stored(loadTenantsIncremental(text, undefined).cache);
    const key = Object.keys(cache.entries)[2];
    const tampered = { ...cache, entries: { ...cache.entries, [key]: { ...cache.entries[key], value: 'stale' } } };
    const digests = loadTenantsIncremental(text, tampered).tenants.map(tenantValueDigest);
    const fresh = loadTenants(text).map(tenantValueDigest);
    expect(digests.filter((d, i) => d !== fresh[i])).toEqual(['stale']);
  });

  it('ignores a cache of other compiler code or another format', () => {
    const text = benchTenantsYaml(3);
    const { cache } = loadTenantsIncremental(text, undefined, { compiler: 'v1' });
    expect(loadTenantsIncremental(text, cache, { compiler: 'v1' }).read).toEqual([]);
    expect(loadTenantsIncremental(text, cache, { compiler: 'v2' }).read).toEqual([0, 1, 2]);
    expect(loadTenantsIncremental(text, { ...cache, format: 0 }, { compiler: 'v1' }).read).toEqual([0, 1, 2]);
    expect(loadTenantsIncremental(text, { bogus: true } as never).read).toEqual([0, 1, 2]);
  });

  it('reads a file of another shape whole, caching nothing', () => {
    const text = 'tenants: [{name: a}, {name: b}]\n';
    const result = loadTenantsIncremental(text, undefined);
    expect(result.read).toBeUndefined();
    expect(result.cache.entries).toEqual({});
    expect(result.tenants).toStrictEqual(loadTenants(text));
  });

  it('reads new entries in parts through a reader (such as a pool of threads), with the same result', async () => {
    const text = `${benchTenantsYaml(9)}  # trailing comment\n  - name: last\n    displayName: no line break at the end`;
    const parts: number[] = [];
    const reader = async (chunks: readonly { text: string }[]) => {
      parts.push(chunks.length);
      return chunks.map((c) => readTenantChunk(c.text, 'tenants.yaml'));
    };
    const result = await loadTenantsIncrementalWith(reader, 4, text, undefined);
    expect(parts).toEqual([4]);
    expect(result.tenants).toStrictEqual(loadTenants(text));
    const edited = text.replace('displayName: Team 2\n', 'displayName: Team two\n');
    const next = await loadTenantsIncrementalWith(reader, 4, edited, stored(result.cache));
    expect(next.read).toEqual([2]);
    expect(next.tenants).toStrictEqual(loadTenants(edited));
  });
});

describe('tenantEntryTexts', () => {
  it('cuts the file into its entries, every character in exactly one of them after the header', () => {
    const text = `# header\ntenants: # the list\n  # before the first\n${benchTenantsYaml(3).split('tenants:\n')[1]}\n  # after\n`;
    const entries = tenantEntryTexts(text)!;
    expect(entries.map((e) => e.start)).toEqual([3, 35, 67]);
    const header = text.split('\n').slice(0, 3).join('\n') + '\n';
    expect(header + entries.map((e) => e.text).join('')).toBe(text);
    // The parts of splitTenantsText are the same entries.
    expect(splitTenantsText(text, 3)!.map((c) => c.text)).toEqual(
      entries.map((e, k) => `tenants:\n${k < 2 ? e.text.slice(0, -1) : e.text}`),
    );
  });
});

describe('the rules over the whole registry', () => {
  it('with the route paths known, fail when a path repeats (what uniqueRoutes reports)', () => {
    // uniqueRoutes is reached in files only with an alias error besides (workloads.test.ts), so
    // the check of known paths is tested here on its own.
    const tenants = loadTenantsIncremental(benchTenantsYaml(2), undefined).cache.entries;
    const entries = Object.values(tenants).map((e) => e.tenant as TenantFields);
    const paths = Object.values(tenants).map((e) => e.routes);
    expect(paths[0]).toEqual([
      '/a2a/tenant-team-00000/triage',
      '/llm/tenant-team-00000/openai',
      '/mcp/tenant-team-00000/kb',
    ]);
    expect(tenantListPasses(entries, paths)).toBe(true);
    expect(tenantListPasses(entries, [paths[0], [...paths[1], paths[0][1]]])).toBe(false);
    expect(tenantListPasses([entries[0], entries[0]], paths)).toBe(false);
  });

  it('are linear: 20,000 tenants, each admitting calls from another, check in seconds', () => {
    // allowedCallers once built, for every tenant, the list of all other names (for a message
    // it rarely shows): quadratic, minutes at this size.
    const n = 20000;
    const tenants = Array.from({ length: n }, (_, i) => ({
      name: `t${i}`,
      alias: `al${i}`,
      agents: [{ name: 'a', expose: true, allowCallsFrom: [`t${(i + 1) % n}`], calls: [] }],
      mcpServers: [],
      llmBackends: [],
    })) as unknown as TenantFields[];
    const reports: unknown[] = [];
    const started = performance.now();
    tenantListRules(
      tenants,
      (...x) => void reports.push(x),
      () => false,
    );
    expect(reports).toEqual([]);
    expect(performance.now() - started).toBeLessThan(8000);
  });
});
