/**
 * Evaluates Kubernetes NetworkPolicies between workloads with the semantics of np-guard's
 * netpol-analyzer (v1.4.2, pkg/netpol/eval): a connection from src to dst is allowed when the
 * egress policies selecting src allow it towards dst and the ingress policies selecting dst allow
 * it from src; a pod that no policy of a direction selects is open in that direction.
 *
 * - A policy affects Ingress unless policyTypes says otherwise, and Egress when policyTypes names
 *   it or, without policyTypes, when it has egress rules.
 * - A rule without peers matches every peer; a rule without ports matches every connection; a
 *   port without a number matches every port of its protocol (TCP by default).
 * - Pod and namespace selectors select pods only, ipBlocks select addresses only; a peer without a
 *   namespaceSelector lies in the policy's namespace.
 * - A named port (any port given as a string, digits included, as IntOrString reads it) is
 *   resolved against the destination pod's container ports; one without a match allows nothing
 *   and is reported as a warning, as the analyzer does.
 *
 * The analyzer compares every pair of workloads of its input, which grows with the square of the
 * number of tenants. This module answers one pair at a time and, for tenant-to-tenant questions,
 * matches each distinct rule peer against all tenant workloads once (see `peerMatches`), so the
 * isolation gate can ask about every pair of a thousand tenants. The gate checks it against the
 * analyzer on every distinct tenant policy shape (isolation.ts). Pure.
 */
import type { Manifest } from '../kube/manifests';

/** A representative workload of the analysis. */
export interface Endpoint {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly ports: readonly { readonly port: number; readonly protocol: 'TCP' | 'UDP'; readonly name: string }[];
}

/** Allowed connections: everything, or port ranges per protocol. */
export interface ConnSet {
  readonly all: boolean;
  /** protocol → sorted, disjoint, non-adjacent inclusive ranges. */
  readonly ports: ReadonlyMap<string, readonly (readonly [number, number])[]>;
}

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const MAX_PORT = 65535;

export const NONE: ConnSet = { all: false, ports: new Map() };
export const ALL: ConnSet = { all: true, ports: new Map() };

function normalize(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** A connection set from ranges per protocol; full ranges on every protocol make it "all". */
export function connSet(ports: ReadonlyMap<string, readonly (readonly [number, number])[]>): ConnSet {
  const out = new Map<string, [number, number][]>();
  for (const [p, r] of ports) {
    const n = normalize(r);
    if (n.length > 0) out.set(p, n);
  }
  const full = (p: string) => {
    const r = out.get(p);
    return r !== undefined && r.length === 1 && r[0][0] <= 1 && r[0][1] >= MAX_PORT;
  };
  if (PROTOCOLS.every(full) && [...out.keys()].every((p) => (PROTOCOLS as readonly string[]).includes(p))) return ALL;
  return { all: false, ports: out };
}

export function isEmpty(c: ConnSet): boolean {
  return !c.all && c.ports.size === 0;
}

const expand = (c: ConnSet): ReadonlyMap<string, readonly (readonly [number, number])[]> =>
  c.all ? new Map(PROTOCOLS.map((p) => [p, [[1, MAX_PORT]] as const])) : c.ports;

export function union(a: ConnSet, b: ConnSet): ConnSet {
  if (a.all || b.all) return ALL;
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  const out = new Map<string, (readonly [number, number])[]>();
  for (const c of [a, b]) for (const [p, r] of c.ports) out.set(p, [...(out.get(p) ?? []), ...r]);
  return connSet(out);
}

export function intersect(a: ConnSet, b: ConnSet): ConnSet {
  if (a.all) return b;
  if (b.all) return a;
  const out = new Map<string, [number, number][]>();
  const bp = expand(b);
  for (const [p, ra] of expand(a)) {
    const rb = bp.get(p) ?? [];
    const r: [number, number][] = [];
    for (const [a1, a2] of ra)
      for (const [b1, b2] of rb) if (Math.max(a1, b1) <= Math.min(a2, b2)) r.push([Math.max(a1, b1), Math.min(a2, b2)]);
    if (r.length > 0) out.set(p, r);
  }
  return connSet(out);
}

export function sameConns(a: ConnSet, b: ConnSet): boolean {
  return connString(a) === connString(b);
}

/** The analyzer's notation: "All Connections", "No Connections" or "TCP 4317-4318,15008,UDP 53". */
export function connString(c: ConnSet): string {
  if (c.all) return 'All Connections';
  if (c.ports.size === 0) return 'No Connections';
  return [...c.ports.entries()]
    .map(([p, r]) => `${p} ${r.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`)
    .sort()
    .join(',');
}

/** Whether the set allows one port of a protocol. */
export function allowsPort(c: ConnSet, protocol: string, port: number): boolean {
  return c.all || (c.ports.get(protocol) ?? []).some(([a, b]) => port >= a && port <= b);
}

// ---------------------------------------------------------------------------------------------
// Label selectors

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label selector semantics (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== String(v)) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = (e.values ?? []).map(String);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`label selector operator "${e.operator}" is not one of In, NotIn, Exists, DoesNotExist`);
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Addresses

