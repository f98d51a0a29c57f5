/**
 * What an agentgateway Gateway of the output does with one HTTP request: which listener takes it,
 * which route matches, which JWT and authorization rules apply, and the status it ends with. A
 * model of agentgateway v1.4.1, for the objects the platform compiles; each rule names its source:
 *
 * - Route selection, among the routes whose parentRef names the Gateway and the listener
 *   (sectionName) and whose namespace the listener's allowedRoutes admits: a PathPrefix matches
 *   when the request path, trailing slashes trimmed, equals the prefix (trimmed) or continues it
 *   with `/`; the longest prefix as written wins (a trailing slash counts), then the route key
 *   (crates/agentgateway/src/http/route.rs matches_request, types/agent.rs RouteSet::compare_route).
 * - JWT: with `jwtAuthentication.mode: Strict`, a request without a token gets 401
 *   (crates/agentgateway/src/http/jwt.rs); the most specific policy's JWT settings win, unless a
 *   less specific one says `strategy.inheritance: Override` (crates/agentgateway/src/store/binds.rs
 *   route_policies, store/policy.rs merge_with_inheritance).
 * - Authorization: the rules of the Gateway, the listener and the route all apply; any matching
 *   Deny refuses, every Require must match, and when Allow rules exist one must match; refused is
 *   403 (crates/agentgateway/src/http/authorization.rs, proxy/mod.rs). A rule's expressions are
 *   ORed (controller/pkg/agentgateway/plugins/traffic_plugin.go TranslateAuthorization).
 * - Request headers: the matched rule's RequestHeaderModifier filters, merged, apply to the request
 *   the backend gets: `add` appends, `set` replaces every value, `remove` drops the header; names
 *   are case-insensitive (controller/pkg/agentgateway/translator/conversion.go
 *   BuildAgwTrafficPolicyFilters, mergeHeaderModifiers; crates/agentgateway/src/http/filters.rs
 *   HeaderModifier::apply).
 */
import { LABELS } from '../../charts/lib/constants';
import { celMatches } from './cel';

/** A Kubernetes object as parsed from the output. */
export type K8sObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface GatewayRequest {
  /** Gateway name and namespace. */
  readonly gateway: { readonly name: string; readonly namespace: string };
  /** Listener port, and the Host header (for listeners with a hostname). */
  readonly port: number;
  readonly host?: string;
  readonly path: string;
  /** The claims of a valid token, if the request carries one. */
  readonly jwt?: Record<string, unknown>;
  /** `source` of the request (its verified identity, if any). */
  readonly source?: Record<string, unknown>;
  /** Request headers the client sends, by name (any case). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface GatewayVerdict {
  readonly status: 200 | 401 | 403 | 404;
  /** namespace/name of the matched HTTPRoute. */
  readonly route?: string;
  /** The route's first backendRef. */
  readonly backend?: K8sObject;
  /** The request headers the backend gets (lower-case names), after the rule's filters. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Why it ended with this status. */
  readonly reason: string;
}

