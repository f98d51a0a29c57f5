import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppProtocolPolicy } from '../../charts/platform/policies/appprotocol-policy';
import { AutoExposePolicy } from '../../charts/platform/policies/auto-expose-policy';
import { KyvernoPermissions } from '../../charts/platform/policies/kyverno-permissions';
import { PlatformSchedulingPolicy } from '../../charts/platform/policies/platform-scheduling-policy';
import { TenantBackendsPolicy } from '../../charts/platform/policies/tenant-backends-policy';
import { TenantSchedulingPolicy } from '../../charts/platform/policies/tenant-scheduling-policy';
import { TracepropPolicy } from '../../charts/platform/policies/traceprop-policy';
import { UPSTREAM } from '../../charts/lib/upstream';
import { only, synth } from '../helpers';
import { CHARTS_DIR } from '../../scripts/toolchain/paths';

describe('KyvernoPermissions', () => {
  const roles = synth((c) => new KyvernoPermissions(c, 'K'));
  const role = roles.find((r) => r.metadata.name === 'kyverno-agentic-platform-background')!;
  const admission = roles.find((r) => r.metadata.name === 'kyverno-agentic-platform-admission')!;
  const reports = roles.find((r) => r.metadata.name === 'kyverno-agentic-platform-reports')!;
  const chartTemplate = (...parts: string[]) => {
    const chart = UPSTREAM.kyverno;
    if (chart.type !== 'helm') throw new Error('kyverno is expected to be a Helm chart');
    return fs.readFileSync(path.join(CHARTS_DIR, `${chart.chart}-${chart.version}`, 'templates', ...parts), 'utf8');
  };

  it("aggregates into Kyverno's background controller role", () => {
    expect(role.metadata.name).toBe('kyverno-agentic-platform-background');
    expect(role.metadata.labels['rbac.kyverno.io/aggregate-to-background-controller']).toBe('true');
    expect(role.metadata.annotations).toBeUndefined();
  });

  it('grants what auto-expose needs: HTTPRoutes and AgentgatewayPolicies in full, the trigger kinds read-only, nothing else', () => {
    expect(role.rules).toEqual([
      {
        apiGroups: ['gateway.networking.k8s.io'],
        resources: ['httproutes'],
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      },
      {
        apiGroups: ['agentgateway.dev'],
        resources: ['agentgatewaypolicies'],
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      },
      { apiGroups: ['kagent.dev'], resources: ['agents'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['agentgateway.dev'], resources: ['agentgatewaybackends'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  it('carries the sync wave it is given', () => {
    const waved = synth((c) => new KyvernoPermissions(c, 'K', { syncWave: 2 }));
    expect(waved.map((r) => r.kind)).toEqual(['ClusterRole', 'ClusterRole', 'ClusterRole']);
    for (const r of waved) expect(r.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '2' });
  });

  it('lets the background controller manage every kind auto-expose generates', () => {
    const policy = only(
      synth((c) => new AutoExposePolicy(c, 'P')),
      'ClusterPolicy',
    );
    const generated = [
      ...new Set(
        policy.spec.rules.map(
          (r: any) => `${r.generate.apiVersion.split('/')[0]}/${r.generate.kind.toLowerCase().replace(/y$/, 'ie')}s`,
        ),
      ),
    ].sort();
    expect(generated).toEqual(['agentgateway.dev/agentgatewaypolicies', 'gateway.networking.k8s.io/httproutes']);
    const managed = role.rules
      .filter((r: any) => r.verbs.includes('create'))
      .flatMap((r: any) => r.resources.map((x: string) => `${r.apiGroups[0]}/${x}`))
      .sort();
    expect(managed).toEqual(generated);
  });

  // kyverno v1.19.0 pkg/validation/policy/actions.go: a generate rule with synchronize is admitted
  // only when the admission controller's service account may "list" and "get" the generated kind
  // (pkg/policy/generate/validate.go canIGenerate; the denial text from pkg/policy/auth/auth.go:
  // "... kyverno-admission-controller requires permissions list,get for resource ...").
  it('lets the admission controller get and list every kind auto-expose generates with synchronize, and nothing else', () => {
    expect(admission.metadata.labels['rbac.kyverno.io/aggregate-to-admission-controller']).toBe('true');
    const policy = only(
      synth((c) => new AutoExposePolicy(c, 'P')),
      'ClusterPolicy',
    );
    const synchronized = [
      ...new Set(
        policy.spec.rules
          .filter((r: any) => r.generate?.synchronize)
          .map(
            (r: any) => `${r.generate.apiVersion.split('/')[0]}/${r.generate.kind.toLowerCase().replace(/y$/, 'ie')}s`,
          ),
      ),
    ].sort();
    expect(synchronized).toEqual(['agentgateway.dev/agentgatewaypolicies', 'gateway.networking.k8s.io/httproutes']);
    const readable = admission.rules
      .filter((r: any) => r.verbs.includes('get') && r.verbs.includes('list'))
      .flatMap((r: any) => r.resources.map((x: string) => `${r.apiGroups[0]}/${x}`))
      .sort();
    expect(readable).toEqual(synchronized);
    expect(admission.rules.flatMap((r: any) => r.verbs)).toEqual(['get', 'list', 'get', 'list']);
  });

  // kyverno v1.19.0 pkg/validation/policy/actions.go: every mutate, validate and generate rule is
  // checked against the reports controller's service account reading (get, list, watch) the kinds
  // it matches; pkg/policy/auth/auth.go words the warning. The chart binds that controller to
  // `view` (chart 3.9.0 templates/reports-controller/clusterrolebinding.yaml), which reads Pods and
  // Services but no custom kind. test/integration/kyverno.test.ts sees the warnings vanish.
  it('lets the reports controller read every custom kind a policy matches, and nothing else', () => {
    expect(reports.metadata.labels['rbac.kyverno.io/aggregate-to-reports-controller']).toBe('true');
    const policies = synth((c) => {
      new AppProtocolPolicy(c, 'A');
      new AutoExposePolicy(c, 'E');
      new PlatformSchedulingPolicy(c, 'P');
      new TenantBackendsPolicy(c, 'B');
      new TenantSchedulingPolicy(c, 'S');
      new TracepropPolicy(c, 'T');
    }).filter((o) => o.kind === 'ClusterPolicy');
    expect(policies).toHaveLength(6);
    const matched = [
      ...new Set(
        policies.flatMap((p) =>
          p.spec.rules.flatMap((r: any) => (r.match.any ?? []).flatMap((m: any) => m.resources.kinds as string[])),
        ),
      ),
    ];
    // group/version/Kind names a custom kind; a bare Kind is a core one (Pod, Service).
    const custom = matched
      .filter((k) => k.includes('/'))
      .map((k) => `${k.split('/')[0]}/${k.split('/')[2]!.toLowerCase()}s`)
      .sort();
    expect(matched.filter((k) => !k.includes('/')).sort()).toEqual(['Pod', 'Service']);
    const readable = reports.rules.flatMap((r: any) => r.resources.map((x: string) => `${r.apiGroups[0]}/${x}`)).sort();
    expect(readable).toEqual(custom);
    for (const r of reports.rules) expect(r.verbs).toEqual(['get', 'list', 'watch']);
    expect(chartTemplate('reports-controller', 'clusterrole.yaml')).toContain(
      'rbac.kyverno.io/aggregate-to-reports-controller: "true"',
    );
  });

  it("aggregates into the roles the chart's controllers run with (kyverno chart 3.9.0 aggregationRule)", () => {
    expect(chartTemplate('admission-controller', 'clusterrole.yaml')).toContain(
      'rbac.kyverno.io/aggregate-to-admission-controller: "true"',
    );
    expect(chartTemplate('background-controller', 'clusterrole.yaml')).toContain(
      'rbac.kyverno.io/aggregate-to-background-controller: "true"',
    );
  });

  it("leaves reading namespaces (auto-expose's lookup of tenant Namespaces) to the chart's own role of the controller", () => {
    // kyverno chart 3.9.0 templates/background-controller/clusterrole.yaml, the :core role.
    const template = chartTemplate('background-controller', 'clusterrole.yaml');
    expect(template).toMatch(
      /- ''\n\s+resources:\n\s+- namespaces\n\s+- configmaps\n\s+verbs:\n\s+- get\n\s+- list\n\s+- watch/,
    );
    expect(JSON.stringify(role.rules)).not.toContain('namespaces');
  });
});
