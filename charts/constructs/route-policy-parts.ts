import {
  type AgentgatewayPolicySpec,
  type AgentgatewayPolicySpecBackendAiPromptGuard,
  type AgentgatewayPolicySpecTargetRefs,
  AgentgatewayPolicySpecTrafficAuthorizationAction as AuthorizationAction,
} from '../../imports/agentgateway-policies-agentgateway.dev';
import {
  HttpRoute,
  type HttpRouteSpecRules,
  type HttpRouteSpecRulesBackendRefs,
} from '../../imports/gateway-api-httproutes-gateway.networking.k8s.io';
import { type MergedGuards, promptGuardSpec } from '../config/guards';
import { groupOf } from '../lib/gvk';

/**
 * A route rule or backendRef of config/routes.ts (a layer that does not import imports/) in the
 * HTTPRoute import's form: its keys are the CRD's JSON names, the import's names in this subtree.
 */
export function typedRouteRule(rule: Record<string, unknown>): HttpRouteSpecRules {
  return rule as HttpRouteSpecRules;
}

export function typedBackendRef(ref: Record<string, unknown>): HttpRouteSpecRulesBackendRefs {
  return ref as unknown as HttpRouteSpecRulesBackendRefs;
}

/** Policy targets: HTTPRoutes of the policy's namespace. */
function httpRouteTargets(routeNames: readonly string[]): AgentgatewayPolicySpecTargetRefs[] {
  return routeNames.map((name) => ({ group: groupOf(HttpRoute.GVK), kind: HttpRoute.GVK.kind, name }));
}

/** An AgentgatewayPolicy spec that admits on its targets only the requests a CEL expression matches. */
export function requireSpec(
  targetRefs: AgentgatewayPolicySpecTargetRefs[],
  expression: string,
): AgentgatewayPolicySpec {
  return {
    targetRefs,
    traffic: { authorization: { action: AuthorizationAction.REQUIRE, policy: { matchExpressions: [expression] } } },
  };
}

/** An AgentgatewayPolicy spec that admits on a route only the callers a CEL expression matches. */
export function requireCallersSpec(routeName: string, expression: string): AgentgatewayPolicySpec {
  return requireSpec(httpRouteTargets([routeName]), expression);
}

/** An AgentgatewayPolicy spec that enforces prompt guards on routes. */
export function promptGuardsSpec(routeNames: readonly string[], guards: MergedGuards): AgentgatewayPolicySpec {
  // promptGuardSpec writes the CRD's JSON names, which are the import's names in this subtree.
  const promptGuard = promptGuardSpec(guards) as AgentgatewayPolicySpecBackendAiPromptGuard;
  return { targetRefs: httpRouteTargets(routeNames), backend: { ai: { promptGuard } } };
}
