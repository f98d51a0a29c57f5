/**
 * The NetworkPolicy evaluator of the isolation gate: the analyzer's semantics on small hand-made
 * policies, and its agreement check against netpol-analyzer's connection list.
 */
import { describe, expect, it } from 'vitest';
import {
  compareWithAnalyzer,
  oracleEnvironment,
  policyShapes,
  tenantEndpoint,
  tenantNamespaces,
} from '../../scripts/gates/isolation';
import type { EnvironmentOutput, Manifest } from '../../scripts/kube/manifests';
import {
  ALL,
  connSet,
  connString,
  inCidr,
  intersect,
  NetpolModel,
  NONE,
  selectorMatches,
  union,
} from '../../scripts/gates/netpol-eval';
import { repoOutput } from './fixture';

const np = (namespace: string, name: string, spec: object): Manifest => ({
  file: `${namespace}/${name}.yaml`,
  env: 'dev',
  object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec },
});
const pod = (namespace: string, labels: Record<string, string> = { app: 'agent' }) => ({
  namespace,
  name: 'agent',
  labels,
  serviceAccount: 'agent',
  ports: [
    { port: 8080, protocol: 'TCP' as const, name: 'http' },
    { port: 9090, protocol: 'TCP' as const, name: 'metrics' },
  ],
});
const labels = new Map<string, Record<string, string>>([
  ['a', { 'kubernetes.io/metadata.name': 'a', team: 'x' }],
  ['b', { 'kubernetes.io/metadata.name': 'b', team: 'y' }],
  ['c', { 'kubernetes.io/metadata.name': 'c' }],
]);

describe('connection sets', () => {
  it('merge, intersect and print as the analyzer does', () => {
    const tcp = connSet(
      new Map([
        [
          'TCP',
          [
            [4317, 4317],
            [4318, 4318],
            [15008, 15008],
          ],
        ],
      ]),
    );
    expect(connString(tcp)).toBe('TCP 4317-4318,15008');
    expect(connString(union(tcp, connSet(new Map([['UDP', [[53, 53]]]]))))).toBe('TCP 4317-4318,15008,UDP 53');
    expect(connString(intersect(tcp, connSet(new Map([['TCP', [[4318, 9000]]]]))))).toBe('TCP 4318');
    expect(connString(intersect(ALL, tcp))).toBe('TCP 4317-4318,15008');
    expect(
      connString(
        connSet(
          new Map([
            ['TCP', [[1, 65535]]],
            ['UDP', [[1, 65535]]],
            ['SCTP', [[1, 65535]]],
          ]),
        ),
      ),
    ).toBe('All Connections');
    expect(connString(intersect(tcp, connSet(new Map([['UDP', [[1, 65535]]]]))))).toBe('No Connections');
    expect(connString(NONE)).toBe('No Connections');
  });

  it('reads CIDR blocks', () => {
    expect(inCidr('8.8.8.8', '0.0.0.0/0')).toBe(true);
    expect(inCidr('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(inCidr('11.0.0.0', '10.0.0.0/8')).toBe(false);
    expect(inCidr('169.254.7.127', '169.254.7.127/32')).toBe(true);
    expect(inCidr('8.8.8.8', '::/0')).toBe(false);
  });
});

describe('label selectors', () => {
  it('match labels and every expression operator', () => {
    const l = { app: 'agent', tier: 'web' };
    expect(selectorMatches({}, l)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'agent' } }, l)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'other' } }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'db'] }] }, l)).toBe(
      true,
    );
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, l)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, l)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, l)).toBe(false);
    expect(() => selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Gt' }] }, l)).toThrow(
      'label selector operator "Gt" is not one of In, NotIn, Exists, DoesNotExist',
    );
  });
});

