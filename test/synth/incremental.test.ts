/**
 * Incremental synth (charts/synth/record.ts, units.ts, output.ts): after any sequence of edits, a
 * synth that reuses the record of the last one writes exactly the output a fresh synth writes,
 * and compiles only the tenants whose inputs changed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../charts/main';
import { loadTenants } from '../../charts/config/load-tenants';
import { foldersOf, readRecord, RECORD_DIR, stampFolders, unitName, writeRecord } from '../../charts/synth/record';
import { contentDigest, unitKey } from '../../charts/synth/units';
import { tenantValueDigest } from '../../charts/config/tenants-cache';
import {
  decodePayload,
  encodePayload,
  MEMO_DIR,
  payloadFile,
  readIndex,
  readsDigest,
  writeIndex,
} from '../../charts/synth/component-memo';
import type { ComponentFiles } from '../../charts/platform/build';
import { tenantUnitFiles, tenantSegments } from '../../charts/synth/synthesize';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { existingFiles } from '../../charts/synth/write';
import { benchTenantYaml } from '../../scripts/bench/tenants';
import { seededRandom } from '../seeded';
import { outputTree, scratchRoot } from './scratch-root';

const ROOT = path.resolve(__dirname, '..', '..');

/** tenants.yaml as a list of entries (each the text of one `  - name:` item). */
class Registry {
  entries: string[];
  constructor(text: string) {
    const body = text.slice(text.indexOf('\ntenants:\n') + '\ntenants:\n'.length);
    this.entries = body
      .split(/\n(?= {2}- name: )/)
      .map((e) => e.replace(/\n+$/, ''))
      .filter((e) => e.includes('- name: '));
  }
  text(): string {
    return `tenants:\n${this.entries.map((e) => `${e}\n`).join('\n')}`;
  }
  names(): string[] {
    return this.entries.map((e) => /- name: (\S+)/.exec(e)![1]);
  }
  find(name: string): number {
    return this.names().indexOf(name);
  }
}

const EXAMPLE = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8');

/** The compile counts synth --timings prints: [compiled, total]. */
function compiledCount(lines: readonly string[]): [number, number] | 'none' {
  if (lines.some((l) => l.includes('nothing changed since the last synth'))) return 'none';
  const m = lines.map((l) => /(\d+) of (\d+) tenant folders compiled/.exec(l)).find(Boolean);
  if (!m) throw new Error(`no compile count in: ${lines.join(' | ')}`);
  return [Number(m[1]), Number(m[2])];
}

/** The route tables synth --timings says it computed: [computed, total]. */
function routeTablesComputed(lines: readonly string[]): [number, number] {
  if (lines.some((l) => l.includes('nothing changed since the last synth'))) return [0, 0];
  const m = lines.map((l) => /(\d+) of (\d+) route tables computed/.exec(l)).find(Boolean);
  if (!m) throw new Error(`no route table count in: ${lines.join(' | ')}`);
  return [Number(m[1]), Number(m[2])];
}

/** The platform components synth --timings says it built: [built, total]. */
function componentsBuilt(lines: readonly string[]): [number, number] {
  if (lines.some((l) => l.includes('nothing changed since the last synth'))) return [0, 0];
  const m = lines.map((l) => /(\d+) of (\d+) platform components built/.exec(l)).find(Boolean);
  if (!m) throw new Error(`no component count in: ${lines.join(' | ')}`);
  return [Number(m[1]), Number(m[2])];
}

