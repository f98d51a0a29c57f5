import { describe, expect, it } from 'vitest';
import { PlatformSchedulingPolicy } from '../../charts/platform/policies/platform-scheduling-policy';
import { only, synth } from '../helpers';

const policy = only(
  synth((c) => new PlatformSchedulingPolicy(c, 'P')),
  'ClusterPolicy',
);
const rule = (name: string) => policy.spec.rules.find((r: any) => r.name === name);
const patch = (name: string) => JSON.parse(rule(name).mutate.patchesJson6902);
const platformToleration = { key: 'workload', operator: 'Equal', value: 'platform', effect: 'NoSchedule' };

describe('PlatformSchedulingPolicy', () => {
  it('is a kyverno.io/v1 ClusterPolicy that mutates at admission only and never blocks it', () => {
    expect(policy.apiVersion).toBe('kyverno.io/v1');
    expect(policy.metadata.name).toBe('platform-scheduling');
    expect(policy.metadata.labels['platform.agentic.io/component']).toBe('policies');
    expect(policy.spec).toMatchObject({ admission: true, background: false, failurePolicy: 'Ignore' });
  });

  it('adds the toleration before it sets the nodeSelector, so the toleration rules still see a pod without one', () => {
    expect(policy.spec.rules.map((r: any) => r.name)).toEqual([
      'platform-first-toleration',
      'platform-added-toleration',
      'platform-node-selector',
    ]);
    expect(patch('platform-first-toleration')).toEqual([
      { op: 'add', path: '/spec/tolerations', value: [platformToleration] },
    ]);
    expect(patch('platform-added-toleration')).toEqual([
      { op: 'add', path: '/spec/tolerations/-', value: platformToleration },
    ]);
    expect(rule('platform-node-selector').mutate).toEqual({
      patchStrategicMerge: { spec: { nodeSelector: { 'node-role': 'platform' } } },
    });
  });

  it('acts on pods created in namespaces labelled with a platform component, except the central gateway proxy', () => {
    for (const r of policy.spec.rules) {
      expect(r.match).toEqual({
        any: [
          {
            resources: {
              kinds: ['Pod'],
              operations: ['CREATE'],
              namespaceSelector: { matchExpressions: [{ key: 'platform.agentic.io/component', operator: 'Exists' }] },
            },
          },
        ],
      });
      expect(r.exclude).toEqual({
        any: [
          {
            resources: {
              namespaces: ['agentgateway-system'],
              selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'agentgateway-proxy' } },
            },
          },
        ],
      });
    }
  });

  it('leaves pods that choose their node: every rule requires no nodeSelector, nodeName or node affinity', () => {
    for (const r of policy.spec.rules) {
      const keys = r.preconditions.all.map((c: any) => c.key);
      expect(keys).toContain('{{ length(request.object.spec.nodeSelector || `{}`) }}');
      expect(keys).toContain("{{ request.object.spec.nodeName || '' }}");
      expect(keys).toContain('{{ length(request.object.spec.affinity.nodeAffinity || `{}`) }}');
    }
    expect(rule('platform-first-toleration').preconditions.all).toContainEqual({
      key: '{{ length(request.object.spec.tolerations || `[]`) }}',
      operator: 'Equals',
      value: 0,
    });
    expect(rule('platform-added-toleration').preconditions.all).toContainEqual({
      key: "{{ length(request.object.spec.tolerations[?key=='workload' && value=='platform'] || `[]`) }}",
      operator: 'Equals',
      value: 0,
    });
  });

  it('has no sync wave unless given one, and refuses a wave that is not a whole number', () => {
    expect(policy.metadata.annotations['argocd.argoproj.io/sync-wave']).toBeUndefined();
    const waved = only(
      synth((c) => new PlatformSchedulingPolicy(c, 'P', { syncWave: 3 })),
      'ClusterPolicy',
    );
    expect(waved.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('3');
    expect(() => synth((c) => new PlatformSchedulingPolicy(c, 'P', { syncWave: 1.5 }))).toThrow(
      'ClusterPolicy platform-scheduling: syncWave 1.5 is not an integer; Argo CD sync waves are whole numbers',
    );
  });

  it('places on another node group and takes another name when asked', () => {
    const other = only(
      synth((c) => new PlatformSchedulingPolicy(c, 'P', { name: 'x', group: 'gateway' })),
      'ClusterPolicy',
    );
    expect(other.metadata.name).toBe('x');
    expect(other.spec.rules.at(-1).mutate.patchStrategicMerge.spec.nodeSelector).toEqual({ 'node-role': 'gateway' });
    expect(JSON.parse(other.spec.rules[0].mutate.patchesJson6902)[0].value).toEqual([
      { ...platformToleration, value: 'gateway' },
    ]);
  });
});
