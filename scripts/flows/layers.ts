/**
 * The decisions one request meets on its way, layer by layer, in ambient mode: NetworkPolicies at
 * every hop, ztunnel's L4 AuthorizationPolicies at every captured destination pod, the waypoint's
 * policies in front of a Service, and a gateway's route, token and authorization rules. Each layer
 * is evaluated even when an earlier one refuses, so a flow says how many layers refuse it.
 *
 * The path a request takes (Istio 1.30.3, ztunnel 1.30.3):
 * - A pod of an ambient namespace addressing a Service with a waypoint (istio.io/use-waypoint on
 *   the Service, else its namespace; `none` turns it off) is tunnelled (HBONE, port 15008) to the
 *   waypoint pod with its own identity; the waypoint applies the policies bound to it and to the
 *   Service, then opens a new tunnel to the pod with the waypoint's identity, which the pod's
 *   ztunnel checks (src/proxy/outbound.rs, src/proxy/inbound.rs assert_rbac; pilot/pkg/model/
 *   policyattachment.go).
 * - Without a waypoint, or addressing a pod directly, it is tunnelled to the pod, whose ztunnel
 *   checks the caller's identity. A destination outside the mesh gets plain TCP on its port.
 * - A gateway's pods terminate the tunnel themselves (pod label networking.istio.io/tunnel: http,
 *   pilot/pkg/serviceregistry/ambient/workloads.go setTunnelProtocol); the gateway then decides
 *   (gateway.ts) and sends to the backend's Service: through its waypoint when the Service or its
 *   namespace says istio.io/ingress-use-waypoint, else to the pod.
 */
import { LABELS, PORTS } from '../../charts/lib/constants';
import type { Endpoint } from '../gates/isolation';
import type { Manifest } from '../kube/manifests';
import { evaluate, evaluateAtWaypoint, type MeshRequest, ROOT_NAMESPACE, waypointPolicies } from '../gates/mesh-authz';
import type { NetpolModel, NetPeer } from '../gates/netpol-eval';
import type { ServiceTarget, Waypoint } from './actors';
import { celMatches, meshSource } from './cel';
import { decideIndexed, type GatewayIndex, type GatewayVerdict, type K8sObject } from './gateway';

export type LayerName = 'network' | 'mesh' | 'waypoint' | 'gateway';

/** One layer's verdict on one hop, and the objects that decided it. */
export interface LayerResult {
  readonly layer: LayerName;
  /** The hop, such as `tenant-alpha/triage → tenant-alpha/agentgateway-waypoint:15008`. */
  readonly hop: string;
  /** `unknown` when the layer's verdict rests on what it cannot know here. */
  readonly allowed: boolean | 'unknown';
  readonly by: string;
  /** For the network layer: whether the caller's egress and the callee's ingress policies each admit it. */
  readonly sides?: { readonly egress: boolean; readonly ingress: boolean };
}

/** An HTTP request's path and method, for waypoints and gateways. */
export interface HttpRequest {
  readonly path: string;
  readonly method: string;
}

/** What the layers are evaluated on: one environment's policies, indexed. */
export interface LayerContext {
  readonly trustDomain: string;
  readonly netpol: NetpolModel;
  readonly authz: readonly Manifest[];
  /** AgentgatewayPolicies bound to waypoints (for waypoints of the agentgateway kind). */
  readonly agentgatewayPolicies: readonly K8sObject[];
  readonly gateways: GatewayIndex;
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** A caller of a flow: a pod, or a client outside the cluster (through the load balancer). */
export type Caller = { readonly pod: Endpoint } | { readonly outside: { readonly jwt?: Record<string, unknown> } };

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

const at = (e: Endpoint, port: number) => `${e.namespace}/${e.name}:${port}`;
const podName = (e: Endpoint) => `${e.namespace}/${e.name}`;
/** An address outside the cluster, for the load balancer's side of a hop. */
const OUTSIDE: NetPeer = { kind: 'ip', ip: '8.8.8.8' };

export class Layers {
  private readonly waypointCache = new Map<string, readonly Manifest[]>();
  /** AuthorizationPolicies by namespace, and AgentgatewayPolicies by namespace. */
  private readonly authzByNs = new Map<string, Manifest[]>();
  private readonly agByNs = new Map<string, K8sObject[]>();

  constructor(readonly ctx: LayerContext) {
    for (const p of ctx.authz) push(this.authzByNs, p.object.metadata?.namespace, p);
    for (const p of ctx.agentgatewayPolicies) push(this.agByNs, p.metadata?.namespace, p);
  }

