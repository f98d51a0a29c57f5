import { Construct } from 'constructs';
import { KubeConfigMap, KubeDeployment, KubeService, KubeServiceAccount, IntOrString, Quantity } from '../../../imports/k8s';
import type { PlatformSettings } from '../../config/platform-settings';
import { PLATFORM_NAMESPACES, PLATFORM_SERVICES, PORTS } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';
import { nodeSelectorFor, tolerationsFor } from '../../lib/placement';
import { toYaml } from '../../synth/serialize';

/** Langfuse's OTLP/HTTP endpoint inside the cluster (it ingests traces only). */
export const LANGFUSE_OTLP_ENDPOINT = `http://${PLATFORM_SERVICES.langfuseWeb}.${PLATFORM_NAMESPACES.langfuse}.svc.cluster.local:3000/api/public/otel`;

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
    extensions: { health_check: { endpoint: '0.0.0.0:13133' } },
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
    const labels = { ...platformLabels('otel-collector'), 'app.kubernetes.io/name': name };
    const selector = { 'app.kubernetes.io/name': name };
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
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'collector',
                image: `${props.image.registry}/${props.image.repository}:${props.image.tag}`,
                imagePullPolicy: 'IfNotPresent',
                args: ['--config=/conf/config.yaml'],
                env: [{ name: 'LANGFUSE_AUTH_HEADER', valueFrom: { secretKeyRef: { name: props.authSecret, key: 'AUTH_HEADER' } } }],
                ports: [
                  { name: 'otlp-grpc', containerPort: PORTS.otlpGrpc, protocol: 'TCP' },
                  { name: 'otlp-http', containerPort: PORTS.otlpHttp, protocol: 'TCP' },
                  { name: 'metrics', containerPort: COLLECTOR_METRICS_PORT, protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/', port: IntOrString.fromNumber(13133) } },
                livenessProbe: { httpGet: { path: '/', port: IntOrString.fromNumber(13133) } },
                resources: {
                  requests: { cpu: Quantity.fromString('50m'), memory: Quantity.fromString('64Mi') },
                  limits: { cpu: Quantity.fromString('200m'), memory: Quantity.fromString('256Mi') },
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
