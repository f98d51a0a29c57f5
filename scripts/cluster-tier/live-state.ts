/**
 * The live state of a cluster as the checks of live-references.ts, live-quota.ts and
 * live-reach.ts read it: the objects of `kubectl get <kinds> -A -o json`, plus the objects that
 * controllers create from them, which a cluster without those controllers (the simulated one)
 * does not hold. Pure: every function takes objects and returns objects.
 *
 * What controllers create, at the pinned releases (CONTROLLER_OBJECTS; an object the live list
 * already holds is never made up again):
 * - kube-controller-manager: ServiceAccount `default` in every namespace
 *   (k8s v1.36.3 pkg/controller/serviceaccount/serviceaccounts_controller.go), ConfigMap
 *   `kube-root-ca.crt` in every namespace (pkg/controller/certificates/rootcacertpublisher/publisher.go).
 * - kube-apiserver: Service default/kubernetes on 443 (pkg/controlplane/controller/kubernetesservice/controller.go);
 *   the bootstrap ClusterRoles cluster-admin, admin, edit and view, with their aggregation, and of
 *   the rules they aggregate those on Secrets (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go,
 *   testdata/cluster-roles.yaml).
 * - istiod 1.30.3: ConfigMap `istio-ca-root-cert` in every namespace but kube-public,
 *   kube-node-lease and local-path-storage (pilot/pkg/serviceregistry/kube/controller/namespacecontroller.go,
 *   inject.IgnoredNamespaces); for a Gateway whose class names istio.io/mesh-controller (or the
 *   built-in class istio-waypoint), the `waypoint` template's ServiceAccount, Deployment and
 *   Service, named after the Gateway, one replica, ClusterIP, ports status-port 15021 plus one
 *   per listener port (pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go
 *   configureIstioGateway, extractServicePorts; classinfo.go ClassInfos: template waypoint,
 *   DisableNameSuffix, ClusterIP). The HorizontalPodAutoscaler and PodDisruptionBudget of the
 *   template are dropped without an overlay (requiredOverlays). See waypointDeployment for the sizing.
 * - agentgateway v1.4.1: the GatewayClass `agentgateway` (see gatewayController); for a Gateway
 *   whose class names agentgateway.dev/agentgateway, a
 *   Deployment, Service and ServiceAccount named after the Gateway, the Service with one port per
 *   listener port (controller/pkg/helm/agentgateway/templates/{deployment,service,serviceaccount}.yaml,
 *   controller/pkg/deployer/values_helpers.go GetPortsValues).
 * - external-secrets 2.9.0: for an ExternalSecret, the Secret spec.target.name (default the
 *   ExternalSecret's name) in its namespace, unless creationPolicy (default Owner) is Merge or
 *   None (the ExternalSecretTarget field docs of crds external-secrets.io_externalsecrets.yaml).
 * - kagent v0.9.12: for an Agent, a Deployment (replicas default 1; resources the deployment's,
 *   else 100m/384Mi requests, 2/1Gi limits: getDefaultResources), a Service on 8080, a Secret
 *   (its config) and, without serviceAccountName, a ServiceAccount, all named after the Agent
 *   (go/core/internal/controller/translator/agent/deployments.go, manifest_builder.go).
 * - kmcp v0.3.0: for an MCPServer, a Deployment (resources the deployment's, else none), a
 *   Service on spec.deployment.port, a ConfigMap and, without serviceAccountName, a
 *   ServiceAccount, named after it (pkg/controller/transportadapter/transportadapter_translator.go).
 * - agent-sandbox v0.5.6: for a Sandbox, a Pod from spec.podTemplate named after it, and a
 *   headless Service of that name only when spec.service is true (controllers/sandbox_controller.go
 *   reconcileService).
 */
import type { K8sObject } from '../kube/manifests';
import { LABELS, PLATFORM_NAMESPACES } from '../../charts/lib/constants';

export type { K8sObject };

/** The label our generated objects carry (charts/lib/labels.ts). */
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'agentic-platform' } as const;

/** istiod's namespace and its waypoint controller's name (Istio 1.30 pkg/config/constants). */
export const ISTIO = {
  namespace: PLATFORM_NAMESPACES.istio,
  meshController: 'istio.io/mesh-controller',
  waypointClass: 'istio-waypoint',
  /** istiod templates/istiod-injector-configmap.yaml: the merged chart values, as JSON, under `values`. */
  injectorConfigMap: 'istio-sidecar-injector',
  /** deploymentcontroller.go GatewayClassDefaults: the per-class overlay ConfigMap's label. */
  classDefaultsLabel: 'gateway.istio.io/defaults-for-class',
} as const;

