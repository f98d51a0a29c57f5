/**
 * What would run in an environment, read from its compiled output: every tenant workload's pods
 * (labels and service account as the controller that creates them sets them), the Services in
 * front of them and the waypoint that serves them, and the platform's Services and pods a tenant
 * could address. The flow matrix (matrix.ts) asks its questions about these. Pure.
 *
 * Pods the controllers create, at the pinned releases:
 * - kagent v0.9.12 Agent: pod labels `app: kagent`, `kagent: <name>` plus the deployment's labels;
 *   service account the deployment's, else one named after the agent; Service `<name>` on 8080
 *   (go/core/internal/controller/translator/agent/manifest_builder.go newManifestContext,
 *   podLabels; deployments.go).
 * - kmcp v0.3.0 MCPServer: pod labels `app.kubernetes.io/{name,instance}: <name>`,
 *   `app.kubernetes.io/managed-by: kmcp` plus the deployment's labels; service account the
 *   deployment's, else `<name>`; Service `<name>` on the deployment's port
 *   (pkg/controller/transportadapter/transportadapter_translator.go).
 * - agent-sandbox v0.5.6 Sandbox: the pod template's labels plus
 *   `agents.x-k8s.io/sandbox-name-hash` (controllers/sandbox_controller.go); service account the
 *   template's, else `default`. A SandboxTemplate's pods (made for claims at run time) carry its
 *   template's labels.
 * - A tenant's sandbox router: the Deployment the compiler writes, its pod template's labels and
 *   service account.
 */
import { CHART_SERVICES, GRAFANA_POD_LABELS, LANGFUSE_WEB_POD_LABELS, RELEASES } from '../../charts/lib/chart-names';
import {
  ANNOTATIONS,
  KAGENT_AGENT_SERVICE,
  LABELS,
  OBSERVABILITY,
  PLATFORM_NAMESPACES,
  PORTS,
  SANDBOX_ROUTER,
  TENANT_OBJECTS,
} from '../../charts/lib/constants';
import { GRAFANA_POD_PORT } from '../../charts/platform/components/monitoring';
import { METRICS_PROXY_POD_LABELS } from '../../charts/platform/constructs/tenant-metrics-proxy';
import { type Endpoint, namespaceLabels, PLATFORM_ENDPOINTS, waypointEndpoint } from '../gates/isolation';
import type { EnvironmentOutput } from '../kube/manifests';
import { selectorMatches } from '../gates/netpol-eval';

/** A Kubernetes object as parsed from the output. */
export type K8sObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A waypoint: the Gateway in front of a namespace's Services, and its pod. */
export interface Waypoint {
  readonly namespace: string;
  readonly name: string;
  readonly endpoint: Endpoint;
}

/** A Service a caller can address, the pod behind it and the waypoint in front of it. */
export interface ServiceTarget {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
  /** The pod the Service sends to (a representative one). */
  readonly endpoint: Endpoint;
  /** The waypoint serving it (istio.io/use-waypoint), if any. */
  readonly waypoint?: Waypoint;
  /** Whether gateways send to it through its waypoint (istio.io/ingress-use-waypoint). */
  readonly ingressUsesWaypoint: boolean;
  /** What it is, for messages: `Agent triage`, `MCPServer kb`, `Service sandbox-python`. */
  readonly what: string;
}

/** A tenant workload: the pods of one Agent, MCPServer, Sandbox or SandboxTemplate. */
export interface Workload {
  readonly tenant: string;
  readonly namespace: string;
  readonly kind: 'Agent' | 'MCPServer' | 'Sandbox' | 'SandboxTemplate' | 'SandboxRouter';
  readonly name: string;
  readonly endpoint: Endpoint;
  /**
   * Sandboxes run code nobody reviewed: they reach nothing of their tenant. The sandbox router
   * counts as one: it reaches only its tenant's claims, on the requests of the gateways.
   */
  readonly sandbox: boolean;
}

/** A tenant namespace of the output and what runs in it. */
export interface TenantView {
  readonly tenant: string;
  readonly namespace: string;
  /** The first segment of its route paths: its alias, else its namespace. */
  readonly segment: string;
  readonly workloads: readonly Workload[];
  readonly services: readonly ServiceTarget[];
  readonly waypoint?: Waypoint;
  /** ModelConfigs: name and the URL the agents send model requests to. */
  readonly models: readonly { readonly name: string; readonly url: string }[];
  /** ModelConfig name → its provider (Anthropic, OpenAI). */
  readonly providers: ReadonlyMap<string, string>;
}

