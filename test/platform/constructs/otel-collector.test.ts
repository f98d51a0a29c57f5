import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CONFIG_CHECKSUM_ANNOTATION,
  OtelCollector,
  tenantAuthEnv,
  tenantAuthSecret,
} from '../../../charts/platform/constructs/otel-collector';
import { ofKind, only, synth } from '../../helpers';

describe('OtelCollector', () => {
  const build = (tenants: string[]) =>
    synth(
      (c) =>
        new OtelCollector(c, 'o', {
          image: { registry: 'r.test', repository: 'otelcol', tag: '1.0' },
          replicas: 2,
          authSecret: 'otel-collector-auth',
          tenants,
        }),
    );
  const objects = build(['beta', 'alpha']);
  const deployment = only(objects, 'Deployment');
  const config = parse(only(objects, 'ConfigMap').data['config.yaml']);

  it('receives OTLP on 4317 (gRPC) and 4318 (HTTP) behind the Service otel-collector', () => {
    const svc = only(objects, 'Service');
    expect(svc.metadata).toMatchObject({ name: 'otel-collector', namespace: 'otel' });
    expect(svc.spec.ports.map((p: { port: number }) => p.port)).toEqual([4317, 4318, 8888]);
    expect(config.receivers.otlp.protocols).toEqual({
      grpc: { endpoint: '0.0.0.0:4317' },
      http: { endpoint: '0.0.0.0:4318' },
    });
  });

  it("exports to one Langfuse project per tenant and the platform's, each with its own key from its Secret", () => {
    expect(config.exporters['otlp_http/platform'].headers.Authorization).toBe('${env:LANGFUSE_AUTH_HEADER}');
    expect(config.exporters['otlp_http/tenant-alpha'].headers.Authorization).toBe('${env:LANGFUSE_TENANT_AUTH_ALPHA}');
    expect(deployment.spec.template.spec.containers[0].env).toEqual([
      {
        name: 'LANGFUSE_AUTH_HEADER',
        valueFrom: { secretKeyRef: { name: 'otel-collector-auth', key: 'AUTH_HEADER' } },
      },
      {
        name: 'LANGFUSE_TENANT_AUTH_ALPHA',
        valueFrom: { secretKeyRef: { name: 'langfuse-tenant-alpha', key: 'AUTH_HEADER', optional: true } },
      },
      {
        name: 'LANGFUSE_TENANT_AUTH_BETA',
        valueFrom: { secretKeyRef: { name: 'langfuse-tenant-beta', key: 'AUTH_HEADER', optional: true } },
      },
    ]);
    expect(tenantAuthSecret('my-team')).toBe('langfuse-tenant-my-team');
    expect(tenantAuthEnv('my-team')).toBe('LANGFUSE_TENANT_AUTH_MY_TEAM');
  });

  it('restarts when its configuration changes (a new tenant), not otherwise', () => {
    const sum = (o: any[]) => only(o, 'Deployment').spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(sum(objects)).toMatch(/^[0-9a-f]{64}$/);
    expect(sum(build(['alpha', 'beta']))).toBe(sum(objects));
    expect(sum(build(['alpha', 'beta', 'gamma']))).not.toBe(sum(objects));
  });

  it('reads pods and namespaces cluster-wide, nothing else, with its own token', () => {
    const role = only(objects, 'ClusterRole');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(only(objects, 'ClusterRoleBinding').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'otel-collector', namespace: 'otel' },
    ]);
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(true);
  });

  it('runs hardened on platform nodes', () => {
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.nodeSelector).toEqual({ 'node-role': 'platform' });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0].image).toBe('r.test/otelcol:1.0');
  });

  it('is reachable for OTLP from every namespace and reaches only DNS, Langfuse and the API server (443 inside the VPC)', () => {
    const np = only(objects, 'NetworkPolicy');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'otel-collector' } });
    expect(np.spec.ingress[0]).toEqual({ ports: [4317, 4318, 15008].map((port) => ({ protocol: 'TCP', port })) });
    expect(np.spec.ingress[1].from[0].namespaceSelector).toEqual({
      matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
    });
    expect(np.spec.ingress[2]).toEqual({
      from: [{ ipBlock: { cidr: '169.254.7.127/32' } }],
      ports: [{ protocol: 'TCP', port: 13133 }],
    });
    expect(
      np.spec.egress.slice(0, 2).map((e: any) => e.to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']),
    ).toEqual(['kube-system', 'langfuse']);
    expect(np.spec.egress[2]).toEqual({
      to: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((cidr) => ({ ipBlock: { cidr } })),
      ports: [{ protocol: 'TCP', port: 443 }],
    });
    expect(np.spec.egress).toHaveLength(3);
  });

  it('keeps a replica through voluntary disruptions and probes readiness and liveness differently', () => {
    expect(only(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    const c = deployment.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 13133 });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 13133 });
  });

  it('with no tenant, sends platform spans only', () => {
    const none = build([]);
    expect(ofKind(none, 'Deployment')[0].spec.template.spec.containers[0].env).toHaveLength(1);
    expect(Object.keys(parse(only(none, 'ConfigMap').data['config.yaml']).exporters).sort()).toEqual([
      'nop',
      'otlp_http/platform',
    ]);
  });
});
