import { z } from 'zod';
import {
  ClusterSecretStore,
  ClusterSecretStoreSpecProviderAwsService,
} from '../../../imports/external-secrets-clustersecretstores-external-secrets.io';
import { CHART_SERVICE_ACCOUNTS, CHART_SERVICES, CHART_WEBHOOK_OBJECTS, RELEASES } from '../../lib/chart-names';
import { LABELS, OBSERVABILITY, PLATFORM_NAMESPACES, PLATFORM_SERVICES, SECRET_STORE } from '../../lib/constants';
import { LANGFUSE_PROJECT_KEY_PROPERTIES, langfuseProjectSecretName } from '../../config/infra-outputs';
import { KubeSecret } from '../../../imports/k8s';
import { platformLabels } from '../../lib/labels';
import { ARGOCD_VERSION, pinned, UPSTREAM_NAMES } from '../../lib/upstream';
import type { PlatformComponent } from '../component';
import { PlatformExternalSecret } from '../constructs/external-secret';
import { OtelCollector, tenantAuthSecret } from '../constructs/otel-collector';
import { GatewayReferenceGrant } from '../constructs/gateway-reference-grant';
import { placementFields } from '../values';

const controller = z.strictObject({ ...placementFields });

const kyvernoValues = z.strictObject({
  // Read by the hook Jobs (CRD migration after every sync, webhook clean-up on delete).
  global: controller,
  admissionController: z.strictObject({ replicas: z.int(), ...placementFields }),
  // The HTTPRoute rights auto-expose needs come from the policies component's aggregated ClusterRole.
  backgroundController: controller,
  cleanupController: controller,
  reportsController: controller,
});

export const kyverno: PlatformComponent = {
  name: 'kyverno',
  component: 'kyverno',
  namespace: PLATFORM_NAMESPACES.kyverno,
  description:
    "Kyverno admission and background controllers (the platform's scheduling, routing and tracing conventions).",
  dependsOn: ['namespaces', 'ztunnel'],
  upstream: {
    name: 'kyverno',
    valuesSchema: kyvernoValues,
    values: () => ({
      global: {},
      admissionController: { replicas: 3 },
      backgroundController: {},
      cleanupController: {},
      reportsController: {},
    }),
    placements: ['global', 'admissionController', 'backgroundController', 'cleanupController', 'reportsController'].map(
      (path) => ({ path, placement: 'platform' as const }),
    ),
  },
};

/** Secret of the collector with the Basic auth header for Langfuse's OTLP endpoint. */
export const COLLECTOR_AUTH_SECRET = 'otel-collector-auth';

/** Basic auth header of a Langfuse project key, as the collector's exporters send it. */
export const LANGFUSE_AUTH_TEMPLATE = {
  AUTH_HEADER: 'Basic {{ printf "%s:%s" .publicKey .secretKey | b64enc }}',
} as const;

export const otelCollector: PlatformComponent = {
  name: 'otel-collector',
  component: 'otel-collector',
  namespace: PLATFORM_NAMESPACES.otelCollector,
  description:
    "OpenTelemetry collector: OTLP gRPC 4317 and HTTP 4318 in; each span attributed to its sending pod and sent to its tenant's Langfuse project (or the platform's).",
  dependsOn: ['namespaces', 'external-secrets', 'langfuse'],
  manifests: (scope, ctx) => {
    new PlatformExternalSecret(scope, 'Auth', {
      namespace: PLATFORM_NAMESPACES.otelCollector,
      name: COLLECTOR_AUTH_SECRET,
      component: 'otel-collector',
      remoteKey: ctx.infra.secrets.langfuseApiKeys,
      properties: ['publicKey', 'secretKey'],
      template: LANGFUSE_AUTH_TEMPLATE,
    });
    new OtelCollector(scope, 'Collector', {
      image: ctx.env.platform.images.otelCollector,
      replicas: ctx.env.platform.replicas.otelCollector,
      authSecret: COLLECTOR_AUTH_SECRET,
      tenants: ctx.tenants.map((t) => t.name),
    });
    // The gateways' tracing policy sends spans to this Service.
    new GatewayReferenceGrant(scope, 'CollectorGrant', {
      namespace: PLATFORM_NAMESPACES.otelCollector,
      service: PLATFORM_SERVICES.otelCollector,
      component: 'otel-collector',
    });
  },
  tenantManifests: (scope, { env, tenant }) => {
    // The tenant's project key (cluster/terraform writes one entry per tenant of tenants.yaml).
    new PlatformExternalSecret(scope, `Tenant-${tenant.name}`, {
      namespace: PLATFORM_NAMESPACES.otelCollector,
      name: tenantAuthSecret(tenant.name),
      component: 'otel-collector',
      remoteKey: langfuseProjectSecretName(env.name, tenant.name),
      properties: LANGFUSE_PROJECT_KEY_PROPERTIES,
      template: LANGFUSE_AUTH_TEMPLATE,
      labels: { [OBSERVABILITY.accessTenantLabel]: tenant.name },
    });
  },
};

