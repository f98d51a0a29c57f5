/**
 * Incremental synth reports a path error exactly as a fresh synth does, although it does not list
 * the paths of the tenants it does not compile (charts/synth/parallel.ts `PlannedPaths`). The
 * compiler is given a fault here: a tenant named `<x>-twin` also writes tenant x's Argo CD project,
 * and a display name `Path <p>` writes one more file at p. A rename or an edit then makes a
 * compiled tenant collide with one taken from the record, or with a shared file, or leave the output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../charts/main';
import { RECORD_DIR } from '../../charts/synth/record';
import { outputTree, scratchRoot } from './scratch-root';

/** Tenant units compiled (each asks for its Argo CD files once). */
const compiled = { units: 0 };

vi.mock('../../charts/argocd/generate', async (original) => {
  const real = await original<typeof import('../../charts/argocd/generate')>();
  return {
    ...real,
    tenantArgoCd: (...args: Parameters<typeof real.tenantArgoCd>) => {
      const [env, tenant] = args;
      compiled.units++;
      const files = real.tenantArgoCd(...args);
      const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: tenant.name } };
      const twin = /^(.+)-twin$/.exec(tenant.name);
      if (twin) files.set(`argocd/${env.name}/projects/appproject-tenant-${twin[1]}.yaml`, object);
      const extra = /^Path (\S+)$/.exec(tenant.displayName ?? '');
      if (extra) files.set(extra[1].replace('{env}', env.name), object);
      return files;
    },
  };
});

const EXAMPLE = fs.readFileSync(path.resolve(__dirname, '..', '..', 'tenants.yaml'), 'utf8');

describe('incremental synth: path errors', () => {
  let inc: string;
  let fresh: string;
  let out: string[];
  beforeAll(() => {
    inc = scratchRoot('incremental-collision-');
    fresh = scratchRoot('incremental-collision-');
  });
  afterAll(() => {
    fs.rmSync(inc, { recursive: true, force: true });
    fs.rmSync(fresh, { recursive: true, force: true });
  });
  beforeEach(() => {
    out = [];
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    return () => vi.restoreAllMocks();
  });

  /** Synthesizes `text` incrementally in one root and from nothing in the other: exit codes and errors. */
  async function both(text: string): Promise<{ inc: [number, string[]]; fresh: [number, string[]]; units: number }> {
    const run = async (root: string): Promise<[number, string[]]> => {
      fs.writeFileSync(path.join(root, 'tenants.yaml'), text);
      out = [];
      compiled.units = 0;
      const code = await main(['--root', root, '--jobs', '1']);
      return [code, out];
    };
    const a = await run(inc);
    const units = compiled.units;
    for (const d of ['dist', 'argocd', RECORD_DIR]) fs.rmSync(path.join(fresh, d), { recursive: true, force: true });
    return { inc: a, fresh: await run(fresh), units };
  }

  const cases: [string, (text: string) => string, string][] = [
    [
      'a rename into a tenant taken from the record, before it',
      (t) => t.replace('- name: beta\n', '- name: alpha-twin\n'),
      'synth: two outputs map to argocd/dev/projects/appproject-tenant-alpha.yaml',
    ],
    [
      'a rename into a tenant taken from the record, after it',
      (t) => t.replace('- name: beta\n', '- name: research-twin\n'),
      'synth: two outputs map to argocd/dev/projects/appproject-tenant-research.yaml',
    ],
    [
      "an edit onto a later tenant's file, before an earlier collision of a shared file",
      (t) =>
        t
          .replace('displayName: Team Alpha', 'displayName: Path dist/{env}/tenants/research/README.md')
          .replace('displayName: Team Beta', 'displayName: Path argocd/{env}/projects/README.md'),
      'synth: two outputs map to dist/dev/tenants/research/README.md',
    ],
    [
      'an edit onto a shared file',
      (t) => t.replace('displayName: Team Beta', 'displayName: Path argocd/{env}/projects/README.md'),
      'synth: two outputs map to argocd/dev/projects/README.md',
    ],
    [
      'an edit out of the output',
      (t) => t.replace('displayName: Team Beta', 'displayName: Path outside/{env}.yaml'),
      'synth: outside/dev.yaml is outside argocd/ and dist/',
    ],
  ];

  it.each(cases)(
    '%s: the error of a fresh synth, and nothing written',
    async (_name, edit, expected) => {
      const valid = await both(EXAMPLE);
      expect(valid.inc[0], valid.inc[1].join('\n')).toBe(0);
      const before = outputTree(inc);
      const edited = edit(EXAMPLE);
      expect(edited).not.toBe(EXAMPLE);
      const r = await both(edited);
      expect(r.fresh[0]).toBe(1);
      expect(r.fresh[1].join('\n')).toContain(expected);
      expect(r.inc).toEqual(r.fresh);
      // The record was used: only the edited tenants were compiled (one or two, in two environments).
      expect(r.units).toBeLessThanOrEqual(4);
      expect(outputTree(inc)).toEqual(before);
    },
    300_000,
  );
});
