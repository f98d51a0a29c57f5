/**
 * Isolation gate. Two layers are checked for every environment, over one representative pod per
 * tenant (and its sandbox) and per platform component:
 *
 * 1. NetworkPolicies, with the evaluator of netpol-eval.ts (netpol-analyzer's semantics) for every
 *    pair the rules name, and np-guard's netpol-analyzer (k8snetpolicy list) run over the platform
 *    and two tenants of every distinct tenant policy shape, whose every connection must agree with
 *    the evaluator. The analyzer compares all pairs of its input, which grows with the square of
 *    the number of tenants; the evaluator answers each question of the gate directly.
 * 2. Istio AuthorizationPolicies, for mesh identities (mesh-authz.ts).
 *
 * Both must show: no tenant reaches another tenant; a tenant reaches cluster DNS, the central
 * gateway, the OTEL collector and (network layer) external HTTPS; monitoring reaches tenant
 * metrics. Each tenant's NetworkPolicies must also, on their own, admit no other tenant in either
 * direction, so a tenant that opens itself is caught while the other side still blocks it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHART_SERVICE_ACCOUNTS, CHART_SERVICES, KAGENT_CONTROLLER_POD_LABELS } from '../../charts/lib/chart-names';
import {
  CENTRAL_GATEWAY,
  DNS_POD_LABELS,
  gatewayPods,
  ISTIOD_POD_LABELS,
  KAGENT_WAYPOINT,
  LABELS,
  MESH_GATEWAY,
  OTEL_COLLECTOR_POD_LABELS,
  PLATFORM_NAMESPACES,
  PORTS,
  PROMETHEUS_POD_LABELS,
  SANDBOX_POD_LABEL,
  TENANT_OBJECTS,
} from '../../charts/lib/constants';
import { stringify } from 'yaml';
import { requireTool } from '../toolchain/tools';
import { evaluate, istioMatcher, type MeshRequest, ROOT_NAMESPACE } from './mesh-authz';
import { type EnvironmentOutput, type GateResult, type Manifest, type Output, ofKinds, since } from '../kube/manifests';
import {
  type ConnSet,
  connString,
  type Endpoint,
  intersect,
  isEmpty,
  NetpolModel,
  type NetPeer,
  allowsPort,
  sameConns,
} from './netpol-eval';
import { runTool } from '../toolchain/run-tool';

export type { Endpoint } from './netpol-eval';

/** Port of a tenant workload's metrics endpoint in the analysis. */
export const TENANT_METRICS_PORT = 9090;
/** Port of a tenant workload's own API in the analysis. */
export const TENANT_APP_PORT = 8080;
/** Port the mesh gateway's route listener serves (the in-cluster URLs name it). */
export const GATEWAY_PORT = MESH_GATEWAY.port;

const HBONE_PORT = { port: PORTS.hbone, protocol: 'TCP', name: 'hbone' } as const;

/**
 * Platform components in the analysis; labels follow the upstream charts and controllers (a
 * Gateway's pods carry gateway.networking.k8s.io/gateway-name: agentgateway v1.4.1
 * controller/pkg/helm/agentgateway/templates/_helpers.tpl, Istio 1.30 files/waypoint.yaml).
 */
