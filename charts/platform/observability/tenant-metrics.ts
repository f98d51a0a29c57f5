/**
 * What a tenant sees of its metrics: series that carry its namespace. The gateways' own series
 * carry the gateways' namespace, so recording rules copy the tenant's part of them into series
 * labelled with the tenant's namespace (the route's namespace for the routes it owns, the
 * caller's namespace for the requests it made); the tenant's dashboard and alerts read those, and
 * the tenant's datasource (prom-label-proxy) admits no other namespace.
 */
import {
  type PrometheusRuleSpecGroupsRules,
  PrometheusRuleSpecGroupsRulesExpr,
} from '../../../imports/prometheus-prometheusrules-monitoring.coreos.com';
import { CENTRAL_GATEWAY, OBSERVABILITY, tenantNamespace } from '../../lib/constants';
import { dashboardModel } from '../constructs/grafana-dashboard';

/** The label prom-label-proxy enforces: every tenant series carries its namespace in it. */
export const TENANT_LABEL = 'namespace';

const TENANT_NS = 'tenant-.+';
const GATEWAY = `namespace="${CENTRAL_GATEWAY.namespace}"`;

/** Names of the recorded per-tenant gateway series. */
export const TENANT_SERIES = {
  requests: 'tenant:agentgateway_requests:rate5m',
  durationBuckets: 'tenant:agentgateway_request_duration_seconds_bucket:rate5m',
  tokens: 'tenant:agentgateway_gen_ai_client_token_usage_sum:rate5m',
  cost: 'tenant:agentgateway_gen_ai_client_cost_usd:rate5m',
} as const;

/** By route: the tenant that owns the route (its namespace, the first part of agentgateway's `route` label). */
const byRoute = (by: string, metric: string) =>
  `label_replace(sum by (${by}) (rate(${metric}{${GATEWAY}, route=~"${TENANT_NS}/.+"}[5m])), "${TENANT_LABEL}", "$1", "route", "(${TENANT_NS.replace('.+', '[^/]+')})/.+")`;
/** By caller: the tenant whose workload sent the request (the mesh gateway's caller label). */
const byCaller = (by: string, metric: string) =>
  `label_replace(sum by (${by}) (rate(${metric}{${GATEWAY}, ${OBSERVABILITY.callerMetricLabel}=~"${TENANT_NS}"}[5m])), "${TENANT_LABEL}", "$1", "${OBSERVABILITY.callerMetricLabel}", "(.+)")`;

/**
 * Recording rules of the per-tenant gateway series (agentgateway v1.4.1 metric names:
 * crates/agentgateway/src/telemetry/metrics.rs, prefix agentgateway_; `route` is
 * `<namespace>/<name>`, types/agent.rs RouteName::as_route_name).
 */
export function tenantRecordingRules(): { record: string; expr: string }[] {
  return [
    { record: TENANT_SERIES.requests, expr: byRoute('route, status', 'agentgateway_requests_total') },
    {
      record: TENANT_SERIES.durationBuckets,
      expr: byRoute('route, le', 'agentgateway_request_duration_seconds_bucket'),
    },
    {
      record: TENANT_SERIES.tokens,
      expr: byCaller(
        `${OBSERVABILITY.callerMetricLabel}, gen_ai_request_model, gen_ai_token_type`,
        'agentgateway_gen_ai_client_token_usage_sum',
      ),
    },
    {
      record: TENANT_SERIES.cost,
      expr: byCaller(
        `${OBSERVABILITY.callerMetricLabel}, gen_ai_request_model`,
        'agentgateway_gen_ai_client_cost_usd_total',
      ),
    },
  ];
}

/** A recording or alerting rule, its expression a PromQL string. */
export type Rule = Omit<PrometheusRuleSpecGroupsRules, 'expr'> & { readonly expr: string };

/** A rule in the form of the PrometheusRule import, whose expr is an int-or-string. */
export function typedRule({ expr, ...rule }: Rule): PrometheusRuleSpecGroupsRules {
  return { ...rule, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(expr) };
}