describe('incremental synth', () => {
  let inc: string;
  let fresh: string;
  let out: string[];

  beforeAll(() => {
    inc = scratchRoot('incremental-');
    fresh = scratchRoot('incremental-');
  });
  afterAll(() => {
    fs.rmSync(inc, { recursive: true, force: true });
    fs.rmSync(fresh, { recursive: true, force: true });
  });
  /** Files whose incremental output differs from the fresh one. */
  const differingFiles = () => {
    const a = outputTree(inc);
    const b = outputTree(fresh);
    return Object.keys(b).filter((f) => a[f] !== b[f]);
  };
  beforeEach(() => {
    out = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    return () => vi.restoreAllMocks();
  });

  /** Writes the registry to both roots, synthesizes incrementally in one and from nothing in the other. */
  async function both(reg: Registry, env?: (text: string) => string): Promise<[number, number] | 'none'> {
    for (const r of [inc, fresh]) {
      fs.writeFileSync(path.join(r, 'tenants.yaml'), reg.text());
      if (env) {
        const f = path.join(r, 'charts', 'environments', 'dev.yaml');
        fs.writeFileSync(f, env(fs.readFileSync(f, 'utf8')));
      }
    }
    out = [];
    expect(await main(['--root', inc, '--timings', '--jobs', '1']), out.join('\n')).toBe(0);
    const counted = compiledCount(out);
    // The folders' times the record keeps (only those touched are stamped again) are every folder's now.
    expect(readRecord(inc)?.dirs).toEqual(stampFolders(inc, foldersOf(existingFiles(inc, ['argocd', 'dist']))));
    for (const d of ['dist', 'argocd', RECORD_DIR]) fs.rmSync(path.join(fresh, d), { recursive: true, force: true });
    expect(await main(['--root', fresh, '--jobs', '1']), out.join('\n')).toBe(0);
    return counted;
  }

  it('writes what a fresh synth writes after random edits, compiling only what changed', async () => {
    const reg = new Registry(EXAMPLE);
    for (let i = 0; i < 3; i++) reg.entries.push(benchTenantYaml(i).replace(/\n$/, ''));
    expect(await both(reg)).toEqual([12, 12]); // no record yet: everything
    expect(outputTree(inc)).toEqual(outputTree(fresh));
    expect(await both(reg), 'nothing changed').toBe('none');

    const rnd = seededRandom(20261206);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
    let next = 10;
    const bench = () => reg.names().filter((n) => n.startsWith('team-'));
    type Edit = { name: string; apply: () => ((text: string) => string) | void; compiled: (n: number) => boolean };
    const one = (n: number) => n === 2; // one tenant in two environments
    const edits: Edit[] = [
      { name: 'add', apply: () => void reg.entries.push(benchTenantYaml(next++).replace(/\n$/, '')), compiled: one },
      {
        name: 'remove',
        apply: () => {
          const b = bench();
          if (b.length > 1) reg.entries.splice(reg.find(pick(b)), 1);
        },
        compiled: (n) => n === 0,
      },
      {
        name: 'rename',
        apply: () => {
          const i = reg.find(pick(bench()));
          reg.entries[i] = reg.entries[i].replace(
            /- name: team-\d+/,
            `- name: team-${String(next++).padStart(5, '0')}`,
          );
        },
        compiled: one,
      },
      {
        name: 'quota',
        apply: () => {
          const i = reg.find(pick(bench()));
          const pods = 10 + Math.floor(rnd() * 40);
          reg.entries[i] = reg.entries[i].includes('quota:')
            ? reg.entries[i].replace(/pods: \d+/, `pods: ${pods}`)
            : reg.entries[i].replace(/\n {4}displayName: .*/, (m) => `${m}\n    quota:\n      pods: ${pods}`);
        },
        compiled: (n) => n <= 2,
      },
      {
        name: 'display name (the Keycloak realm lists it)',
        apply: () => {
          const i = reg.find(pick(bench()));
          reg.entries[i] = reg.entries[i].replace(/displayName: .*/, `displayName: Team ${next++}`);
        },
        compiled: one,
      },
      {
        name: 'add workloads',
        apply: () => {
          const i = reg.find(pick(bench()));
          if (reg.entries[i].includes('sandboxes:')) return;
          reg.entries[i] +=
            '\n    sandboxes:\n      - name: py\n        image: ghcr.io/example/python-sandbox:3.12.7\n        port: 8888';
        },
        compiled: (n) => n <= 2,
      },
      {
        // research calls alpha's agent at alpha's route segment: a new alias recompiles both.
        name: 'alias of a called tenant',
        apply: () => {
          const i = reg.find('alpha');
          reg.entries[i] = reg.entries[i].replace(/alias: \S+/, `alias: help${next++}`);
        },
        compiled: (n) => n === 4,
      },
      {
        name: 'move to the end (every line after it moves)',
        apply: () => {
          const i = reg.find(pick(bench()));
          reg.entries.push(...reg.entries.splice(i, 1));
        },
        compiled: (n) => n === 0,
      },
      {
        name: 'environment setting',
        apply: () => {
          const model = `claude-sonnet-${next++}`;
          return (t: string) => t.replace(/anthropicModel: \S+,/, `anthropicModel: ${model},`);
        },
        compiled: (n) => n === reg.entries.length * 2,
      },
    ];
    const seen = new Set<string>();
    for (let step = 0; step < 14; step++) {
      const edit = step < edits.length ? edits[step] : pick(edits);
      const env = edit.apply() ?? undefined;
      const counted = await both(reg, env);
      seen.add(edit.name);
      expect(outputTree(inc), `step ${step}: ${edit.name}`).toEqual(outputTree(fresh));
      const compiled = counted === 'none' ? 0 : counted[0];
      expect(edit.compiled(compiled), `step ${step}: ${edit.name} compiled ${compiled} tenant folders`).toBe(true);
      // Platform components are built again only when what they read of the tenants changed.
      const built = componentsBuilt(out);
      if (edit.name === 'quota') expect(built, `step ${step}: components built`).toEqual([0, built[1]]);
      if (edit.name.startsWith('display name')) expect(built[0]).toBeGreaterThan(0);
      if (edit.name.startsWith('display name')) expect(built[0]).toBeLessThan(built[1]);
      // A route table is computed again only when a route changed: a quota or a display name is no route.
      const tables = routeTablesComputed(out);
      if (edit.name === 'quota' || edit.name.startsWith('display name'))
        expect(tables, `step ${step}: route tables computed`).toEqual([0, 2]);
      // The setting is dev's: its table alone is computed (its key is the environment's).
      if (edit.name === 'environment setting') expect(tables, `step ${step}: route tables computed`).toEqual([1, 2]);
    }
    expect(seen.size).toBe(edits.length);
  }, 600_000);

  it('restores a generated file deleted or added by hand (its folder changed), and a damaged record is ignored', async () => {
    const reg = new Registry(EXAMPLE);
    await both(reg);
    const victim = existingFiles(inc, ['dist']).find((f) => f.includes('/tenants/beta/'))!;
    fs.rmSync(path.join(inc, victim));
    fs.writeFileSync(path.join(inc, 'dist/dev/tenants/alpha/stray.yaml'), 'x: 1\n');
    out = [];
    expect(await main(['--root', inc, '--timings', '--jobs', '1'])).toBe(0);
    expect(compiledCount(out)).toEqual([6, 6]);
    expect(outputTree(inc)).toEqual(outputTree(fresh));

    // A unit naming a template the table does not have.
    const body = path.join(inc, RECORD_DIR, 'units.json');
    const units = JSON.parse(fs.readFileSync(body, 'utf8')) as { units: Record<string, { files: number }> };
    units.units[unitName('dev', 'beta')].files = 99;
    fs.writeFileSync(body, JSON.stringify(units));
    reg.entries[0] = reg.entries[0].replace('displayName: Team Alpha', 'displayName: Team Alpha 2');
    expect(await both(reg)).toEqual([6, 6]);
    expect(outputTree(inc)).toEqual(outputTree(fresh));

    fs.writeFileSync(path.join(inc, RECORD_DIR, 'units.json'), '{"version": 1, "inputs": ');
    reg.entries[0] = reg.entries[0].replace('displayName: Team Alpha', 'displayName: Team A');
    const counted = await both(reg);
    expect(counted).toEqual([6, 6]);
    expect(outputTree(inc)).toEqual(outputTree(fresh));
  }, 300_000);

  // The folders' times are a part of their own: one damaged, cut short or of another run makes
  // the record count for nothing, as a folder changed on disk does.
  it('ignores the record when its folder times are damaged, incomplete or of another run', async () => {
    const reg = new Registry(EXAMPLE);
    await both(reg);
    const file = path.join(inc, RECORD_DIR, 'folders.json');
    const good = JSON.parse(fs.readFileSync(file, 'utf8')) as { inputs: string; names: string[]; stamps: string[] };
    const faults: [string, string][] = [
      ['damaged', '{"inputs": '],
      ['one time short', JSON.stringify({ ...good, stamps: good.stamps.slice(1) })],
      ['of another run', JSON.stringify({ ...good, inputs: `x${good.inputs.slice(1)}` })],
      ['missing', ''],
    ];
    for (const [fault, text] of faults) {
      await both(reg);
      if (text === '') fs.rmSync(file);
      else fs.writeFileSync(file, text);
      out = [];
      expect(await main(['--root', inc, '--timings', '--jobs', '1'])).toBe(0);
      expect(compiledCount(out), fault).toEqual([6, 6]);
      expect(outputTree(inc)).toEqual(outputTree(fresh));
    }
    // The record as written: nothing changed.
    out = [];
    expect(await main(['--root', inc, '--timings', '--jobs', '1'])).toBe(0);
    expect(compiledCount(out)).toBe('none');
  }, 300_000);

  // The planted fault: a unit key that does not change when its tenant's entry does (here written
  // into the record by hand) leaves that tenant's old files in place, and the comparison with a
  // fresh synth above names them.
  it('a unit key blind to an edit leaves stale files that the comparison finds', async () => {
    const reg = new Registry(EXAMPLE);
    await both(reg);
    const i = reg.find('beta');
    reg.entries[i] = reg.entries[i].replace('displayName: Team Beta', 'displayName: Team Beta 2');
    fs.writeFileSync(path.join(inc, 'tenants.yaml'), reg.text());
    const record = readRecord(inc)!;
    const beta = loadTenants(reg.text()).find((t) => t.name === 'beta')!;
    const units = { ...record.units };
    for (const env of ['dev', 'prod']) {
      const u = units[unitName(env, 'beta')];
      units[unitName(env, 'beta')] = { ...u, key: unitKey(record.environments[env], beta) };
    }
    const { version: _v, ...data } = record;
    writeRecord(inc, { ...data, units });
    const counted = await both(reg);
    expect(counted).toEqual([0, 6]);
    const differ = differingFiles();
    expect(differ.length).toBeGreaterThan(0);
    expect(differ.every((f) => f.includes('beta'))).toBe(true);
  }, 300_000);

  // The planted fault: a remembered component whose recorded reads miss what it read (here the
  // Keycloak realm, made blind to display names) keeps its old objects, and the comparison finds them.
  it('a remembered platform component blind to what it read leaves stale files that the comparison finds', async () => {
    const reg = new Registry(EXAMPLE);
    await both(reg);
    const index = readIndex(inc);
    const tenants = loadTenants(reg.text());
    let blinded = 0;
    for (const [key, entry] of Object.entries(index.entries))
      if (key.endsWith('/keycloak')) {
        const { displayName: _d, ...fields } = entry.reads.fields;
        const reads = { ...entry.reads, fields };
        index.entries[key] = { ...entry, reads, seen: readsDigest(reads, tenants) };
        blinded++;
      }
    expect(blinded).toBe(2);
    writeIndex(inc, index);
    const i = reg.find('beta');
    reg.entries[i] = reg.entries[i].replace('displayName: Team Beta', 'displayName: Team Beta 3');
    await both(reg);
    const differ = differingFiles();
    expect(differ.length).toBeGreaterThan(0);
    expect(
      differ.every((f) => f.includes('/platform/keycloak/')),
      differ.join(', '),
    ).toBe(true);
  }, 300_000);

  // The planted fault: a remembered route table whose memory of a tenant misses an edit of its routes
  // (here the tenant's entry digest written into routes.v8 by hand, its routes' digest left as it
  // was) keeps the old table, and the comparison finds it.
  it('a remembered route table blind to a route edit leaves a stale table that the comparison finds', async () => {
    const reg = new Registry(EXAMPLE);
    await both(reg);
    const i = reg.find('beta');
    // The port of beta's sandbox is in its route's backend.
    reg.entries[i] = reg.entries[i].replace('port: 8888', 'port: 8889');
    const beta = loadTenants(reg.text()).find((t) => t.name === 'beta')!;
    const file = path.join(inc, RECORD_DIR, 'routes.v8');
    const stored = v8.deserialize(fs.readFileSync(file)) as {
      entries: [string, { tenants: Map<string, [string, string]> }][];
    };
    for (const [, entry] of stored.entries) entry.tenants.get('beta')![0] = tenantValueDigest(beta);
    expect(stored.entries.length).toBe(2);
    fs.writeFileSync(file, v8.serialize(stored));
    await both(reg);
    expect(routeTablesComputed(out)).toEqual([0, 2]);
    expect(differingFiles().sort()).toEqual([
      'dist/dev/routes.json',
      'dist/dev/routes.md',
      'dist/prod/routes.json',
      'dist/prod/routes.md',
    ]);
  }, 300_000);

  // The planted fault: a shared file whose new content has the digest the record gives it is
  // neither read nor written; one rewritten in place (its folder keeps its time) is then left as it
  // is, and --check, which trusts no record, names it. With another digest in the record it is
  // compared and written again.
  it('trusts a shared file whose digest the record holds, and compares one whose digest differs', async () => {
    const reg = new Registry(EXAMPLE);
    await both(reg);
    const shared = 'dist/dev/README.md';
    const live = path.join(inc, shared);
    const original = fs.readFileSync(live, 'utf8');
    fs.writeFileSync(live, `${original}# altered in place\n`);
    editQuota(reg, 34);
    await both(reg);
    expect(differingFiles(), out.join('\n')).toEqual([shared]);
    out = [];
    expect(await main(['--root', inc, '--check', '--jobs', '1'])).toBe(1);
    expect(out.join('\n')).toContain(`changed: ${shared}`);

    const record = readRecord(inc)!;
    const { version: _v, ...data } = record;
    writeRecord(inc, { ...data, shared: { ...record.shared, [shared]: '0'.repeat(64) } });
    editQuota(reg, 35);
    await both(reg);
    expect(differingFiles()).toEqual([]);
  }, 300_000);
  /** Rewrites each remembered component's file with `edit` applied to its files, its index entry to match. */
  function rewritePayloads(edit: (files: ComponentFiles) => ComponentFiles | undefined): number {
    const index = readIndex(inc);
    let edited = 0;
    for (const [key, entry] of Object.entries(index.entries)) {
      const parts = decodePayload(key, entry, fs.readFileSync(payloadFile(inc, key)))!;
      const files = edit(parts.files!);
      if (!files) continue;
      const data = encodePayload(key, files, parts.values);
      fs.writeFileSync(payloadFile(inc, key), data);
      index.entries[key] = { ...entry, bytes: data.length, crc: zlib.crc32(data) };
      edited++;
    }
    writeIndex(inc, index);
    return edited;
  }

  /** A quota edit of beta: it builds no component again, so every one is recalled. */
  function editQuota(reg: Registry, pods: number): void {
    const i = reg.find('beta');
    reg.entries[i] = reg.entries[i].includes('quota:')
      ? reg.entries[i].replace(/pods: \d+/, `pods: ${pods}`)
      : reg.entries[i].replace(/\n {4}displayName: .*/, (m) => `${m}\n    quota:\n      pods: ${pods}`);
  }

  // The planted fault: a remembered component's files are written from the YAML remembered with
  // it, not serialized again; a remembered text that is not its object's (here altered by hand,
  // its file's size and CRC made to match) is written as it is, and the comparison finds it.
  it("writes a remembered component's files from the YAML remembered with it", async () => {
    const reg = new Registry(EXAMPLE);
    await both(reg);
    // Texts and their digests altered together: a digest equal to the record's would leave the
    // file on disk as it is (trusted shared files), so the memory is wrong and consistent.
    const altered = rewritePayloads((f) => {
      if (f.yaml.length === 0) return undefined;
      const yaml = f.yaml.map((y) => `${y}# altered\n`);
      return { ...f, yaml, digests: yaml.map(contentDigest) };
    });
    expect(altered).toBeGreaterThan(0);
    editQuota(reg, 33);
    expect(await both(reg)).toEqual([expect.any(Number), expect.any(Number)]);
    const differ = differingFiles();
    expect(differ.length).toBeGreaterThan(0);
    expect(
      differ.every(
        (f) =>
          f.includes('/platform/') &&
          fs.readFileSync(path.join(inc, f), 'utf8') === `${fs.readFileSync(path.join(fresh, f), 'utf8')}# altered\n`,
      ),
      differ.join(', '),
    ).toBe(true);
    // What was altered is forgotten: the tests after this one start from a true memory.
    fs.rmSync(path.join(inc, RECORD_DIR, MEMO_DIR), { recursive: true, force: true });
  }, 300_000);

  // A component's file that is damaged, missing, or another component's, or an index entry that
  // does not match its file: the component is built again, and the output is a fresh synth's.
  it('builds a component again when its remembered file does not match its index entry', async () => {
    const reg = new Registry(EXAMPLE);
    await both(reg);
    const index = readIndex(inc);
    const keys = Object.keys(index.entries).filter((k) => fs.statSync(payloadFile(inc, k)).size > 1000);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    const [damaged, missing, swapped, stale] = keys;
    // A changed byte in the texts: same size, another CRC.
    const d = fs.readFileSync(payloadFile(inc, damaged));
    d[d.length - 2] ^= 1;
    fs.writeFileSync(payloadFile(inc, damaged), d);
    fs.rmSync(payloadFile(inc, missing));
    // Another component's file under this one's name, its index entry made to match it.
    const other = fs.readFileSync(payloadFile(inc, keys[4] ?? keys[0]));
    fs.writeFileSync(payloadFile(inc, swapped), other);
    index.entries[swapped] = { ...index.entries[swapped], bytes: other.length, crc: zlib.crc32(other) };
    // An index entry that names an older file: its size and CRC no longer those on disk.
    index.entries[stale] = { ...index.entries[stale], crc: (index.entries[stale].crc + 1) >>> 0 };
    writeIndex(inc, index);
    editQuota(reg, 34);
    expect(await both(reg)).not.toBe('none');
    expect(componentsBuilt(out)[0]).toBe(4);
    expect(differingFiles()).toEqual([]);
  }, 300_000);

  it("compiles a tenant's files independently of its line and index in tenants.yaml", () => {
    const environments = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
    const env = environments[0];
    const infra = loadInfraOutputs(ROOT, env.name, env);
    const tenants = loadTenants(EXAMPLE);
    const segments = tenantSegments(tenants);
    for (const t of tenants) {
      const moved = { ...t, line: t.line + 17, index: t.index + 3 };
      expect(tenantUnitFiles(moved, env, infra, segments)).toEqual(tenantUnitFiles(t, env, infra, segments));
      expect(unitKey('k', moved)).toBe(unitKey('k', t));
    }
  });
});
