/**
 * Quota fit in the live state: what each tenant namespace runs and holds, with what controllers
 * create there for it (live-state.ts controllerObjects: the waypoint's Deployment and Service,
 * kagent's and kmcp's Deployments, Services, Secrets and ConfigMaps, sandbox pods, ExternalSecret
 * targets, kube-root-ca.crt and istio-ca-root-cert), fits every ResourceQuota of the namespace.
 * Pods come from the workload templates (live-state.ts podSets), not from the live pods: the quota
 * admission refuses a pod that does not fit, so the pods that exist always fit. Pure.
 *
 * Admission as Kubernetes v1.36.3 does it, in order:
 * 1. Pod defaulting: a container with a limit and no request for a resource gets the limit as
 *    its request (pkg/apis/core/v1/defaults.go SetDefaults_Pod).
 * 2. LimitRanger: a container without a limit (request) for a resource gets the `default`
 *    (`defaultRequest`) of the namespace's LimitRanges of type Container
 *    (plugin/pkg/admission/limitranger/admission.go defaultContainerResourceRequirements,
 *    mergeContainerResources); a LimitRange item's defaultRequest defaults to its default, and
 *    its default to its max (pkg/apis/core/v1/defaults.go SetDefaults_LimitRangeItem).
 * 3. ResourceQuota: a pod's requests (limits) are the larger of its containers' sum and its
 *    largest init container, restartable (sidecar) init containers added to the sum
 *    (k8s.io/component-helpers v0.36.3 resource/helpers.go PodRequests, used by
 *    pkg/quota/v1/evaluator/core/pods.go; pod-level resources are not modelled); `cpu` and
 *    `memory` mean requests; services,
 *    services.loadbalancers, services.nodeports, secrets, configmaps,
 *    persistentvolumeclaims and count/<resource>[.<group>] count objects
 *    (pkg/quota/v1/evaluator/core/*.go, generic object count).
 */
import { parseQuantity } from '../../charts/lib/quantity';
import { idOf, type K8sObject, LiveIndex, podSets } from './live-state';

type Res = 'cpu' | 'memory';
const RES: readonly Res[] = ['cpu', 'memory'];

interface Amounts {
  requests: Record<Res, number>;
  limits: Record<Res, number>;
}

const zero = (): Amounts => ({ requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } });
const q = (v: unknown): number => (v === undefined || v === null ? 0 : (parseQuantity(v as string) ?? 0));
const has = (list: K8sObject | undefined, r: Res) => list !== undefined && list !== null && list[r] !== undefined;

/** The container defaults of a namespace's LimitRanges, with the item defaulting applied. */
export function limitRangeDefaults(limitRanges: readonly K8sObject[]): {
  default: K8sObject;
  defaultRequest: K8sObject;
} {
  const out = { default: {} as K8sObject, defaultRequest: {} as K8sObject };
  for (const lr of limitRanges)
    for (const item of (lr.spec?.limits ?? []) as K8sObject[]) {
      if (item.type !== 'Container') continue;
      const def: K8sObject = { ...(item.max ?? {}), ...(item.default ?? {}) };
      const req: K8sObject = { ...(item.max ?? {}), ...def, ...(item.defaultRequest ?? {}) };
      Object.assign(out.default, def);
      Object.assign(out.defaultRequest, req);
    }
  return out;
}

/** A container's requests and limits after pod defaulting and the LimitRanger. */
export function admittedResources(
  container: K8sObject,
  defaults: ReturnType<typeof limitRangeDefaults>,
): { requests: K8sObject; limits: K8sObject } {
  const limits: K8sObject = { ...(container.resources?.limits ?? {}) };
  const requests: K8sObject = { ...(container.resources?.requests ?? {}) };
  for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
  for (const [k, v] of Object.entries(defaults.default)) if (limits[k] === undefined) limits[k] = v;
  for (const [k, v] of Object.entries(defaults.defaultRequest)) if (requests[k] === undefined) requests[k] = v;
  return { requests, limits };
}

/** A pod's requests and limits for the quota, and whether every container sets each limit. */
function podAmounts(
  spec: K8sObject,
  defaults: ReturnType<typeof limitRangeDefaults>,
): { amounts: Amounts; unlimited: Set<string>; unrequested: Set<string> } {
  const amounts = zero();
  const unlimited = new Set<string>();
  const unrequested = new Set<string>();
  const sides = ['requests', 'limits'] as const;
  const sum = zero();
  const initMax = zero();
  const sidecars = zero();
  const count = (c: K8sObject, into: Amounts, max: boolean) => {
    const r = admittedResources(c, defaults);
    for (const side of sides)
      for (const res of RES) {
        if (!has(r[side], res)) (side === 'limits' ? unlimited : unrequested).add(res);
        const v = q(r[side][res]);
        into[side][res] = max ? Math.max(into[side][res], v + sidecars[side][res]) : into[side][res] + v;
      }
  };
  for (const c of (spec.initContainers ?? []) as K8sObject[]) {
    if (c.restartPolicy === 'Always') count(c, sidecars, false);
    else count(c, initMax, true);
  }
  for (const c of (spec.containers ?? []) as K8sObject[]) count(c, sum, false);
  for (const side of sides)
    for (const res of RES) amounts[side][res] = Math.max(sum[side][res] + sidecars[side][res], initMax[side][res]);
  return { amounts, unlimited, unrequested };
}

