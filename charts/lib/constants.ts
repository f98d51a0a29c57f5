/**
 * Every directory name, label key and fixed object name the generators use. Nothing else in
 * the code base spells these strings; change them here.
 */
import { CHART_SERVICES } from './chart-names';

/** Labels of chart-created pods the NetworkPolicies select (charts/lib/chart-names.ts). */
export { ISTIOD_POD_LABELS, PROMETHEUS_POD_LABELS } from './chart-names';

/** Output directories, relative to the repository root. */
export const DIRS = {
  dist: 'dist',
  argocd: 'argocd',
  /** Under dist/<env>/. */
  tenants: 'tenants',
  /** Under dist/<env>/. */
  platform: 'platform',
  /** Under dist/<env>/tenants/<tenant>/: what the tenant declares (agents, models, ...). */
  workloads: 'workloads',
  /** Under dist/<env>/platform/: the Kyverno ClusterPolicies. */
  policies: 'policies',
  /** Under argocd/<env>/. */
  bootstrap: 'bootstrap',
  /** Under argocd/<env>/. */
  projects: 'projects',
  /** Under argocd/<env>/. */
  applicationSets: 'applicationsets',
  /** Under argocd/<env>/: one Application per platform component. */
  platformApplications: 'platform',
  /** Per-environment configuration files (charts/environments/<env>.yaml). */
  environments: 'charts/environments',
  /** JSON Schema for tenants.yaml. */
  tenantsSchema: 'charts/schemas/tenants.schema.json',
  /** Non-secret outputs of cluster/terraform per environment (cluster/outputs/<env>.json). */
  infraOutputs: 'cluster/outputs',
  /** Terraform root module of the AWS data services. */
  terraform: 'cluster/terraform',
  /** Under dist/<env>/platform/: the default StorageClass. */
  storage: 'storage',
} as const;

/** Prefix of every AWS name the platform creates: Secrets Manager entries are <prefix>/<env>/<name>. */
export const SECRET_NAME_PREFIX = 'agentic-platform';

/** The route table of an environment: dist/<env>/routes.md and routes.json. */
export const ROUTE_TABLE = 'routes';

/** The generated architecture page of an environment: dist/<env>/architecture.md. */
export const ARCHITECTURE_PAGE = 'architecture.md';

/** The tenant registry, relative to the repository root. */
export const TENANTS_FILE = 'tenants.yaml';

const P = 'platform.agentic.io';

/** Label and annotation keys. */
export const LABELS = {
  /** "true" on every tenant namespace (tenant-scheduling policy selects on it). */
  tenant: `${P}/tenant`,
  /** The tenant's name, on every object that belongs to a tenant. */
  tenantName: `${P}/tenant-name`,
  /** The platform component an object belongs to. */
  component: `${P}/component`,
  /** "true" where agentgateway discovers Gateways and routes. */
  gatewayDiscovery: `${P}/gateway-discovery`,
  /** On routes the auto-expose policy generates: the name of that policy. */
  exposedBy: `${P}/exposed-by`,
  /**
   * "http" on pods that terminate HBONE themselves: meshed clients then tunnel to them directly
   * and they see each caller's SPIFFE identity (Istio 1.30 pilot/pkg/model/service.go TunnelHTTP).
   */
  tunnel: 'networking.istio.io/tunnel',
  /**
   * "true" on a namespace (other than a tenant's) whose annotated Agents and AgentgatewayBackends
   * the auto-expose policy routes. No namespace carries it by default.
   */
  autoExpose: `${P}/auto-expose`,
  /** Marks the ClusterRole tenants are bound to. */
  role: `${P}/role`,
  managedBy: 'app.kubernetes.io/managed-by',
  /** Set by agentgateway on the pods of the proxy it deploys for a Gateway (the Gateway's name). */
  gatewayName: 'gateway.networking.k8s.io/gateway-name',
  partOf: 'app.kubernetes.io/part-of',
  dataplaneMode: 'istio.io/dataplane-mode',
  useWaypoint: 'istio.io/use-waypoint',
  ingressUseWaypoint: 'istio.io/ingress-use-waypoint',
  waypointFor: 'istio.io/waypoint-for',
  namespaceName: 'kubernetes.io/metadata.name',
  /** Set by the Job controller on a Job's pods. */
  jobName: 'batch.kubernetes.io/job-name',
  psaEnforce: 'pod-security.kubernetes.io/enforce',
  psaEnforceVersion: 'pod-security.kubernetes.io/enforce-version',
  psaWarn: 'pod-security.kubernetes.io/warn',
  psaWarnVersion: 'pod-security.kubernetes.io/warn-version',
  psaAudit: 'pod-security.kubernetes.io/audit',
  psaAuditVersion: 'pod-security.kubernetes.io/audit-version',
} as const;

