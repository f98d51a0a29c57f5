import { Construct } from 'constructs';
import { KubeConfigMap } from '../../../imports/k8s';
import type { Tenant } from '../../config/load-tenants';
import { KEYCLOAK, OBSERVABILITY, PLATFORM_NAMESPACES } from '../../lib/constants';
import { uiHosts } from '../../config/routes';
import { platformLabels } from '../../lib/labels';

export interface KeycloakRealmProps {
  /** Tenants: one group each under /tenants. */
  readonly tenants: readonly Tenant[];
  /** External host name of Keycloak's users (redirect URIs of the UIs). */
  readonly domain: string;
}

/** File name of the realm inside the import directory (Keycloak's own import at start-up). */
export const REALM_FILE = `${KEYCLOAK.realm}-realm.json`;

/**
 * The realm as keycloak-config-cli applies it after every sync: the same, plus the client secrets
 * of the confidential clients as `$(env:NAME)`, which keycloak-config-cli substitutes from its
 * environment (v6.5.0 import.var-substitution, prefix `$(`, suffix `)`, an undefined variable is
 * an error). Keycloak's own import never sees them: until the first sync those clients have a
 * secret Keycloak generated and nobody knows.
 */
export const REALM_SYNC_FILE = `${KEYCLOAK.realm}-realm-sync.json`;

/** Environment variables of the realm sync holding each confidential client's secret. */
export const CLIENT_SECRET_ENV = {
  [OBSERVABILITY.langfuseClient]: 'LANGFUSE_CLIENT_SECRET',
  [OBSERVABILITY.grafanaClient]: 'GRAFANA_CLIENT_SECRET',
  [OBSERVABILITY.accessSyncClient]: 'ACCESS_SYNC_CLIENT_SECRET',
} as const;

/** Roles of realm-management the access sync's service account holds: read groups and their members, nothing else. */
export const ACCESS_SYNC_ROLES = ['query-groups', 'view-users'] as const;

/** Public client that people use to get a token for the gateways (device authorization grant). */
export const CLI_CLIENT = 'agent-cli';

/** The user attribute, set on each tenant group, that the tenant claim carries. */
export const TENANT_ATTRIBUTE = 'tenant';

/**
 * The `tenant` claim: the values of the `tenant` attribute of the caller's groups. Each tenant
 * group /tenants/<name> carries `tenant: [<name>]`, and the user attribute mapper with
 * aggregate.attrs reads group attributes (Keycloak 26 UserAttributeMapper ->
 * KeycloakModelUtils.resolveAttribute(user, name, aggregateAttrs), which walks the user's groups
 * and their parents), so only tenant groups contribute and other groups a person belongs to
 * (admins, ...) never become a tenant.
 */
function tenantClaimMapper(): Record<string, unknown> {
  return {
    name: KEYCLOAK.tenantClaim,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-usermodel-attribute-mapper',
    config: {
      'user.attribute': TENANT_ATTRIBUTE,
      'claim.name': KEYCLOAK.tenantClaim,
      'jsonType.label': 'String',
      multivalued: 'true',
      'aggregate.attrs': 'true',
      'access.token.claim': 'true',
      'id.token.claim': 'true',
      'userinfo.token.claim': 'true',
    },
  };
}

/** The realm's clients: the gateways' audience, the command line, the UIs' sign-on, the access sync. */
function realmClients(props: KeycloakRealmProps, options: { readonly clientSecrets?: boolean }): unknown[] {
  const ui = uiHosts(props.domain);
  const secret = (clientId: keyof typeof CLIENT_SECRET_ENV) =>
    options.clientSecrets ? { secret: `$(env:${CLIENT_SECRET_ENV[clientId]})` } : {};
  /** A confidential client people sign in to a web UI with (authorization code flow, one redirect URI). */
  const signOn = (
    clientId: typeof OBSERVABILITY.langfuseClient | typeof OBSERVABILITY.grafanaClient,
    name: string,
    host: string,
    callback: string,
  ) => ({
    clientId,
    name,
    enabled: true,
    publicClient: false,
    clientAuthenticatorType: 'client-secret',
    ...secret(clientId),
    standardFlowEnabled: true,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: false,
    redirectUris: [`https://${host}${callback}`],
    webOrigins: [`https://${host}`],
    attributes: { 'pkce.code.challenge.method': 'S256', 'access.token.signed.response.alg': 'RS256' },
  });
  return [
    {
      clientId: KEYCLOAK.gatewayClient,
      name: 'Platform gateways (token audience)',
      enabled: true,
      publicClient: false,
      bearerOnly: false,
      clientAuthenticatorType: 'client-secret',
      serviceAccountsEnabled: false,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      attributes: { 'access.token.signed.response.alg': 'RS256' },
    },
    cliClient(),
    // Sign-on of the observability UIs; who sees which project or organisation is the access
    // sync's business (the groups below), not the token's.
    signOn(OBSERVABILITY.langfuseClient, 'Langfuse (traces)', ui.langfuse, '/api/auth/callback/keycloak'),
    signOn(OBSERVABILITY.grafanaClient, 'Grafana (metrics)', ui.grafana, '/login/generic_oauth'),
    {
      clientId: OBSERVABILITY.accessSyncClient,
      name: 'Access sync of Langfuse and Grafana (reads group members)',
      enabled: true,
      publicClient: false,
      clientAuthenticatorType: 'client-secret',
      ...secret(OBSERVABILITY.accessSyncClient),
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      attributes: { 'access.token.signed.response.alg': 'RS256' },
    },
  ];
}