export const PLATFORM_ENDPOINTS = {
  dns: {
    namespace: PLATFORM_NAMESPACES.kubeSystem,
    name: 'coredns',
    labels: DNS_POD_LABELS,
    serviceAccount: 'coredns',
    ports: [
      { port: PORTS.dns, protocol: 'UDP', name: 'dns' },
      { port: PORTS.dns, protocol: 'TCP', name: 'dns-tcp' },
    ],
  },
  /** The mesh gateway: workloads reach their routes through it, tunnelled (HBONE, 15008). */
  gateway: {
    namespace: PLATFORM_NAMESPACES.agentgateway,
    name: MESH_GATEWAY.name,
    labels: gatewayPods(MESH_GATEWAY.name),
    serviceAccount: MESH_GATEWAY.name,
    ports: [{ port: GATEWAY_PORT, protocol: 'TCP', name: 'http' }, HBONE_PORT],
  },
  /** The external gateway: it tunnels to the tenants' waypoints and sandboxes. */
  externalGateway: {
    namespace: PLATFORM_NAMESPACES.agentgateway,
    name: CENTRAL_GATEWAY.name,
    labels: gatewayPods(CENTRAL_GATEWAY.name),
    serviceAccount: CENTRAL_GATEWAY.name,
    ports: [{ port: CENTRAL_GATEWAY.port, protocol: 'TCP', name: 'https' }],
  },
  /** kagent's waypoint: the only way from tenants into kagent-system. */
  kagentWaypoint: {
    namespace: KAGENT_WAYPOINT.namespace,
    name: KAGENT_WAYPOINT.name,
    labels: gatewayPods(KAGENT_WAYPOINT.name),
    serviceAccount: KAGENT_WAYPOINT.name,
    ports: [HBONE_PORT],
  },
  /** kagent's tool server, which can write cluster objects: never reachable from tenants. */
  kagentTools: {
    namespace: PLATFORM_NAMESPACES.kagent,
    name: 'kagent-tools',
    labels: { 'app.kubernetes.io/name': 'tools' },
    serviceAccount: 'kagent-tools',
    ports: [{ port: 8084, protocol: 'TCP', name: 'tools' }, HBONE_PORT],
  },
  otel: {
    namespace: PLATFORM_NAMESPACES.otelCollector,
    name: 'otel-collector',
    labels: OTEL_COLLECTOR_POD_LABELS,
    serviceAccount: 'otel-collector',
    ports: [
      { port: PORTS.otlpGrpc, protocol: 'TCP', name: 'otlp-grpc' },
      { port: PORTS.otlpHttp, protocol: 'TCP', name: 'otlp-http' },
    ],
  },
  monitoring: {
    namespace: PLATFORM_NAMESPACES.monitoring,
    name: 'prometheus',
    labels: PROMETHEUS_POD_LABELS,
    serviceAccount: CHART_SERVICE_ACCOUNTS.prometheus.name,
    ports: [{ port: CHART_SERVICES.prometheus.port, protocol: 'TCP', name: 'web' }],
  },
  istiod: {
    namespace: PLATFORM_NAMESPACES.istio,
    name: 'istiod',
    labels: ISTIOD_POD_LABELS,
    serviceAccount: CHART_SERVICE_ACCOUNTS.istiod.name,
    ports: [{ port: PORTS.istiodXds, protocol: 'TCP', name: 'xds' }],
  },
  kagent: {
    namespace: PLATFORM_NAMESPACES.kagent,
    name: 'kagent-controller',
    labels: KAGENT_CONTROLLER_POD_LABELS,
    serviceAccount: CHART_SERVICE_ACCOUNTS.kagentController.name,
    ports: [{ port: CHART_SERVICES.kagentController.port, protocol: 'TCP', name: 'http' }, HBONE_PORT],
  },
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

/** A tenant's waypoint pod (istiod or agentgateway labels it with the Gateway's name). */
export function waypointEndpoint(namespace: string): Endpoint {
  return {
    namespace,
    name: TENANT_OBJECTS.waypoint,
    labels: gatewayPods(TENANT_OBJECTS.waypoint),
    serviceAccount: TENANT_OBJECTS.waypoint,
    ports: [HBONE_PORT],
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

/**
 * Every namespace of the analysis (the platform's and those of the output) with its labels,
 * including kubernetes.io/metadata.name, which the API server sets and the analyzer needs spelled
 * out.
 */
export function namespaceLabels(env: EnvironmentOutput): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const ns of Object.values(PLATFORM_NAMESPACES)) out.set(ns, { [LABELS.namespaceName]: ns });
  for (const m of ofKinds(env.manifests, 'Namespace'))
    out.set(m.object.metadata.name, {
      ...(m.object.metadata.labels ?? {}),
      [LABELS.namespaceName]: m.object.metadata.name,
    });
  return out;
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
  const namespaces = [...namespaceLabels(env).entries()].sort(([a], [b]) => a.localeCompare(b));
  files.set(
    'namespaces.yaml',
    namespaces
      .map(([name, labels]) => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }))
      .join('---\n'),
  );
  const endpoints: Endpoint[] = [
    ...Object.values(PLATFORM_ENDPOINTS),
    ...tenants.map(tenantEndpoint),
    ...tenants.map(sandboxEndpoint),
    ...tenants.map(waypointEndpoint),
  ];
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
            containers: [
              {
                name: 'main',
                image: 'registry.invalid/representative:1',
                ports: e.ports.map((p) => ({ containerPort: p.port, protocol: p.protocol, name: p.name })),
              },
            ],
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
export type Connection = ConnSet;

