import { z } from 'zod';
import { CHART_SERVICES, RELEASES } from '../../lib/chart-names';
import { PLATFORM_NAMESPACES, PLATFORM_SERVICES, PORTS } from '../../lib/constants';
import type { PlatformComponent } from '../component';
import { PlatformExternalSecret } from '../constructs/external-secret';
import { platformLlmUrl } from '../constructs/llm-backend';
import { DUMMY_API_KEY } from '../../constructs/tenant-model-config';
import { placementFields, resources } from '../values';

const ns = PLATFORM_NAMESPACES.kagent;

/** Secret in kagent-system with the Grafana service account token (GRAFANA_SERVICE_ACCOUNT_TOKEN). */
export const GRAFANA_MCP_TOKEN_SECRET = 'grafana-mcp-token';

export const kagentCrds: PlatformComponent = {
  name: 'kagent-crds',
  component: 'kagent',
  namespace: ns,
  description: 'kagent CRDs (Agent, ModelConfig, RemoteMCPServer, ...) and kmcp\'s MCPServer.',
  dependsOn: ['namespaces'],
  crdsOnly: true,
  upstream: { name: 'kagent-crds' },
};

const enabled = z.strictObject({ enabled: z.boolean() });
const kagentValues = z.strictObject({
  controller: z.strictObject({ replicas: z.int(), resources, ...placementFields }),
  ui: z.strictObject({ ...placementFields }),
  providers: z.strictObject({
    default: z.literal('anthropic'),
    anthropic: z.strictObject({
      provider: z.literal('Anthropic'),
      model: z.string(),
      apiKeySecretRef: z.string(),
      apiKeySecretKey: z.string(),
      apiKey: z.literal(DUMMY_API_KEY),
      config: z.strictObject({ baseUrl: z.url() }),
    }),
  }),
  otel: z.strictObject({
    tracing: z.strictObject({ enabled: z.literal(true), exporter: z.strictObject({ otlp: z.strictObject({ endpoint: z.string(), protocol: z.literal('grpc'), insecure: z.boolean() }) }) }),
    logging: z.strictObject({ enabled: z.literal(false) }),
  }),
  kmcp: z.strictObject({ enabled: z.literal(true), ...placementFields }),
  'kagent-tools': z.strictObject({ enabled: z.literal(true), ...placementFields }),
  'grafana-mcp': z.strictObject({ enabled: z.literal(true), grafana: z.strictObject({ url: z.string(), secretRef: z.string() }), ...placementFields }),
  querydoc: enabled,
  'observability-agent': enabled,
  'k8s-agent': enabled,
  'promql-agent': enabled,
  'helm-agent': enabled,
  'kgateway-agent': enabled,
  'istio-agent': enabled,
  'argo-rollouts-agent': enabled,
  'cilium-policy-agent': enabled,
  'cilium-manager-agent': enabled,
  'cilium-debug-agent': enabled,
});

export const kagent: PlatformComponent = {
  name: RELEASES.kagent,
  component: 'kagent',
  namespace: ns,
  description: 'kagent controller and UI, kmcp, the tool server, the Grafana MCP server and the built-in agents.',
  dependsOn: ['kagent-crds', 'agentgateway'],
  upstream: {
    name: 'kagent',
    valuesSchema: kagentValues,
    values: (ctx) => ({
      controller: { replicas: ctx.env.platform.replicas.kagentController, resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } } },
      ui: {},
      // The default model goes through the central gateway, which injects the real key.
      providers: {
        default: 'anthropic',
        anthropic: {
          provider: 'Anthropic',
          model: ctx.env.platform.llm.anthropicModel,
          apiKeySecretRef: 'kagent-anthropic',
          apiKeySecretKey: 'ANTHROPIC_API_KEY',
          apiKey: DUMMY_API_KEY,
          config: { baseUrl: platformLlmUrl('anthropic') },
        },
      },
      otel: {
        tracing: { enabled: true, exporter: { otlp: { endpoint: `${PLATFORM_SERVICES.otelCollector}.${PLATFORM_NAMESPACES.otelCollector}.svc.cluster.local:${PORTS.otlpGrpc}`, protocol: 'grpc', insecure: true } } },
        // Langfuse's OTLP endpoint ingests traces only.
        logging: { enabled: false },
      },
      kmcp: { enabled: true },
      'kagent-tools': { enabled: true },
      'grafana-mcp': {
        enabled: true,
        // The MCP server appends /api itself.
        grafana: { url: `http://${CHART_SERVICES.grafana.name}.${PLATFORM_NAMESPACES.monitoring}.svc.cluster.local:${CHART_SERVICES.grafana.port}`, secretRef: GRAFANA_MCP_TOKEN_SECRET },
      },
      querydoc: { enabled: false },
      'observability-agent': { enabled: true },
      'k8s-agent': { enabled: true },
      'promql-agent': { enabled: true },
      'helm-agent': { enabled: true },
      'kgateway-agent': { enabled: false },
      'istio-agent': { enabled: false },
      'argo-rollouts-agent': { enabled: false },
      'cilium-policy-agent': { enabled: false },
      'cilium-manager-agent': { enabled: false },
      'cilium-debug-agent': { enabled: false },
    }),
    // The chart offers no placement for its bundled PostgreSQL or its built-in agents' pods: the
    // platform-scheduling policy, installed before kagent, places them.
    placements: ['controller', 'ui', 'kmcp', 'kagent-tools', 'grafana-mcp'].map((path) => ({ path, placement: 'platform' as const })),
  },
  manifests: (scope, ctx) => {
    new PlatformExternalSecret(scope, 'GrafanaMcpToken', {
      namespace: ns,
      name: GRAFANA_MCP_TOKEN_SECRET,
      component: 'kagent',
      remoteKey: ctx.infra.secrets.grafanaMcpToken,
      properties: ['token'],
      template: { GRAFANA_SERVICE_ACCOUNT_TOKEN: '{{ .token }}' },
    });
  },
};