/** The command line's public client: device login, tokens for the gateways with the tenant claim. */
function cliClient(): Record<string, unknown> {
  return {
    clientId: CLI_CLIENT,
    name: 'Agent platform command line (device login)',
    enabled: true,
    publicClient: true,
    standardFlowEnabled: false,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: false,
    attributes: {
      'oauth2.device.authorization.grant.enabled': 'true',
      'access.token.signed.response.alg': 'RS256',
    },
    protocolMappers: [
      {
        name: 'gateway-audience',
        protocol: 'openid-connect',
        protocolMapper: 'oidc-audience-mapper',
        config: {
          'included.client.audience': KEYCLOAK.gatewayClient,
          'access.token.claim': 'true',
          'id.token.claim': 'false',
        },
      },
      tenantClaimMapper(),
    ],
  };
}

/**
 * The platform realm as Keycloak imports it at start-up:
 * - `agent-gateway`: the audience every token for the gateways names (no flow of its own);
 * - `agent-cli`: the public client people use to get a token (OAuth device authorization grant,
 *   for terminals and scripts), with the gateway audience and the tenant claim;
 * - `langfuse` and `grafana`: sign-on of the observability UIs (authorization code with PKCE);
 * - `observability-access-sync`: the service account that reads the groups' members for the
 *   access sync (realm-management query-groups and view-users only);
 * - the group `platform-operators`, and one group per tenant under /tenants, carrying the tenant
 *   attribute.
 * It holds no password and no human user: people come from the identity provider or an operator,
 * who adds them to their tenant's group. Client secrets only with `clientSecrets` (the sync file),
 * as placeholders keycloak-config-cli fills from its environment.
 */
export function realmRepresentation(
  props: KeycloakRealmProps,
  options: { readonly clientSecrets?: boolean } = {},
): Record<string, unknown> {
  return {
    realm: KEYCLOAK.realm,
    enabled: true,
    sslRequired: 'external',
    bruteForceProtected: true,
    accessTokenLifespan: 300,
    ssoSessionIdleTimeout: 1800,
    ssoSessionMaxLifespan: 36000,
    registrationAllowed: false,
    clients: realmClients(props, options),
    // The access sync's service account: no human user is ever in the realm file.
    users: [
      {
        username: `service-account-${OBSERVABILITY.accessSyncClient}`,
        enabled: true,
        serviceAccountClientId: OBSERVABILITY.accessSyncClient,
        clientRoles: { 'realm-management': [...ACCESS_SYNC_ROLES] },
      },
    ],
    groups: [
      // Platform operators: every tenant's Langfuse project and Grafana organisation.
      { name: OBSERVABILITY.operatorsGroup },
      {
        name: KEYCLOAK.tenantsGroup,
        subGroups: [...props.tenants]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((t) => ({
            name: t.name,
            attributes: {
              [TENANT_ATTRIBUTE]: [t.name],
              namespace: [t.namespace],
              ...(t.displayName ? { displayName: [t.displayName] } : {}),
            },
          })),
      },
    ],
  };
}

/** The realm as a ConfigMap mounted into Keycloak's import directory. */
export class KeycloakRealm extends Construct {
  public readonly resource: KubeConfigMap;

  constructor(scope: Construct, id: string, props: KeycloakRealmProps) {
    super(scope, id);
    // The sync file differs in its clients only: the tenants' groups are built once for both.
    const realm = realmRepresentation(props);
    const sync = { ...realm, clients: realmClients(props, { clientSecrets: true }) };
    // KubeConfigMap: cdk8s-plus-30 adds `immutable: false`.
    this.resource = new KubeConfigMap(this, 'Resource', {
      metadata: {
        name: `keycloak-realm-${KEYCLOAK.realm}`,
        namespace: PLATFORM_NAMESPACES.keycloak,
        labels: platformLabels('keycloak'),
      },
      data: {
        [REALM_FILE]: JSON.stringify(realm, null, 2) + '\n',
        [REALM_SYNC_FILE]: JSON.stringify(sync, null, 2) + '\n',
      },
    });
  }
}
