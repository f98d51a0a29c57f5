import { describe, expect, it } from 'vitest';
import { TenantSchedulingPolicy } from '../../charts/platform/policies/tenant-scheduling-policy';
import { only, synth } from '../helpers';

const policy = only(
  synth((c) => new TenantSchedulingPolicy(c, 'P')),
  'ClusterPolicy',
);
const agentsToleration = { key: 'workload', operator: 'Equal', value: 'agents', effect: 'NoSchedule' };

describe('TenantSchedulingPolicy', () => {
  it('is a kyverno.io/v1 ClusterPolicy that mutates at admission only and never blocks it', () => {
    expect(policy.apiVersion).toBe('kyverno.io/v1');
    expect(policy.metadata.name).toBe('tenant-scheduling');
    expect(policy.spec).toMatchObject({ admission: true, background: false, failurePolicy: 'Ignore' });
  });

  it('acts on every pod created in a tenant namespace, whatever placement it asked for', () => {
    for (const r of policy.spec.rules) {
      expect(r.match).toEqual({
        any: [
          {
            resources: {
              kinds: ['Pod'],
              operations: ['CREATE'],
              namespaceSelector: { matchLabels: { 'platform.agentic.io/tenant': 'true' } },
            },
          },
        ],
      });
      expect(r.exclude).toBeUndefined();
      for (const c of r.preconditions?.all ?? []) expect(c.key).toContain('tolerations');
    }
  });

  it('adds the agents toleration when missing and sets node-role agents over any node-role the pod chose', () => {
    const [first, added, selector] = policy.spec.rules;
    expect(JSON.parse(first.mutate.patchesJson6902)).toEqual([
      { op: 'add', path: '/spec/tolerations', value: [agentsToleration] },
    ]);
    expect(JSON.parse(added.mutate.patchesJson6902)).toEqual([
      { op: 'add', path: '/spec/tolerations/-', value: agentsToleration },
    ]);
    expect(selector.name).toBe('agents-node-selector');
    expect(selector.preconditions).toBeUndefined();
    expect(selector.mutate).toEqual({ patchStrategicMerge: { spec: { nodeSelector: { 'node-role': 'agents' } } } });
  });

  it('annotates the sync wave when given one', () => {
    const waved = only(
      synth((c) => new TenantSchedulingPolicy(c, 'P', { syncWave: -1 })),
      'ClusterPolicy',
    );
    expect(waved.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(policy.metadata.annotations['argocd.argoproj.io/sync-wave']).toBeUndefined();
  });
});
