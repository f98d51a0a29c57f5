/**
 * The routing table of the gateways: every path, the object it reaches, its owner and who
 * may call it. One pure function computes it from the tenants; the tenant chart emits the
 * HTTPRoutes from it, the loader checks it for collisions, and synth publishes it as
 * dist/<env>/routes.md and routes.json.
 */
import { type Guards, hasGuards, llmBackendGuards, type MergedGuards, NO_GUARDS } from './guards';
import type { FieldPath } from './source-errors';
import type { TenantWorkloads } from './workloads';
import {
  KAGENT_AGENT_SERVICE,
  MESH_GATEWAY,
  PLATFORM_NAMESPACES,
  ROUTE_PREFIXES,
  SANDBOX_ROUTER,
  tenantNamespace,
} from '../lib/constants';

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
  /** Namespace of the HTTPRoutes (the owner's). */
  readonly namespace: string;
  /** Names of the HTTPRoutes: on the mesh gateway, and on the external gateway when exposed. */
  readonly routeNames: { readonly mesh: string; readonly external?: string };
  /** The object the route exposes. */
  readonly exposes: { readonly kind: string; readonly name: string };
  readonly backend: RouteBackend;
  /**
   * Tenants that may call the route: their tokens on the external gateway, their workloads'
   * mesh identities on the mesh gateway; `*` is every tenant.
   */
  readonly callers: readonly string[];
  /**
   * Also on the external gateway (the object is exposed). Every route is on the mesh gateway, for
   * the callers' workloads inside the cluster.
   */
  readonly external: boolean;
  /** Where the exposed object is declared in tenants.yaml (empty for platform routes). */
  readonly field: FieldPath;
  /** Prompt guards the route enforces (LLM routes), every level merged; undefined: none. */
  readonly guards?: MergedGuards;
  /** Request headers the gateways set and remove before the backend (the sandbox router's route). */
  readonly requestHeaders?: RequestHeaders;
}

