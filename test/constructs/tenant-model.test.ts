import { describe, expect, it } from 'vitest';
import { TenantModel } from '../../charts/constructs/tenant-model';
import { only, synth } from '../helpers';

function modelOf(provider: 'anthropic' | 'openai') {
  return synth(
    (c) =>
      new TenantModel(c, 'm', {
        tenant: 'beta',
        namespace: 'tenant-beta',
        name: 'gpt',
        provider,
        model: 'model-x',
        baseUrl: 'http://gw.test/llm/tenant-beta/openai',
      }),
  );
}

const LABELS = {
  'app.kubernetes.io/managed-by': 'agentic-platform',
  'app.kubernetes.io/part-of': 'agentic-platform',
  'platform.agentic.io/tenant-name': 'beta',
};

describe('TenantModel', () => {
  it.each([
    ['openai', 'OpenAI', 'openAI'],
    ['anthropic', 'Anthropic', 'anthropic'],
  ] as const)(
    'writes a %s ModelConfig (provider %s) whose %s.baseUrl is the gateway route, with the placeholder key',
    (provider, kind, field) => {
      const objects = modelOf(provider);
      expect(objects).toHaveLength(1);
      const mc = only(objects, 'ModelConfig');
      expect(mc.apiVersion).toBe('kagent.dev/v1alpha2');
      expect(mc.metadata).toEqual({ name: 'gpt', namespace: 'tenant-beta', labels: LABELS });
      expect(mc.spec).toEqual({
        provider: kind,
        model: 'model-x',
        apiKeySecret: 'anthropic-dummy',
        apiKeySecretKey: 'api-key',
        [field]: { baseUrl: 'http://gw.test/llm/tenant-beta/openai' },
      });
    },
  );

  it('creates no Secret of its own: the placeholder belongs to the default ModelConfig', () => {
    expect(modelOf('openai').filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});