const targets = (p: K8sObject): K8sObject[] => (p.spec?.targetRefs ?? []) as K8sObject[];
const ref = (o: K8sObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

/** A path match of a route rule: its PathPrefix value, the route and the rule. */
interface PrefixMatch {
  readonly prefix: string;
  readonly route: K8sObject;
  readonly rule: K8sObject;
}

/**
 * The objects a gateway decision reads, indexed once: Gateways by namespace/name, each route's
 * PathPrefix matches under its parent Gateway, and AgentgatewayPolicies by what they target. Build
 * it once per environment and decide many requests on it.
 */
export interface GatewayIndex {
  readonly gateways: ReadonlyMap<string, K8sObject>;
  readonly namespaces: ReadonlyMap<string, Record<string, string>>;
  /** Gateway namespace/name → the prefix without a trailing slash → matches. */
  readonly prefixes: ReadonlyMap<string, ReadonlyMap<string, readonly PrefixMatch[]>>;
  /** `Gateway <ns>/<name>` or `HTTPRoute <ns>/<name>` → the traffic policies targeting it. */
  readonly policies: ReadonlyMap<string, readonly K8sObject[]>;
}

/** Indexes the objects of an environment for `decideIndexed`. */
export function indexGateways(objects: readonly K8sObject[]): GatewayIndex {
  const gateways = new Map<string, K8sObject>();
  const namespaces = new Map<string, Record<string, string>>();
  const prefixes = new Map<string, Map<string, PrefixMatch[]>>();
  const policies = new Map<string, K8sObject[]>();
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for (const o of objects) {
    if (o.kind === 'Gateway') gateways.set(ref(o), o);
    else if (o.kind === 'Namespace')
      namespaces.set(o.metadata.name, { ...(o.metadata.labels ?? {}), [LABELS.namespaceName]: o.metadata.name });
    else if (o.kind === 'HTTPRoute') {
      const ns = o.metadata.namespace as string;
      const parents = new Set(((o.spec?.parentRefs ?? []) as K8sObject[]).map((p) => `${p.namespace ?? ns}/${p.name}`));
      for (const parent of parents) {
        const byPrefix = prefixes.get(parent) ?? new Map<string, PrefixMatch[]>();
        prefixes.set(parent, byPrefix);
        for (const rule of (o.spec?.rules ?? []) as K8sObject[]) {
          for (const m of (rule.matches ?? []) as K8sObject[]) {
            const prefix = m.path?.value as string | undefined;
            if (m.path?.type !== 'PathPrefix' || prefix === undefined) continue;
            push(byPrefix, prefix.replace(/\/+$/, ''), { prefix, route: o, rule });
          }
        }
      }
    } else if (o.kind === 'AgentgatewayPolicy' && o.spec?.traffic) {
      for (const t of targets(o))
        if (t.kind === 'Gateway' || t.kind === 'HTTPRoute')
          push(policies, `${t.kind} ${o.metadata.namespace}/${t.name}`, o);
    }
  }
  return { gateways, namespaces, prefixes, policies };
}

/** The listener of a Gateway that takes a request on this port and host. */
function listenerFor(gw: K8sObject, port: number, host?: string): K8sObject | undefined {
  const onPort = ((gw.spec?.listeners ?? []) as K8sObject[]).filter((l) => l.port === port && l.protocol !== 'HBONE');
  return (
    onPort.find((l) => l.hostname !== undefined && l.hostname === host) ?? onPort.find((l) => l.hostname === undefined)
  );
}

function admitsNamespace(
  listener: K8sObject,
  ns: string,
  gwNs: string,
  namespaces: ReadonlyMap<string, Record<string, string>>,
): boolean {
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return ns === gwNs;
  const labels = namespaces.get(ns) ?? {};
  const sel = listener.allowedRoutes?.namespaces?.selector ?? {};
  return Object.entries((sel.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
}

/** Every prefix a PathPrefix match could have for this path, without trailing slashes: "", "/a", "/a/b". */
function candidatePrefixes(path: string): string[] {
  const out = [''];
  for (let i = path.indexOf('/', 1); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  out.push(path.replace(/\/+$/, ''));
  return [...new Set(out)];
}

/** Decides one request on the objects of an environment. */
export function decide(objects: readonly K8sObject[], req: GatewayRequest): GatewayVerdict {
  return decideIndexed(indexGateways(objects), req);
}

/** The route a request is given to, before any policy: its listener and best match, or why none. */
export function selectRoute(
  index: GatewayIndex,
  req: Pick<GatewayRequest, 'gateway' | 'port' | 'host' | 'path'>,
): { gw: K8sObject; listener: K8sObject; best: PrefixMatch } | { reason: string } {
  const gwRef = `${req.gateway.namespace}/${req.gateway.name}`;
  const gw = index.gateways.get(gwRef);
  if (!gw) return { reason: `no Gateway ${gwRef}` };
  const listener = listenerFor(gw, req.port, req.host);
  if (!listener)
    return { reason: `no listener of ${req.gateway.name} on ${req.port}${req.host ? ` for ${req.host}` : ''}` };
  let best: PrefixMatch | undefined;
  const byPrefix = index.prefixes.get(gwRef);
  for (const candidate of byPrefix ? candidatePrefixes(req.path) : []) {
    for (const m of byPrefix!.get(candidate) ?? []) {
      const r = m.route;
      const ns = r.metadata.namespace as string;
      const attached = ((r.spec?.parentRefs ?? []) as K8sObject[]).some(
        (p) =>
          p.name === gw.metadata.name &&
          (p.namespace ?? ns) === gw.metadata.namespace &&
          (p.sectionName === undefined || p.sectionName === listener.name),
      );
      if (!attached || !admitsNamespace(listener, ns, gw.metadata.namespace, index.namespaces)) continue;
      const p = m.prefix.replace(/\/+$/, '');
      const rest = req.path.replace(/\/+$/, '');
      const hit = rest.startsWith(p) && (rest.length === p.length || rest[p.length] === '/');
      const better =
        !best ||
        m.prefix.length > best.prefix.length ||
        (m.prefix.length === best.prefix.length && ref(m.route) < ref(best.route));
      if (hit && better) best = m;
    }
  }
  if (!best) return { reason: `no route of listener ${listener.name} matches ${req.path}` };
  return { gw, listener, best };
}

/** The request headers after a route rule's RequestHeaderModifier filters, by lower-case name. */
export function forwardedHeaders(rule: K8sObject, headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  for (const f of (rule.filters ?? []) as K8sObject[]) {
    if (f.type !== 'RequestHeaderModifier') continue;
    const m = f.requestHeaderModifier ?? {};
    for (const h of (m.add ?? []) as { name: string; value: string }[]) {
      const k = h.name.toLowerCase();
      out[k] = out[k] === undefined ? h.value : `${out[k]},${h.value}`;
    }
    for (const h of (m.set ?? []) as { name: string; value: string }[]) out[h.name.toLowerCase()] = h.value;
    for (const name of (m.remove ?? []) as string[]) delete out[name.toLowerCase()];
  }
  return out;
}

/** Decides one request on an index of the objects of an environment. */
export function decideIndexed(index: GatewayIndex, req: GatewayRequest): GatewayVerdict {
  const selected = selectRoute(index, req);
  if ('reason' in selected) return { status: 404, reason: selected.reason };
  const { gw, listener, best } = selected;
  const gwRef = `${req.gateway.namespace}/${req.gateway.name}`;
  const route = best.route;
  const routeRef = ref(route);
  const onListener = (p: K8sObject) =>
    targets(p).some(
      (t) =>
        t.kind === 'Gateway' &&
        t.name === gw.metadata.name &&
        (t.sectionName === undefined || t.sectionName === listener.name),
    );
  const policies = [
    ...new Set([
      ...(index.policies.get(`Gateway ${gwRef}`) ?? []).filter(onListener),
      ...(index.policies.get(`HTTPRoute ${routeRef}`) ?? []),
    ]),
  ];
  const specificity = (p: K8sObject) =>
    targets(p).some((t) => t.kind === 'HTTPRoute') ? 2 : targets(p).some((t) => t.sectionName) ? 1 : 0;
  const ordered = [...policies].sort((a, b) => specificity(a) - specificity(b));
  let jwt: { policy: K8sObject; locked: boolean } | undefined;
  for (const p of ordered) {
    if (!p.spec.traffic.jwtAuthentication || jwt?.locked) continue;
    jwt = { policy: p, locked: p.spec.strategy?.inheritance === 'Override' };
  }
  const base = {
    route: routeRef,
    backend: (best.rule.backendRefs ?? [])[0] as K8sObject | undefined,
    headers: forwardedHeaders(best.rule, req.headers ?? {}),
  };
  if (jwt && jwt.policy.spec.traffic.jwtAuthentication.mode === 'Strict' && !req.jwt) {
    return { ...base, status: 401, reason: `no token, and ${ref(jwt.policy)} requires one (Strict)` };
  }
  const ctx = { source: req.source as any, jwt: req.jwt as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const rules = policies
    .filter((p) => p.spec.traffic.authorization)
    .map((p) => ({ p, a: p.spec.traffic.authorization as K8sObject }));
  const matches = (a: K8sObject) => ((a.policy?.matchExpressions ?? []) as string[]).some((e) => celMatches(e, ctx));
  const denied = rules.find(({ a }) => a.action === 'Deny' && matches(a));
  if (denied) return { ...base, status: 403, reason: `denied by ${ref(denied.p)}` };
  const failed = rules.find(({ a }) => a.action === 'Require' && !matches(a));
  if (failed)
    return {
      ...base,
      status: 403,
      reason: `${ref(failed.p)} requires ${(failed.a.policy?.matchExpressions ?? []).join(' or ')}`,
    };
  const allows = rules.filter(({ a }) => (a.action ?? 'Allow') === 'Allow');
  if (allows.length > 0 && !allows.some(({ a }) => matches(a)))
    return { ...base, status: 403, reason: `no Allow rule of ${allows.map(({ p }) => ref(p)).join(', ')} matches` };
  return { ...base, status: 200, reason: `admitted by ${rules.map(({ p }) => ref(p)).join(', ') || 'no rule'}` };
}

/** The AgentgatewayPolicy CEL expressions that decide requests on a route of a Gateway (for grouping callers). */
export function routeExpressions(
  index: GatewayIndex,
  gateway: { namespace: string; name: string },
  route: string,
): string[] {
  const gwRef = `${gateway.namespace}/${gateway.name}`;
  const ps = [...(index.policies.get(`Gateway ${gwRef}`) ?? []), ...(index.policies.get(`HTTPRoute ${route}`) ?? [])];
  return ps.flatMap((p) => (p.spec.traffic.authorization?.policy?.matchExpressions ?? []) as string[]);
}