describe('NetworkPolicy evaluation', () => {
  it('is open without policies, and closed by a default deny in each direction separately', () => {
    const open = new NetpolModel([], labels);
    expect(connString(open.conns(pod('a'), pod('b')))).toBe('All Connections');
    const denyIn = new NetpolModel([np('b', 'deny', { podSelector: {} })], labels);
    expect(connString(denyIn.conns(pod('a'), pod('b')))).toBe('No Connections');
    expect(connString(denyIn.conns(pod('b'), pod('a')))).toBe('All Connections');
    // Without policyTypes, a policy affects Egress only when it has egress rules.
    const egressRules = new NetpolModel(
      [
        np('a', 'out', {
          podSelector: {},
          egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'y' } } }], ports: [{ port: 443 }] }],
        }),
      ],
      labels,
    );
    expect(connString(egressRules.conns(pod('a'), pod('b')))).toBe('TCP 443');
    expect(connString(egressRules.conns(pod('a'), pod('c')))).toBe('No Connections');
    expect(connString(egressRules.conns(pod('c'), pod('a')))).toBe('No Connections');
  });

  it('keeps a peer without namespaceSelector in the policy namespace, and ipBlocks to addresses', () => {
    const m = new NetpolModel(
      [
        np('a', 'same', {
          podSelector: {},
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ podSelector: {} }] }],
          egress: [
            {
              to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }],
              ports: [{ port: 443, protocol: 'TCP' }],
            },
          ],
        }),
      ],
      labels,
    );
    expect(connString(m.conns(pod('a', { app: 'x' }), pod('a')))).toBe('No Connections'); // egress of a allows only addresses
    expect(connString(m.conns(pod('b'), pod('a')))).toBe('No Connections');
    expect(connString(m.conns(pod('a'), { kind: 'ip', ip: '8.8.8.8' }))).toBe('TCP 443');
    expect(connString(m.conns(pod('a'), { kind: 'ip', ip: '10.1.1.1' }))).toBe('No Connections');
  });

  it('resolves named ports against the destination pod and warns about one without a match', () => {
    const m = new NetpolModel(
      [
        np('b', 'in', {
          podSelector: {},
          ingress: [
            {
              from: [{ namespaceSelector: {} }],
              ports: [{ port: 'metrics' }, { port: 'grpc' }, { port: '8080' }, { port: 7000, endPort: 7010 }],
            },
          ],
        }),
      ],
      labels,
    );
    expect(connString(m.conns(pod('a'), pod('b')))).toBe('TCP 7000-7010,9090');
    expect([...m.warnings]).toEqual([
      'NetworkPolicy b/in: named port "grpc" matches no TCP port of b/agent, so the rule allows nothing there',
      'NetworkPolicy b/in: named port "8080" matches no TCP port of b/agent, so the rule allows nothing there',
    ]);
  });

  it('finds every other tenant a policy opens to, in both directions, with the rule peers matched once', () => {
    const policies = [
      np('a', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      np('a', 'to-team-y', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'y' } } }] }],
      }),
      np('a', 'from-all', {
        podSelector: {},
        ingress: [
          {
            from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'agent' } } }],
            ports: [{ port: 8080 }],
          },
        ],
      }),
    ];
    const m = new NetpolModel(policies, labels);
    const others = ['a', 'b', 'c'].map((n) => pod(n));
    const cache = new Map();
    const r = m.towardsOthers(others[0], others, cache);
    expect([...r.egress].map(([o, c]) => `${o.namespace} ${connString(c)}`)).toEqual(['b All Connections']);
    expect([...r.ingress].map(([o, c]) => `${o.namespace} ${connString(c)}`)).toEqual(['b TCP 8080', 'c TCP 8080']);
    expect(cache.size).toBe(2);
    // The same answers as pair by pair.
    expect(connString(m.egress(others[0], m.pod(others[1])))).toBe('All Connections');
    expect(connString(m.ingress(m.pod(others[2]), others[0]))).toBe('TCP 8080');
    // An open namespace reaches every other.
    const open = m.towardsOthers(others[2], others, cache);
    expect([...open.egress.keys()].map((o) => o.namespace)).toEqual(['a', 'b']);
  });

  it('rejects a peer that combines an ipBlock with a selector', () => {
    const m = new NetpolModel(
      [
        np('a', 'bad', {
          podSelector: {},
          ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }],
        }),
      ],
      labels,
    );
    expect(() => m.conns(pod('b'), pod('a'))).toThrow(
      'a rule peer of a NetworkPolicy in a combines an ipBlock with selectors; split it into two peers',
    );
  });
});

