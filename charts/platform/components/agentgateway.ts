import { z } from 'zod';
import { ApiObject } from 'cdk8s';
import { AgentgatewayPolicy } from '../../../imports/agentgateway-policies-agentgateway.dev';
import { CENTRAL_GATEWAY, LABELS, PLATFORM_NAMESPACES, PLATFORM_SERVICES } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import type { PlatformComponent } from '../component';
import { CentralGateway, centralGatewayTarget, INTERNAL_NLB_ANNOTATIONS } from '../constructs/central-gateway';
import { PlatformExternalSecret } from '../constructs/external-secret';
import { GatewayJwtPolicy } from '../constructs/gateway-jwt-policy';
import { GatewayParameters } from '../constructs/gateway-parameters';
import { PlatformLlmBackend } from '../constructs/llm-backend';
import { WaypointGatewayClass } from '../constructs/waypoint-gateway-class';
import { placementFields, resources } from '../values';

const ns = CENTRAL_GATEWAY.namespace;

/** Names of the proxy parameters objects. */
export const GATEWAY_PARAMETERS = { ingress: 'agentgateway-config', waypoint: 'agentgateway-waypoint-config' } as const;

/** Secrets in agentgateway-system holding the platform's LLM keys (key `Authorization`). */
export const LLM_KEY_SECRETS = { anthropic: 'anthropic-api-secret', openai: 'openai-api-secret' } as const;

export const agentgatewayCrds: PlatformComponent = {
  name: 'agentgateway-crds',
  component: 'agentgateway',
  namespace: ns,
  description: 'agentgateway CRDs (backends, policies, parameters).',
  dependsOn: ['namespaces', 'gateway-api-crds'],
  crdsOnly: true,
  upstream: { name: 'agentgateway-crds' },
};

const image = z.strictObject({ registry: z.string(), repository: z.string(), tag: z.string() });
const controllerValues = z.strictObject({
  ...placementFields,
  resources,
  controller: z.strictObject({ replicaCount: z.int(), logLevel: z.string(), image }),
  discoveryNamespaceSelectors: z.array(z.strictObject({ matchLabels: z.record(z.string(), z.string()) })),
  monitoring: z.strictObject({ enabled: z.boolean(), grafanaDashboard: z.strictObject({ enabled: z.boolean() }) }),
  podSecurityContext: z.record(z.string(), z.unknown()),
  securityContext: z.record(z.string(), z.unknown()),
});
export const agentgateway: PlatformComponent = {
  name: 'agentgateway',
  component: 'agentgateway',
  namespace: ns,
  description: 'agentgateway controller: reconciles the central gateway, the tenant waypoints, backends and policies.',
  dependsOn: ['agentgateway-crds', 'ztunnel', 'langfuse', 'keycloak', 'kyverno', 'policies', 'kube-prometheus-stack'],
  upstream: {
    name: 'agentgateway',
    valuesSchema: controllerValues,
    values: (ctx) => ({
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      controller: { replicaCount: ctx.env.platform.replicas.agentgatewayController, logLevel: 'info', image: { ...ctx.env.platform.images.agentgatewayController } },
      // Gateways and routes are discovered only in namespaces the platform labels (tenants and platform).
      discoveryNamespaceSelectors: [{ matchLabels: { [LABELS.gatewayDiscovery]: 'true' } }],
      monitoring: { enabled: true, grafanaDashboard: { enabled: true } },
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    }),
    placements: [{ path: '', placement: 'platform' }],
  },
};

/**
 * Post-install gateway configuration: the central gateway and its parameters, the waypoint class,
 * JWT authentication for every route, and the platform's LLM backends with their keys.
 */
export const gatewayConfig: PlatformComponent = {
  name: 'gateway',
  component: 'agentgateway',
  namespace: ns,
  description: 'Central gateway agentgateway-proxy, waypoint class, JWT authentication and the platform LLM backends.',
  dependsOn: ['agentgateway', 'kagent', 'keycloak', 'otel-collector', 'external-secrets'],
  manifests: (scope, ctx) => {
    const p = ctx.env.platform;
    new GatewayParameters(scope, 'IngressParameters', {
      name: GATEWAY_PARAMETERS.ingress,
      image: p.images.agentgatewayProxy,
      nodeGroup: 'gateway',
      replicas: p.replicas.agentgatewayProxy,
      serviceAnnotations: INTERNAL_NLB_ANNOTATIONS,
    });
    new GatewayParameters(scope, 'WaypointParameters', {
      name: GATEWAY_PARAMETERS.waypoint,
      image: p.images.agentgatewayWaypoint,
      nodeGroup: 'agents',
      waypoint: { trustDomain: ctx.env.cluster.trustDomain },
    });
    new WaypointGatewayClass(scope, 'WaypointClass', { parametersName: GATEWAY_PARAMETERS.waypoint });
    new CentralGateway(scope, 'Gateway', { parametersName: GATEWAY_PARAMETERS.ingress });
    new GatewayJwtPolicy(scope, 'Jwt', { domain: p.domain });
    // Tracing of the central gateway's requests.
    new ApiObject(scope, 'Tracing', {
      ...AgentgatewayPolicy.GVK,
      metadata: { name: 'gateway-tracing', namespace: ns, labels: platformLabels('agentgateway') },
      spec: {
        targetRefs: [centralGatewayTarget()],
        frontend: {
          tracing: {
            backendRef: { kind: 'Service', name: PLATFORM_SERVICES.otelCollector, namespace: PLATFORM_NAMESPACES.otelCollector, port: 4317 },
            protocol: 'GRPC',
            randomSampling: 'true',
          },
        },
      },
    });
    const providers: ('anthropic' | 'openai')[] = p.llm.openai ? ['anthropic', 'openai'] : ['anthropic'];
    for (const provider of providers) {
      new PlatformExternalSecret(scope, `${provider}-key`, {
        namespace: ns,
        name: LLM_KEY_SECRETS[provider],
        component: 'agentgateway',
        remoteKey: provider === 'anthropic' ? ctx.infra.secrets.anthropicApiKey : ctx.infra.secrets.openaiApiKey,
        properties: ['apiKey'],
        template: { Authorization: '{{ .apiKey }}' },
      });
      new PlatformLlmBackend(scope, provider, {
        provider,
        model: provider === 'anthropic' ? p.llm.anthropicModel : p.llm.openaiModel,
        keySecret: LLM_KEY_SECRETS[provider],
      });
    }
  },
};
