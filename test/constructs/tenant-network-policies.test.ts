import { describe, expect, it } from 'vitest';
import { TenantNetworkPolicies } from '../../charts/constructs/tenant-network-policies';
import { collect, type K8sObject, synth } from '../helpers';

const NS = 'tenant-alpha';
const PLATFORM = ['agentgateway-system', 'kagent-system', 'istio-system', 'monitoring', 'otel', 'kube-system'];
const NAME_LABEL = 'kubernetes.io/metadata.name';

const policies = synth((c) => new TenantNetworkPolicies(c, 'Network', { tenant: 'alpha', namespace: NS }));
const byName = (name: string): K8sObject => {
  const p = policies.find((o) => o.metadata.name === name);
  if (!p) throw new Error(`no NetworkPolicy ${name}`);
  return p;
};
type Rule = { from?: K8sObject[]; to?: K8sObject[]; ports?: K8sObject[] };
const rules = (p: K8sObject): { dir: 'ingress' | 'egress'; rule: Rule }[] => [
  ...((p.spec.ingress ?? []) as Rule[]).map((rule) => ({ dir: 'ingress' as const, rule })),
  ...((p.spec.egress ?? []) as Rule[]).map((rule) => ({ dir: 'egress' as const, rule })),
];
const peers = (r: Rule): K8sObject[] => r.from ?? r.to ?? [];
const nsOf = (peer: K8sObject): string | undefined => peer.namespaceSelector?.matchLabels?.[NAME_LABEL];

