/**
 * Models of the controllers the cluster tier cannot run: they need AWS (the EBS CSI driver,
 * external-secrets' AWS provider) or are not built here (istiod's and agentgateway's Gateway API
 * controllers). Each writes what its upstream controller writes on success, and only when the
 * inputs that controller checks are there, so a missing store, class, parent or backend still
 * shows: the object stays Progressing, or its status says Degraded with the reason upstream
 * gives. Argo CD reads these statuses through its health checks (argo-cd v3.5.3
 * resource_customizations/<group>/<kind>/health.lua), so the tier's "every Application Healthy"
 * depends on them. Each reconciler is a pure function of the live objects.
 */

import { AGENTGATEWAY_CLASS, AGENTGATEWAY_CONTROLLER, ISTIO, kagentServices } from './live-state';

/** A live object as `kubectl get -o json` returns it. */
export interface LiveObject {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly generation?: number;
    readonly annotations?: Record<string, string>;
  };
  // Fields of many kinds, read defensively by each model.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly spec?: Record<string, any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly status?: Record<string, any>;
  readonly data?: Record<string, string>;
}

/** Live objects by kind. */
export type Live = ReadonlyMap<string, readonly LiveObject[]>;

/** What a model asks of the API server. */
export type Action =
  | { readonly type: 'create'; readonly object: Record<string, unknown> }
  | {
      readonly type: 'status';
      readonly resource: string;
      readonly namespace?: string;
      readonly name: string;
      readonly status: Record<string, unknown>;
    };

/** A controller model: the upstream source it follows, the kinds it reads, and what it does. */
export interface ControllerModel {
  readonly name: string;
  readonly upstream: string;
  readonly reads: readonly string[];
  reconcile(live: Live): Action[];
}

const of = (live: Live, kind: string) => live.get(kind) ?? [];
const find = (live: Live, kind: string, name: string, namespace?: string) =>
  of(live, kind).find((o) => o.metadata.name === name && o.metadata.namespace === namespace);
const condition = (type: string, status: boolean, reason: string, message: string, observedGeneration?: number) => ({
  type,
  status: status ? 'True' : 'False',
  reason,
  message,
  ...(observedGeneration === undefined ? {} : { observedGeneration }),
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
type Condition = { type: string; status: string; reason?: string; observedGeneration?: number };
const hasTrue = (conditions: Condition[] | undefined, type: string) =>
  (conditions ?? []).some((c) => c.type === type && c.status === 'True');
/** Whether Ready is True (a False one is worked out again on every pass, as upstream requeues it). */
const ready = (o: LiveObject) => hasTrue(o.status?.conditions as Condition[] | undefined, 'Ready');
/** The parts of route parent statuses that matter: controller, and each condition's type, status and reason. */
const parentDigest = (parents: { controllerName?: string; conditions?: Condition[] }[]) =>
  JSON.stringify(
    parents.map((p) => [
      p.controllerName,
      (p.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.observedGeneration]),
    ]),
  );

/** A placeholder that says what it is; never a credential. */
const placeholder = (namespace: string, secret: string, key: string) =>
  `cluster-tier-placeholder:${namespace}/${secret}/${key}`;

/**
 * external-secrets v2.9.0 with a reachable AWS Secrets Manager holding every key asked for:
 * pkg/controllers/secretstore (Ready True, reason Valid, once the provider validates) and
 * pkg/controllers/externalsecret/externalsecret_controller.go (creates spec.target.name, default
 * the ExternalSecret's name, owned by it under creationPolicy Owner; Ready True, reason
 * SecretSynced). A store that does not exist gives Ready False, SecretSyncedError, as upstream.
 */
export const EXTERNAL_SECRETS: ControllerModel = {
  name: 'external-secrets (AWS Secrets Manager assumed to hold every key)',
  upstream: 'external-secrets v2.9.0 pkg/controllers/{secretstore,externalsecret}',
  reads: ['ClusterSecretStore', 'SecretStore', 'ExternalSecret', 'Secret'],
  reconcile(live) {
    const actions: Action[] = [];
    for (const kind of ['ClusterSecretStore', 'SecretStore'])
      for (const s of of(live, kind))
        if (!ready(s))
          actions.push({
            type: 'status',
            resource: `${kind.toLowerCase()}s.external-secrets.io`,
            namespace: s.metadata.namespace,
            name: s.metadata.name,
            status: { capabilities: 'ReadWrite', conditions: [condition('Ready', true, 'Valid', 'store validated')] },
          });
    for (const es of of(live, 'ExternalSecret')) {
      if (ready(es)) continue;
      const ns = es.metadata.namespace!;
      const ref = (es.spec?.secretStoreRef ?? {}) as { name?: string; kind?: string };
      const storeKind = ref.kind ?? 'SecretStore';
      const store =
        storeKind === 'ClusterSecretStore'
          ? find(live, 'ClusterSecretStore', ref.name ?? '')
          : find(live, 'SecretStore', ref.name ?? '', ns);
      const resource = { resource: 'externalsecrets.external-secrets.io', namespace: ns, name: es.metadata.name };
      if (store === undefined) {
        const message = `could not get store: ${storeKind} "${ref.name ?? ''}" not found`;
        actions.push({
          type: 'status',
          ...resource,
          status: { conditions: [condition('Ready', false, 'SecretSyncedError', message)] },
        });
        continue;
      }
      const target = (es.spec?.target?.name as string | undefined) ?? es.metadata.name;
      if (find(live, 'Secret', target, ns) === undefined) {
        const template = es.spec?.target?.template?.data as Record<string, string> | undefined;
        const keys = template
          ? Object.keys(template)
          : ((es.spec?.data ?? []) as { secretKey: string }[]).map((d) => d.secretKey);
        actions.push({
          type: 'create',
          object: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: {
              name: target,
              namespace: ns,
              ownerReferences: [
                {
                  apiVersion: 'external-secrets.io/v1',
                  kind: 'ExternalSecret',
                  name: es.metadata.name,
                  uid: es.metadata.uid,
                  controller: true,
                },
              ],
            },
            type: (es.spec?.target?.template?.type as string | undefined) ?? 'Opaque',
            stringData: Object.fromEntries([...keys].sort().map((k) => [k, placeholder(ns, target, k)])),
          },
        });
      }
      actions.push({
        type: 'status',
        ...resource,
        status: { binding: { name: target }, conditions: [condition('Ready', true, 'SecretSynced', 'secret synced')] },
      });
    }
    return actions;
  },
};

