import { describe, expect, it } from 'vitest';
import { TenantLlmBackend } from '../../charts/constructs/tenant-llm-backend';
import type { LlmBackend } from '../../charts/config/workloads';
import { NO_GUARDS } from '../../charts/config/guards';
import { only, synth } from '../helpers';

const NS = 'tenant-beta';

function backendOf(b: Partial<LlmBackend> & Pick<LlmBackend, 'name' | 'provider' | 'model'>) {
  const backend: LlmBackend = { apiKeySecret: 'entry', expose: false, allowCallsFrom: [], guards: NO_GUARDS, ...b };
  return synth((c) => new TenantLlmBackend(c, 'b', { tenant: 'beta', namespace: NS, backend }));
}

describe('TenantLlmBackend', () => {
  it('is an AgentgatewayBackend in the tenant namespace for an OpenAI model, with the key from <backend>-api-key', () => {
    const objects = backendOf({
      name: 'openai',
      provider: 'openai',
      model: 'gpt-4.1-mini',
      apiKeySecret: 'openai-entry',
    });
    expect(objects).toHaveLength(1);
    const b = only(objects, 'AgentgatewayBackend');
    expect(b.apiVersion).toBe('agentgateway.dev/v1alpha1');
    expect(b.metadata).toEqual({
      name: 'openai',
      namespace: NS,
      labels: {
        'app.kubernetes.io/managed-by': 'agentic-platform',
        'app.kubernetes.io/part-of': 'agentic-platform',
        'platform.agentic.io/tenant-name': 'beta',
      },
    });
    expect(b.spec).toEqual({
      ai: { provider: { openai: { model: 'gpt-4.1-mini' } } },
      policies: {
        ai: { routes: { '/v1/chat/completions': 'Completions', '/v1/models': 'Models', '*': 'Passthrough' } },
        auth: { secretRef: { name: 'openai-api-key' } },
      },
    });
  });

  it('uses the Anthropic routes for an Anthropic backend, and names the Secret after the backend, not the entry', () => {
    const b = only(
      backendOf({ name: 'claude', provider: 'anthropic', model: 'claude-x', apiKeySecret: 'some-entry' }),
      'AgentgatewayBackend',
    );
    expect(b.spec.ai).toEqual({ provider: { anthropic: { model: 'claude-x' } } });
    expect(b.spec.policies.ai.routes).toEqual({
      '/v1/messages': 'Messages',
      '/v1/models': 'Models',
      '*': 'Passthrough',
    });
    expect(b.spec.policies.auth).toEqual({ secretRef: { name: 'claude-api-key' } });
    expect(JSON.stringify(b)).not.toContain('some-entry');
  });
});
