import { describe, expect, it } from 'vitest';
import { PlatformLlmBackend, platformLlmPath, platformLlmUrl } from '../../../charts/platform/constructs/llm-backend';
import { ofKind, synth } from '../../helpers';

describe('PlatformLlmBackend', () => {
  const objects = synth((c) => new PlatformLlmBackend(c, 'a', { provider: 'anthropic', model: 'claude-x', keySecret: 'anthropic-api-secret' }));
  const [backend] = ofKind(objects, 'AgentgatewayBackend');
  const [route] = ofKind(objects, 'HTTPRoute');

  it('injects the key from a Secret in agentgateway-system and pins the model', () => {
    expect(backend.metadata).toMatchObject({ name: 'anthropic', namespace: 'agentgateway-system' });
    expect(backend.spec.ai).toEqual({ provider: { anthropic: { model: 'claude-x' } } });
    expect(backend.spec.policies.auth).toEqual({ secretRef: { name: 'anthropic-api-secret' } });
    expect(backend.spec.policies.ai.routes['/v1/messages']).toBe('Messages');
  });

  it('exposes it at /llm/default/<provider> on the central gateway with the prefix rewritten to /', () => {
    expect(platformLlmPath('openai')).toBe('/llm/default/openai');
    expect(platformLlmUrl('anthropic')).toBe('http://agentgateway-proxy.agentgateway-system.svc.cluster.local/llm/default/anthropic');
    expect(route.metadata).toMatchObject({ name: 'llm-default-anthropic', namespace: 'agentgateway-system' });
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-proxy', sectionName: 'platform' }]);
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/llm/default/anthropic' } }],
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
        backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'anthropic' }],
      },
    ]);
  });
});
