import { Construct } from 'constructs';
import { AgentgatewayBackend } from '../../imports/agentgateway-backends-agentgateway.dev';
import { AgentgatewayPolicy } from '../../imports/agentgateway-policies-agentgateway.dev';
import {
  HttpRoute,
  type HttpRouteSpecParentRefs,
} from '../../imports/gateway-api-httproutes-gateway.networking.k8s.io';
import { KEYCLOAK } from '../lib/constants';
import { groupOf } from '../lib/gvk';
import { tenantLabels } from '../lib/labels';
import { promptGuardsSpec, requireCallersSpec, typedRouteRule } from './route-policy-parts';
import { centralGatewayParent, meshGatewayParent } from '../platform/constructs/central-gateway';
import {
  backendRefWithDefaults,
  callersExpression,
  meshCallersExpression,
  prefixRewriteRule,
  ROUTE_OBJECT_NAMES,
  type RouteEntry,
} from '../config/routes';

export interface TenantRouteProps {
  readonly tenant: string;
  /** The route as the routing table computes it. */
  readonly route: RouteEntry;
  /** Istio trust domain of the callers' SPIFFE identities. */
  readonly trustDomain: string;
}

/**
 * One route of a tenant, on each gateway it belongs to, each with the policy that admits its
 * callers (every other caller gets 403):
 *
 * - on the mesh gateway, always: HTTPRoute `<kind>-<name>-mesh`, callers admitted by the SPIFFE
 *   identity of their workloads (the namespace of the owner or of a tenant of allowCallsFrom);
 * - on the external gateway, when the object is exposed: HTTPRoute `<kind>-<name>`, callers
 *   admitted by the `tenant` claim of their token (the gateway-wide policy has already required
 *   a valid token).
 *
 * The policies use action Require: agentgateway v1.4.1 accumulates authorization rules from the
 * gateway, listener and route, and a Require rule must hold whatever else allows
 * (crates/agentgateway/src/http/authorization.rs). Both routes rewrite the prefix to `/`. Route
 * names never start with auto-expose-, and the objects they expose carry the managed-by label,
 * so the auto-expose policy never routes them a second time.
 */
export class TenantRoute extends Construct {
  /** The mesh gateway's route. */
  public readonly resource: HttpRoute;
  public readonly policy: AgentgatewayPolicy;
  /** The external gateway's route and policy, when the object is exposed. */
  public readonly external?: { readonly route: HttpRoute; readonly policy: AgentgatewayPolicy };
  /** The prompt guards of an LLM route, on both of its HTTPRoutes. */
  public readonly guards?: AgentgatewayPolicy;

  constructor(scope: Construct, id: string, props: TenantRouteProps) {
    super(scope, id);
    const { route: r } = props;
    const labels = tenantLabels(props.tenant);
    const backendRef =
      r.backend.kind === 'Service'
        ? { kind: 'Service', name: r.backend.name, port: r.backend.port }
        : { group: groupOf(AgentgatewayBackend.GVK), kind: AgentgatewayBackend.GVK.kind, name: r.backend.name };
    const route = (cid: string, name: string, parent: HttpRouteSpecParentRefs) =>
      new HttpRoute(this, cid, {
        metadata: { name, namespace: r.namespace, labels },
        spec: {
          parentRefs: [parent],
          rules: [typedRouteRule(prefixRewriteRule(r.path, backendRefWithDefaults(backendRef), r.requestHeaders))],
        },
      });
    const policy = (cid: string, name: string, routeName: string, expression: string) =>
      new AgentgatewayPolicy(this, cid, {
        metadata: { name, namespace: r.namespace, labels },
        spec: requireCallersSpec(routeName, expression),
      });
    const { mesh, external } = r.routeNames;
    this.resource = route('Resource', mesh, meshGatewayParent());
    this.policy = policy(
      'MeshCallers',
      ROUTE_OBJECT_NAMES.meshCallers(r.kind, r.exposes.name),
      mesh,
      meshCallersExpression(props.trustDomain, r.callers),
    );
    if (external) {
      this.external = {
        route: route('External', external, centralGatewayParent()),
        policy: policy(
          'Callers',
          ROUTE_OBJECT_NAMES.callers(r.kind, r.exposes.name),
          external,
          callersExpression(KEYCLOAK.tenantClaim, r.callers),
        ),
      };
    }
    if (r.guards) {
      // One policy on every HTTPRoute of the path: agentgateway v1.4.1 applies one promptGuard per
      // request, the most specific one (crates/agentgateway/src/store/binds.rs merge_llm_policies).
      this.guards = new AgentgatewayPolicy(this, 'Guards', {
        metadata: { name: ROUTE_OBJECT_NAMES.guards(r.kind, r.exposes.name), namespace: r.namespace, labels },
        spec: promptGuardsSpec([mesh, ...(external ? [external] : [])], r.guards),
      });
    }
  }
}
