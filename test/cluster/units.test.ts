/**
 * The cluster tier's pure parts, in the default suite (no binary needed): the simulated nodes
 * mirror cluster/eksctl-config.ts, the repoURL rewrite touches nothing but repoURLs, and the
 * Application table reads Argo CD's status fields.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eksctlConfig } from '../../cluster/eksctl-config';
import { nodeGroupLabels, NODE_GROUPS } from '../../charts';
import {
  applicationRows,
  emptyGeneratorProblems,
  expectedApplications,
  formatTable,
  isDone,
  settledProblems,
} from '../../scripts/cluster-tier/applications';
import { groupOfNode, KWOK_ANNOTATION, simulatedNodes } from '../../scripts/cluster-tier/nodes';
import { placementProblems } from '../../scripts/cluster-tier/placement';
import { repoSlug, rewriteRepoUrls, upstreamSources } from '../../scripts/cluster-tier/sources';
import { loadEnvironment } from '../../scripts/upstream/render';

const ROOT = path.resolve(__dirname, '..', '..');

describe('simulated nodes', () => {
  for (const name of ['dev', 'prod']) {
    it(`${name}: one kwok Node per instance eksctl asks for, with its group's labels, taint and zone`, () => {
      const env = loadEnvironment(name, ROOT);
      const nodes = simulatedNodes(env);
      const groups = (eksctlConfig(env).managedNodeGroups as Record<string, unknown>[]).map((g) => ({
        name: g.name as string,
        count: g.desiredCapacity as number,
        zone: (g.availabilityZones as string[])[0],
        labels: g.labels as Record<string, string>,
        taints: g.taints,
        instanceType: g.instanceType as string,
      }));
      expect(nodes).toHaveLength(groups.reduce((n, g) => n + g.count, 0));
      for (const g of groups) {
        const mine = nodes.filter((n) => n.metadata.labels['eks.amazonaws.com/nodegroup'] === g.name);
        expect(mine, g.name).toHaveLength(g.count);
        for (const n of mine) {
          expect(n.metadata.labels).toMatchObject(g.labels);
          expect(n.metadata.labels['topology.kubernetes.io/zone']).toBe(g.zone);
          expect(n.metadata.labels['node.kubernetes.io/instance-type']).toBe(g.instanceType);
          expect(n.spec.taints).toEqual(g.taints);
          expect(n.metadata.annotations[KWOK_ANNOTATION.key]).toBe(KWOK_ANNOTATION.value);
        }
      }
    });
  }

  it('names the group of a node by its labels, and no group for a node without them', () => {
    for (const g of NODE_GROUPS) expect(groupOfNode(nodeGroupLabels(g))).toBe(g);
    expect(groupOfNode({ 'kubernetes.io/os': 'linux' })).toBeUndefined();
  });

  it('refuses an instance type it has no capacity for, naming the file and the fix', () => {
    const env = loadEnvironment('dev', ROOT);
    const bad = {
      ...env,
      aws: {
        ...env.aws,
        nodeGroups: { ...env.aws.nodeGroups, gateway: { ...env.aws.nodeGroups.gateway, instanceType: 'x9.huge' } },
      },
    };
    expect(() => simulatedNodes(bad)).toThrow(
      'charts/environments/dev.yaml: aws.nodeGroups uses instance type(s) x9.huge that scripts/cluster-tier/nodes.ts INSTANCE_TYPES does not list',
    );
  });
});

describe('local sources', () => {
  const map = new Map([
    ['https://github.com/agentic-platform/agentic-platform.git', 'file:///tmp/x/project'],
    ['https://kyverno.github.io/kyverno/', 'http://127.0.0.1:1/kyverno.github.io-kyverno'],
  ]);

  it('rewrites repoURL values and list entries that are exactly a mapped URL, and nothing else', () => {
    const text = [
      '    repoURL: https://github.com/agentic-platform/agentic-platform.git',
      '    - https://kyverno.github.io/kyverno/',
      '    - repoURL: "https://kyverno.github.io/kyverno/"',
      '    description: see https://github.com/agentic-platform/agentic-platform.git',
      '    repoURL: https://github.com/agentic-platform/agentic-platform.git/extra',
    ].join('\n');
    expect(rewriteRepoUrls(text, map).split('\n')).toEqual([
      '    repoURL: file:///tmp/x/project',
      '    - http://127.0.0.1:1/kyverno.github.io-kyverno',
      '    - repoURL: "http://127.0.0.1:1/kyverno.github.io-kyverno"',
      '    description: see https://github.com/agentic-platform/agentic-platform.git',
      '    repoURL: https://github.com/agentic-platform/agentic-platform.git/extra',
    ]);
  });

  it('gives each upstream repository a path segment of its own', () => {
    expect(repoSlug('https://kiali.org/helm-charts')).toBe('kiali.org-helm-charts');
    expect(repoSlug('cr.agentgateway.dev/charts')).toBe('cr.agentgateway.dev-charts');
    expect(repoSlug('https://github.com/kubernetes-sigs/gateway-api.git')).toBe(
      'github.com-kubernetes-sigs-gateway-api',
    );
    const slugs = upstreamSources(loadEnvironment('dev', ROOT), ROOT).map((s) => s.repoURL);
    const unique = [...new Set(slugs)];
    expect(new Set(unique.map(repoSlug)).size).toBe(unique.length);
  });
});

describe('Application table', () => {
  const live = JSON.stringify({
    items: [
      {
        metadata: { name: 'platform-kyverno', annotations: { 'argocd.argoproj.io/sync-wave': '5' } },
        status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } },
      },
      {
        metadata: { name: 'root' },
        status: {
          sync: { status: 'OutOfSync' },
          health: { status: 'Healthy' },
          operationState: {
            phase: 'Running',
            message: 'waiting for healthy state of argoproj.io/Application/platform-istiod',
          },
        },
      },
    ],
  });

  it('sorts by sync wave and says why an Application is not done', () => {
    const rows = applicationRows(live);
    expect(rows.map((r) => [r.wave, r.name, isDone(r)])).toEqual([
      [0, 'root', false],
      [5, 'platform-kyverno', true],
    ]);
    const table = formatTable(rows, new Map([['platform-kyverno', 61_000]])).split('\n');
    expect(table[0]).toMatch(/^WAVE\s+APPLICATION\s+SYNC\s+HEALTH\s+TIME\s+DETAIL$/);
    expect(table[1]).toMatch(/^0\s+root\s+OutOfSync\s+Healthy\s+-\s+operation Running: waiting for healthy state/);
    expect(table[2]).toMatch(/^5\s+platform-kyverno\s+Synced\s+Healthy\s+61s$/);
  });

  it('expects root, every platform Application and three per tenant', () => {
    const names = expectedApplications(loadEnvironment('dev', ROOT), ROOT);
    expect(names).toContain('root');
    expect(names).toContain('platform-kyverno');
    expect(names).toContain('workloads-alpha');
    expect(names.filter((n) => n.startsWith('namespace-'))).toEqual([
      'namespace-alpha',
      'namespace-beta',
      'namespace-research',
    ]);
  });
});

describe('pod placement over the live state', () => {
  const nodes = JSON.stringify({
    items: [
      { metadata: { name: 'agents-a-0', labels: { 'node-role': 'agents' } } },
      { metadata: { name: 'platform-a-0', labels: { 'node-role': 'platform' } } },
    ],
  });
  const pod = (name: string, phase: string, nodeName?: string, group?: string, extra: object = {}) => ({
    metadata: { name, namespace: 'tenant-alpha' },
    spec: { ...(nodeName ? { nodeName } : {}), ...(group ? { nodeSelector: { 'node-role': group } } : {}) },
    status: { phase, ...extra },
  });
  const none = JSON.stringify({ items: [] });

  it('passes pods running on the group they select', () => {
    const pods = JSON.stringify({ items: [pod('triage-0', 'Running', 'agents-a-0', 'agents')] });
    expect(placementProblems(pods, nodes, none)).toEqual([]);
  });

  it('names a Pending pod with the scheduler reason (planted: a tenant pod without the agents toleration)', () => {
    const pending = pod('triage-0', 'Pending', undefined, 'agents', {
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/2 nodes are available: 2 node(s) had untolerated taint {workload: agents}.',
        },
      ],
    });
    expect(placementProblems(JSON.stringify({ items: [pending] }), nodes, none)).toEqual([
      'Pod tenant-alpha/triage-0 is Pending: Unschedulable: 0/2 nodes are available: 2 node(s) had untolerated taint {workload: agents}.',
    ]);
  });

  it('names a pod running off its group and a DaemonSet short of its nodes', () => {
    const pods = JSON.stringify({ items: [pod('triage-0', 'Running', 'platform-a-0', 'agents')] });
    const ds = JSON.stringify({
      items: [
        {
          metadata: { name: 'ztunnel', namespace: 'istio-system' },
          status: { desiredNumberScheduled: 2, numberReady: 1 },
        },
      ],
    });
    expect(placementProblems(pods, nodes, ds)).toEqual([
      'DaemonSet istio-system/ztunnel: 1 of 2 pods ready',
      'Pod tenant-alpha/triage-0 wants group agents but runs on platform-a-0 (group platform)',
    ]);
  });
});

describe('settledProblems', () => {
  const snap = (sync: string, health: string, startedAt: string) =>
    JSON.stringify({
      items: [
        {
          metadata: { name: 'platform-kyverno' },
          status: {
            sync: { status: sync },
            health: { status: health },
            operationState: { phase: 'Succeeded', startedAt, message: 'ok' },
          },
        },
        { metadata: { name: 'root' }, status: { sync: { status: 'OutOfSync' }, health: { status: 'Progressing' } } },
      ],
    });

  it('finds nothing when Applications stay Synced and Healthy without a new sync (and ignores ones never done)', () => {
    expect(
      settledProblems([
        snap('Synced', 'Healthy', 't1'),
        snap('Synced', 'Healthy', 't1'),
        snap('Synced', 'Healthy', 't1'),
      ]),
    ).toEqual([]);
  });

  it('planted faults: an Application that drifts OutOfSync, and one that self-heals (a new sync operation)', () => {
    expect(settledProblems([snap('Synced', 'Healthy', 't1'), snap('OutOfSync', 'Healthy', 't1')])).toEqual([
      'platform-kyverno: OutOfSync/Healthy at snapshot 2 of 2',
    ]);
    expect(
      settledProblems([
        snap('Synced', 'Healthy', 't1'),
        snap('Synced', 'Healthy', 't1'),
        snap('Synced', 'Healthy', 't2'),
      ]),
    ).toEqual(['platform-kyverno: synced again at snapshot 3 of 3 (ok)']);
  });
});

describe('emptyGeneratorProblems', () => {
  const sets = JSON.stringify({
    items: [
      {
        metadata: { name: 'tenant-workloads', uid: 'w' },
        spec: { generators: [{ git: { directories: [{ path: 'dist/dev/tenant/*/workloads' }] } }] },
      },
      { metadata: { name: 'tenant-namespaces', uid: 'n' }, spec: { generators: [] } },
    ],
  });
  const owned = (uid: string) => ({ metadata: { ownerReferences: [{ kind: 'ApplicationSet', uid }] } });

  it('names an ApplicationSet that owns no Application, with its generators (planted: a path that matches nothing)', () => {
    expect(emptyGeneratorProblems(sets, JSON.stringify({ items: [owned('n'), { metadata: {} }] }))).toEqual([
      'ApplicationSet tenant-workloads generated no Application from [{"git":{"directories":[{"path":"dist/dev/tenant/*/workloads"}]}}]',
    ]);
  });

  it('passes when each owns one, and adds the controller error when there is one', () => {
    expect(emptyGeneratorProblems(sets, JSON.stringify({ items: [owned('n'), owned('w')] }))).toEqual([]);
    const failing = JSON.stringify({
      items: [
        {
          metadata: { name: 'x', uid: 'x' },
          status: { conditions: [{ type: 'ErrorOccurred', status: 'True', message: 'boom' }] },
        },
      ],
    });
    expect(emptyGeneratorProblems(failing, '{"items":[]}')).toEqual([
      'ApplicationSet x generated no Application from [] (boom)',
    ]);
  });
});
