/**
 * The record's folder check on another thread (`startFolderCheck`, charts/synth/record.ts): it
 * answers as `foldersUnchanged` does, and a synth takes its answer only for the folders it checked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../charts/main';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { loadTenants } from '../../charts/config/load-tenants';
import { type FolderCheck, foldersUnchanged, readRecord, startFolderCheck } from '../../charts/synth/record';
import { writeOutput } from '../../charts/synth/output';
import { scratchRoot } from './scratch-root';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8');

describe('the folder check on another thread', () => {
  let root: string;
  beforeAll(async () => {
    root = scratchRoot('folder-check-', EXAMPLE);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main(['--root', root, '--jobs', '1'])).toBe(0);
    vi.restoreAllMocks();
  }, 120_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  /** The thread's answer, and foldersUnchanged's for the same folders. */
  async function answers(): Promise<[boolean, boolean]> {
    const check = startFolderCheck(root)!;
    expect(check.dirs).toEqual(readRecord(root)!.dirs);
    return [await check.unchanged, foldersUnchanged(root, check.dirs)];
  }

  it('answers as foldersUnchanged: as written, a file added, a file removed, a folder removed', async () => {
    expect(await answers()).toEqual([true, true]);
    const stray = path.join(root, 'dist', 'dev', 'tenants', 'alpha', 'stray.yaml');
    fs.writeFileSync(stray, 'x: 1\n');
    expect(await answers()).toEqual([false, false]);
    expect(await main(['--root', root, '--jobs', '1'])).toBe(0); // removes it, writes a new record
    expect(await answers()).toEqual([true, true]);
    const victim = fs.readdirSync(path.join(root, 'dist', 'prod', 'tenants', 'beta'))[0];
    fs.rmSync(path.join(root, 'dist', 'prod', 'tenants', 'beta', victim), { recursive: true });
    expect(await answers()).toEqual([false, false]);
    expect(await main(['--root', root, '--jobs', '1'])).toBe(0);
    fs.rmSync(path.join(root, 'dist', 'prod', 'platform'), { recursive: true });
    expect(await answers()).toEqual([false, false]);
    expect(await main(['--root', root, '--jobs', '1'])).toBe(0);
    expect(await answers()).toEqual([true, true]);
  }, 120_000);

  it('is none without a record', () => {
    const empty = scratchRoot('folder-check-empty-', EXAMPLE);
    try {
      expect(startFolderCheck(empty)).toBeUndefined();
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('is taken by a synth only for the folders it checked', async () => {
    const environments = loadEnvironments(path.join(root, 'charts', 'environments'));
    const input = {
      environments,
      tenants: loadTenants(EXAMPLE),
      infra: new Map(environments.map((e) => [e.name, loadInfraOutputs(root, e.name, e)])),
    };
    const write = async (check: (dirs: FolderCheck['dirs']) => FolderCheck) => {
      const prev = readRecord(root)!;
      const keys = { inputs: prev.inputs, environments: new Map(Object.entries(prev.environments)) };
      const victim = path.join(root, 'dist', 'dev', 'tenants', 'beta', 'README.md');
      fs.rmSync(victim, { force: true });
      const outcome = await writeOutput(root, input, undefined, keys, false, check(prev.dirs));
      return { compiled: outcome.units.compiled, total: outcome.units.total, restored: fs.existsSync(victim) };
    };
    // A check of other folders (one time differs) that says "unchanged" is not taken: the folders
    // are checked here, the hand-made deletion is found, and every unit is compiled again.
    const other = await write((dirs) => ({
      dirs: { names: dirs.names, stamps: dirs.stamps.map((s, i) => (i === 0 ? `${s}1` : s)) },
      unchanged: Promise.resolve(true),
    }));
    expect(other).toEqual({ compiled: other.total, total: other.total, restored: true });
    // Planted: the same answer for the record's own folders is taken, so the record is trusted
    // and the deletion stays unseen; a synth that took any check's answer would do this above.
    const same = await write((dirs) => ({ dirs, unchanged: Promise.resolve(true) }));
    expect(same).toEqual({ compiled: 0, total: other.total, restored: false });
    // A check of the record's folders that says "changed" is taken: everything is compiled.
    const changed = await write((dirs) => ({ dirs, unchanged: Promise.resolve(false) }));
    expect(changed).toEqual({ compiled: other.total, total: other.total, restored: true });
  }, 120_000);
});
