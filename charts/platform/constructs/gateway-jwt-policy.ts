import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentgatewayPolicy } from '../../../imports/agentgateway-policies-agentgateway.dev';
import { CENTRAL_GATEWAY, KEYCLOAK, PLATFORM_NAMESPACES, PLATFORM_SERVICES } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { centralGatewayTarget } from './central-gateway';

/** Issuer URL of the platform realm: the external Keycloak host, as tokens carry it. */
export function keycloakIssuer(domain: string): string {
  return `https://keycloak.${domain}/realms/${KEYCLOAK.realm}`;
}

/** CEL expression every request's token must satisfy: it names at least one tenant. */
export const TENANT_CLAIM_EXPRESSION = `has(jwt.${KEYCLOAK.tenantClaim}) && size(jwt.${KEYCLOAK.tenantClaim}) > 0`;

export interface GatewayJwtPolicyProps {
  /** Domain of the environment (the issuer is https://keycloak.<domain>/realms/agents). */
  readonly domain: string;
}

/**
 * JWT authentication on the whole central gateway: every route (/a2a, /llm, /mcp, /sandbox and
 * any later one) needs a token from the platform realm, for the gateway audience, that names a
 * tenant. Keys come from Keycloak inside the cluster.
 */
export class GatewayJwtPolicy extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: GatewayJwtPolicyProps) {
    super(scope, id);
    this.resource = new ApiObject(this, 'Resource', {
      ...AgentgatewayPolicy.GVK,
      metadata: { name: 'gateway-jwt', namespace: CENTRAL_GATEWAY.namespace, labels: platformLabels('agentgateway') },
      spec: {
        targetRefs: [centralGatewayTarget()],
        traffic: {
          jwtAuthentication: {
            mode: 'Strict',
            providers: [
              {
                issuer: keycloakIssuer(props.domain),
                audiences: [KEYCLOAK.gatewayClient],
                jwks: {
                  remote: {
                    backendRef: { group: '', kind: 'Service', name: PLATFORM_SERVICES.keycloak, namespace: PLATFORM_NAMESPACES.keycloak, port: 80 },
                    jwksPath: `/realms/${KEYCLOAK.realm}/protocol/openid-connect/certs`,
                    cacheDuration: '5m',
                  },
                },
              },
            ],
          },
          authorization: { action: 'Allow', policy: { matchExpressions: [TENANT_CLAIM_EXPRESSION] } },
        },
      },
    });
  }
}
