import { describe, expect, it } from 'vitest';
import { KeycloakRoute } from '../../../charts/platform/constructs/keycloak-route';
import { only, synth } from '../../helpers';

describe('KeycloakRoute', () => {
  const route = only(
    synth((c) => new KeycloakRoute(c, 'k')),
    'HTTPRoute',
  );

  it("attaches to the external gateway's Keycloak listener from the keycloak namespace", () => {
    expect(route.metadata).toMatchObject({ name: 'keycloak-public', namespace: 'keycloak' });
    expect(route.spec.parentRefs).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'agentgateway-proxy',
        namespace: 'agentgateway-system',
        sectionName: 'keycloak',
      },
    ]);
  });

  it("routes the platform realm and the login pages' resources only, to the http Service", () => {
    const [rule] = route.spec.rules;
    expect(rule.matches).toEqual([
      { path: { type: 'PathPrefix', value: '/realms/agents/' } },
      { path: { type: 'PathPrefix', value: '/resources/' } },
    ]);
    expect(rule.backendRefs).toEqual([{ group: '', kind: 'Service', name: 'keycloak-http', port: 80, weight: 1 }]);
  });

  // The load balancer terminates TLS; Keycloak runs with KC_PROXY_HEADERS=xforwarded (keycloakx
  // 7.1.8 proxy.mode) and the realm says sslRequired: external, so it must learn the scheme.
  it('tells Keycloak that the client came over HTTPS on 443', () => {
    expect(route.spec.rules[0].filters).toEqual([
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: {
          set: [
            { name: 'X-Forwarded-Proto', value: 'https' },
            { name: 'X-Forwarded-Port', value: '443' },
          ],
        },
      },
    ]);
  });
});
