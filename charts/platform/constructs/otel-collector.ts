import { Construct } from 'constructs';
import { IntOrString, KubeConfigMap, KubeDeployment, KubeNetworkPolicy, KubePodDisruptionBudget, KubeService, KubeServiceAccount, Quantity } from '../../../imports/k8s';
import type { PlatformSettings } from '../../config/platform-settings';
import { CHART_SERVICES } from '../../lib/chart-names';
import { OTEL_COLLECTOR_POD_LABELS, PLATFORM_NAMESPACES, PLATFORM_SERVICES, PORTS, PROMETHEUS_POD_LABELS } from '../../lib/constants';
import { dnsEgress, namespacePeer, tcp } from '../../lib/network';
import { platformLabels } from '../../lib/labels';
import { nodeSelectorFor, tolerationsFor } from '../../lib/placement';
import { toYaml } from '../../synth/serialize';

const HEALTH_PORT = 13133;

/** Langfuse's OTLP/HTTP endpoint inside the cluster (it ingests traces only). */
export const LANGFUSE_OTLP_ENDPOINT = `http://${PLATFORM_SERVICES.langfuseWeb}.${PLATFORM_NAMESPACES.langfuse}.svc.cluster.local:${CHART_SERVICES.langfuseWeb.port}/api/public/otel`;

/** Port of the collector's own Prometheus metrics. */
export const COLLECTOR_METRICS_PORT = 8888;

export interface OtelCollectorProps {
  readonly image: PlatformSettings['images']['otelCollector'];
  readonly replicas: number;
  /** Secret (same namespace) whose AUTH_HEADER key holds `Basic base64(publicKey:secretKey)`. */
  readonly authSecret: string;
}

/** The collector configuration: OTLP in, batched, traces out to Langfuse. No logs pipeline. */
export function collectorConfig(): Record<string, unknown> {
  return {
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` },
          http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` },
        },
      },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
      batch: { timeout: '5s', send_batch_size: 512 },
    },
    exporters: {
      otlphttp: { endpoint: LANGFUSE_OTLP_ENDPOINT, headers: { Authorization: '${env:LANGFUSE_AUTH_HEADER}' } },
    },
    extensions: { health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
    service: {
      extensions: ['health_check'],
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: COLLECTOR_METRICS_PORT } } } }] } },
      pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlphttp'] } },
    },
  };
}

/**
 * The OpenTelemetry collector every agent, MCP server and gateway sends traces to. It forwards
 * traces (only traces: Langfuse's OTLP endpoint takes no logs) to Langfuse with Basic auth.
 * Runs as non-root with a read-only root file system, on platform nodes.
 */
export class OtelCollector extends Construct {
  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const namespace = PLATFORM_NAMESPACES.otelCollector;
    const name = PLATFORM_SERVICES.otelCollector;
    const labels = { ...platformLabels('otel-collector'), ...OTEL_COLLECTOR_POD_LABELS };
    const selector = { ...OTEL_COLLECTOR_POD_LABELS };
    new KubeServiceAccount(this, 'ServiceAccount', { metadata: { name, namespace, labels }, automountServiceAccountToken: false });
    const config = new KubeConfigMap(this, 'Config', {
      metadata: { name, namespace, labels },
      data: { 'config.yaml': toYaml(collectorConfig()).replace(/^#.*\n/, '') },
    });
    new KubeDeployment(this, 'Resource', {
      metadata: { name, namespace, labels },
      spec: {
        replicas: props.replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            nodeSelector: nodeSelectorFor('platform'),
            tolerations: tolerationsFor('platform'),
            // Replicas on different nodes where possible: a node loss keeps traces flowing.
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } }],
              },
            },
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'collector',
                image: `${props.image.registry}/${props.image.repository}:${props.image.tag}`,
                imagePullPolicy: 'Always',
                args: ['--config=/conf/config.yaml'],
                env: [{ name: 'LANGFUSE_AUTH_HEADER', valueFrom: { secretKeyRef: { name: props.authSecret, key: 'AUTH_HEADER' } } }],
                ports: [
                  { name: 'otlp-grpc', containerPort: PORTS.otlpGrpc, protocol: 'TCP' },
                  { name: 'otlp-http', containerPort: PORTS.otlpHttp, protocol: 'TCP' },
                  { name: 'metrics', containerPort: COLLECTOR_METRICS_PORT, protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/', port: IntOrString.fromNumber(HEALTH_PORT) }, periodSeconds: 5 },
                // Readiness follows the collector's health; liveness restarts it only once it stops
                // listening at all, so a struggling exporter takes the pod out of the Service
                // without restarting it (and losing its queue).
                livenessProbe: { tcpSocket: { port: IntOrString.fromNumber(HEALTH_PORT) }, initialDelaySeconds: 15, periodSeconds: 20, failureThreshold: 6 },
                resources: {
                  requests: { cpu: Quantity.fromString('50m'), memory: Quantity.fromString('64Mi'), 'ephemeral-storage': Quantity.fromString('64Mi') },
                  limits: { cpu: Quantity.fromString('200m'), memory: Quantity.fromString('256Mi'), 'ephemeral-storage': Quantity.fromString('256Mi') },
                },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'config', mountPath: '/conf', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: config.name } }],
          },
        },
      },
    });
    new KubePodDisruptionBudget(this, 'Disruption', {
      metadata: { name, namespace, labels },
      spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });
    new KubeNetworkPolicy(this, 'Network', {
      metadata: { name, namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          // OTLP from every namespace (agents, MCP servers, gateways); in the mesh it arrives as HBONE.
          { ports: [PORTS.otlpGrpc, PORTS.otlpHttp, PORTS.hbone].map(tcp) },
          { from: [namespacePeer(PLATFORM_NAMESPACES.monitoring, PROMETHEUS_POD_LABELS)], ports: [tcp(COLLECTOR_METRICS_PORT)] },
        ],
        egress: [
          dnsEgress(),
          { to: [namespacePeer(PLATFORM_NAMESPACES.langfuse)], ports: [tcp(CHART_SERVICES.langfuseWeb.podPort), tcp(PORTS.hbone)] },
        ],
      },
    });
    new KubeService(this, 'Service', {
      metadata: { name, namespace, labels },
      spec: {
        selector,
        ports: [
          { name: 'otlp-grpc', port: PORTS.otlpGrpc, targetPort: IntOrString.fromString('otlp-grpc'), appProtocol: 'grpc' },
          { name: 'otlp-http', port: PORTS.otlpHttp, targetPort: IntOrString.fromString('otlp-http'), appProtocol: 'http' },
          { name: 'metrics', port: COLLECTOR_METRICS_PORT, targetPort: IntOrString.fromString('metrics') },
        ],
      },
    });
  }
}