/** The resource (plural, lower case) of a kind, for count/<resource>.<group>. */
function resourceOf(o: K8sObject): string {
  const kind = String(o.kind).toLowerCase();
  const plural = /(s|x|ch|sh)$/.test(kind)
    ? `${kind}es`
    : /[^aeiou]y$/.test(kind)
      ? `${kind.slice(0, -1)}ies`
      : `${kind}s`;
  const group = String(o.apiVersion ?? '').includes('/') ? String(o.apiVersion).split('/')[0] : '';
  return group ? `${plural}.${group}` : plural;
}

const fmt = (key: string, n: number): string => {
  if (/(^|\.)cpu$/.test(key)) return `${Math.round(n * 1000)}m`;
  if (/(^|\.)memory$/.test(key)) return `${Math.round((n / 2 ** 20) * 100) / 100}Mi`;
  return String(n);
};

/** What a namespace uses of one quota key, or undefined for a key this check does not model. */
function usage(
  key: string,
  objects: readonly K8sObject[],
  pods: { amounts: Amounts; replicas: number }[],
): number | undefined {
  const podTotal = (side: 'requests' | 'limits', res: Res) =>
    pods.reduce((n, p) => n + p.replicas * p.amounts[side][res], 0);
  const countKind = (kind: string, f: (o: K8sObject) => boolean = () => true) =>
    objects.filter((o) => o.kind === kind && f(o)).length;
  switch (key) {
    case 'requests.cpu':
    case 'cpu':
      return podTotal('requests', 'cpu');
    case 'requests.memory':
    case 'memory':
      return podTotal('requests', 'memory');
    case 'limits.cpu':
      return podTotal('limits', 'cpu');
    case 'limits.memory':
      return podTotal('limits', 'memory');
    case 'pods':
    case 'count/pods':
      return pods.reduce((n, p) => n + p.replicas, 0);
    case 'services':
    case 'count/services':
      return countKind('Service');
    case 'services.loadbalancers':
      return countKind('Service', (s) => s.spec?.type === 'LoadBalancer');
    case 'services.nodeports':
      // Every port of a NodePort or LoadBalancer Service, but only those with a nodePort when a
      // LoadBalancer allocates none (pkg/quota/v1/evaluator/core/services.go).
      return objects
        .filter((s) => s.kind === 'Service' && ['NodePort', 'LoadBalancer'].includes(s.spec?.type))
        .reduce((n, s) => {
          const ports = (s.spec?.ports ?? []) as K8sObject[];
          const only = s.spec?.type === 'LoadBalancer' && s.spec?.allocateLoadBalancerNodePorts === false;
          return n + (only ? ports.filter((p) => p.nodePort).length : ports.length);
        }, 0);
    case 'secrets':
    case 'count/secrets':
      return countKind('Secret');
    case 'configmaps':
    case 'count/configmaps':
      return countKind('ConfigMap');
    case 'persistentvolumeclaims':
    case 'count/persistentvolumeclaims':
      return countKind('PersistentVolumeClaim');
    default:
      if (key.startsWith('count/')) {
        const want = key.slice('count/'.length);
        return objects.filter((o) => resourceOf(o) === want).length;
      }
      return undefined;
  }
}

/**
 * Every quota that the objects of a tenant namespace exceed, as "<namespace> ResourceQuota
 * <name>: <key> used <n> of <hard>" lines, with the pods that lack a limit a quota key needs. The
 * objects include what controllers create (live-state.ts withControllerObjects).
 */
export function quotaProblems(objects: readonly K8sObject[], namespaces?: readonly string[]): string[] {
  const index = new LiveIndex(objects);
  const out: string[] = [];
  const sets = podSets(objects);
  for (const ns of namespaces ?? index.tenantNamespaces()) {
    const here = objects.filter((o) => o.metadata?.namespace === ns);
    const defaults = limitRangeDefaults(here.filter((o) => o.kind === 'LimitRange'));
    const pods = sets
      .filter((p) => p.namespace === ns && p.replicas > 0)
      .map((p) => ({ ...p, ...podAmounts(p.spec, defaults) }));
    const quotas = here.filter((o) => o.kind === 'ResourceQuota');
    if (quotas.length === 0) out.push(`${ns}: no ResourceQuota`);
    for (const rq of quotas) {
      if (rq.spec?.scopes?.length || rq.spec?.scopeSelector) {
        out.push(`${ns} ${idOf(rq)}: a quota with scopes is not modelled by this check`);
        continue;
      }
      for (const [key, hardValue] of Object.entries((rq.spec?.hard ?? {}) as Record<string, unknown>)) {
        const hard = q(hardValue);
        const used = usage(key, here, pods);
        if (used === undefined) {
          out.push(`${ns} ${idOf(rq)}: quota key ${key} is not modelled by this check`);
          continue;
        }
        if (used > hard + 1e-9)
          out.push(`${ns} ${idOf(rq)}: ${key} used ${fmt(key, used)} of hard ${String(hardValue)}`);
        // A quota on a compute resource refuses pods without that request or limit.
        const m = /^(requests|limits)\.(cpu|memory)$/.exec(key) ?? /^()(cpu|memory)$/.exec(key);
        if (m)
          for (const p of pods)
            if ((m[1] === 'limits' ? p.unlimited : p.unrequested).has(m[2]))
              out.push(
                `${ns} ${idOf(rq)}: ${key} is set, but ${idOf(p.owner)} has a container without ${m[1] || 'requests'}.${m[2]} after the LimitRange defaults, so the quota refuses its pods`,
              );
      }
    }
  }
  return out.sort();
}