export const AGENTGATEWAY_CONTROLLER = 'agentgateway.dev/agentgateway';
export const AGENTGATEWAY_CLASS = 'agentgateway';

/**
 * The resources the checks read from a live cluster (`kubectl get <resource> -A -o json` each).
 * Custom resources are named with their group, so that no other API's kind of the same name is read.
 */
export const LIVE_RESOURCES = [
  'namespaces',
  'services',
  'secrets',
  'configmaps',
  'serviceaccounts',
  'persistentvolumeclaims',
  'pods',
  'replicasets.apps',
  'deployments.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'jobs.batch',
  'cronjobs.batch',
  'networkpolicies.networking.k8s.io',
  'resourcequotas',
  'limitranges',
  'roles.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'clusterroles.rbac.authorization.k8s.io',
  'clusterrolebindings.rbac.authorization.k8s.io',
  'customresourcedefinitions.apiextensions.k8s.io',
  'gatewayclasses.gateway.networking.k8s.io',
  'gateways.gateway.networking.k8s.io',
  'httproutes.gateway.networking.k8s.io',
  'grpcroutes.gateway.networking.k8s.io',
  'referencegrants.gateway.networking.k8s.io',
  'externalsecrets.external-secrets.io',
  'agents.kagent.dev',
  'modelconfigs.kagent.dev',
  'mcpservers.kagent.dev',
  'remotemcpservers.kagent.dev',
  'sandboxes.agents.x-k8s.io',
  'sandboxtemplates.extensions.agents.x-k8s.io',
  'servicemonitors.monitoring.coreos.com',
  'podmonitors.monitoring.coreos.com',
  'agentgatewaypolicies.agentgateway.dev',
  'agentgatewaybackends.agentgateway.dev',
  'agentgatewayparameters.agentgateway.dev',
  'requestauthentications.security.istio.io',
  'authorizationpolicies.security.istio.io',
] as const;

/** Drops the values of Secrets (data, stringData): the checks need their names only. */
export function withoutSecretValues(objects: readonly K8sObject[]): K8sObject[] {
  return objects.map((o) => {
    if (o.kind !== 'Secret') return o;
    const { data: _data, stringData: _stringData, ...rest } = o;
    return rest;
  });
}

/** "Kind namespace/name", for messages. */
export function idOf(o: K8sObject): string {
  const ns = o.metadata?.namespace;
  return `${o.kind} ${ns ? `${ns}/` : ''}${o.metadata?.name}`;
}

/**
 * The objects of one or more `kubectl get ... -o json` outputs (a List, a single object, or
 * arrays of either, as text or parsed).
 */
export function liveObjects(...inputs: (string | K8sObject | readonly K8sObject[])[]): K8sObject[] {
  const out: K8sObject[] = [];
  const add = (x: unknown): void => {
    if (Array.isArray(x)) for (const y of x) add(y);
    else if (x && typeof x === 'object') {
      const o = x as K8sObject;
      if (Array.isArray(o.items)) add(o.items);
      else if (typeof o.kind === 'string') out.push(o);
    }
  };
  for (const i of inputs) add(typeof i === 'string' ? JSON.parse(i) : i);
  return out;
}

/** Objects by kind, namespace and name. */
export class LiveIndex {
  private readonly byKey = new Map<string, K8sObject>();
  private readonly byKind = new Map<string, K8sObject[]>();

  constructor(readonly objects: readonly K8sObject[]) {
    for (const o of objects) {
      this.byKey.set(LiveIndex.key(o.kind, o.metadata?.namespace, o.metadata?.name), o);
      if (!this.byKind.has(o.kind)) this.byKind.set(o.kind, []);
      this.byKind.get(o.kind)!.push(o);
    }
  }

  private static key(kind: string, namespace: string | undefined, name: string): string {
    return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
  }

  get(kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
    return this.byKey.get(LiveIndex.key(kind, namespace, name));
  }

  kind(...kinds: string[]): K8sObject[] {
    return kinds.flatMap((k) => this.byKind.get(k) ?? []);
  }