/**
 * AWS tags the platform puts on resources and selects by: AWS Backup snapshots the volumes whose
 * volumeBackup tag names the environment (cluster/terraform/backup.tf); cluster:delete looks for
 * the resources of cluster/terraform by their stack tag.
 */
export const AWS_TAGS = {
  volumeBackup: `${P}/backup`,
  stack: { key: `${P}/stack`, value: 'data-services' },
} as const;

export const ANNOTATIONS = {
  displayName: `${P}/display-name`,
  description: `${P}/description`,
  argocdSyncOptions: 'argocd.argoproj.io/sync-options',
  argocdSyncWave: 'argocd.argoproj.io/sync-wave',
  /** How Argo CD compares an Application's objects with the live ones, such as "ServerSideDiff=true". */
  argocdCompareOptions: 'argocd.argoproj.io/compare-options',
  /** Argo CD resource hook phase(s), such as "PostSync". */
  argocdHook: 'argocd.argoproj.io/hook',
  /** When Argo CD deletes a hook's object, such as "BeforeHookCreation". */
  argocdHookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  /** Set by Argo CD on every object an Application syncs (its default resource tracking method). */
  argocdTrackingId: 'argocd.argoproj.io/tracking-id',
  /** "true" on a kagent Agent or AgentgatewayBackend that should get a route on the central gateway. */
  expose: `${P}/expose`,
  /** Path segment used instead of the namespace in exposed routes. */
  exposeAlias: `${P}/expose-alias`,
  /**
   * On a tenant Namespace: the path segment of the tenant's routes (its alias, else the
   * namespace). The auto-expose policy keeps other namespaces from claiming it.
   */
  routeSegment: `${P}/route-segment`,
  /** "true" on the StorageClass that claims without a storageClassName get. */
  defaultStorageClass: 'storageclass.kubernetes.io/is-default-class',
} as const;

/** Value of app.kubernetes.io/managed-by on everything we emit. */
export const MANAGED_BY = 'agentic-platform';

/** Namespaces of platform components that tenants talk to or are reached from. */
export const PLATFORM_NAMESPACES = {
  agentgateway: 'agentgateway-system',
  kagent: 'kagent-system',
  istio: 'istio-system',
  monitoring: 'monitoring',
  otelCollector: 'otel',
  kubeSystem: 'kube-system',
  keycloak: 'keycloak',
  langfuse: 'langfuse',
  kyverno: 'kyverno',
  agentSandbox: 'agent-sandbox-system',
  kiali: 'kiali',
  externalSecrets: 'external-secrets',
} as const;

/**
 * cluster-autoscaler: its Deployment and ServiceAccount in kube-system. eksctl creates the IAM role
 * (clusterAutoscalerRoleName) that the ServiceAccount assumes.
 */
export const CLUSTER_AUTOSCALER = { name: 'cluster-autoscaler', namespace: PLATFORM_NAMESPACES.kubeSystem } as const;

/** The IAM role of cluster-autoscaler's ServiceAccount (at most 64 characters, IAM's limit). */
export function clusterAutoscalerRoleName(clusterName: string): string {
  return `${clusterName}-cluster-autoscaler`;
}

