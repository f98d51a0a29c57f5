/**
 * Evaluates Istio AuthorizationPolicies for mesh identities (SPIFFE principals), at the two places
 * that enforce them in ambient mode (Istio 1.30.3):
 *
 * - ztunnel, at the destination workload (`evaluate`): policies of the workload's namespace whose
 *   selector matches it, plus policies of the root namespace (istio-system); policies attached
 *   with targetRef(s) are never sent to ztunnel (pilot/pkg/serviceregistry/ambient/authorization.go).
 * - A waypoint (`evaluateAtWaypoint`): only policies attached by targetRefs to the waypoint's
 *   Gateway, or to the Service the request is addressed to, in the same namespace; a waypoint never
 *   uses selector policies (pilot/pkg/model/policyattachment.go). It knows the request's path and
 *   method, and the source principal is the original client's (ztunnel src/proxy/outbound.rs opens
 *   the tunnel with the client's certificate).
 *
 * A request is described by what the enforcing proxy knows: the source principal and namespace,
 * the destination port, and at a waypoint the HTTP path and method. Conditions it cannot know
 * (JWT principals, IP blocks, L7 operations at ztunnel, `when`) are "unknown", and the verdict is
 * three-valued: a denial is proven only when no unknown could turn it into an allowance, and vice
 * versa.
 */
import { PLATFORM_NAMESPACES } from '../../charts/lib/constants';
import { describe, type Manifest } from '../kube/manifests';

export type Tri = 'yes' | 'no' | 'unknown';

/** What the destination sees of a request. */
export interface MeshRequest {
  /** Source principal without spiffe://, such as cluster.local/ns/tenant-alpha/sa/agent. */
  readonly principal: string;
  readonly sourceNamespace: string;
  readonly destinationNamespace: string;
  readonly destinationLabels: Readonly<Record<string, string>>;
  readonly port: number;
  /** HTTP path and method, known only to a waypoint. */
  readonly path?: string;
  readonly method?: string;
}

export interface MeshVerdict {
  readonly verdict: 'allowed' | 'denied' | 'unknown';
  /** The policies and rules that decided it. */
  readonly reason: string;
}

/** The namespace whose policies apply to every workload of the mesh. */
export const ROOT_NAMESPACE = PLATFORM_NAMESPACES.istio;

/** Istio string match: exact, prefix "abc*", suffix "*abc", or "*". */
export function istioMatch(pattern: string, value: string): boolean {
  return istioMatcher(pattern)(value);
}