  /** Namespace labels, with kubernetes.io/metadata.name as the API server sets it. */
  namespaceLabels(): Map<string, Record<string, string>> {
    const out = new Map<string, Record<string, string>>();
    for (const n of this.kind('Namespace'))
      out.set(n.metadata.name, { ...(n.metadata.labels ?? {}), 'kubernetes.io/metadata.name': n.metadata.name });
    return out;
  }

  /** Names of the tenant namespaces (labelled platform.agentic.io/tenant: "true"). */
  tenantNamespaces(): string[] {
    return this.kind('Namespace')
      .filter((n) => n.metadata.labels?.[LABELS.tenant] === 'true')
      .map((n) => n.metadata.name as string)
      .sort();
  }
}

/**
 * The controller of a Gateway's class: the GatewayClass's controllerName, else that of a class a
 * controller creates itself: Istio's istio-waypoint, and `agentgateway`, which agentgateway
 * v1.4.1's controller creates at start (controller/api/settings/settings.go AgentgatewayClassName,
 * controllerName agentgateway.dev/agentgateway).
 */
function gatewayController(index: LiveIndex, gw: K8sObject): string | undefined {
  const cls = gw.spec?.gatewayClassName;
  const gc = index.get('GatewayClass', undefined, cls);
  if (gc) return gc.spec?.controllerName;
  if (cls === ISTIO.waypointClass) return ISTIO.meshController;
  return cls === AGENTGATEWAY_CLASS ? AGENTGATEWAY_CONTROLLER : undefined;
}

const meta = (kind: string, apiVersion: string, namespace: string, name: string, owner: K8sObject) => ({
  apiVersion,
  kind,
  metadata: {
    name,
    namespace,
    ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name }],
  },
});

/** A strategic merge of a Deployment overlay, for the fields istiod overlays can set that matter here. */
function mergeDeployment(base: K8sObject, overlay: K8sObject | undefined): K8sObject {
  if (!overlay) return base;
  const isObj = (x: unknown): x is K8sObject => !!x && typeof x === 'object' && !Array.isArray(x);
  const merge = (a: unknown, b: unknown, key?: string): unknown => {
    if (b === undefined) return a;
    // Containers merge by name (their patch strategy); other lists are replaced.
    if (key === 'containers' || key === 'initContainers') {
      const list = [...((a as K8sObject[]) ?? [])];
      for (const c of b as K8sObject[]) {
        const i = list.findIndex((x) => x.name === c.name);
        if (i >= 0) list[i] = merge(list[i], c) as K8sObject;
        else list.push(c);
      }
      return list;
    }
    if (isObj(a) && isObj(b)) {
      const out: K8sObject = { ...a };
      for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v, k);
      return out;
    }
    return b;
  };
  return merge(base, overlay) as K8sObject;
}

/** A YAML-or-JSON overlay from a ConfigMap value (istiod takes YAML; JSON is YAML). */
function parseOverlay(text: string | undefined, parse: (s: string) => unknown): K8sObject | undefined {
  if (!text) return undefined;
  return parse(text) as K8sObject;
}

/**
 * The Envoy waypoint Deployment istiod 1.30.3 renders for a Gateway: the `waypoint` template
 * (istiod chart files/waypoint.yaml) sets the istio-proxy container's resources to
 * `.Values.global.waypoint.resources` (chart default 100m/128Mi requests, 2/1Gi limits, our
 * values override them), read from the `values` of ConfigMap istio-system/istio-sidecar-injector;
 * then the class's defaults ConfigMap (label gateway.istio.io/defaults-for-class, templates/
 * gateway-class-configmap.yaml, from the chart's `gatewayClasses` values) and the Gateway's
 * parametersRef ConfigMap are applied as strategic merge patches under their `deployment` key
 * (deploymentcontroller.go render, applyOverlay). Without the injector ConfigMap (istiod not
 * installed) the Deployment has no resources and the LimitRange defaults apply.
 */
