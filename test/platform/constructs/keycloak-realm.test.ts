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
          { name: 'alpha', attributes: { tenant: ['alpha'], namespace: ['tenant-alpha'], displayName: ['Alpha'] } },
          { name: 'beta', attributes: { tenant: ['beta'], namespace: ['tenant-beta'] } },
        ],
      },
    ]);
  });

  // Keycloak 26 UserAttributeMapper with aggregate.attrs resolves the attribute through the user's
  // groups (KeycloakModelUtils.resolveAttribute), so the claim lists the tenant groups' values
  // only; a group-membership mapper would list every group, admins included.
  it('fills the tenant claim from the tenant attribute of the caller\'s groups, not from group membership', () => {
    const client = realm.clients.find((c: any) => c.clientId === 'agent-cli');
    const mapper = client.protocolMappers.find((m: any) => m.name === 'tenant');
    expect(mapper.protocolMapper).toBe('oidc-usermodel-attribute-mapper');
    expect(mapper.config).toMatchObject({ 'user.attribute': 'tenant', 'claim.name': 'tenant', multivalued: 'true', 'aggregate.attrs': 'true', 'access.token.claim': 'true' });
    expect(JSON.stringify(realm)).not.toContain('oidc-group-membership-mapper');
  });

  it('issues tokens for the gateways through a public device-login client, with the gateway audience', () => {
    const cli = realm.clients.find((c: any) => c.clientId === 'agent-cli');
    expect(cli).toMatchObject({ publicClient: true, standardFlowEnabled: false, implicitFlowEnabled: false, directAccessGrantsEnabled: false, serviceAccountsEnabled: false });
    expect(cli.attributes['oauth2.device.authorization.grant.enabled']).toBe('true');
    expect(cli.protocolMappers.find((m: any) => m.protocolMapper === 'oidc-audience-mapper').config['included.client.audience']).toBe('agent-gateway');
    // The audience client has no flow of its own: nothing can get a token as it.
    const gw = realm.clients.find((c: any) => c.clientId === 'agent-gateway');
    expect(gw).toMatchObject({ publicClient: false, standardFlowEnabled: false, implicitFlowEnabled: false, directAccessGrantsEnabled: false, serviceAccountsEnabled: false });
  });

  it('holds no password, secret or user', () => {
    const text = JSON.stringify(realm);
    expect(text).not.toMatch(/"secret"|password|credentials/i);
    expect(realm.users).toBeUndefined();
  });

  it('is a ConfigMap in keycloak named after the realm', () => {
    const cm = only(synth((c) => new KeycloakRealm(c, 'r', { tenants, domain: 'dev.example.test' })), 'ConfigMap');
    expect(cm.metadata).toMatchObject({ name: 'keycloak-realm-agents', namespace: 'keycloak' });
    expect(JSON.parse(cm.data[REALM_FILE]).realm).toBe('agents');
  });
});