/**
 * The EBS CSI driver behind the external-provisioner (kubernetes-csi/external-provisioner
 * pkg/controller/controller.go): a claim of a StorageClass with provisioner ebs.csi.aws.com and
 * WaitForFirstConsumer is provisioned once the scheduler has annotated the node it picked
 * (volume.kubernetes.io/selected-node), as a PersistentVolume pinned to that node's zone; the
 * PersistentVolume controller then binds them.
 */
export const EBS_CSI: ControllerModel = {
  name: 'aws-ebs-csi-driver (volumes provisioned in the node zone)',
  upstream:
    'kubernetes-csi/external-provisioner pkg/controller/controller.go; aws-ebs-csi-driver pkg/driver/controller.go',
  reads: ['PersistentVolumeClaim', 'StorageClass', 'Node', 'PersistentVolume'],
  reconcile(live) {
    const actions: Action[] = [];
    for (const pvc of of(live, 'PersistentVolumeClaim')) {
      if (pvc.status?.phase !== 'Pending' || pvc.spec?.volumeName) continue;
      const sc = find(live, 'StorageClass', pvc.spec?.storageClassName ?? '');
      if (sc === undefined || (sc as unknown as { provisioner?: string }).provisioner !== 'ebs.csi.aws.com') continue;
      const nodeName = pvc.metadata.annotations?.['volume.kubernetes.io/selected-node'];
      const node = nodeName === undefined ? undefined : find(live, 'Node', nodeName);
      if (
        (sc as unknown as { volumeBindingMode?: string }).volumeBindingMode === 'WaitForFirstConsumer' &&
        node === undefined
      )
        continue;
      const name = `pvc-${pvc.metadata.uid}`;
      if (find(live, 'PersistentVolume', name) !== undefined) continue;
      const zone = (node?.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[
        'topology.kubernetes.io/zone'
      ];
      actions.push({
        type: 'create',
        object: {
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': 'ebs.csi.aws.com' } },
          spec: {
            accessModes: pvc.spec?.accessModes,
            capacity: { storage: pvc.spec?.resources?.requests?.storage },
            claimRef: {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              namespace: pvc.metadata.namespace,
              name: pvc.metadata.name,
              uid: pvc.metadata.uid,
            },
            csi: { driver: 'ebs.csi.aws.com', volumeHandle: `vol-${pvc.metadata.uid}`, fsType: 'ext4' },
            persistentVolumeReclaimPolicy: (sc as unknown as { reclaimPolicy?: string }).reclaimPolicy ?? 'Delete',
            storageClassName: sc.metadata.name,
            volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
            ...(zone === undefined
              ? {}
              : {
                  nodeAffinity: {
                    required: {
                      nodeSelectorTerms: [
                        { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] }] },
                      ],
                    },
                  },
                }),
          },
        },
      });
    }
    return actions;
  },
};

