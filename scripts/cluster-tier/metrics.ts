/**
 * A model of EKS's metrics-server add-on (cluster/addon-versions.ts), which the tier cannot run:
 * it scrapes kubelets, and kwok's nodes have none. It serves the Metrics API the way the add-on's
 * chart registers it (kubernetes-sigs/metrics-server chart templates/apiservice.yaml and
 * service.yaml: APIService v1beta1.metrics.k8s.io → Service kube-system/metrics-server port 443
 * "https", insecureSkipTLSVerify by default), reached through the egress proxy. Each container
 * uses half of what it requests, so a HorizontalPodAutoscaler sees steady load below a usual
 * target and its ScalingActive condition is True (without metrics it is False,
 * FailedGetResourceMetric, which Argo CD reports as Degraded: gitops-engine
 * pkg/health/health_hpa.go).
 */
import type * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { servingCertificate } from '../integration/control-plane';

/** The Service the APIService names, as the add-on's chart creates it. */
export const METRICS_SERVICE = { namespace: 'kube-system', name: 'metrics-server', port: 443 } as const;

/** The Service, its EndpointSlice (kube-aggregator's availability check wants a ready endpoint) and the APIService. */
export function metricsApiObjects(): Record<string, unknown>[] {
  const { namespace, name, port } = METRICS_SERVICE;
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { ports: [{ name: 'https', port, protocol: 'TCP' }] },
    },
    {
      // kube-aggregator v0.36.3 pkg/controllers/status/remote/remote_available_controller.go
      // (hasAvailableEndpoint): a ready endpoint and a port named like the Service's.
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-model`, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.255.250'], conditions: { ready: true } }],
      ports: [{ name: 'https', port: 10250, protocol: 'TCP' }],
    },
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io' },
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        groupPriorityMinimum: 100,
        versionPriority: 100,
        insecureSkipTLSVerify: true,
        service: { namespace, name, port },
      },
    },
  ];
}

/** A label selector string as the HPA controller sends it (equality and set-based terms). */
export function selectorMatches(selector: string | null, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const t = raw.trim();
    let m = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (m) {
      const values = m[3]!.split(',').map((v) => v.trim());
      const has = m[1]! in labels && values.includes(labels[m[1]!]!);
      return m[2] === 'in' ? has : !has;
    }
    m = /^(\S+?)\s*(==|=|!=)\s*(\S*)$/.exec(t);
    if (m) return m[2] === '!=' ? labels[m[1]!] !== m[3] : labels[m[1]!] === m[3];
    if (t.startsWith('!')) return !(t.slice(1) in labels);
    return t in labels;
  });
}

interface Pod {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: { containers: { name: string; resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string };
}

/** Half of a quantity: CPU in millicores ("250m", "1"), memory in Ki ("128Mi", "1Gi"). */
export function half(quantity: string | undefined, unit: 'cpu' | 'memory'): string {
  if (quantity === undefined) return '0';
  const m = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(quantity);
  if (!m) return '0';
  const n = Number(m[1]);
  if (unit === 'cpu') return `${Math.round((m[2] === 'm' ? n : n * 1000) / 2)}m`;
  const factor: Record<string, number> = {
    '': 1 / 1024,
    Ki: 1,
    Mi: 1024,
    Gi: 1024 * 1024,
    k: 1000 / 1024,
    M: 1e6 / 1024,
    G: 1e9 / 1024,
  };
  return `${Math.round(((factor[m[2]!] ?? 0) * n) / 2)}Ki`;
}

/** The PodMetricsList of the running pods of a namespace that match a selector. */
export function podMetrics(
  pods: readonly Pod[],
  namespace: string,
  selector: string | null,
  now: string,
): Record<string, unknown> {
  return {
    kind: 'PodMetricsList',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {},
    items: pods
      .filter((p) => p.metadata.namespace === namespace && p.status?.phase === 'Running')
      .filter((p) => selectorMatches(selector, p.metadata.labels ?? {}))
      .map((p) => ({
        metadata: { name: p.metadata.name, namespace, labels: p.metadata.labels ?? {} },
        timestamp: now,
        window: '30s',
        containers: p.spec.containers.map((c) => ({
          name: c.name,
          usage: {
            cpu: half(c.resources?.requests?.cpu, 'cpu'),
            memory: half(c.resources?.requests?.memory, 'memory'),
          },
        })),
      })),
  };
}

const RESOURCES = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'metrics.k8s.io/v1beta1',
  resources: [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ],
};

/** Starts the model's HTTPS server on 127.0.0.1; it reads pods through `kubectl`. */
export async function startMetricsServer(
  dir: string,
  kubectl: (args: readonly string[]) => Promise<string>,
): Promise<{ port: number; stop(): Promise<void> }> {
  const host = `${METRICS_SERVICE.name}.${METRICS_SERVICE.namespace}.svc`;
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = https.createServer(servingCertificate(dir, host), (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const pods = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (url.pathname === '/apis/metrics.k8s.io/v1beta1') {
      send(res, 200, RESOURCES);
      return;
    }
    if (pods === null) {
      send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 });
      return;
    }
    void kubectl(['get', 'pods', '-n', pods[1]!, '-o', 'json']).then(
      (json) =>
        send(
          res,
          200,
          podMetrics(
            (JSON.parse(json) as { items: Pod[] }).items,
            pods[1]!,
            url.searchParams.get('labelSelector'),
            new Date().toISOString(),
          ),
        ),
      (e: Error) =>
        send(res, 500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: e.message, code: 500 }),
    );
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  return {
    port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