export function waypointDeployment(index: LiveIndex, gw: K8sObject, parse: (s: string) => unknown): K8sObject {
  const ns = gw.metadata.namespace;
  const name = gw.metadata.annotations?.['gateway.istio.io/name-override'] ?? gw.metadata.name;
  const injector = index.get('ConfigMap', ISTIO.namespace, ISTIO.injectorConfigMap);
  const values = injector?.data?.values ? (JSON.parse(injector.data.values) as K8sObject) : undefined;
  const resources = values?.global?.waypoint?.resources;
  const labels = {
    'gateway.networking.k8s.io/gateway-name': gw.metadata.name,
    ...(gw.spec?.infrastructure?.labels ?? {}),
  };
  let dep: K8sObject = {
    ...meta('Deployment', 'apps/v1', ns, name, gw),
    spec: {
      selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': gw.metadata.name } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: gw.metadata.annotations?.['gateway.istio.io/service-account'] ?? name,
          containers: [
            {
              name: 'istio-proxy',
              ports: [
                { containerPort: 15020, name: 'metrics', protocol: 'TCP' },
                { containerPort: 15021, name: 'status-port', protocol: 'TCP' },
                { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
              ],
              ...(resources ? { resources } : {}),
            },
          ],
        },
      },
    },
  };
  const classDefaults = index
    .kind('ConfigMap')
    .filter(
      (c) =>
        c.metadata.namespace === ISTIO.namespace &&
        c.metadata.labels?.[ISTIO.classDefaultsLabel] === gw.spec?.gatewayClassName,
    )
    .sort((a, b) =>
      String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')),
    )[0];
  dep = mergeDeployment(dep, parseOverlay(classDefaults?.data?.deployment, parse));
  const ref = gw.spec?.infrastructure?.parametersRef;
  if (ref?.kind === 'ConfigMap' && (ref.group ?? '') === '')
    dep = mergeDeployment(dep, parseOverlay(index.get('ConfigMap', ns, ref.name)?.data?.deployment, parse));
  return dep;
}

function gatewayService(gw: K8sObject, name: string, extra: { name: string; port: number }[]): K8sObject {
  const ports = [...extra];
  for (const l of (gw.spec?.listeners ?? []) as K8sObject[])
    if (!ports.some((p) => p.port === Number(l.port))) ports.push({ name: String(l.name), port: Number(l.port) });
  return {
    ...meta('Service', 'v1', gw.metadata.namespace, name, gw),
    spec: {
      type: 'ClusterIP',
      selector: { 'gateway.networking.k8s.io/gateway-name': gw.metadata.name },
      ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
    },
  };
}

/** kagent v0.9.12 getDefaultResources. */
export const KAGENT_AGENT_DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '384Mi' },
  limits: { cpu: '2000m', memory: '1Gi' },
} as const;

const clusterRole = (name: string, labels: Record<string, string>, rest: K8sObject = {}): K8sObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels } },
  ...rest,
});
const aggregate = (to: string) => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });
const aggregating = (to: string) => ({ aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregate(to) }] } });

/** The kube-apiserver's bootstrap ClusterRoles that bindings name, with their rules on Secrets. */
const BOOTSTRAP_CLUSTER_ROLES: readonly K8sObject[] = [
  clusterRole(
    'cluster-admin',
    {},
    {
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ],
    },
  ),
  clusterRole('admin', {}, aggregating('admin')),
  clusterRole('edit', aggregate('admin'), aggregating('edit')),
  clusterRole('view', aggregate('edit'), aggregating('view')),
  clusterRole('system:aggregate-to-admin', aggregate('admin'), { rules: [] }),
  clusterRole('system:aggregate-to-edit', aggregate('edit'), {
    rules: [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] },
    ],
  }),
  clusterRole('system:aggregate-to-view', aggregate('view'), { rules: [] }),
];

/** Namespaces istiod does not publish its root certificate into (inject.IgnoredNamespaces without kube-system). */
const ISTIO_CA_IGNORED = ['kube-public', 'kube-node-lease', 'local-path-storage'];

type Make = (index: LiveIndex, parse: (s: string) => unknown) => K8sObject[];

function namespaceDefaults(index: LiveIndex): K8sObject[] {
  const made: K8sObject[] = [];
  const hasIstiod = index.get('ConfigMap', ISTIO.namespace, ISTIO.injectorConfigMap) !== undefined;
  for (const n of index.kind('Namespace')) {
    const ns = n.metadata.name as string;
    made.push({ ...meta('ServiceAccount', 'v1', ns, 'default', n) });
    made.push({ ...meta('ConfigMap', 'v1', ns, 'kube-root-ca.crt', n) });
    if (hasIstiod && !ISTIO_CA_IGNORED.includes(ns))
      made.push({ ...meta('ConfigMap', 'v1', ns, 'istio-ca-root-cert', n) });
  }
  return made;
}

function apiServerObjects(): K8sObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default' },
      spec: { type: 'ClusterIP', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
    },
    ...BOOTSTRAP_CLUSTER_ROLES,
  ];
}

