/** `npm run diff` lists the flows a change opens and closes, first, as the flow matrix decides them. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadEnvironments } from '../../charts/config/environment';
import { filesInWorkingTree } from '../../scripts/diff/git';
import { compareOutputs } from '../../scripts/diff/compare';
import { flowChanges } from '../../scripts/diff/flows';
import { diffReport, renderReport, summaryLine } from '../../scripts/diff/report';
import { seededRandom } from '../seeded';

const ROOT = path.resolve(__dirname, '..', '..');
const base = filesInWorkingTree(ROOT);
const trustDomains = new Map(
  loadEnvironments(path.join(ROOT, 'charts', 'environments')).map((e) => [e.name, e.cluster.trustDomain]),
);

/** The working tree's output with one file's object changed (or removed, when `edit` returns undefined). */
function changed(file: string, edit: (o: Record<string, any>) => Record<string, any> | undefined): Map<string, string> {
  const head = new Map(base);
  const after = edit(parse(base.get(file)!));
  if (after) head.set(file, stringify(after));
  else head.delete(file);
  return head;
}

describe('flows a change opens and closes', () => {
  it('names the flow a caller policy opens to another tenant, before the objects', () => {
    const head = changed('dist/dev/tenants/alpha/agentgatewaypolicy-a2a-triage-mesh-callers.yaml', (o) => ({
      ...o,
      spec: {
        ...o.spec,
        traffic: {
          authorization: {
            ...o.spec.traffic.authorization,
            policy: {
              matchExpressions: [
                'source.identity.trustDomain == "cluster.local" && source.identity.namespace in ["tenant-alpha", "tenant-research", "tenant-beta"]',
              ],
            },
          },
        },
      },
    }));
    const { diff, flows, markdown } = diffReport(base, head, { trustDomains });
    expect(flows).toEqual([
      {
        env: 'dev',
        opened: [
          "tenant-beta/Agent planner → in-cluster route /a2a/support/triage (alpha's HTTPRoute a2a-triage-mesh)",
        ],
        closed: [],
      },
    ]);
    expect(summaryLine(diff, flows)).toBe(
      '0 added, 0 removed, 1 changed object in dev; 1 flow opened and 0 closed, 1 isolation change and 0 route changes to review first.',
    );
    expect(markdown.indexOf('## Review first: flows opened and closed')).toBeLessThan(
      markdown.indexOf('## Review first: isolation and routes'),
    );
    expect(markdown).toContain(
      "- **opened** tenant-beta/Agent planner → in-cluster route /a2a/support/triage (alpha's HTTPRoute a2a-triage-mesh)",
    );
  });

  it('names the flows a removed NetworkPolicy closes', () => {
    const head = changed('dist/prod/tenants/research/networkpolicy-allow-dns.yaml', () => undefined);
    const { flows } = diffReport(base, head, { trustDomains });
    expect(flows).toHaveLength(1);
    expect(flows[0].env).toBe('prod');
    expect(flows[0].opened).toEqual([]);
    expect(flows[0].closed).toEqual([
      'tenant-research/Agent analyst → kube-system/coredns:53 (cluster DNS)',
      'tenant-research/Agent librarian → kube-system/coredns:53 (cluster DNS)',
      'tenant-research/SandboxRouter sandbox-router → kube-system/coredns:53 (cluster DNS)',
      'tenant-research/SandboxTemplate notebook → kube-system/coredns:53 (cluster DNS)',
    ]);
  });

  it('lists nothing for a change that moves no flow, and nothing without trust domains', () => {
    const head = changed('dist/dev/tenants/alpha/resourcequota-tenant-quota.yaml', (o) => ({
      ...o,
      spec: { hard: { ...o.spec.hard, pods: '21' } },
    }));
    expect(diffReport(base, head, { trustDomains }).flows).toEqual([]);
    const opened = changed('dist/dev/tenants/alpha/agentgatewaypolicy-a2a-triage-mesh-callers.yaml', () => undefined);
    expect(diffReport(base, opened, {}).flows).toEqual([]);
    expect(diffReport(base, opened, { trustDomains }).flows[0].opened.length).toBeGreaterThan(0);
  });
});

