/**
 * Isolation gate. Two layers are checked for every environment:
 *
 * 1. NetworkPolicies, with np-guard's netpol-analyzer (k8snetpolicy list): every NetworkPolicy
 *    of the output, plus one representative pod per tenant and per platform component and their
 *    namespaces, generated into a temporary directory as analysis input.
 * 2. Istio AuthorizationPolicies, for mesh identities (mesh-authz.ts).
 *
 * Both must show: no tenant reaches another tenant; a tenant reaches cluster DNS, the central
 * gateway, the OTEL collector and (network layer) external HTTPS; monitoring reaches tenant
 * metrics.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DNS_POD_LABELS, ISTIOD_POD_LABELS, LABELS, OTEL_COLLECTOR_POD_LABELS, PLATFORM_NAMESPACES, PORTS, PROMETHEUS_POD_LABELS, SANDBOX_POD_LABEL } from '../../charts/lib/constants';
import { stringify } from 'yaml';
import { requireTool } from '../tools';
import { evaluate, type MeshRequest } from './mesh-authz';
import { type EnvironmentOutput, type GateResult, type Output, ofKinds, since } from './manifests';
import { runTool } from './run-tool';

/** A representative workload of the analysis. */
export interface Endpoint {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly ports: readonly { readonly port: number; readonly protocol: 'TCP' | 'UDP'; readonly name: string }[];
}

/** Port of a tenant workload's metrics endpoint in the analysis. */
export const TENANT_METRICS_PORT = 9090;
/** Port of a tenant workload's own API in the analysis. */
export const TENANT_APP_PORT = 8080;
/** Port the central gateway listens on (agentgateway-proxy service). */
export const GATEWAY_PORT = 80;

/** Platform components in the analysis; labels follow the upstream charts. */
export const PLATFORM_ENDPOINTS = {
  dns: { namespace: PLATFORM_NAMESPACES.kubeSystem, name: 'coredns', labels: DNS_POD_LABELS, serviceAccount: 'coredns', ports: [{ port: PORTS.dns, protocol: 'UDP', name: 'dns' }, { port: PORTS.dns, protocol: 'TCP', name: 'dns-tcp' }] },
  gateway: { namespace: PLATFORM_NAMESPACES.agentgateway, name: 'agentgateway-proxy', labels: { 'app.kubernetes.io/name': 'agentgateway-proxy' }, serviceAccount: 'agentgateway-proxy', ports: [{ port: GATEWAY_PORT, protocol: 'TCP', name: 'http' }] },
  otel: { namespace: PLATFORM_NAMESPACES.otelCollector, name: 'otel-collector', labels: OTEL_COLLECTOR_POD_LABELS, serviceAccount: 'otel-collector', ports: [{ port: PORTS.otlpGrpc, protocol: 'TCP', name: 'otlp-grpc' }, { port: PORTS.otlpHttp, protocol: 'TCP', name: 'otlp-http' }] },
  monitoring: { namespace: PLATFORM_NAMESPACES.monitoring, name: 'prometheus', labels: PROMETHEUS_POD_LABELS, serviceAccount: 'prometheus', ports: [{ port: 9090, protocol: 'TCP', name: 'web' }] },
  istiod: { namespace: PLATFORM_NAMESPACES.istio, name: 'istiod', labels: ISTIOD_POD_LABELS, serviceAccount: 'istiod', ports: [{ port: PORTS.istiodXds, protocol: 'TCP', name: 'xds' }] },
  kagent: { namespace: PLATFORM_NAMESPACES.kagent, name: 'kagent-controller', labels: { 'app.kubernetes.io/name': 'kagent' }, serviceAccount: 'kagent-controller', ports: [{ port: 8083, protocol: 'TCP', name: 'http' }] },
} as const satisfies Record<string, Endpoint>;

/** The representative workload of a tenant namespace. */
export function tenantEndpoint(namespace: string): Endpoint {
  return {
    namespace,
    name: 'agent',
    labels: { app: 'agent' },
    serviceAccount: 'agent',
    ports: [
      { port: TENANT_APP_PORT, protocol: 'TCP', name: 'http' },
      { port: TENANT_METRICS_PORT, protocol: 'TCP', name: 'metrics' },
    ],
  };
}