const ipNumber = (ip: string): number => {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`"${ip}" is not an IPv4 address`);
  return parts.reduce((n, o) => n * 256 + o, 0);
};

/** Whether an IPv4 address lies in a CIDR block. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (base.includes(':')) return false; // an IPv6 block holds no IPv4 address
  const size = 2 ** (32 - Number(bits ?? 32));
  const start = Math.floor(ipNumber(base) / size) * size;
  const n = ipNumber(ip);
  return n >= start && n < start + size;
}

// ---------------------------------------------------------------------------------------------
// Policies

/** One side of a connection: a workload, or an address outside the cluster. */
export type NetPeer =
  | { readonly kind: 'pod'; readonly pod: Endpoint; readonly nsLabels: Readonly<Record<string, string>> }
  | { readonly kind: 'ip'; readonly ip: string };

interface RulePeer {
  podSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
  ipBlock?: { cidr: string; except?: string[] } | null;
}

interface RulePort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface Rule {
  peers: RulePeer[];
  ports: RulePort[];
}

/** A NetworkPolicy ready for evaluation. */
export interface Policy {
  readonly manifest: Manifest;
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: LabelSelector;
  readonly ingress: readonly Rule[] | undefined;
  readonly egress: readonly Rule[] | undefined;
  readonly affectsIngress: boolean;
  readonly affectsEgress: boolean;
}

export function compilePolicy(m: Manifest): Policy {
  const spec = m.object.spec ?? {};
  const types: string[] | undefined =
    Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0 ? spec.policyTypes : undefined;
  const rules = (list: any[] | undefined, key: 'from' | 'to'): Rule[] | undefined =>
    list === undefined || list === null
      ? undefined
      : list.map((r) => ({ peers: (r?.[key] ?? []) as RulePeer[], ports: (r?.ports ?? []) as RulePort[] }));
  const egress = rules(spec.egress, 'to');
  return {
    manifest: m,
    namespace: m.object.metadata?.namespace,
    name: m.object.metadata?.name,
    podSelector: spec.podSelector ?? {},
    ingress: rules(spec.ingress, 'from'),
    egress,
    affectsIngress: types ? types.includes('Ingress') : true,
    affectsEgress: types ? types.includes('Egress') : (egress?.length ?? 0) > 0,
  };
}

const policyName = (p: Policy) => `${p.namespace}/${p.name}`;

/** Throws for a rule peer the analyzer rejects: empty, or an ipBlock combined with selectors. */
function checkPeer(rp: RulePeer, policyNamespace: string): void {
  if (!rp.podSelector && !rp.namespaceSelector && !rp.ipBlock)
    throw new Error(
      `a rule peer of a NetworkPolicy in ${policyNamespace} is empty; name a podSelector, namespaceSelector or ipBlock`,
    );
  if ((rp.podSelector || rp.namespaceSelector) && rp.ipBlock)
    throw new Error(
      `a rule peer of a NetworkPolicy in ${policyNamespace} combines an ipBlock with selectors; split it into two peers`,
    );
}

/** Whether a rule peer selects a peer, for a policy of namespace `policyNamespace`. */
export function peerSelects(rp: RulePeer, policyNamespace: string, peer: NetPeer): boolean {
  checkPeer(rp, policyNamespace);
  if (rp.podSelector || rp.namespaceSelector) {
    if (peer.kind !== 'pod') return false;
    const nsOk = rp.namespaceSelector
      ? selectorMatches(rp.namespaceSelector, peer.nsLabels)
      : peer.pod.namespace === policyNamespace;
    return nsOk && (!rp.podSelector || selectorMatches(rp.podSelector, peer.pod.labels));
  }
  if (peer.kind !== 'ip') return false;
  return inCidr(peer.ip, rp.ipBlock!.cidr) && !(rp.ipBlock!.except ?? []).some((c) => inCidr(peer.ip, c));
}