describe('TenantNetworkPolicies', () => {
  it('emits only networking.k8s.io/v1 NetworkPolicies, all in the tenant namespace, with unique names', () => {
    expect(policies.length).toBeGreaterThan(1);
    for (const p of policies) {
      expect(p.apiVersion).toBe('networking.k8s.io/v1');
      expect(p.kind).toBe('NetworkPolicy');
      expect(p.metadata.namespace).toBe(NS);
      expect(p.metadata.labels['platform.agentic.io/tenant-name']).toBe('alpha');
    }
    const names = policies.map((p) => p.metadata.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('starts from a default-deny policy over every pod, both directions, with no rules', () => {
    const deny = byName('default-deny');
    expect(deny.spec.podSelector).toEqual({});
    expect([...deny.spec.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
    expect(deny.spec).not.toHaveProperty('ingress');
    expect(deny.spec).not.toHaveProperty('egress');
  });

  it('applies every policy to every pod of the namespace, but the same-namespace and platform allowances to non-sandbox pods and istiod to the waypoint only', () => {
    for (const p of policies.filter(
      (x) => !['allow-same-namespace', 'allow-platform-egress', 'allow-waypoint-istiod'].includes(x.metadata.name),
    ))
      expect(p.spec.podSelector, p.metadata.name).toEqual({});
    const notSandbox = { matchExpressions: [{ key: 'platform.agentic.io/sandbox', operator: 'DoesNotExist' }] };
    expect(byName('allow-same-namespace').spec.podSelector).toEqual(notSandbox);
    // A sandbox would call the tenant's routes (which admit its namespace) and kagent's agent API.
    expect(byName('allow-platform-egress').spec.podSelector).toEqual(notSandbox);
    // istiod labels a waypoint's pods with its Gateway's name (Istio 1.30 files/waypoint.yaml).
    expect(byName('allow-waypoint-istiod').spec.podSelector).toEqual({
      matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'agentgateway-waypoint' },
    });
  });

  it('declares a policyType for each direction it has rules for', () => {
    for (const p of policies) {
      if (p.spec.ingress) expect(p.spec.policyTypes).toContain('Ingress');
      if (p.spec.egress) expect(p.spec.policyTypes).toContain('Egress');
    }
  });

  it('never has a rule without peers (an omitted from/to admits every address)', () => {
    for (const p of policies) {
      for (const { rule } of rules(p)) expect(peers(rule).length).toBeGreaterThan(0);
    }
  });

  it('selects namespaces only by name, and only the tenant itself or a platform namespace', () => {
    const allowed = new Set([NS, ...PLATFORM]);
    const selectors = collect(policies, 'namespaceSelector') as K8sObject[];
    expect(selectors.length).toBeGreaterThan(0);
    for (const sel of selectors) {
      // An empty selector, or one with matchExpressions, could match other tenants.
      expect(Object.keys(sel)).toEqual(['matchLabels']);
      expect(Object.keys(sel.matchLabels)).toEqual([NAME_LABEL]);
      expect(allowed.has(sel.matchLabels[NAME_LABEL]), sel.matchLabels[NAME_LABEL]).toBe(true);
      expect(sel.matchLabels[NAME_LABEL]).not.toMatch(/^tenant-(?!alpha$)/);
    }
  });

  it('admits a peer without namespaceSelector or ipBlock only as a same-namespace pod selector that leaves out sandboxes', () => {
    const notSandbox = { matchExpressions: [{ key: 'platform.agentic.io/sandbox', operator: 'DoesNotExist' }] };
    let found = 0;
    for (const p of policies) {
      for (const { rule } of rules(p)) {
        for (const peer of peers(rule)) {
          if (!peer.namespaceSelector && !peer.ipBlock) {
            expect(peer).toEqual({ podSelector: notSandbox });
            found++;
          }
        }
      }
    }
    expect(found).toBe(2);
    // The allowance itself applies to the same pods: a sandbox gets no same-namespace traffic at all.
    expect(byName('allow-same-namespace').spec.podSelector).toEqual(notSandbox);
  });

  it('allows DNS only to kube-dns in kube-system on UDP and TCP 53', () => {
    const dns = byName('allow-dns');
    expect(dns.spec.policyTypes).toEqual(['Egress']);
    expect(dns.spec.egress).toHaveLength(1);
    const [rule] = dns.spec.egress;
    expect(rule.to).toEqual([
      {
        namespaceSelector: { matchLabels: { [NAME_LABEL]: 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
    expect(rule.ports).toHaveLength(2);
    expect(rule.ports).toEqual(
      expect.arrayContaining([
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ]),
    );
  });

  it('allows OTEL egress on exactly 4317, 4318 and 15008 (TCP)', () => {
    const otelRules = policies
      .flatMap((p) => rules(p))
      .filter(({ rule }) => peers(rule).some((peer) => nsOf(peer) === 'otel'));
    expect(otelRules).toHaveLength(1);
    const [{ dir, rule }] = otelRules;
    expect(dir).toBe('egress');
    expect(rule.to).toHaveLength(1);
    expect(rule.ports!.map((p) => p.port).sort((a: number, b: number) => a - b)).toEqual([4317, 4318, 15008]);
    for (const p of rule.ports!) expect(p.protocol).toBe('TCP');
  });

  it('allows external HTTPS only on TCP 443, excluding private, link-local and metadata ranges', () => {
    const ipRules = policies
      .flatMap((p) => rules(p))
      .filter(({ dir, rule }) => dir === 'egress' && peers(rule).some((peer) => peer.ipBlock));
    expect(ipRules).toHaveLength(1);
    const [{ rule }] = ipRules;
    expect(rule.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    for (const peer of rule.to!) expect(Object.keys(peer)).toEqual(['ipBlock']);
    const v4 = rule.to!.find((peer) => peer.ipBlock.cidr === '0.0.0.0/0');
    expect(v4).toBeDefined();
    expect(v4!.ipBlock.except).toEqual(
      expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']),
    );
    // No IPv6 catch-all: pods of an IPv6 cluster have global addresses, so ::/0 would admit other tenants.
    expect(rule.to!.map((peer) => peer.ipBlock.cidr)).toEqual(['0.0.0.0/0']);
    // Every other ipBlock that opens the whole internet must carry the exclusions too.
    for (const peer of rule.to!) expect(peer.ipBlock.except?.length ?? 0).toBeGreaterThan(0);
  });

  it('admits kubelet probes from 169.254.7.127/32, and no other ingress ipBlock', () => {
    const ingressBlocks = policies
      .flatMap((p) => rules(p))
      .filter(({ dir }) => dir === 'ingress')
      .flatMap(({ rule }) => peers(rule))
      .filter((peer) => peer.ipBlock);
    expect(ingressBlocks).toEqual([{ ipBlock: { cidr: '169.254.7.127/32' } }]);
  });

  it('admits the monitoring namespace only for the Prometheus pods', () => {
    const monitoringPeers = policies
      .flatMap((p) => rules(p))
      .flatMap(({ rule }) => peers(rule))
      .filter((peer) => nsOf(peer) === 'monitoring');
    expect(monitoringPeers.length).toBeGreaterThan(0);
    for (const peer of monitoringPeers) {
      expect(peer.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'prometheus' } });
    }
  });

  it('writes every port as a number, never a string', () => {
    const ports = collect(policies, 'port');
    expect(ports.length).toBeGreaterThan(0);
    for (const p of ports) expect(typeof p).toBe('number');
  });

  it("sends to agentgateway-system and kagent-system only the HBONE port of the mesh gateway and of kagent's waypoint", () => {
    const egress = byName('allow-platform-egress').spec.egress as Rule[];
    const toNs = (ns: string) => egress.filter((r) => r.to!.some((peer) => nsOf(peer) === ns));
    expect(toNs('agentgateway-system')).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { [NAME_LABEL]: 'agentgateway-system' } },
            podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'agentgateway-mesh' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 15008 }],
      },
    ]);
    expect(toNs('kagent-system')).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { [NAME_LABEL]: 'kagent-system' } },
            podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'kagent-waypoint' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 15008 }],
      },
    ]);
    // Nothing else of any platform namespace, and no port but 15008 to the two above.
    expect(new Set(egress.flatMap((r) => r.to!.map(nsOf)))).toEqual(new Set(['agentgateway-system', 'kagent-system']));
    // Every pod, sandboxes included, sends its traces and metrics to the collector, and nowhere else.
    const otel = byName('allow-otel-egress').spec.egress as Rule[];
    expect(otel).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { [NAME_LABEL]: 'otel' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'otel-collector' } },
          },
        ],
        ports: [
          { protocol: 'TCP', port: 4317 },
          { protocol: 'TCP', port: 4318 },
          { protocol: 'TCP', port: 15008 },
        ],
      },
    ]);
  });

  it('takes from agentgateway-system only the two gateway proxies, and from kagent-system only HBONE', () => {
    const ingress = byName('allow-platform-ingress').spec.ingress as Rule[];
    const platform = ingress.find((r) => r.from!.some((peer) => nsOf(peer) === 'agentgateway-system'))!;
    expect(platform.ports).toEqual([{ protocol: 'TCP', port: 15008 }]);
    expect(platform.from).toEqual([
      {
        namespaceSelector: { matchLabels: { [NAME_LABEL]: 'agentgateway-system' } },
        podSelector: {
          matchExpressions: [
            {
              key: 'gateway.networking.k8s.io/gateway-name',
              operator: 'In',
              values: ['agentgateway-proxy', 'agentgateway-mesh'],
            },
          ],
        },
      },
      { namespaceSelector: { matchLabels: { [NAME_LABEL]: 'kagent-system' } } },
    ]);
    expect(new Set(ingress.flatMap((r) => r.from!.map(nsOf)))).toEqual(
      new Set(['agentgateway-system', 'kagent-system', 'monitoring']),
    );
  });

  it('lets only the waypoint reach istiod, on 15012', () => {
    expect(byName('allow-waypoint-istiod').spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { [NAME_LABEL]: 'istio-system' } },
            podSelector: { matchLabels: { app: 'istiod' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 15012 }],
      },
    ]);
    const istiod = policies
      .flatMap((p) => rules(p))
      .filter(({ rule }) => peers(rule).some((peer) => nsOf(peer) === 'istio-system'));
    expect(istiod).toHaveLength(1);
  });

  it("never mentions another tenant's namespace", () => {
    const other = synth((c) => new TenantNetworkPolicies(c, 'Network', { tenant: 'beta', namespace: 'tenant-beta' }));
    const text = JSON.stringify(other);
    expect(text).not.toContain('tenant-alpha');
    expect(JSON.stringify(policies)).not.toContain('tenant-beta');
  });
});