/** Platform Services other components address by name: ours, and the charts' (charts/lib/chart-names.ts). */
export const PLATFORM_SERVICES = {
  otelCollector: 'otel-collector',
  keycloak: CHART_SERVICES.keycloak.name,
  langfuseWeb: CHART_SERVICES.langfuseWeb.name,
  clickhouse: CHART_SERVICES.clickhouseHttp.name,
  prometheus: CHART_SERVICES.prometheus.name,
  grafana: CHART_SERVICES.grafana.name,
  kagentController: CHART_SERVICES.kagentController.name,
} as const;

/** The ClusterSecretStore every platform ExternalSecret reads AWS Secrets Manager through. */
export const SECRET_STORE = 'aws-secrets-manager';

/** Keycloak realm and clients of the platform. */
export const KEYCLOAK = {
  realm: 'agents',
  gatewayClient: 'agent-gateway',
  /** JWT claim that carries the caller's tenants. */
  tenantClaim: 'tenant',
  /** Parent group of the per-tenant groups. */
  tenantsGroup: 'tenants',
} as const;

/** Label Grafana's dashboard sidecar looks for. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

/** Fixed object names inside every tenant namespace. */
export const TENANT_OBJECTS = {
  /** The tenant's waypoint Gateway (its Deployment, Service and ServiceAccount carry the same name). */
  waypoint: 'agentgateway-waypoint',
  /**
   * The platform's GatewayClass of tenant waypoints. Which controller implements it is an
   * environment setting (platform.waypoint): Istio's Envoy waypoint or agentgateway.
   */
  waypointClass: 'agentgateway-waypoint',
  resourceQuota: 'tenant-quota',
  limitRange: 'default-limits',
  roleBinding: 'tenant-agent-developer-binding',
  authorizationPolicy: 'tenant-isolation',
  waypointAuthorizationPolicy: 'waypoint-isolation',
  modelConfig: 'default-model-config',
  /** Placeholder key the tenant's ModelConfig sends; the gateway replaces it with the real one. */
  dummyKeySecret: 'anthropic-dummy',
  /** The SecretStore that reads the tenant's own entries in AWS Secrets Manager. */
  secretStore: 'tenant-secrets',
} as const;

/**
 * Observability of the tenants: the names the collector, Langfuse, Grafana and the access sync
 * derive from a tenant's name, and the fixed names around them.
 */
export const OBSERVABILITY = {
  /** The Langfuse organisation of every project (LANGFUSE_INIT_ORG_ID of the langfuse values). */
  langfuseOrg: 'platform-org',
  /** The platform's own Langfuse project: spans of the gateways and kagent's controller. */
  platformProject: 'platform-default',
  /** Keycloak group (top level) of platform operators: every Langfuse project and Grafana organisation. */
  operatorsGroup: 'platform-operators',
  /** Label of the per-tenant objects in platform namespaces whose content the access sync reads. */
  accessTenantLabel: `${P}/observability-tenant`,
  /** Pod label of the access sync Jobs (value: langfuse or grafana), which their NetworkPolicy selects. */
  accessSyncPodLabel: `${P}/access-sync`,
  /** Keycloak client of Langfuse's single sign-on. */
  langfuseClient: 'langfuse',
  /** Keycloak client of Grafana's single sign-on. */
  grafanaClient: 'grafana',
  /** Keycloak client (service account) whose token lists the members of the tenant groups. */
  accessSyncClient: 'observability-access-sync',
  /** uid of the Prometheus datasource in each tenant's Grafana organisation. */
  tenantDatasourceUid: 'tenant-metrics',
  /** uid of the generated dashboard in each tenant's Grafana organisation. */
  tenantDashboardUid: 'tenant-overview',
  /** Pod label whose value the collector reports as the `agent` resource attribute. */
  agentLabel: `${P}/agent`,
  /** Pod label whose value the collector reports as the `model` resource attribute (the model config). */
  modelLabel: `${P}/model-config`,
  /** Span attribute the gateways add: the namespace of the caller's mesh identity. */
  callerAttribute: 'platform.caller.namespace',
  /** Metric label the gateways add: the namespace of the caller's mesh identity. */
  callerMetricLabel: 'caller_namespace',
} as const;

