import {
  NetworkPolicy,
  NetworkPolicyIpBlock,
  NetworkPolicyPort,
  NetworkPolicyTrafficDefault,
  Pods,
} from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import {
  type Container,
  IntOrString,
  KubeDeployment,
  KubePodDisruptionBudget,
  KubeService,
  Quantity,
} from '../../../imports/k8s';
import type { PlatformSettings } from '../../config/platform-settings';
import { CHART_SERVICES, GRAFANA_POD_LABELS } from '../../lib/chart-names';
import {
  KUBELET_PROBE_CIDR,
  OBSERVABILITY,
  PLATFORM_NAMESPACES,
  PORTS,
  PROMETHEUS_POD_LABELS,
  tenantNamespace,
  tenantObservabilityName,
} from '../../lib/constants';
import { dnsRule, podsIn } from './plus-network';
import { platformLabels } from '../../lib/labels';
import { nodeSelectorFor, tolerationsFor, spreadOverNodes } from '../../lib/placement';
import { TENANT_LABEL } from '../observability/tenant-metrics';

/** Port of the proxy (its Service's too). */
export const METRICS_PROXY_PORT = 8080;

/** Pod labels of every tenant's metrics proxy; the one NetworkPolicy of them selects these. */
export const METRICS_PROXY_POD_LABELS = { 'app.kubernetes.io/name': 'prom-label-proxy' } as const;

/** In-cluster URL of a tenant's metrics proxy: its Grafana datasource's URL. */
export function metricsProxyUrl(tenant: string): string {
  return `http://${tenantObservabilityName(tenant)}.${PLATFORM_NAMESPACES.monitoring}.svc.cluster.local:${METRICS_PROXY_PORT}`;
}

/**
 * The arguments of a tenant's prom-label-proxy (v0.14.0 main.go flags): one fixed value of the
 * namespace label, enforced on every selector of every query (injectproxy/enforce.go
 * EnforceMatchers); a selector that contradicts it is refused (-error-on-replace) rather than
 * rewritten; the label APIs are enforced too (Prometheus 2.24 and later filter them by matcher).
 * Only the enforced endpoints are proxied; nothing in the request can name another value.
 */
export function metricsProxyArgs(tenant: string): string[] {
  const prometheus = `http://${CHART_SERVICES.prometheus.name}.${PLATFORM_NAMESPACES.monitoring}.svc.cluster.local:${CHART_SERVICES.prometheus.port}`;
  return [
    `-insecure-listen-address=0.0.0.0:${METRICS_PROXY_PORT}`,
    `-upstream=${prometheus}`,
    `-label=${TENANT_LABEL}`,
    `-label-value=${tenantNamespace(tenant)}`,
    '-error-on-replace',
    '-enable-label-apis',
  ];
}

export interface TenantMetricsProxyProps {
  readonly tenant: string;
  readonly image: PlatformSettings['images']['promLabelProxy'];
}

/**
 * A tenant's window on Prometheus: prom-label-proxy with the tenant's namespace as its only label
 * value, the URL of the datasource of the tenant's Grafana organisation. Deployment and Service
 * `tenant-<name>` in monitoring.
 */
export class TenantMetricsProxy extends Construct {
  public readonly resource: KubeDeployment;

