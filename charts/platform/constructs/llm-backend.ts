import { Construct } from 'constructs';
import {
  AgentgatewayBackend,
  type AgentgatewayBackendSpec,
  AgentgatewayBackendSpecPoliciesAiRoutes as AiRoute,
} from '../../../imports/agentgateway-backends-agentgateway.dev';
import { HttpRoute } from '../../../imports/gateway-api-httproutes-gateway.networking.k8s.io';
import { AgentgatewayPolicy } from '../../../imports/agentgateway-policies-agentgateway.dev';
import { MESH_GATEWAY, PLATFORM_LLM_ALIAS } from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import { promptGuardsSpec, requireCallersSpec, typedRouteRule } from '../../constructs/route-policy-parts';
import {
  ANY_TENANT,
  backendRefWithDefaults,
  gatewayUrl,
  meshCallersExpression,
  prefixRewriteRule,
  routePath,
} from '../../config/routes';
import { platformLabels } from '../../lib/labels';
import { hasGuards, type MergedGuards } from '../../config/guards';
import { meshGatewayTarget } from './central-gateway';

export type LlmProvider = 'anthropic' | 'openai';

/** How agentgateway treats each API path of an LLM provider. */
export const LLM_PROVIDER_ROUTES: Record<LlmProvider, Record<string, AiRoute>> = {
  anthropic: { '/v1/messages': AiRoute.MESSAGES, '/v1/models': AiRoute.MODELS, '*': AiRoute.PASSTHROUGH },
  openai: { '/v1/chat/completions': AiRoute.COMPLETIONS, '/v1/models': AiRoute.MODELS, '*': AiRoute.PASSTHROUGH },
};

/**
 * The spec of an AgentgatewayBackend of an LLM provider whose key agentgateway injects from the
 * `Authorization` key of a Secret of the backend's namespace.
 */
export function llmBackendSpec(provider: LlmProvider, keySecret: string, model?: string): AgentgatewayBackendSpec {
  return {
    ai: { provider: { [provider]: model === undefined ? {} : { model } } },
    policies: { ai: { routes: { ...LLM_PROVIDER_ROUTES[provider] } }, auth: { secretRef: { name: keySecret } } },
  };
}

export interface PlatformLlmBackendProps {
  readonly provider: LlmProvider;
  /** Secret in the gateways' namespace whose `Authorization` key holds the API key. */
  readonly keySecret: string;
  /** Istio trust domain of the callers' identities. */
  readonly trustDomain: string;
  /**
   * The environment's default prompt guards, enforced on the route.
   * @default - no guards
   */
  readonly guards?: MergedGuards;
}

/** Path of a platform LLM backend on the mesh gateway. */
export function platformLlmPath(provider: LlmProvider): string {
  return routePath('llm', PLATFORM_LLM_ALIAS, provider);
}

/** In-cluster URL of a platform LLM backend (what ModelConfigs name as their base URL). */
export function platformLlmUrl(provider: LlmProvider): string {
  return gatewayUrl(platformLlmPath(provider));
}

/**
 * A platform LLM backend on the mesh gateway: the AgentgatewayBackend injects the real key from a
 * Secret only agentgateway-system holds, an HTTPRoute serves it at /llm/default/<provider> with
 * the prefix rewritten to /, and a policy admits the workloads of every tenant and of kagent.
 * Callers send no key (or a placeholder, which the key replaces). It is not on the external
 * gateway: the platform's key serves workloads, not callers outside the cluster.
 *
 * The backend pins no model, so each request's model is used: agentgateway v1.4.1 overwrites the
 * request's model only when the backend sets one (crates/llm/src/anthropic.rs and openai.rs
 * `model`, "overriding the model in the client request"; crates/agentgateway/src/llm/mod.rs
 * set_provider_request_model).
 */
export class PlatformLlmBackend extends Construct {
  public readonly backend: AgentgatewayBackend;
  public readonly route: HttpRoute;
  public readonly policy: AgentgatewayPolicy;
  /** The route's prompt guards, when the environment sets any. */
  public readonly guards?: AgentgatewayPolicy;

  constructor(scope: Construct, id: string, props: PlatformLlmBackendProps) {
    super(scope, id);
    const labels = platformLabels('agentgateway');
    this.backend = new AgentgatewayBackend(this, 'Resource', {
      metadata: { name: props.provider, namespace: MESH_GATEWAY.namespace, labels },
      spec: llmBackendSpec(props.provider, props.keySecret),
    });
    const routeName = `llm-${PLATFORM_LLM_ALIAS}-${props.provider}`;
    this.route = new HttpRoute(this, 'Route', {
      metadata: { name: routeName, namespace: MESH_GATEWAY.namespace, labels },
      spec: {
        // Same namespace as the gateway: no namespace in the reference.
        parentRefs: [meshGatewayTarget(MESH_GATEWAY.listener)],
        rules: [
          typedRouteRule(
            prefixRewriteRule(
              platformLlmPath(props.provider),
              backendRefWithDefaults({
                group: groupOf(AgentgatewayBackend.GVK),
                kind: AgentgatewayBackend.GVK.kind,
                name: props.provider,
              }),
            ),
          ),
        ],
      },
    });
    this.policy = new AgentgatewayPolicy(this, 'Callers', {
      metadata: { name: `${routeName}-callers`, namespace: MESH_GATEWAY.namespace, labels },
      spec: requireCallersSpec(routeName, meshCallersExpression(props.trustDomain, [ANY_TENANT])),
    });
    if (props.guards && hasGuards(props.guards)) {
      this.guards = new AgentgatewayPolicy(this, 'Guards', {
        metadata: { name: `${routeName}-guards`, namespace: MESH_GATEWAY.namespace, labels },
        spec: promptGuardsSpec([routeName], props.guards),
      });
    }
  }
}
