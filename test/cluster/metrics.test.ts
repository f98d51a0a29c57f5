/**
 * The metrics-server model's pure parts; the Metrics API through the real aggregator is in
 * test/integration/webhook-egress.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { half, podMetrics, selectorMatches } from '../../scripts/cluster-tier/metrics';

describe('selectorMatches', () => {
  const labels = { app: 'istiod', 'istio.io/rev': 'default' };
  it('matches equality and set-based terms as the HPA controller sends them', () => {
    expect(selectorMatches('app=istiod,istio.io/rev=default', labels)).toBe(true);
    expect(selectorMatches('app in (istiod,pilot),!missing', labels)).toBe(true);
    expect(selectorMatches('app!=other,istio.io/rev', labels)).toBe(true);
    expect(selectorMatches(null, labels)).toBe(true);
  });
  it('planted faults: a different value, a value outside the set, an absent key, a key that must be absent', () => {
    expect(selectorMatches('app=pilot', labels)).toBe(false);
    expect(selectorMatches('app in (pilot)', labels)).toBe(false);
    expect(selectorMatches('absent', labels)).toBe(false);
    expect(selectorMatches('!app', labels)).toBe(false);
    expect(selectorMatches('app notin (istiod)', labels)).toBe(false);
  });
});

describe('podMetrics', () => {
  const pod = (name: string, phase: string, app: string) => ({
    metadata: { name, namespace: 'istio-system', labels: { app } },
    spec: { containers: [{ name: 'discovery', resources: { requests: { cpu: '1', memory: '2Gi' } } }] },
    status: { phase },
  });
  it('reports half of the requests of running pods that match', () => {
    const list = podMetrics(
      [pod('a', 'Running', 'istiod'), pod('b', 'Pending', 'istiod'), pod('c', 'Running', 'other')],
      'istio-system',
      'app=istiod',
      't',
    ) as { items: { metadata: { name: string }; containers: { usage: object }[] }[] };
    expect(list.items.map((i) => [i.metadata.name, i.containers[0]!.usage])).toEqual([
      ['a', { cpu: '500m', memory: '1048576Ki' }],
    ]);
  });
  it('halves quantities in their units', () => {
    expect([half('250m', 'cpu'), half('2', 'cpu'), half('128Mi', 'memory'), half(undefined, 'cpu')]).toEqual([
      '125m',
      '1000m',
      '65536Ki',
      '0',
    ]);
  });
});
