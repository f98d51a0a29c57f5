import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentgatewayBackend } from '../../../imports/agentgateway-backends-agentgateway.dev';
import { HttpRoute } from '../../../imports/gateway-api-httproutes-gateway.networking.k8s.io';
import { CENTRAL_GATEWAY } from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import { gatewayUrl, prefixRewriteRule, routePath } from '../../routing/routes';
import { platformLabels } from '../../lib/labels';
import { centralGatewayTarget } from './central-gateway';

/** Path alias of the platform's own LLM backends: /llm/default/<provider>. */
export const PLATFORM_LLM_ALIAS = 'default';

export type LlmProvider = 'anthropic' | 'openai';

/** How agentgateway treats each API path of an LLM provider. */
export const LLM_PROVIDER_ROUTES: Record<LlmProvider, Record<string, string>> = {
  anthropic: { '/v1/messages': 'Messages', '/v1/models': 'Models', '*': 'Passthrough' },
  openai: { '/v1/chat/completions': 'Completions', '/v1/models': 'Models', '*': 'Passthrough' },
};

export interface PlatformLlmBackendProps {
  readonly provider: LlmProvider;
  /** Model the backend pins (requests naming another model are rewritten to it). */
  readonly model: string;
  /** Secret in the central gateway's namespace whose `Authorization` key holds the API key. */
  readonly keySecret: string;
}

/** Path of a platform LLM backend on the central gateway. */
export function platformLlmPath(provider: LlmProvider): string {
  return routePath('llm', PLATFORM_LLM_ALIAS, provider);
}

/** In-cluster URL of a platform LLM backend (what ModelConfigs name as their base URL). */
export function platformLlmUrl(provider: LlmProvider): string {
  return gatewayUrl(platformLlmPath(provider));
}

/**
 * A platform LLM backend on the central gateway: the AgentgatewayBackend injects the real key
 * from a Secret only agentgateway-system holds, and an HTTPRoute exposes it at
 * /llm/default/<provider> with the prefix rewritten to /. Callers send no key (or a dummy one).
 */
export class PlatformLlmBackend extends Construct {
  public readonly backend: ApiObject;
  public readonly route: ApiObject;

  constructor(scope: Construct, id: string, props: PlatformLlmBackendProps) {
    super(scope, id);
    const labels = platformLabels('agentgateway');
    this.backend = new ApiObject(this, 'Resource', {
      ...AgentgatewayBackend.GVK,
      metadata: { name: props.provider, namespace: CENTRAL_GATEWAY.namespace, labels },
      spec: {
        ai: { provider: { [props.provider]: { model: props.model } } },
        policies: {
          ai: { routes: { ...LLM_PROVIDER_ROUTES[props.provider] } },
          auth: { secretRef: { name: props.keySecret } },
        },
      },
    });
    this.route = new ApiObject(this, 'Route', {
      ...HttpRoute.GVK,
      metadata: { name: `llm-${PLATFORM_LLM_ALIAS}-${props.provider}`, namespace: CENTRAL_GATEWAY.namespace, labels },
      spec: {
        // Same namespace as the gateway: no namespace in the reference.
        parentRefs: [{ ...centralGatewayTarget(), sectionName: CENTRAL_GATEWAY.listener }],
        rules: [prefixRewriteRule(platformLlmPath(props.provider), { group: groupOf(AgentgatewayBackend.GVK), kind: AgentgatewayBackend.GVK.kind, name: props.provider })],
      },
    });
  }
}
