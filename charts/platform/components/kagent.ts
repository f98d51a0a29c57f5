import { z } from 'zod';
import { CHART_SERVICES, KAGENT_CONTROLLER_POD_LABELS, RELEASES } from '../../lib/chart-names';
import { PLATFORM_NAMESPACES, PLATFORM_SERVICES, PORTS } from '../../lib/constants';
import type { PlatformComponent } from '../component';
import { DisruptionBudget } from '../constructs/disruption-budget';
import { PlatformExternalSecret } from '../constructs/external-secret';
import { KagentIsolation } from '../constructs/kagent-isolation';
import { platformLlmUrl } from '../constructs/llm-backend';
import { DUMMY_API_KEY } from '../../constructs/tenant-model-config';
import { placementFields, resources } from '../values';

const ns = PLATFORM_NAMESPACES.kagent;

/** Secret in kagent-system with the Grafana service account token (GRAFANA_SERVICE_ACCOUNT_TOKEN). */
export const GRAFANA_MCP_TOKEN_SECRET = 'grafana-mcp-token';

/** Secret in kagent-system with the controller's database URL (key `url`), from AWS Secrets Manager. */
export const KAGENT_DATABASE_SECRET = 'kagent-database';

/** Where the controller reads the database URL: the Secret's key `url`, mounted read-only. */
export const KAGENT_DATABASE_MOUNT = { volume: 'database', dir: '/etc/kagent/database', file: 'url' } as const;

/**
 * The connection URL external-secrets writes into the Secret, TLS required (RDS). The user and
 * password are escaped for the URL (urlquery: Go's query escaping; the generated password is
 * alphanumeric, so the one way it differs from userinfo escaping, a space as +, never arises).
 */
export function kagentDatabaseUrlTemplate(host: string, port: number, database: string): string {
  return `postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@${host}:${port}/${database}?sslmode=require`;
}

export const kagentCrds: PlatformComponent = {
  name: 'kagent-crds',
  component: 'kagent',
  namespace: ns,
  description: "kagent CRDs (Agent, ModelConfig, RemoteMCPServer, ...) and kmcp's MCPServer.",
  dependsOn: ['namespaces'],
  crdsOnly: true,
  upstream: { name: 'kagent-crds' },
};

