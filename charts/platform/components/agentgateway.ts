import { z } from 'zod';
import {
  AgentgatewayPolicy,
  AgentgatewayPolicySpecFrontendTracingProtocol,
} from '../../../imports/agentgateway-policies-agentgateway.dev';
import { CENTRAL_GATEWAY, LABELS, OBSERVABILITY, PLATFORM_NAMESPACES, PLATFORM_SERVICES } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { WAYPOINT_RESOURCES } from '../../lib/waypoint';
import type { PlatformComponent } from '../component';
import { CentralGateway, centralGatewayTarget, MeshGateway, meshGatewayTarget } from '../constructs/central-gateway';
import { MAX_UNAVAILABLE } from '../constructs/disruption-budget';
import { PlatformExternalSecret } from '../constructs/external-secret';
import { GatewayJwtPolicy } from '../constructs/gateway-jwt-policy';
import { GatewayParameters, type ProxyResources } from '../constructs/gateway-parameters';
import { PlatformLlmBackend } from '../constructs/llm-backend';
import { mergeGuards, platformGuards } from '../../config/guards';
import { MeshIdentityPolicy } from '../constructs/mesh-identity-policy';
import { WaypointGatewayClass } from '../constructs/waypoint-gateway-class';
import { KeycloakRoute } from '../constructs/keycloak-route';
import { placementFields, resources } from '../values';

const ns = CENTRAL_GATEWAY.namespace;

/** Names of the proxy parameters objects. */
export const GATEWAY_PARAMETERS = {
  ingress: 'agentgateway-config',
  mesh: 'agentgateway-mesh-config',
  waypoint: 'agentgateway-waypoint-config',
} as const;

/** Resources of a gateway proxy (external and mesh). */
const PROXY_RESOURCES: ProxyResources = {
  requests: { cpu: '200m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

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
  // agentgateway v1.4.1 templates/poddisruptionbudget.yaml: a budget for the controller when set.
  controller: z.strictObject({
    replicaCount: z.int(),
    logLevel: z.string(),
    image,
    podDisruptionBudget: z.strictObject({ maxUnavailable: z.int() }).optional(),
  }),
  discoveryNamespaceSelectors: z.array(z.strictObject({ matchLabels: z.record(z.string(), z.string()) })),
  monitoring: z.strictObject({ enabled: z.boolean(), grafanaDashboard: z.strictObject({ enabled: z.boolean() }) }),
  podSecurityContext: z.record(z.string(), z.unknown()),
  securityContext: z.record(z.string(), z.unknown()),
});
export const agentgateway: PlatformComponent = {
  name: 'agentgateway',
  component: 'agentgateway',
  namespace: ns,
  description: 'agentgateway controller: reconciles the external and the mesh gateway, backends and policies.',
  dependsOn: ['agentgateway-crds', 'ztunnel', 'langfuse', 'keycloak', 'kyverno', 'policies', 'kube-prometheus-stack'],
  upstream: {
    name: 'agentgateway',
    valuesSchema: controllerValues,
    values: (ctx) => ({
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      controller: {
        replicaCount: ctx.env.platform.replicas.agentgatewayController,
        logLevel: 'info',
        image: { ...ctx.env.platform.images.agentgatewayController },
        ...(ctx.env.platform.replicas.agentgatewayController > 1
          ? { podDisruptionBudget: { maxUnavailable: MAX_UNAVAILABLE } }
          : {}),
      },
      // Gateways and routes are discovered only in namespaces the platform labels (tenants and platform).
      discoveryNamespaceSelectors: [{ matchLabels: { [LABELS.gatewayDiscovery]: 'true' } }],
      monitoring: { enabled: true, grafanaDashboard: { enabled: true } },
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
    }),
    placements: [{ path: '', placement: 'platform' }],
  },
};

/**
 * Post-install gateway configuration: the external and the mesh gateway with their parameters,
 * the tenant waypoint class, JWT authentication on the external gateway, mesh identity on the
 * mesh gateway, tracing, and the platform's LLM backends with their keys.
 */
