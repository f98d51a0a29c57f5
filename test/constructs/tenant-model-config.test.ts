import { describe, expect, it } from 'vitest';
import { TenantModelConfig } from '../../charts/constructs/tenant-model-config';
import { only, synth } from '../helpers';

describe('TenantModelConfig', () => {
  const objects = synth(
    (c) =>
      new TenantModelConfig(c, 'm', {
        tenant: 'alpha',
        namespace: 'tenant-alpha',
        model: 'claude-x',
        baseUrl: 'http://gw.test/llm/default/anthropic',
      }),
  );

  it('points the tenant default ModelConfig at the central gateway', () => {
    const mc = only(objects, 'ModelConfig');
    expect(mc.apiVersion).toBe('kagent.dev/v1alpha2');
    expect(mc.metadata).toMatchObject({ name: 'default-model-config', namespace: 'tenant-alpha' });
    expect(mc.spec).toEqual({
      provider: 'Anthropic',
      model: 'claude-x',
      apiKeySecret: 'anthropic-dummy',
      apiKeySecretKey: 'api-key',
      anthropic: { baseUrl: 'http://gw.test/llm/default/anthropic' },
    });
  });

  it('gives it a placeholder key only: the real key never enters the tenant namespace', () => {
    const secret = only(objects, 'Secret');
    expect(secret.metadata).toMatchObject({ name: 'anthropic-dummy', namespace: 'tenant-alpha' });
    expect(secret.stringData).toEqual({ 'api-key': 'not-a-real-key' });
    expect(secret.data).toBeUndefined();
  });
});
