import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentgatewayBackend } from '../../../imports/agentgateway-backends-agentgateway.dev';
import { HttpRoute } from '../../../imports/gateway-api-httproutes-gateway.networking.k8s.io';
import { AgentgatewayPolicy } from '../../../imports/agentgateway-policies-agentgateway.dev';
import { MESH_GATEWAY, PLATFORM_LLM_ALIAS } from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import {
  ANY_TENANT,
  backendRefWithDefaults,
  gatewayUrl,
  meshCallersExpression,
  prefixRewriteRule,
  routePath,
} from '../../config/routes';
import { platformLabels } from '../../lib/labels';
import { hasGuards, type MergedGuards, promptGuardSpec } from '../../config/guards';
import { meshGatewayTarget } from './central-gateway';

export type LlmProvider = 'anthropic' | 'openai';

/** How agentgateway treats each API path of an LLM provider. */
export const LLM_PROVIDER_ROUTES: Record<LlmProvider, Record<string, string>> = {
  anthropic: { '/v1/messages': 'Messages', '/v1/models': 'Models', '*': 'Passthrough' },
  openai: { '/v1/chat/completions': 'Completions', '/v1/models': 'Models', '*': 'Passthrough' },
};

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
  public readonly backend: ApiObject;
  public readonly route: ApiObject;
  public readonly policy: ApiObject;
  /** The route's prompt guards, when the environment sets any. */
  public readonly guards?: ApiObject;

  constructor(scope: Construct, id: string, props: PlatformLlmBackendProps) {
    super(scope, id);
    const labels = platformLabels('agentgateway');
    this.backend = new ApiObject(this, 'Resource', {
      ...AgentgatewayBackend.GVK,
      metadata: { name: props.provider, namespace: MESH_GATEWAY.namespace, labels },
      spec: {
        ai: { provider: { [props.provider]: {} } },
        policies: {
          ai: { routes: { ...LLM_PROVIDER_ROUTES[props.provider] } },
          auth: { secretRef: { name: props.keySecret } },
        },
      },
    });
    const routeName = `llm-${PLATFORM_LLM_ALIAS}-${props.provider}`;
    this.route = new ApiObject(this, 'Route', {
      ...HttpRoute.GVK,
      metadata: { name: routeName, namespace: MESH_GATEWAY.namespace, labels },
      spec: {
        // Same namespace as the gateway: no namespace in the reference.
        parentRefs: [meshGatewayTarget(MESH_GATEWAY.listener)],
        rules: [
          prefixRewriteRule(
            platformLlmPath(props.provider),
            backendRefWithDefaults({
              group: groupOf(AgentgatewayBackend.GVK),
              kind: AgentgatewayBackend.GVK.kind,
              name: props.provider,
            }),
          ),
        ],
      },
    });
    this.policy = new ApiObject(this, 'Callers', {
      ...AgentgatewayPolicy.GVK,
      metadata: { name: `${routeName}-callers`, namespace: MESH_GATEWAY.namespace, labels },
      spec: {
        targetRefs: [{ group: groupOf(HttpRoute.GVK), kind: HttpRoute.GVK.kind, name: routeName }],
        traffic: {
          authorization: {
            action: 'Require',
            policy: { matchExpressions: [meshCallersExpression(props.trustDomain, [ANY_TENANT])] },
          },
        },
      },
    });
    if (props.guards && hasGuards(props.guards)) {
      this.guards = new ApiObject(this, 'Guards', {
        ...AgentgatewayPolicy.GVK,
        metadata: { name: `${routeName}-guards`, namespace: MESH_GATEWAY.namespace, labels },
        spec: {
          targetRefs: [{ group: groupOf(HttpRoute.GVK), kind: HttpRoute.GVK.kind, name: routeName }],
          backend: { ai: { promptGuard: promptGuardSpec(props.guards) } },
        },
      });
    }
  }
}