/** Name of a tenant's Langfuse project (3 to 60 characters, as Langfuse requires). */
export function langfuseProjectName(tenant: string): string {
  return tenant.length >= 3 ? tenant : tenantNamespace(tenant);
}

/**
 * A tenant's Grafana organisation, and the prom-label-proxy Deployment and Service in monitoring
 * that its datasource queries: the tenant's namespace name (a Service name is a DNS label, so no
 * longer name fits every tenant).
 */
export function tenantObservabilityName(tenant: string): string {
  return tenantNamespace(tenant);
}

/** Resource attribute that names the tenant on every span and metric a tenant workload emits. */
export const OTEL_TENANT_ATTRIBUTE = 'tenant';

/** Label on a sandbox's pod that its Service selects. */
export const SANDBOX_POD_LABEL = `${P}/sandbox`;

/**
 * A tenant's sandbox router (agent-sandbox v0.5.6 sandbox-router/): its objects' name, ports, pod
 * labels and resources, and the request headers it routes on (proxy/headers.go).
 */
export const SANDBOX_ROUTER = {
  /** Its Deployment, Service, ServiceAccount and NetworkPolicy (`<name>-claims` too). */
  name: 'sandbox-router',
  /** `name` of its routes' objects: HTTPRoutes `sandbox-router` and `sandbox-router-mesh`. */
  routeName: 'router',
  port: 8080,
  metricsPort: 9090,
  healthPort: 8081,
  /**
   * The sandbox pod label with a value no sandbox name can have (not a DNS label): the
   * namespace's policies treat the router as a sandbox, and its Service selects it by this alone.
   */
  podLabels: { [SANDBOX_POD_LABEL]: 'sandbox_router' },
  /** Two, with a PodDisruptionBudget: a node drain never takes a tenant's sandboxes offline. */
  replicas: 2,
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  /** Its scratch space: the image writes nothing (read-only root file system). */
  ephemeralStorage: { requests: '16Mi', limits: '64Mi' },
  headers: {
    id: 'X-Sandbox-ID',
    namespace: 'X-Sandbox-Namespace',
    port: 'X-Sandbox-Port',
    podIp: 'X-Sandbox-Pod-IP',
    uid: 'X-Sandbox-UID',
  },
  /** Environment variable of a tenant's agents: the mesh gateway URL of the router's route. */
  urlEnv: 'SANDBOX_ROUTER_URL',
} as const;

/** The platform ClusterRole every tenant's developers are bound to, in their namespace only. */
export const TENANT_CLUSTER_ROLE = 'tenant-agent-developer';

/** The cluster DNS pods (CoreDNS on EKS keeps the kube-dns label). */
export const DNS_POD_LABELS = { 'k8s-app': 'kube-dns' } as const;

/** The OpenTelemetry collector pods (ours: charts/platform/constructs/otel-collector.ts). */
export const OTEL_COLLECTOR_POD_LABELS = { 'app.kubernetes.io/name': 'otel-collector' } as const;

/** Every IPv4 address; narrowed by NON_PUBLIC_IPV4 wherever it is used. */
export const ANY_IPV4 = '0.0.0.0/0';

/** Port numbers the isolation layers name. */
export const PORTS = {
  dns: 53,
  hbone: 15008,
  istiodXds: 15012,
  otlpGrpc: 4317,
  otlpHttp: 4318,
  https: 443,
} as const;

/** Path alias of the platform's own LLM backends: /llm/default/<provider>. */
export const PLATFORM_LLM_ALIAS = 'default';

/**
 * Public API hosts of the LLM providers the platform routes, which agentgateway v1.4.1 calls by
 * default (crates/llm/src/anthropic.rs, crates/llm/src/openai.rs DEFAULT_HOST_STR). Tenant
 * workloads reach them only through their model routes, where the gateway adds the key.
 */