/** Parses "All Connections", "TCP 53,UDP 53", "TCP 4317-4318,15008" and the like. */
export function parseConnection(conn: string): Connection {
  if (conn.trim() === 'All Connections') return { all: true, ports: new Map() };
  const ports = new Map<string, [number, number][]>();
  let protocol = '';
  for (const part of conn
    .split(/[,;]/)
    .map((p) => p.trim())
    .filter(Boolean)) {
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
  return c !== undefined && allowsPort(c, protocol, port);
}

/** A public address the external-HTTPS check uses. */
export const PUBLIC_PROBE_IP = '8.8.8.8';

/** One line of netpol-analyzer's JSON connection list. */
export interface ConnEntry {
  src: string;
  dst: string;
  conn: string;
}

const peer = (e: Endpoint) => `${e.namespace}/${e.name}[Pod]`;

/** The evaluator over an environment's NetworkPolicies (all of them, or those of `onlyNamespace`). */
export function netpolModel(env: EnvironmentOutput, onlyNamespace?: string): NetpolModel {
  const policies = ofKinds(env.manifests, 'NetworkPolicy').filter(
    (m) => onlyNamespace === undefined || m.object.metadata?.namespace === onlyNamespace,
  );
  return new NetpolModel(policies, namespaceLabels(env));
}

/**
 * Checks the NetworkPolicies of an environment against the isolation rules, for every tenant:
 * no connection to or from any other tenant (with both sides' policies, then with each tenant's
 * policies on their own), sandbox isolation, and the platform connections each tenant needs.
 * Pure.
 */
export function checkNetwork(
  env: EnvironmentOutput,
  model: NetpolModel = netpolModel(env),
): { errors: string[]; pairs: number } {
  const errors: string[] = [];
  const alone: string[] = [];
  const tenants = tenantNamespaces(env).map(tenantEndpoint);
  const P = PLATFORM_ENDPOINTS;
  let pairs = 0;
  const expect = (src: Endpoint, dst: Endpoint, protocol: string, port: number, what: string) => {
    pairs++;
    if (!allowsPort(model.conns(src, dst), protocol, port))
      errors.push(
        `${env.name}: ${peer(src)} cannot reach ${peer(dst)} on ${protocol} ${port} (${what}); the NetworkPolicies must allow it`,
      );
  };
  const refuse = (src: Endpoint, dst: Endpoint, what: string) => {
    pairs++;
    const c = model.conns(src, dst);
    if (!isEmpty(c))
      errors.push(
        `${env.name}: ${peer(src)} reaches ${peer(dst)} (${connString(c)}; ${what}); the NetworkPolicies must refuse it`,
      );
  };
  // Each tenant's own policies towards every other tenant: the egress of its pod and what its
  // ingress admits. Rule peers are matched against all tenants once (the cache).
  const cache = new Map<string, ReadonlySet<Endpoint>>();
  const own = new Map(tenants.map((t) => [t, model.towardsOthers(t, tenants, cache)]));
  for (const t of tenants) {
    const mine = own.get(t)!;
    // Both sides: t's egress towards o, met by o's ingress from t.
    const reached = [...mine.egress.entries()]
      .map(([o, out]) => [o, intersect(out, own.get(o)!.ingress.get(t) ?? { all: false, ports: new Map() })] as const)
      .filter(([, c]) => !isEmpty(c))
      .sort(([a], [b]) => a.namespace.localeCompare(b.namespace));
    pairs += tenants.length - 1;
    for (const [o, c] of reached) {
      errors.push(
        `${env.name}: tenant ${t.namespace} reaches tenant ${o.namespace} (${peer(t)} => ${peer(o)}: ${connString(c)}); a NetworkPolicy admits traffic between tenants`,
      );
    }
    // A sandbox is reached only through the central gateway, and reaches nothing of its tenant.
    const sandbox = sandboxEndpoint(t.namespace);
    for (const [src, dst] of [
      [sandbox, t],
      [t, sandbox],
    ] as const) {
      pairs++;
      const c = model.conns(src, dst);
      if (!isEmpty(c))
        errors.push(
          `${env.name}: ${peer(src)} reaches ${peer(dst)} (${connString(c)}); sandboxes must be isolated from the rest of their namespace`,
        );
    }
    const waypoint = waypointEndpoint(t.namespace);
    // Meshed traffic: HBONE to the pod it is tunnelled to (Istio 1.30 ztunnel src/proxy/outbound.rs).
    for (const gw of [P.gateway, P.externalGateway]) {
      expect(gw, sandbox, 'TCP', PORTS.hbone, 'sandbox route, tunnelled');
      expect(gw, waypoint, 'TCP', PORTS.hbone, 'a route of the tenant, through its waypoint');
    }
    expect(waypoint, t, 'TCP', PORTS.hbone, 'the waypoint forwards to the pod');
    expect(waypoint, P.istiod, 'TCP', PORTS.istiodXds, "the waypoint's configuration and certificate");
    refuse(t, P.istiod, 'only the waypoint talks to istiod');
    expect(t, P.dns, 'UDP', PORTS.dns, 'cluster DNS');
    expect(t, P.gateway, 'TCP', PORTS.hbone, 'mesh gateway, tunnelled');
    refuse(t, P.externalGateway, 'workloads use the mesh gateway');
    expect(t, P.kagentWaypoint, 'TCP', PORTS.hbone, "kagent's agent API, through its waypoint");
    refuse(t, P.kagent, "kagent's controller only through its waypoint");
    refuse(t, P.kagentTools, "kagent's tool server can write cluster objects");
    expect(t, P.otel, 'TCP', PORTS.otlpGrpc, 'OTEL collector');
    expect(P.monitoring, t, 'TCP', TENANT_METRICS_PORT, 'metrics scraping');
    pairs++;
    if (!allowsPort(model.conns(t, { kind: 'ip', ip: PUBLIC_PROBE_IP }), 'TCP', PORTS.https)) {
      errors.push(
        `${env.name}: ${peer(t)} cannot reach external address ${PUBLIC_PROBE_IP} on TCP ${PORTS.https}; the NetworkPolicies must allow external HTTPS`,
      );
    }
    // t's policies on their own (the other side without policies): neither direction may be allowed.
    pairs += (tenants.length - 1) * 2;
    const opened = new Map<Endpoint, [ConnSet | undefined, ConnSet | undefined]>();
    for (const [o, c] of mine.egress) opened.set(o, [c, undefined]);
    for (const [o, c] of mine.ingress) opened.set(o, [opened.get(o)?.[0], c]);
    for (const o of [...opened.keys()].sort((a, b) => a.namespace.localeCompare(b.namespace))) {
      const [out, into] = opened.get(o)!;
      for (const [src, dst, c] of [
        [t, o, out],
        [o, t, into],
      ] as const) {
        if (c)
          alone.push(
            `${env.name}: the NetworkPolicies of ${t.namespace} allow ${peer(src)} => ${peer(dst)} (${connString(c)}); a tenant's policies must admit no other tenant, in either direction`,
          );
      }
    }
  }
  for (const w of [...model.warnings].sort()) errors.push(`${env.name}: ${w}`);
  return { errors: [...errors, ...alone], pairs };
}

/**
 * Groups tenant namespaces by the shape of their NetworkPolicies and namespace labels: the
 * objects with every string equal to the namespace's own name or its tenant name replaced by a
 * placeholder. Tenants of one shape differ only by those names. Pure.
 */
export function policyShapes(env: EnvironmentOutput): string[][] {
  const byNs = new Map<string, Manifest[]>();
  for (const m of ofKinds(env.manifests, 'NetworkPolicy')) {
    const ns = m.object.metadata?.namespace;
    if (!byNs.has(ns)) byNs.set(ns, []);
    byNs.get(ns)!.push(m);
  }
  const labels = namespaceLabels(env);
  const shapes = new Map<string, string[]>();
  for (const ns of tenantNamespaces(env)) {
    const tenant = labels.get(ns)?.[LABELS.tenantName];
    const policies = (byNs.get(ns) ?? [])
      .map((m) => m.object)
      .sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
    // A JSON string token equal to the quoted name is a key or value equal to the name.
    let key = JSON.stringify({ labels: labels.get(ns), policies })
      .split(JSON.stringify(ns))
      .join('"\u0000namespace"');
    if (tenant) key = key.split(JSON.stringify(tenant)).join('"\u0000tenant"');
    if (!shapes.has(key)) shapes.set(key, []);
    shapes.get(key)!.push(ns);
  }
  return [...shapes.values()];
}

/**
 * The environment cut down to the platform and two tenants of every policy shape (all tenants
 * when there are few): the input on which the analyzer checks the evaluator.
 */
export function oracleEnvironment(env: EnvironmentOutput): EnvironmentOutput {
  const keep = new Set(policyShapes(env).flatMap((ns) => ns.slice(0, 2)));
  const all = new Set(tenantNamespaces(env));
  const inTenant = (m: Manifest) =>
    (m.object.kind === 'Namespace' ? m.object.metadata?.name : m.object.metadata?.namespace) as string | undefined;
  const manifests = env.manifests.filter((m) => {
    if (m.object.kind !== 'Namespace' && m.object.kind !== 'NetworkPolicy') return false;
    const ns = inTenant(m);
    return ns === undefined || !all.has(ns) || keep.has(ns);
  });
  return { ...env, manifests, files: [] };
}

/**
 * Compares netpol-analyzer's connection list over `env` (all its pods) with the evaluator's
 * answers: every pair of pods, and every address range the analyzer lists. Pure.
 */
export function compareWithAnalyzer(
  env: EnvironmentOutput,
  model: NetpolModel,
  entries: readonly ConnEntry[],
  what: string,
): string[] {
  const errors: string[] = [];
  const tenants = tenantNamespaces(env);
  const pods = [
    ...Object.values(PLATFORM_ENDPOINTS),
    ...tenants.map(tenantEndpoint),
    ...tenants.map(sandboxEndpoint),
    ...tenants.map(waypointEndpoint),
  ];
  const byName = new Map<string, Endpoint>(pods.map((p) => [peer(p), p]));
  const listed = new Map<string, string>();
  const side = (s: string): Endpoint | NetPeer | undefined => {
    if (byName.has(s)) return byName.get(s);
    const range = /^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)$/.exec(s);
    return range ? { kind: 'ip', ip: range[1] } : undefined;
  };
  const differ = (src: string, dst: string, analyzer: string, evaluator: ConnSet) =>
    errors.push(
      `${env.name}: netpol-analyzer and the isolation evaluator disagree on ${src} => ${dst} (${what}): analyzer ${analyzer}, evaluator ${connString(evaluator)}; the gate cannot trust its NetworkPolicy verdicts`,
    );
  for (const e of entries) {
    const src = side(e.src);
    const dst = side(e.dst);
    if (!src || !dst) {
      errors.push(
        `${env.name}: netpol-analyzer lists ${e.src} => ${e.dst} (${what}), a peer the isolation evaluator does not know`,
      );
      continue;
    }
    listed.set(`${e.src} => ${e.dst}`, e.conn);
    const mine = model.conns(src, dst);
    if (!sameConns(parseConnection(e.conn), mine)) differ(e.src, e.dst, e.conn, mine);
  }
  for (const s of pods) {
    for (const d of pods) {
      if (s === d || listed.has(`${peer(s)} => ${peer(d)}`)) continue;
      const mine = model.conns(s, d);
      if (!isEmpty(mine)) differ(peer(s), peer(d), 'No Connections', mine);
    }
  }
  return errors;
}

