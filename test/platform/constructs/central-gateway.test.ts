import { describe, expect, it } from 'vitest';
import { CentralGateway } from '../../../charts/platform/constructs/central-gateway';
import { only, synth } from '../../helpers';

describe('CentralGateway', () => {
  const gw = only(synth((c) => new CentralGateway(c, 'g', { parametersName: 'agentgateway-config' })), 'Gateway');

  it('is agentgateway-proxy of class agentgateway with one HTTP listener platform on 80', () => {
    expect(gw.metadata).toMatchObject({ name: 'agentgateway-proxy', namespace: 'agentgateway-system' });
    expect(gw.spec.gatewayClassName).toBe('agentgateway');
    expect(gw.spec.listeners.map((l: { name: string; protocol: string; port: number }) => [l.name, l.protocol, l.port])).toEqual([['platform', 'HTTP', 80]]);
  });

  it('sits behind an internal NLB and takes its proxy settings from the parameters', () => {
    expect(gw.spec.infrastructure.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe('internal');
    expect(gw.spec.infrastructure.annotations['service.beta.kubernetes.io/aws-load-balancer-type']).toBe('nlb');
    expect(gw.spec.infrastructure.parametersRef).toEqual({ group: 'agentgateway.dev', kind: 'AgentgatewayParameters', name: 'agentgateway-config' });
  });

  it('accepts routes only from namespaces labelled for gateway discovery', () => {
    expect(gw.spec.listeners[0].allowedRoutes).toEqual({ namespaces: { from: 'Selector', selector: { matchLabels: { 'platform.agentic.io/gateway-discovery': 'true' } } } });
  });
});
