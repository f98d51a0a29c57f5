import { describe, expect, it } from 'vitest';
import { AutoExposePolicy } from '../../charts/platform/policies/auto-expose-policy';
import { only, synth } from '../helpers';

const policy = only(
  synth((c) => new AutoExposePolicy(c, 'P')),
  'ClusterPolicy',
);
const rule = (name: string) => policy.spec.rules.find((r: any) => r.name === name);
const path = (name: string) => rule(name).generate.data.spec.rules[0].matches[0].path.value;

describe('AutoExposePolicy', () => {
  it('has one rule per route kind and namespace class, generating in the background too', () => {
    expect(policy.apiVersion).toBe('kyverno.io/v1');
    expect(policy.metadata.name).toBe('auto-expose');
    expect(policy.spec).toMatchObject({ admission: true, background: true, failurePolicy: 'Ignore' });
    expect(policy.spec.rules.map((r: any) => r.name)).toEqual([
      'a2a-route',
      'a2a-route-tenant-namespace',
      'llm-route',
      'llm-route-tenant-namespace',
      'mcp-route',
      'mcp-route-tenant-namespace',
    ]);
  });

  it('routes Agents to their kagent Service on 8080 and AI/MCP backends to the AgentgatewayBackend', () => {
    expect(rule('a2a-route').match.any[0].resources.kinds).toEqual(['kagent.dev/v1alpha2/Agent']);
    expect(rule('a2a-route').generate.data.spec.rules[0].backendRefs).toEqual([{ name: '{{ request.object.metadata.name }}', port: 8080 }]);
    for (const [name, field] of [['llm-route', 'ai'], ['mcp-route-tenant-namespace', 'mcp']]) {
      expect(rule(name).match.any[0].resources.kinds).toEqual(['agentgateway.dev/v1alpha1/AgentgatewayBackend']);
      expect(rule(name).preconditions.all).toContainEqual({ key: `{{ length(request.object.spec.${field} || \`{}\`) }}`, operator: 'GreaterThan', value: 0 });
      expect(rule(name).generate.data.spec.rules[0].backendRefs).toEqual([{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: '{{ request.object.metadata.name }}' }]);
    }
  });

  it('honours expose-alias outside tenant namespaces only', () => {
    const alias = 'request.object.metadata.annotations."platform.agentic.io/expose-alias"';
    expect(path('a2a-route')).toBe(`/a2a/{{ ${alias} || request.object.metadata.namespace }}/{{ request.object.metadata.name }}`);
    expect(path('llm-route')).toBe(`/llm/{{ ${alias} || request.object.metadata.namespace }}/{{ request.object.metadata.name }}`);
    expect(path('mcp-route-tenant-namespace')).toBe('/mcp/{{ request.object.metadata.namespace }}/{{ request.object.metadata.name }}');
    for (const r of policy.spec.rules.filter((x: any) => x.name.endsWith('-tenant-namespace'))) {
      expect(JSON.stringify(r.generate)).not.toContain('expose-alias');
      expect(r.match.any[0].resources.namespaceSelector).toEqual({ matchLabels: { 'platform.agentic.io/tenant': 'true' } });
    }
    for (const r of policy.spec.rules.filter((x: any) => !x.name.endsWith('-tenant-namespace'))) {
      expect(r.match.any[0].resources.namespaceSelector).toEqual({ matchExpressions: [{ key: 'platform.agentic.io/tenant', operator: 'NotIn', values: ['true'] }] });
    }
  });

  it('acts only on resources annotated expose "true" that the compiler does not manage', () => {
    for (const r of policy.spec.rules) {
      expect(r.preconditions.all).toContainEqual({ key: "{{ request.object.metadata.annotations.\"platform.agentic.io/expose\" || '' }}", operator: 'Equals', value: 'true' });
      expect(r.preconditions.all).toContainEqual({ key: "{{ request.object.metadata.labels.\"app.kubernetes.io/managed-by\" || '' }}", operator: 'NotEquals', value: 'agentic-platform' });
    }
  });

  it('generates routes the compiler never names, owned by their resource and kept in sync', () => {
    for (const r of policy.spec.rules) {
      const route = r.name.split('-')[0];
      const g = r.generate;
      expect(g).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', synchronize: true, generateExisting: true });
      expect(g.name).toBe(`auto-expose-${route}-{{ request.object.metadata.name }}`);
      expect(g.namespace).toBe('{{ request.object.metadata.namespace }}');
      expect(g.data.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'agentic-platform', 'platform.agentic.io/exposed-by': 'auto-expose' });
      expect(g.data.metadata.labels['app.kubernetes.io/managed-by']).toBeUndefined();
      expect(g.data.metadata.ownerReferences).toEqual([
        { apiVersion: '{{ request.object.apiVersion }}', kind: '{{ request.object.kind }}', name: '{{ request.object.metadata.name }}', uid: '{{ request.object.metadata.uid }}' },
      ]);
      expect(g.data.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-proxy', namespace: 'agentgateway-system', sectionName: 'api' }]);
      expect(g.data.spec.rules[0].filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }]);
    }
  });

  it('labels its routes with the policy name it is given', () => {
    const renamed = only(synth((c) => new AutoExposePolicy(c, 'P', { name: 'expose', syncWave: 5 })), 'ClusterPolicy');
    expect(renamed.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('5');
    expect(renamed.spec.rules[0].generate.data.metadata.labels['platform.agentic.io/exposed-by']).toBe('expose');
  });
});