function externalSecretTargets(index: LiveIndex): K8sObject[] {
  return index
    .kind('ExternalSecret')
    .filter((es) => !['Merge', 'None'].includes(es.spec?.target?.creationPolicy ?? 'Owner'))
    .map((es) => ({
      ...meta('Secret', 'v1', es.metadata.namespace, es.spec?.target?.name ?? es.metadata.name, es),
      type: es.spec?.target?.template?.type ?? 'Opaque',
    }));
}

function gatewayObjects(index: LiveIndex, parse: (s: string) => unknown): K8sObject[] {
  const made: K8sObject[] = [];
  for (const gw of index.kind('Gateway')) {
    const controller = gatewayController(index, gw);
    const ns = gw.metadata.namespace;
    if (controller === ISTIO.meshController) {
      const dep = waypointDeployment(index, gw, parse);
      made.push(dep);
      made.push(gatewayService(gw, dep.metadata.name, [{ name: 'status-port', port: 15021 }]));
      made.push({ ...meta('ServiceAccount', 'v1', ns, dep.spec.template.spec.serviceAccountName, gw) });
    } else if (controller === AGENTGATEWAY_CONTROLLER) {
      const name = gw.metadata.name;
      made.push({
        ...meta('Deployment', 'apps/v1', ns, name, gw),
        spec: {
          template: {
            metadata: { labels: { 'gateway.networking.k8s.io/gateway-name': name } },
            spec: { serviceAccountName: name, containers: [{ name: 'agentgateway' }] },
          },
        },
      });
      made.push(gatewayService(gw, name, []));
      made.push({ ...meta('ServiceAccount', 'v1', ns, name, gw) });
    }
  }
  return made;
}

/**
 * A controller's workload for one object: a Deployment of one container, the Service named after
 * it on the container's port, the ServiceAccount named after it unless the spec names one, and
 * the extra objects (kagent's config Secret, kmcp's ConfigMap).
 */
function workload(
  owner: K8sObject,
  dep: K8sObject,
  labels: Record<string, string>,
  container: K8sObject & { ports: { containerPort: number }[] },
  extra: string,
): K8sObject[] {
  const { namespace: ns, name } = owner.metadata;
  const port = container.ports[0].containerPort;
  return [
    {
      ...meta('Deployment', 'apps/v1', ns, name, owner),
      spec: {
        replicas: dep.replicas ?? 1,
        template: {
          metadata: { labels },
          spec: { serviceAccountName: dep.serviceAccountName ?? name, containers: [container] },
        },
      },
    },
    {
      ...meta('Service', 'v1', ns, name, owner),
      spec: { selector: labels, ports: [{ name: 'http', port, protocol: 'TCP' }] },
    },
    { ...meta(extra, 'v1', ns, name, owner) },
    ...(dep.serviceAccountName ? [] : [{ ...meta('ServiceAccount', 'v1', ns, name, owner) }]),
  ];
}

function agentObjects(index: LiveIndex): K8sObject[] {
  return index.kind('Agent').flatMap((a) => {
    const dep = a.spec?.declarative?.deployment ?? a.spec?.byo?.deployment ?? {};
    const container = {
      name: 'kagent',
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      resources: dep.resources ?? KAGENT_AGENT_DEFAULT_RESOURCES,
      env: dep.env ?? [],
    };
    return workload(a, dep, { app: 'kagent', kagent: a.metadata.name, ...(dep.labels ?? {}) }, container, 'Secret');
  });
}

function mcpServerObjects(index: LiveIndex): K8sObject[] {
  return index.kind('MCPServer').flatMap((s) => {
    const name = s.metadata.name;
    const dep = s.spec?.deployment ?? {};
    const labels = {
      'app.kubernetes.io/name': name,
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/managed-by': 'kmcp',
      ...(dep.labels ?? {}),
    };
    const container = {
      name: 'mcp-server',
      ports: [{ name: 'http', containerPort: Number(dep.port ?? 3000), protocol: 'TCP' }],
      ...(dep.resources ? { resources: dep.resources } : {}),
      envFrom: ((dep.secretRefs ?? []) as K8sObject[])
        .filter((r) => r.name)
        .map((r) => ({ secretRef: { name: r.name } })),
    };
    return workload(s, dep, labels, container, 'ConfigMap');
  });
}

