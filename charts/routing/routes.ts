/**
 * The routing table of the central gateway: every path, the object it reaches, its owner and who
 * may call it. One pure function computes it from the tenants; the tenant chart emits the
 * HTTPRoutes from it, the loader checks it for collisions, and synth publishes it as
 * dist/<env>/routes.md and routes.json.
 */
import type { FieldPath } from '../config/source-errors';
import type { TenantWorkloads } from '../config/workloads';
import { CENTRAL_GATEWAY, KAGENT_AGENT_SERVICE, ROUTE_PREFIXES, tenantNamespace } from '../lib/constants';

export type RouteKind = keyof typeof ROUTE_PREFIXES;

/** What a route forwards to. */
export interface RouteBackend {
  readonly kind: 'Service' | 'AgentgatewayBackend';
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  /** Who creates the backend object: the compiler (in dist/) or a controller from another object. */
  readonly createdBy: 'compiler' | 'kagent' | 'kmcp' | 'platform';
}

export interface RouteEntry {
  readonly path: string;
  readonly kind: RouteKind;
  /** Tenant name, or `platform` for the platform's own routes. */
  readonly owner: string;
  /** Namespace of the HTTPRoute (the owner's). */
  readonly namespace: string;
  /** Name of the HTTPRoute. */
  readonly routeName: string;
  /** The object the route exposes. */
  readonly exposes: { readonly kind: string; readonly name: string };
  readonly backend: RouteBackend;
  /** Tenants whose tokens the gateway accepts on this route; `*` is every tenant. */
  readonly callers: readonly string[];
  /** Where the exposed object is declared in tenants.yaml (empty for platform routes). */
  readonly field: FieldPath;
}

/** Caller list of a platform route: every tenant. */
export const ANY_TENANT = '*';

/** Owner name of the platform's own routes. */
export const PLATFORM_OWNER = 'platform';

/** Names of the objects the compiler creates for a tenant's routes, by route kind. */
export const ROUTE_OBJECT_NAMES = {
  route: (kind: RouteKind, name: string) => `${kind}-${name}`,
  /** The AgentgatewayPolicy that admits the route's callers. */
  callers: (kind: RouteKind, name: string) => `${kind}-${name}-callers`,
  /** The Service of a sandbox. */
  sandboxService: (name: string) => `sandbox-${name}`,
} as const;

/** The path segment of a tenant's routes: its alias, else its namespace. */
export function routeSegment(tenant: { name: string; alias?: string }): string {
  return tenant.alias ?? tenantNamespace(tenant.name);
}

export function routePath(kind: RouteKind, segment: string, name: string): string {
  return `${ROUTE_PREFIXES[kind]}/${segment}/${name}`;
}

export interface RoutedTenant {
  readonly name: string;
  readonly alias?: string;
  readonly workloads: TenantWorkloads;
  /** Index of the tenant in tenants.yaml, for error positions. */
  readonly index: number;
}

/** Every route a tenant's exposed objects get, in declaration order. */
export function tenantRoutes(t: RoutedTenant): RouteEntry[] {
  const ns = tenantNamespace(t.name);
  const seg = routeSegment(t);
  const callers = (extra: readonly string[]) => [t.name, ...[...new Set(extra)].filter((x) => x !== t.name).sort()];
  const base = (kind: RouteKind, name: string, field: FieldPath) => ({
    path: routePath(kind, seg, name),
    kind,
    owner: t.name,
    namespace: ns,
    routeName: ROUTE_OBJECT_NAMES.route(kind, name),
    field: ['tenants', t.index, ...field],
  });
  const out: RouteEntry[] = [];
  t.workloads.agents.forEach((a, j) => {
    if (!a.expose) return;
    out.push({
      ...base('a2a', a.name, ['agents', j]),
      exposes: { kind: 'Agent', name: a.name },
      backend: { kind: 'Service', namespace: ns, name: a.name, port: KAGENT_AGENT_SERVICE.port, createdBy: 'kagent' },
      callers: callers(a.allowCallsFrom),
    });
  });
  t.workloads.llmBackends.forEach((b, j) => {
    if (!b.expose) return;
    out.push({
      ...base('llm', b.name, ['llmBackends', j]),
      exposes: { kind: 'AgentgatewayBackend', name: b.name },
      backend: { kind: 'AgentgatewayBackend', namespace: ns, name: b.name, createdBy: 'compiler' },
      callers: callers(b.allowCallsFrom),
    });
  });
  t.workloads.mcpServers.forEach((s, j) => {
    if (!s.expose) return;
    out.push({
      ...base('mcp', s.name, ['mcpServers', j]),
      exposes: { kind: 'MCPServer', name: s.name },
      // The Service kmcp creates for the MCPServer, named after it, on the server's port.
      backend: { kind: 'Service', namespace: ns, name: s.name, port: s.port, createdBy: 'kmcp' },
      callers: callers(s.allowCallsFrom),
    });
  });
  t.workloads.sandboxes.forEach((s, j) => {
    if (!s.expose) return;
    out.push({
      ...base('sandbox', s.name, ['sandboxes', j]),
      exposes: { kind: 'Sandbox', name: s.name },
      backend: { kind: 'Service', namespace: ns, name: ROUTE_OBJECT_NAMES.sandboxService(s.name), port: s.port, createdBy: 'compiler' },
      // A sandbox runs code for its own tenant only: no allowCallsFrom.
      callers: [t.name],
    });
  });
  return out;
}

/** Sorts routes by path (then owner), the order of the published table. */
export function sortRoutes(routes: readonly RouteEntry[]): RouteEntry[] {
  return [...routes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
}

/** The CEL expression that admits a token whose tenant claim names one of the callers. */
export function callersExpression(claim: string, callers: readonly string[]): string {
  return `jwt.${claim}.exists(t, t in [${callers.map((c) => JSON.stringify(c)).join(', ')}])`;
}

/** In-cluster URL of a path on the central gateway. */
export function gatewayUrl(path: string): string {
  return `http://${CENTRAL_GATEWAY.name}.${CENTRAL_GATEWAY.namespace}.svc.cluster.local${path}`;
}

/** The rule of a route on the central gateway: a path prefix, rewritten to `/` before the backend. */
export function prefixRewriteRule(path: string, backendRef: Record<string, unknown>): Record<string, unknown> {
  return {
    matches: [{ path: { type: 'PathPrefix', value: path } }],
    filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
    backendRefs: [backendRef],
  };
}
