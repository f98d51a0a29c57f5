import { z } from 'zod';
import { PodMonitor } from '../../../imports/prometheus-podmonitors-monitoring.coreos.com';
import { ServiceMonitor } from '../../../imports/prometheus-servicemonitors-monitoring.coreos.com';
import { CHART_WEBHOOK_OBJECTS, RELEASES } from '../../lib/chart-names';
import { PrometheusRule } from '../../../imports/prometheus-prometheusrules-monitoring.coreos.com';
import { observabilitySecretName } from '../../config/infra-outputs';
import type { Tenant } from '../../config/load-tenants';
import { GRAFANA_POD_LABELS } from '../../lib/chart-names';
import {
  GRAFANA_DASHBOARD_LABEL,
  KEYCLOAK,
  LABELS,
  MANAGED_BY,
  OBSERVABILITY,
  PLATFORM_NAMESPACES,
  PLATFORM_SERVICES,
  TENANT_OBJECTS,
  tenantNamespace,
  tenantObservabilityName,
} from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { uiHosts } from '../../config/routes';
import type { Construct } from 'constructs';
import type { PlatformComponent, PlatformContext } from '../component';
import { AccessSync, AccessSyncState } from '../constructs/access-sync';
import { PlatformExternalSecret } from '../constructs/external-secret';
import { keycloakIssuer } from '../constructs/gateway-jwt-policy';
import { GrafanaDashboard } from '../constructs/grafana-dashboard';
import { MetricsProxyNetwork, metricsProxyUrl, TenantMetricsProxy } from '../constructs/tenant-metrics-proxy';
import { UNATTRIBUTED_FILTER } from '../constructs/otel-collector';
import { tenantDashboard, tenantRecordingRules, typedRule } from '../observability/tenant-metrics';
import { placementFields, resources } from '../values';

const ns = PLATFORM_NAMESPACES.monitoring;

/** Secret with Grafana's admin user and password (from AWS Secrets Manager; never admin/admin). */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';

/** Secret with the client secret of Grafana's Keycloak client (sign-on). */
export const GRAFANA_SSO_SECRET = 'grafana-sso';

/** Grafana's HTTP port on its pods (the grafana chart's service targetPort, grafana's own default). */
export const GRAFANA_POD_PORT = 3000;

/** Namespaces whose ConfigMaps labelled grafana_dashboard the dashboard sidecar loads into the main organisation. */
export const DASHBOARD_NAMESPACES = [PLATFORM_NAMESPACES.monitoring, PLATFORM_NAMESPACES.agentgateway] as const;

const volumeClaim = (size: string) => ({
  volumeClaimTemplate: {
    spec: { storageClassName: 'gp3', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } },
  },
});
const claimSchema = z.strictObject({
  volumeClaimTemplate: z.strictObject({
    spec: z.strictObject({
      storageClassName: z.string(),
      accessModes: z.array(z.string()),
      resources: z.strictObject({ requests: z.strictObject({ storage: z.string() }) }),
    }),
  }),
});