/** Quota use as a fraction per resource (0 when the quota is 0: nothing may be used). */
const QUOTA_USE =
  'sum by (namespace, resource) (kube_resourcequota{type="used"}) / (sum by (namespace, resource) (kube_resourcequota{type="hard"}) > 0)';

/** Fraction of a quota at which the tenant is warned. */
export const QUOTA_WARNING = 0.9;

/**
 * The tenant's quota alerts (kube-state-metrics kube_resourcequota: one series per namespace,
 * quota, resource and type used/hard). They keep the namespace label, which routes them to the
 * tenant's own receiver (AlertmanagerConfig in its namespace).
 */
export function quotaAlertRules(tenant: string): Rule[] {
  const sel = (expr: string) =>
    expr.replace(/\{type="(used|hard)"\}/g, `{namespace="${tenantNamespace(tenant)}", type="$1"}`);
  return [
    {
      alert: 'TenantQuotaNearlyUsed',
      expr: `${sel(QUOTA_USE)} >= ${QUOTA_WARNING}`,
      for: '15m',
      labels: { severity: 'warning', tenant },
      annotations: {
        summary: `Tenant ${tenant} has used {{ $value | humanizePercentage }} of its {{ $labels.resource }} quota`,
        description: `Raise quota.{{ $labels.resource }} of ${tenant} in tenants.yaml, or lower what its workloads request.`,
      },
    },
    {
      alert: 'TenantQuotaExhausted',
      expr: `${sel(QUOTA_USE)} >= 1`,
      for: '5m',
      labels: { severity: 'critical', tenant },
      annotations: {
        summary: `Tenant ${tenant} has used all of its {{ $labels.resource }} quota; new pods or objects are refused`,
        description: `Raise quota.{{ $labels.resource }} of ${tenant} in tenants.yaml, or remove workloads.`,
      },
    },
  ];
}

/**
 * The tenant's dashboard in its own Grafana organisation: requests, errors and latency per route
 * it owns, LLM tokens and cost per model of the calls it made, and its quota use. The queries name
 * no namespace: the datasource adds the tenant's.
 */
export function tenantDashboard(tenant: string): Record<string, unknown> {
  const s = TENANT_SERIES;
  return dashboardModel({
    uid: OBSERVABILITY.tenantDashboardUid,
    title: `Tenant ${tenant}`,
    datasourceUid: OBSERVABILITY.tenantDatasourceUid,
    panels: [
      { title: 'Requests per route', expr: `sum by (route) (${s.requests})`, legend: '{{route}}', unit: 'reqps' },
      {
        title: 'Errors (5xx) per route',
        expr: `sum by (route) (${s.requests}{status=~"5.."})`,
        legend: '{{route}}',
        unit: 'reqps',
      },
      {
        title: 'Latency per route (p95)',
        expr: `histogram_quantile(0.95, sum by (route, le) (${s.durationBuckets}))`,
        legend: '{{route}}',
        unit: 's',
      },
      {
        title: 'LLM tokens per model',
        expr: `sum by (gen_ai_request_model, gen_ai_token_type) (${s.tokens})`,
        legend: '{{gen_ai_request_model}} {{gen_ai_token_type}}',
        unit: 'short',
      },
      {
        title: 'LLM cost per model (USD per hour)',
        expr: `sum by (gen_ai_request_model) (${s.cost}) * 3600`,
        legend: '{{gen_ai_request_model}}',
        unit: 'currencyUSD',
      },
      { title: 'Quota use', expr: QUOTA_USE, legend: '{{resource}}', unit: 'percentunit' },
      {
        title: 'CPU',
        expr: 'sum by (pod) (rate(container_cpu_usage_seconds_total{container!=""}[5m]))',
        legend: '{{pod}}',
      },
      {
        title: 'Memory',
        expr: 'sum by (pod) (container_memory_working_set_bytes{container!=""})',
        legend: '{{pod}}',
        unit: 'bytes',
      },
    ],
  });
}
