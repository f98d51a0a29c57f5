/**
 * The flow matrix of an environment: what every actor can reach, decided by every layer a request
 * crosses (layers.ts), against what tenants.yaml promises. Actors are every tenant workload, a
 * client outside the cluster with a token of each tenant and without one, and the platform pods
 * that call tenants; targets are every route, every tenant Service and pod, and every platform
 * Service or namespace a tenant could address.
 *
 * Promised (must be allowed end to end): a workload's own Services, models and sandboxes; the
 * routes of another tenant's objects that list its tenant in `allowCallsFrom`; an exposed route
 * from outside with a token of its owner or of a tenant it allows; cluster DNS and the trace
 * collector; kagent's agent API; kagent's controller to every agent; Prometheus to every pod; the
 * observability paths (observabilityFlows). Everything else from a tenant must be refused by at least one layer, and a
 * flow from one tenant
 * straight to another's Services or pods by at least two. A route's caller policy is the one
 * decision on the gateway paths between tenants, which exist to be allowed selectively.
 *
 * Flows between tenants are not enumerated pair by pair: callers are grouped by what the
 * deciding policies can tell apart (groups.ts) and the NetworkPolicies are matched per rule
 * (netpol-eval.ts towardsOthers), so the matrix grows linearly with the number of tenants.
 */
import type { Tenant } from '../../charts/config/load-tenants';

/** What the matrix reads of a tenant of tenants.yaml. */
export type TenantIntent = Pick<Tenant, 'name' | 'namespace' | 'alias' | 'workloads'>;
import {
  CENTRAL_GATEWAY,
  gatewayPods,
  KEYCLOAK,
  LABELS,
  MESH_GATEWAY,
  PLATFORM_NAMESPACES,
  PORTS,
  SANDBOX_ROUTER,
  tenantNamespace,
} from '../../charts/lib/constants';
import { gatewayUrl, routePath, routeSegment, sandboxRouterPath } from '../../charts/config/routes';
import { type Endpoint, PLATFORM_ENDPOINTS } from '../gates/isolation';
import { type EnvironmentOutput, type Manifest, ofKinds } from '../kube/manifests';
import { type ConnSet, allowsPort, NetpolModel } from '../gates/netpol-eval';
import {
  type FlowInventory,
  inventory,
  type K8sObject,
  type PlatformTarget,
  type ServiceTarget,
  type TenantView,
  type Workload,
} from './actors';
import { celLiterals, type Value } from './cel';
import { type GatewayIndex, indexGateways, routeExpressions, selectRoute } from './gateway';
import { waypointPolicies } from '../gates/mesh-authz';
import { type GroupMember, istioPattern, MemberIndex, type Pattern } from './groups';
import { labelTokens, type Shapes, tenantShapes } from './shapes';
import { viewEnvironment } from './view';
import {
  type Caller,
  type HttpRequest,
  type LayerName,
  type LayerResult,
  Layers,
  outcome,
  refusingLayers,
} from './layers';

export type Verdict = 'allowed' | 'denied';

/** Callers of a platform route: every tenant. */
const ANY = 'any tenant';
/** Owner of the platform's routes. */
const PLATFORM = 'platform';

/** One flow (or a group of flows the policies cannot tell apart), its layers and what was promised. */
export interface FlowCheck {
  readonly source: string;
  /** Tenant of the source, if it is a tenant's workload or token. */
  readonly sourceTenant?: string;
  readonly target: string;
  /** Tenant that owns the target, if any. */
  readonly targetTenant?: string;
  /** What tenants.yaml promises; undefined when no intent was given. */
  readonly expected?: Verdict;
  /** Why: the promise, or what the flow is. */
  readonly why: string;
  /** Layers that must refuse it when it is refused. */
  readonly need: 1 | 2 | 3;
  readonly layers: readonly LayerResult[];
  readonly actual: Verdict | 'unknown';
  /** The sources this check stands for: its own and those the deciding policies cannot tell from it. */
  readonly members: number;
  /** Up to three of them, for messages. */
  readonly sample: readonly string[];
  /** For a request to a route: the namespace whose route must serve it, and the route that did. */
  readonly route?: { readonly owner: string; readonly served?: string };
  /**
   * Other tenants of the same shape (shapes.ts) whose flows this check stands for, renamed: index into
   * FlowMatrix.groups.
   */
  readonly alike?: { readonly count: number; readonly sample: readonly string[]; readonly group: number };
}

export interface FlowMatrix {
  readonly env: string;
  readonly checks: readonly FlowCheck[];
  /** Flows the checks stand for (groups counted by their members, and by the tenants of their shape). */
  readonly flows: number;
  /** Tenants by shape: the first of each group is evaluated for all. */
  readonly shapes: number;
  /** The tenants of each shape, its representative first. */
  readonly groups: readonly (readonly TenantView[])[];
  /** Promised routes that a route of another namespace serves instead (checked for every tenant). */
  readonly misrouted: readonly string[];
}

/** The flows a check stands for. */
export const flowsOf = (c: FlowCheck): number => c.members * (1 + (c.alike?.count ?? 0));

/** What is wrong with a check, or undefined. */
export function problem(c: FlowCheck): string | undefined {
  if (!c.expected) return undefined;
  const denying = refusingLayers(c.layers);
  if (c.expected === 'allowed' && c.actual !== 'allowed')
    return `expected allowed, got ${c.actual === 'denied' ? `denied by ${denying.join(' and ')}` : 'a verdict the layers cannot tell'}`;
  if (c.expected === 'denied' && c.actual === 'allowed') return 'expected denied, got allowed by every layer';
  if (c.expected === 'denied' && c.actual === 'unknown') return 'expected denied, but no layer proves it';
  if (c.expected === 'denied' && denying.length < c.need)
    return `denied by ${denying.join(' and ')} only; a flow between tenants must be refused by ${c.need} layers`;
  // A flow through a sandbox router crosses into the other tenant on its last hop, router → pod.
  const net =
    c.need === 3 ? c.layers.filter((l) => l.layer === 'network').at(-1) : c.layers.find((l) => l.layer === 'network');
  if (c.expected === 'denied' && c.need >= 2 && net?.sides && (net.sides.egress || net.sides.ingress)) {
    const open = [net.sides.egress ? "the caller's egress" : '', net.sides.ingress ? "the callee's ingress" : '']
      .filter(Boolean)
      .join(' and ');
    return `${open} NetworkPolicies admit it; each tenant's NetworkPolicies must refuse other tenants on their own`;
  }
  return undefined;
}

/** One line for a failing check: source, target, expected and actual, and each layer's decision. */
function problemLine(env: string, c: FlowCheck): string {
  const more =
    c.members > 1
      ? ` (and ${c.members - 1} more sources alike${c.sample.length > 1 ? `: ${c.sample.slice(1).join(', ')}${c.members > c.sample.length ? ', ...' : ''}` : ''})`
      : '';
  const alike =
    c.alike && c.alike.count > 0
      ? ` [the same for ${c.alike.count} more tenants of this shape: ${c.alike.sample.join(', ')}${c.alike.count > c.alike.sample.length ? ', ...' : ''}]`
      : '';
  const layers = c.layers
    .map(
      (l) =>
        `${l.layer} ${l.allowed === true ? 'allows' : l.allowed === false ? 'refuses' : 'cannot tell'} [${l.hop}] (${l.by})`,
    )
    .join('; ');
  return `${env}: ${c.source}${more} → ${c.target} (${c.why}): ${problem(c)}${alike} — ${layers}`;
}

