/**
 * `npm run apply` without an API server: arguments, environment and tenant checks, finding
 * kubectl, the kubeconfig, change detection, and the plan it applies. Against a real API server:
 * test/integration/apply-command.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findKubectl, globalArgs } from '../../scripts/apply/cluster';
import { APPLY_COMMAND, runApply } from '../../scripts/cli/apply';
import { changeOf, objectKey } from '../../scripts/kube/apply';
import { syncPlan, tenantSteps, tenantsOf } from '../../scripts/kube/sync-plan';
import { runCommand } from '../../scripts/lib/cli';
import { ROOT, repoOutput } from '../gates/fixture';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'apply-test-'));
  temps.push(d);
  return d;
};
const executable = (dir: string, name: string) => {
  fs.writeFileSync(path.join(dir, name), '#!/bin/sh\n', { mode: 0o755 });
  return path.join(dir, name);
};

/** Runs the command with a kubectl that must never be started; resolves the exit code and the one-line error. */
async function run(...argv: string[]): Promise<{ code: number; error: string }> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await runCommand(
      APPLY_COMMAND,
      (a) => runApply(a, { root: ROOT, kubectl: '/nonexistent/kubectl', write: () => undefined }),
      argv,
    );
    return { code, error: err.mock.calls.map((c) => String(c[0])).join('\n') };
  } finally {
    err.mockRestore();
  }
}

describe('npm run apply arguments', () => {
  it('needs exactly one environment', async () => {
    expect(await run()).toEqual({
      code: 2,
      error: `apply: name the environment, such as dev\nusage: ${APPLY_COMMAND.usage} (--help for more)`,
    });
    expect((await run('dev', 'prod')).error.split('\n')[0]).toBe('apply: one environment, got dev prod');
    expect((await run('dev', '--force')).error.split('\n')[0]).toBe('apply: unknown option --force');
  });

  it('names the known environments and tenants when given an unknown one', async () => {
    expect(await run('qa')).toEqual({ code: 1, error: 'apply: no environment qa (known: dev, prod)' });
    expect(await run('dev', '--tenant', 'zeta')).toEqual({
      code: 1,
      error:
        'apply: no tenant zeta in dist/dev/tenants/ (known: alpha, beta, research); add it to tenants.yaml and run npm run synth',
    });
  });

  it('refuses a kubeconfig that is not there before starting kubectl', async () => {
    expect(await run('dev', '--kubeconfig', '/nonexistent/config')).toEqual({
      code: 1,
      error: 'apply: --kubeconfig /nonexistent/config: no such file',
    });
    expect(globalArgs(undefined, 'kind-dev')).toEqual(['--context=kind-dev']);
    const config = path.join(tempDir(), 'config');
    fs.writeFileSync(config, '');
    expect(globalArgs(config)).toEqual([`--kubeconfig=${config}`]);
  });
});

describe('findKubectl', () => {
  it('prefers .tools/bin/kubectl, then the first kubectl on PATH, and says what to do without either', () => {
    const tools = tempDir();
    const a = tempDir();
    const b = tempDir();
    const onPath = `${a}${path.delimiter}${b}`;
    expect(() => findKubectl(tools, onPath)).toThrow(
      'kubectl not found: neither .tools/bin/kubectl (npm run tools builds it) nor kubectl on PATH',
    );
    fs.writeFileSync(path.join(a, 'kubectl'), 'not executable');
    const second = executable(b, 'kubectl');
    expect(findKubectl(tools, onPath)).toBe(second);
    const local = executable(tools, 'kubectl');
    expect(findKubectl(tools, onPath)).toBe(local);
  });
});

describe('change detection', () => {
  const before = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', namespace: 'n', resourceVersion: '1', generation: 1, managedFields: [{ manager: 'a' }] },
    data: { k: 'v' },
  };
  it('ignores what every write changes by itself and sees any other difference', () => {
    expect(changeOf(undefined, before)).toBe('created');
    expect(
      changeOf(before, {
        ...before,
        metadata: { ...before.metadata, resourceVersion: '2', generation: 2, managedFields: [] },
        status: { x: 1 },
      }),
    ).toBe('unchanged');
    expect(changeOf(before, { ...before, data: { k: 'w' } })).toBe('changed');
    expect(changeOf(before, { ...before, metadata: { ...before.metadata, labels: { a: 'b' } } })).toBe('changed');
  });
  it('keys objects by group, kind, namespace and name', () => {
    expect(
      objectKey({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'a', namespace: 'n' } }),
    ).toBe('networking.k8s.io/NetworkPolicy/n/a');
    expect(objectKey({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } })).toBe('/Namespace//n');
  });
});

describe('the plan npm run apply hands to the cluster', () => {
  const dev = repoOutput().environments.find((e) => e.name === 'dev')!;

  it('is dist/<env>/ in sync order without argocd/<env>/', () => {
    const steps = syncPlan(dev, { argocd: false });
    const files = steps.flatMap((s) => s.objects.map((m) => m.file));
    expect(steps.map((s) => s.label)).not.toContain('argocd');
    expect(files.every((f) => f.startsWith('dist/dev/'))).toBe(true);
    expect(files.length).toBe(dev.manifests.filter((m) => m.file.startsWith('dist/dev/')).length);
    // The same order as the integration tier's plan, minus the Argo CD step.
    expect(syncPlan(dev).filter((s) => s.label !== 'argocd')).toEqual(steps);
  });

  it("with --tenant is the tenant's folder only: its Namespace first, then guardrails and workloads", () => {
    expect(tenantsOf(dev)).toEqual(['alpha', 'beta', 'research']);
    const steps = tenantSteps(syncPlan(dev, { argocd: false }), dev, 'alpha');
    expect(steps.map((s) => s.label)).toEqual(['namespaces', 'tenants/alpha', 'tenants/alpha/workloads']);
    expect(steps[0].objects.map((m) => m.object.metadata.name)).toEqual(['tenant-alpha']);
    const files = steps.flatMap((s) => s.objects.map((m) => m.file));
    expect(files.every((f) => f.startsWith('dist/dev/tenants/alpha/'))).toBe(true);
    expect(files.length).toBe(dev.manifests.filter((m) => m.file.startsWith('dist/dev/tenants/alpha/')).length);
  });
});