export const LLM_PROVIDER_HOSTS = { anthropic: 'api.anthropic.com', openai: 'api.openai.com' } as const;

/** Source address of kubelet probes once istio-cni has rewritten them (ambient mode). */
export const KUBELET_PROBE_CIDR = '169.254.7.127/32';

/** RFC 1918 ranges: on EKS the VPC, its pods and the API server's network interfaces are inside them. */
export const PRIVATE_IPV4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** Ranges never reachable through the external-HTTPS allowance (private, link-local incl. IMDS, CGNAT), sorted. */
export const NON_PUBLIC_IPV4 = [...PRIVATE_IPV4, '100.64.0.0/10', '169.254.0.0/16'].sort();

/** Namespace of a tenant. */
export function tenantNamespace(tenant: string): string {
  return `tenant-${tenant}`;
}

/** The group whose members develop agents in a tenant's namespace (a Keycloak/IdP group). */
export function tenantDevelopersGroup(tenant: string): string {
  return `tenant-${tenant}-developers`;
}

/** Argo CD objects per tenant. */
export const ARGO_NAMES = {
  /** AppProject for the tenant's own workloads. */
  tenantProject: (tenant: string) => `tenant-${tenant}`,
  /** AppProject for the platform-owned isolation layers in the tenant's namespace. */
  guardrailsProject: (tenant: string) => `guardrails-${tenant}`,
  /**
   * AppProject that may create exactly one object: the Namespace tenant-<name>. Per-tenant
   * names start with tenant-, guardrails- or namespace-; shared names never do, so no tenant
   * name can collide with them.
   */
  namespaceProject: (tenant: string) => `namespace-${tenant}`,
  /** Application that creates a tenant's namespace. */
  namespaceApplication: (tenant: string) => `namespace-${tenant}`,
  /** Application that syncs a tenant's isolation layers. */
  guardrailsApplication: (tenant: string) => `guardrails-${tenant}`,
  /** Application that syncs what a tenant declares (dist/<env>/tenants/<tenant>/workloads/). */
  workloadsApplication: (tenant: string) => `workloads-${tenant}`,
  platformProject: 'platform',
  bootstrapProject: 'bootstrap',
  rootApplication: 'root',
} as const;

/** A DNS-1123 label (RFC 1123): what Kubernetes accepts as a namespace name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Longest tenant name: `tenant-<name>` must be a DNS label (63 characters). */
export const MAX_TENANT_NAME = 63 - 'tenant-'.length;

/** Node label that names a node's group (`node-role=<group>`). */
export const NODE_ROLE_LABEL = 'node-role';

/** Taint key on every node group (`workload=<group>:NoSchedule`). */
export const NODE_TAINT_KEY = 'workload';

/**
 * The cluster's node groups: `platform` runs platform components, `agents` runs tenant
 * workloads and waypoints, `gateway` runs the central gateway proxy. The eksctl config and
 * every pod template's placement derive from this list.
 */
export const NODE_GROUPS = ['platform', 'agents', 'gateway'] as const;
export type NodeGroup = (typeof NODE_GROUPS)[number];

/**
 * The external gateway: the entry from outside the cluster, behind an AWS Network Load Balancer
 * that terminates TLS. Every request on its API listener needs a platform token.
 */
export const CENTRAL_GATEWAY = {
  name: 'agentgateway-proxy',
  namespace: 'agentgateway-system',
  /** The listener exposed routes attach to (host gateway.<domain>). */
  listener: 'api',
  /** The listener of Keycloak's public endpoints (host keycloak.<domain>), without a token. */
  keycloakListener: 'keycloak',
  /** Port of both listeners; the load balancer terminates TLS on it. */
  port: 443,
  className: 'agentgateway',
} as const;

