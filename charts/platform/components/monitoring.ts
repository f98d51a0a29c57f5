import { z } from 'zod';
import { ApiObject } from 'cdk8s';
import { PodMonitor } from '../../../imports/prometheus-podmonitors-monitoring.coreos.com';
import { ServiceMonitor } from '../../../imports/prometheus-servicemonitors-monitoring.coreos.com';
import { CHART_WEBHOOK_OBJECTS, RELEASES } from '../../lib/chart-names';
import { GRAFANA_DASHBOARD_LABEL, LABELS, PLATFORM_NAMESPACES, PLATFORM_SERVICES, TENANT_OBJECTS } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import type { PlatformComponent } from '../component';
import { PlatformExternalSecret } from '../constructs/external-secret';
import { GrafanaDashboard } from '../constructs/grafana-dashboard';
import { placementFields, resources } from '../values';

const ns = PLATFORM_NAMESPACES.monitoring;

/** Secret with Grafana's admin user and password (from AWS Secrets Manager; never admin/admin). */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';

const volumeClaim = (size: string) => ({ volumeClaimTemplate: { spec: { storageClassName: 'gp3', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } } });
const claimSchema = z.strictObject({
  volumeClaimTemplate: z.strictObject({
    spec: z.strictObject({ storageClassName: z.string(), accessModes: z.array(z.string()), resources: z.strictObject({ requests: z.strictObject({ storage: z.string() }) }) }),
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
  alertmanager: z.strictObject({ alertmanagerSpec: z.strictObject({ ...placementFields, storage: claimSchema }) }),
  grafana: z.strictObject({
    ...placementFields,
    admin: z.strictObject({ existingSecret: z.string(), userKey: z.string(), passwordKey: z.string() }),
    sidecar: z.strictObject({ dashboards: z.strictObject({ enabled: z.literal(true), label: z.string(), labelValue: z.string(), searchNamespace: z.literal('ALL') }) }),
    persistence: z.strictObject({ enabled: z.boolean(), size: z.string(), storageClassName: z.string() }),
    'grafana.ini': z.strictObject({ server: z.strictObject({ root_url: z.string() }), 'auth.anonymous': z.strictObject({ enabled: z.literal(false) }) }),
  }),
  prometheusOperator: z.strictObject({ ...placementFields, admissionWebhooks: z.strictObject({ patch: z.strictObject({ ...placementFields }) }) }),
  'kube-state-metrics': z.strictObject({ ...placementFields }),
  'prometheus-node-exporter': z.strictObject({ ...placementFields }),
});

export const kubePrometheusStack: PlatformComponent = {
  name: RELEASES.kubePrometheusStack,
  component: 'monitoring',
  namespace: ns,
  description: 'Prometheus (every namespace\'s ServiceMonitors and PodMonitors), Alertmanager, Grafana (dashboards from every namespace), node-exporter.',
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
      alertmanager: { alertmanagerSpec: { storage: volumeClaim(ctx.env.platform.storage.alertmanager) } },
      grafana: {
        admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: 'username', passwordKey: 'password' },
        sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL, labelValue: '1', searchNamespace: 'ALL' } },
        persistence: { enabled: true, size: ctx.env.platform.storage.grafana, storageClassName: 'gp3' },
        'grafana.ini': { server: { root_url: `https://grafana.${ctx.env.platform.domain}` }, 'auth.anonymous': { enabled: false } },
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
    new PlatformExternalSecret(scope, 'GrafanaAdmin', { namespace: ns, name: GRAFANA_ADMIN_SECRET, component: 'monitoring', remoteKey: ctx.infra.secrets.grafanaAdmin, properties: ['username', 'password'] });
  },
};

