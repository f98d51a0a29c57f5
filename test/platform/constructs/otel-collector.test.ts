import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OtelCollector } from '../../../charts/platform/constructs/otel-collector';
import { only, synth } from '../../helpers';

describe('OtelCollector', () => {
  const objects = synth((c) => new OtelCollector(c, 'o', { image: { registry: 'r.test', repository: 'otelcol', tag: '1.0' }, replicas: 2, authSecret: 'otel-collector-auth' }));
  const deployment = only(objects, 'Deployment');
  const config = parse(only(objects, 'ConfigMap').data['config.yaml']);

  it('receives OTLP on 4317 (gRPC) and 4318 (HTTP) behind the Service otel-collector', () => {
    const svc = only(objects, 'Service');
    expect(svc.metadata).toMatchObject({ name: 'otel-collector', namespace: 'otel' });
    expect(svc.spec.ports.map((p: { port: number }) => p.port)).toEqual([4317, 4318, 8888]);
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
  });

  it('exports traces only, to Langfuse, with the Basic auth header from the Secret', () => {
    expect(Object.keys(config.service.pipelines)).toEqual(['traces']);
    expect(config.exporters.otlphttp.headers.Authorization).toBe('${env:LANGFUSE_AUTH_HEADER}');
    expect(deployment.spec.template.spec.containers[0].env).toEqual([{ name: 'LANGFUSE_AUTH_HEADER', valueFrom: { secretKeyRef: { name: 'otel-collector-auth', key: 'AUTH_HEADER' } } }]);
  });

  it('runs hardened on platform nodes', () => {
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.nodeSelector).toEqual({ 'node-role': 'platform' });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.containers[0].image).toBe('r.test/otelcol:1.0');
  });

  it('is reachable for OTLP from every namespace and reaches only DNS and Langfuse', () => {
    const np = only(objects, 'NetworkPolicy');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'otel-collector' } });
    expect(np.spec.ingress[0]).toEqual({ ports: [4317, 4318, 15008].map((port) => ({ protocol: 'TCP', port })) });
    expect(np.spec.ingress[1].from[0].namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } });
    expect(np.spec.egress.map((e: any) => e.to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual(['kube-system', 'langfuse']);
  });

  it('keeps a replica through voluntary disruptions and probes readiness and liveness differently', () => {
    expect(only(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    const c = deployment.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 13133 });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 13133 });
  });
});