function sandboxObjects(index: LiveIndex): K8sObject[] {
  return index.kind('Sandbox').flatMap((sb) => {
    const ns = sb.metadata.namespace;
    const name = sb.metadata.name;
    const template = sb.spec?.podTemplate ?? {};
    const pod = meta('Pod', 'v1', ns, name, sb);
    const labels = { ...(template.metadata?.labels ?? {}), 'agents.x-k8s.io/sandbox-name-hash': name };
    return [
      { ...pod, metadata: { ...pod.metadata, labels }, spec: template.spec ?? {} },
      ...(sb.spec?.service === true
        ? [{ ...meta('Service', 'v1', ns, name, sb), spec: { clusterIP: 'None', ports: [] } }]
        : []),
    ];
  });
}

/** The Services kagent and kmcp make for the live Agents and MCPServers (see agentObjects, mcpServerObjects). */
export function kagentServices(objects: readonly K8sObject[]): K8sObject[] {
  const index = new LiveIndex(objects);
  return [...agentObjects(index), ...mcpServerObjects(index)].filter((o) => o.kind === 'Service');
}

/** The controllers of the file comment, each with what it makes of the live objects. */
export const CONTROLLER_OBJECTS: Readonly<Record<string, Make>> = {
  'kube-controller-manager and istiod (per namespace)': namespaceDefaults,
  'kube-apiserver': apiServerObjects,
  'external-secrets': externalSecretTargets,
  'istiod and agentgateway (per Gateway)': gatewayObjects,
  'kagent (per Agent)': agentObjects,
  'kmcp (per MCPServer)': mcpServerObjects,
  'agent-sandbox (per Sandbox)': sandboxObjects,
};

/**
 * The objects the controllers of CONTROLLER_OBJECTS (see the file comment) create from the live
 * objects, those the live list lacks. `parse` reads the YAML of istiod's overlays (js-yaml's load).
 */
export function controllerObjects(objects: readonly K8sObject[], parse: (s: string) => unknown): K8sObject[] {
  const index = new LiveIndex(objects);
  const made = Object.values(CONTROLLER_OBJECTS).flatMap((make) => make(index, parse));
  return made.filter((o) => !index.get(o.kind, o.metadata.namespace, o.metadata.name));
}

/** The live objects with what the controllers create from them. */
export function withControllerObjects(objects: readonly K8sObject[], parse: (s: string) => unknown): K8sObject[] {
  return [...objects, ...controllerObjects(objects, parse)];
}

/** A set of pods one object runs: their template and how many. */
export interface PodSet {
  readonly owner: K8sObject;
  readonly namespace: string;
  /** Pods it runs when all are up; a DaemonSet counts one per node, taken as 1 here. */
  readonly replicas: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: K8sObject;
}

/**
 * The pods the workload objects run, from their templates, whether or not the pods exist (the
 * quota admission refuses a pod that does not fit, so the live pods alone would hide it): each
 * Deployment, StatefulSet, DaemonSet, Job, CronJob and bare ReplicaSet; each Pod no controller owns.
 */
export function podSets(objects: readonly K8sObject[]): PodSet[] {
  const out: PodSet[] = [];
  for (const o of objects) {
    const owned = (o.metadata?.ownerReferences ?? []).length > 0;
    const ns = o.metadata?.namespace;
    let tpl: K8sObject | undefined;
    let replicas = 1;
    switch (o.kind) {
      case 'Deployment':
      case 'StatefulSet':
        tpl = o.spec?.template;
        replicas = o.spec?.replicas ?? 1;
        break;
      case 'ReplicaSet':
        if (!owned) {
          tpl = o.spec?.template;
          replicas = o.spec?.replicas ?? 1;
        }
        break;
      case 'DaemonSet':
        tpl = o.spec?.template;
        break;
      case 'Job':
        if (!owned) {
          tpl = o.spec?.template;
          replicas = o.spec?.parallelism ?? 1;
        }
        break;
      case 'CronJob':
        tpl = o.spec?.jobTemplate?.spec?.template;
        replicas = o.spec?.jobTemplate?.spec?.parallelism ?? 1;
        break;
      case 'Pod': {
        const ctl = (o.metadata?.ownerReferences ?? []).some((r: K8sObject) =>
          ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'].includes(r.kind),
        );
        if (!ctl && o.status?.phase !== 'Succeeded' && o.status?.phase !== 'Failed')
          tpl = { metadata: o.metadata, spec: o.spec };
        break;
      }
    }
    if (tpl && ns)
      out.push({ owner: o, namespace: ns, replicas, labels: tpl.metadata?.labels ?? {}, spec: tpl.spec ?? {} });
  }
  return out;
}