/** Grafana dashboards and the scrape configuration of our own components. */
export const observability: PlatformComponent = {
  name: 'observability',
  component: 'monitoring',
  namespace: ns,
  description: 'Grafana dashboards (gateway traffic per tenant, agent activity) and monitors for the collector and the tenant waypoints.',
  dependsOn: ['kube-prometheus-stack', 'otel-collector', 'kagent'],
  manifests: (scope, ctx) => {
    const labels = platformLabels('monitoring');
    const envoyWaypoints = ctx.env.platform.waypoint === 'istio';
    new ApiObject(scope, 'CollectorMonitor', {
      ...ServiceMonitor.GVK,
      metadata: { name: PLATFORM_SERVICES.otelCollector, namespace: ns, labels },
      spec: {
        namespaceSelector: { matchNames: [PLATFORM_NAMESPACES.otelCollector] },
        selector: { matchLabels: { 'app.kubernetes.io/name': PLATFORM_SERVICES.otelCollector } },
        endpoints: [{ port: 'metrics', interval: '30s' }],
      },
    });
    new ApiObject(scope, 'WaypointMonitor', {
      ...PodMonitor.GVK,
      metadata: { name: 'tenant-waypoints', namespace: ns, labels },
      spec: {
        // Every tenant namespace; the scraped series carry the tenant's namespace label.
        namespaceSelector: { any: true },
        selector: { matchLabels: { [LABELS.gatewayName]: TENANT_OBJECTS.waypoint } },
        // Istio's Envoy waypoint serves its merged metrics at /stats/prometheus (Istio 1.30
        // files/waypoint.yaml prometheus.io/path); agentgateway at /metrics.
        podMetricsEndpoints: [{ portNumber: 15020, path: envoyWaypoints ? '/stats/prometheus' : '/metrics', interval: '30s' }],
      },
    });
    new GrafanaDashboard(scope, 'GatewayTraffic', {
      uid: 'gateway-traffic',
      title: 'Gateway traffic per tenant',
      variables: [{ name: 'namespace', query: 'label_values(agentgateway_requests_total, namespace)' }],
      panels: [
        { title: 'Central gateway requests per route', expr: `sum by (route) (rate(agentgateway_requests_total{namespace="${PLATFORM_NAMESPACES.agentgateway}"}[5m]))`, legend: '{{route}}', unit: 'reqps' },
        envoyWaypoints
          ? { title: 'Waypoint requests per tenant', expr: 'sum by (namespace) (rate(istio_requests_total{reporter="waypoint", namespace=~"$namespace"}[5m]))', legend: '{{namespace}}', unit: 'reqps' }
          : { title: 'Waypoint requests per tenant', expr: 'sum by (namespace) (rate(agentgateway_requests_total{namespace=~"$namespace"}[5m]))', legend: '{{namespace}}', unit: 'reqps' },
        envoyWaypoints
          ? { title: 'Error responses per tenant', expr: 'sum by (namespace) (rate(istio_requests_total{reporter="waypoint", namespace=~"$namespace", response_code=~"5.."}[5m]))', legend: '{{namespace}}', unit: 'reqps' }
          : { title: 'Error responses per tenant', expr: 'sum by (namespace) (rate(agentgateway_requests_total{namespace=~"$namespace", status=~"5.."}[5m]))', legend: '{{namespace}}', unit: 'reqps' },
        { title: 'LLM tokens per model', expr: 'sum by (gen_ai_request_model) (rate(agentgateway_gen_ai_client_token_usage_sum[5m]))', legend: '{{gen_ai_request_model}}' },
      ],
    });
    new GrafanaDashboard(scope, 'AgentActivity', {
      uid: 'agent-activity',
      title: 'Agent activity',
      variables: [{ name: 'namespace', query: `label_values(kube_namespace_labels{label_${LABELS.tenant.replace(/[./-]/g, '_')}="true"}, namespace)` }],
      panels: [
        { title: 'Running agent pods per tenant', expr: 'sum by (namespace) (kube_pod_status_phase{namespace=~"$namespace", phase="Running"})', legend: '{{namespace}}' },
        { title: 'A2A requests per agent route', expr: 'sum by (route) (rate(agentgateway_requests_total{route=~".*a2a.*"}[5m]))', legend: '{{route}}', unit: 'reqps' },
        { title: 'CPU per tenant', expr: 'sum by (namespace) (rate(container_cpu_usage_seconds_total{namespace=~"$namespace"}[5m]))', legend: '{{namespace}}' },
        { title: 'Memory per tenant', expr: 'sum by (namespace) (container_memory_working_set_bytes{namespace=~"$namespace"})', legend: '{{namespace}}', unit: 'bytes' },
      ],
    });
  },
};
