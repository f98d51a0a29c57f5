/**
 * Tenants grouped by the shape of what decides their flows: the objects of their namespace that a
 * layer reads (NetworkPolicies, AuthorizationPolicies, AgentgatewayPolicies, HTTPRoutes, Services,
 * Gateways, the workloads' pod labels and service accounts, ModelConfigs and the namespace's
 * labels and route segment), with the tenant's own namespace, name and route segment replaced
 * by placeholders. Two tenants of one shape get the same verdicts, renamed, on every flow that
 * starts or ends in them, so the matrix evaluates one tenant of each shape; the isolation gate
 * groups tenants the same way.
 *
 * A tenant that a platform object names (a platform policy or route mentioning its namespace, name
 * or segment) is a shape of its own, since the platform then treats it apart. References to other
 * tenants stay literal, so tenants that allow different callers differ. Pure.
 */
import { ANNOTATIONS } from '../../charts/lib/constants';
import type { K8sObject, TenantView } from './actors';

/** Kinds whose objects decide flows, and the part of each that does. */
const RELEVANT: Readonly<Record<string, (o: K8sObject) => unknown>> = {
  Namespace: (o) => ({ labels: o.metadata?.labels, segment: o.metadata?.annotations?.[ANNOTATIONS.routeSegment] }),
  NetworkPolicy: (o) => o.spec,
  AuthorizationPolicy: (o) => o.spec,
  AgentgatewayPolicy: (o) => o.spec,
  HTTPRoute: (o) => o.spec,
  Gateway: (o) => o.spec,
  Service: (o) => ({ labels: o.metadata?.labels, spec: o.spec }),
  Agent: (o) => {
    const d = o.spec?.declarative?.deployment ?? o.spec?.byo?.deployment ?? {};
    return { labels: d.labels, serviceAccountName: d.serviceAccountName, env: d.env };
  },
  MCPServer: (o) => ({
    labels: o.spec?.deployment?.labels,
    serviceAccountName: o.spec?.deployment?.serviceAccountName,
    port: o.spec?.deployment?.port,
  }),
  Sandbox: (o) => ({
    labels: o.spec?.podTemplate?.metadata?.labels,
    serviceAccountName: o.spec?.podTemplate?.spec?.serviceAccountName,
    ports: o.spec?.podTemplate?.spec?.containers?.map((c: K8sObject) => c.ports),
  }),
  SandboxTemplate: (o) => ({
    labels: o.spec?.podTemplate?.metadata?.labels,
    serviceAccountName: o.spec?.podTemplate?.spec?.serviceAccountName,
    ports: o.spec?.podTemplate?.spec?.containers?.map((c: K8sObject) => c.ports),
  }),
  ModelConfig: (o) => ({ provider: o.spec?.provider, url: o.spec?.anthropic?.baseUrl ?? o.spec?.openAI?.baseUrl }),
  AgentgatewayBackend: (o) => ({ ai: o.spec?.ai !== undefined, mcp: o.spec?.mcp !== undefined }),
};

/** Replaces a tenant's namespace, route segment and name, as whole words, in one pass. */
export function renameTenant(
  text: string,
  from: Pick<TenantView, 'namespace' | 'segment' | 'tenant'>,
  to: (part: 'namespace' | 'segment' | 'tenant') => string,
): string {
  const names = new Map<string, 'namespace' | 'segment' | 'tenant'>([[from.namespace, 'namespace']]);
  if (!names.has(from.segment)) names.set(from.segment, 'segment');
  if (!names.has(from.tenant)) names.set(from.tenant, 'tenant');
  const alternatives = [...names.keys()]
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return text.replace(new RegExp(`(?<![a-z0-9-])(?:${alternatives.join('|')})(?![a-z0-9-])`, 'g'), (m) =>
    to(names.get(m)!),
  );
}

/** A tenant's shape key. */
function shapeKey(t: TenantView, objects: readonly K8sObject[]): string {
  const parts = objects
    .filter((o) => RELEVANT[o.kind] !== undefined)
    .map((o) => [o.kind, o.metadata?.name, RELEVANT[o.kind](o)] as const)
    .sort((a, b) => (a[0] === b[0] ? String(a[1]).localeCompare(String(b[1])) : a[0].localeCompare(b[0])));
  return renameTenant(JSON.stringify(parts), t, (part) => `\u0000${part}`);
}

/** Tenants by shape: each group's first tenant is its representative. */
export interface Shapes {
  readonly groups: readonly (readonly TenantView[])[];
  /** Namespace → the group it belongs to. */
  readonly of: ReadonlyMap<string, readonly TenantView[]>;
  /** Group → its index in `groups`. */
  readonly index: ReadonlyMap<readonly TenantView[], number>;
}

/**
 * Groups the tenants by shape. `platformTokens` are the DNS-label-like words of the platform's own
 * policies and routes (`platformTokens`); a tenant they name is a group of its own, as is `focus`.
 */
export function tenantShapes(
  tenants: readonly TenantView[],
  objectsByNamespace: ReadonlyMap<string, readonly K8sObject[]>,
  platformTokens: ReadonlySet<string>,
  focus?: string,
): Shapes {
  const byKey = new Map<string, TenantView[]>();
  for (const t of tenants) {
    const objects = objectsByNamespace.get(t.namespace) ?? [];
    const named = [t.namespace, t.tenant, t.segment].some((n) => platformTokens.has(n));
    const key = named || t.tenant === focus ? `\u0000own\u0000${t.namespace}` : shapeKey(t, objects);
    const list = byKey.get(key);
    if (list) list.push(t);
    else byKey.set(key, [t]);
  }
  const groups = [...byKey.values()];
  const of = new Map<string, readonly TenantView[]>();
  for (const g of groups) for (const t of g) of.set(t.namespace, g);
  return { groups, of, index: new Map(groups.map((g, i) => [g, i])) };
}

/** The DNS-label-like words of some objects: what a tenant's name would be found among. */
export function labelTokens(objects: readonly K8sObject[]): Set<string> {
  return new Set(JSON.stringify(objects).match(/[a-z0-9]+(?:-[a-z0-9]+)*/g) ?? []);
}