const sandboxValues = z.strictObject({
  ...placementFields,
  namespace: z.strictObject({ create: z.literal(false), name: z.string() }),
  image: z.strictObject({ tag: z.string() }),
  controller: z.strictObject({ extensions: z.literal(true) }),
  podSecurityContext: z.record(z.string(), z.unknown()),
  containerSecurityContext: z.record(z.string(), z.unknown()),
  metrics: z.strictObject({ serviceMonitor: z.strictObject({ enabled: z.boolean() }) }),
});

export const agentSandbox: PlatformComponent = {
  name: 'agent-sandbox',
  component: 'agent-sandbox',
  namespace: PLATFORM_NAMESPACES.agentSandbox,
  description:
    'agent-sandbox controller with its extensions (SandboxTemplate, SandboxClaim, SandboxWarmPool) and CRDs.',
  dependsOn: ['namespaces'],
  upstream: {
    name: 'agent-sandbox',
    valuesSchema: sandboxValues,
    values: (ctx) => ({
      namespace: { create: false, name: PLATFORM_NAMESPACES.agentSandbox },
      image: { tag: ctx.env.platform.versions['agent-sandbox'] ?? 'v0.5.6' },
      controller: { extensions: true },
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containerSecurityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      // Off: its CRDs install in the first waves, before prometheus-operator's ServiceMonitor CRD exists.
      metrics: { serviceMonitor: { enabled: false } },
    }),
    placements: [{ path: '', placement: 'platform' }],
    // The controller writes the CA of its own certificate into the CRDs' conversion webhooks
    // (cmd/agent-sandbox-controller/tls.go patchCRDs).
    runtimeFields: CHART_WEBHOOK_OBJECTS.agentSandboxCrds.map((name) => ({
      group: 'apiextensions.k8s.io',
      kind: 'CustomResourceDefinition',
      name,
      jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'],
    })),
  },
};

const kialiValues = z.strictObject({
  auth: z.strictObject({ strategy: z.literal('token') }),
  deployment: z.strictObject({
    tolerations: z.array(z.unknown()).optional(),
    node_selector: z.record(z.string(), z.string()).optional(),
    replicas: z.int(),
  }),
  external_services: z.strictObject({
    prometheus: z.strictObject({ url: z.string() }),
    grafana: z.strictObject({ enabled: z.boolean(), internal_url: z.string() }),
    tracing: z.strictObject({ enabled: z.boolean() }),
  }),
});

export const kiali: PlatformComponent = {
  name: RELEASES.kiali,
  component: 'kiali',
  namespace: PLATFORM_NAMESPACES.kiali,
  description: 'Kiali mesh console (token login, never anonymous).',
  dependsOn: ['istiod', 'kube-prometheus-stack'],
  upstream: {
    name: 'kiali',
    valuesSchema: kialiValues,
    values: () => ({
      auth: { strategy: 'token' },
      deployment: { replicas: 1 },
      external_services: {
        prometheus: {
          url: `http://${CHART_SERVICES.prometheus.name}.${PLATFORM_NAMESPACES.monitoring}.svc.cluster.local:${CHART_SERVICES.prometheus.port}`,
        },
        grafana: {
          enabled: true,
          internal_url: `http://${CHART_SERVICES.grafana.name}.${PLATFORM_NAMESPACES.monitoring}.svc.cluster.local:${CHART_SERVICES.grafana.port}`,
        },
        tracing: { enabled: false },
      },
    }),
    placements: [{ path: 'deployment', placement: 'platform', nodeSelectorKey: 'node_selector' }],
  },
};

/** Service account of external-secrets, bound to its AWS role (IRSA; cluster/terraform trusts this name). */
export const EXTERNAL_SECRETS_SERVICE_ACCOUNT = CHART_SERVICE_ACCOUNTS.externalSecrets.name;

const esoValues = z.strictObject({
  ...placementFields,
  installCRDs: z.literal(true),
  serviceAccount: z.strictObject({ name: z.string(), annotations: z.record(z.string(), z.string()) }),
  webhook: controller,
  certController: controller,
});

