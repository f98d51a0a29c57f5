import { describe, expect, it } from 'vitest';
import { GatewayParameters } from '../../../charts/platform/constructs/gateway-parameters';
import { only, synth } from '../../helpers';

const image = { registry: 'r.example.test', repository: 'agentgateway', tag: 'v1' };

describe('GatewayParameters', () => {
  it('puts the ingress proxy on the gateway nodes, behind the given Service annotations, tracing to the collector', () => {
    const p = only(synth((c) => new GatewayParameters(c, 'p', { name: 'agentgateway-config', image, nodeGroup: 'gateway', replicas: 2, serviceAnnotations: { a: 'b' } })), 'AgentgatewayParameters');
    expect(p.metadata.namespace).toBe('agentgateway-system');
    expect(p.spec.image).toEqual({ ...image, pullPolicy: 'IfNotPresent' });
    expect(p.spec.deployment.spec.replicas).toBe(2);
    expect(p.spec.deployment.spec.template.spec).toEqual({
      nodeSelector: { 'node-role': 'gateway' },
      tolerations: [{ key: 'workload', operator: 'Equal', value: 'gateway', effect: 'NoSchedule' }],
    });
    expect(p.spec.service.metadata.annotations).toEqual({ a: 'b' });
    expect(p.spec.rawConfig.config.tracing.otlpEndpoint).toBe('http://otel-collector.otel.svc.cluster.local:4317');
    expect(p.spec.istio).toBeUndefined();
  });

  it('configures waypoints with the Istio CA and trust domain, on agents nodes, outside ztunnel capture', () => {
    const p = only(synth((c) => new GatewayParameters(c, 'p', { name: 'w', image, nodeGroup: 'agents', waypoint: { trustDomain: 'mesh.example' } })), 'AgentgatewayParameters');
    expect(p.spec.istio).toEqual({ enabled: true, caAddress: 'https://istiod.istio-system.svc:15012', trustDomain: 'mesh.example' });
    expect(p.spec.deployment.spec.template.metadata.labels).toEqual({ 'istio.io/dataplane-mode': 'none' });
    expect(p.spec.deployment.spec.template.spec.nodeSelector).toEqual({ 'node-role': 'agents' });
    expect(p.spec.service).toBeUndefined();
  });
});