  /** The AuthorizationPolicies of a namespace. */
  authzIn(namespace: string): readonly Manifest[] {
    return this.authzByNs.get(namespace) ?? [];
  }

  /** The policies ztunnel could apply to a pod of a namespace: its own and the root namespace's. */
  ztunnelPolicies(namespace: string): readonly Manifest[] {
    return namespace === ROOT_NAMESPACE
      ? this.authzIn(namespace)
      : [...this.authzIn(namespace), ...this.authzIn(ROOT_NAMESPACE)];
  }

  ambient(namespace: string): boolean {
    return this.ctx.namespaces.get(namespace)?.[LABELS.dataplaneMode] === 'ambient';
  }

  principal(e: Endpoint): string {
    return `${this.ctx.trustDomain}/ns/${e.namespace}/sa/${e.serviceAccount}`;
  }

  /** NetworkPolicies of both ends on one connection. */
  network(src: Endpoint | 'outside', dst: Endpoint, port: number): LayerResult {
    const s = src === 'outside' ? OUTSIDE : src;
    const w = this.ctx.netpol.why(s, dst, 'TCP', port);
    return {
      layer: 'network',
      hop: `${src === 'outside' ? 'outside the cluster' : podName(src)} → ${at(dst, port)}`,
      allowed: w.allowed,
      by: w.by,
      sides: { egress: w.egress, ingress: w.ingress },
    };
  }

  /** ztunnel at a captured destination pod, for a caller identity. */
  mesh(src: Endpoint, dst: Endpoint, port: number): LayerResult {
    const req: MeshRequest = {
      principal: this.ambient(src.namespace) ? this.principal(src) : '',
      sourceNamespace: this.ambient(src.namespace) ? src.namespace : '',
      destinationNamespace: dst.namespace,
      destinationLabels: dst.labels,
      port,
    };
    const v = evaluate(this.ztunnelPolicies(dst.namespace), req);
    return {
      layer: 'mesh',
      hop: `${req.principal || 'no mesh identity'} → ${at(dst, port)}`,
      allowed: v.verdict === 'unknown' ? 'unknown' : v.verdict === 'allowed',
      by: v.reason,
    };
  }

  /** A waypoint's policies for a request to one of the Services it serves. */
  waypoint(src: Endpoint, wp: Waypoint, service: string, port: number, http?: HttpRequest): LayerResult {
    const hop = `${this.principal(src)} → waypoint ${wp.namespace}/${wp.name} for ${service}:${port}${http ? ` ${http.method} ${http.path}` : ''}`;
    const key = `${wp.namespace}/${wp.name}/${service}`;
    let istio = this.waypointCache.get(key);
    if (!istio) {
      istio = waypointPolicies(this.authzIn(wp.namespace), wp, service);
      this.waypointCache.set(key, istio);
    }
    if (istio.length === 0) {
      // An agentgateway waypoint: its AgentgatewayPolicies, whose CEL sees the caller's identity.
      const ag = (this.agByNs.get(wp.namespace) ?? []).filter((p) =>
        ((p.spec?.targetRefs ?? []) as K8sObject[]).some((t) => t.kind === 'Gateway' && t.name === wp.name),
      );
      const source = meshSource(this.ctx.trustDomain, src.namespace, src.serviceAccount);
      const rules = ag.filter((p) => p.spec?.traffic?.authorization);
      if (rules.length === 0) return { layer: 'waypoint', hop, allowed: true, by: 'no policy bound to the waypoint' };
      const failed = rules.find(
        (p) =>
          !((p.spec.traffic.authorization.policy?.matchExpressions ?? []) as string[]).some((e) =>
            celMatches(e, { source }),
          ),
      );
      return failed
        ? {
            layer: 'waypoint',
            hop,
            allowed: false,
            by: `${failed.metadata.namespace}/${failed.metadata.name} admits no such caller`,
          }
        : {
            layer: 'waypoint',
            hop,
            allowed: true,
            by: `admitted by ${rules.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}`,
          };
    }
    const v = evaluateAtWaypoint(istio, wp, service, {
      principal: this.principal(src),
      sourceNamespace: src.namespace,
      destinationNamespace: wp.namespace,
      destinationLabels: {},
      port,
      ...(http ?? {}),
    });
    return {
      layer: 'waypoint',
      hop,
      allowed: v.verdict === 'unknown' ? 'unknown' : v.verdict === 'allowed',
      by: v.reason,
    };
  }