export const externalSecrets: PlatformComponent = {
  name: RELEASES.externalSecrets,
  component: 'external-secrets',
  namespace: PLATFORM_NAMESPACES.externalSecrets,
  description: 'external-secrets and the ClusterSecretStore on AWS Secrets Manager (platform namespaces only).',
  dependsOn: ['namespaces'],
  upstream: {
    name: 'external-secrets',
    valuesSchema: esoValues,
    values: (ctx) => ({
      installCRDs: true,
      serviceAccount: {
        name: EXTERNAL_SECRETS_SERVICE_ACCOUNT,
        annotations: { 'eks.amazonaws.com/role-arn': ctx.infra.roles.externalSecrets },
      },
      webhook: {},
      certController: {},
    }),
    placements: [
      { path: '', placement: 'platform' },
      { path: 'webhook', placement: 'platform' },
      { path: 'certController', placement: 'platform' },
    ],
    // The cert controller writes its CA into the webhooks (pkg/controllers/webhookconfig).
    runtimeFields: CHART_WEBHOOK_OBJECTS.externalSecretsValidators.map((name) => ({
      group: 'admissionregistration.k8s.io',
      kind: 'ValidatingWebhookConfiguration',
      name,
      jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
    })),
  },
  manifests: (scope, ctx) => {
    new ClusterSecretStore(scope, 'Store', {
      metadata: { name: SECRET_STORE, labels: platformLabels('external-secrets') },
      spec: {
        provider: {
          aws: {
            service: ClusterSecretStoreSpecProviderAwsService.SECRETS_MANAGER,
            region: ctx.infra.region,
            auth: {
              jwt: {
                serviceAccountRef: {
                  name: EXTERNAL_SECRETS_SERVICE_ACCOUNT,
                  namespace: PLATFORM_NAMESPACES.externalSecrets,
                },
              },
            },
          },
        },
        // Only platform namespaces may read through this store: a tenant's ExternalSecret naming
        // it (to read the platform's LLM key, say) is refused.
        conditions: [{ namespaceSelector: { matchExpressions: [{ key: LABELS.component, operator: 'Exists' }] } }],
      },
    });
  },
};

/** Lua health check that makes Argo CD wait for a child Application to be healthy (sync waves). */
export const APPLICATION_HEALTH_LUA = [
  'hs = {}',
  'hs.status = "Progressing"',
  'hs.message = ""',
  'if obj.status ~= nil and obj.status.health ~= nil then',
  '  hs.status = obj.status.health.status',
  '  if obj.status.health.message ~= nil then hs.message = obj.status.health.message end',
  'end',
  'return hs',
  '',
].join('\n');

const argoValues = z.strictObject({
  global: z.strictObject({ ...placementFields, image: z.strictObject({ tag: z.string() }) }),
  dex: z.strictObject({ enabled: z.literal(false) }),
  configs: z.strictObject({
    cm: z.strictObject({
      'resource.customizations.health.argoproj.io_Application': z.string(),
      'admin.enabled': z.boolean(),
    }),
    params: z.strictObject({ 'application.namespaces': z.string() }),
  }),
});

export const argocd: PlatformComponent = {
  name: 'argocd',
  component: 'argocd',
  namespace: 'argocd',
  description: 'Argo CD itself, with the Application health check that makes sync waves wait.',
  dependsOn: ['namespaces'],
  upstream: {
    name: 'argocd',
    valuesSchema: argoValues,
    values: (ctx) => ({
      // The release the cluster tier proves, not the chart's appVersion: see ARGOCD_VERSION.
      global: { image: { tag: ARGOCD_VERSION } },
      dex: { enabled: false },
      configs: {
        cm: { 'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA, 'admin.enabled': true },
        params: { 'application.namespaces': ctx.env.argocd.namespace },
      },
    }),
    placements: [{ path: 'global', placement: 'platform' }],
  },
  manifests: (scope, ctx) => {
    // Argo CD reaches OCI Helm registries only through a repository entry with enableOCI. These
    // entries hold no credentials: every upstream registry is public.
    const oci = new Map<string, string>();
    for (const name of UPSTREAM_NAMES) {
      const source = pinned(name, ctx.env.platform.versions);
      if (source.type === 'helm' && source.oci) oci.set(source.repoURL, source.repoURL.replace(/[^a-z0-9]+/g, '-'));
    }
    for (const [url, id] of [...oci].sort()) {
      // KubeSecret: cdk8s-plus-30 adds `immutable: false`.
      new KubeSecret(scope, `repo-${id}`, {
        metadata: {
          name: `repo-${id}`,
          namespace: ctx.env.argocd.namespace,
          labels: { ...platformLabels('argocd'), 'argocd.argoproj.io/secret-type': 'repository' },
        },
        stringData: { type: 'helm', name: id, url, enableOCI: 'true' },
      });
    }
  },
};
