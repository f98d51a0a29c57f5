import { describe, expect, it } from 'vitest';
import { PlatformLlmBackend, platformLlmPath, platformLlmUrl } from '../../../charts/platform/constructs/llm-backend';
import { ofKind, synth } from '../../helpers';

describe('PlatformLlmBackend', () => {
  const objects = synth(
    (c) =>
      new PlatformLlmBackend(c, 'a', {
        provider: 'anthropic',
        keySecret: 'anthropic-api-secret',
        trustDomain: 'mesh.example',
      }),
  );
  const [backend] = ofKind(objects, 'AgentgatewayBackend');
  const [route] = ofKind(objects, 'HTTPRoute');

  // agentgateway v1.4.1 crates/llm/src/anthropic.rs, openai.rs: the backend's model overrides the
  // request's; crates/agentgateway/src/llm/mod.rs set_provider_request_model keeps the request's
  // model when the backend names none. A tenant's ModelConfig names the model it wants.
  it('injects the key from a Secret in agentgateway-system and pins no model, so each request gets the model it names', () => {
    expect(backend.metadata).toMatchObject({ name: 'anthropic', namespace: 'agentgateway-system' });
    expect(backend.spec.ai).toEqual({ provider: { anthropic: {} } });
    expect(backend.spec.policies.auth).toEqual({ secretRef: { name: 'anthropic-api-secret' } });
    expect(backend.spec.policies.ai.routes['/v1/messages']).toBe('Messages');
  });

  it('serves it at /llm/default/<provider> on the mesh gateway only, with the prefix rewritten to /', () => {
    expect(platformLlmPath('openai')).toBe('/llm/default/openai');
    expect(platformLlmUrl('anthropic')).toBe(
      'http://agentgateway-mesh.agentgateway-system.svc.cluster.local/llm/default/anthropic',
    );
    expect(route.metadata).toMatchObject({ name: 'llm-default-anthropic', namespace: 'agentgateway-system' });
    expect(route.spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-mesh', sectionName: 'mesh' },
    ]);
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/llm/default/anthropic' } }],
        filters: [
          { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
        ],
        backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'anthropic', weight: 1 }],
      },
    ]);
  });

  it("admits the workloads of every tenant and kagent's own agents, by mesh identity", () => {
    const [policy] = ofKind(objects, 'AgentgatewayPolicy');
    expect(policy.metadata).toMatchObject({ name: 'llm-default-anthropic-callers', namespace: 'agentgateway-system' });
    expect(policy.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'llm-default-anthropic' }],
      traffic: {
        authorization: {
          action: 'Require',
          policy: {
            matchExpressions: [
              'source.identity.trustDomain == "mesh.example" && (source.identity.namespace.startsWith("tenant-") || source.identity.namespace == "kagent-system")',
            ],
          },
        },
      },
    });
  });
});