/** A tenant's representative sandbox pod (the label every compiled sandbox pod carries). */
export function sandboxEndpoint(namespace: string): Endpoint {
  return {
    namespace,
    name: 'sandbox',
    labels: { [SANDBOX_POD_LABEL]: 'sandbox' },
    serviceAccount: 'default',
    ports: [{ port: TENANT_APP_PORT, protocol: 'TCP', name: 'http' }],
  };
}

/** Tenant namespaces of an environment: the Namespaces labelled as tenants. */
export function tenantNamespaces(env: EnvironmentOutput): string[] {
  return ofKinds(env.manifests, 'Namespace')
    .filter((m) => m.object.metadata?.labels?.[LABELS.tenant] === 'true')
    .map((m) => m.object.metadata.name as string)
    .sort();
}

/**
 * Analysis input for netpol-analyzer: file name → YAML. `onlyNamespace` keeps the NetworkPolicies
 * of one namespace and drops the rest. Pure.
 */
export function analysisInput(env: EnvironmentOutput, onlyNamespace?: string): Map<string, string> {
  const files = new Map<string, string>();
  const tenants = tenantNamespaces(env);
  const nsLabels = new Map<string, Record<string, string>>();
  for (const ns of Object.values(PLATFORM_NAMESPACES)) nsLabels.set(ns, {});
  for (const m of ofKinds(env.manifests, 'Namespace')) nsLabels.set(m.object.metadata.name, { ...(m.object.metadata.labels ?? {}) });
  const namespaces = [...nsLabels.entries()].sort(([a], [b]) => a.localeCompare(b));
  // The API server labels every namespace with its name; the analyzer needs it spelled out.
  files.set(
    'namespaces.yaml',
    namespaces.map(([name, labels]) => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } } })).join('---\n'),
  );
  const endpoints: Endpoint[] = [...Object.values(PLATFORM_ENDPOINTS), ...tenants.map(tenantEndpoint), ...tenants.map(sandboxEndpoint)];
  files.set(
    'pods.yaml',
    endpoints
      .map((e) =>
        stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: e.name, namespace: e.namespace, labels: e.labels },
          spec: {
            serviceAccountName: e.serviceAccount,
            containers: [{ name: 'main', image: 'registry.invalid/representative:1', ports: e.ports.map((p) => ({ containerPort: p.port, protocol: p.protocol, name: p.name })) }],
          },
          status: { podIP: '10.244.0.1', hostIP: '10.0.0.1', phase: 'Running' },
        }),
      )
      .join('---\n'),
  );
  ofKinds(env.manifests, 'NetworkPolicy')
    .filter((m) => onlyNamespace === undefined || m.object.metadata?.namespace === onlyNamespace)
    .forEach((m, i) => files.set(`netpol-${String(i).padStart(4, '0')}.yaml`, stringify(m.object)));
  return files;
}

/** Allowed connections of one pair, parsed from the analyzer's "conn" string. */
export interface Connection {
  readonly all: boolean;
  /** protocol → port ranges. */
  readonly ports: ReadonlyMap<string, readonly [number, number][]>;
}

/** Parses "All Connections", "TCP 53,UDP 53", "TCP 4317-4318,15008" and the like. */
export function parseConnection(conn: string): Connection {
  if (conn.trim() === 'All Connections') return { all: true, ports: new Map() };
  const ports = new Map<string, [number, number][]>();
  let protocol = '';
  for (const part of conn.split(/[,;]/).map((p) => p.trim()).filter(Boolean)) {
    const m = /^(?:([A-Z]+)\s+)?(\d+)(?:-(\d+))?$/.exec(part);
    const whole = /^([A-Z]+)$/.exec(part);
    if (whole) {
      ports.set(whole[1], [[1, 65535]]);
      continue;
    }
    if (!m) throw new Error(`netpol-analyzer connection "${conn}": cannot read "${part}"`);
    if (m[1]) protocol = m[1];
    if (!ports.has(protocol)) ports.set(protocol, []);
    ports.get(protocol)!.push([Number(m[2]), Number(m[3] ?? m[2])]);
  }
  return { all: false, ports };
}

export function allows(c: Connection | undefined, protocol: string, port: number): boolean {
  if (!c) return false;
  return c.all || (c.ports.get(protocol) ?? []).some(([a, b]) => port >= a && port <= b);
}

const ipToNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** A public address the external-HTTPS check uses. */
export const PUBLIC_PROBE_IP = '8.8.8.8';

interface ConnEntry {
  src: string;
  dst: string;
  conn: string;
}

const peer = (e: Endpoint) => `${e.namespace}/${e.name}[Pod]`;

