/** The integration tier's apply order, computed from the output without an API server. */
import { describe, expect, it } from 'vitest';
import { syncPlan } from '../../scripts/kube/sync-plan';
import { copiesPerTest, repoOutput } from '../gates/fixture';

const freshCopy = copiesPerTest();
const env = (name: string, output = repoOutput()) => output.environments.find((e) => e.name === name)!;

describe('sync plan', () => {
  it('orders each environment as Argo CD syncs it: namespaces, Argo CD objects, platform waves, then tenants', () => {
    for (const e of repoOutput().environments) {
      const steps = syncPlan(e);
      // Every object exactly once.
      const planned = steps.flatMap((s) =>
        s.objects.map((m) => `${m.file}#${m.object.kind}/${m.object.metadata.name}`),
      );
      expect(new Set(planned).size).toBe(planned.length);
      expect(planned.length).toBe(e.manifests.length);
      expect(steps[0].label).toBe('namespaces');
      expect(steps[0].objects.every((m) => m.object.kind === 'Namespace')).toBe(true);
      expect(steps[0].objects.length).toBe(e.manifests.filter((m) => m.object.kind === 'Namespace').length);
      expect(steps[1].label).toBe('argocd');
      expect(steps[1].objects.every((m) => m.file.startsWith(`argocd/${e.name}/`))).toBe(true);
      const waves = steps
        .map((s) => /\(wave (\d+)\)$/.exec(s.label))
        .filter(Boolean)
        .map((m) => Number(m![1]));
      expect(waves).toEqual([...waves].sort((a, b) => a - b));
      const firstTenant = steps.findIndex((s) => s.label.startsWith('tenants/'));
      expect(firstTenant).toBeGreaterThan(1);
      expect(steps.slice(firstTenant).every((s) => s.label.startsWith('tenants/'))).toBe(true);
      expect(steps.slice(2, firstTenant).every((s) => s.label.startsWith('platform/'))).toBe(true);
    }
  });

  it('puts a platform directory in the wave of the Application that deploys it', () => {
    const steps = syncPlan(env('dev'));
    expect(steps.find((s) => s.objects.some((m) => m.file.startsWith('dist/dev/platform/tenancy/')))!.label).toBe(
      'platform/tenancy (wave 1)',
    );
    expect(steps.find((s) => s.objects.some((m) => m.file.startsWith('dist/dev/platform/gateway/')))!.label).toBe(
      'platform/gateway (wave 9)',
    );
  });

  it('runs a PostSync hook after the rest of its directory', () => {
    const keycloak = syncPlan(env('dev')).find((s) => s.label.startsWith('platform/keycloak '))!;
    const kinds = keycloak.objects.map((m) => m.object.kind);
    expect(kinds[kinds.length - 1]).toBe('Job');
    expect(keycloak.objects[kinds.length - 1].object.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
  });

  it('orders kinds inside a directory as Argo CD does', () => {
    const alpha = syncPlan(env('dev')).find((s) => s.label === 'tenants/alpha')!;
    const kinds = alpha.objects.map((m) => m.object.kind);
    expect(kinds.indexOf('NetworkPolicy')).toBeLessThan(kinds.indexOf('ResourceQuota'));
    expect(kinds.indexOf('ResourceQuota')).toBeLessThan(kinds.indexOf('LimitRange'));
    expect(kinds.indexOf('LimitRange')).toBeLessThan(kinds.indexOf('Secret'));
    expect(kinds.indexOf('Secret')).toBeLessThan(kinds.indexOf('RoleBinding'));
  });

  it('names a platform directory that no Application deploys and an object whose namespace nothing creates', () => {
    const copy = freshCopy();
    copy.write('dist/dev/platform/orphan/configmap-x.yaml', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'otel' },
    });
    copy.write('dist/dev/platform/gateway/configmap-y.yaml', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'y', namespace: 'nowhere' },
    });
    expect(() => syncPlan(env('dev', copy.output()))).toThrow(
      [
        'sync plan for dev:',
        "dist/dev/platform/gateway/configmap-y.yaml: ConfigMap y is in namespace nowhere, which no Namespace of dist/dev/ creates; add the namespace to the platform's namespaces component",
        'dist/dev/platform/orphan/: no Application of argocd/dev/ has it as a source path, so nothing would deploy its 1 object(s)',
      ].join('\n'),
    );
  });

  it('rejects a sync wave that is not an integer, naming the file', () => {
    const copy = freshCopy();
    const rel = 'argocd/dev/platform/application-platform-gateway.yaml';
    const app = copy.read(rel);
    app.metadata.annotations['argocd.argoproj.io/sync-wave'] = 'late';
    copy.write(rel, app);
    expect(() => syncPlan(env('dev', copy.output()))).toThrow(
      `${rel}: annotation argocd.argoproj.io/sync-wave is "late"; it must be an integer such as "0"`,
    );
  });
});
