import { describe, expect, it } from 'vitest';
import { internalHostJmesPath, urlHostJmesPath } from '../../charts/config/url-hosts';
import { TenantBackendsPolicy } from '../../charts/platform/policies/tenant-backends-policy';
import { only, synth } from '../helpers';

const policy = only(
  synth((c) => new TenantBackendsPolicy(c, 'P')),
  'ClusterPolicy',
);
const rule = (name: string) => policy.spec.rules.find((r: any) => r.name === name);
const conditions = (name: string) => rule(name).validate.deny.conditions.any;

describe('TenantBackendsPolicy', () => {
  it('enforces at admission with failurePolicy Fail, existing violations included', () => {
    expect(policy.apiVersion).toBe('kyverno.io/v1');
    expect(policy.metadata.name).toBe('tenant-backends');
    expect(policy.spec).toMatchObject({ admission: true, background: false, failurePolicy: 'Fail' });
    expect(policy.spec.rules.map((r: any) => r.name)).toEqual([
      'backend-type',
      'ai-provider',
      'mcp-selector',
      'mcp-host',
      'same-namespace-references',
      'no-prompt-guard',
      'remote-mcp-url',
      'no-external-name',
    ]);
    for (const r of policy.spec.rules) {
      expect(r.validate).toMatchObject({ failureAction: 'Enforce', allowExistingViolations: false });
    }
  });

  it('acts on CREATE and UPDATE of AgentgatewayBackends, RemoteMCPServers and Services in tenant namespaces only', () => {
    const kinds: Record<string, string> = {
      'no-external-name': 'Service',
      'remote-mcp-url': 'kagent.dev/v1alpha2/RemoteMCPServer',
    };
    for (const r of policy.spec.rules) {
      const kind = kinds[r.name] ?? 'agentgateway.dev/v1alpha1/AgentgatewayBackend';
      expect(r.match).toEqual({
        any: [
          {
            resources: {
              kinds: [kind],
              operations: ['CREATE', 'UPDATE'],
              namespaceSelector: { matchLabels: { 'platform.agentic.io/tenant': 'true' } },
            },
          },
        ],
      });
    }
  });

  it('allows only ai and mcp backends, and ai providers with agentgateway’s own host', () => {
    expect(conditions('backend-type')).toEqual([
      { key: '{{ keys(request.object.spec) }}', operator: 'AnyNotIn', value: ['ai', 'mcp', 'policies'] },
    ]);
    expect(conditions('ai-provider')).toEqual([
      {
        key: '{{ keys(request.object.spec.ai.provider || `{}`) }}',
        operator: 'AnyNotIn',
        value: ['anthropic', 'openai', 'gemini'],
      },
      {
        key: '{{ request.object.spec.ai.groups[].providers[].keys(@)[] || `[]` }}',
        operator: 'AnyNotIn',
        value: ['anthropic', 'openai', 'gemini', 'name', 'policies'],
      },
    ]);
  });

  it('keeps MCP targets and every reference in the backend’s own namespace', () => {
    expect(conditions('mcp-selector')[0].key).toBe('{{ length(request.object.spec.mcp.targets[?selector] || `[]`) }}');
    expect(conditions('mcp-host')[0].key).toContain(
      "regex_match('^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.{{ request.object.metadata.namespace }}\\.svc(\\.cluster\\.local)?$', static.host)",
    );
    expect(conditions('same-namespace-references')).toEqual([
      { key: `{{ contains(to_string(request.object.spec), '"namespace":') }}`, operator: 'Equals', value: true },
    ]);
    expect(conditions('no-prompt-guard')).toEqual([
      { key: `{{ contains(to_string(request.object.spec), '"promptGuard":') }}`, operator: 'Equals', value: true },
    ]);
    expect(conditions('no-external-name')).toEqual([
      { key: "{{ request.object.spec.type || '' }}", operator: 'Equals', value: 'ExternalName' },
    ]);
  });

  it('judges RemoteMCPServer URLs by the host rule the compiler applies to remote MCP servers', () => {
    expect(rule('remote-mcp-url').context).toEqual([
      { name: 'urlHost', variable: { jmesPath: urlHostJmesPath('request.object.spec.url') } },
    ]);
    expect(conditions('remote-mcp-url')).toEqual([
      {
        key: `{{ ${internalHostJmesPath('urlHost', '{{ request.object.metadata.namespace }}')} }}`,
        operator: 'Equals',
        value: true,
      },
    ]);
    expect(rule('remote-mcp-url').validate.message).toContain(
      'The kagent controller (kagent-system) connects to the URL to discover its tools',
    );
  });

  it('says what is refused, why, and to declare the call in tenants.yaml', () => {
    for (const r of policy.spec.rules) {
      expect(r.validate.message).toMatch(
        /^(AgentgatewayBackend|RemoteMCPServer|Service) \{\{ request\.object\.metadata\.namespace \}\}\/\{\{ request\.object\.metadata\.name \}\}: /,
      );
      // Every rule but no-prompt-guard keeps a deputy from acting for the tenant.
      if (r.name !== 'no-prompt-guard') expect(r.validate.message).toMatch(/under (its|their) own identity/);
      expect(r.validate.message).toContain('tenants.yaml');
    }
    expect(rule('no-prompt-guard').validate.message).toContain(
      "a backend's own prompt guards replace those of the routes that reach it, the platform's defaults included",
    );
    expect(rule('no-external-name').validate.message).toContain('type ExternalName is refused in a tenant namespace');
    expect(rule('ai-provider').validate.message).toContain(
      'must name one of anthropic, openai, gemini and set no host, port, path or pathPrefix',
    );
  });

  it('narrows the providers it is given and refuses providers whose host the backend chooses', () => {
    const narrow = only(
      synth((c) => new TenantBackendsPolicy(c, 'P', { allowedProviders: ['openai'], syncWave: 3 })),
      'ClusterPolicy',
    );
    expect(narrow.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('3');
    expect(narrow.spec.rules[1].validate.deny.conditions.any[0].value).toEqual(['openai']);
    expect(() =>
      synth((c) => new TenantBackendsPolicy(c, 'P', { allowedProviders: ['openai', 'azureopenai' as never] })),
    ).toThrow(
      'TenantBackendsPolicy: allowedProviders ["openai","azureopenai"] names azureopenai, whose upstream host the backend chooses; allow one or more of anthropic, openai, gemini',
    );
    expect(() => synth((c) => new TenantBackendsPolicy(c, 'P', { allowedProviders: [] }))).toThrow(
      'TenantBackendsPolicy: allowedProviders [] is empty; allow one or more of anthropic, openai, gemini',
    );
  });
});