describe('agreement with netpol-analyzer', () => {
  const env = (): EnvironmentOutput => repoOutput().environments[0];

  it('groups tenants by policy shape and keeps two of each for the analyzer', () => {
    const e = env();
    // alpha and beta differ only by name: one shape; research, with its sandbox router's policies, another.
    expect(policyShapes(e)).toEqual([['tenant-alpha', 'tenant-beta'], ['tenant-research']]);
    expect(tenantNamespaces(oracleEnvironment(e))).toEqual(['tenant-alpha', 'tenant-beta', 'tenant-research']);
    const renamed = e.manifests
      .filter(
        (m) => m.file.startsWith('dist/dev/tenants/alpha/') && ['Namespace', 'NetworkPolicy'].includes(m.object.kind),
      )
      .map((m) => ({
        ...m,
        object: JSON.parse(
          JSON.stringify(m.object).replaceAll('tenant-alpha', 'tenant-zeta').replaceAll('"alpha"', '"zeta"'),
        ),
      }));
    const withZeta = { ...e, manifests: [...e.manifests, ...renamed] };
    expect(policyShapes(withZeta)).toEqual([['tenant-alpha', 'tenant-beta', 'tenant-zeta'], ['tenant-research']]);
    // A tenant whose policy names another tenant has a shape of its own.
    const opened = e.manifests.map((m) =>
      m.file === 'dist/dev/tenants/alpha/networkpolicy-allow-platform-ingress.yaml'
        ? {
            ...m,
            object: {
              ...m.object,
              spec: {
                ...m.object.spec,
                ingress: [
                  ...m.object.spec.ingress,
                  { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-beta' } } }] },
                ],
              },
            },
          }
        : m,
    );
    const openedEnv = { ...e, manifests: opened };
    expect(policyShapes(openedEnv)).toEqual([['tenant-alpha'], ['tenant-beta'], ['tenant-research']]);
    expect(tenantNamespaces(oracleEnvironment(openedEnv))).toEqual(['tenant-alpha', 'tenant-beta', 'tenant-research']);
  });

  it('reports every connection on which the analyzer and the evaluator disagree', () => {
    const e = oracleEnvironment(env());
    const m = new NetpolModel(
      e.manifests.filter((x) => x.object.kind === 'NetworkPolicy'),
      new Map(),
    );
    const agent = (ns: string) => `${tenantEndpoint(ns).namespace}/agent[Pod]`;
    const errors = compareWithAnalyzer(
      e,
      m,
      [
        { src: agent('tenant-alpha'), dst: agent('tenant-beta'), conn: 'TCP 8080' },
        { src: 'cluster/x[Pod]', dst: agent('tenant-beta'), conn: 'All Connections' },
      ],
      'all policies',
    );
    expect(errors).toContain(
      'dev: netpol-analyzer and the isolation evaluator disagree on tenant-alpha/agent[Pod] => tenant-beta/agent[Pod] (all policies): analyzer TCP 8080, evaluator No Connections; the gate cannot trust its NetworkPolicy verdicts',
    );
    expect(errors).toContain(
      'dev: netpol-analyzer lists cluster/x[Pod] => tenant-beta/agent[Pod] (all policies), a peer the isolation evaluator does not know',
    );
    // Pairs the analyzer leaves out must have no connection in the evaluator either.
    expect(errors).toContain(
      'dev: netpol-analyzer and the isolation evaluator disagree on tenant-alpha/agent[Pod] => kube-system/coredns[Pod] (all policies): analyzer No Connections, evaluator UDP 53,TCP 53; the gate cannot trust its NetworkPolicy verdicts'.replace(
        'UDP 53,TCP 53',
        'TCP 53,UDP 53',
      ),
    );
  });
});