/** A RequestHeaderModifier of an HTTPRoute rule: headers set (overwriting the client's) and removed. */
export interface RequestHeaders {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

/**
 * The headers the routes of a tenant's sandbox router rewrite, whatever the client sent: the
 * namespace is the tenant's, and the headers that pick a pod by address or by UID are dropped, so
 * the router resolves only <X-Sandbox-ID>.<namespace>.svc (agent-sandbox v0.5.6
 * sandbox-router/proxy/resolve.go Resolve: X-Sandbox-Pod-IP first, then the cache by UID, then
 * DNS; proxy/headers.go ParseSandboxHeaders, namespace default "default").
 */
export function sandboxRouterHeaders(namespace: string): RequestHeaders {
  const h = SANDBOX_ROUTER.headers;
  return { set: [{ name: h.namespace, value: namespace }], remove: [h.podIp, h.uid] };
}

/** Caller list of a platform route: every tenant. */
export const ANY_TENANT = '*';

/** Owner name of the platform's own routes. */
export const PLATFORM_OWNER = 'platform';

/** Names of the objects the compiler creates for a tenant's routes, by route kind. */
export const ROUTE_OBJECT_NAMES = {
  /** The HTTPRoute on the external gateway. */
  route: (kind: RouteKind, name: string) => `${kind}-${name}`,
  /** The AgentgatewayPolicy that admits the route's callers by their token. */
  callers: (kind: RouteKind, name: string) => `${kind}-${name}-callers`,
  /** The HTTPRoute on the mesh gateway. */
  meshRoute: (kind: RouteKind, name: string) => `${kind}-${name}-mesh`,
  /** The AgentgatewayPolicy that admits the mesh route's callers by their workloads' identity. */
  meshCallers: (kind: RouteKind, name: string) => `${kind}-${name}-mesh-callers`,
  /** The AgentgatewayPolicy with the prompt guards of an LLM route (both gateways). */
  guards: (kind: RouteKind, name: string) => `${kind}-${name}-guards`,
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

/** The path of a tenant's sandbox router: the sandbox prefix and its segment, no name. */
export function sandboxRouterPath(segment: string): string {
  return `${ROUTE_PREFIXES.sandbox}/${segment}`;
}

export interface RoutedTenant {
  readonly name: string;
  readonly alias?: string;
  readonly workloads: TenantWorkloads;
  /** Index of the tenant in tenants.yaml, for error positions. */
  readonly index: number;
}

/**
 * Every route a tenant's exposed objects get, in declaration order. `platform`: the environment's
 * default prompt guards, merged into each LLM route's own.
 */
export function tenantRoutes(t: RoutedTenant, platform: Guards = NO_GUARDS): RouteEntry[] {
  const ns = tenantNamespace(t.name);
  const seg = routeSegment(t);
  const callers = (extra: readonly string[]) => [t.name, ...[...new Set(extra)].filter((x) => x !== t.name).sort()];
  const base = (kind: RouteKind, name: string, field: FieldPath, external: boolean) => ({
    path: routePath(kind, seg, name),
    kind,
    owner: t.name,
    namespace: ns,
    routeNames: {
      mesh: ROUTE_OBJECT_NAMES.meshRoute(kind, name),
      ...(external ? { external: ROUTE_OBJECT_NAMES.route(kind, name) } : {}),
    },
    external,
    field: ['tenants', t.index, ...field],
  });
  const out: RouteEntry[] = [];
  t.workloads.agents.forEach((a, j) => {
    if (!a.expose) return;
    out.push({
      ...base('a2a', a.name, ['agents', j], true),
      exposes: { kind: 'Agent', name: a.name },
      backend: { kind: 'Service', namespace: ns, name: a.name, port: KAGENT_AGENT_SERVICE.port, createdBy: 'kagent' },
      callers: callers(a.allowCallsFrom),
    });
  });
  // Every LLM backend has a route: the tenant's models reach it through the mesh gateway, which
  // injects its key. Exposed, it is also on the external gateway.
  t.workloads.llmBackends.forEach((b, j) => {
    const guards = llmBackendGuards(t.workloads, b.name, platform);
    out.push({
      ...base('llm', b.name, ['llmBackends', j], b.expose === true),
      exposes: { kind: 'AgentgatewayBackend', name: b.name },
      backend: { kind: 'AgentgatewayBackend', namespace: ns, name: b.name, createdBy: 'compiler' },
      callers: callers(b.allowCallsFrom),
      ...(hasGuards(guards) ? { guards } : {}),
    });
  });
  t.workloads.mcpServers.forEach((s, j) => {
    if (!s.expose) return;
    out.push({
      ...base('mcp', s.name, ['mcpServers', j], true),
      exposes: { kind: 'MCPServer', name: s.name },
      // The Service kmcp creates for the MCPServer, named after it, on the server's port.
      backend: { kind: 'Service', namespace: ns, name: s.name, port: s.port, createdBy: 'kmcp' },
      callers: callers(s.allowCallsFrom),
    });
  });
  // Every running sandbox has a mesh route, for its own tenant's agents (its pod admits nothing
  // of its namespace); exposed, it is also on the external gateway. A template runs nothing
  // until claimed.
  t.workloads.sandboxes.forEach((s, j) => {
    if (s.kind !== 'Sandbox') return;
    out.push({
      ...base('sandbox', s.name, ['sandboxes', j], s.expose),
      exposes: { kind: 'Sandbox', name: s.name },
      backend: {
        kind: 'Service',
        namespace: ns,
        name: ROUTE_OBJECT_NAMES.sandboxService(s.name),
        port: s.port,
        createdBy: 'compiler',
      },
      // A sandbox runs code for its own tenant only: no allowCallsFrom.
      callers: [t.name],
    });
  });
  // The sandbox router: the claims of the tenant's templates, by header. Its path has no name, so
  // a static sandbox's route (longer) keeps its own requests.
  const router = t.workloads.sandboxRouter;
  if (router) {
    out.push({
      ...base('sandbox', SANDBOX_ROUTER.routeName, ['sandboxRouter'], router.expose),
      path: sandboxRouterPath(seg),
      exposes: { kind: 'SandboxRouter', name: SANDBOX_ROUTER.routeName },
      backend: {
        kind: 'Service',
        namespace: ns,
        name: SANDBOX_ROUTER.name,
        port: SANDBOX_ROUTER.port,
        createdBy: 'compiler',
      },
      callers: [t.name],
      requestHeaders: sandboxRouterHeaders(ns),
    });
  }
  return out;
}

/** Sorts routes by path (then owner), the order of the published table. */
export function sortRoutes(routes: readonly RouteEntry[]): RouteEntry[] {
  return [...routes].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0,
  );
}

/**
 * The CEL expression (agentgateway) that admits a token whose tenant claim names one of the
 * callers. One expression per rule: agentgateway v1.4.1 ORs the matchExpressions of a rule
 * (controller/pkg/agentgateway/plugins/traffic_plugin.go TranslateAuthorization).
 */
export function callersExpression(claim: string, callers: readonly string[]): string {
  return `jwt.${claim}.exists(t, t in [${callers.map((c) => JSON.stringify(c)).join(', ')}])`;
}

/** CEL expression (agentgateway) that holds only for a caller with a mesh identity of the trust domain. */
export function meshIdentityExpression(trustDomain: string): string {
  return `source.identity.trustDomain == ${JSON.stringify(trustDomain)}`;
}

/**
 * The CEL expression (agentgateway) that admits a request whose mesh identity is a workload of
 * one of the callers' namespaces: `source.identity` is the SPIFFE identity of the client
 * certificate of the HBONE tunnel the mesh gateway terminated (agentgateway v1.4.1
 * crates/agentgateway/src/proxy/gateway.rs terminate_gateway_hbone, serve_gateway_connect;
 * transport/stream.rs Socket::from_hbone). Without an identity the expression fails and the
 * request is refused. `*` admits every tenant namespace and kagent's own agents.
 */
export function meshCallersExpression(trustDomain: string, callers: readonly string[]): string {
  const td = meshIdentityExpression(trustDomain);
  if (callers.includes(ANY_TENANT)) {
    return `${td} && (source.identity.namespace.startsWith(${JSON.stringify(tenantNamespace(''))}) || source.identity.namespace == ${JSON.stringify(PLATFORM_NAMESPACES.kagent)})`;
  }
  return `${td} && source.identity.namespace in [${callers.map((c) => JSON.stringify(tenantNamespace(c))).join(', ')}]`;
}

/** In-cluster URL of a path on the mesh gateway: what workloads call. */
export function gatewayUrl(path: string): string {
  return `http://${MESH_GATEWAY.name}.${MESH_GATEWAY.namespace}.svc.cluster.local${path}`;
}

/** Host names of the external gateway's listeners. */
export function externalHosts(domain: string): { readonly gateway: string; readonly keycloak: string } {
  return { gateway: `gateway.${domain}`, keycloak: `keycloak.${domain}` };
}

/**
 * Host names of the platform's web UIs that people sign in to with Keycloak: Langfuse
 * (NEXTAUTH_URL) and Grafana (root_url). The redirect URIs of their Keycloak clients derive from
 * them.
 */
export function uiHosts(domain: string): { readonly langfuse: string; readonly grafana: string } {
  return { langfuse: `langfuse.${domain}`, grafana: `grafana.${domain}` };
}

/** URL of a path on the external gateway: what callers outside the cluster use. */
export function externalUrl(domain: string, path: string): string {
  return `https://${externalHosts(domain).gateway}${path}`;
}

/**
 * A backendRef with the values the HTTPRoute CRD defaults written out (gateway-api v1.6.1
 * gateway.networking.k8s.io_httproutes.yaml: group "", kind Service, weight 1). The API server
 * stores them in a field Argo CD's server-side apply owns, so a route without them stays
 * OutOfSync and selfHeal syncs it again and again (argoproj/argo-cd#22151).
 */
export function backendRefWithDefaults(backendRef: Record<string, unknown>): Record<string, unknown> {
  return { group: '', kind: 'Service', ...backendRef, weight: backendRef.weight ?? 1 };
}

/**
 * The rule of a route on a gateway: a path prefix, rewritten to `/` before the backend, and the
 * request headers set and removed, if any (agentgateway v1.4.1 translates RequestHeaderModifier,
 * controller/pkg/agentgateway/translator/conversion.go BuildAgwTrafficPolicyFilters; set replaces
 * every value the client sent, crates/agentgateway/src/http/filters.rs HeaderModifier).
 */
export function prefixRewriteRule(
  path: string,
  backendRef: Record<string, unknown>,
  headers?: RequestHeaders,
): Record<string, unknown> {
  return {
    matches: [{ path: { type: 'PathPrefix', value: path } }],
    filters: [
      { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
      ...(headers
        ? [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { set: headers.set.map((h) => ({ ...h })), remove: [...headers.remove] },
            },
          ]
        : []),
    ],
    backendRefs: [backendRef],
  };
}
