import { describe, expect, it } from 'vitest';
import {
  KeycloakRealm,
  REALM_FILE,
  REALM_SYNC_FILE,
  realmRepresentation,
} from '../../../charts/platform/constructs/keycloak-realm';
import { only, sampleTenant, synth } from '../../helpers';

describe('KeycloakRealm', () => {
  const tenants = [sampleTenant('beta'), sampleTenant('alpha', { displayName: 'Alpha' })];
  const realm = realmRepresentation({ tenants, domain: 'dev.example.test' }) as any;

  it('has the operators group and one group per tenant under /tenants, sorted', () => {
    expect(realm.groups).toEqual([
      { name: 'platform-operators' },
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
  it("fills the tenant claim from the tenant attribute of the caller's groups, not from group membership", () => {
    const client = realm.clients.find((c: any) => c.clientId === 'agent-cli');
    const mapper = client.protocolMappers.find((m: any) => m.name === 'tenant');
    expect(mapper.protocolMapper).toBe('oidc-usermodel-attribute-mapper');
    expect(mapper.config).toMatchObject({
      'user.attribute': 'tenant',
      'claim.name': 'tenant',
      multivalued: 'true',
      'aggregate.attrs': 'true',
      'access.token.claim': 'true',
    });
    expect(JSON.stringify(realm)).not.toContain('oidc-group-membership-mapper');
  });

  it('issues tokens for the gateways through a public device-login client, with the gateway audience', () => {
    const cli = realm.clients.find((c: any) => c.clientId === 'agent-cli');
    expect(cli).toMatchObject({
      publicClient: true,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
    });
    expect(cli.attributes['oauth2.device.authorization.grant.enabled']).toBe('true');
    expect(
      cli.protocolMappers.find((m: any) => m.protocolMapper === 'oidc-audience-mapper').config[
        'included.client.audience'
      ],
    ).toBe('agent-gateway');
    // The audience client has no flow of its own: nothing can get a token as it.
    const gw = realm.clients.find((c: any) => c.clientId === 'agent-gateway');
    expect(gw).toMatchObject({
      publicClient: false,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
    });
  });

  it("holds no password, secret or human user: only the access sync's service account", () => {
    const text = JSON.stringify(realm);
    expect(text).not.toMatch(/"secret"|password|credentials/i);
    expect(realm.users).toEqual([
      {
        username: 'service-account-observability-access-sync',
        enabled: true,
        serviceAccountClientId: 'observability-access-sync',
        clientRoles: { 'realm-management': ['query-groups', 'view-users'] },
      },
    ]);
  });

  it('has the sign-on clients of Langfuse and Grafana, one exact redirect URI each, with PKCE', () => {
    const client = (id: string) => realm.clients.find((c: any) => c.clientId === id);
    expect(client('langfuse')).toMatchObject({
      publicClient: false,
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
      redirectUris: ['https://langfuse.dev.example.test/api/auth/callback/keycloak'],
    });
    expect(client('grafana')).toMatchObject({
      publicClient: false,
      standardFlowEnabled: true,
      redirectUris: ['https://grafana.dev.example.test/login/generic_oauth'],
    });
    for (const id of ['langfuse', 'grafana']) expect(client(id).attributes['pkce.code.challenge.method']).toBe('S256');
    // The access sync only gets tokens for itself (client credentials): no flow people use.
    expect(client('observability-access-sync')).toMatchObject({
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      publicClient: false,
    });
  });

  it('carries the client secrets only in the sync file, as keycloak-config-cli placeholders', () => {
    const sync = realmRepresentation({ tenants, domain: 'dev.example.test' }, { clientSecrets: true }) as any;
    const secrets = Object.fromEntries(
      sync.clients.filter((c: any) => c.secret).map((c: any) => [c.clientId, c.secret]),
    );
    expect(secrets).toEqual({
      langfuse: '$(env:LANGFUSE_CLIENT_SECRET)',
      grafana: '$(env:GRAFANA_CLIENT_SECRET)',
      'observability-access-sync': '$(env:ACCESS_SYNC_CLIENT_SECRET)',
    });
    // Otherwise the same realm.
    expect(JSON.stringify({ ...sync, clients: sync.clients.map(({ secret: _, ...c }: any) => c) })).toBe(
      JSON.stringify(realm),
    );
  });

  it('is a ConfigMap in keycloak named after the realm', () => {
    const cm = only(
      synth((c) => new KeycloakRealm(c, 'r', { tenants, domain: 'dev.example.test' })),
      'ConfigMap',
    );
    expect(cm.metadata).toMatchObject({ name: 'keycloak-realm-agents', namespace: 'keycloak' });
    expect(JSON.parse(cm.data[REALM_FILE]).realm).toBe('agents');
    expect(JSON.parse(cm.data[REALM_SYNC_FILE]).realm).toBe('agents');
    // Both files are the representations, text for text (the groups are built once for both).
    expect(cm.data[REALM_FILE]).toBe(`${JSON.stringify(realm, null, 2)}\n`);
    const sync = realmRepresentation({ tenants, domain: 'dev.example.test' }, { clientSecrets: true });
    expect(cm.data[REALM_SYNC_FILE]).toBe(`${JSON.stringify(sync, null, 2)}\n`);
  });
});
