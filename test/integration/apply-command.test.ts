/**
 * `npm run apply` against the integration tier's API server: a dry run changes nothing, --yes
 * creates every object of dist/dev/, a second run changes nothing, and an object that a copy of
 * dist/ no longer declares is pruned (within the tenant with --tenant) while an unlabelled object
 * and a labelled one this command did not apply survive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listManaged } from '../../scripts/apply/cluster';
import { APPLY_COMMAND, runApply } from '../../scripts/cli/apply';
import { changeOf, crdFiles, installCrds, kubectl, objectKey } from '../../scripts/kube/apply';
import { startControlPlane, type ControlPlane } from '../../scripts/integration/control-plane';
import { runCommand } from '../../scripts/lib/cli';
import { CRDS_DIR } from '../../scripts/toolchain/schemas';
import { copyOutput, type OutputCopy } from '../gates/fixture';

let cp: ControlPlane | undefined;
let copy: OutputCopy;
let declared = 0;

beforeAll(async () => {
  copy = copyOutput();
  declared = copy
    .output()
    .environments.find((e) => e.name === 'dev')!
    .manifests.filter((m) => m.file.startsWith('dist/dev/')).length;
  cp = await startControlPlane();
  await installCrds(cp, crdFiles(CRDS_DIR));
});

afterAll(async () => {
  await cp?.stop();
  copy?.cleanup();
});

/** Runs `npm run apply -- <argv> --kubeconfig <control plane>` on the copy; resolves the exit code and the report. */
async function apply(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const err = vi.spyOn(console, 'error').mockImplementation((l) => void lines.push(String(l)));
  try {
    const code = await runCommand(
      APPLY_COMMAND,
      (a) =>
        runApply(a, { root: copy.root, env: cp!.env, write: (l) => lines.push(l), progressWrite: () => undefined }),
      [...argv, '--kubeconfig', cp!.kubeconfig],
    );
    return { code, lines };
  } finally {
    err.mockRestore();
  }
}

/** Every labelled object in the cluster by objectKey. */
async function managed(): Promise<Map<string, Record<string, any>>> {
  const { objects, unlisted } = await listManaged(cp!);
  expect(unlisted).toBe('');
  return new Map(objects.map((o) => [objectKey(o), o]));
}

async function exists(kind: string, namespace: string, name: string): Promise<boolean> {
  const r = await kubectl(cp!, ['get', kind, name, '-n', namespace, '--ignore-not-found', '-o', 'name']);
  expect(r.code).toBe(0);
  return r.stdout.trim() !== '';
}