/** A tenant workload as a grouped caller. */
interface WorkloadMember extends GroupMember {
  readonly workload: Workload;
}

/** A token of a tenant as a grouped caller. */
interface TokenMember extends GroupMember {
  readonly tenant: string;
}

const label = (w: Workload) => `${w.namespace}/${w.kind} ${w.name}`;
const svcLabel = (s: ServiceTarget) => `${s.namespace}/${s.what} (Service ${s.name}:${s.port})`;

/** The path an LLM client adds to its base URL: Anthropic /v1/messages, OpenAI /chat/completions. */
function llmRequestPath(url: URL, provider?: string): string {
  const base = url.pathname.replace(/\/$/, '');
  return provider === 'OpenAI' || base.endsWith('/v1') ? `${base}/chat/completions` : `${base}/v1/messages`;
}

/** A route the intent promises, with who may call it. */
interface PromisedRoute {
  readonly owner: string;
  /** Namespace of the owner's routes, for the platform's. */
  readonly namespace?: string;
  readonly path: string;
  /** Tenants whose workloads (and tokens, when exposed) may call it; ANY: every tenant. */
  readonly callers: ReadonlySet<string> | typeof ANY;
  readonly external: boolean;
  readonly what: string;
}

/**
 * The routes tenants.yaml promises, read from the tenants (not from the compiler's route table):
 * an exposed agent or MCP server, every LLM backend, every running sandbox; callable by the owner
 * and the tenants of `allowCallsFrom` (a sandbox by its owner only).
 */
function promisedRoutes(tenants: readonly TenantIntent[]): PromisedRoute[] {
  const out: PromisedRoute[] = [];
  for (const t of tenants) {
    const seg = routeSegment(t);
    const callers = (extra: readonly string[]) => new Set([t.name, ...extra]);
    for (const a of t.workloads.agents)
      if (a.expose)
        out.push({
          owner: t.name,
          path: routePath('a2a', seg, a.name),
          callers: callers(a.allowCallsFrom),
          external: true,
          what: `Agent ${a.name}`,
        });
    for (const b of t.workloads.llmBackends)
      out.push({
        owner: t.name,
        path: routePath('llm', seg, b.name),
        callers: callers(b.allowCallsFrom),
        external: b.expose,
        what: `LLM backend ${b.name}`,
      });
    for (const s of t.workloads.mcpServers)
      if (s.expose && s.source === 'image')
        out.push({
          owner: t.name,
          path: routePath('mcp', seg, s.name),
          callers: callers(s.allowCallsFrom),
          external: true,
          what: `MCP server ${s.name}`,
        });
    for (const s of t.workloads.sandboxes)
      if (s.kind === 'Sandbox')
        out.push({
          owner: t.name,
          path: routePath('sandbox', seg, s.name),
          callers: new Set([t.name]),
          external: s.expose,
          what: `Sandbox ${s.name}`,
        });
    if (t.workloads.sandboxRouter)
      out.push({
        owner: t.name,
        path: sandboxRouterPath(seg),
        callers: new Set([t.name]),
        external: t.workloads.sandboxRouter.expose,
        what: 'sandbox router',
      });
  }
  return out;
}

interface Ctx {
  readonly env: EnvironmentOutput;
  readonly inv: FlowInventory;
  readonly layers: Layers;
  readonly gw: GatewayIndex;
  readonly netpol: NetpolModel;
  readonly checks: FlowCheck[];
  readonly intent?: readonly TenantIntent[];
  /** The gateway workloads call (the host of their model URLs), and the external one. */
  readonly inCluster: {
    readonly endpoint: Endpoint;
    readonly name: string;
    readonly namespace: string;
    readonly port: number;
  };
  readonly external?: {
    readonly endpoint: Endpoint;
    readonly name: string;
    readonly namespace: string;
    readonly port: number;
    readonly host?: string;
    readonly keycloakHost?: string;
  };
  readonly servicesByName: ReadonlyMap<string, ServiceTarget>;
  readonly tenantsByName: ReadonlyMap<string, TenantView>;
  readonly shapes: Shapes;
  /** A tenant whose flows to every other shape are evaluated too (for `npm run explain`). */
  readonly focus?: string;
}

/** The Gateway an in-cluster URL names (`<gateway>.<namespace>.svc.cluster.local`), if it names one. */
function gatewayOfUrl(gw: GatewayIndex, url: string): { name: string; namespace: string; port: number } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const m = /^([^.]+)\.([^.]+)\.svc(?:\.cluster\.local)?$/.exec(u.hostname);
  if (!m || !gw.gateways.has(`${m[2]}/${m[1]}`)) return undefined;
  return { name: m[1], namespace: m[2], port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
}

const gatewayEndpoint = (name: string, namespace: string): Endpoint => ({
  namespace,
  name,
  labels: gatewayPods(name),
  serviceAccount: name,
  ports: [{ port: PORTS.hbone, protocol: 'TCP', name: 'hbone' }],
});

function add(
  ctx: Ctx,
  c: Omit<FlowCheck, 'actual' | 'members' | 'sample'> & { members?: number; sample?: readonly string[] },
): FlowCheck {
  const o = outcome(c.layers);
  const check: FlowCheck = {
    ...c,
    actual: o === true ? 'allowed' : o === false ? 'denied' : 'unknown',
    members: c.members ?? 1,
    sample: c.sample ?? [c.source],
  };
  ctx.checks.push(check);
  return check;
}

/** The backend Service of a route's backendRef, if it is a Service the inventory knows. */
function backendService(ctx: Ctx, ref: K8sObject, routeNamespace: string): ServiceTarget | undefined {
  if ((ref.kind ?? 'Service') !== 'Service' || (ref.group ?? '') !== '') return undefined;
  return ctx.servicesByName.get(`${ref.namespace ?? routeNamespace}/${ref.name}`);
}

function routeLayers(
  ctx: Ctx,
  caller: { pod: Endpoint } | { outside: { jwt?: Readonly<Record<string, Value>> } },
  path: string,
  external: boolean,
  host?: string,
): LayerResult[] {
  return routeRequest(ctx, caller, path, external, host).layers;
}

/** A request to a gateway: its layers, and the route that served it. */
function routeRequest(
  ctx: Ctx,
  caller: { pod: Endpoint } | { outside: { jwt?: Readonly<Record<string, Value>> } },
  path: string,
  external: boolean,
  host?: string,
): { layers: LayerResult[]; served?: string } {
  const g = external ? ctx.external! : ctx.inCluster;
  const r = ctx.layers.toGateway(
    caller,
    g,
    { port: g.port, host: host ?? (external ? ctx.external!.host : undefined), path },
    (ref, ns) => backendService(ctx, ref, ns),
  );
  return { layers: r.layers, ...(r.verdict.route ? { served: r.verdict.route } : {}) };
}

/**
 * The request a caller of a route sends: A2A clients fetch the agent card under it, LLM clients
 * post to the provider's path under it; MCP and sandbox clients use the route's own path. A route
 * of another namespace that serves it shadows the owner's.
 */
function requestPath(path: string): string {
  if (path.startsWith('/a2a/')) return `${path}/.well-known/agent-card.json`;
  if (path.startsWith('/llm/')) return `${path}/v1/messages`;
  return path;
}

/**
 * Builds the flow matrix of an environment; `intent` (the tenants of tenants.yaml) sets what is
 * expected. `focus`: a tenant evaluated on its own rather than through another of its shape. Reads
 * the flow views of the objects only (view.ts): equal views, equal matrix.
 */
