import { describe, expect, it } from 'vitest';
import { PoliciesChart } from '../../charts/platform/policies-chart';
import { synthChart } from '../helpers';

describe('PoliciesChart', () => {
  const objects = synthChart((app) => new PoliciesChart(app, 'policies'));

  it('holds the five ClusterPolicies and the background controller ClusterRole, cluster-scoped', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterPolicy/appprotocol',
      'ClusterPolicy/auto-expose',
      'ClusterPolicy/platform-scheduling',
      'ClusterPolicy/tenant-scheduling',
      'ClusterPolicy/traceprop',
      'ClusterRole/kyverno-agentic-platform-background',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBeUndefined();
  });

  it('puts one sync wave on every object when given one, and none by default', () => {
    for (const o of objects) expect(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
    const waved = synthChart((app) => new PoliciesChart(app, 'policies', { syncWave: 4 }));
    for (const o of waved) expect(o.metadata.annotations['argocd.argoproj.io/sync-wave'], o.metadata.name).toBe('4');
  });
});
