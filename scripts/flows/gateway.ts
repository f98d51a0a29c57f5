/**
 * What an agentgateway Gateway of the output does with one HTTP request: which listener takes it,
 * which route matches, which JWT and authorization rules apply, and the status it ends with. A
 * model of agentgateway v1.4.1, for the objects the platform compiles; each rule names its source:
 *
 * - Route selection: Gateway API HTTPRoute matching, the longest PathPrefix wins (gateway-api
 *   v1.6.1 apis/v1/httproute_types.go, HTTPRouteRule "precedence"), among the routes whose
 *   parentRef names the Gateway and the listener (sectionName) and whose namespace the listener's
 *   allowedRoutes admits.
 * - JWT: with `jwtAuthentication.mode: Strict`, a request without a token gets 401
 *   (crates/agentgateway/src/http/jwt.rs); the most specific policy's JWT settings win, unless a
 *   less specific one says `strategy.inheritance: Override` (crates/agentgateway/src/store/binds.rs
 *   route_policies, store/policy.rs merge_with_inheritance).
 * - Authorization: the rules of the Gateway, the listener and the route all apply; any matching
 *   Deny refuses, every Require must match, and when Allow rules exist one must match; refused is
 *   403 (crates/agentgateway/src/http/authorization.rs, proxy/mod.rs). A rule's expressions are
 *   ORed (controller/pkg/agentgateway/plugins/traffic_plugin.go TranslateAuthorization).
 */
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
}

export interface GatewayVerdict {
  readonly status: 200 | 401 | 403 | 404;
  /** namespace/name of the matched HTTPRoute. */
  readonly route?: string;
  /** The route's first backendRef. */
  readonly backend?: K8sObject;
  /** Why it ended with this status. */
  readonly reason: string;
}

const targets = (p: K8sObject): K8sObject[] => (p.spec?.targetRefs ?? []) as K8sObject[];

/** The listener of a Gateway that takes a request on this port and host. */
function listenerFor(gw: K8sObject, port: number, host?: string): K8sObject | undefined {
  const onPort = ((gw.spec?.listeners ?? []) as K8sObject[]).filter((l) => l.port === port && l.protocol !== 'HBONE');
  return onPort.find((l) => l.hostname !== undefined && l.hostname === host) ?? onPort.find((l) => l.hostname === undefined);
}

function admitsNamespace(listener: K8sObject, ns: string, gwNs: string, namespaces: ReadonlyMap<string, Record<string, string>>): boolean {
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return ns === gwNs;
  const labels = namespaces.get(ns) ?? {};
  const sel = listener.allowedRoutes?.namespaces?.selector ?? {};
  return Object.entries((sel.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
}

/** Decides one request on the objects of an environment. */
export function decide(objects: readonly K8sObject[], req: GatewayRequest): GatewayVerdict {
  const gw = objects.find((o) => o.kind === 'Gateway' && o.metadata?.name === req.gateway.name && o.metadata?.namespace === req.gateway.namespace);
  if (!gw) return { status: 404, reason: `no Gateway ${req.gateway.namespace}/${req.gateway.name}` };
  const listener = listenerFor(gw, req.port, req.host);
  if (!listener) return { status: 404, reason: `no listener of ${req.gateway.name} on ${req.port}${req.host ? ` for ${req.host}` : ''}` };
  const namespaces = new Map(objects.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name as string, { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name }]));
  let best: { route: K8sObject; rule: K8sObject; length: number } | undefined;
  for (const r of objects.filter((o) => o.kind === 'HTTPRoute')) {
    const ns = r.metadata.namespace as string;
    const attached = ((r.spec?.parentRefs ?? []) as K8sObject[]).some(
      (p) => p.name === gw.metadata.name && (p.namespace ?? ns) === gw.metadata.namespace && (p.sectionName === undefined || p.sectionName === listener.name),
    );
    if (!attached || !admitsNamespace(listener, ns, gw.metadata.namespace, namespaces)) continue;
    for (const rule of (r.spec?.rules ?? []) as K8sObject[]) {
      for (const m of (rule.matches ?? []) as K8sObject[]) {
        const prefix = m.path?.value as string | undefined;
        if (m.path?.type !== 'PathPrefix' || prefix === undefined) continue;
        const hit = prefix === '/' || req.path === prefix || req.path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
        if (hit && (!best || prefix.length > best.length)) best = { route: r, rule, length: prefix.length };
      }
    }
  }
  if (!best) return { status: 404, reason: `no route of listener ${listener.name} matches ${req.path}` };
  const routeRef = `${best.route.metadata.namespace}/${best.route.metadata.name}`;
  const applies = (p: K8sObject) =>
    targets(p).some((t) =>
      t.kind === 'Gateway'
        ? p.metadata.namespace === gw.metadata.namespace && t.name === gw.metadata.name && (t.sectionName === undefined || t.sectionName === listener.name)
        : t.kind === 'HTTPRoute' && p.metadata.namespace === best!.route.metadata.namespace && t.name === best!.route.metadata.name,
    );
  const policies = objects.filter((o) => o.kind === 'AgentgatewayPolicy' && o.spec?.traffic && applies(o));
  const specificity = (p: K8sObject) => (targets(p).some((t) => t.kind === 'HTTPRoute') ? 2 : targets(p).some((t) => t.sectionName) ? 1 : 0);
  const ordered = [...policies].sort((a, b) => specificity(a) - specificity(b));
  let jwt: { policy: K8sObject; locked: boolean } | undefined;
  for (const p of ordered) {
    if (!p.spec.traffic.jwtAuthentication || jwt?.locked) continue;
    jwt = { policy: p, locked: p.spec.strategy?.inheritance === 'Override' };
  }
  const base = { route: routeRef, backend: (best.rule.backendRefs ?? [])[0] as K8sObject | undefined };
  if (jwt && jwt.policy.spec.traffic.jwtAuthentication.mode === 'Strict' && !req.jwt) {
    return { ...base, status: 401, reason: `no token, and ${jwt.policy.metadata.namespace}/${jwt.policy.metadata.name} requires one (Strict)` };
  }
  const ctx = { source: req.source as any, jwt: req.jwt as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const rules = policies.filter((p) => p.spec.traffic.authorization).map((p) => ({ p, a: p.spec.traffic.authorization as K8sObject }));
  const matches = (a: K8sObject) => ((a.policy?.matchExpressions ?? []) as string[]).some((e) => celMatches(e, ctx));
  const name = (p: K8sObject) => `${p.metadata.namespace}/${p.metadata.name}`;
  const denied = rules.find(({ a }) => a.action === 'Deny' && matches(a));
  if (denied) return { ...base, status: 403, reason: `denied by ${name(denied.p)}` };
  const failed = rules.find(({ a }) => a.action === 'Require' && !matches(a));
  if (failed) return { ...base, status: 403, reason: `${name(failed.p)} requires ${(failed.a.policy?.matchExpressions ?? []).join(' or ')}` };
  const allows = rules.filter(({ a }) => (a.action ?? 'Allow') === 'Allow');
  if (allows.length > 0 && !allows.some(({ a }) => matches(a))) return { ...base, status: 403, reason: `no Allow rule of ${allows.map(({ p }) => name(p)).join(', ')} matches` };
  return { ...base, status: 200, reason: `admitted by ${rules.map(({ p }) => name(p)).join(', ') || 'no rule'}` };
}