/** Connections a rule's ports allow towards dst; unmatched named ports go to `warnings`. */
export function ruleConns(policy: Policy, ports: readonly RulePort[], dst: NetPeer, warnings: Set<string>): ConnSet {
  if (ports.length === 0) return ALL;
  const out = new Map<string, [number, number][]>();
  const add = (p: string, r: [number, number]) => out.set(p, [...(out.get(p) ?? []), r]);
  for (const rp of ports) {
    const protocol = (rp.protocol ?? 'TCP').toUpperCase();
    if (rp.port === undefined || rp.port === null) {
      add(protocol, [1, MAX_PORT]);
    } else if (typeof rp.port === 'string') {
      if (rp.endPort !== undefined)
        throw new Error(
          `NetworkPolicy ${policyName(policy)}: endPort may not be used with the named port "${rp.port}"`,
        );
      const match = dst.kind === 'pod' ? dst.pod.ports.find((p) => p.name === rp.port) : undefined;
      if (dst.kind !== 'pod')
        throw new Error(`NetworkPolicy ${policyName(policy)}: named port "${rp.port}" cannot apply to an address`);
      if (match && match.protocol === protocol) add(protocol, [match.port, match.port]);
      else
        warnings.add(
          `NetworkPolicy ${policyName(policy)}: named port "${rp.port}" matches no ${protocol} port of ${dst.pod.namespace}/${dst.pod.name}, so the rule allows nothing there`,
        );
    } else {
      const start = Number(rp.port);
      const end = rp.endPort ?? start;
      if (start < 1 || end < start || end > MAX_PORT)
        throw new Error(`NetworkPolicy ${policyName(policy)}: port range ${start}-${end} is not within 1-65535`);
      add(protocol, [start, end]);
    }
  }
  return connSet(out);
}

/** Whether a policy selects a pod for a direction. */
export function policySelects(p: Policy, pod: Endpoint, ingress: boolean): boolean {
  return (
    p.namespace === pod.namespace &&
    (ingress ? p.affectsIngress : p.affectsEgress) &&
    selectorMatches(p.podSelector, pod.labels)
  );
}

/**
 * Connections the policies of the captured pod allow in one direction: towards `other` (egress
 * of `captured`) or from `other` (ingress of `captured`). Open when no policy selects the pod.
 */
export function directionConns(
  policies: readonly Policy[],
  captured: Endpoint,
  capturedPeer: NetPeer,
  other: NetPeer,
  ingress: boolean,
  warnings: Set<string>,
): ConnSet {
  const selecting = policies.filter((p) => policySelects(p, captured, ingress));
  if (selecting.length === 0) return ALL;
  const dst = ingress ? capturedPeer : other;
  let res = NONE;
  for (const p of selecting) {
    for (const rule of (ingress ? p.ingress : p.egress) ?? []) {
      if (rule.peers.length > 0 && !rule.peers.some((rp) => peerSelects(rp, p.namespace, other))) continue;
      res = union(res, ruleConns(p, rule.ports, dst, warnings));
      if (res.all) return res;
    }
  }
  return res;
}

/** Policies by namespace, and the namespace labels of the analysis. */
export class NetpolModel {
  readonly byNamespace = new Map<string, Policy[]>();
  readonly warnings = new Set<string>();
  private readonly nsLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;

  /** `namespaceLabels` holds every namespace with its labels, kubernetes.io/metadata.name included. */
  constructor(policies: readonly Manifest[], namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>) {
    for (const m of policies) {
      const p = compilePolicy(m);
      if (!this.byNamespace.has(p.namespace)) this.byNamespace.set(p.namespace, []);
      this.byNamespace.get(p.namespace)!.push(p);
    }
    this.nsLabels = namespaceLabels;
  }

  pod(e: Endpoint): NetPeer {
    return {
      kind: 'pod',
      pod: e,
      nsLabels: this.nsLabels.get(e.namespace) ?? { 'kubernetes.io/metadata.name': e.namespace },
    };
  }

  /** Egress of src towards dst, by the policies of src's namespace. */
  egress(src: Endpoint, dst: NetPeer): ConnSet {
    return directionConns(this.byNamespace.get(src.namespace) ?? [], src, this.pod(src), dst, false, this.warnings);
  }

  /** Ingress of dst from src, by the policies of dst's namespace. */
  ingress(src: NetPeer, dst: Endpoint): ConnSet {
    return directionConns(this.byNamespace.get(dst.namespace) ?? [], dst, this.pod(dst), src, true, this.warnings);
  }

  /** Connections from src to dst (a pod or an address). */
  conns(src: Endpoint | NetPeer, dst: Endpoint | NetPeer): ConnSet {
    const s: NetPeer = 'kind' in src ? src : this.pod(src);
    const d: NetPeer = 'kind' in dst ? dst : this.pod(dst);
    if (s.kind === 'ip' && d.kind === 'ip') return NONE;
    const out = s.kind === 'pod' ? this.egress(s.pod, d) : ALL;
    if (isEmpty(out)) return out;
    return intersect(out, d.kind === 'pod' ? this.ingress(s, d.pod) : ALL);
  }

