import { describe, expect, it } from 'vitest';
import { AppProtocolPolicy } from '../../charts/platform/policies/appprotocol-policy';
import { only, synth } from '../helpers';

const policy = only(
  synth((c) => new AppProtocolPolicy(c, 'P')),
  'ClusterPolicy',
);
const [rule] = policy.spec.rules;

describe('AppProtocolPolicy', () => {
  it('acts on kagent agent Services carrying the expose annotation kagent copies from the Agent', () => {
    expect(policy.metadata.name).toBe('appprotocol');
    expect(policy.spec).toMatchObject({ admission: true, background: false, failurePolicy: 'Ignore' });
    expect(policy.spec.rules).toHaveLength(1);
    expect(rule.match).toEqual({
      any: [
        {
          resources: {
            kinds: ['Service'],
            operations: ['CREATE', 'UPDATE'],
            selector: { matchLabels: { app: 'kagent' } },
            annotations: { 'platform.agentic.io/expose': 'true' },
          },
        },
      ],
    });
    expect(rule.preconditions.all).toEqual([
      {
        key: "{{ length(request.object.metadata.ownerReferences[?kind=='Agent' && starts_with(apiVersion, 'kagent.dev/')] || `[]`) }}",
        operator: 'GreaterThan',
        value: 0,
      },
    ]);
    expect(rule.context).toBeUndefined();
  });

  it('patches the port found by name wherever it is in the list, not port 0', () => {
    const [each] = rule.mutate.foreach;
    expect(each.list).toBe('request.object.spec.ports');
    expect(each.preconditions.all).toEqual([{ key: '{{ element.name }}', operator: 'AnyIn', value: ['http'] }]);
    expect(JSON.parse(each.patchesJson6902)).toEqual([
      { op: 'add', path: '/spec/ports/{{ elementIndex }}/appProtocol', value: 'kgateway.dev/a2a' },
    ]);
    expect(JSON.stringify(policy)).not.toContain('/spec/ports/0');
  });

  it('takes other port names, and refuses none', () => {
    const other = only(
      synth((c) => new AppProtocolPolicy(c, 'P', { portNames: ['a2a', 'http'] })),
      'ClusterPolicy',
    );
    expect(other.spec.rules[0].mutate.foreach[0].preconditions.all[0].value).toEqual(['a2a', 'http']);
    expect(() => synth((c) => new AppProtocolPolicy(c, 'P', { portNames: [] }))).toThrow(
      'AppProtocolPolicy: portNames is empty; name at least one Service port (kagent names it "http")',
    );
  });
});