export function flowMatrix(env: EnvironmentOutput, intent?: readonly TenantIntent[], focus?: string): FlowMatrix {
  return matrixOfObjects(viewEnvironment(env), intent, focus);
}

/** The matrix of the objects as given, whole or viewed: for the test that views keep what the matrix reads. */
export function matrixOfObjects(env: EnvironmentOutput, intent?: readonly TenantIntent[], focus?: string): FlowMatrix {
  const objects = env.manifests.map((m) => m.object);
  const inv = inventory(env);
  const netpol = new NetpolModel(ofKinds(env.manifests, 'NetworkPolicy'), inv.namespaces);
  const gw = indexGateways(objects);
  const layers = new Layers({
    trustDomain: env.trustDomain,
    netpol,
    authz: ofKinds(env.manifests, 'AuthorizationPolicy'),
    agentgatewayPolicies: objects.filter((o) => o.kind === 'AgentgatewayPolicy'),
    gateways: gw,
    namespaces: inv.namespaces,
  });
  // Workloads call the gateway their model URLs name (the mesh gateway), else the mesh gateway.
  const named = inv.tenants
    .flatMap((t) => t.models)
    .map((m) => gatewayOfUrl(gw, m.url))
    .find((x) => x !== undefined);
  const inClusterRef = named ?? { name: MESH_GATEWAY.name, namespace: MESH_GATEWAY.namespace, port: MESH_GATEWAY.port };
  const ext = gw.gateways.get(`${CENTRAL_GATEWAY.namespace}/${CENTRAL_GATEWAY.name}`);
  const listeners = ((ext?.spec?.listeners ?? []) as K8sObject[]).filter((l) => l.protocol !== 'HBONE');
  const api = listeners.find((l) => l.name === CENTRAL_GATEWAY.listener) ?? listeners[0];
  const kc = listeners.find((l) => l.name === CENTRAL_GATEWAY.keycloakListener);
  const servicesByName = new Map<string, ServiceTarget>();
  for (const t of inv.tenants) for (const s of t.services) servicesByName.set(`${s.namespace}/${s.name}`, s);
  for (const p of inv.platform)
    if (!servicesByName.has(`${p.namespace}/${p.name}`)) servicesByName.set(`${p.namespace}/${p.name}`, p);
  const ctx: Ctx = {
    env,
    inv,
    layers,
    gw,
    netpol,
    checks: [],
    intent,
    inCluster: { ...inClusterRef, endpoint: gatewayEndpoint(inClusterRef.name, inClusterRef.namespace) },
    ...(ext && api
      ? {
          external: {
            name: CENTRAL_GATEWAY.name,
            namespace: CENTRAL_GATEWAY.namespace,
            endpoint: gatewayEndpoint(CENTRAL_GATEWAY.name, CENTRAL_GATEWAY.namespace),
            port: api.port,
            host: api.hostname,
            keycloakHost: kc?.hostname,
          },
        }
      : {}),
    servicesByName,
    tenantsByName: new Map(inv.tenants.map((t) => [t.tenant, t])),
    shapes: tenantShapes(inv.tenants, inv.objectsByNamespace, platformTokens(inv), focus),
    ...(focus ? { focus } : {}),
  };
  const promised = intent ? promisedRoutes(intent) : undefined;
  for (const group of ctx.shapes.groups) alikeAs(ctx, group, () => ownFlows(ctx, group[0], promised));
  crossTenantDirect(ctx);
  crossTenantRoutes(ctx, promised);
  externalFlows(ctx, promised);
  routerFlows(ctx);
  platformCallers(ctx);
  observabilityFlows(ctx);
  return {
    env: env.name,
    checks: ctx.checks,
    flows: ctx.checks.reduce((n, c) => n + flowsOf(c), 0),
    shapes: ctx.shapes.groups.length,
    groups: ctx.shapes.groups,
    misrouted: misrouted(ctx, promised),
  };
}

/** Marks the checks `f` adds as standing for the other tenants of the group too. */
function alikeAs(ctx: Ctx, group: readonly TenantView[], f: () => void): void {
  const from = ctx.checks.length;
  f();
  if (group.length < 2) return;
  const alike = {
    count: group.length - 1,
    sample: group.slice(1, 4).map((t) => t.tenant),
    group: ctx.shapes.index.get(group)!,
  };
  for (let i = from; i < ctx.checks.length; i++) ctx.checks[i] = { ...ctx.checks[i], alike };
}

/** The words of the platform's own policies and routes, among which a tenant named there is found. */
function platformTokens(inv: FlowInventory): Set<string> {
  const tenantNs = new Set(inv.tenants.map((t) => t.namespace));
  const kinds = new Set(['NetworkPolicy', 'AuthorizationPolicy', 'AgentgatewayPolicy', 'HTTPRoute', 'Gateway']);
  const objects = [...inv.objectsByNamespace]
    .filter(([ns]) => !tenantNs.has(ns))
    .flatMap(([, os]) => os.filter((o) => kinds.has(o.kind)));
  return labelTokens(objects);
}

/** Every promised route whose request a route of another namespace serves (route selection only). */
function misrouted(ctx: Ctx, promised: readonly PromisedRoute[] | undefined): string[] {
  const out: string[] = [];
  for (const r of promised ?? []) {
    const ns = ctx.tenantsByName.get(r.owner)?.namespace;
    if (!ns) continue;
    const gateways = [ctx.inCluster, ...(r.external && ctx.external ? [ctx.external] : [])];
    for (const g of gateways) {
      const v = selectRoute(ctx.gw, {
        gateway: g,
        port: g.port,
        host: g === ctx.external ? ctx.external.host : undefined,
        path: requestPath(r.path),
      });
      const served = 'best' in v ? v.best.route.metadata : undefined;
      if (served && served.namespace !== ns)
        out.push(
          `${ctx.env.name}: ${requestPath(r.path)} on ${g.namespace}/${g.name} is served by route ${served.namespace}/${served.name}, not by a route of ${ns} (${r.owner}'s ${r.what}): another namespace's route shadows it`,
        );
    }
  }
  return out;
}

/** Flows of one tenant's workloads: to its own Services, pods, models and routes, and to the platform. */
function ownFlows(ctx: Ctx, t: TenantView, promised: readonly PromisedRoute[] | undefined): void {
  const expect = (ok: boolean): Verdict | undefined => (ctx.intent ? (ok ? 'allowed' : 'denied') : undefined);
  const base = (w: Workload) => ({
    source: label(w),
    sourceTenant: t.tenant,
    targetTenant: t.tenant,
    need: 1 as const,
  });
  const providers = t.providers;
  for (const w of t.workloads) {
    const own = !w.sandbox;
    for (const s of t.services) {
      const toSandbox = t.workloads.some((x) => x.sandbox && x.endpoint === s.endpoint);
      const ok = own && !toSandbox;
      add(ctx, {
        ...base(w),
        target: svcLabel(s),
        expected: expect(ok),
        why: ok
          ? 'own Service'
          : w.sandbox
            ? 'a sandbox reaches nothing of its tenant'
            : 'a sandbox is reached through its route only',
        layers: ctx.layers.toService(w.endpoint, s),
      });
    }
    for (const m of t.models) {
      let url: URL;
      try {
        url = new URL(m.url);
      } catch {
        continue;
      }
      const g = gatewayOfUrl(ctx.gw, m.url);
      const path = llmRequestPath(url, providers.get(m.name));
      const layers = g
        ? ctx.layers.toGateway(
            { pod: w.endpoint },
            { ...g, endpoint: gatewayEndpoint(g.name, g.namespace) },
            { port: g.port, path },
            (ref, ns) => backendService(ctx, ref, ns),
          ).layers
        : [];
      if (layers.length === 0) continue;
      add(ctx, {
        ...base(w),
        target: `model ${t.namespace}/${m.name} (${m.url})`,
        expected: expect(own),
        why: own ? 'own model' : 'a sandbox reaches nothing of its tenant',
        layers,
      });
    }
    for (const r of (promised ?? []).filter((x) => x.owner === t.tenant)) {
      const q = routeRequest(ctx, { pod: w.endpoint }, requestPath(r.path), false);
      add(ctx, {
        ...base(w),
        target: `in-cluster route ${r.path} (${r.what})`,
        expected: expect(own),
        why: own ? 'own route' : 'a sandbox reaches nothing of its tenant',
        layers: q.layers,
        route: { owner: t.namespace, served: q.served },
      });
    }
    for (const p of ctx.inv.platform) platformFlow(ctx, t, w, p);
  }
}