const stackValues = z.strictObject({
  prometheus: z.strictObject({
    // kube-prometheus-stack 88.5.3 templates/prometheus/podDisruptionBudget.yaml: minAvailable 1 when enabled.
    podDisruptionBudget: z.strictObject({ enabled: z.boolean() }),
    prometheusSpec: z.strictObject({
      ...placementFields,
      replicas: z.int(),
      retention: z.string(),
      resources,
      // Select ServiceMonitors, PodMonitors and rules in every namespace, whatever their labels.
      serviceMonitorSelectorNilUsesHelmValues: z.literal(false),
      podMonitorSelectorNilUsesHelmValues: z.literal(false),
      ruleSelectorNilUsesHelmValues: z.literal(false),
      serviceMonitorSelector: z.strictObject({}),
      serviceMonitorNamespaceSelector: z.strictObject({}),
      podMonitorSelector: z.strictObject({}),
      podMonitorNamespaceSelector: z.strictObject({}),
      storageSpec: claimSchema,
    }),
  }),
  alertmanager: z.strictObject({
    alertmanagerSpec: z.strictObject({
      ...placementFields,
      storage: claimSchema,
      // The tenants' AlertmanagerConfigs (their receivers), each only for alerts of its own namespace.
      alertmanagerConfigSelector: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
      alertmanagerConfigNamespaceSelector: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
      alertmanagerConfigMatcherStrategy: z.strictObject({ type: z.literal('OnNamespace') }),
    }),
  }),
  grafana: z.strictObject({
    ...placementFields,
    admin: z.strictObject({ existingSecret: z.string(), userKey: z.string(), passwordKey: z.string() }),
    sidecar: z.strictObject({
      dashboards: z.strictObject({
        enabled: z.literal(true),
        label: z.string(),
        labelValue: z.string(),
        searchNamespace: z.array(z.string()),
      }),
    }),
    persistence: z.strictObject({ enabled: z.boolean(), size: z.string(), storageClassName: z.string() }),
    envValueFrom: z.record(
      z.string(),
      z.strictObject({ secretKeyRef: z.strictObject({ name: z.string(), key: z.string() }) }),
    ),
    'grafana.ini': z.strictObject({
      server: z.strictObject({ root_url: z.string() }),
      'auth.anonymous': z.strictObject({ enabled: z.literal(false) }),
      'auth.generic_oauth': z.strictObject({
        enabled: z.literal(true),
        name: z.string(),
        client_id: z.string(),
        scopes: z.string(),
        auth_url: z.string(),
        token_url: z.string(),
        api_url: z.string(),
        use_pkce: z.literal(true),
        allow_sign_up: z.literal(true),
        login_attribute_path: z.string(),
        email_attribute_path: z.string(),
        skip_org_role_sync: z.literal(true),
      }),
      users: z.strictObject({
        auto_assign_org: z.literal(true),
        auto_assign_org_id: z.literal(1),
        auto_assign_org_role: z.literal('None'),
      }),
    }),
  }),
  prometheusOperator: z.strictObject({
    ...placementFields,
    admissionWebhooks: z.strictObject({ patch: z.strictObject({ ...placementFields }) }),
  }),
  'kube-state-metrics': z.strictObject({ ...placementFields }),
  'prometheus-node-exporter': z.strictObject({ ...placementFields }),
});

