import { describe, expect, it } from 'vitest';
import { KyvernoPermissions } from '../../charts/platform/policies/kyverno-permissions';
import { only, synth } from '../helpers';

describe('KyvernoPermissions', () => {
  const role = only(
    synth((c) => new KyvernoPermissions(c, 'K')),
    'ClusterRole',
  );

  it("aggregates into Kyverno's background controller role", () => {
    expect(role.metadata.name).toBe('kyverno-agentic-platform-background');
    expect(role.metadata.labels['rbac.kyverno.io/aggregate-to-background-controller']).toBe('true');
    expect(role.metadata.annotations).toBeUndefined();
  });

  it('grants what auto-expose needs: HTTPRoutes in full, the trigger kinds read-only, nothing else', () => {
    expect(role.rules).toEqual([
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
      { apiGroups: ['kagent.dev'], resources: ['agents'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaybackends'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  it('carries the sync wave it is given', () => {
    const waved = only(synth((c) => new KyvernoPermissions(c, 'K', { syncWave: 2 })), 'ClusterRole');
    expect(waved.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '2' });
  });
});