/** A platform Service, or any pod of a platform namespace, that a tenant pod could address. */
export interface PlatformTarget extends ServiceTarget {
  readonly key: string;
  /** HTTP requests to try at a waypoint in front of it: what the platform lets tenants ask, and what not. */
  readonly requests?: readonly { readonly path: string; readonly method: string; readonly allowed: boolean }[];
}

/** Everything the matrix evaluates for one environment. */
export interface FlowInventory {
  readonly tenants: readonly TenantView[];
  readonly platform: readonly PlatformTarget[];
  /** Namespace → labels (kubernetes.io/metadata.name included). */
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The namespaced objects of the output, by namespace. */
  readonly objectsByNamespace: ReadonlyMap<string, readonly K8sObject[]>;
  readonly observability: ObservabilityView;
}

/** The pods that carry tenants' traces and metrics and give people access to them. */
export interface ObservabilityView {
  /** Each tenant's metrics proxy (prom-label-proxy): its Service and pods in monitoring. */
  readonly proxies: readonly { readonly tenant: string; readonly service: ServiceTarget }[];
  readonly grafana?: Endpoint;
  readonly langfuseWeb?: Endpoint;
  readonly keycloak?: Endpoint;
  /** The access sync CronJobs' pods and the application each one manages. */
  readonly accessSyncs: readonly { readonly endpoint: Endpoint; readonly application: Endpoint }[];
}

const sandboxHash = 'agents.x-k8s.io/sandbox-name-hash';

/** The waypoint of a Service: its own label, else its namespace's; `none` turns it off. One object per waypoint (in `waypoints`), so that every Service it serves names the same pod. */
function waypointOf(
  waypoints: Map<string, Waypoint>,
  namespace: string,
  nsLabels: Readonly<Record<string, string>>,
  svcLabels: Readonly<Record<string, string>>,
): Waypoint | undefined {
  const name = svcLabels[LABELS.useWaypoint] ?? nsLabels[LABELS.useWaypoint];
  if (!name || name === 'none') return undefined;
  const key = `${namespace}/${name}`;
  let wp = waypoints.get(key);
  if (!wp) {
    const endpoint =
      name === TENANT_OBJECTS.waypoint
        ? waypointEndpoint(namespace)
        : { ...waypointEndpoint(namespace), name, labels: { [LABELS.gatewayName]: name }, serviceAccount: name };
    wp = { namespace, name, endpoint };
    waypoints.set(key, wp);
  }
  return wp;
}

const ingressUses = (nsLabels: Readonly<Record<string, string>>, svcLabels: Readonly<Record<string, string>>) =>
  (svcLabels[LABELS.ingressUseWaypoint] ?? nsLabels[LABELS.ingressUseWaypoint]) === 'true';

/** The pods of one workload object of a tenant namespace, or undefined for kinds that run none. */
function workloadOf(tenant: string, o: K8sObject): Workload | undefined {
  const namespace = o.metadata.namespace as string;
  const name = o.metadata.name as string;
  const base = { tenant, namespace, name };
  const ports = (port: number) => [{ port, protocol: 'TCP' as const, name: 'http' }];
  if (o.kind === 'Agent') {
    const dep = o.spec?.declarative?.deployment ?? o.spec?.byo?.deployment ?? {};
    const labels = { app: 'kagent', kagent: name, ...(dep.labels ?? {}) };
    return {
      ...base,
      kind: 'Agent',
      sandbox: false,
      endpoint: {
        namespace,
        name,
        labels,
        serviceAccount: dep.serviceAccountName ?? name,
        ports: ports(KAGENT_AGENT_SERVICE.port),
      },
    };
  }
  if (o.kind === 'MCPServer') {
    const dep = o.spec?.deployment ?? {};
    const labels = {
      'app.kubernetes.io/name': name,
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/managed-by': 'kmcp',
      ...(dep.labels ?? {}),
    };
    return {
      ...base,
      kind: 'MCPServer',
      sandbox: false,
      endpoint: {
        namespace,
        name,
        labels,
        serviceAccount: dep.serviceAccountName ?? name,
        ports: ports(Number(dep.port ?? 3000)),
      },
    };
  }
  if (o.kind === 'Sandbox' || o.kind === 'SandboxTemplate') {
    const template = o.spec?.podTemplate ?? {};
    const labels: Record<string, string> = {
      ...(template.metadata?.labels ?? {}),
      ...(o.kind === 'Sandbox' ? { [sandboxHash]: name } : {}),
    };
    const containerPorts = ((template.spec?.containers ?? []) as K8sObject[]).flatMap(
      (c) => (c.ports ?? []) as K8sObject[],
    );
    return {
      ...base,
      kind: o.kind,
      sandbox: true,
      endpoint: {
        namespace,
        name: o.kind === 'Sandbox' ? name : `${name}-claim`,
        labels,
        serviceAccount: template.spec?.serviceAccountName ?? 'default',
        ports: containerPorts.map((p) => ({
          port: Number(p.containerPort),
          protocol: (p.protocol ?? 'TCP') as 'TCP',
          name: p.name ?? 'http',
        })),
      },
    };
  }
  const routerLabel = Object.entries(SANDBOX_ROUTER.podLabels)[0];
  if (o.kind === 'Deployment' && o.spec?.template?.metadata?.labels?.[routerLabel[0]] === routerLabel[1]) {
    const pod = o.spec.template;
    return {
      ...base,
      kind: 'SandboxRouter',
      sandbox: true,
      endpoint: {
        namespace,
        name,
        labels: { ...(pod.metadata?.labels ?? {}) },
        serviceAccount: pod.spec?.serviceAccountName ?? 'default',
        ports: ports(SANDBOX_ROUTER.port),
      },
    };
  }
  return undefined;
}