/** Checks netpol-analyzer's connection list against the isolation rules. Pure. */
export function checkConnections(env: EnvironmentOutput, entries: readonly ConnEntry[]): { errors: string[]; pairs: number } {
  const errors: string[] = [];
  const conns = new Map<string, Connection>();
  for (const e of entries) conns.set(`${e.src} => ${e.dst}`, parseConnection(e.conn));
  const get = (src: string, dst: string) => conns.get(`${src} => ${dst}`);
  const tenants = tenantNamespaces(env).map(tenantEndpoint);
  const P = PLATFORM_ENDPOINTS;
  let pairs = 0;
  const expect = (src: Endpoint | string, dst: Endpoint | string, protocol: string, port: number, what: string) => {
    pairs++;
    const s = typeof src === 'string' ? src : peer(src);
    const d = typeof dst === 'string' ? dst : peer(dst);
    if (!allows(get(s, d), protocol, port)) errors.push(`${env.name}: ${s} cannot reach ${d} on ${protocol} ${port} (${what}); the NetworkPolicies must allow it`);
  };
  for (const t of tenants) {
    for (const other of tenants.filter((o) => o !== t)) {
      pairs++;
      const c = get(peer(t), peer(other));
      if (c) errors.push(`${env.name}: tenant ${t.namespace} reaches tenant ${other.namespace} (${peer(t)} => ${peer(other)}: ${c.all ? 'All Connections' : entries.find((e) => e.src === peer(t) && e.dst === peer(other))?.conn}); a NetworkPolicy admits traffic between tenants`);
    }
    // A sandbox is reached only through the central gateway, and reaches nothing of its tenant.
    const sandbox = sandboxEndpoint(t.namespace);
    for (const [src, dst] of [
      [sandbox, t],
      [t, sandbox],
    ] as const) {
      pairs++;
      const c = get(peer(src), peer(dst));
      if (c) errors.push(`${env.name}: ${peer(src)} reaches ${peer(dst)} (${entries.find((e) => e.src === peer(src) && e.dst === peer(dst))?.conn}); sandboxes must be isolated from the rest of their namespace`);
    }
    expect(P.gateway, sandbox, 'TCP', TENANT_APP_PORT, 'sandbox route');
    expect(t, P.dns, 'UDP', PORTS.dns, 'cluster DNS');
    expect(t, P.gateway, 'TCP', GATEWAY_PORT, 'central gateway');
    expect(t, P.otel, 'TCP', PORTS.otlpGrpc, 'OTEL collector');
    expect(P.monitoring, t, 'TCP', TENANT_METRICS_PORT, 'metrics scraping');
    pairs++;
    const external = entries.filter((e) => e.src === peer(t) && /^\d+\.\d+\.\d+\.\d+-\d+\.\d+\.\d+\.\d+$/.test(e.dst));
    const probe = ipToNumber(PUBLIC_PROBE_IP);
    const https = external.some((e) => {
      const [lo, hi] = e.dst.split('-').map(ipToNumber);
      return probe >= lo && probe <= hi && allows(parseConnection(e.conn), 'TCP', PORTS.https);
    });
    if (!https) errors.push(`${env.name}: ${peer(t)} cannot reach external address ${PUBLIC_PROBE_IP} on TCP ${PORTS.https}; the NetworkPolicies must allow external HTTPS`);
  }
  return { errors, pairs };
}

/**
 * Checks one tenant's NetworkPolicies on their own (other namespaces without policies): neither
 * direction between the tenant and any other tenant may be allowed by them. A policy that admits
 * another tenant is caught here even while the other side still blocks the traffic. Pure.
 */
export function checkTenantAlone(env: EnvironmentOutput, namespace: string, entries: readonly ConnEntry[]): { errors: string[]; pairs: number } {
  const errors: string[] = [];
  const self = peer(tenantEndpoint(namespace));
  const others = tenantNamespaces(env).filter((n) => n !== namespace).map((n) => peer(tenantEndpoint(n)));
  for (const other of others) {
    for (const [src, dst] of [[self, other], [other, self]]) {
      const e = entries.find((x) => x.src === src && x.dst === dst);
      if (e) errors.push(`${env.name}: the NetworkPolicies of ${namespace} allow ${src} => ${dst} (${e.conn}); a tenant's policies must admit no other tenant, in either direction`);
    }
  }
  return { errors, pairs: others.length * 2 };
}