/** GatewayClasses a controller creates when it starts, and the Deployment that runs it. */
export const CONTROLLER_GATEWAY_CLASSES = [
  // istio 1.30.3 pilot/pkg/config/kube/gateway/gatewayclass.go (builtin classes, ambient on).
  { name: ISTIO.waypointClass, controllerName: ISTIO.meshController, deployment: 'istiod' },
  // agentgateway v1.4.1 controller/pkg/wellknown/controller.go, pkg/controller/gatewayclass.go.
  { name: AGENTGATEWAY_CLASS, controllerName: AGENTGATEWAY_CONTROLLER, deployment: 'agentgateway' },
] as const;

interface ParentRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  sectionName?: string;
  port?: number;
}

/** Whether a ReferenceGrant in `to`'s namespace lets a `fromKind` in `fromNs` refer to a Service there. */
function granted(live: Live, fromKind: string, fromNs: string, toNs: string, toName: string): boolean {
  return of(live, 'ReferenceGrant').some(
    (g) =>
      g.metadata.namespace === toNs &&
      ((g.spec?.from ?? []) as { kind: string; namespace: string }[]).some(
        (f) => f.kind === fromKind && f.namespace === fromNs,
      ) &&
      ((g.spec?.to ?? []) as { group?: string; kind: string; name?: string }[]).some(
        (t) => (t.group ?? '') === '' && t.kind === 'Service' && (t.name === undefined || t.name === toName),
      ),
  );
}

/** Why a route's backendRefs do not resolve (Gateway API v1 HTTPRoute ResolvedRefs), or undefined. */
function unresolved(live: Live, route: LiveObject): string | undefined {
  const ns = route.metadata.namespace!;
  for (const rule of (route.spec?.rules ?? []) as {
    backendRefs?: { group?: string; kind?: string; name: string; namespace?: string; port?: number }[];
  }[])
    for (const b of rule.backendRefs ?? []) {
      if ((b.group ?? '') !== '' || (b.kind ?? 'Service') !== 'Service') continue;
      const bns = b.namespace ?? ns;
      const svc = find(live, 'Service', b.name, bns);
      if (svc === undefined) return `BackendNotFound: Service ${bns}/${b.name} not found`;
      if (bns !== ns && !granted(live, route.kind, ns, bns, b.name))
        return `RefNotPermitted: no ReferenceGrant in ${bns} allows ${route.kind} from ${ns}`;
      const ports = ((svc.spec?.ports ?? []) as { port: number }[]).map((p) => p.port);
      if (b.port !== undefined && !ports.includes(b.port))
        return `BackendNotFound: Service ${bns}/${b.name} has no port ${b.port}`;
    }
  return undefined;
}

/** The classes istiod and agentgateway create and accept; returns the accepted classes' controllers. */
function classActions(live: Live, actions: Action[]): { classes: Map<string, string>; controllers: Set<string> } {
  const running = new Set(of(live, 'Deployment').map((d) => d.metadata.name));
  for (const c of CONTROLLER_GATEWAY_CLASSES)
    if (running.has(c.deployment) && find(live, 'GatewayClass', c.name) === undefined)
      actions.push({
        type: 'create',
        object: {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'GatewayClass',
          metadata: { name: c.name },
          spec: { controllerName: c.controllerName },
        },
      });
  const controllers = new Set<string>(
    CONTROLLER_GATEWAY_CLASSES.filter((c) => running.has(c.deployment)).map((c) => c.controllerName),
  );
  const classes = new Map<string, string>();
  for (const gc of of(live, 'GatewayClass')) {
    const controller = gc.spec?.controllerName as string;
    if (!controllers.has(controller)) continue;
    classes.set(gc.metadata.name, controller);
    if (!hasTrue(gc.status?.conditions, 'Accepted'))
      actions.push({
        type: 'status',
        resource: 'gatewayclasses.gateway.networking.k8s.io',
        name: gc.metadata.name,
        status: {
          conditions: [condition('Accepted', true, 'Accepted', 'Handled by the controller', gc.metadata.generation)],
        },
      });
  }
  return { classes, controllers };
}

const observed = (o: LiveObject, conditions: Condition[] | undefined) =>
  (conditions ?? []).length > 0 && (conditions ?? []).every((c) => c.observedGeneration === o.metadata.generation);