/** The platform targets a tenant's pods may reach, and what of them. */
function platformPromise(p: PlatformTarget, w: Workload): { ok: boolean; why: string } {
  if (p.key === 'dns') return { ok: true, why: 'cluster DNS' };
  if (p.key === 'otel') return { ok: true, why: 'traces to the collector' };
  return {
    ok: false,
    why:
      p.key === 'gateway'
        ? 'the mesh gateway, addressed without a route'
        : w.sandbox
          ? 'a sandbox reaches no platform component but DNS and the collector'
          : 'a platform component tenants do not call',
  };
}

function platformFlow(ctx: Ctx, t: TenantView, w: Workload, p: PlatformTarget): void {
  const expect = (ok: boolean): Verdict | undefined => (ctx.intent ? (ok ? 'allowed' : 'denied') : undefined);
  const base = { source: label(w), sourceTenant: t.tenant, need: 1 as const };
  if (p.key === 'dns') {
    const l = ctx.layers.network(w.endpoint, p.endpoint, PORTS.dns);
    const udp = ctx.netpol.why(w.endpoint, p.endpoint, 'UDP', PORTS.dns);
    add(ctx, {
      ...base,
      target: `${p.what} (cluster DNS)`,
      expected: expect(true),
      why: 'cluster DNS',
      layers: [{ ...l, hop: `${l.hop}/UDP`, allowed: udp.allowed, by: udp.by }],
    });
    return;
  }
  if (p.requests) {
    // An API behind a waypoint: each request the platform allows or refuses to tenants.
    for (const r of p.requests) {
      const ok = r.allowed && !w.sandbox;
      add(ctx, {
        ...base,
        target: `${p.what} ${r.method} ${r.path}`,
        expected: expect(ok),
        why: ok
          ? "kagent's agent API (sessions, tasks, memories)"
          : w.sandbox
            ? 'a sandbox reaches nothing of kagent'
            : "kagent's API beyond the agents' own",
        layers: ctx.layers.toService(w.endpoint, p, { path: r.path, method: r.method }),
      });
    }
    return;
  }
  if (p.key === 'gateway') {
    // The mesh gateway is reached on every route call; a path no route serves gets nothing.
    add(ctx, {
      ...base,
      target: `${p.what} /no-route`,
      expected: expect(false),
      why: 'a path of the mesh gateway that no route serves',
      layers: routeLayers(ctx, { pod: w.endpoint }, '/no-route', false),
    });
    return;
  }
  const promise = platformPromise(p, w);
  add(ctx, {
    ...base,
    target: p.what,
    expected: expect(promise.ok),
    why: promise.why,
    layers: ctx.layers.toService(w.endpoint, p),
  });
  if (p.key === 'otel') return;
  // The same pod addressed directly, past a waypoint.
  if (p.waypoint && !(LABELS.gatewayName in p.endpoint.labels))
    add(ctx, {
      ...base,
      target: `${p.namespace}/${p.endpoint.name} pod:${p.endpoint.ports[0].port}`,
      expected: expect(false),
      why: `${promise.why}, addressed past its waypoint`,
      layers: ctx.layers.toPod(w.endpoint, p.endpoint, p.endpoint.ports[0].port),
    });
}

/** Every workload of the environment as a grouped caller. */
function workloadMembers(ctx: Ctx): MemberIndex<WorkloadMember> {
  const members: WorkloadMember[] = ctx.inv.tenants.flatMap((t) =>
    t.workloads.map((w) => ({
      label: label(w),
      workload: w,
      values: [ctx.layers.principal(w.endpoint), w.namespace, w.endpoint.serviceAccount, ctx.env.trustDomain, t.tenant],
    })),
  );
  return new MemberIndex(members);
}