describe('the flows of a change whose flow views are equal are not computed, and are the same', () => {
  type Obj = Record<string, any>;
  const files = [...base.keys()];
  const matching = (re: RegExp) => files.filter((f) => re.test(f));
  /** Edits of the output, each to one random file of a kind: some move flows, some cannot. */
  const EDITS: readonly {
    readonly name: string;
    readonly files: readonly string[];
    readonly edit: (o: Obj, r: () => number) => Obj | undefined;
  }[] = [
    {
      name: 'a NetworkPolicy loses its ingress rules',
      files: matching(/^dist\/\w+\/tenants\/[^/]+\/networkpolicy-.*\.yaml$/),
      edit: (o) => ({ ...o, spec: { ...o.spec, ingress: [] } }),
    },
    {
      name: 'a NetworkPolicy is removed',
      files: matching(/^dist\/\w+\/tenants\/[^/]+\/networkpolicy-.*\.yaml$/),
      edit: () => undefined,
    },
    {
      name: "an HTTPRoute's path changes",
      files: matching(/^dist\/\w+\/tenants\/[^/]+\/httproute-.*\.yaml$/),
      edit: (o, r) => {
        const c = structuredClone(o);
        const m = c.spec?.rules?.[0]?.matches?.[0];
        if (m?.path) m.path.value = `${m.path.value}-moved${Math.floor(r() * 9)}`;
        return c;
      },
    },
    {
      name: "a Namespace's labels change",
      files: matching(/^dist\/\w+\/tenants\/[^/]+\/namespace-.*\.yaml$/),
      edit: (o, r) => {
        const c = structuredClone(o);
        const keys = Object.keys(c.metadata.labels).sort();
        delete c.metadata.labels[keys[Math.floor(r() * keys.length)]];
        return c;
      },
    },
    {
      name: "a Namespace's display name changes",
      files: matching(/^dist\/\w+\/tenants\/[^/]+\/namespace-.*\.yaml$/),
      edit: (o, r) => {
        const c = structuredClone(o);
        c.metadata.annotations['platform.agentic.io/display-name'] = `Renamed ${Math.floor(r() * 100)}`;
        return c;
      },
    },
    {
      name: 'a quota changes',
      files: matching(/^dist\/\w+\/tenants\/[^/]+\/resourcequota-.*\.yaml$/),
      edit: (o, r) => ({ ...o, spec: { hard: { ...o.spec.hard, pods: String(10 + Math.floor(r() * 50)) } } }),
    },
    {
      name: 'a ConfigMap changes',
      files: matching(/^dist\/\w+\/platform\/[^/]+\/configmap-.*\.yaml$/),
      edit: (o) => ({ ...o, data: { ...o.data, edited: 'yes' } }),
    },
    {
      name: "a caller policy's expressions change",
      files: matching(/^dist\/\w+\/tenants\/[^/]+\/agentgatewaypolicy-.*-callers\.yaml$/),
      edit: (o) => {
        const c = structuredClone(o);
        const policy = c.spec?.traffic?.authorization?.policy;
        if (policy?.matchExpressions) policy.matchExpressions = ['true'];
        return c;
      },
    },
  ];

  it('reports exactly what computing both matrices reports, for random edits that touch flows or not', () => {
    const rnd = seededRandom(20261206);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
    let moved = 0;
    let unmoved = 0;
    for (let trial = 0; trial < 14; trial++) {
      const head = new Map(base);
      const names: string[] = [];
      for (let i = 0, n = 1 + Math.floor(rnd() * 3); i < n; i++) {
        const e = pick(EDITS);
        expect(e.files.length, e.name).toBeGreaterThan(0);
        const file = pick(e.files);
        names.push(`${e.name} (${file})`);
        const current = head.get(file);
        if (current === undefined) continue;
        const after = e.edit(parse(current), rnd);
        if (after) head.set(file, stringify(after));
        else head.delete(file);
      }
      if (trial === 0)
        head.set('dist/dev/tenants/alpha/README.md', `${base.get('dist/dev/tenants/alpha/README.md')}\nEdited.\n`);
      const fast = diffReport(base, head, { trustDomains });
      const full = renderReport(
        fast.diff,
        { trustDomains },
        flowChanges(base, head, fast.diff, trustDomains, undefined, { full: true }),
      );
      expect(fast.markdown, names.join('; ')).toBe(full);
      if (fast.flows.length > 0) moved++;
      else unmoved++;
    }
    // Both kinds of change were drawn.
    expect(moved).toBeGreaterThan(0);
    expect(unmoved).toBeGreaterThan(0);
  });

  it('skips the matrices when only what the flows do not read changed', () => {
    const quota = 'dist/dev/tenants/alpha/resourcequota-tenant-quota.yaml';
    const ns = 'dist/dev/tenants/alpha/namespace-tenant-alpha.yaml';
    const head = new Map(base);
    head.set(quota, stringify({ ...parse(base.get(quota)!), spec: { hard: { pods: '3' } } }));
    const n = parse(base.get(ns)!);
    n.metadata.annotations['platform.agentic.io/display-name'] = 'Another name';
    head.set(ns, stringify(n));
    const diff = compareOutputs(base, head);
    // A source that fails when read: the fast path reads nothing but the changed files.
    const unread = {
      files: () => {
        throw new Error('read the whole environment');
      },
    };
    expect(flowChanges(base, head, diff, trustDomains, unread)).toEqual([]);
    expect(() => flowChanges(base, head, diff, trustDomains, unread, { full: true })).toThrow(
      'read the whole environment',
    );
  });
});
