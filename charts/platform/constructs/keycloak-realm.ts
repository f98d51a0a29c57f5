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

/**
 * The platform realm as Keycloak imports it at start-up: the gateway client, the tenant claim
 * mapper and one group per tenant. It holds no password and no client secret: Keycloak generates
 * the client secret on import, and users come from the identity provider or an operator.
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
        name: 'Central agent gateway',
        enabled: true,
        publicClient: false,
        clientAuthenticatorType: 'client-secret',
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
        attributes: { 'access.token.signed.response.alg': 'RS256' },
        protocolMappers: [
          {
            name: 'gateway-audience',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-audience-mapper',
            config: { 'included.client.audience': KEYCLOAK.gatewayClient, 'access.token.claim': 'true', 'id.token.claim': 'false' },
          },
          {
            name: 'tenant',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-group-membership-mapper',
            // The claim lists the tenant groups of the caller by name ("alpha"), not by path.
            config: { 'claim.name': KEYCLOAK.tenantClaim, 'full.path': 'false', 'access.token.claim': 'true', 'id.token.claim': 'true', 'userinfo.token.claim': 'true', multivalued: 'true' },
          },
        ],
      },
    ],
    groups: [
      {
        name: KEYCLOAK.tenantsGroup,
        subGroups: [...props.tenants]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((t) => ({ name: t.name, attributes: { namespace: [t.namespace], ...(t.displayName ? { displayName: [t.displayName] } : {}) } })),
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
