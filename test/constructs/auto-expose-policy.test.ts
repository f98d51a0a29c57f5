import { describe, expect, it } from 'vitest';
import { RESERVED_ALIASES } from '../../charts/config/validate-workloads';
import {
  AutoExposePolicy,
  segmentChecks,
  TENANT_SEGMENTS_CALL,
} from '../../charts/platform/policies/auto-expose-policy';
import { only, synth } from '../helpers';

const policy = only(
  synth((c) => new AutoExposePolicy(c, 'P')),
  'ClusterPolicy',
);
const rule = (name: string) => policy.spec.rules.find((r: any) => r.name === name);
const path = (name: string) => rule(name).generate.data.spec.rules[0].matches[0].path.value;
const routeRules = () => policy.spec.rules.filter((r: any) => r.generate.kind === 'HTTPRoute');
const tenantRules = () => policy.spec.rules.filter((r: any) => r.name.endsWith('-tenant-namespace'));
const labelledRules = () => policy.spec.rules.filter((r: any) => !r.name.endsWith('-tenant-namespace'));

describe('AutoExposePolicy', () => {
  it('has, per route kind, a route rule for labelled namespaces and a caller policy and route rule for tenant namespaces, generating in the background too', () => {
    expect(policy.apiVersion).toBe('kyverno.io/v1');
    expect(policy.metadata.name).toBe('auto-expose');
    expect(policy.spec).toMatchObject({ admission: true, background: true, failurePolicy: 'Ignore' });
    expect(policy.spec.rules.map((r: any) => r.name)).toEqual([
      'a2a-route',
      'a2a-callers-tenant-namespace',
      'a2a-route-tenant-namespace',
      'llm-route',
      'llm-callers-tenant-namespace',
      'llm-route-tenant-namespace',
      'mcp-route',
      'mcp-callers-tenant-namespace',
      'mcp-route-tenant-namespace',
    ]);
  });

  it('acts in tenant namespaces and in namespaces labelled platform.agentic.io/auto-expose only', () => {
    for (const r of tenantRules()) {
      expect(r.match.any[0].resources.namespaceSelector).toEqual({
        matchLabels: { 'platform.agentic.io/tenant': 'true' },
      });
    }
    for (const r of labelledRules()) {
      expect(r.match.any[0].resources.namespaceSelector).toEqual({
        matchLabels: { 'platform.agentic.io/auto-expose': 'true' },
        matchExpressions: [{ key: 'platform.agentic.io/tenant', operator: 'NotIn', values: ['true'] }],
      });
    }
  });

  it('routes Agents to their kagent Service on 8080 and AI/MCP backends to the AgentgatewayBackend', () => {
    expect(rule('a2a-route').match.any[0].resources.kinds).toEqual(['kagent.dev/v1alpha2/Agent']);
    expect(rule('a2a-route').generate.data.spec.rules[0].backendRefs).toEqual([
      { name: '{{ request.object.metadata.name }}', port: 8080 },
    ]);
    for (const [name, field] of [
      ['llm-route', 'ai'],
      ['mcp-route-tenant-namespace', 'mcp'],
      ['mcp-callers-tenant-namespace', 'mcp'],
    ]) {
      expect(rule(name).match.any[0].resources.kinds).toEqual(['agentgateway.dev/v1alpha1/AgentgatewayBackend']);
      expect(rule(name).preconditions.all).toContainEqual({
        key: `{{ length(request.object.spec.${field} || \`{}\`) }}`,
        operator: 'GreaterThan',
        value: 0,
      });
    }
    expect(rule('llm-route').generate.data.spec.rules[0].backendRefs).toEqual([
      { group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: '{{ request.object.metadata.name }}' },
    ]);
  });

  it('puts a tenant resource under its namespace, ignoring any alias, and a labelled namespace resource under the checked segment', () => {
    expect(path('mcp-route-tenant-namespace')).toBe(
      '/mcp/{{ request.object.metadata.namespace }}/{{ request.object.metadata.name }}',
    );
    for (const r of tenantRules()) expect(JSON.stringify(r)).not.toContain('expose-alias');
    expect(path('a2a-route')).toBe('/a2a/{{ segment }}/{{ request.object.metadata.name }}');
    for (const r of labelledRules()) {
      expect(r.context).toEqual([
        { name: 'tenantSegments', apiCall: { ...TENANT_SEGMENTS_CALL } },
        {
          name: 'segment',
          variable: {
            jmesPath:
              'request.object.metadata.annotations."platform.agentic.io/expose-alias" || request.object.metadata.namespace',
          },
        },
      ]);
      for (const c of segmentChecks()) expect(r.preconditions.all).toContainEqual(c);
    }
  });

  it('checks the segment as the compiler checks an alias, against every tenant namespace, name and route segment', () => {
    expect(TENANT_SEGMENTS_CALL).toEqual({
      urlPath: '/api/v1/namespaces?labelSelector=platform.agentic.io%2Ftenant%3Dtrue',
      jmesPath: `items[].[metadata.name, trim_prefix(metadata.name, 'tenant-'), metadata.annotations."platform.agentic.io/route-segment"][]`,
    });
    expect(segmentChecks().map((c) => c.key)).toEqual([
      "{{ regex_match('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', segment) && length(segment) <= `63` }}",
      "{{ !starts_with(segment, 'tenant-') }}",
      '{{ !contains(tenantSegments, segment) }}',
      `{{ segment == request.object.metadata.namespace || !contains(\`${JSON.stringify(RESERVED_ALIASES)}\`, segment) }}`,
    ]);
    expect(RESERVED_ALIASES).toEqual(expect.arrayContaining(['default', 'platform', 'kagent-system', 'kube-system']));
  });

  it('acts only on resources annotated expose "true" that the compiler does not manage', () => {
    for (const r of policy.spec.rules) {
      expect(r.preconditions.all).toContainEqual({
        key: '{{ request.object.metadata.annotations."platform.agentic.io/expose" || \'\' }}',
        operator: 'Equals',
        value: 'true',
      });
      expect(r.preconditions.all).toContainEqual({
        key: '{{ request.object.metadata.labels."app.kubernetes.io/managed-by" || \'\' }}',
        operator: 'NotEquals',
        value: 'agentic-platform',
      });
    }
  });

  it('generates objects the compiler never names, owned by their resource and kept in sync', () => {
    for (const r of policy.spec.rules) {
      const route = r.name.split('-')[0];
      const g = r.generate;
      expect(g).toMatchObject({
        synchronize: true,
        generateExisting: true,
        namespace: '{{ request.object.metadata.namespace }}',
      });
      expect(g.name).toMatch(
        new RegExp(`^auto-expose-${route}-\\{\\{ request\\.object\\.metadata\\.name \\}\\}(-callers)?$`),
      );
      expect(g.data.metadata.labels).toEqual({
        'app.kubernetes.io/part-of': 'agentic-platform',
        'platform.agentic.io/exposed-by': 'auto-expose',
      });
      expect(g.data.metadata.ownerReferences).toEqual([
        {
          apiVersion: '{{ request.object.apiVersion }}',
          kind: '{{ request.object.kind }}',
          name: '{{ request.object.metadata.name }}',
          uid: '{{ request.object.metadata.uid }}',
        },
      ]);
    }
    for (const r of routeRules()) {
      expect(r.generate).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' });
      expect(r.generate.data.spec.parentRefs).toEqual([
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'agentgateway-proxy',
          namespace: 'agentgateway-system',
          sectionName: 'api',
        },
      ]);
      expect(r.generate.data.spec.rules[0].filters).toEqual([
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
      ]);
    }
  });

  it('admits only the tenant on a tenant route, with the caller policy generated before the route', () => {
    const callers = rule('a2a-callers-tenant-namespace').generate;
    expect(callers).toMatchObject({
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayPolicy',
      name: 'auto-expose-a2a-{{ request.object.metadata.name }}-callers',
    });
    expect(callers.data.spec).toEqual({
      targetRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'HTTPRoute',
          name: 'auto-expose-a2a-{{ request.object.metadata.name }}',
        },
      ],
      traffic: {
        authorization: {
          action: 'Require',
          policy: {
            matchExpressions: [
              'jwt.tenant.exists(t, t in ["{{ trim_prefix(request.object.metadata.namespace, \'tenant-\') }}"])',
            ],
          },
        },
      },
    });
    const names = policy.spec.rules.map((r: any) => r.name);
    for (const k of ['a2a', 'llm', 'mcp'])
      expect(names.indexOf(`${k}-callers-tenant-namespace`)).toBeLessThan(names.indexOf(`${k}-route-tenant-namespace`));
  });

  it('labels its objects with the policy name it is given', () => {
    const renamed = only(
      synth((c) => new AutoExposePolicy(c, 'P', { name: 'expose', syncWave: 5 })),
      'ClusterPolicy',
    );
    expect(renamed.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('5');
    expect(renamed.spec.rules[0].generate.data.metadata.labels['platform.agentic.io/exposed-by']).toBe('expose');
  });
});