/** The namespace each platform release is installed in, from the Argo CD Applications of the output. */
function releaseNamespaces(objects: readonly K8sObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of objects.filter((o) => o.kind === 'Application')) {
    for (const src of [a.spec?.source, ...((a.spec?.sources ?? []) as K8sObject[])]) {
      const release = src?.helm?.releaseName;
      if (release && a.spec?.destination?.namespace) out.set(release, a.spec.destination.namespace);
    }
  }
  return out;
}

/** The tenants, their workloads and Services, and the platform targets of one environment. */
export function inventory(env: EnvironmentOutput): FlowInventory {
  const objects = env.manifests.map((m) => m.object);
  const namespaces = namespaceLabels(env);
  const byNamespace = new Map<string, K8sObject[]>();
  for (const o of objects) {
    const ns = o.metadata?.namespace;
    if (typeof ns !== 'string') continue;
    const list = byNamespace.get(ns);
    if (list) list.push(o);
    else byNamespace.set(ns, [o]);
  }
  const tenants: TenantView[] = [];
  const waypoints = new Map<string, Waypoint>();
  for (const [namespace, labels] of [...namespaces]
    .filter(([, l]) => l[LABELS.tenant] === 'true')
    .sort(([a], [b]) => a.localeCompare(b))) {
    const tenant = labels[LABELS.tenantName] ?? namespace;
    const own = byNamespace.get(namespace) ?? [];
    const workloads = own.map((o) => workloadOf(tenant, o)).filter((w): w is Workload => w !== undefined);
    const services: ServiceTarget[] = [];
    const service = (name: string, port: number, endpoint: Endpoint, svcLabels: Record<string, string>, what: string) =>
      services.push({
        namespace,
        name,
        port,
        endpoint,
        waypoint: waypointOf(waypoints, namespace, labels, svcLabels),
        ingressUsesWaypoint: ingressUses(labels, svcLabels),
        what,
      });
    // The Services the controllers create: kagent for each Agent, kmcp for each MCPServer.
    for (const w of workloads) {
      if (w.kind === 'Agent' || w.kind === 'MCPServer')
        service(w.name, w.endpoint.ports[0].port, w.endpoint, {}, `${w.kind} ${w.name}`);
    }
    // The Services the output declares, with the workload their selector picks.
    for (const s of own.filter((o) => o.kind === 'Service')) {
      const backing = workloads.find(
        (w) =>
          Object.keys(s.spec?.selector ?? {}).length > 0 &&
          selectorMatches({ matchLabels: s.spec.selector }, w.endpoint.labels),
      );
      if (!backing) continue;
      service(
        s.metadata.name,
        Number(s.spec?.ports?.[0]?.port ?? backing.endpoint.ports[0]?.port),
        backing.endpoint,
        s.metadata.labels ?? {},
        `Service ${s.metadata.name}`,
      );
    }
    const models = own
      .filter((o) => o.kind === 'ModelConfig')
      .map((o) => ({
        name: o.metadata.name as string,
        url: String(o.spec?.anthropic?.baseUrl ?? o.spec?.openAI?.baseUrl ?? ''),
      }));
    const providers = new Map(
      own
        .filter((o) => o.kind === 'ModelConfig')
        .map((o) => [o.metadata.name as string, String(o.spec?.provider ?? '')]),
    );
    const segment =
      (byNamespace.get(namespace) ?? []).find((o) => o.kind === 'Namespace')?.metadata?.annotations?.[
        ANNOTATIONS.routeSegment
      ] ?? namespace;
    tenants.push({
      tenant,
      namespace,
      segment,
      workloads,
      services,
      waypoint: waypointOf(waypoints, namespace, labels, {}),
      models,
      providers,
    });
  }
  return {
    tenants,
    platform: platformTargets(objects, namespaces, waypoints),
    namespaces,
    objectsByNamespace: byNamespace,
    observability: observabilityView(objects, byNamespace, namespaces, waypoints),
  };
}