/** Checks the AuthorizationPolicies of an environment for mesh identities. Pure. */
export function checkMesh(env: EnvironmentOutput): { errors: string[]; pairs: number } {
  const policies = ofKinds(env.manifests, 'AuthorizationPolicy');
  const byNs = new Map<string, Manifest[]>();
  for (const p of policies) {
    const ns = p.object.metadata?.namespace;
    if (!byNs.has(ns)) byNs.set(ns, []);
    byNs.get(ns)!.push(p);
  }
  // evaluate() keeps only the policies of the destination's namespace and the root namespace.
  const applicableByNs = new Map<string, Manifest[]>();
  const applicable = (ns: string): Manifest[] => {
    let list = applicableByNs.get(ns);
    if (!list) {
      list =
        ns === ROOT_NAMESPACE ? (byNs.get(ns) ?? []) : [...(byNs.get(ns) ?? []), ...(byNs.get(ROOT_NAMESPACE) ?? [])];
      applicableByNs.set(ns, list);
    }
    return list;
  };
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
  const errors: string[] = [];
  const check = (src: Endpoint, dst: Endpoint, port: number, want: 'allowed' | 'denied', what: string) => {
    pairs++;
    const v = evaluate(applicable(dst.namespace), request(src, dst, port));
    if (v.verdict !== want)
      errors.push(
        `${env.name}: mesh identity ${principal(src)} → ${dst.namespace}/${dst.name} port ${port} (${what}) is ${v.verdict}, expected ${want}: ${v.reason}`,
      );
  };
  // Another tenant's identity must be denied, for every pair. The policies see a source only
  // through its principal and namespace matched against their patterns, so sources that match
  // the same patterns get the same verdict: one is evaluated for each such group, and every
  // member of a group that fails is evaluated on its own for its message.
  const patternHits = new Map<string, ReadonlySet<Endpoint>>();
  const principals = tenants.map(principal);
  const hits = (pattern: string, byPrincipal: boolean) => {
    const key = `${byPrincipal ? 'p' : 'n'}\u0000${pattern}`;
    let set = patternHits.get(key);
    if (!set) {
      const matches = istioMatcher(pattern);
      set = new Set(tenants.filter((t, i) => matches(byPrincipal ? principals[i] : t.namespace)));
      patternHits.set(key, set);
    }
    return set;
  };
  const crossFailures = new Map<Endpoint, Map<Endpoint, string[]>>();
  for (const dst of tenants) {
    const patterns: [string, boolean][] = [];
    for (const p of applicable(dst.namespace)) {
      for (const rule of (p.object.spec?.rules ?? []) as any[]) {
        for (const f of (rule?.from ?? []) as any[]) {
          const source = f?.source ?? {};
          for (const k of ['principals', 'notPrincipals', 'namespaces', 'notNamespaces']) {
            if (Array.isArray(source[k]))
              for (const pat of source[k]) patterns.push([String(pat), k.endsWith('rincipals')]);
          }
        }
      }
    }
    const keyOf = new Map<Endpoint, string>();
    patterns.forEach(([pat, byPrincipal], i) => {
      for (const t of hits(pat, byPrincipal)) keyOf.set(t, `${keyOf.get(t) ?? ''},${i}`);
    });
    const groups = new Map<string, Endpoint[]>();
    for (const src of tenants) {
      if (src === dst) continue;
      const k = keyOf.get(src) ?? '';
      const group = groups.get(k);
      if (group) group.push(src);
      else groups.set(k, [src]);
    }
    for (const port of [TENANT_APP_PORT, TENANT_METRICS_PORT]) {
      for (const members of groups.values()) {
        pairs += members.length;
        if (evaluate(applicable(dst.namespace), request(members[0], dst, port)).verdict === 'denied') continue;
        for (const src of members) {
          const v = evaluate(applicable(dst.namespace), request(src, dst, port));
          if (v.verdict === 'denied') continue;
          const bySrc = crossFailures.get(src) ?? new Map<Endpoint, string[]>();
          crossFailures.set(src, bySrc);
          bySrc.set(dst, [
            ...(bySrc.get(dst) ?? []),
            `${env.name}: mesh identity ${principal(src)} → ${dst.namespace}/${dst.name} port ${port} (another tenant) is ${v.verdict}, expected denied: ${v.reason}`,
          ]);
        }
      }
    }
  }
  check(P.kagentWaypoint, P.kagent, 8083, 'allowed', "kagent's waypoint forwards to the controller");
  for (const t of tenants) {
    const bySrc = crossFailures.get(t);
    if (bySrc) for (const dst of tenants) errors.push(...(bySrc.get(dst) ?? []));
    check(t, t, TENANT_APP_PORT, 'allowed', 'same tenant');
    check(t, P.gateway, GATEWAY_PORT, 'allowed', 'mesh gateway');
    check(t, P.otel, PORTS.otlpGrpc, 'allowed', 'OTEL collector');
    check(P.monitoring, t, TENANT_METRICS_PORT, 'allowed', 'metrics scraping');
    // kagent-system admits only its own identities (its waypoint among them) and Prometheus's.
    check(t, P.kagent, 8083, 'denied', "kagent's controller, addressed directly");
    check(t, P.kagentTools, 8084, 'denied', "kagent's tool server, addressed directly");
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
      throw new Error(
        `netpol-analyzer (${env.name}${onlyNamespace ? `, policies of ${onlyNamespace}` : ''}) exited with ${res.code}: ${(complaints.join('; ') || res.stderr).trim()}`,
      );
    }
    const parsed = JSON.parse(res.stdout) as ConnEntry[] | { connlist_results?: ConnEntry[] };
    return Array.isArray(parsed) ? parsed : (parsed.connlist_results ?? []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs netpol-analyzer on the oracle environment (all policies, then each kept tenant's policies
 * on their own) and compares each run with the evaluator.
 */
export async function crossCheck(env: EnvironmentOutput): Promise<{ errors: string[]; runs: number; tenants: number }> {
  const oracle = oracleEnvironment(env);
  const errors = compareWithAnalyzer(oracle, netpolModel(oracle), await analyze(oracle), 'all policies');
  const kept = tenantNamespaces(oracle);
  for (const ns of kept)
    errors.push(
      ...compareWithAnalyzer(oracle, netpolModel(oracle, ns), await analyze(oracle, ns), `policies of ${ns} alone`),
    );
  return { errors, runs: 1 + kept.length, tenants: kept.length };
}

/** Runs the isolation gate over every environment. */
export async function isolationGate(output: Output): Promise<GateResult> {
  const started = Date.now();
  const errors: string[] = [];
  let netpols = 0;
  let authz = 0;
  let pairs = 0;
  const oracle: string[] = [];
  for (const env of output.environments) {
    netpols += ofKinds(env.manifests, 'NetworkPolicy').length;
    authz += ofKinds(env.manifests, 'AuthorizationPolicy').length;
    const network = checkNetwork(env);
    errors.push(...network.errors);
    pairs += network.pairs;
    const mesh = checkMesh(env);
    errors.push(...mesh.errors);
    pairs += mesh.pairs;
    const cross = await crossCheck(env);
    errors.push(...cross.errors);
    oracle.push(`${env.name}: ${cross.tenants} of ${tenantNamespaces(env).length} tenants, ${cross.runs} runs`);
  }
  return {
    gate: 'isolation',
    checked: netpols + authz,
    unit: 'NetworkPolicies and AuthorizationPolicies',
    errors,
    ms: since(started),
    notes: [
      `${netpols} NetworkPolicies, ${authz} AuthorizationPolicies (mesh identities), ${pairs} source/destination checks; netpol-analyzer compared with the evaluator on every tenant policy shape (${oracle.join(', ')})`,
    ],
  };
}
