import { describe, expect, it } from 'vitest';
import { TracepropPolicy } from '../../charts/platform/policies/traceprop-policy';
import { collect, only, synth } from '../helpers';

const policy = only(
  synth((c) => new TracepropPolicy(c, 'P')),
  'ClusterPolicy',
);
const rule = (name: string) => policy.spec.rules.find((r: any) => r.name === name);
const declarative = { key: "{{ request.object.spec.type || '' }}", operator: 'Equals', value: 'Declarative' };

describe('TracepropPolicy', () => {
  it('acts on kagent v1alpha2 Agents of type Declarative as they are created or updated', () => {
    expect(policy.metadata.name).toBe('traceprop');
    expect(policy.spec).toMatchObject({ admission: true, background: false, failurePolicy: 'Ignore' });
    for (const r of policy.spec.rules) {
      expect(r.match).toEqual({
        any: [{ resources: { kinds: ['kagent.dev/v1alpha2/Agent'], operations: ['CREATE', 'UPDATE'] } }],
      });
      expect(r.preconditions.all).toContainEqual(declarative);
    }
  });

  it('leaves Agents an Argo CD Application syncs (tracking annotation) and compiled Agents (managed-by label) alone', () => {
    for (const r of policy.spec.rules) {
      expect(r.preconditions.all).toContainEqual({
        key: '{{ request.object.metadata.annotations."argocd.argoproj.io/tracking-id" || \'\' }}',
        operator: 'Equals',
        value: '',
      });
      expect(r.preconditions.all).toContainEqual({
        key: '{{ request.object.metadata.labels."app.kubernetes.io/managed-by" || \'\' }}',
        operator: 'NotEquals',
        value: 'agentic-platform',
      });
    }
  });

  it('writes into spec.declarative.deployment.env, where the Agent CRD keeps a declarative agent env', () => {
    expect(rule('add-env').mutate.patchStrategicMerge).toEqual({
      spec: { declarative: { deployment: { env: [{ name: 'DISABLE_AIOHTTP_TRANSPORT', value: 'True' }] } } },
    });
    expect(JSON.parse(rule('append-env').mutate.patchesJson6902)).toEqual([
      {
        op: 'add',
        path: '/spec/declarative/deployment/env/-',
        value: { name: 'DISABLE_AIOHTTP_TRANSPORT', value: 'True' },
      },
    ]);
    const set = rule('set-env-value').mutate.foreach[0];
    expect(set.list).toBe('request.object.spec.declarative.deployment.env');
    expect(JSON.parse(set.patchesJson6902)).toEqual([
      { op: 'add', path: '/spec/declarative/deployment/env/{{ elementIndex }}/value', value: 'True' },
    ]);
  });

  it('replaces no env list: the merge patch only runs when there is none, the others append or set one entry', () => {
    expect(rule('add-env').preconditions.all).toContainEqual({
      key: '{{ length(request.object.spec.declarative.deployment.env || `[]`) }}',
      operator: 'Equals',
      value: 0,
    });
    expect(rule('append-env').preconditions.all).toContainEqual({
      key: "{{ length(request.object.spec.declarative.deployment.env[?name=='DISABLE_AIOHTTP_TRANSPORT'] || `[]`) }}",
      operator: 'Equals',
      value: 0,
    });
    expect(collect(policy.spec.rules.slice(1), 'patchStrategicMerge')).toEqual([]);
  });

  it('leaves an entry that takes its value from a source', () => {
    expect(rule('set-env-value').mutate.foreach[0].preconditions.all).toEqual([
      { key: '{{ element.name }}', operator: 'Equals', value: 'DISABLE_AIOHTTP_TRANSPORT' },
      { key: "{{ element.value || '' }}", operator: 'NotEquals', value: 'True' },
      { key: '{{ length(element.valueFrom || `{}`) }}', operator: 'Equals', value: 0 },
    ]);
  });
});
