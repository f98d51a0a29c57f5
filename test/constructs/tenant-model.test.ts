import { describe, expect, it } from 'vitest';
import { TenantModel } from '../../charts/constructs/tenant-model';
import { only, synth } from '../helpers';

function modelOf(provider: 'anthropic' | 'openai') {
  return synth((c) => new TenantModel(c, 'm', { tenant: 'beta', namespace: 'tenant-beta', name: 'gpt', provider, model: 'model-x', baseUrl: 'http://gw.test/llm/tenant-beta/openai' }));
}

const LABELS = { 'app.kubernetes.io/managed-by': 'agentic-platform', 'app.kubernetes.io/part-of': 'agentic-platform', 'platform.agentic.io/tenant-name': 'beta' };

describe('TenantModel', () => {
  it('writes an OpenAI ModelConfig whose base URL is the gateway route, with the placeholder key', () => {
    const objects = modelOf('openai');
    expect(objects).toHaveLength(1);
    const mc = only(objects, 'ModelConfig');
    expect(mc.apiVersion).toBe('kagent.dev/v1alpha2');
    expect(mc.metadata).toEqual({ name: 'gpt', namespace: 'tenant-beta', labels: LABELS });
    expect(mc.spec).toEqual({
      provider: 'OpenAI',
      model: 'model-x',
      apiKeySecret: 'anthropic-dummy',
      apiKeySecretKey: 'api-key',
      openAI: { baseUrl: 'http://gw.test/llm/tenant-beta/openai' },
    });
  });

  it('writes an Anthropic ModelConfig with anthropic.baseUrl and no openAI section', () => {
    const mc = only(modelOf('anthropic'), 'ModelConfig');
    expect(mc.spec).toEqual({
      provider: 'Anthropic',
      model: 'model-x',
      apiKeySecret: 'anthropic-dummy',
      apiKeySecretKey: 'api-key',
      anthropic: { baseUrl: 'http://gw.test/llm/tenant-beta/openai' },
    });
  });

  it('creates no Secret of its own: the placeholder belongs to the default ModelConfig', () => {
    expect(modelOf('openai').filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});