export const gatewayConfig: PlatformComponent = {
  name: 'gateway',
  component: 'agentgateway',
  namespace: ns,
  description:
    'The external gateway agentgateway-proxy (TLS, JWT) and the mesh gateway agentgateway-mesh (mesh identity), the waypoint class and the platform LLM backends.',
  dependsOn: ['agentgateway', 'kagent', 'keycloak', 'otel-collector', 'external-secrets'],
  manifests: (scope, ctx) => {
    const p = ctx.env.platform;
    const trustDomain = ctx.env.cluster.trustDomain;
    const proxy = {
      image: p.images.agentgatewayProxy,
      nodeGroup: 'gateway' as const,
      replicas: p.replicas.agentgatewayProxy,
      resources: PROXY_RESOURCES,
      trustDomain,
    };
    new GatewayParameters(scope, 'IngressParameters', { ...proxy, name: GATEWAY_PARAMETERS.ingress });
    new GatewayParameters(scope, 'MeshParameters', {
      ...proxy,
      name: GATEWAY_PARAMETERS.mesh,
      serviceType: 'ClusterIP',
    });
    if (p.waypoint === 'agentgateway') {
      new GatewayParameters(scope, 'WaypointParameters', {
        name: GATEWAY_PARAMETERS.waypoint,
        image: p.images.agentgatewayWaypoint,
        nodeGroup: 'agents',
        resources: WAYPOINT_RESOURCES,
        trustDomain,
        serviceType: 'ClusterIP',
      });
    }
    new WaypointGatewayClass(scope, 'WaypointClass', { kind: p.waypoint, parametersName: GATEWAY_PARAMETERS.waypoint });
    new CentralGateway(scope, 'Gateway', {
      parametersName: GATEWAY_PARAMETERS.ingress,
      domain: p.domain,
      exposure: p.gateway.exposure,
      certificateArn: ctx.infra.gateway.certificateArn,
    });
    new MeshGateway(scope, 'MeshGateway', { parametersName: GATEWAY_PARAMETERS.mesh });
    // Token issuance at https://keycloak.<domain>. The route ships with its Gateway, not with
    // Keycloak: Argo CD waits for an HTTPRoute to be Healthy, which needs its parent's controller
    // to accept it, and the gateway comes in a later wave than Keycloak (it depends on Keycloak).
    new KeycloakRoute(scope, 'KeycloakRoute');
    new GatewayJwtPolicy(scope, 'Jwt', { domain: p.domain });
    new MeshIdentityPolicy(scope, 'MeshIdentity', { trustDomain });
    // Tracing of both gateways' requests, and the caller's namespace on spans and metrics: the
    // collector copies a span to the caller tenant's Langfuse project, and the tenant dashboards
    // count the LLM tokens and cost of its own calls. On the mesh gateway it is the namespace of
    // the caller's SPIFFE identity (agentgateway v1.4.1 crates/agentgateway/src/cel/types.rs
    // SourceContext.tls, set from the terminated HBONE tunnel); without one (the external gateway)
    // the span attribute is left out and the metric label reads "unknown" (the CRD's
    // frontend.tracing.attributes.add and frontend.metrics.attributes.add).
    const caller = 'source.identity.namespace';
    new AgentgatewayPolicy(scope, 'Tracing', {
      metadata: { name: 'gateway-tracing', namespace: ns, labels: platformLabels('agentgateway') },
      spec: {
        targetRefs: [centralGatewayTarget(), meshGatewayTarget()],
        frontend: {
          tracing: {
            backendRef: {
              kind: 'Service',
              name: PLATFORM_SERVICES.otelCollector,
              namespace: PLATFORM_NAMESPACES.otelCollector,
              port: 4317,
            },
            protocol: AgentgatewayPolicySpecFrontendTracingProtocol.GRPC,
            randomSampling: 'true',
            attributes: { add: [{ name: OBSERVABILITY.callerAttribute, expression: caller }] },
          },
          metrics: { attributes: { add: [{ name: OBSERVABILITY.callerMetricLabel, expression: caller }] } },
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
        keySecret: LLM_KEY_SECRETS[provider],
        trustDomain,
        guards: mergeGuards([platformGuards(ctx.env)]),
      });
    }
  },
};
