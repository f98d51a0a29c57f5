/** `npm run diff` lists the flows a change opens and closes, first, as the flow matrix decides them. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadEnvironments } from '../../charts/config/environment';
import { filesInWorkingTree } from '../../scripts/diff/git';
import { diffReport, summaryLine } from '../../scripts/diff/report';

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
