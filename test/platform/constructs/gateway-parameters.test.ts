import { describe, expect, it } from 'vitest';
import { GatewayParameters } from '../../../charts/platform/constructs/gateway-parameters';
import { only, synth } from '../../helpers';

const image = { registry: 'r.example.test', repository: 'agentgateway', tag: 'v1' };
const resources = { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } };

describe('GatewayParameters', () => {
  const ingress = only(
    synth(
      (c) =>
        new GatewayParameters(c, 'p', {
          name: 'agentgateway-config',
          image,
          nodeGroup: 'gateway',
          replicas: 2,
          resources,
          trustDomain: 'mesh.example',
        }),
    ),
    'AgentgatewayParameters',
  );

  it('puts the proxy on the gateway nodes, tracing to the collector', () => {
    expect(ingress.metadata.namespace).toBe('agentgateway-system');
    expect(ingress.spec.image).toEqual({ ...image, pullPolicy: 'IfNotPresent' });
    expect(ingress.spec.resources).toEqual(resources);
    expect(ingress.spec.deployment.spec.replicas).toBe(2);
    expect(ingress.spec.deployment.spec.template.spec).toEqual({
      nodeSelector: { 'node-role': 'gateway' },
      tolerations: [{ key: 'workload', operator: 'Equal', value: 'gateway', effect: 'NoSchedule' }],
    });
    expect(ingress.spec.rawConfig.config.tracing.otlpEndpoint).toBe(
      'http://otel-collector.otel.svc.cluster.local:4317',
    );
  });

  // agentgateway v1.4.1 controller/pkg/deployer/agentgateway_parameters.go: Istio is on when spec.istio
  // is present; the proxy then gets CA_ADDRESS and TRUST_DOMAIN and its pods
  // istio.io/dataplane-mode: none (templates/_helpers.tpl podTemplate).
  it('gives every proxy a mesh certificate from istiod in the trust domain', () => {
    expect(ingress.spec.istio).toEqual({
      enabled: true,
      caAddress: 'https://istiod.istio-system.svc:15012',
      trustDomain: 'mesh.example',
    });
  });

  // agentgateway v1.4.1 controller/pkg/helm/agentgateway/templates/service.yaml writes
  // `type: LoadBalancer`; spec.service is a strategic-merge overlay of that Service.
  it('leaves the Service a LoadBalancer by default and makes it ClusterIP when asked', () => {
    expect(ingress.spec.service).toBeUndefined();
    const mesh = only(
      synth(
        (c) =>
          new GatewayParameters(c, 'p', {
            name: 'm',
            image,
            nodeGroup: 'gateway',
            resources,
            trustDomain: 'mesh.example',
            serviceType: 'ClusterIP',
          }),
      ),
      'AgentgatewayParameters',
    );
    expect(mesh.spec.service).toEqual({ spec: { type: 'ClusterIP' } });
  });
});
