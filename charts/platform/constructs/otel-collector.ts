import { createHash } from 'node:crypto';
import { ServiceAccount } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import {
  type Container,
  IntOrString,
  KubeClusterRole,
  KubeClusterRoleBinding,
  KubeConfigMap,
  KubeDeployment,
  KubeNetworkPolicy,
  KubePodDisruptionBudget,
  KubeService,
  type PodSpec,
  Quantity,
} from '../../../imports/k8s';
import type { PlatformSettings } from '../../config/platform-settings';
import { CHART_SERVICES } from '../../lib/chart-names';
import {
  KUBELET_PROBE_CIDR,
  LABELS,
  OBSERVABILITY,
  PRIVATE_IPV4,
  OTEL_COLLECTOR_POD_LABELS,
  OTEL_TENANT_ATTRIBUTE,
  PLATFORM_NAMESPACES,
  PLATFORM_SERVICES,
  PORTS,
  PROMETHEUS_POD_LABELS,
  tenantNamespace,
} from '../../lib/constants';
import { dnsEgress, namespacePeer, tcp } from '../../lib/network';
import { platformLabels } from '../../lib/labels';
import { nodeSelectorFor, tolerationsFor, spreadOverNodes } from '../../lib/placement';
import { toYaml } from '../../lib/serialize';

const HEALTH_PORT = 13133;

/** Langfuse's OTLP/HTTP endpoint inside the cluster (it ingests traces only). */
export const LANGFUSE_OTLP_ENDPOINT = `http://${PLATFORM_SERVICES.langfuseWeb}.${PLATFORM_NAMESPACES.langfuse}.svc.cluster.local:${CHART_SERVICES.langfuseWeb.port}/api/public/otel`;

/** Port of the collector's own Prometheus metrics. */
export const COLLECTOR_METRICS_PORT = 8888;

export interface OtelCollectorProps {
  readonly image: PlatformSettings['images']['otelCollector'];
  readonly replicas: number;
  /** Secret (same namespace) whose AUTH_HEADER key holds the platform project's `Basic base64(publicKey:secretKey)`. */
  readonly authSecret: string;
  /**
   * Tenants, by name: each gets its own pipeline to its own Langfuse project, with the key from
   * the Secret `tenantAuthSecret(tenant)` (optional: a tenant whose key is not there yet loses
   * its spans, nobody else's).
   * @default [] (platform spans only)
   */
  readonly tenants?: readonly string[];
}

/** Secret (in the collector's namespace) with a tenant's Langfuse project key as AUTH_HEADER. */
export function tenantAuthSecret(tenant: string): string {
  return `langfuse-${tenantNamespace(tenant)}`;
}

/** Environment variable of the collector that holds a tenant's Authorization header. */
export function tenantAuthEnv(tenant: string): string {
  return `LANGFUSE_TENANT_AUTH_${tenant.toUpperCase().replace(/-/g, '_')}`;
}

/** Environment variable of the platform project's Authorization header. */
export const PLATFORM_AUTH_ENV = 'LANGFUSE_AUTH_HEADER';

/** Namespaces whose spans go to the platform project: the gateways and kagent's controller and built-in agents. */
export const PLATFORM_TRACE_NAMESPACES = [PLATFORM_NAMESPACES.agentgateway, PLATFORM_NAMESPACES.kagent] as const;

/** Resource attributes the collector sets from the sending pod; whatever the sender set is removed first. */
export const ATTRIBUTED = {
  namespace: 'k8s.namespace.name',
  tenant: OTEL_TENANT_ATTRIBUTE,
  agent: 'agent',
  model: 'model',
} as const;

/** Span attribute agentgateway puts on every request span: `<namespace>/<name>` of the route it matched. */
export const GATEWAY_ROUTE_ATTRIBUTE = 'route';

