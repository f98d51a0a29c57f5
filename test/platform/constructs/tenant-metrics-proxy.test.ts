import { describe, expect, it } from 'vitest';
import {
  MetricsProxyNetwork,
  metricsProxyArgs,
  TenantMetricsProxy,
} from '../../../charts/platform/constructs/tenant-metrics-proxy';
import { only, synth } from '../../helpers';

describe('TenantMetricsProxy', () => {
  const objects = synth(
    (c) =>
      new TenantMetricsProxy(c, 'p', {
        tenant: 'alpha',
        image: { registry: 'quay.io', repository: 'prometheuscommunity/prom-label-proxy', tag: 'v0.14.0' },
      }),
  );
  const d = only(objects, 'Deployment');

  it("enforces the tenant's namespace as the only value, refusing contradicting selectors, in front of Prometheus", () => {
    expect(metricsProxyArgs('alpha')).toEqual([
      '-insecure-listen-address=0.0.0.0:8080',
      '-upstream=http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090',
      '-label=namespace',
      '-label-value=tenant-alpha',
      '-error-on-replace',
      '-enable-label-apis',
    ]);
    expect(d.spec.template.spec.containers[0].args).toEqual(metricsProxyArgs('alpha'));
    expect(d.spec.template.spec.containers[0].image).toBe('quay.io/prometheuscommunity/prom-label-proxy:v0.14.0');
  });

  it('is the Deployment and Service tenant-<name> in monitoring, two replicas, hardened, without a token', () => {
    expect(d.metadata).toMatchObject({ name: 'tenant-alpha', namespace: 'monitoring' });
    expect(only(objects, 'Service').metadata.name).toBe('tenant-alpha');
    expect(d.spec.replicas).toBe(2);
    expect(only(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    const pod = d.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('takes queries from Grafana only and sends them to Prometheus only', () => {
    const np = only(
      synth((c) => new MetricsProxyNetwork(c, 'n')),
      'NetworkPolicy',
    );
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'prom-label-proxy' } });
    expect(np.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'grafana' } },
          },
        ],
        ports: [
          { protocol: 'TCP', port: 8080 },
          { protocol: 'TCP', port: 15008 },
        ],
      },
      { from: [{ ipBlock: { cidr: '169.254.7.127/32' } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    expect(np.spec.egress[1]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ],
      ports: [
        { protocol: 'TCP', port: 9090 },
        { protocol: 'TCP', port: 15008 },
      ],
    });
  });
});