/**
 * The observability pods of the output: the metrics proxies (Deployments in monitoring with the
 * proxy's pod labels and a tenant label), Grafana and Langfuse's web pods (where their Applications
 * install them, with the labels their charts give them), Keycloak, and the access sync CronJobs.
 */
function observabilityView(
  objects: readonly K8sObject[],
  byNamespace: ReadonlyMap<string, readonly K8sObject[]>,
  namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>,
  waypoints: Map<string, Waypoint>,
): ObservabilityView {
  const releases = releaseNamespaces(objects);
  const http = (port: number) => [{ port, protocol: 'TCP' as const, name: 'http' }];
  const at = (
    release: string,
    name: string,
    labels: Readonly<Record<string, string>>,
    port: number,
  ): Endpoint | undefined => {
    const namespace = releases.get(release);
    return namespace ? { namespace, name, labels, serviceAccount: name, ports: http(port) } : undefined;
  };
  const grafana = at(CHART_SERVICES.grafana.release, CHART_SERVICES.grafana.name, GRAFANA_POD_LABELS, GRAFANA_POD_PORT);
  const langfuseWeb = at(
    CHART_SERVICES.langfuseWeb.release,
    CHART_SERVICES.langfuseWeb.name,
    LANGFUSE_WEB_POD_LABELS,
    CHART_SERVICES.langfuseWeb.podPort ?? CHART_SERVICES.langfuseWeb.port,
  );
  const keycloak = at(
    CHART_SERVICES.keycloak.release,
    CHART_SERVICES.keycloak.name,
    {},
    CHART_SERVICES.keycloak.podPort ?? CHART_SERVICES.keycloak.port,
  );
  const monitoring = PLATFORM_NAMESPACES.monitoring;
  const nsLabels = namespaces.get(monitoring) ?? { [LABELS.namespaceName]: monitoring };
  const proxies: ObservabilityView['proxies'][number][] = [];
  for (const d of (byNamespace.get(monitoring) ?? []).filter((o) => o.kind === 'Deployment')) {
    const labels = (d.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
    const tenant = labels[OBSERVABILITY.accessTenantLabel];
    if (!tenant || !selectorMatches({ matchLabels: METRICS_PROXY_POD_LABELS }, labels)) continue;
    const svc = (byNamespace.get(monitoring) ?? []).find(
      (o) =>
        o.kind === 'Service' &&
        Object.keys(o.spec?.selector ?? {}).length > 0 &&
        selectorMatches({ matchLabels: o.spec.selector }, labels),
    );
    if (!svc) continue;
    const port = Number(
      d.spec.template.spec?.containers?.[0]?.ports?.[0]?.containerPort ?? svc.spec.ports?.[0]?.targetPort,
    );
    const endpoint: Endpoint = {
      namespace: monitoring,
      name: d.metadata.name,
      labels,
      serviceAccount: d.spec.template.spec?.serviceAccountName ?? 'default',
      ports: http(port),
    };
    proxies.push({
      tenant,
      service: {
        namespace: monitoring,
        name: svc.metadata.name,
        port: Number(svc.spec.ports?.[0]?.port),
        endpoint,
        waypoint: waypointOf(waypoints, monitoring, nsLabels, svc.metadata.labels ?? {}),
        ingressUsesWaypoint: ingressUses(nsLabels, svc.metadata.labels ?? {}),
        what: `${monitoring}/${svc.metadata.name} (${tenant}'s metrics proxy)`,
      },
    });
  }
  const accessSyncs: { endpoint: Endpoint; application: Endpoint }[] = [];
  for (const c of objects.filter((o) => o.kind === 'CronJob')) {
    const labels = (c.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
    const application =
      labels[OBSERVABILITY.accessSyncPodLabel] === 'grafana'
        ? grafana
        : labels[OBSERVABILITY.accessSyncPodLabel] === 'langfuse'
          ? langfuseWeb
          : undefined;
    if (!application) continue;
    const spec = c.spec.jobTemplate.spec.template.spec ?? {};
    accessSyncs.push({
      endpoint: {
        namespace: c.metadata.namespace,
        name: c.metadata.name,
        labels,
        serviceAccount: spec.serviceAccountName ?? 'default',
        ports: http(8080),
      },
      application,
    });
  }
  return {
    proxies: proxies.sort((a, b) => a.tenant.localeCompare(b.tenant)),
    ...(grafana ? { grafana } : {}),
    ...(langfuseWeb ? { langfuseWeb } : {}),
    ...(keycloak ? { keycloak } : {}),
    accessSyncs: accessSyncs.sort((a, b) => a.endpoint.name.localeCompare(b.endpoint.name)),
  };
}

/** The kagent controller's API paths an agent needs, and some it must not reach (kagent v0.9.12 go/core/internal/httpserver/server.go). */
const KAGENT_REQUESTS = [
  { path: '/api/sessions', method: 'GET', allowed: true },
  { path: '/api/sessions/s-1', method: 'POST', allowed: true },
  { path: '/api/tasks/t-1', method: 'GET', allowed: true },
  { path: '/api/memories/m-1', method: 'DELETE', allowed: true },
  { path: '/api/a2a/tenant-other/agent', method: 'POST', allowed: false },
  { path: '/api/agents', method: 'POST', allowed: false },
  { path: '/mcp', method: 'POST', allowed: false },
] as const;

function platformTargets(
  objects: readonly K8sObject[],
  namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>,
  waypoints: Map<string, Waypoint>,
): PlatformTarget[] {
  const out: PlatformTarget[] = [];
  const nsLabels = (ns: string) => namespaces.get(ns) ?? { [LABELS.namespaceName]: ns };
  const add = (key: string, name: string, port: number, endpoint: Endpoint, requests?: PlatformTarget['requests']) =>
    out.push({
      key,
      namespace: endpoint.namespace,
      name,
      port,
      endpoint,
      waypoint: waypointOf(waypoints, endpoint.namespace, nsLabels(endpoint.namespace), {}),
      ingressUsesWaypoint: ingressUses(nsLabels(endpoint.namespace), {}),
      what: `${endpoint.namespace}/${name}:${port}`,
      ...(requests ? { requests } : {}),
    });
  const P = PLATFORM_ENDPOINTS;
  // The platform's own pods, with the labels the upstream charts and controllers give them.
  for (const [key, e] of Object.entries(P)) {
    // kagent's waypoint is a hop on the way to kagent's Services, not a target of its own.
    if (key === 'kagentWaypoint') continue;
    if (key === 'kagent') {
      add(key, CHART_SERVICES.kagentController.name, CHART_SERVICES.kagentController.port, e, KAGENT_REQUESTS);
      continue;
    }
    add(key, e.name, e.ports[0].port, e);
  }
  // The other chart Services the platform names, in the namespace their Application installs them to.
  const releases = releaseNamespaces(objects);
  const named = new Set(Object.values(P).map((e) => `${e.namespace}/${e.name}`));
  for (const [key, svc] of Object.entries(CHART_SERVICES)) {
    const ns = releases.get(svc.release) ?? (svc.release === RELEASES.istiod ? PLATFORM_NAMESPACES.istio : undefined);
    // Skipped when one of the platform's pods above already stands for it (same namespace and port).
    const covered = Object.values(P).some((e) => e.namespace === ns && e.ports.some((p) => p.port === svc.port));
    if (!ns || named.has(`${ns}/${svc.name}`) || key === 'kagentController' || covered) continue;
    named.add(`${ns}/${svc.name}`);
    const podPort = 'podPort' in svc && svc.podPort ? svc.podPort : svc.port;
    add(key, svc.name, svc.port, {
      namespace: ns,
      name: svc.name,
      labels: {},
      serviceAccount: svc.name,
      ports: [{ port: podPort, protocol: 'TCP', name: 'http' }],
    });
  }
  // Any other pod of every platform namespace: what a rule naming a whole namespace would open.
  for (const ns of [...new Set([...Object.values(PLATFORM_NAMESPACES), ...releases.values()])].sort()) {
    if ([...namespaces].some(([n, l]) => n === ns && l[LABELS.tenant] === 'true')) continue;
    add(`any-pod:${ns}`, 'any-pod', 8080, {
      namespace: ns,
      name: 'any-pod',
      labels: {},
      serviceAccount: 'default',
      ports: [
        { port: 8080, protocol: 'TCP', name: 'http' },
        { port: PORTS.hbone, protocol: 'TCP', name: 'hbone' },
      ],
    });
  }
  return out;
}