/** Pipeline and component names of the collector configuration. */
export const PIPELINES = {
  in: 'traces/in',
  platform: 'traces/platform',
  gateway: 'traces/gateway',
  unattributed: 'traces/unattributed',
  tenant: (tenant: string) => `traces/${tenantNamespace(tenant)}`,
} as const;
export const ROUTERS = { namespace: 'routing/namespace', gateway: 'routing/gateway' } as const;
/** Exporters; `otlp_http` is the OTLP/HTTP exporter's type (v0.145.0 logs `otlphttp` as a deprecated alias). */
export const EXPORTERS = {
  platform: 'otlp_http/platform',
  tenant: (tenant: string) => `otlp_http/${tenantNamespace(tenant)}`,
  drop: 'nop',
} as const;
/**
 * The filter processor whose counter otelcol_processor_filter_spans_filtered_total{filter="filter/unattributed"} counts
 * dropped spans.
 */
export const UNATTRIBUTED_FILTER = 'filter/unattributed';

const q = (s: string) => JSON.stringify(s);

/**
 * The collector configuration: OTLP in; attributes that name where a span comes from removed and
 * set again from the sending pod (k8sattributes, by the connection's source address only);
 * batched; routed by the sending pod's namespace to one pipeline per tenant (its own Langfuse
 * project) or the platform's; spans of no known pod dropped and counted. The gateways' spans go
 * to the platform project and, copied, to the project of the tenant that owns the route and of
 * the tenant whose workload called. No logs pipeline (Langfuse takes traces only).
 *
 * Semantics relied on (opentelemetry-collector-contrib v0.145.0, test/observability/ cites each):
 * the routing connector tries its table in order and moves a resource to the first route whose
 * condition holds (action move), copies it for action copy, and sends what matched nothing to
 * default_pipelines or drops it; k8sattributes never overwrites an attribute that is already set,
 * so the sender's own k8s.* and tenant attributes are deleted before it runs.
 */
export function collectorConfig(tenants: readonly string[] = []): Record<string, unknown> {
  const sorted = [...new Set(tenants)].sort();
  const { namespaceRoutes, gatewayRoutes } = routingTables(sorted);
  const { exporters, pipelines } = exportersAndPipelines(sorted);
  return {
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` },
          http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` },
        },
      },
    },
    processors: collectorProcessors(),
    connectors: {
      [ROUTERS.namespace]: {
        error_mode: 'ignore',
        default_pipelines: [PIPELINES.unattributed],
        table: namespaceRoutes,
      },
      ...(sorted.length ? { [ROUTERS.gateway]: { error_mode: 'ignore', table: gatewayRoutes } } : {}),
    },
    exporters,
    extensions: { health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
    service: {
      extensions: ['health_check'],
      telemetry: {
        metrics: {
          readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: COLLECTOR_METRICS_PORT } } } }],
        },
      },
      pipelines,
    },
  };
}

/** The routing connectors' tables: by the sending pod's namespace, and the gateways' spans by tenant. */
function routingTables(sorted: readonly string[]) {
  const ns = ATTRIBUTED.namespace;
  const namespaceRoutes = [
    ...sorted.map((t) => ({
      condition: `attributes[${q(ns)}] == ${q(tenantNamespace(t))}`,
      pipelines: [PIPELINES.tenant(t)],
    })),
    {
      condition: `attributes[${q(ns)}] == ${q(PLATFORM_NAMESPACES.agentgateway)}`,
      pipelines: [PIPELINES.platform, ...(sorted.length ? [PIPELINES.gateway] : [])],
    },
    { condition: `attributes[${q(ns)}] == ${q(PLATFORM_NAMESPACES.kagent)}`, pipelines: [PIPELINES.platform] },
  ];
  // A gateway span belongs to the tenant that owns the route it matched (the route's namespace)
  // and to the tenant whose workload sent the request (its mesh identity, which the mesh gateway
  // adds as platform.caller.namespace); copied, so one span may go to both.
  const gatewayRoutes = sorted.map((t) => ({
    context: 'span',
    action: 'copy',
    condition: `IsMatch(attributes[${q(GATEWAY_ROUTE_ATTRIBUTE)}], ${q(`^${tenantNamespace(t)}/`)}) or attributes[${q(OBSERVABILITY.callerAttribute)}] == ${q(tenantNamespace(t))}`,
    pipelines: [PIPELINES.tenant(t)],
  }));
  return { namespaceRoutes, gatewayRoutes };
}

