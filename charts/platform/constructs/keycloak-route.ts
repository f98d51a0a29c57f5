import { Construct } from 'constructs';
import {
  HttpRoute,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../../imports/gateway-api-httproutes-gateway.networking.k8s.io';
import { backendRefWithDefaults } from '../../config/routes';
import { CHART_SERVICES } from '../../lib/chart-names';
import { CENTRAL_GATEWAY, KEYCLOAK, PLATFORM_NAMESPACES } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { typedBackendRef } from '../../constructs/route-policy-parts';
import { centralGatewayTarget } from './central-gateway';

/**
 * Path prefixes of Keycloak that the external gateway serves: the platform realm (token,
 * device-login and key endpoints, its login pages) and the static resources of those pages.
 * Not the admin console, the admin API or the master realm.
 */
export const KEYCLOAK_PUBLIC_PATHS = [`/realms/${KEYCLOAK.realm}/`, '/resources/'] as const;

/**
 * Keycloak at https://keycloak.<domain>: an HTTPRoute in the keycloak namespace on the external
 * gateway's `keycloak` listener, which requires no token (it issues them). The load balancer
 * terminated TLS, so the route tells Keycloak the original scheme and port (X-Forwarded-Proto
 * https, X-Forwarded-Port 443): the chart runs Keycloak with KC_PROXY_HEADERS=xforwarded, and the
 * realm requires TLS for external clients (sslRequired: external).
 */
export class KeycloakRoute extends Construct {
  public readonly resource: HttpRoute;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.resource = new HttpRoute(this, 'Resource', {
      metadata: {
        name: 'keycloak-public',
        namespace: PLATFORM_NAMESPACES.keycloak,
        labels: platformLabels('agentgateway'),
      },
      spec: {
        parentRefs: [
          {
            ...centralGatewayTarget(),
            namespace: CENTRAL_GATEWAY.namespace,
            sectionName: CENTRAL_GATEWAY.keycloakListener,
          },
        ],
        rules: [
          {
            matches: KEYCLOAK_PUBLIC_PATHS.map((value) => ({
              path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value },
            })),
            filters: [
              {
                type: HttpRouteSpecRulesFiltersType.REQUEST_HEADER_MODIFIER,
                requestHeaderModifier: {
                  set: [
                    { name: 'X-Forwarded-Proto', value: 'https' },
                    { name: 'X-Forwarded-Port', value: String(CENTRAL_GATEWAY.port) },
                  ],
                },
              },
            ],
            backendRefs: [
              typedBackendRef(
                backendRefWithDefaults({ name: CHART_SERVICES.keycloak.name, port: CHART_SERVICES.keycloak.port }),
              ),
            ],
          },
        ],
      },
    });
  }
}
