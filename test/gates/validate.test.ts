/** The validate command: every gate runs, and a gate that cannot run fails instead of being skipped. */
import { describe, expect, it } from 'vitest';
import { GATES, runGates, summary } from '../../scripts/cli/validate';
import { repoOutput } from './fixture';

describe('npm run validate', () => {
  it('has every gate', () => {
    expect(Object.keys(GATES)).toEqual([
      'kubeconform',
      'kubectl-validate',
      'isolation',
      'flows',
      'rbac',
      'workloads',
      'gitleaks',
      'chainsaw-lint',
      'placeholders',
    ]);
  });

  it('reports a gate that throws (such as a missing tool) as failed, and runs the others', async () => {
    const gates = {
      ...GATES,
      broken: () =>
        Promise.reject(
          new Error(
            'kubeconform v0.8.0 is not installed in .tools/bin (or was built from other inputs); run: npm run tools',
          ),
        ),
    };
    const saved = { ...GATES };
    Object.assign(GATES as Record<string, unknown>, gates);
    try {
      const results = await runGates(repoOutput(), ['broken', 'rbac']);
      expect(results.map((r) => [r.gate, r.errors])).toEqual([
        [
          'broken',
          ['kubeconform v0.8.0 is not installed in .tools/bin (or was built from other inputs); run: npm run tools'],
        ],
        ['rbac', []],
      ]);
      expect(summary(results[0])).toMatch(/^broken {11}FAILED \(1 problem\) +0 objects in \d+\.\ds$/);
    } finally {
      delete (GATES as Record<string, unknown>).broken;
      expect(GATES).toEqual(saved);
    }
  });

  it('runs the gates at the same time and reports them in the order asked', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const result = (gate: string) => ({ gate, checked: 1, unit: 'objects', errors: [], ms: 0 });
    // "waits" finishes only after "releases" has started: run one after the other, it never would.
    const gates = {
      waits: async () => (await released, result('waits')),
      releases: async () => (release(), result('releases')),
    };
    Object.assign(GATES as Record<string, unknown>, gates);
    try {
      const seen: string[] = [];
      const results = await runGates(repoOutput(), ['waits', 'releases'], (r) => seen.push(r.gate));
      expect(results.map((r) => r.gate)).toEqual(['waits', 'releases']);
      // "releases" finished first, but is reported after "waits".
      expect(seen).toEqual(['waits', 'releases']);
    } finally {
      for (const k of Object.keys(gates)) delete (GATES as Record<string, unknown>)[k];
    }
  });
});
