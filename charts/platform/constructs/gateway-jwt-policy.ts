import { Construct } from 'constructs';
import {
  AgentgatewayPolicy,
  AgentgatewayPolicySpecStrategyInheritance as Inheritance,
  AgentgatewayPolicySpecTrafficJwtAuthenticationMode as JwtMode,
} from '../../../imports/agentgateway-policies-agentgateway.dev';
import { requireSpec } from '../../constructs/route-policy-parts';
import { CHART_SERVICES } from '../../lib/chart-names';
import { CENTRAL_GATEWAY, KEYCLOAK, PLATFORM_NAMESPACES } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { externalHosts } from '../../config/routes';
import { centralGatewayTarget } from './central-gateway';

/** Issuer URL of the platform realm: the external Keycloak host, as tokens carry it. */
export function keycloakIssuer(domain: string): string {
  return `https://${externalHosts(domain).keycloak}/realms/${KEYCLOAK.realm}`;
}

/** CEL expression every request's token must satisfy: it names at least one tenant. */
export const TENANT_CLAIM_EXPRESSION = `has(jwt.${KEYCLOAK.tenantClaim}) && size(jwt.${KEYCLOAK.tenantClaim}) > 0`;

export interface GatewayJwtPolicyProps {
  /** Domain of the environment (the issuer is https://keycloak.<domain>/realms/agents). */
  readonly domain: string;
}

/** Names of the two policies. */
export const GATEWAY_JWT_POLICIES = { jwt: 'gateway-jwt', tenantClaim: 'gateway-tenant-claim' } as const;

/**
 * JWT authentication on the external gateway's API listener: every request (/a2a, /llm, /mcp,
 * /sandbox and any later route) needs a token from the platform realm, for the gateway audience,
 * that names a tenant. Keys come from Keycloak inside the cluster. The Keycloak listener has no
 * JWT requirement (it issues the tokens).
 *
 * Two objects, because of how agentgateway v1.4.1 merges policies per request
 * (crates/agentgateway/src/store/binds.rs route_policies):
 * - `gateway-jwt` (Strict) has `strategy.inheritance: Override`, so no route-level policy can
 *   replace it (a route-level `jwtAuthentication` would otherwise win field by field, and
 *   `Permissive` would switch it off; crates/agentgateway/src/store/policy.rs
 *   merge_with_inheritance);
 * - `gateway-tenant-claim` keeps the default inheritance: an authorization rule with Override
 *   drops every later (route-level) authorization rule, which would drop the routes' caller
 *   policies. Its action is Require, which no route-level Allow can widen
 *   (crates/agentgateway/src/http/authorization.rs).
 */
export class GatewayJwtPolicy extends Construct {
  public readonly resource: AgentgatewayPolicy;
  public readonly tenantClaim: AgentgatewayPolicy;

  constructor(scope: Construct, id: string, props: GatewayJwtPolicyProps) {
    super(scope, id);
    const metadata = (name: string) => ({
      name,
      namespace: CENTRAL_GATEWAY.namespace,
      labels: platformLabels('agentgateway'),
    });
    const targetRefs = [centralGatewayTarget(CENTRAL_GATEWAY.listener)];
    this.resource = new AgentgatewayPolicy(this, 'Resource', {
      metadata: metadata(GATEWAY_JWT_POLICIES.jwt),
      spec: {
        targetRefs,
        strategy: { inheritance: Inheritance.OVERRIDE },
        traffic: {
          jwtAuthentication: {
            mode: JwtMode.STRICT,
            providers: [
              {
                issuer: keycloakIssuer(props.domain),
                audiences: [KEYCLOAK.gatewayClient],
                jwks: {
                  remote: {
                    backendRef: {
                      group: '',
                      kind: 'Service',
                      name: CHART_SERVICES.keycloak.name,
                      namespace: PLATFORM_NAMESPACES.keycloak,
                      port: CHART_SERVICES.keycloak.port,
                    },
                    jwksPath: `/realms/${KEYCLOAK.realm}/protocol/openid-connect/certs`,
                    cacheDuration: '5m',
                  },
                },
              },
            ],
          },
        },
      },
    });
    this.tenantClaim = new AgentgatewayPolicy(this, 'TenantClaim', {
      metadata: metadata(GATEWAY_JWT_POLICIES.tenantClaim),
      spec: requireSpec(targetRefs, TENANT_CLAIM_EXPRESSION),
    });
  }
}