/** Gateways of accepted classes: Accepted and Programmed, with every listener. */
function gatewayActions(live: Live, classes: Map<string, string>, actions: Action[]): void {
  for (const gw of of(live, 'Gateway')) {
    if (!classes.has(gw.spec?.gatewayClassName) || observed(gw, gw.status?.conditions)) continue;
    const g = gw.metadata.generation;
    actions.push({
      type: 'status',
      resource: 'gateways.gateway.networking.k8s.io',
      namespace: gw.metadata.namespace,
      name: gw.metadata.name,
      status: {
        conditions: [
          condition('Accepted', true, 'Accepted', 'Resource accepted', g),
          condition('Programmed', true, 'Programmed', 'Resource programmed', g),
        ],
        listeners: ((gw.spec?.listeners ?? []) as { name: string }[]).map((l) => ({
          name: l.name,
          attachedRoutes: 0,
          supportedKinds: [],
          conditions: [
            condition('Accepted', true, 'Accepted', 'No errors found', g),
            condition('ResolvedRefs', true, 'ResolvedRefs', 'No errors found', g),
            condition('Programmed', true, 'Programmed', 'No errors found', g),
          ],
        })),
      },
    });
  }
}

/** Routes: a parent status per parentRef handled by a running controller. */
function routeActions(live: Live, classes: Map<string, string>, controllers: Set<string>, actions: Action[]): void {
  for (const kind of ['HTTPRoute', 'GRPCRoute'])
    for (const route of of(live, kind)) {
      const ns = route.metadata.namespace!;
      const g = route.metadata.generation;
      const parents = ((route.spec?.parentRefs ?? []) as ParentRef[]).flatMap((p) => {
        const pns = p.namespace ?? ns;
        const pkind = p.kind ?? 'Gateway';
        const parent = find(live, pkind, p.name, pns);
        const controller = pkind === 'Gateway' ? classes.get(parent?.spec?.gatewayClassName) : [...controllers][0];
        if (controller === undefined) return [];
        const why = unresolved(live, route);
        return [
          {
            parentRef: p,
            controllerName: controller,
            conditions: [
              condition(
                'Accepted',
                parent !== undefined,
                parent ? 'Accepted' : 'NoMatchingParent',
                parent ? 'Route was valid' : `${pkind} ${pns}/${p.name} not found`,
                g,
              ),
              condition(
                'ResolvedRefs',
                why === undefined,
                why?.split(': ')[0] ?? 'ResolvedRefs',
                why?.split(': ').slice(1).join(': ') ?? 'All references resolved',
                g,
              ),
            ],
          },
        ];
      });
      const current = (route.status?.parents ?? []) as { controllerName?: string; conditions?: Condition[] }[];
      if (parents.length === 0 || parentDigest(current) === parentDigest(parents)) continue;
      actions.push({
        type: 'status',
        resource: `${kind.toLowerCase()}s.gateway.networking.k8s.io`,
        namespace: ns,
        name: route.metadata.name,
        status: { parents },
      });
    }
}

/**
 * istiod's and agentgateway's Gateway API status writers (istio 1.30.3
 * pilot/pkg/config/kube/gateway/conversion.go and agentgateway v1.4.1 controller/pkg/agentgateway
 * /translator): a class whose controller runs is Accepted; a Gateway of such a class is Accepted
 * and Programmed with every listener; a route's parent is Accepted when it exists, and
 * ResolvedRefs is False, with upstream's reason, when a backend Service or its port is missing or
 * another namespace's Service is referred to without a ReferenceGrant.
 */