  /** Every layer of a request from a pod to a Service. `viaGateway`: the caller is a gateway (ingress-use-waypoint decides). */
  toService(src: Endpoint, svc: ServiceTarget, http?: HttpRequest, viaGateway = false): LayerResult[] {
    const dstAmbient = this.ambient(svc.namespace);
    const redirected =
      svc.waypoint !== undefined && (viaGateway ? svc.ingressUsesWaypoint : this.ambient(src.namespace));
    if (svc.waypoint && redirected) {
      const wp = svc.waypoint;
      return [
        this.network(src, wp.endpoint, PORTS.hbone),
        this.waypoint(src, wp, svc.name, svc.port, http),
        this.network(wp.endpoint, svc.endpoint, dstAmbient ? PORTS.hbone : (svc.endpoint.ports[0]?.port ?? svc.port)),
        ...(dstAmbient ? [this.mesh(wp.endpoint, svc.endpoint, svc.endpoint.ports[0]?.port ?? svc.port)] : []),
      ];
    }
    return this.toPod(src, svc.endpoint, svc.endpoint.ports[0]?.port ?? svc.port, viaGateway);
  }

  /** Every layer of a connection from a pod to a pod's port, its address used directly. */
  toPod(src: Endpoint, dst: Endpoint, port: number, nativeTunnel = false): LayerResult[] {
    const dstAmbient = this.ambient(dst.namespace);
    const tunnelled = dstAmbient && (nativeTunnel || this.ambient(src.namespace));
    // A gateway's or waypoint's pod terminates the tunnel itself: no ztunnel checks it.
    const proxy = LABELS.gatewayName in dst.labels;
    return [
      this.network(src, dst, tunnelled ? PORTS.hbone : port),
      ...(dstAmbient && !proxy ? [this.mesh(src, dst, port)] : []),
    ];
  }

  /**
   * Every layer of a request to a gateway: to its pod, its decision, then on to the backend
   * (`backend` resolves the matched route's backendRef to a Service, if it is one).
   */
  toGateway(
    caller: Caller,
    gateway: { readonly endpoint: Endpoint; readonly name: string; readonly namespace: string },
    req: {
      readonly port: number;
      readonly host?: string;
      readonly path: string;
      readonly headers?: Readonly<Record<string, string>>;
    },
    backend: (ref: K8sObject, routeNamespace: string) => ServiceTarget | undefined,
  ): { layers: LayerResult[]; verdict: GatewayVerdict } {
    const layers: LayerResult[] = [];
    let source: Record<string, unknown> | undefined;
    let jwt: Record<string, unknown> | undefined;
    if ('pod' in caller) {
      const tunnelled = this.ambient(caller.pod.namespace);
      layers.push(this.network(caller.pod, gateway.endpoint, tunnelled ? PORTS.hbone : req.port));
      if (tunnelled) source = meshSource(this.ctx.trustDomain, caller.pod.namespace, caller.pod.serviceAccount);
    } else {
      layers.push(this.network('outside', gateway.endpoint, req.port));
      jwt = caller.outside.jwt;
    }
    const verdict = decideIndexed(this.ctx.gateways, {
      gateway: { name: gateway.name, namespace: gateway.namespace },
      port: req.port,
      host: req.host,
      path: req.path,
      jwt,
      source,
      ...(req.headers ? { headers: req.headers } : {}),
    });
    layers.push({
      layer: 'gateway',
      hop: `${'pod' in caller ? this.principal(caller.pod) : jwt ? `token of ${JSON.stringify(jwt.tenant ?? [])}` : 'no token'} → ${gateway.namespace}/${gateway.name} ${req.host ?? ''}${req.path}`,
      allowed: verdict.status === 200,
      by: `${verdict.status}${verdict.route ? ` on route ${verdict.route}` : ''}: ${verdict.reason}`,
    });
    if (verdict.backend && verdict.route) {
      const svc = backend(verdict.backend, verdict.route.split('/')[0]);
      if (svc) layers.push(...this.toService(gateway.endpoint, svc, undefined, true));
    }
    return { layers, verdict };
  }
}

/** Whether every layer allows (true), one refuses (false), or the rest cannot tell (unknown). */
export function outcome(layers: readonly LayerResult[]): boolean | 'unknown' {
  if (layers.some((l) => l.allowed === false)) return false;
  return layers.every((l) => l.allowed === true) ? true : 'unknown';
}

/** The distinct layers that refuse. */
export function refusingLayers(layers: readonly LayerResult[]): LayerName[] {
  return [...new Set(layers.filter((l) => l.allowed === false).map((l) => l.layer))];
}