/** istioMatch with the pattern read once, for matching one pattern against many values. */
export function istioMatcher(pattern: string): (value: string) => boolean {
  const p = pattern.replace(/^spiffe:\/\//, '');
  if (p === '*') return (value) => value !== '';
  if (p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return (value) => value.startsWith(prefix);
  }
  if (p.startsWith('*')) {
    const suffix = p.slice(1);
    return (value) => value.endsWith(suffix);
  }
  return (value) => p === value;
}

const and = (values: Tri[]): Tri => (values.includes('no') ? 'no' : values.includes('unknown') ? 'unknown' : 'yes');
const or = (values: Tri[]): Tri => (values.includes('yes') ? 'yes' : values.includes('unknown') ? 'unknown' : 'no');

function listMatch(list: unknown, value: string, negate: boolean): Tri {
  if (!Array.isArray(list)) return 'yes';
  const hit = list.some((p) => istioMatch(String(p), value));
  return hit !== negate ? 'yes' : 'no';
}

function sourceMatch(source: Record<string, unknown>, req: MeshRequest): Tri {
  const known: Tri[] = [
    listMatch(source.principals, req.principal, false),
    listMatch(source.notPrincipals, req.principal, true),
    listMatch(source.namespaces, req.sourceNamespace, false),
    listMatch(source.notNamespaces, req.sourceNamespace, true),
  ];
  const unknownKeys = Object.keys(source).filter(
    (k) => !['principals', 'notPrincipals', 'namespaces', 'notNamespaces'].includes(k),
  );
  return and([...known, ...(unknownKeys.length > 0 ? (['unknown'] as Tri[]) : [])]);
}

/** Operation keys a request with a path and method answers (paths match as istioMatch does: authz/matcher/string.go). */
const L7_KEYS = ['paths', 'notPaths', 'methods', 'notMethods'];

function operationMatch(op: Record<string, unknown>, req: MeshRequest): Tri {
  const port = String(req.port);
  const known: Tri[] = [listMatch(op.ports, port, false), listMatch(op.notPorts, port, true)];
  const l7 = req.path !== undefined && req.method !== undefined;
  if (l7) {
    known.push(
      listMatch(op.paths, req.path!, false),
      listMatch(op.notPaths, req.path!, true),
      listMatch(op.methods, req.method!, false),
      listMatch(op.notMethods, req.method!, true),
    );
  }
  const unknownKeys = Object.keys(op).filter((k) => !['ports', 'notPorts', ...(l7 ? L7_KEYS : [])].includes(k));
  return and([...known, ...(unknownKeys.length > 0 ? (['unknown'] as Tri[]) : [])]);
}

/** Whether one rule matches the request. */
export function ruleMatch(rule: Record<string, any>, req: MeshRequest): Tri {
  const parts: Tri[] = [];
  if (Array.isArray(rule.from)) parts.push(or(rule.from.map((f: any) => sourceMatch(f?.source ?? {}, req))));
  if (Array.isArray(rule.to)) parts.push(or(rule.to.map((t: any) => operationMatch(t?.operation ?? {}, req))));
  if (Array.isArray(rule.when) && rule.when.length > 0) parts.push('unknown');
  return and(parts);
}

function selects(policy: Manifest, labels: Readonly<Record<string, string>>): boolean {
  const match = policy.object.spec?.selector?.matchLabels as Record<string, string> | undefined;
  return !match || Object.entries(match).every(([k, v]) => labels[k] === v);
}

/** The policies ztunnel applies at the destination of a request. */
export function applicablePolicies(policies: readonly Manifest[], req: MeshRequest): Manifest[] {
  return policies.filter((p) => {
    const ns = p.object.metadata?.namespace;
    if (ns !== req.destinationNamespace && ns !== ROOT_NAMESPACE) return false;
    const spec = p.object.spec ?? {};
    if (spec.targetRef || spec.targetRefs) return false;
    return selects(p, req.destinationLabels);
  });
}

/** Istio's decision for a request at ztunnel, as far as L4 knowledge allows. */
export function evaluate(policies: readonly Manifest[], req: MeshRequest): MeshVerdict {
  return decideWith(applicablePolicies(policies, req), req);
}

/** Whether a policy is attached by targetRef(s) to this object of its own namespace. */
function targets(p: Manifest, namespace: string, kind: 'Gateway' | 'Service', name: string): boolean {
  if (p.object.metadata?.namespace !== namespace) return false;
  const spec = p.object.spec ?? {};
  const refs = (spec.targetRefs ?? (spec.targetRef ? [spec.targetRef] : [])) as Record<string, unknown>[];
  const group = kind === 'Gateway' ? 'gateway.networking.k8s.io' : '';
  return refs.some((r) => r.kind === kind && r.name === name && (r.group ?? '') === group);
}

/** The policies a waypoint applies to a request for `service` (both in `namespace`). */
export function waypointPolicies(
  policies: readonly Manifest[],
  waypoint: { namespace: string; name: string },
  service?: string,
): Manifest[] {
  return policies.filter(
    (p) =>
      targets(p, waypoint.namespace, 'Gateway', waypoint.name) ||
      (service !== undefined && targets(p, waypoint.namespace, 'Service', service)),
  );
}

/** Istio's decision for a request at a waypoint, for the Service it is addressed to. */
export function evaluateAtWaypoint(
  policies: readonly Manifest[],
  waypoint: { namespace: string; name: string },
  service: string | undefined,
  req: MeshRequest,
): MeshVerdict {
  return decideWith(waypointPolicies(policies, waypoint, service), req);
}

/** ALLOW, DENY and CUSTOM semantics over the policies that apply (security/authz/builder). */
function decideWith(applicable: readonly Manifest[], req: MeshRequest): MeshVerdict {
  const byAction = (action: string) => applicable.filter((p) => (p.object.spec?.action ?? 'ALLOW') === action);
  const matches = (ps: readonly Manifest[]) =>
    ps.flatMap((p) =>
      ((p.object.spec?.rules ?? []) as any[]).map((rule, i) => ({
        where: `${describe(p)} rules[${i}]`,
        match: ruleMatch(rule ?? {}, req),
      })),
    );
  const custom = byAction('CUSTOM');
  const deny = matches(byAction('DENY'));
  const allowPolicies = byAction('ALLOW');
  const allow = matches(allowPolicies);
  const denying = deny.find((d) => d.match === 'yes');
  if (denying) return { verdict: 'denied', reason: `denied by ${denying.where}` };
  const maybeDenied = deny.filter((d) => d.match === 'unknown').map((d) => d.where);
  if (allowPolicies.length > 0) {
    const allowing = allow.find((a) => a.match === 'yes');
    const maybe = allow.filter((a) => a.match === 'unknown').map((a) => a.where);
    if (!allowing && maybe.length === 0)
      return { verdict: 'denied', reason: `no rule of ${allowPolicies.map(describe).join(', ')} admits it` };
    if (!allowing)
      return { verdict: 'unknown', reason: `admission depends on conditions unknown at L4 in ${maybe.join(', ')}` };
    if (maybeDenied.length > 0 || custom.length > 0)
      return {
        verdict: 'unknown',
        reason: `admitted by ${allowing.where}, but ${[...maybeDenied, ...custom.map(describe)].join(', ')} may deny it`,
      };
    return { verdict: 'allowed', reason: `admitted by ${allowing.where}` };
  }
  if (maybeDenied.length > 0 || custom.length > 0)
    return { verdict: 'unknown', reason: `${[...maybeDenied, ...custom.map(describe)].join(', ')} may deny it` };
  return { verdict: 'allowed', reason: 'no AuthorizationPolicy applies' };
}
