/**
 * The flow view of an object: exactly what the flow matrix (matrix.ts and what it reads through:
 * actors, shapes, gateway, layers, netpol-eval, mesh-authz) reads of it. Kinds it never reads
 * are dropped; a Namespace is cut to its name, labels and route segment annotation; the other
 * kinds it reads are kept whole. flowMatrix builds on views only, so two environments whose
 * views are equal have equal matrices, by construction: `npm run diff` compares the views of the
 * changed files and skips the matrices when they are equal. Pure.
 */
import { ANNOTATIONS } from '../../charts/lib/constants';
import type { EnvironmentOutput, K8sObject, Manifest } from '../kube/manifests';
import type { View } from '../gates/views';

const whole = (o: K8sObject): K8sObject => o;

/** What the matrix reads of a Namespace: its name, labels and route segment. */
function namespaceView(o: K8sObject): K8sObject {
  const m = o.metadata ?? {};
  const segment = m.annotations?.[ANNOTATIONS.routeSegment];
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: m.name,
      ...(m.labels !== undefined ? { labels: m.labels } : {}),
      ...(segment !== undefined ? { annotations: { [ANNOTATIONS.routeSegment]: segment } } : {}),
    },
  };
}

/**
 * Kinds the matrix reads, and the part of each it reads. A kind added to the flow code is added
 * here too (test/flow-view.test.ts compares the matrix of views with that of whole objects).
 */
export const FLOW_VIEWS: Readonly<Record<string, (o: K8sObject) => K8sObject>> = {
  Namespace: namespaceView,
  // Network, mesh and gateway policies and routes (netpol-eval, mesh-authz, gateway, shapes).
  NetworkPolicy: whole,
  AuthorizationPolicy: whole,
  AgentgatewayPolicy: whole,
  AgentgatewayBackend: whole,
  HTTPRoute: whole,
  Gateway: whole,
  // Targets and actors (actors.ts): Services, workloads, models, release namespaces, access syncs.
  Service: whole,
  Deployment: whole,
  CronJob: whole,
  Application: whole,
  Agent: whole,
  MCPServer: whole,
  Sandbox: whole,
  SandboxTemplate: whole,
  ModelConfig: whole,
};

/** The flow view of an object, or undefined for a kind the matrix does not read. */
export function flowView(o: K8sObject): K8sObject | undefined {
  const view = typeof o?.kind === 'string' && Object.hasOwn(FLOW_VIEWS, o.kind) ? FLOW_VIEWS[o.kind] : undefined;
  return view?.(o);
}

/** The manifests whose kind the matrix reads, each object replaced by its view. */
export function viewManifests(
  manifests: readonly Manifest[],
  view: (o: K8sObject) => K8sObject | undefined = flowView,
): Manifest[] {
  const out: Manifest[] = [];
  for (const m of manifests) {
    const object = view(m.object);
    if (object !== undefined) out.push(object === m.object ? m : { ...m, object });
  }
  return out;
}

/** An environment with only the flow views of its objects. */
export function viewEnvironment(
  env: EnvironmentOutput,
  view: (o: K8sObject) => K8sObject | undefined = flowView,
): EnvironmentOutput {
  return {
    name: env.name,
    kubernetesVersion: env.kubernetesVersion,
    trustDomain: env.trustDomain,
    files: env.files,
    manifests: viewManifests(env.manifests, view),
  };
}

/** JSON with every object's keys sorted: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** The views of some objects as a sorted list of canonical JSON texts: a multiset, compared as text. */
export function viewMultiset(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const v = flowView(o);
    if (v !== undefined) out.push(canonicalJson(v));
  }
  return out.sort();
}

/**
 * The flow gate: the kinds the flow code reads (scripts/flows: actors, gateway, layers, matrix,
 * sandbox-router, shapes), whole, and of a Namespace its labels and route segment only.
 */
export function flowsView(): View {
  // The matrix's kinds (flows/view.ts, whole but for the Namespace), and what the sandbox-router
  // checks read besides (flows/sandbox-router.ts: its service account and what binds it).
  const whole = [
    ...Object.keys(FLOW_VIEWS).filter((k) => k !== 'Namespace'),
    'ClusterRoleBinding',
    'RoleBinding',
    'ServiceAccount',
  ];
  return {
    ...Object.fromEntries(whole.map((k) => [k, 'all' as const])),
    Namespace: [
      ['metadata', 'labels'],
      ['metadata', 'annotations', ANNOTATIONS.routeSegment],
    ],
  };
}