describe('npm run apply on kube-apiserver', () => {
  it('changes nothing in a dry run, and says what it would create', async () => {
    const r = await apply('dev');
    expect(r.code).toBe(0);
    expect(r.lines[0]).toMatch(
      new RegExp(
        `^apply: dev: ${declared} objects to context integration at https://127\\.0\\.0\\.1:\\d+; dry run, nothing is changed \\(--yes applies\\)$`,
      ),
    );
    expect(r.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^apply: dev: ${declared} objects in \\d+ steps: ${declared} would be created, 0 would be changed, 0 unchanged, 0 rejected \\(\\d+ in namespaces this run creates were not sent to the server\\)$`,
        ),
      ),
    );
    expect(r.lines).toContain('apply: dev: nothing to prune in the cluster');
    expect(r.lines[r.lines.length - 1]).toBe('apply: dev: dry run: nothing was changed; run again with --yes to apply');
    expect((await managed()).size).toBe(0);
    expect(await exists('namespace', '', 'tenant-alpha')).toBe(false);
  });

  it('creates every object of dist/dev/ with --yes, and a second run is a no-op', async () => {
    const first = await apply('dev', '--yes');
    expect(first.code, first.lines.join('\n')).toBe(0);
    expect(first.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^apply: dev: ${declared} objects in \\d+ steps: ${declared} created, 0 changed, 0 unchanged, 0 rejected$`,
        ),
      ),
    );
    const after = await managed();
    expect(after.size).toBe(declared);

    const second = await apply('dev', '--yes');
    expect(second.code).toBe(0);
    expect(second.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^apply: dev: ${declared} objects in \\d+ steps: 0 created, 0 changed, ${declared} unchanged, 0 rejected$`,
        ),
      ),
    );
    expect(second.lines).toContain('apply: dev: nothing to prune in the cluster');
    // Not one object differs. (The server may store an object again without a visible change,
    // such as a NetworkPolicy whose `ingress: []` it drops on every write: its resourceVersion
    // and generation move, its content does not.)
    const again = await managed();
    expect([...again.keys()].sort()).toEqual([...after.keys()].sort());
    expect([...again].filter(([k, o]) => changeOf(after.get(k), o) !== 'unchanged').map(([k]) => k)).toEqual([]);
  });

  it('prunes a labelled object that dist/ no longer declares, only in the tenant with --tenant, and nothing unlabelled', async () => {
    expect((await kubectl(cp!, ['create', 'configmap', 'hand-made', '-n', 'tenant-alpha'])).code).toBe(0);
    expect((await kubectl(cp!, ['create', 'configmap', 'hand-labelled', '-n', 'tenant-alpha'])).code).toBe(0);
    expect(
      (
        await kubectl(cp!, [
          'label',
          'configmap',
          'hand-labelled',
          '-n',
          'tenant-alpha',
          'app.kubernetes.io/managed-by=agentic-platform',
        ])
      ).code,
    ).toBe(0);
    for (const t of ['alpha', 'beta'])
      fs.rmSync(path.join(copy.root, `dist/dev/tenants/${t}/networkpolicy-allow-dns.yaml`));

    const dry = await apply('dev', '--tenant', 'alpha');
    expect(dry.code).toBe(0);
    expect(dry.lines).toContain(
      'apply: dev (tenant alpha): would prune 1 object(s) in namespace tenant-alpha that dist/ no longer declares:',
    );
    expect(dry.lines).toContain('  - NetworkPolicy tenant-alpha/allow-dns');
    expect(dry.lines).toContainEqual(
      expect.stringMatching(
        /^apply: dev \(tenant alpha\): left alone: ConfigMap tenant-alpha\/hand-labelled: not applied by npm run apply/,
      ),
    );
    expect(await exists('networkpolicy', 'tenant-alpha', 'allow-dns')).toBe(true);

    const tenant = await apply('dev', '--tenant', 'alpha', '--yes');
    expect(tenant.code).toBe(0);
    expect(tenant.lines).toContainEqual(
      expect.stringMatching(
        /^apply: dev \(tenant alpha\): \d+ objects in 3 steps: 0 created, 0 changed, \d+ unchanged, 0 rejected$/,
      ),
    );
    expect(await exists('networkpolicy', 'tenant-alpha', 'allow-dns')).toBe(false);
    expect(await exists('networkpolicy', 'tenant-beta', 'allow-dns')).toBe(true);
    expect(await exists('configmap', 'tenant-alpha', 'hand-made')).toBe(true);
    expect(await exists('configmap', 'tenant-alpha', 'hand-labelled')).toBe(true);

    const all = await apply('dev', '--yes');
    expect(all.code).toBe(0);
    expect(all.lines).toContain('apply: dev: pruning 1 object(s) in the cluster that dist/ no longer declares:');
    expect(all.lines).toContain('  - NetworkPolicy tenant-beta/allow-dns');
    expect(await exists('networkpolicy', 'tenant-beta', 'allow-dns')).toBe(false);
    expect(await exists('configmap', 'tenant-alpha', 'hand-made')).toBe(true);
    expect(await exists('configmap', 'tenant-alpha', 'hand-labelled')).toBe(true);
    expect((await managed()).size).toBe(declared - 2 + 1);
  });

  it('refuses a cluster where Argo CD syncs the platform', async () => {
    const root = path.join(copy.root, 'argocd/dev/bootstrap/application-root.yaml');
    expect((await kubectl(cp!, ['apply', '--server-side', '-f', root])).code).toBe(0);
    try {
      const r = await apply('dev', '--yes');
      expect(r.code).toBe(1);
      expect(r.lines[r.lines.length - 1]).toBe(
        'apply: the cluster runs Argo CD with 1 Application(s) of this platform, such as argocd/root; apply is for a cluster without Argo CD, which would fight it over every object: sync through Argo CD instead',
      );
    } finally {
      await kubectl(cp!, ['delete', '-f', root]);
    }
  });
});
