import { describe, expect, it } from 'vitest';
import { KeycloakRealm, REALM_FILE, realmRepresentation } from '../../../charts/platform/constructs/keycloak-realm';
import { only, sampleTenant, synth } from '../../helpers';

describe('KeycloakRealm', () => {
  const tenants = [sampleTenant('beta'), sampleTenant('alpha', { displayName: 'Alpha' })];
  const realm = realmRepresentation({ tenants, domain: 'dev.example.test' }) as any;

  it('has one group per tenant under /tenants, sorted', () => {
    expect(realm.groups).toEqual([
      {
        name: 'tenants',
        subGroups: [
          { name: 'alpha', attributes: { namespace: ['tenant-alpha'], displayName: ['Alpha'] } },
          { name: 'beta', attributes: { namespace: ['tenant-beta'] } },
        ],
      },
    ]);
  });

  it('maps group membership to the tenant claim of the gateway client', () => {
    const client = realm.clients.find((c: any) => c.clientId === 'agent-gateway');
    const mapper = client.protocolMappers.find((m: any) => m.name === 'tenant');
    expect(mapper.protocolMapper).toBe('oidc-group-membership-mapper');
    expect(mapper.config).toMatchObject({ 'claim.name': 'tenant', 'full.path': 'false', 'access.token.claim': 'true' });
    expect(client.protocolMappers.find((m: any) => m.protocolMapper === 'oidc-audience-mapper').config['included.client.audience']).toBe('agent-gateway');
  });

  it('holds no password, secret or user', () => {
    const text = JSON.stringify(realm);
    expect(text).not.toMatch(/"secret"|password|credentials/i);
    expect(realm.users).toBeUndefined();
    expect(realm.clients[0].publicClient).toBe(false);
  });

  it('is a ConfigMap in keycloak named after the realm', () => {
    const cm = only(synth((c) => new KeycloakRealm(c, 'r', { tenants, domain: 'dev.example.test' })), 'ConfigMap');
    expect(cm.metadata).toMatchObject({ name: 'keycloak-realm-agents', namespace: 'keycloak' });
    expect(JSON.parse(cm.data[REALM_FILE]).realm).toBe('agents');
  });
});