  constructor(scope: Construct, id: string, props: TenantMetricsProxyProps) {
    super(scope, id);
    const name = tenantObservabilityName(props.tenant);
    const namespace = PLATFORM_NAMESPACES.monitoring;
    const selector = { ...METRICS_PROXY_POD_LABELS, [OBSERVABILITY.accessTenantLabel]: props.tenant };
    const labels = { ...platformLabels('monitoring'), ...selector };
    // Kube* classes: cdk8s-plus-30 would add its own pod labels and security defaults to the
    // Deployment and `externalIPs: []` to the Service; it has no PodDisruptionBudget.
    this.resource = new KubeDeployment(this, 'Resource', {
      metadata: { name, namespace, labels },
      spec: {
        // Two, on different nodes where possible: a tenant's datasource survives a node loss.
        replicas: 2,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            nodeSelector: nodeSelectorFor('platform'),
            tolerations: tolerationsFor('platform'),
            affinity: spreadOverNodes(selector),
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65534,
              runAsGroup: 65534,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [proxyContainer(props)],
          },
        },
      },
    });
    new KubePodDisruptionBudget(this, 'Disruption', {
      metadata: { name, namespace, labels },
      spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });
    new KubeService(this, 'Service', {
      metadata: { name, namespace, labels },
      spec: {
        selector,
        ports: [{ name: 'http', port: METRICS_PROXY_PORT, targetPort: IntOrString.fromString('http') }],
      },
    });
  }
}

/** prom-label-proxy: the tenant's namespace its only label value, no privileges. */
function proxyContainer(props: TenantMetricsProxyProps): Container {
  return {
    name: 'prom-label-proxy',
    image: `${props.image.registry}/${props.image.repository}:${props.image.tag}`,
    imagePullPolicy: 'Always',
    args: metricsProxyArgs(props.tenant),
    ports: [{ name: 'http', containerPort: METRICS_PROXY_PORT, protocol: 'TCP' }],
    // /healthz answers without calling Prometheus (injectproxy/routes.go NewRoutes).
    readinessProbe: {
      httpGet: { path: '/healthz', port: IntOrString.fromNumber(METRICS_PROXY_PORT) },
      periodSeconds: 10,
    },
    livenessProbe: {
      tcpSocket: { port: IntOrString.fromNumber(METRICS_PROXY_PORT) },
      initialDelaySeconds: 10,
      periodSeconds: 20,
      failureThreshold: 6,
    },
    resources: {
      requests: {
        cpu: Quantity.fromString('5m'),
        memory: Quantity.fromString('16Mi'),
        'ephemeral-storage': Quantity.fromString('16Mi'),
      },
      limits: {
        cpu: Quantity.fromString('200m'),
        memory: Quantity.fromString('128Mi'),
        'ephemeral-storage': Quantity.fromString('64Mi'),
      },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/**
 * The tenants' metrics proxies take queries from Grafana only and send them to Prometheus only:
 * no workload can reach Prometheus through a tenant's proxy, nor a proxy anything else.
 */
export class MetricsProxyNetwork extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const namespace = PLATFORM_NAMESPACES.monitoring;
    new NetworkPolicy(this, 'Resource', {
      metadata: { name: 'prom-label-proxy', namespace, labels: platformLabels('monitoring') },
      selector: Pods.select(this, 'Proxies', { labels: { ...METRICS_PROXY_POD_LABELS } }),
      // DENY first, so that policyTypes reads Ingress, Egress (see cluster-autoscaler.ts).
      ingress: {
        default: NetworkPolicyTrafficDefault.DENY,
        rules: [
          {
            peer: podsIn(this, 'Grafana', namespace, GRAFANA_POD_LABELS),
            ports: [NetworkPolicyPort.tcp(METRICS_PROXY_PORT), NetworkPolicyPort.tcp(PORTS.hbone)],
          },
          // istio-cni rewrites kubelet probes to come from this link-local address in ambient mode.
          {
            peer: NetworkPolicyIpBlock.ipv4(this, 'Kubelet', KUBELET_PROBE_CIDR),
            ports: [NetworkPolicyPort.tcp(METRICS_PROXY_PORT)],
          },
        ],
      },
      egress: {
        rules: [
          dnsRule(this),
          {
            peer: podsIn(this, 'Prometheus', namespace, PROMETHEUS_POD_LABELS),
            ports: [NetworkPolicyPort.tcp(CHART_SERVICES.prometheus.port), NetworkPolicyPort.tcp(PORTS.hbone)],
          },
        ],
      },
    });
  }
}