  /**
   * The NetworkPolicies that decide a connection on one port, for messages: per direction, the
   * policies whose rules admit it, or that no rule of the policies selecting the pod does.
   */
  why(
    src: Endpoint | NetPeer,
    dst: Endpoint | NetPeer,
    protocol: string,
    port: number,
  ): { allowed: boolean; by: string; egress: boolean; ingress: boolean } {
    const s: NetPeer = 'kind' in src ? src : this.pod(src);
    const d: NetPeer = 'kind' in dst ? dst : this.pod(dst);
    const side = (captured: NetPeer, other: NetPeer, ingress: boolean): { allowed: boolean; text: string } => {
      const dir = ingress ? 'ingress' : 'egress';
      if (captured.kind !== 'pod') return { allowed: true, text: '' };
      const pod = captured.pod;
      const selecting = (this.byNamespace.get(pod.namespace) ?? []).filter((p) => policySelects(p, pod, ingress));
      if (selecting.length === 0)
        return { allowed: true, text: `${dir} of ${pod.namespace} open (no policy selects the pod)` };
      const admitting = selecting.filter((p) =>
        ((ingress ? p.ingress : p.egress) ?? []).some(
          (rule) =>
            (rule.peers.length === 0 || rule.peers.some((rp) => peerSelects(rp, p.namespace, other))) &&
            allowsPort(ruleConns(p, rule.ports, ingress ? captured : other, this.warnings), protocol, port),
        ),
      );
      if (admitting.length > 0) return { allowed: true, text: `${dir} ${admitting.map(policyName).join(', ')}` };
      return {
        allowed: false,
        text: `no ${dir} rule of ${selecting.map(policyName).join(', ')} admits ${protocol} ${port}`,
      };
    };
    const out = side(s, d, false);
    const into = side(d, s, true);
    const texts = [out, into].filter((x) => x.text !== '');
    const denied = texts.filter((x) => !x.allowed);
    const sides = { egress: out.allowed, ingress: into.allowed };
    return denied.length > 0
      ? { allowed: false, by: denied.map((x) => x.text).join('; '), ...sides }
      : { allowed: true, by: texts.map((x) => x.text).join('; ') || 'no policy applies', ...sides };
  }

  /**
   * For one namespace's policies and one of its pods: the pods among `others` (all in other
   * namespaces) that its egress reaches and that its ingress admits, with the connections. Each
   * distinct rule peer is matched against `others` once for all namespaces (cached), so asking
   * this for every tenant costs about the number of tenants times their rules.
   */
  towardsOthers(
    pod: Endpoint,
    others: readonly Endpoint[],
    cache: Map<string, ReadonlySet<Endpoint>>,
  ): { egress: Map<Endpoint, ConnSet>; ingress: Map<Endpoint, ConnSet> } {
    const policies = this.byNamespace.get(pod.namespace) ?? [];
    const self = this.pod(pod);
    const side = (ingress: boolean): Map<Endpoint, ConnSet> => {
      const out = new Map<Endpoint, ConnSet>();
      const selecting = policies.filter((p) => policySelects(p, pod, ingress));
      if (selecting.length === 0) {
        for (const o of others) if (o.namespace !== pod.namespace) out.set(o, ALL);
        return out;
      }
      const addAll = (targets: Iterable<Endpoint>, p: Policy, rule: Rule) => {
        for (const o of targets) {
          if (o.namespace === pod.namespace) continue;
          const prev = out.get(o) ?? NONE;
          if (prev.all) continue;
          out.set(o, union(prev, ruleConns(p, rule.ports, ingress ? self : this.pod(o), this.warnings)));
        }
      };
      for (const p of selecting) {
        for (const rule of (ingress ? p.ingress : p.egress) ?? []) {
          if (rule.peers.length === 0) {
            addAll(others, p, rule);
            continue;
          }
          for (const rp of rule.peers) {
            checkPeer(rp, p.namespace);
            // A peer without a namespaceSelector lies in the policy's namespace, and an ipBlock
            // selects no pod: neither matches a pod of another namespace.
            if (!rp.namespaceSelector) continue;
            const key = JSON.stringify([rp.namespaceSelector, rp.podSelector ?? null]);
            let matched = cache.get(key);
            if (!matched) {
              matched = new Set(others.filter((o) => peerSelects(rp, p.namespace, this.pod(o))));
              cache.set(key, matched);
            }
            addAll(matched, p, rule);
          }
        }
      }
      for (const [o, c] of out) if (isEmpty(c)) out.delete(o);
      return out;
    };
    return { egress: side(false), ingress: side(true) };
  }
}
