import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentgatewayBackend } from '../../imports/agentgateway-backends-agentgateway.dev';
import { AgentgatewayPolicy } from '../../imports/agentgateway-policies-agentgateway.dev';
import { HttpRoute } from '../../imports/gateway-api-httproutes-gateway.networking.k8s.io';
import { KEYCLOAK } from '../lib/constants';
import { groupOf } from '../lib/gvk';
import { tenantLabels } from '../lib/labels';
import { centralGatewayParent } from '../platform/constructs/central-gateway';
import { callersExpression, prefixRewriteRule, ROUTE_OBJECT_NAMES, type RouteEntry } from '../routing/routes';

export interface TenantRouteProps {
  readonly tenant: string;
  /** The route as the routing table computes it. */
  readonly route: RouteEntry;
}

/**
 * One route of a tenant on the central gateway: an HTTPRoute in the tenant namespace,
 * `<path>` with the prefix rewritten to `/`, and an AgentgatewayPolicy on it that requires the
 * caller's token to name the owner or one of the tenants it allows: every other caller gets
 * 403. The gateway-wide policy has already required a valid token naming some tenant. Route
 * names never start with auto-expose-, and the objects they expose carry the managed-by label,
 * so the auto-expose policy never routes them a second time.
 */
export class TenantRoute extends Construct {
  public readonly resource: ApiObject;
  public readonly policy: ApiObject;

  constructor(scope: Construct, id: string, props: TenantRouteProps) {
    super(scope, id);
    const { route: r } = props;
    const labels = tenantLabels(props.tenant);
    const backendRef =
      r.backend.kind === 'Service'
        ? { kind: 'Service', name: r.backend.name, port: r.backend.port }
        : { group: groupOf(AgentgatewayBackend.GVK), kind: AgentgatewayBackend.GVK.kind, name: r.backend.name };
    this.resource = new ApiObject(this, 'Resource', {
      ...HttpRoute.GVK,
      metadata: { name: r.routeName, namespace: r.namespace, labels },
      spec: {
        parentRefs: [centralGatewayParent()],
        rules: [prefixRewriteRule(r.path, backendRef)],
      },
    });
    this.policy = new ApiObject(this, 'Callers', {
      ...AgentgatewayPolicy.GVK,
      metadata: { name: ROUTE_OBJECT_NAMES.callers(r.kind, r.exposes.name), namespace: r.namespace, labels },
      spec: {
        targetRefs: [{ group: groupOf(HttpRoute.GVK), kind: HttpRoute.GVK.kind, name: r.routeName }],
        traffic: { authorization: { action: 'Require', policy: { matchExpressions: [callersExpression(KEYCLOAK.tenantClaim, r.callers)] } } },
      },
    });
  }
}
