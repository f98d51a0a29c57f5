import { Construct } from 'constructs';
import { KubeConfigMap } from '../../../imports/k8s';
import type { Tenant } from '../../config/load-tenants';
import { KEYCLOAK, PLATFORM_NAMESPACES } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';

export interface KeycloakRealmProps {
  /** Tenants: one group each under /tenants. */
  readonly tenants: readonly Tenant[];
  /** External host name of Keycloak's users (redirect URIs of the UIs). */
  readonly domain: string;
}

/** File name of the realm inside the import directory. */
export const REALM_FILE = `${KEYCLOAK.realm}-realm.json`;

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

/**
 * The platform realm as Keycloak imports it at start-up:
 * - `agent-gateway`: the audience every token for the gateways names (no flow of its own);
 * - `agent-cli`: the public client people use to get a token (OAuth device authorization grant,
 *   for terminals and scripts), with the gateway audience and the tenant claim;
 * - one group per tenant under /tenants, carrying the tenant attribute.
 * It holds no password and no client secret, and no users: people come from the identity
 * provider or an operator, and an operator adds them to their tenant's group.
 */
export function realmRepresentation(props: KeycloakRealmProps): Record<string, unknown> {
  return {
    realm: KEYCLOAK.realm,
    enabled: true,
    sslRequired: 'external',
    bruteForceProtected: true,
    accessTokenLifespan: 300,
    ssoSessionIdleTimeout: 1800,
    ssoSessionMaxLifespan: 36000,
    registrationAllowed: false,
    clients: [
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
      {
        clientId: CLI_CLIENT,
        name: 'Agent platform command line (device login)',
        enabled: true,
        publicClient: true,
        standardFlowEnabled: false,
        implicitFlowEnabled: false,
        directAccessGrantsEnabled: false,
        serviceAccountsEnabled: false,
        attributes: { 'oauth2.device.authorization.grant.enabled': 'true', 'access.token.signed.response.alg': 'RS256' },
        protocolMappers: [
          {
            name: 'gateway-audience',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-audience-mapper',
            config: { 'included.client.audience': KEYCLOAK.gatewayClient, 'access.token.claim': 'true', 'id.token.claim': 'false' },
          },
          tenantClaimMapper(),
        ],
      },
    ],
    groups: [
      {
        name: KEYCLOAK.tenantsGroup,
        subGroups: [...props.tenants]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((t) => ({ name: t.name, attributes: { [TENANT_ATTRIBUTE]: [t.name], namespace: [t.namespace], ...(t.displayName ? { displayName: [t.displayName] } : {}) } })),
      },
    ],
  };
}

/** The realm as a ConfigMap mounted into Keycloak's import directory. */
export class KeycloakRealm extends Construct {
  public readonly resource: KubeConfigMap;

  constructor(scope: Construct, id: string, props: KeycloakRealmProps) {
    super(scope, id);
    this.resource = new KubeConfigMap(this, 'Resource', {
      metadata: { name: `keycloak-realm-${KEYCLOAK.realm}`, namespace: PLATFORM_NAMESPACES.keycloak, labels: platformLabels('keycloak') },
      data: { [REALM_FILE]: JSON.stringify(realmRepresentation(props), null, 2) + '\n' },
    });
  }
}
