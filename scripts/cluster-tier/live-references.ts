/**
 * References resolve in the live state: every Service (and port), Secret, ConfigMap,
 * ServiceAccount and named object that one of our objects refers to exists, or a controller
 * creates it (live-state.ts controllerObjects: ExternalSecret targets, waypoints, kagent and kmcp
 * workloads, ...). Pure.
 *
 * The references read, in any of our objects (those labelled app.kubernetes.io/managed-by:
 * agentic-platform, and what controllers make from them):
 * - pod templates: serviceAccountName (default `default`), imagePullSecrets, volumes (secret,
 *   configMap, projected sources, persistentVolumeClaim);
 * - anywhere: `secretKeyRef` and `secretRef` (Secret), `configMapKeyRef` and `configMapRef`
 *   (ConfigMap), `serviceAccountRef` (ServiceAccount), unless `optional: true`; `backendRef` and
 *   `backendRefs` (a Service and its port when kind is Service or absent, else the named kind);
 *   `parentRefs` and `targetRefs` (the named Gateway API or policy object); kagent's
 *   `apiKeySecret` (Secret), `modelConfig` (ModelConfig), tools' `mcpServer` (the named kind)
 *   and `agent` (Agent);
 *   RoleBinding and ClusterRoleBinding roleRef and ServiceAccount subjects;
 * - every string: `<svc>.<ns>.svc[.cluster.local][:port]` hosts (URLs, OTLP endpoints, JWKS and
 *   model URLs), the Service with that port (80 for http://, 443 for https:// without one);
 * - ServiceMonitor and PodMonitor: some Service (pod) in their namespaces matches the selector,
 *   with the endpoint's port.
 * The templates inside admission policies (Kyverno, ValidatingAdmissionPolicy) are not references.
 */
import { idOf, type K8sObject, LiveIndex, MANAGED_BY, podSets } from './live-state';
import { selectorMatches } from '../gates/netpol-eval';

/** Kinds whose specs hold templates and expressions rather than references. */
const POLICY_KINDS = new Set([
  'ClusterPolicy',
  'Policy',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'ValidatingPolicy',
  'MutatingPolicy',
  'GeneratingPolicy',
  'ImageValidatingPolicy',
  'DeletingPolicy',
  'PolicyException',
]);

/** Cluster-scoped kinds a reference may name (its namespace is ignored). */
const CLUSTER_KINDS = new Set(['GatewayClass', 'ClusterRole', 'ClusterSecretStore', 'Namespace']);

