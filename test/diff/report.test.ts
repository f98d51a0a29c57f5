/** The pure core of `npm run diff`: two maps of the output in, the report out; no git, no disk writes. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { applicationOf, NO_APPLICATION, platformApplications } from '../../scripts/diff/applications';
import { compareOutputs } from '../../scripts/diff/compare';
import { filesInWorkingTree } from '../../scripts/diff/git';
import { diffReport } from '../../scripts/diff/report';
import { UserError } from '../../scripts/lib/cli';

const ROOT = path.resolve(__dirname, '..', '..');
const repo = filesInWorkingTree(ROOT);

/** A copy of the repository's output with some files edited (a function of the parsed object), added or removed. */
function edited(edits: Record<string, ((o: any) => any) | string | null>): Map<string, string> {
  const out = new Map(repo);
  for (const [file, edit] of Object.entries(edits)) {
    if (edit === null) out.delete(file);
    else if (typeof edit === 'string') out.set(file, edit);
    else out.set(file, stringify(edit(parse(repo.get(file)!))));
  }
  return out;
}

const ALPHA_INGRESS = 'dist/dev/tenants/alpha/networkpolicy-allow-platform-ingress.yaml';

describe('compareOutputs', () => {
  it('finds nothing between identical outputs', () => {
    expect(compareOutputs(repo, new Map(repo))).toEqual({ environments: [] });
    expect(diffReport(repo, new Map(repo)).markdown).toContain('**No changes in dist/ or argocd/.**');
  });

  it("names one tenant's network policy change first, field by field, with the Application that syncs it", () => {
    const head = edited({
      [ALPHA_INGRESS]: (o) => {
        o.spec.ingress[0].from[1].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] = 'tenant-beta';
        return o;
      },
      // An unrelated change to a platform object, which must come after it.
      'dist/dev/platform/gateway/agentgatewayparameters-agentgateway-config.yaml': (o) => ({
        ...o,
        metadata: { ...o.metadata, annotations: { note: 'x' } },
      }),
    });
    const { diff, markdown } = diffReport(repo, head, { baseTitle: 'main' });
    const dev = diff.environments.find((e) => e.name === 'dev')!;
    expect(dev.objects[0]).toMatchObject({
      kind: 'NetworkPolicy',
      namespace: 'tenant-alpha',
      name: 'allow-platform-ingress',
      change: 'changed',
      isolation: true,
      application: 'guardrails-alpha',
    });
    expect(dev.objects[1]).toMatchObject({
      kind: 'AgentgatewayParameters',
      application: 'platform-gateway',
      isolation: false,
    });
    const lines = markdown.split('\n');
    const firstItem = lines.findIndex((l) => l.startsWith('- '));
    expect(lines.indexOf('## Review first: isolation and routes')).toBeLessThan(firstItem);
    expect(lines[firstItem]).toBe(
      `- **changed** NetworkPolicy tenant-alpha/allow-platform-ingress (Application \`guardrails-alpha\`, \`${ALPHA_INGRESS}\`)`,
    );
    expect(lines[firstItem + 1]).toBe(
      '  - `spec.ingress[0].from[1].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]`: `"kagent-system"` → `"tenant-beta"`',
    );
    expect(markdown).toContain(
      '- changed AgentgatewayParameters agentgateway-system/agentgateway-config: `metadata.annotations`',
    );
    expect(markdown).toContain(
      '**0 added, 0 removed, 2 changed objects in dev; 1 isolation change and 0 route changes to review first.**',
    );
  });

  it('maps every file to the Application that syncs it, tenant apps by folder and platform apps by source path', () => {
    const apps = platformApplications(
      [...repo].filter(([f]) => f.startsWith('argocd/dev/platform/application-')).map(([, t]) => parse(t)),
    );
    expect(applicationOf('dist/dev/tenants/alpha/namespace-tenant-alpha.yaml', apps)).toBe('namespace-alpha');
    expect(applicationOf('dist/dev/tenants/alpha/networkpolicy-default-deny.yaml', apps)).toBe('guardrails-alpha');
    expect(applicationOf('dist/dev/tenants/alpha/workloads/agent-triage.yaml', apps)).toBe('workloads-alpha');
    expect(applicationOf('dist/dev/platform/gateway/gateway-agentgateway-proxy.yaml', apps)).toBe('platform-gateway');
    expect(applicationOf('dist/dev/platform/policies/x.yaml', apps)).toBe('platform-policies');
    expect(applicationOf('argocd/dev/projects/appproject-tenant-alpha.yaml', apps)).toBe('root');
    expect(applicationOf('dist/dev/platform/orphan/x.yaml', apps)).toBe(NO_APPLICATION);
    expect(applicationOf('dist/dev/tenants/alpha/workloads/deeper/x.yaml', apps)).toBe(NO_APPLICATION);
  });

  it('splits a tenant folder between namespace and guardrails Applications as the ApplicationSets do', () => {
    // The ApplicationSets' include/exclude patterns, read from the generated objects.
    const set = (name: string) =>
      parse(repo.get(`argocd/dev/applicationsets/applicationset-${name}.yaml`)!).spec.template.spec.source.directory;
    const glob = (g: string) => new RegExp(`^${g.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
    const include = glob(set('tenant-namespaces').include);
    const exclude = glob(set('tenant-guardrails').exclude);
    for (const file of [...repo.keys()].filter((f) => /^dist\/dev\/tenants\/[^/]+\/[^/]+\.yaml$/.test(f))) {
      const name = path.posix.basename(file);
      const tenant = file.split('/')[3];
      expect(applicationOf(file, new Map()), file).toBe(
        include.test(name) ? `namespace-${tenant}` : `guardrails-${tenant}`,
      );
      expect(exclude.test(name)).toBe(include.test(name));
    }
  });

  it('groups a new tenant under its Applications and lists its isolation objects per Application, not one by one', () => {
    const head = new Map(repo);
    for (const [file, text] of repo) {
      if (file.startsWith('dist/dev/tenants/beta/'))
        head.set(file.replace('/beta/', '/zeta/'), text.replaceAll('tenant-beta', 'tenant-zeta'));
    }
    const { diff, markdown } = diffReport(repo, head);
    const dev = diff.environments.find((e) => e.name === 'dev')!;
    expect(new Set(dev.objects.map((o) => o.application))).toEqual(
      new Set(['namespace-zeta', 'guardrails-zeta', 'workloads-zeta']),
    );
    expect(dev.objects.every((o) => o.change === 'added')).toBe(true);
    expect(markdown).toMatch(
      /^- \*\*added to\*\* Application `guardrails-zeta` \(\d+\): NetworkPolicy tenant-zeta\/allow-dns, /m,
    );
    expect(markdown).toContain('- **added to** Application `namespace-zeta` (1): Namespace tenant-zeta');
    expect(dev.files).toContainEqual({ file: 'dist/dev/tenants/zeta/README.md', change: 'added' });
  });

  it('counts a Namespace as an isolation change only when its labels change', () => {
    const ns = 'dist/dev/tenants/alpha/namespace-tenant-alpha.yaml';
    const annotated = compareOutputs(
      repo,
      edited({ [ns]: (o) => ({ ...o, metadata: { ...o.metadata, annotations: { a: 'b' } } }) }),
    );
    expect(annotated.environments[0].objects[0]).toMatchObject({
      kind: 'Namespace',
      change: 'changed',
      isolation: false,
    });
    const relabelled = diffReport(
      repo,
      edited({
        [ns]: (o) => {
          o.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
          return o;
        },
      }),
    );
    expect(relabelled.diff.environments[0].objects[0]).toMatchObject({ kind: 'Namespace', isolation: true });
    expect(relabelled.markdown).toContain(
      '  - `metadata.labels["pod-security.kubernetes.io/enforce"]`: `"baseline"` → `"privileged"`',
    );
  });

  it('lists route additions, removals and changes of routes.json among the flagged changes', () => {
    const file = 'dist/dev/routes.json';
    const table = JSON.parse(repo.get(file)!);
    const [first, second, ...rest] = table.routes;
    const changed = { ...second, callers: [...second.callers, 'beta'] };
    const added = { ...first, path: '/a2a/support/new', route: 'tenant-alpha/a2a-new' };
    const head = edited({ [file]: JSON.stringify({ ...table, routes: [added, changed, ...rest] }) });
    const { diff, markdown } = diffReport(repo, head);
    expect(diff.environments[0].routes.map((r) => [r.change, r.path])).toEqual(
      [
        ['added', '/a2a/support/new'],
        ['removed', first.path],
        ['changed', second.path],
      ].sort((a, b) => a[1].localeCompare(b[1])),
    );
    expect(markdown).toContain(
      `- **removed** \`${first.path}\` (was a2a, owner alpha → Service tenant-alpha/triage:8080; callers alpha, research)`,
    );
    expect(markdown).toContain(
      `  - \`callers\`: \`${JSON.stringify(second.callers)}\` → \`${JSON.stringify([...second.callers, 'beta'])}\``,
    );
    expect(markdown.indexOf('Routes (`dist/dev/routes.json`)')).toBeLessThan(
      markdown.indexOf('## All changes by Application'),
    );
  });

  it('treats an object moved to another file as one change, and a comment-only edit as text only', () => {
    const from = 'dist/dev/platform/gateway/gateway-agentgateway-proxy.yaml';
    const to = 'dist/dev/platform/gateway/gateway-renamed.yaml';
    const deny = 'dist/dev/tenants/alpha/networkpolicy-default-deny.yaml';
    const head = edited({ [from]: null, [to]: repo.get(from)!, [deny]: `# another header\n${repo.get(deny)!}` });
    const dev = compareOutputs(repo, head).environments[0];
    expect(dev.objects).toEqual([
      expect.objectContaining({ kind: 'Gateway', change: 'changed', file: to, movedFrom: from, fields: [] }),
    ]);
    expect(dev.textOnly).toEqual([deny]);
  });

  it('names the file, line and column of a manifest that does not parse, and the side it is on', () => {
    const head = edited({ [ALPHA_INGRESS]: 'kind: NetworkPolicy\nmetadata: {name: [x\n' });
    expect(() => compareOutputs(repo, head, { headLabel: 'working tree' })).toThrow(UserError);
    expect(() => compareOutputs(repo, head, { headLabel: 'working tree' })).toThrow(
      new RegExp(`^${ALPHA_INGRESS.replace(/\./g, '\\.')}:\\d+:\\d+ \\(working tree\\): `),
    );
  });

  it('caps long lists with "... and N more" and keeps the whole report under the size limit', () => {
    const head = new Map(repo);
    for (const [file, text] of repo)
      if (file.startsWith('dist/dev/tenants/') && file.includes('/networkpolicy-'))
        head.set(file, text.replace('  podSelector: {}', '  podSelector:\n    matchLabels:\n      x: y'));
    const changedPolicies = [...head].filter(([f, t]) => repo.get(f) !== t).length;
    expect(changedPolicies).toBeGreaterThan(6);
    const { markdown } = diffReport(repo, head, { limits: { isolationObjects: 2 } });
    expect(markdown).toContain(
      `- ... and ${changedPolicies - 2} more changed isolation objects (listed by Application below)`,
    );
    const small = diffReport(repo, head, { limits: { characters: 1500 } }).markdown;
    expect(small.length).toBeLessThanOrEqual(1500);
    expect(small).toMatch(
      /_The report was cut here to fit a pull request comment; run `npm run diff` locally for all of it._\n$/,
    );
  });
});