export const GATEWAY_API: ControllerModel = {
  name: 'Gateway API status (istiod, agentgateway)',
  upstream: 'istio 1.30.3 pilot/pkg/config/kube/gateway; agentgateway v1.4.1 controller/pkg',
  reads: ['Deployment', 'GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'Service', 'ReferenceGrant'],
  reconcile(live) {
    const actions: Action[] = [];
    const { classes, controllers } = classActions(live, actions);
    gatewayActions(live, classes, actions);
    routeActions(live, classes, controllers, actions);
    return actions;
  },
};

/**
 * kagent v0.9.12 and kmcp v0.3.0, only as far as routes need them: the Service each makes for an
 * Agent (port 8080) and an MCPServer (spec.deployment.port), named after it and owned by it
 * (live-state.ts kagentServices cites the upstream files). The Deployments behind them are not
 * made: their pods run no code here, and the live-state checks add them as controller objects.
 */
export const KAGENT_SERVICES: ControllerModel = {
  name: 'kagent and kmcp (Services of Agents and MCPServers)',
  upstream: 'kagent v0.9.12 go/core/internal/controller/translator/agent; kmcp v0.3.0 pkg/controller/transportadapter',
  reads: ['Agent', 'MCPServer', 'Service'],
  reconcile(live) {
    const owners = [...of(live, 'Agent'), ...of(live, 'MCPServer')];
    const actions: Action[] = [];
    for (const svc of kagentServices(owners)) {
      const { name, namespace } = svc.metadata as { name: string; namespace: string };
      if (find(live, 'Service', name, namespace)) continue;
      const owner = owners.find((o) => o.metadata.name === name && o.metadata.namespace === namespace)!;
      if (!owner.metadata.uid) continue;
      const ref = { apiVersion: owner.apiVersion, kind: owner.kind, name, uid: owner.metadata.uid };
      actions.push({ type: 'create', object: { ...svc, metadata: { name, namespace, ownerReferences: [ref] } } });
    }
    return actions;
  },
};

/** The models the cluster tier runs. */
export const CONTROLLER_MODELS: readonly ControllerModel[] = [EXTERNAL_SECRETS, EBS_CSI, GATEWAY_API, KAGENT_SERVICES];

/** The API resource of each kind a model reads (for `kubectl get`). */
export const RESOURCE_OF: Readonly<Record<string, string>> = {
  ClusterSecretStore: 'clustersecretstores.external-secrets.io',
  SecretStore: 'secretstores.external-secrets.io',
  ExternalSecret: 'externalsecrets.external-secrets.io',
  Secret: 'secrets',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  PersistentVolume: 'persistentvolumes',
  StorageClass: 'storageclasses.storage.k8s.io',
  Node: 'nodes',
  Deployment: 'deployments.apps',
  GatewayClass: 'gatewayclasses.gateway.networking.k8s.io',
  Gateway: 'gateways.gateway.networking.k8s.io',
  HTTPRoute: 'httproutes.gateway.networking.k8s.io',
  GRPCRoute: 'grpcroutes.gateway.networking.k8s.io',
  Service: 'services',
  ReferenceGrant: 'referencegrants.gateway.networking.k8s.io',
  Agent: 'agents.kagent.dev',
  MCPServer: 'mcpservers.kagent.dev',
};

export interface ModelLoop {
  /** What the models did, one line per object and action, in order. */
  report(): string[];
  stop(): void;
}

/**
 * Runs the models every `intervalMs` against the cluster: reads the kinds they need (a kind
 * whose CRD is not installed yet reads as none), then creates objects and writes statuses.
 */
export function runModels(
  models: readonly ControllerModel[],
  kubectl: (args: readonly string[], input?: string) => Promise<string>,
  log: (line: string) => void,
  intervalMs = 5000,
): ModelLoop {
  const done: string[] = [];
  const seen = new Set<string>();
  const kinds = [...new Set(models.flatMap((m) => m.reads))].sort();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const once = async () => {
    const live = new Map<string, LiveObject[]>();
    for (const kind of kinds) {
      if (stopped) return;
      try {
        live.set(
          kind,
          (JSON.parse(await kubectl(['get', RESOURCE_OF[kind]!, '-A', '-o', 'json'])) as { items: LiveObject[] }).items,
        );
      } catch {
        live.set(kind, []);
      }
    }
    for (const m of models)
      for (const a of m.reconcile(live)) {
        if (stopped) return;
        const line =
          a.type === 'create'
            ? `${m.name}: created ${String(a.object.kind)} ${(a.object.metadata as { namespace?: string }).namespace ?? ''}/${(a.object.metadata as { name: string }).name}`
            : `${m.name}: status of ${a.resource} ${a.namespace ?? ''}/${a.name}: ${JSON.stringify(a.status).slice(0, 200)}`;
        try {
          if (a.type === 'create') await kubectl(['create'], JSON.stringify(a.object));
          else
            await kubectl([
              'patch',
              a.resource,
              a.name,
              ...(a.namespace === undefined ? [] : ['-n', a.namespace]),
              '--subresource=status',
              '--type=merge',
              '-p',
              JSON.stringify({ status: a.status }),
            ]);
          if (!seen.has(line)) {
            seen.add(line);
            done.push(line);
            log(`model ${line}`);
          }
        } catch (e) {
          log(`model ${m.name}: ${(e as Error).message.split('\n')[0]}`);
        }
      }
  };
  const loop = async () => {
    try {
      await once();
    } catch (e) {
      if (!stopped) log(`models: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!stopped) timer = setTimeout(() => void loop(), intervalMs);
  };
  void loop();
  return {
    report: () => [...done],
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