export const kubePrometheusStack: PlatformComponent = {
  name: RELEASES.kubePrometheusStack,
  component: 'monitoring',
  namespace: ns,
  description:
    "Prometheus (every namespace's ServiceMonitors and PodMonitors), Alertmanager, Grafana (dashboards from every namespace), node-exporter.",
  dependsOn: ['namespaces', 'external-secrets', 'storage', 'ztunnel'],
  upstream: {
    name: 'kube-prometheus-stack',
    valuesSchema: stackValues,
    values: (ctx) => ({
      prometheus: {
        podDisruptionBudget: { enabled: ctx.env.platform.replicas.prometheus > 1 },
        prometheusSpec: {
          replicas: ctx.env.platform.replicas.prometheus,
          retention: ctx.env.platform.retention.prometheus,
          resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '2Gi' } },
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          serviceMonitorSelector: {},
          serviceMonitorNamespaceSelector: {},
          podMonitorSelector: {},
          podMonitorNamespaceSelector: {},
          storageSpec: volumeClaim(ctx.env.platform.storage.prometheus),
        },
      },
      alertmanager: {
        alertmanagerSpec: {
          storage: volumeClaim(ctx.env.platform.storage.alertmanager),
          alertmanagerConfigSelector: { matchLabels: { [LABELS.managedBy]: MANAGED_BY } },
          alertmanagerConfigNamespaceSelector: { matchLabels: { [LABELS.tenant]: 'true' } },
          alertmanagerConfigMatcherStrategy: { type: 'OnNamespace' },
        },
      },
      grafana: {
        admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: 'username', passwordKey: 'password' },
        // The main organisation (operators) loads dashboards from platform namespaces only: a
        // tenant's ConfigMap labelled grafana_dashboard stays out of it.
        sidecar: {
          dashboards: {
            enabled: true,
            label: GRAFANA_DASHBOARD_LABEL,
            labelValue: '1',
            searchNamespace: [...DASHBOARD_NAMESPACES],
          },
        },
        persistence: { enabled: true, size: ctx.env.platform.storage.grafana, storageClassName: 'gp3' },
        envValueFrom: {
          GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: { secretKeyRef: { name: GRAFANA_SSO_SECRET, key: 'clientSecret' } },
        },
        'grafana.ini': {
          server: { root_url: `https://${uiHosts(ctx.env.platform.domain).grafana}` },
          'auth.anonymous': { enabled: false },
          'auth.generic_oauth': {
            enabled: true,
            name: 'Keycloak',
            client_id: OBSERVABILITY.grafanaClient,
            scopes: 'openid email profile',
            auth_url: `${keycloakIssuer(ctx.env.platform.domain)}/protocol/openid-connect/auth`,
            token_url: `${keycloakIssuer(ctx.env.platform.domain)}/protocol/openid-connect/token`,
            api_url: `${keycloakIssuer(ctx.env.platform.domain)}/protocol/openid-connect/userinfo`,
            use_pkce: true,
            allow_sign_up: true,
            login_attribute_path: 'email',
            email_attribute_path: 'email',
            // Organisations and roles are the access sync's: a sign-in never changes them.
            skip_org_role_sync: true,
          },
          // A new user lands in the main organisation without a role (it sees nothing) until the
          // access sync adds it to its tenant's organisation.
          users: { auto_assign_org: true, auto_assign_org_id: 1, auto_assign_org_role: 'None' },
        },
      },
      prometheusOperator: { admissionWebhooks: { patch: {} } },
      'kube-state-metrics': {},
      'prometheus-node-exporter': {},
    }),
    placements: [
      { path: 'prometheus.prometheusSpec', placement: 'platform' },
      { path: 'alertmanager.alertmanagerSpec', placement: 'platform' },
      { path: 'grafana', placement: 'platform' },
      { path: 'prometheusOperator', placement: 'platform' },
      { path: 'prometheusOperator.admissionWebhooks.patch', placement: 'platform' },
      { path: 'kube-state-metrics', placement: 'platform' },
      { path: 'prometheus-node-exporter', placement: 'every' },
    ],
    // The admission-patch hook Job (kube-webhook-certgen patch) writes the CA it generated; the
    // chart passes no failure policy to patch.
    runtimeFields: (['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'] as const).map((kind) => ({
      group: 'admissionregistration.k8s.io',
      kind,
      name: CHART_WEBHOOK_OBJECTS.kubePrometheusStackAdmission,
      jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
    })),
  },
  manifests: (scope, ctx) => {
    new PlatformExternalSecret(scope, 'GrafanaAdmin', {
      namespace: ns,
      name: GRAFANA_ADMIN_SECRET,
      component: 'monitoring',
      remoteKey: ctx.infra.secrets.grafanaAdmin,
      properties: ['username', 'password'],
    });
    new PlatformExternalSecret(scope, 'GrafanaSso', {
      namespace: ns,
      name: GRAFANA_SSO_SECRET,
      component: 'monitoring',
      remoteKey: observabilitySecretName(ctx.env.name, 'observabilityClients'),
      properties: ['grafanaClientSecret'],
      template: { clientSecret: '{{ .grafanaClientSecret }}' },
    });
  },
};

/** Grafana dashboards and the scrape configuration of our own components. */
export const observability: PlatformComponent = {
  name: 'observability',
  component: 'monitoring',
  namespace: ns,
  description:
    'Grafana dashboards (gateway traffic per tenant, agent activity), monitors for the collector and the tenant waypoints, and per tenant: its gateway series, its metrics proxy and its Grafana organisation (access sync).',
  dependsOn: ['kube-prometheus-stack', 'otel-collector', 'kagent'],
  manifests: (scope, ctx) => {
    const envoyWaypoints = ctx.env.platform.waypoint === 'istio';
    scrapeMonitors(scope, envoyWaypoints);
    platformDashboards(scope, envoyWaypoints);
    // Tenants: their gateway series, their window on Prometheus, their Grafana organisation.
    tenantSeriesRules(scope);
    tenantWindows(scope, ctx);
  },
  tenantManifests: (scope, { env, tenant }) => {
    new TenantMetricsProxy(scope, `MetricsProxy-${tenant.name}`, {
      tenant: tenant.name,
      image: env.platform.images.promLabelProxy,
    });
    new AccessSyncState(scope, `State-${tenant.name}`, {
      target: 'grafana',
      namespace: ns,
      component: 'monitoring',
      tenant: tenant.name,
      state: grafanaTenantStateFile(tenant),
    });
  },
};