/** One exporter and pipeline per tenant's Langfuse project, besides the platform's and the drop. */
function exportersAndPipelines(sorted: readonly string[]) {
  const exporters: Record<string, unknown> = {
    [EXPORTERS.platform]: {
      endpoint: LANGFUSE_OTLP_ENDPOINT,
      headers: { Authorization: `\${env:${PLATFORM_AUTH_ENV}}` },
    },
    [EXPORTERS.drop]: {},
  };
  const pipelines: Record<string, unknown> = {
    [PIPELINES.in]: {
      receivers: ['otlp'],
      processors: ['memory_limiter', 'transform/untrusted', 'k8sattributes', 'batch'],
      exporters: [ROUTERS.namespace],
    },
    [PIPELINES.platform]: { receivers: [ROUTERS.namespace], exporters: [EXPORTERS.platform] },
    [PIPELINES.unattributed]: {
      receivers: [ROUTERS.namespace],
      processors: [UNATTRIBUTED_FILTER],
      exporters: [EXPORTERS.drop],
    },
  };
  if (sorted.length) pipelines[PIPELINES.gateway] = { receivers: [ROUTERS.namespace], exporters: [ROUTERS.gateway] };
  for (const t of sorted) {
    exporters[EXPORTERS.tenant(t)] = {
      endpoint: LANGFUSE_OTLP_ENDPOINT,
      headers: { Authorization: `\${env:${tenantAuthEnv(t)}}` },
    };
    pipelines[PIPELINES.tenant(t)] = {
      receivers: [ROUTERS.namespace, ROUTERS.gateway],
      exporters: [EXPORTERS.tenant(t)],
    };
  }
  return { exporters, pipelines };
}

/** Processors: memory limit, the sender's own attributes removed, k8sattributes, batching, the drop filter. */
function collectorProcessors(): Record<string, unknown> {
  return {
    memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
    // Nothing the sender says about where it runs is kept: k8sattributes fills these in.
    'transform/untrusted': {
      error_mode: 'ignore',
      trace_statements: [
        {
          context: 'resource',
          statements: [
            `delete_matching_keys(resource.attributes, ${q('^k8s\\.')})`,
            ...[ATTRIBUTED.tenant, ATTRIBUTED.agent, ATTRIBUTED.model].map(
              (k) => `delete_key(resource.attributes, ${q(k)})`,
            ),
          ],
        },
      ],
    },
    k8sattributes: {
      auth_type: 'serviceAccount',
      passthrough: false,
      // The connection's source address only: a resource attribute (k8s.pod.ip, ...) is the sender's word.
      pod_association: [{ sources: [{ from: 'connection' }] }],
      extract: {
        metadata: ['k8s.namespace.name', 'k8s.pod.name', 'k8s.pod.uid'],
        labels: [
          { tag_name: ATTRIBUTED.tenant, key: LABELS.tenantName, from: 'namespace' },
          { tag_name: ATTRIBUTED.agent, key: OBSERVABILITY.agentLabel, from: 'pod' },
          { tag_name: ATTRIBUTED.model, key: OBSERVABILITY.modelLabel, from: 'pod' },
        ],
        otel_annotations: false,
      },
    },
    batch: { timeout: '5s', send_batch_size: 512 },
    [UNATTRIBUTED_FILTER]: { error_mode: 'ignore', traces: { resource: ['true'] } },
  };
}

