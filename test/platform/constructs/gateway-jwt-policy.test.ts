import { describe, expect, it } from 'vitest';
import { GatewayJwtPolicy, keycloakIssuer } from '../../../charts/platform/constructs/gateway-jwt-policy';
import { only, synth } from '../../helpers';

describe('GatewayJwtPolicy', () => {
  const p = only(synth((c) => new GatewayJwtPolicy(c, 'j', { domain: 'dev.example.test' })), 'AgentgatewayPolicy');

  it('attaches to the whole central gateway', () => {
    expect(p.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-proxy' }]);
    expect(p.metadata.namespace).toBe('agentgateway-system');
  });

  it('requires a token of the platform realm for the gateway audience, with keys fetched from Keycloak in the cluster', () => {
    const jwt = p.spec.traffic.jwtAuthentication;
    expect(jwt.mode).toBe('Strict');
    expect(jwt.providers).toEqual([
      {
        issuer: 'https://keycloak.dev.example.test/realms/agents',
        audiences: ['agent-gateway'],
        jwks: { remote: { backendRef: { group: '', kind: 'Service', name: 'keycloak-http', namespace: 'keycloak', port: 80 }, jwksPath: '/realms/agents/protocol/openid-connect/certs', cacheDuration: '5m' } },
      },
    ]);
    expect(keycloakIssuer('x.test')).toBe('https://keycloak.x.test/realms/agents');
  });

  it('refuses tokens that name no tenant', () => {
    expect(p.spec.traffic.authorization).toEqual({ action: 'Allow', policy: { matchExpressions: ['has(jwt.tenant) && size(jwt.tenant) > 0'] } });
  });
});