const enabled = z.strictObject({ enabled: z.boolean() });
const kagentValues = z.strictObject({
  controller: z.strictObject({
    replicas: z.int(),
    resources,
    volumes: z.array(
      z.strictObject({
        name: z.string(),
        secret: z.strictObject({
          secretName: z.string(),
          items: z.array(z.strictObject({ key: z.string(), path: z.string() })),
        }),
      }),
    ),
    volumeMounts: z.array(z.strictObject({ name: z.string(), mountPath: z.string(), readOnly: z.literal(true) })),
    ...placementFields,
  }),
  // The external database only: the bundled one has fixed credentials, no TLS and no placement.
  database: z.strictObject({
    postgres: z.strictObject({
      urlFile: z.string().startsWith('/'),
      bundled: z.strictObject({ enabled: z.literal(false) }),
    }),
  }),
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
    tracing: z.strictObject({
      enabled: z.literal(true),
      exporter: z.strictObject({
        otlp: z.strictObject({ endpoint: z.string(), protocol: z.literal('grpc'), insecure: z.boolean() }),
      }),
    }),
    logging: z.strictObject({ enabled: z.literal(false) }),
  }),
  kmcp: z.strictObject({ enabled: z.literal(true), ...placementFields }),
  // Read-only: a read ClusterRole without Secrets instead of cluster-admin, and no write tools.
  'kagent-tools': z.strictObject({
    enabled: z.literal(true),
    rbac: z.strictObject({ readOnly: z.literal(true) }),
    tools: z.strictObject({ args: z.tuple([z.literal('--read-only')]), resources }),
    ...placementFields,
  }),
  'grafana-mcp': z.strictObject({
    enabled: z.literal(true),
    grafana: z.strictObject({ url: z.string(), secretRef: z.string() }),
    ...placementFields,
  }),
  querydoc: enabled,
  'observability-agent': enabled,
  // These two call the tool server's write tools (apply, patch, delete, exec, helm upgrade).
  'k8s-agent': z.strictObject({ enabled: z.literal(false) }),
  'promql-agent': enabled,
  'helm-agent': z.strictObject({ enabled: z.literal(false) }),
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
  description:
    'kagent controller and UI on the external PostgreSQL, kmcp, the read-only tool server, the Grafana MCP server and the observability and PromQL agents.',
  dependsOn: ['kagent-crds', 'agentgateway'],
  upstream: {
    name: 'kagent',
    valuesSchema: kagentValues,
    values: (ctx) => ({
      controller: {
        replicas: ctx.env.platform.replicas.kagentController,
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        volumes: [
          {
            name: KAGENT_DATABASE_MOUNT.volume,
            secret: {
              secretName: KAGENT_DATABASE_SECRET,
              items: [{ key: KAGENT_DATABASE_MOUNT.file, path: KAGENT_DATABASE_MOUNT.file }],
            },
          },
        ],
        volumeMounts: [{ name: KAGENT_DATABASE_MOUNT.volume, mountPath: KAGENT_DATABASE_MOUNT.dir, readOnly: true }],
      },
      database: {
        postgres: {
          urlFile: `${KAGENT_DATABASE_MOUNT.dir}/${KAGENT_DATABASE_MOUNT.file}`,
          bundled: { enabled: false },
        },
      },
      ui: {},
      // The default model goes through the mesh gateway, which injects the real key.
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
        tracing: {
          enabled: true,
          exporter: {
            otlp: {
              endpoint: `${PLATFORM_SERVICES.otelCollector}.${PLATFORM_NAMESPACES.otelCollector}.svc.cluster.local:${PORTS.otlpGrpc}`,
              protocol: 'grpc',
              insecure: true,
            },
          },
        },
        // Langfuse's OTLP endpoint ingests traces only.
        logging: { enabled: false },
      },
      kmcp: { enabled: true },
      'kagent-tools': {
        enabled: true,
        rbac: { readOnly: true },
        // The subchart reads tools.resources; the parent chart's kagent-tools.resources is ignored.
        tools: {
          args: ['--read-only'],
          resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        },
      },
      'grafana-mcp': {
        enabled: true,
        // The MCP server appends /api itself.
        grafana: {
          url: `http://${CHART_SERVICES.grafana.name}.${PLATFORM_NAMESPACES.monitoring}.svc.cluster.local:${CHART_SERVICES.grafana.port}`,
          secretRef: GRAFANA_MCP_TOKEN_SECRET,
        },
      },
      querydoc: { enabled: false },
      'observability-agent': { enabled: true },
      'k8s-agent': { enabled: false },
      // observability-agent calls promql-agent as a tool.
      'promql-agent': { enabled: true },
      'helm-agent': { enabled: false },
      'kgateway-agent': { enabled: false },
      'istio-agent': { enabled: false },
      'argo-rollouts-agent': { enabled: false },
      'cilium-policy-agent': { enabled: false },
      'cilium-manager-agent': { enabled: false },
      'cilium-debug-agent': { enabled: false },
    }),
    // The chart offers no placement for its built-in agents' pods (the controller creates them):
    // the platform-scheduling policy, installed before kagent, places them.
    placements: ['controller', 'ui', 'kmcp', 'kagent-tools', 'grafana-mcp'].map((path) => ({
      path,
      placement: 'platform' as const,
    })),
  },
  manifests: (scope, ctx) => {
    new KagentIsolation(scope, 'Isolation', { trustDomain: ctx.env.cluster.trustDomain });
    // The chart has no budget of its own (kagent 0.9.12 templates).
    new DisruptionBudget(scope, 'ControllerBudget', {
      namespace: ns,
      name: `${RELEASES.kagent}-controller`,
      component: 'kagent',
      selector: KAGENT_CONTROLLER_POD_LABELS,
      replicas: ctx.env.platform.replicas.kagentController,
    });
    new PlatformExternalSecret(scope, 'GrafanaMcpToken', {
      namespace: ns,
      name: GRAFANA_MCP_TOKEN_SECRET,
      component: 'kagent',
      remoteKey: ctx.infra.secrets.grafanaMcpToken,
      properties: ['token'],
      template: { GRAFANA_SERVICE_ACCOUNT_TOKEN: '{{ .token }}' },
    });
    const pg = ctx.infra.postgres;
    new PlatformExternalSecret(scope, 'Database', {
      namespace: ns,
      name: KAGENT_DATABASE_SECRET,
      component: 'kagent',
      remoteKey: ctx.infra.secrets.kagentDatabase,
      properties: ['username', 'password'],
      template: { [KAGENT_DATABASE_MOUNT.file]: kagentDatabaseUrlTemplate(pg.host, pg.port, pg.kagentDatabase) },
    });
  },
};