/** The configuration file as the ConfigMap holds it. */
export function collectorConfigYaml(tenants: readonly string[] = []): string {
  return toYaml(collectorConfig(tenants)).replace(/^#.*\n/, '');
}

/** Pod annotation whose value changes with the configuration, so a new routing table restarts the collector. */
export const CONFIG_CHECKSUM_ANNOTATION = 'checksum/config';

/** Name, namespace and labels of every object of the collector. */
function collectorMetadata() {
  return {
    name: PLATFORM_SERVICES.otelCollector,
    namespace: PLATFORM_NAMESPACES.otelCollector,
    labels: { ...platformLabels('otel-collector'), ...OTEL_COLLECTOR_POD_LABELS },
  };
}

/** The collector's pods: on platform nodes, spread over nodes, non-root, the configuration mounted. */
function collectorPodSpec(
  props: OtelCollectorProps,
  tenants: readonly string[],
  account: string,
  config: string,
): PodSpec {
  const selector = { ...OTEL_COLLECTOR_POD_LABELS };
  return {
    serviceAccountName: account,
    // The token k8sattributes watches pods and namespaces with (ClusterRole above, read only).
    automountServiceAccountToken: true,
    nodeSelector: nodeSelectorFor('platform'),
    tolerations: tolerationsFor('platform'),
    // Replicas on different nodes where possible: a node loss keeps traces flowing.
    affinity: spreadOverNodes(selector),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [collectorContainer(props, tenants)],
    volumes: [{ name: 'config', configMap: { name: config } }],
  };
}

/** The collector container: the Langfuse keys from Secrets, read-only root file system, health probes. */
function collectorContainer(props: OtelCollectorProps, tenants: readonly string[]): Container {
  const env = [
    { name: PLATFORM_AUTH_ENV, valueFrom: { secretKeyRef: { name: props.authSecret, key: 'AUTH_HEADER' } } },
    // Optional: until a tenant's key is in AWS Secrets Manager its exporter is refused by
    // Langfuse; the collector and every other tenant keep running.
    ...tenants.map((t) => ({
      name: tenantAuthEnv(t),
      valueFrom: { secretKeyRef: { name: tenantAuthSecret(t), key: 'AUTH_HEADER', optional: true } },
    })),
  ];
  return {
    name: 'collector',
    image: `${props.image.registry}/${props.image.repository}:${props.image.tag}`,
    imagePullPolicy: 'Always',
    args: ['--config=/conf/config.yaml'],
    env,
    ports: [
      { name: 'otlp-grpc', containerPort: PORTS.otlpGrpc, protocol: 'TCP' },
      { name: 'otlp-http', containerPort: PORTS.otlpHttp, protocol: 'TCP' },
      { name: 'metrics', containerPort: COLLECTOR_METRICS_PORT, protocol: 'TCP' },
    ],
    readinessProbe: { httpGet: { path: '/', port: IntOrString.fromNumber(HEALTH_PORT) }, periodSeconds: 5 },
    // Readiness follows the collector's health; liveness restarts it only once it stops
    // listening at all, so a struggling exporter takes the pod out of the Service
    // without restarting it (and losing its queue).
    livenessProbe: {
      tcpSocket: { port: IntOrString.fromNumber(HEALTH_PORT) },
      initialDelaySeconds: 15,
      periodSeconds: 20,
      failureThreshold: 6,
    },
    resources: {
      requests: {
        cpu: Quantity.fromString('50m'),
        memory: Quantity.fromString('128Mi'),
        'ephemeral-storage': Quantity.fromString('64Mi'),
      },
      limits: {
        cpu: Quantity.fromString('500m'),
        memory: Quantity.fromString('512Mi'),
        'ephemeral-storage': Quantity.fromString('256Mi'),
      },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [{ name: 'config', mountPath: '/conf', readOnly: true }],
  };
}

/**
 * The OpenTelemetry collector every agent, MCP server and gateway sends traces to. It attributes
 * each span to the pod that sent it and forwards it (only traces: Langfuse's OTLP endpoint takes
 * no logs) to the Langfuse project of that pod's tenant, or of the platform, with that project's
 * key. Runs as non-root with a read-only root file system, on platform nodes; reads pods and
 * namespaces (nothing else) to know who sent a span.
 */
export class OtelCollector extends Construct {
  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const tenants = [...new Set(props.tenants ?? [])].sort();
    const account = this.podReader();
    // Kube* classes from here on: cdk8s-plus-30 would add `immutable: false` to the ConfigMap, its
    // own labels and security defaults to the Deployment, and `externalIPs: []` to the Service;
    // it has no PodDisruptionBudget.
    const configYaml = collectorConfigYaml(tenants);
    const config = new KubeConfigMap(this, 'Config', {
      metadata: collectorMetadata(),
      data: { 'config.yaml': configYaml },
    });
    new KubeDeployment(this, 'Resource', {
      metadata: collectorMetadata(),
      spec: {
        replicas: props.replicas,
        selector: { matchLabels: { ...OTEL_COLLECTOR_POD_LABELS } },
        template: {
          // The collector reads its configuration at start only.
          metadata: {
            labels: collectorMetadata().labels,
            annotations: { [CONFIG_CHECKSUM_ANNOTATION]: createHash('sha256').update(configYaml).digest('hex') },
          },
          spec: collectorPodSpec(props, tenants, account.name, config.name),
        },
      },
    });
    new KubePodDisruptionBudget(this, 'Disruption', {
      metadata: collectorMetadata(),
      spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: { ...OTEL_COLLECTOR_POD_LABELS } } },
    });
    this.network();
    this.service();
  }

  /** The collector's ServiceAccount, which may read pods and namespaces (nothing else). */
  private podReader(): ServiceAccount {
    const { name, namespace, labels } = collectorMetadata();
    const account = new ServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace, labels },
      automountToken: false,
    });
    // k8sattributes watches pods (to find the sender by its address) and namespaces (the tenant label).
    const role = new KubeClusterRole(this, 'Reader', {
      metadata: { name, labels },
      rules: [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }],
    });
    new KubeClusterRoleBinding(this, 'ReaderBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
    return account;
  }

  /** OTLP from every namespace, metrics to Prometheus, probes; out: DNS, Langfuse and the API server. */
  private network(): void {
    const { labels } = collectorMetadata();
    const selector = { ...OTEL_COLLECTOR_POD_LABELS };
    new KubeNetworkPolicy(this, 'Network', {
      metadata: { ...collectorMetadata(), labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          // OTLP from every namespace (agents, MCP servers, gateways); in the mesh it arrives as HBONE.
          { ports: [PORTS.otlpGrpc, PORTS.otlpHttp, PORTS.hbone].map(tcp) },
          {
            from: [namespacePeer(PLATFORM_NAMESPACES.monitoring, PROMETHEUS_POD_LABELS)],
            ports: [tcp(COLLECTOR_METRICS_PORT)],
          },
          // The kubelet's probes of the health port, which istio-cni rewrites to come from this
          // link-local address in ambient mode.
          { from: [{ ipBlock: { cidr: KUBELET_PROBE_CIDR } }], ports: [tcp(HEALTH_PORT)] },
        ],
        egress: [
          dnsEgress(),
          {
            to: [namespacePeer(PLATFORM_NAMESPACES.langfuse)],
            ports: [tcp(CHART_SERVICES.langfuseWeb.podPort), tcp(PORTS.hbone)],
          },
          // The Kubernetes API server (pods and namespaces for k8sattributes): EKS serves it on
          // 443 from network interfaces in the VPC, whose addresses are private and not known
          // before the cluster exists. Tenant pods admit no ingress from here on any port.
          { to: PRIVATE_IPV4.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(PORTS.https)] },
        ],
      },
    });
  }

  private service(): void {
    new KubeService(this, 'Service', {
      metadata: collectorMetadata(),
      spec: {
        selector: { ...OTEL_COLLECTOR_POD_LABELS },
        ports: [
          {
            name: 'otlp-grpc',
            port: PORTS.otlpGrpc,
            targetPort: IntOrString.fromString('otlp-grpc'),
            appProtocol: 'grpc',
          },
          {
            name: 'otlp-http',
            port: PORTS.otlpHttp,
            targetPort: IntOrString.fromString('otlp-http'),
            appProtocol: 'http',
          },
          { name: 'metrics', port: COLLECTOR_METRICS_PORT, targetPort: IntOrString.fromString('metrics') },
        ],
      },
    });
  }
}