/**
 * The mesh gateway: the entry for workloads inside the cluster (ClusterIP). It terminates the
 * callers' HBONE tunnels itself and authorizes each request by the caller's SPIFFE identity, so
 * an agent reaches its models and the agents it may call without holding any token.
 */
export const MESH_GATEWAY = {
  name: 'agentgateway-mesh',
  namespace: 'agentgateway-system',
  /** The HTTP listener routes attach to. */
  listener: 'mesh',
  port: 80,
  /** The HBONE listener that terminates the callers' tunnels and hands requests to `mesh`. */
  hboneListener: 'hbone',
  className: 'agentgateway',
} as const;

/**
 * The Envoy waypoint in front of kagent's controller: tenant agents reach only the session, task
 * and memory API there (kagent 0.9.12 authorizes nothing on that port itself).
 */
export const KAGENT_WAYPOINT = {
  name: 'kagent-waypoint',
  namespace: 'kagent-system',
  /** Istio's built-in waypoint class (Istio 1.30 pkg/config/constants WaypointGatewayClassName). */
  className: 'istio-waypoint',
} as const;

/** Pod label that agentgateway and istiod put on the pods of a Gateway: the Gateway's name. */
export function gatewayPods(name: string): Record<string, string> {
  return { [LABELS.gatewayName]: name };
}

/** First path segment of each kind of route on the central gateway. */
export const ROUTE_PREFIXES = {
  a2a: '/a2a',
  llm: '/llm',
  mcp: '/mcp',
  sandbox: '/sandbox',
} as const;

/**
 * Routes the auto-expose policy generates. Their names start with this prefix and the compiler
 * never emits a route whose name does, so the two never write the same object.
 */
export const AUTO_EXPOSE_ROUTE_PREFIX = 'auto-expose-';

/** The Service kagent creates for each Agent: named after the Agent, one port (kagent v0.9.12). */
export const KAGENT_AGENT_SERVICE = {
  portName: 'http',
  port: 8080,
} as const;

/** appProtocol that makes agentgateway speak A2A to a backend Service port. */
export const A2A_APP_PROTOCOL = 'kgateway.dev/a2a';

/**
 * The platform UIs that `npm run port-forward` exposes on localhost, with the Service (or
 * workload) and port each platform component provides.
 */
export const PLATFORM_UIS = [
  {
    name: 'kagent UI',
    namespace: PLATFORM_NAMESPACES.kagent,
    target: `svc/${CHART_SERVICES.kagentUi.name}`,
    port: CHART_SERVICES.kagentUi.port,
    localPort: 15000,
    path: '/',
  },
  {
    name: 'Langfuse',
    namespace: PLATFORM_NAMESPACES.langfuse,
    target: `svc/${CHART_SERVICES.langfuseWeb.name}`,
    port: CHART_SERVICES.langfuseWeb.port,
    localPort: 15001,
    path: '/',
  },
  {
    name: 'Grafana',
    namespace: PLATFORM_NAMESPACES.monitoring,
    target: `svc/${CHART_SERVICES.grafana.name}`,
    port: CHART_SERVICES.grafana.port,
    localPort: 15002,
    path: '/',
  },
  // agentgateway's admin server (and UI) listens on the pod's localhost:15000, which port-forward reaches.
  {
    name: 'AgentGateway admin UI',
    namespace: CENTRAL_GATEWAY.namespace,
    target: `deploy/${CENTRAL_GATEWAY.name}`,
    port: 15000,
    localPort: 15003,
    path: '/ui/',
  },
  {
    name: 'Keycloak',
    namespace: PLATFORM_NAMESPACES.keycloak,
    target: `svc/${CHART_SERVICES.keycloak.name}`,
    port: CHART_SERVICES.keycloak.port,
    localPort: 15004,
    path: '/',
  },
  {
    name: 'Kiali',
    namespace: PLATFORM_NAMESPACES.kiali,
    target: `svc/${CHART_SERVICES.kiali.name}`,
    port: CHART_SERVICES.kiali.port,
    localPort: 15005,
    path: '/',
  },
] as const;