/** Checks the AuthorizationPolicies of an environment for mesh identities. Pure. */
export function checkMesh(env: EnvironmentOutput): { errors: string[]; pairs: number } {
  const errors: string[] = [];
  const policies = ofKinds(env.manifests, 'AuthorizationPolicy');
  const tenants = tenantNamespaces(env).map(tenantEndpoint);
  const P = PLATFORM_ENDPOINTS;
  const principal = (e: Endpoint) => `${env.trustDomain}/ns/${e.namespace}/sa/${e.serviceAccount}`;
  const request = (src: Endpoint, dst: Endpoint, port: number): MeshRequest => ({
    principal: principal(src),
    sourceNamespace: src.namespace,
    destinationNamespace: dst.namespace,
    destinationLabels: dst.labels,
    port,
  });
  let pairs = 0;
  const expect = (src: Endpoint, dst: Endpoint, port: number, want: 'allowed' | 'denied', what: string) => {
    pairs++;
    const v = evaluate(policies, request(src, dst, port));
    if (v.verdict !== want) {
      errors.push(`${env.name}: mesh identity ${principal(src)} → ${dst.namespace}/${dst.name} port ${port} (${what}) is ${v.verdict}, expected ${want}: ${v.reason}`);
    }
  };
  for (const t of tenants) {
    for (const other of tenants.filter((o) => o !== t)) {
      expect(t, other, TENANT_APP_PORT, 'denied', 'another tenant');
      expect(t, other, TENANT_METRICS_PORT, 'denied', 'another tenant');
    }
    expect(t, t, TENANT_APP_PORT, 'allowed', 'same tenant');
    expect(t, P.gateway, GATEWAY_PORT, 'allowed', 'central gateway');
    expect(t, P.otel, PORTS.otlpGrpc, 'allowed', 'OTEL collector');
    expect(P.monitoring, t, TENANT_METRICS_PORT, 'allowed', 'metrics scraping');
  }
  return { errors, pairs };
}

/** Runs netpol-analyzer over an environment's analysis input and returns its connection list. */
export async function analyze(env: EnvironmentOutput, onlyNamespace?: string): Promise<ConnEntry[]> {
  const bin = requireTool('netpol-analyzer');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `isolation-${env.name}-`));
  try {
    for (const [name, content] of analysisInput(env, onlyNamespace)) fs.writeFileSync(path.join(dir, name), content);
    // Not --fail: in v1.4.2 it stops with "Error getting resourceInfos from dir path: <nil>" on
    // valid input. Any error or warning the analyzer logs fails the gate instead.
    const res = await runTool(bin, ['list', '--dirpath', dir, '-o', 'json']);
    const complaints = res.stderr.split('\n').filter((l) => /error|warning/i.test(l));
    if (res.code !== 0 || complaints.length > 0) {
      throw new Error(`netpol-analyzer (${env.name}${onlyNamespace ? `, policies of ${onlyNamespace}` : ''}) exited with ${res.code}: ${(complaints.join('; ') || res.stderr).trim()}`);
    }
    const parsed = JSON.parse(res.stdout) as ConnEntry[] | { connlist_results?: ConnEntry[] };
    return Array.isArray(parsed) ? parsed : (parsed.connlist_results ?? []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the isolation gate over every environment. */
export async function isolationGate(output: Output): Promise<GateResult> {
  const started = Date.now();
  const errors: string[] = [];
  let netpols = 0;
  let authz = 0;
  let pairs = 0;
  for (const env of output.environments) {
    netpols += ofKinds(env.manifests, 'NetworkPolicy').length;
    authz += ofKinds(env.manifests, 'AuthorizationPolicy').length;
    const network = checkConnections(env, await analyze(env));
    errors.push(...network.errors);
    pairs += network.pairs;
    for (const ns of tenantNamespaces(env)) {
      const alone = checkTenantAlone(env, ns, await analyze(env, ns));
      errors.push(...alone.errors);
      pairs += alone.pairs;
    }
    const mesh = checkMesh(env);
    errors.push(...mesh.errors);
    pairs += mesh.pairs;
  }
  return {
    gate: 'isolation',
    checked: netpols + authz,
    unit: 'NetworkPolicies and AuthorizationPolicies',
    errors,
    ms: since(started),
    notes: [`${netpols} NetworkPolicies (netpol-analyzer), ${authz} AuthorizationPolicies (mesh identities), ${pairs} source/destination checks`],
  };
}
