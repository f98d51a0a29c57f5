import { describe, expect, it } from 'vitest';
import { GatewayJwtPolicy, keycloakIssuer } from '../../../charts/platform/constructs/gateway-jwt-policy';
import { ofKind, synth } from '../../helpers';

describe('GatewayJwtPolicy', () => {
  const objects = ofKind(
    synth((c) => new GatewayJwtPolicy(c, 'j', { domain: 'dev.example.test' })),
    'AgentgatewayPolicy',
  );
  const named = (n: string) => objects.find((o) => o.metadata.name === n)!;

  it("attaches to the external gateway's API listener only (the Keycloak listener issues the tokens)", () => {
    for (const p of objects) {
      expect(p.spec.targetRefs).toEqual([
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-proxy', sectionName: 'api' },
      ]);
      expect(p.metadata.namespace).toBe('agentgateway-system');
    }
    expect(objects.map((o) => o.metadata.name).sort()).toEqual(['gateway-jwt', 'gateway-tenant-claim']);
  });

  // agentgateway v1.4.1 crates/agentgateway/src/http/jwt.rs: Strict answers 401 to a request
  // without a token or with an invalid one.
  it('requires a token of the platform realm for the gateway audience, with keys fetched from Keycloak in the cluster', () => {
    const jwt = named('gateway-jwt').spec.traffic.jwtAuthentication;
    expect(jwt.mode).toBe('Strict');
    expect(jwt.providers).toEqual([
      {
        issuer: 'https://keycloak.dev.example.test/realms/agents',
        audiences: ['agent-gateway'],
        jwks: {
          remote: {
            backendRef: { group: '', kind: 'Service', name: 'keycloak-http', namespace: 'keycloak', port: 80 },
            jwksPath: '/realms/agents/protocol/openid-connect/certs',
            cacheDuration: '5m',
          },
        },
      },
    ]);
    expect(keycloakIssuer('x.test')).toBe('https://keycloak.x.test/realms/agents');
  });

  // crates/agentgateway/src/store/binds.rs route_policies: a JwtAuth policy with Override locks the
  // field against route-level policies; an Authorization rule with Override drops every later
  // (route-level) rule, so the tenant-claim rule must keep the default inheritance.
  it('locks the JWT requirement against routes, but not the authorization rules the routes add', () => {
    expect(named('gateway-jwt').spec.strategy).toEqual({ inheritance: 'Override' });
    expect(named('gateway-jwt').spec.traffic.authorization).toBeUndefined();
    expect(named('gateway-tenant-claim').spec.strategy).toBeUndefined();
  });

  it('refuses tokens that name no tenant, with a rule no route can widen (Require)', () => {
    expect(named('gateway-tenant-claim').spec.traffic).toEqual({
      authorization: { action: 'Require', policy: { matchExpressions: ['has(jwt.tenant) && size(jwt.tenant) > 0'] } },
    });
  });
});