/** The monitors of the collector and of the tenant waypoints. */
function scrapeMonitors(scope: Construct, envoyWaypoints: boolean): void {
  const labels = platformLabels('monitoring');
  new ServiceMonitor(scope, 'CollectorMonitor', {
    metadata: { name: PLATFORM_SERVICES.otelCollector, namespace: ns, labels },
    spec: {
      namespaceSelector: { matchNames: [PLATFORM_NAMESPACES.otelCollector] },
      selector: { matchLabels: { 'app.kubernetes.io/name': PLATFORM_SERVICES.otelCollector } },
      endpoints: [{ port: 'metrics', interval: '30s' }],
    },
  });
  new PodMonitor(scope, 'WaypointMonitor', {
    metadata: { name: 'tenant-waypoints', namespace: ns, labels },
    spec: {
      // Every tenant namespace; the scraped series carry the tenant's namespace label.
      namespaceSelector: { any: true },
      selector: { matchLabels: { [LABELS.gatewayName]: TENANT_OBJECTS.waypoint } },
      // Istio's Envoy waypoint serves its merged metrics at /stats/prometheus (Istio 1.30
      // files/waypoint.yaml prometheus.io/path); agentgateway at /metrics.
      podMetricsEndpoints: [
        { portNumber: 15020, path: envoyWaypoints ? '/stats/prometheus' : '/metrics', interval: '30s' },
      ],
    },
  });
}

/** The operators' dashboards: gateway traffic per tenant and agent activity. */
function platformDashboards(scope: Construct, envoyWaypoints: boolean): void {
  new GrafanaDashboard(scope, 'GatewayTraffic', {
    uid: 'gateway-traffic',
    title: 'Gateway traffic per tenant',
    variables: [{ name: 'namespace', query: 'label_values(agentgateway_requests_total, namespace)' }],
    panels: [
      {
        title: 'Central gateway requests per route',
        expr: `sum by (route) (rate(agentgateway_requests_total{namespace="${PLATFORM_NAMESPACES.agentgateway}"}[5m]))`,
        legend: '{{route}}',
        unit: 'reqps',
      },
      envoyWaypoints
        ? {
            title: 'Waypoint requests per tenant',
            expr: 'sum by (namespace) (rate(istio_requests_total{reporter="waypoint", namespace=~"$namespace"}[5m]))',
            legend: '{{namespace}}',
            unit: 'reqps',
          }
        : {
            title: 'Waypoint requests per tenant',
            expr: 'sum by (namespace) (rate(agentgateway_requests_total{namespace=~"$namespace"}[5m]))',
            legend: '{{namespace}}',
            unit: 'reqps',
          },
      envoyWaypoints
        ? {
            title: 'Error responses per tenant',
            expr: 'sum by (namespace) (rate(istio_requests_total{reporter="waypoint", namespace=~"$namespace", response_code=~"5.."}[5m]))',
            legend: '{{namespace}}',
            unit: 'reqps',
          }
        : {
            title: 'Error responses per tenant',
            expr: 'sum by (namespace) (rate(agentgateway_requests_total{namespace=~"$namespace", status=~"5.."}[5m]))',
            legend: '{{namespace}}',
            unit: 'reqps',
          },
      {
        title: 'LLM tokens per model',
        expr: 'sum by (gen_ai_request_model) (rate(agentgateway_gen_ai_client_token_usage_sum[5m]))',
        legend: '{{gen_ai_request_model}}',
      },
    ],
  });
  new GrafanaDashboard(scope, 'AgentActivity', {
    uid: 'agent-activity',
    title: 'Agent activity',
    variables: [
      {
        name: 'namespace',
        query: `label_values(kube_namespace_labels{label_${LABELS.tenant.replace(/[./-]/g, '_')}="true"}, namespace)`,
      },
    ],
    panels: [
      {
        title: 'Running agent pods per tenant',
        expr: 'sum by (namespace) (kube_pod_status_phase{namespace=~"$namespace", phase="Running"})',
        legend: '{{namespace}}',
      },
      {
        title: 'A2A requests per agent route',
        expr: 'sum by (route) (rate(agentgateway_requests_total{route=~".*a2a.*"}[5m]))',
        legend: '{{route}}',
        unit: 'reqps',
      },
      {
        title: 'CPU per tenant',
        expr: 'sum by (namespace) (rate(container_cpu_usage_seconds_total{namespace=~"$namespace"}[5m]))',
        legend: '{{namespace}}',
      },
      {
        title: 'Memory per tenant',
        expr: 'sum by (namespace) (container_memory_working_set_bytes{namespace=~"$namespace"})',
        legend: '{{namespace}}',
        unit: 'bytes',
      },
    ],
  });
}

