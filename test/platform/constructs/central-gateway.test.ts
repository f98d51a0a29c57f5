import { describe, expect, it } from 'vitest';
import { CentralGateway, MeshGateway, nlbAnnotations } from '../../../charts/platform/constructs/central-gateway';
import { only, synth } from '../../helpers';

const ARN = 'arn:aws:acm:eu-west-1:210987654321:certificate/11111111-2222-4333-8444-555555555555';

describe('CentralGateway (external)', () => {
  const gw = only(
    synth(
      (c) =>
        new CentralGateway(c, 'g', {
          parametersName: 'agentgateway-config',
          domain: 'dev.example.test',
          exposure: 'internet-facing',
          certificateArn: ARN,
        }),
    ),
    'Gateway',
  );

  it('is agentgateway-proxy of class agentgateway with the API and Keycloak listeners on 443, one host each', () => {
    expect(gw.metadata).toMatchObject({ name: 'agentgateway-proxy', namespace: 'agentgateway-system' });
    expect(gw.spec.gatewayClassName).toBe('agentgateway');
    expect(gw.spec.listeners.map((l: any) => [l.name, l.hostname, l.protocol, l.port])).toEqual([
      ['api', 'gateway.dev.example.test', 'HTTP', 443],
      ['keycloak', 'keycloak.dev.example.test', 'HTTP', 443],
    ]);
  });

  // kubernetes/cloud-provider-aws v1.31 pkg/providers/v1/aws.go: with the ssl-cert annotation, the
  // NLB listener of every port in ssl-ports is TLS (ensureLoadBalancer's nlbPortMapping), and
  // forwards plain TCP to the node port; internal makes the scheme internal.
  it('sits behind a Network Load Balancer that terminates TLS on 443 with the ACM certificate', () => {
    const a = gw.spec.infrastructure.annotations;
    expect(a).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
      'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
      'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': ARN,
      'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': '443',
      'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    expect(nlbAnnotations('internal', ARN)['service.beta.kubernetes.io/aws-load-balancer-internal']).toBe('true');
    expect(gw.spec.infrastructure.parametersRef).toEqual({
      group: 'agentgateway.dev',
      kind: 'AgentgatewayParameters',
      name: 'agentgateway-config',
    });
  });

  it('accepts API routes from namespaces labelled for gateway discovery, and Keycloak routes from keycloak only', () => {
    expect(gw.spec.listeners[0].allowedRoutes).toEqual({
      namespaces: { from: 'Selector', selector: { matchLabels: { 'platform.agentic.io/gateway-discovery': 'true' } } },
    });
    expect(gw.spec.listeners[1].allowedRoutes).toEqual({
      namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'keycloak' } } },
    });
  });
});

describe('MeshGateway', () => {
  const gw = only(
    synth((c) => new MeshGateway(c, 'm', { parametersName: 'agentgateway-mesh-config' })),
    'Gateway',
  );

  it('is agentgateway-mesh with an HTTP listener for routes and an HBONE listener that terminates tunnels', () => {
    expect(gw.metadata).toMatchObject({ name: 'agentgateway-mesh', namespace: 'agentgateway-system' });
    expect(gw.spec.listeners).toEqual([
      {
        name: 'mesh',
        protocol: 'HTTP',
        port: 80,
        allowedRoutes: {
          namespaces: {
            from: 'Selector',
            selector: { matchLabels: { 'platform.agentic.io/gateway-discovery': 'true' } },
          },
        },
      },
      { name: 'hbone', protocol: 'HBONE', port: 15008, allowedRoutes: { namespaces: { from: 'Same' } } },
    ]);
  });

  // Istio 1.30 pilot/pkg/serviceregistry/ambient/workloads.go setTunnelProtocol: a pod labelled
  // networking.istio.io/tunnel=http gets TunnelProtocol HBONE and NativeTunnel, so a meshed
  // client's ztunnel opens HBONE straight to <pod>:15008 with the client's own certificate.
  it("labels its pods as HBONE-native through the Gateway's infrastructure labels, and takes the mesh parameters", () => {
    expect(gw.spec.infrastructure).toEqual({
      labels: { 'networking.istio.io/tunnel': 'http' },
      parametersRef: { group: 'agentgateway.dev', kind: 'AgentgatewayParameters', name: 'agentgateway-mesh-config' },
    });
  });
});