/** Istio patterns of the policies that decide a request at a waypoint or a pod. */
function istioPatterns(policies: readonly Manifest[]): Pattern[] {
  const out: Pattern[] = [];
  for (const p of policies) {
    for (const rule of (p.object.spec?.rules ?? []) as K8sObject[]) {
      for (const f of (rule?.from ?? []) as K8sObject[]) {
        for (const k of ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'])
          for (const v of (f?.source?.[k] ?? []) as string[]) out.push(istioPattern(String(v)));
      }
    }
  }
  return out;
}

/**
 * A tenant's workloads to another tenant's Services and pods, addressed directly: the
 * NetworkPolicies matched per rule (only the pairs they admit are visited), the waypoint's and
 * ztunnel's policies per group of callers they cannot tell apart.
 */
/** A tenant's Service or pod as another tenant addresses it: the first hop, and the policies that decide. */
interface DirectTarget {
  readonly target: string;
  readonly first: Endpoint;
  readonly port: number;
  readonly layers: (src: Endpoint) => LayerResult[];
  readonly patterns: () => Pattern[];
}

/** Every Service of a tenant (through its waypoint, if any) and every workload pod, addressed directly. */
function directTargets(ctx: Ctx, t: TenantView): DirectTarget[] {
  const targets: DirectTarget[] = [];
  for (const s of t.services) {
    const via = s.waypoint;
    const policies = () =>
      via ? waypointPolicies(ctx.layers.authzIn(t.namespace), via, s.name) : ctx.layers.ztunnelPolicies(t.namespace);
    targets.push({
      target: svcLabel(s),
      first: via ? via.endpoint : s.endpoint,
      port: PORTS.hbone,
      layers: (src) => ctx.layers.toService(src, s),
      patterns: () => istioPatterns(policies()),
    });
  }
  for (const w of t.workloads) {
    const port = w.endpoint.ports[0]?.port ?? 8080;
    targets.push({
      target: `${w.namespace}/${w.endpoint.name} pod:${port} (${w.kind} ${w.name}, addressed directly)`,
      first: w.endpoint,
      port: PORTS.hbone,
      layers: (src) => ctx.layers.toPod(src, w.endpoint, port),
      patterns: () => istioPatterns(ctx.layers.ztunnelPolicies(t.namespace).filter((p) => !p.object.spec?.targetRefs)),
    });
  }
  return targets;
}

function crossTenantDirect(ctx: Ctx): void {
  const members = workloadMembers(ctx);
  const byNamespace = new Map<string, Set<WorkloadMember>>();
  for (const m of members.members) {
    const set = byNamespace.get(m.workload.namespace) ?? new Set();
    set.add(m);
    byNamespace.set(m.workload.namespace, set);
  }
  // Every tenant endpoint a connection can go to (pods and waypoints), and the NetworkPolicy
  // allowances between namespaces, matched once per rule peer.
  const endpoints: Endpoint[] = [
    ...members.members.map((m) => m.workload.endpoint),
    ...ctx.inv.tenants.flatMap((t) => (t.waypoint ? [t.waypoint.endpoint] : [])),
  ];
  const cache = new Map<string, ReadonlySet<Endpoint>>();
  const towards = new Map<Endpoint, { egress: Map<Endpoint, ConnSet>; ingress: Map<Endpoint, ConnSet> }>();
  const sides = (e: Endpoint) => {
    let s = towards.get(e);
    if (!s) {
      s = ctx.netpol.towardsOthers(e, endpoints, cache);
      towards.set(e, s);
    }
    return s;
  };
  // Who each endpoint's egress admits, reversed: the callers one side lets through, per callee.
  const egressInto = new Map<Endpoint, Set<Endpoint>>();
  for (const m of members.members) {
    for (const [dst, c] of sides(m.workload.endpoint).egress) {
      if (!allowsPort(c, 'TCP', PORTS.hbone)) continue;
      const set = egressInto.get(dst) ?? new Set<Endpoint>();
      set.add(m.workload.endpoint);
      egressInto.set(dst, set);
    }
  }
  const memberOf = new Map(members.members.map((m) => [m.workload.endpoint, m]));
  for (const t of ctx.inv.tenants) {
    const group = ctx.shapes.of.get(t.namespace)!;
    const representative = group[0] === t;
    const own = byNamespace.get(t.namespace) ?? new Set<WorkloadMember>();
    for (const tg of directTargets(ctx, t)) {
      const check = (srcs: WorkloadMember[], size: number) =>
        add(ctx, {
          source: srcs[0].label,
          sourceTenant: srcs[0].workload.tenant,
          target: tg.target,
          targetTenant: t.tenant,
          expected: ctx.intent ? 'denied' : undefined,
          why: 'another tenant, addressed directly',
          need: 2,
          layers: tg.layers(srcs[0].workload.endpoint),
          members: size,
          sample: srcs.slice(0, 3).map((m) => m.label),
        });
      // The pairs either side's NetworkPolicies admit, one by one.
      const admitted = new Set<WorkloadMember>();
      const opened = [
        ...[...sides(tg.first).ingress].filter(([, c]) => allowsPort(c, 'TCP', tg.port)).map(([src]) => src),
        ...(egressInto.get(tg.first) ?? []),
      ];
      for (const src of opened) {
        const m = memberOf.get(src);
        if (!m || own.has(m) || admitted.has(m)) continue;
        admitted.add(m);
        check([m], 1);
      }
      // The rest, a group per identity the waypoint's and ztunnel's policies can tell apart; for
      // a tenant of a shape evaluated already, those verdicts are its representative's.
      if (!representative) continue;
      // The focus tenant's own workloads, one by one, to one tenant of each other shape.
      const focus = ctx.focus !== undefined && ctx.focus !== t.tenant ? ctx.tenantsByName.get(ctx.focus) : undefined;
      for (const w of focus?.workloads ?? []) {
        const m = memberOf.get(w.endpoint);
        if (!m || admitted.has(m)) continue;
        alikeAs(ctx, group, () => check([m], 1));
      }
      alikeAs(ctx, group, () => {
        for (const g of members.groups(tg.patterns(), new Set([...own, ...admitted]))) check(g.members, g.size);
      });
    }
  }
}

/** Grouped callers of a route: workloads by identity, or tokens by tenant claim. */
function literalPatterns(expressions: readonly string[]): Pattern[] {
  const out: Pattern[] = [];
  for (const e of expressions) {
    for (const v of celLiterals(e)) {
      out.push({ kind: 'exact', value: v });
      // startsWith compares a prefix; every literal is taken as one too, which can only split groups finer.
      if (e.includes(`startsWith(${JSON.stringify(v)})`)) out.push({ kind: 'prefix', value: v });
    }
  }
  return out;
}

/** Workloads of every tenant to the in-cluster routes of the others. */
function crossTenantRoutes(ctx: Ctx, promised: readonly PromisedRoute[] | undefined): void {
  const members = workloadMembers(ctx);
  const byTenant = new Map<string, WorkloadMember[]>();
  for (const m of members.members) byTenant.set(m.workload.tenant, [...(byTenant.get(m.workload.tenant) ?? []), m]);
  const routes = [...(promised ?? publishedRoutes(ctx).filter((r) => r.owner !== PLATFORM)), ...platformRoutes(ctx)];
  for (const r of routes) {
    const owner = r.owner;
    const route = ctx.gw.prefixes.get(`${ctx.inCluster.namespace}/${ctx.inCluster.name}`)?.get(r.path)?.[0]?.route;
    const expressions = route
      ? routeExpressions(ctx.gw, ctx.inCluster, `${route.metadata.namespace}/${route.metadata.name}`)
      : [];
    const callers = r.callers === ANY ? [...byTenant.keys()] : [...r.callers].filter((c) => c !== owner);
    const excluded = new Set<WorkloadMember>(byTenant.get(owner) ?? []);
    const ownerNs = ctx.tenantsByName.get(owner)?.namespace ?? r.namespace;
    const check = (srcs: WorkloadMember[], size: number, expected: Verdict | undefined, why: string) => {
      const q = routeRequest(ctx, { pod: srcs[0].workload.endpoint }, requestPath(r.path), false);
      add(ctx, {
        source: srcs[0].label,
        sourceTenant: srcs[0].workload.tenant,
        target: `in-cluster route ${r.path} (${owner}'s ${r.what})`,
        ...(owner === PLATFORM ? {} : { targetTenant: owner }),
        expected,
        why,
        need: 1,
        layers: q.layers,
        members: size,
        sample: srcs.slice(0, 3).map((m) => m.label),
        ...(ownerNs ? { route: { owner: ownerNs, served: q.served } } : {}),
      });
    };
    // The tenants the owner allows: each of their workloads (sandboxes excepted). A platform
    // route allows every tenant: one of each shape stands for the rest.
    const allowed = (c: string) => {
      for (const m of byTenant.get(c) ?? []) {
        excluded.add(m);
        const ok = !m.workload.sandbox;
        check(
          [m],
          1,
          ctx.intent ? (ok ? 'allowed' : 'denied') : undefined,
          ok
            ? owner === PLATFORM
              ? 'the platform serves every tenant'
              : `${owner} allows ${c} (allowCallsFrom)`
            : 'a sandbox reaches nothing of its tenant',
        );
      }
    };
    if (r.callers === ANY) {
      for (const group of ctx.shapes.groups) alikeAs(ctx, group, () => allowed(group[0].tenant));
      continue;
    }
    for (const c of callers) allowed(c);
    // Everyone else, grouped by what the route's policies and the NetworkPolicies can tell apart;
    // for an owner of a shape evaluated already, those verdicts are its representative's.
    const group = ctx.shapes.of.get(ownerNs ?? '');
    if (group && group[0].tenant !== owner) continue;
    alikeAs(ctx, group ?? [], () => {
      for (const sandbox of [false, true]) {
        const skip = new Set([...excluded, ...members.members.filter((m) => m.workload.sandbox !== sandbox)]);
        for (const g of members.groups(literalPatterns(expressions), skip)) {
          check(
            g.members,
            g.size,
            ctx.intent ? 'denied' : undefined,
            sandbox ? 'a sandbox reaches nothing of its tenant' : `${owner} does not allow this tenant`,
          );
        }
      }
    });
  }
}

/**
 * A request to a sandbox router's route as the router forwards it, towards one claim. The router
 * (agent-sandbox v0.5.6 sandbox-router, Pod-IP cache off) dials X-Sandbox-Pod-IP when the request
 * has one, else <X-Sandbox-ID>.<X-Sandbox-Namespace>.svc, the namespace "default" when absent
 * (proxy/headers.go ParseSandboxHeaders, proxy/resolve.go Resolve): the request names the claim
 * when it carries an address (which can be any pod's) or the claim's namespace. The router's
 * decision is the route's: the headers the gateway forwards.
 */
function routerRequest(
  ctx: Ctx,
  caller: Caller,
  external: boolean,
  path: string,
  headers: Readonly<Record<string, string>>,
  router: Workload,
  claim: Workload,
): { layers: LayerResult[]; served?: string } {
  const g = external ? ctx.external! : ctx.inCluster;
  const r = ctx.layers.toGateway(
    caller,
    g,
    { port: g.port, host: external ? ctx.external!.host : undefined, path: `${path}/run`, headers },
    (ref, ns) => backendService(ctx, ref, ns),
  );
  const layers = [...r.layers];
  const svc =
    r.verdict.backend && r.verdict.route
      ? backendService(ctx, r.verdict.backend, r.verdict.route.split('/')[0])
      : undefined;
  const H = SANDBOX_ROUTER.headers;
  const hop = `${r.verdict.route ?? `${g.namespace}/${g.name}`} → ${router.namespace}/${router.name}`;
  if (svc?.endpoint !== router.endpoint) {
    layers.push({
      layer: 'gateway',
      hop,
      allowed: false,
      by: `the request does not reach the router (${r.verdict.reason})`,
    });
    return { layers, ...(r.verdict.route ? { served: r.verdict.route } : {}) };
  }
  const h = r.verdict.headers ?? {};
  const podIp = h[H.podIp.toLowerCase()];
  const ns = h[H.namespace.toLowerCase()] || 'default';
  const names = podIp !== undefined || ns === claim.namespace;
  const dials = podIp ?? `${h[H.id.toLowerCase()] ?? '(no id)'}.${ns}.svc`;
  layers.push({
    layer: 'gateway',
    hop: `${hop} dials ${dials}`,
    allowed: names,
    by: names
      ? `the forwarded headers name ${claim.namespace}/${claim.endpoint.name}`
      : `the route forwards ${H.namespace}: ${ns}${podIp === undefined ? ` and no ${H.podIp}` : ''}, which does not name ${claim.namespace}/${claim.endpoint.name}`,
  });
  layers.push(
    ...ctx.layers.toPod(router.endpoint, claim.endpoint, claim.endpoint.ports[0]?.port ?? SANDBOX_ROUTER.port),
  );
  return { layers, ...(r.verdict.route ? { served: r.verdict.route } : {}) };
}

/**
 * The sandbox routers, each towards the claims it serves and those it must not reach: the owner's
 * workloads (through the mesh gateway) and tokens (through the external gateway, when exposed)
 * reach each of the owner's templates' claims by X-Sandbox-ID; the same requests with headers that
 * name a claim of another tenant (its namespace and its pod's address) are refused by three layers:
 * the route's header rewrite, the NetworkPolicies of both ends and ztunnel at the claim. The other
 * tenants are taken one per shape.
 */
function routerFlows(ctx: Ctx): void {
  const expect = (ok: boolean): Verdict | undefined => (ctx.intent ? (ok ? 'allowed' : 'denied') : undefined);
  const claimsOf = (t: TenantView) => t.workloads.filter((w) => w.kind === 'SandboxTemplate');
  const others = ctx.shapes.groups.map((g) => g[0]);
  const H = SANDBOX_ROUTER.headers;
  for (const t of ctx.inv.tenants) {
    const router = t.workloads.find((w) => w.kind === 'SandboxRouter');
    if (!router) continue;
    // The path of the router's route on the in-cluster gateway (its segment may be an alias).
    const inCluster = ctx.gw.prefixes.get(`${ctx.inCluster.namespace}/${ctx.inCluster.name}`) ?? new Map();
    const path =
      [...inCluster.values()]
        .flat()
        .find(
          (m) =>
            m.route.metadata.namespace === t.namespace &&
            ((m.rule.backendRefs ?? []) as K8sObject[]).some((b) => b.name === SANDBOX_ROUTER.name),
        )
        ?.prefix.replace(/\/+$/, '') ?? sandboxRouterPath(t.segment);
    const externalRoute = (
      ctx.gw.prefixes.get(`${CENTRAL_GATEWAY.namespace}/${CENTRAL_GATEWAY.name}`)?.get(path) ?? []
    ).some((m) => m.route.metadata.namespace === t.namespace);
    const agent = t.workloads.find((w) => !w.sandbox);
    const callers: { source: string; caller: Caller; external: boolean; via: string }[] = [
      ...(agent
        ? [{ source: label(agent), caller: { pod: agent.endpoint }, external: false, via: gatewayUrl(path) }]
        : []),
      ...(externalRoute && ctx.external
        ? [
            {
              source: `client outside the cluster with a token of ${t.tenant}`,
              caller: { outside: { jwt: { [KEYCLOAK.tenantClaim]: [t.tenant], aud: 'agent-gateway' } } },
              external: true,
              via: `https://${ctx.external.host ?? CENTRAL_GATEWAY.name}${path}`,
            },
          ]
        : []),
    ];
    for (const c of callers) {
      for (const claim of claimsOf(t)) {
        const port = String(claim.endpoint.ports[0]?.port ?? SANDBOX_ROUTER.port);
        const q = routerRequest(ctx, c.caller, c.external, path, { [H.id]: 'c1', [H.port]: port }, router, claim);
        add(ctx, {
          source: c.source,
          sourceTenant: t.tenant,
          target: `${claim.namespace}/${claim.endpoint.name} (claims of SandboxTemplate ${claim.name}) through ${c.via}`,
          targetTenant: t.tenant,
          expected: expect(true),
          why: 'own sandbox claims through its sandbox router',
          need: 1,
          layers: q.layers,
          route: { owner: t.namespace, served: q.served },
        });
      }
      for (const u of others) {
        if (u.tenant === t.tenant) continue;
        for (const claim of claimsOf(u).slice(0, 1)) {
          const headers = {
            [H.id]: 'c1',
            [H.namespace]: u.namespace,
            [H.podIp]: `address of ${u.namespace}/${claim.endpoint.name}`,
            [H.uid]: 'uid of a claim',
            [H.port]: String(claim.endpoint.ports[0]?.port ?? SANDBOX_ROUTER.port),
          };
          const q = routerRequest(ctx, c.caller, c.external, path, headers, router, claim);
          add(ctx, {
            source: c.source,
            sourceTenant: t.tenant,
            target: `${claim.namespace}/${claim.endpoint.name} (claims of ${u.tenant}'s SandboxTemplate ${claim.name}) through ${c.via}, headers naming it`,
            targetTenant: u.tenant,
            expected: expect(false),
            why: `a header naming another tenant's sandbox through ${t.tenant}'s sandbox router`,
            need: 3,
            layers: q.layers,
          });
        }
      }
    }
  }
}

/** The platform's own routes on the in-cluster gateway (its LLM backends): every tenant may call them. */
function platformRoutes(ctx: Ctx): PromisedRoute[] {
  const tenantNs = new Set(ctx.inv.tenants.map((t) => t.namespace));
  const out: PromisedRoute[] = [];
  for (const [prefix, matches] of ctx.gw.prefixes.get(`${ctx.inCluster.namespace}/${ctx.inCluster.name}`) ?? []) {
    const r = matches[0].route;
    if (tenantNs.has(r.metadata.namespace)) continue;
    out.push({
      owner: PLATFORM,
      namespace: r.metadata.namespace,
      path: prefix,
      callers: ANY,
      external: false,
      what: `route ${r.metadata.name}`,
    });
  }
  return out;
}

/** Routes from the output when there is no intent: every in-cluster route, callers unknown. */
function publishedRoutes(ctx: Ctx): PromisedRoute[] {
  const out: PromisedRoute[] = [];
  for (const [prefix, matches] of ctx.gw.prefixes.get(`${ctx.inCluster.namespace}/${ctx.inCluster.name}`) ?? []) {
    const r = matches[0].route;
    const ns = r.metadata.namespace as string;
    const owner = ctx.inv.tenants.find((t) => t.namespace === ns)?.tenant ?? PLATFORM; // only without intent
    const external =
      (ctx.gw.prefixes.get(`${CENTRAL_GATEWAY.namespace}/${CENTRAL_GATEWAY.name}`)?.get(prefix)?.length ?? 0) > 0;
    out.push({ owner, path: prefix, callers: new Set([owner]), external, what: `HTTPRoute ${r.metadata.name}` });
  }
  return out;
}

/**
 * A client outside the cluster, with a token of each tenant and without one, to every exposed route and to Keycloak.
 */
/** Adds the flow of a client outside the cluster, with a token or without, to an exposed route. */
function externalCheck(ctx: Ctx, r: PromisedRoute, target: string, ownerNs: string | undefined) {
  return (
    source: string,
    tenant: string | undefined,
    jwt: Readonly<Record<string, Value>> | undefined,
    expected: boolean,
    why: string,
    size = 1,
    sample?: string[],
  ) => {
    const q = routeRequest(ctx, { outside: jwt ? { jwt } : {} }, requestPath(r.path), true);
    add(ctx, {
      source,
      ...(tenant ? { sourceTenant: tenant } : {}),
      target,
      targetTenant: r.owner,
      expected: ctx.intent ? (expected ? 'allowed' : 'denied') : undefined,
      why,
      need: 1,
      layers: q.layers,
      members: size,
      ...(sample ? { sample } : {}),
      ...(ownerNs ? { route: { owner: ownerNs, served: q.served } } : {}),
    });
  };
}

function externalFlows(ctx: Ctx, promised: readonly PromisedRoute[] | undefined): void {
  if (!ctx.external) return;
  const tenants = ctx.inv.tenants.map((t) => t.tenant);
  const tokens = new MemberIndex<TokenMember>(
    tenants.map((t) => ({
      label: `client outside the cluster with a token of ${t}`,
      tenant: t,
      values: [t, tenantNamespace(t)],
    })),
  );
  const tokenOf = new Map(tokens.members.map((m) => [m.tenant, m]));
  const jwt = (tenant: string) => ({ [KEYCLOAK.tenantClaim]: [tenant], aud: 'agent-gateway' });
  const routes = (promised ?? publishedRoutes(ctx)).filter((r) => r.external);
  for (const r of routes) {
    const route = ctx.gw.prefixes.get(`${CENTRAL_GATEWAY.namespace}/${CENTRAL_GATEWAY.name}`)?.get(r.path)?.[0]?.route;
    const expressions = route
      ? routeExpressions(ctx.gw, ctx.external, `${route.metadata.namespace}/${route.metadata.name}`)
      : [];
    const target = `external route https://${ctx.external.host ?? CENTRAL_GATEWAY.name}${r.path} (${r.owner}'s ${r.what})`;
    const ownerNs = ctx.tenantsByName.get(r.owner)?.namespace;
    const check = externalCheck(ctx, r, target, ownerNs);
    const callers = new Set(r.callers === ANY ? tenants : r.callers);
    // The tenants the owner allows, one by one.
    for (const c of callers)
      if (c !== r.owner)
        check(`client outside the cluster with a token of ${c}`, c, jwt(c), true, `${r.owner} allows ${c}`);
    // The owner's token, no token, and the tokens of everyone else: an owner's representative stands for its shape.
    const group = ctx.shapes.of.get(ownerNs ?? '');
    if (group && group[0].tenant !== r.owner) continue;
    alikeAs(ctx, group ?? [], () => {
      if (callers.has(r.owner))
        check(
          `client outside the cluster with a token of ${r.owner}`,
          r.owner,
          jwt(r.owner),
          true,
          'own exposed route',
        );
      check(
        'client outside the cluster without a token',
        undefined,
        undefined,
        false,
        'every exposed route requires a token',
      );
      const excluded = new Set(
        [...callers].map((c) => tokenOf.get(c)).filter((m): m is TokenMember => m !== undefined),
      );
      for (const g of tokens.groups(literalPatterns(expressions), excluded)) {
        check(
          g.members[0].label,
          g.members[0].tenant,
          jwt(g.members[0].tenant),
          false,
          `${r.owner} does not allow this tenant`,
          g.size,
          g.members.map((m) => m.label),
        );
      }
    });
  }
  keycloakFlows(ctx);
}

/** Keycloak's token endpoint, for every client, without a token; its admin console for none. */
function keycloakFlows(ctx: Ctx): void {
  const host = ctx.external?.keycloakHost;
  if (!host) return;
  const realm = `/realms/${KEYCLOAK.realm}/protocol/openid-connect/token`;
  add(ctx, {
    source: 'client outside the cluster without a token',
    target: `https://${host}${realm}`,
    expected: ctx.intent ? 'allowed' : undefined,
    why: 'tokens are issued there',
    need: 1,
    layers: routeLayers(ctx, { outside: {} }, realm, true, host),
  });
  add(ctx, {
    source: 'client outside the cluster without a token',
    target: `https://${host}/admin/master/console/`,
    expected: ctx.intent ? 'denied' : undefined,
    why: "Keycloak's admin console is not public",
    need: 1,
    layers: routeLayers(ctx, { outside: {} }, '/admin/master/console/', true, host),
  });
}

/**
 * The platform pods that call every tenant: kagent's controller (A2A) and Prometheus (metrics); kagent's own agents to
 * their models.
 */
function platformCallers(ctx: Ctx): void {
  // kagent's default model provider, from the chart values its Application passes
  // (kagent v0.9.12 helm/kagent/values.yaml providers.<name>.config.baseUrl).
  for (const app of ctx.env.manifests.filter((x) => x.object.kind === 'Application').map((x) => x.object)) {
    const namespace = app.spec?.destination?.namespace as string | undefined;
    for (const src of [app.spec?.source, ...((app.spec?.sources ?? []) as K8sObject[])]) {
      for (const [provider, p] of Object.entries(
        (src?.helm?.valuesObject?.providers ?? {}) as Record<string, K8sObject>,
      )) {
        const url = p?.config?.baseUrl;
        const g = typeof url === 'string' && namespace ? gatewayOfUrl(ctx.gw, url) : undefined;
        if (!g || !namespace) continue;
        // A built-in agent of the namespace (kagent labels its agents' pods app: kagent).
        const agent: Endpoint = {
          namespace,
          name: 'built-in-agent',
          labels: { app: 'kagent', kagent: 'built-in-agent' },
          serviceAccount: 'built-in-agent',
          ports: [{ port: 8080, protocol: 'TCP', name: 'http' }],
        };
        const layers = ctx.layers.toGateway(
          { pod: agent },
          { ...g, endpoint: gatewayEndpoint(g.name, g.namespace) },
          { port: g.port, path: llmRequestPath(new URL(url), provider === 'openAI' ? 'OpenAI' : undefined) },
          (ref, ns) => backendService(ctx, ref, ns),
        ).layers;
        add(ctx, {
          source: `${namespace}/${agent.name}`,
          target: `model provider ${provider} of Application ${app.metadata.name} (${url})`,
          expected: ctx.intent ? 'allowed' : undefined,
          why: "kagent's own agents use the default model",
          need: 1,
          layers,
        });
      }
    }
  }
  for (const group of ctx.shapes.groups) alikeAs(ctx, group, () => callTenant(ctx, group[0]));
}

function callTenant(ctx: Ctx, t: TenantView): void {
  const P = PLATFORM_ENDPOINTS;
  for (const s of t.services.filter((x) => x.what.startsWith('Agent '))) {
    add(ctx, {
      source: `${P.kagent.namespace}/${P.kagent.name}`,
      target: svcLabel(s),
      targetTenant: t.tenant,
      expected: ctx.intent ? 'allowed' : undefined,
      why: "kagent's controller calls every agent (A2A)",
      need: 1,
      layers: ctx.layers.toService(P.kagent, s),
    });
  }
  for (const w of t.workloads.filter((x) => !x.sandbox)) {
    add(ctx, {
      source: `${P.monitoring.namespace}/${P.monitoring.name}`,
      target: `${w.namespace}/${w.endpoint.name} pod:9090 (metrics)`,
      targetTenant: t.tenant,
      expected: ctx.intent ? 'allowed' : undefined,
      why: 'Prometheus scrapes every pod',
      need: 1,
      layers: ctx.layers.toPod(
        P.monitoring,
        { ...w.endpoint, ports: [...w.endpoint.ports, { port: 9090, protocol: 'TCP', name: 'metrics' }] },
        9090,
      ),
    });
  }
}

/**
 * The paths of tenants' traces and metrics and of the access to them. Promised: the collector to
 * Langfuse's web pods (the OTLP endpoint of every project); Grafana to each tenant's metrics proxy
 * (the datasource of the tenant's organisation) and each proxy to Prometheus; each access sync to
 * Keycloak and to the application it manages. Refused: a tenant's workloads to every metrics proxy,
 * its own included (a proxy answers whoever reaches it, so the Grafana organisation the access sync
 * grants is the only way to a tenant's metrics), and any other pod of monitoring to a proxy.
 */
const podName = (e: Endpoint) => `${e.namespace}/${e.name}`;
const podPortName = (e: Endpoint) => `${podName(e)} pod:${e.ports[0].port}`;
const intended = (ctx: Ctx, ok: boolean): Verdict | undefined => (ctx.intent ? (ok ? 'allowed' : 'denied') : undefined);

/** The collector's spans to Langfuse, and the access syncs to Keycloak and to the application each manages. */
function accessFlows(ctx: Ctx): void {
  const o = ctx.inv.observability;
  const P = PLATFORM_ENDPOINTS;
  if (o.langfuseWeb)
    add(ctx, {
      source: podName(P.otel),
      target: podPortName(o.langfuseWeb),
      expected: intended(ctx, true),
      why: 'spans to their Langfuse project',
      need: 1,
      layers: ctx.layers.toPod(P.otel, o.langfuseWeb, o.langfuseWeb.ports[0].port),
    });
  for (const s of o.accessSyncs) {
    if (o.keycloak)
      add(ctx, {
        source: podName(s.endpoint),
        target: podPortName(o.keycloak),
        expected: intended(ctx, true),
        why: 'the access sync reads Keycloak groups',
        need: 1,
        layers: ctx.layers.toPod(s.endpoint, o.keycloak, o.keycloak.ports[0].port),
      });
    add(ctx, {
      source: podName(s.endpoint),
      target: podPortName(s.application),
      expected: intended(ctx, true),
      why: 'the access sync manages its application',
      need: 1,
      layers: ctx.layers.toPod(s.endpoint, s.application, s.application.ports[0].port),
    });
  }
}

/** A tenant's workloads to its own metrics proxy and to one other tenant's of each shape (its own shape included). */
function tenantProxyFlows(ctx: Ctx, proxyOf: ReadonlyMap<string, ServiceTarget>): void {
  for (const group of ctx.shapes.groups) {
    const t = group[0];
    const others = ctx.shapes.groups
      .map((h) => h.find((x) => x.tenant !== t.tenant))
      .filter((x): x is TenantView => x !== undefined);
    alikeAs(ctx, group, () => {
      for (const w of t.workloads) {
        for (const target of [t, ...others]) {
          const service = proxyOf.get(target.tenant);
          if (!service) continue;
          const own = target.tenant === t.tenant;
          add(ctx, {
            source: label(w),
            sourceTenant: t.tenant,
            target: service.what,
            targetTenant: target.tenant,
            expected: intended(ctx, false),
            why: own
              ? "a tenant's metrics are read in its Grafana organisation, not from its proxy"
              : "another tenant's metrics proxy",
            need: 1,
            layers: ctx.layers.toService(w.endpoint, service),
          });
        }
      }
    });
  }
}

function observabilityFlows(ctx: Ctx): void {
  const o = ctx.inv.observability;
  accessFlows(ctx);
  const P = PLATFORM_ENDPOINTS;
  const other: Endpoint = {
    namespace: PLATFORM_NAMESPACES.monitoring,
    name: 'any-pod',
    labels: {},
    serviceAccount: 'default',
    ports: [{ port: 8080, protocol: 'TCP', name: 'http' }],
  };
  // The proxies differ by their tenant only: one tenant of each shape stands for the others.
  const proxyOf = new Map(o.proxies.map((p) => [p.tenant, p.service]));
  for (const group of ctx.shapes.groups) {
    const tenant = group[0].tenant;
    const service = proxyOf.get(tenant);
    if (!service) continue;
    alikeAs(ctx, group, () => {
      if (o.grafana)
        add(ctx, {
          source: podName(o.grafana),
          target: service.what,
          targetTenant: tenant,
          expected: intended(ctx, true),
          why: "Grafana reads a tenant's metrics through its proxy",
          need: 1,
          layers: ctx.layers.toService(o.grafana, service),
        });
      add(ctx, {
        source: service.what,
        target: podPortName(P.monitoring),
        expected: intended(ctx, true),
        why: "a tenant's metrics proxy queries Prometheus",
        need: 1,
        layers: ctx.layers.toPod(service.endpoint, P.monitoring, P.monitoring.ports[0].port),
      });
      add(ctx, {
        source: podName(other),
        target: service.what,
        targetTenant: tenant,
        expected: intended(ctx, false),
        why: "only Grafana queries a tenant's metrics proxy",
        need: 1,
        layers: ctx.layers.toService(other, service),
      });
    });
  }
  tenantProxyFlows(ctx, proxyOf);
}

/** Checks of a matrix that fail, as lines. */
export function matrixProblems(m: FlowMatrix): string[] {
  return m.checks.filter((c) => problem(c) !== undefined).map((c) => problemLine(m.env, c));
}

/** Layers that refuse, counted over the refused flows. */
export function refusals(m: FlowMatrix): Record<LayerName, number> {
  const out: Record<LayerName, number> = { network: 0, mesh: 0, waypoint: 0, gateway: 0 };
  for (const c of m.checks) for (const l of refusingLayers(c.layers)) out[l] += flowsOf(c);
  return out;
}

export type { HttpRequest };