/** The recorded per-tenant gateway series, and the alert on spans the collector drops. */
function tenantSeriesRules(scope: Construct): void {
  const labels = platformLabels('monitoring');
  new PrometheusRule(scope, 'TenantSeries', {
    metadata: { name: 'tenant-gateway-series', namespace: ns, labels },
    spec: {
      groups: [
        { name: 'tenant-gateway-series', interval: '30s', rules: tenantRecordingRules().map(typedRule) },
        // For the operators: spans the collector could not attribute to a pod are dropped.
        {
          name: 'otel-collector',
          rules: [
            typedRule({
              alert: 'CollectorDropsUnattributedSpans',
              expr: `sum(rate(otelcol_processor_filter_spans_filtered_total{filter="${UNATTRIBUTED_FILTER}"}[15m])) > 0`,
              for: '30m',
              labels: { severity: 'warning' },
              annotations: {
                summary:
                  'The OpenTelemetry collector drops spans that no known pod sent ({{ $value | humanize }} per second)',
                description:
                  'Spans from an address that is no pod the collector knows (a client outside the cluster, a pod on the host network, or a collector that cannot read pods) reach no Langfuse project. See otelcol_otelcol_k8s_pod_association_total{status="error"}.',
              },
            }),
          ],
        },
      ],
    },
  });
}

/** The network of the tenants' metrics proxies, and the access sync of their Grafana organisations. */
function tenantWindows(scope: Construct, ctx: PlatformContext): void {
  new MetricsProxyNetwork(scope, 'MetricsProxyNetwork');
  new AccessSync(scope, 'AccessSync', {
    target: 'grafana',
    namespace: ns,
    component: 'monitoring',
    image: ctx.env.platform.images.accessSync,
    tenants: ctx.tenants.map((t) => t.name),
    keycloakSecretEntry: observabilitySecretName(ctx.env.name, 'observabilityClients'),
    application: { pods: GRAFANA_POD_LABELS, port: GRAFANA_POD_PORT },
    env: [
      { name: 'GRAFANA_URL', value: `http://${PLATFORM_SERVICES.grafana}.${ns}.svc.cluster.local` },
      { name: 'GRAFANA_USER', valueFrom: { secretKeyRef: { name: GRAFANA_ADMIN_SECRET, key: 'username' } } },
      { name: 'GRAFANA_PASSWORD', valueFrom: { secretKeyRef: { name: GRAFANA_ADMIN_SECRET, key: 'password' } } },
      { name: 'TENANT_ORG_PREFIX', value: tenantNamespace('') },
    ],
  });
}

/** What the access sync needs to know of a tenant for Grafana. */
export function grafanaTenantStateFile(t: Tenant): Record<string, unknown> {
  return {
    tenant: t.name,
    org: tenantObservabilityName(t.name),
    group: `/${KEYCLOAK.tenantsGroup}/${t.name}`,
    viewers: [...t.observability.viewers],
    datasource: {
      uid: OBSERVABILITY.tenantDatasourceUid,
      name: `Metrics of ${tenantNamespace(t.name)}`,
      type: 'prometheus',
      access: 'proxy',
      url: metricsProxyUrl(t.name),
      isDefault: true,
      jsonData: { httpMethod: 'POST', timeInterval: '30s' },
    },
    dashboard: tenantDashboard(t.name),
  };
}