const SVC_HOST =
  /(?:\b([a-z][a-z0-9+.-]*):\/\/)?(?<![\w.-])([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?(?::(\d+))?(?![\w-]|\.[\w])/g;

/** One reference from an object to another. */
interface Ref {
  readonly from: K8sObject;
  readonly path: string;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** A Service port the reference needs. */
  readonly port?: number;
}

/** Kinds whose children copy their pod template: the template is checked once, in the owner. */
const TEMPLATE_OWNERS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/** A ReplicaSet, Job or Pod made from a workload's template. */
const isCopy = (o: K8sObject): boolean =>
  ((o.metadata?.ownerReferences ?? []) as K8sObject[]).some((r) => TEMPLATE_OWNERS.includes(r.kind));

/** Whether an object is ours, or made by a controller from one of ours. */
export function isOurs(index: LiveIndex, o: K8sObject): boolean {
  if (o.metadata?.labels?.[MANAGED_BY.key] === MANAGED_BY.value) return true;
  return ((o.metadata?.ownerReferences ?? []) as K8sObject[]).some((r) => {
    const owner = index.get(r.kind, o.metadata?.namespace, r.name) ?? index.get(r.kind, undefined, r.name);
    return owner !== undefined && owner !== o && owner.metadata?.labels?.[MANAGED_BY.key] === MANAGED_BY.value;
  });
}

function walk(node: unknown, path: string, visit: (key: string, value: unknown, path: string) => void): void {
  if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}[${i}]`, visit));
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      const p = path ? `${path}.${k}` : k;
      visit(k, v, p);
      walk(v, p, visit);
    }
}

const isObj = (x: unknown): x is K8sObject => !!x && typeof x === 'object' && !Array.isArray(x);

/** The references of one object. */
function refsOf(o: K8sObject): Ref[] {
  const out: Ref[] = [];
  const ns = o.metadata?.namespace as string | undefined;
  const add = (path: string, kind: string, name: unknown, namespace?: unknown, port?: unknown) => {
    if (typeof name !== 'string' || name === '' || name.includes('{{')) return;
    out.push({
      from: o,
      path,
      kind,
      namespace: CLUSTER_KINDS.has(kind) ? undefined : ((namespace as string | undefined) ?? ns),
      name,
      ...(port !== undefined && port !== null ? { port: Number(port) } : {}),
    });
  };
  const objRef = (path: string, r: K8sObject, defaultKind: string) => {
    const kind = (r.kind as string | undefined) ?? defaultKind;
    if (kind === 'Service' && (r.group ?? '') !== '' && r.group !== 'core') return;
    add(path, kind, r.name, r.namespace, kind === 'Service' ? r.port : undefined);
  };
  if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
    const rr = o.roleRef ?? {};
    add('roleRef', rr.kind, rr.name, rr.kind === 'Role' ? ns : undefined);
    ((o.subjects ?? []) as K8sObject[]).forEach((s, i) => {
      if (s.kind === 'ServiceAccount') add(`subjects[${i}]`, 'ServiceAccount', s.name, s.namespace ?? ns);
    });
    return out;
  }
  walk(o.spec ?? {}, 'spec', (key, value, path) => {
    if (Array.isArray(value)) {
      const list = value as unknown[];
      const each = (f: (r: K8sObject, p: string) => void) =>
        list.forEach((r, i) => {
          if (isObj(r)) f(r, `${path}[${i}]`);
        });
      if (key === 'backendRefs') each((r, p) => objRef(p, r, 'Service'));
      else if (key === 'parentRefs') each((r, p) => add(p, r.kind ?? 'Gateway', r.name, r.namespace));
      else if (key === 'targetRefs') each((r, p) => r.kind && add(p, r.kind, r.name, r.namespace));
      return;
    }
    if (!isObj(value)) {
      if (key === 'apiKeySecret') add(path, 'Secret', value);
      if (key === 'modelConfig' && o.kind === 'Agent') add(path, 'ModelConfig', value);
      return;
    }
    const v = value;
    if (v.optional === true) return;
    if (key === 'secretKeyRef' || key === 'secretRef') add(path, 'Secret', v.name, v.namespace);
    else if (key === 'configMapKeyRef' || key === 'configMapRef') add(path, 'ConfigMap', v.name, v.namespace);
    else if (key === 'serviceAccountRef') add(path, 'ServiceAccount', v.name, v.namespace);
    else if (key === 'backendRef') objRef(path, v, 'Service');
    else if (key === 'mcpServer' && v.kind) add(path, v.kind, v.name, v.namespace);
    else if (key === 'agent' && o.kind === 'Agent') add(path, 'Agent', v.name, v.namespace);
  });
  // Hosts of Services in every string of the object.
  walk(o, '', (_key, v, path) => {
    if (typeof v !== 'string' || !v.includes('.svc')) return;
    for (const m of v.matchAll(SVC_HOST)) {
      const [, scheme, svc, svcNs, port] = m;
      const p = port ?? (scheme === 'http' ? 80 : scheme === 'https' ? 443 : undefined);
      add(path, 'Service', svc, svcNs, p);
    }
  });
  return out;
}

/** The references of a pod template. */
function podRefs(owner: K8sObject, spec: K8sObject, base: string): Ref[] {
  const ns = owner.metadata.namespace;
  const out: Ref[] = [];
  const add = (path: string, kind: string, name: unknown) => {
    if (typeof name === 'string' && name !== '')
      out.push({ from: owner, path: `${base}.${path}`, kind, namespace: ns, name });
  };
  add('serviceAccountName', 'ServiceAccount', spec.serviceAccountName ?? spec.serviceAccount ?? 'default');
  ((spec.imagePullSecrets ?? []) as K8sObject[]).forEach((s, i) => add(`imagePullSecrets[${i}]`, 'Secret', s.name));
  ((spec.volumes ?? []) as K8sObject[]).forEach((v, i) => {
    const p = `volumes[${i}]`;
    if (v.secret && v.secret.optional !== true) add(`${p}.secret`, 'Secret', v.secret.secretName);
    if (v.configMap && v.configMap.optional !== true) add(`${p}.configMap`, 'ConfigMap', v.configMap.name);
    if (v.persistentVolumeClaim)
      add(`${p}.persistentVolumeClaim`, 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName);
    ((v.projected?.sources ?? []) as K8sObject[]).forEach((s, j) => {
      if (s.secret && s.secret.optional !== true) add(`${p}.projected.sources[${j}].secret`, 'Secret', s.secret.name);
      if (s.configMap && s.configMap.optional !== true)
        add(`${p}.projected.sources[${j}].configMap`, 'ConfigMap', s.configMap.name);
    });
  });
  return out;
}

/** The path of a pod template inside its owner, for messages. */
function templatePath(kind: string): string {
  if (kind === 'CronJob') return 'spec.jobTemplate.spec.template.spec';
  if (kind === 'Pod') return 'spec';
  if (kind === 'Sandbox') return 'spec.podTemplate.spec';
  return 'spec.template.spec';
}

/** Services a monitor's namespaceSelector covers. */
function monitorNamespaces(m: K8sObject): (ns: string) => boolean {
  const sel = m.spec?.namespaceSelector;
  if (sel?.any === true) return () => true;
  if (Array.isArray(sel?.matchNames) && sel.matchNames.length > 0) return (ns) => sel.matchNames.includes(ns);
  return (ns) => ns === m.metadata.namespace;
}

function monitorProblems(index: LiveIndex, m: K8sObject, pods: ReturnType<typeof podSets>): string[] {
  const inNs = monitorNamespaces(m);
  const selector = m.spec?.selector ?? {};
  const sel = `selector ${JSON.stringify(selector)}`;
  if (m.kind === 'ServiceMonitor') {
    const svcs = index
      .kind('Service')
      .filter((s) => inNs(s.metadata.namespace) && selectorMatches(selector, s.metadata.labels ?? {}));
    if (svcs.length === 0) return [`${idOf(m)} spec.selector: no Service matches ${sel}`];
    return ((m.spec?.endpoints ?? []) as K8sObject[]).flatMap((e, i) => {
      if (e.port === undefined) return [];
      const ok = svcs.some((s) =>
        ((s.spec?.ports ?? []) as K8sObject[]).some((p) => p.name === e.port || String(p.port) === String(e.port)),
      );
      return ok ? [] : [`${idOf(m)} spec.endpoints[${i}].port: no Service matching ${sel} has a port named ${e.port}`];
    });
  }
  const matching = pods.filter((p) => inNs(p.namespace) && selectorMatches(selector, p.labels));
  if (matching.length === 0) return [`${idOf(m)} spec.selector: no pod matches ${sel}`];
  return ((m.spec?.podMetricsEndpoints ?? []) as K8sObject[]).flatMap((e, i) => {
    const want = e.port ?? e.portNumber;
    if (want === undefined) return [];
    const ok = matching.some((p) =>
      ((p.spec.containers ?? []) as K8sObject[]).some((c) =>
        ((c.ports ?? []) as K8sObject[]).some((cp) => cp.name === want || Number(cp.containerPort) === Number(want)),
      ),
    );
    return ok
      ? []
      : [`${idOf(m)} spec.podMetricsEndpoints[${i}]: no pod matching ${sel} has the container port ${want}`];
  });
}

/**
 * The dangling references of our objects in a live state (with the controller-made objects
 * already added: live-state.ts withControllerObjects), one line each naming the referring object,
 * the field and the missing target.
 */
export function referenceProblems(objects: readonly K8sObject[], ours = isOurs): string[] {
  const index = new LiveIndex(objects);
  const pods = podSets(objects);
  const from = objects.filter((o) => ours(index, o) && !POLICY_KINDS.has(o.kind) && !isCopy(o));
  const fromSet = new Set(from);
  const refs = from.flatMap(refsOf);
  for (const p of pods) if (fromSet.has(p.owner)) refs.push(...podRefs(p.owner, p.spec, templatePath(p.owner.kind)));
  const out = new Set<string>();
  for (const r of refs) {
    const target = index.get(r.kind, r.namespace, r.name);
    const what = `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
    if (!target) {
      out.add(`${idOf(r.from)} ${r.path}: ${what} does not exist`);
      continue;
    }
    if (r.kind === 'Service' && r.port !== undefined) {
      const ports = ((target.spec?.ports ?? []) as K8sObject[]).map((p) => Number(p.port));
      if (target.spec?.type !== 'ExternalName' && !ports.includes(r.port))
        out.add(`${idOf(r.from)} ${r.path}: ${what} has no port ${r.port} (ports ${ports.join(', ') || 'none'})`);
    }
  }
  for (const m of from.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor'))
    for (const p of monitorProblems(index, m, pods)) out.add(p);
  return [...out].sort();
}
