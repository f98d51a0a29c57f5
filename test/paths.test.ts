/**
 * The paths the platform promises, requested against the committed output as agentgateway v1.4.1
 * would decide them (scripts/flows/gateway.ts): every model a tenant or kagent declares answers
 * its agents without a token and with the model it names; every agent a BYO agent calls answers
 * it and nobody else; every exposed route answers a token of its callers from outside, and
 * refuses other tokens, no token and other tenants' workloads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CENTRAL_GATEWAY, MESH_GATEWAY, PLATFORM_NAMESPACES, tenantNamespace } from '../charts/lib/constants';
import { externalHosts } from '../charts/config/routes';
import { loadEnvironments } from '../charts/config/environment';
import { synthesize } from '../charts/synth/synthesize';
import { existingFiles } from '../charts/synth/write';
import { meshSource } from '../scripts/flows/cel';
import { decide, type GatewayRequest, type K8sObject } from '../scripts/flows/gateway';
import { infraFor, sampleEnvironment, samplePlatformSettings, sampleTenant } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));

/** The Gateway a URL inside the cluster names: <gateway>.<namespace>.svc.cluster.local. */
function inCluster(url: string): { gateway: { name: string; namespace: string }; port: number; path: string } {
  const u = new URL(url);
  const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(u.hostname);
  if (!m) throw new Error(`${url} is not a Service URL inside the cluster`);
  return { gateway: { name: m[1], namespace: m[2] }, port: Number(u.port || 80), path: u.pathname.replace(/\/$/, '') };
}

/** The path an LLM client adds to its base URL: Anthropic /v1/messages, OpenAI /chat/completions. */
const llmCall = (provider: string) => (provider === 'OpenAI' ? '/chat/completions' : '/v1/messages');

for (const env of envs) {
  describe(`paths of ${env.name}`, () => {
    const objects: K8sObject[] = existingFiles(ROOT, [`dist/${env.name}`, `argocd/${env.name}`])
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => parse(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    const td = env.cluster.trustDomain;
    const tenants = objects
      .filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['platform.agentic.io/tenant'] === 'true')
      .map((o) => o.metadata.name as string);
    const routes = JSON.parse(fs.readFileSync(path.join(ROOT, `dist/${env.name}/routes.json`), 'utf8')).routes as {
      path: string;
      owner: string;
      callers: string[];
      gateways: string[];
    }[];
    const mesh = (p: string, namespace?: string): GatewayRequest => ({
      gateway: { name: MESH_GATEWAY.name, namespace: MESH_GATEWAY.namespace },
      port: MESH_GATEWAY.port,
      path: p,
      ...(namespace ? { source: meshSource(td, namespace) } : {}),
    });
    const hosts = externalHosts(env.platform.domain);
    const outside = (p: string, host: string, jwt?: Record<string, unknown>): GatewayRequest => ({
      gateway: { name: CENTRAL_GATEWAY.name, namespace: CENTRAL_GATEWAY.namespace },
      port: CENTRAL_GATEWAY.port,
      host,
      path: p,
      ...(jwt ? { jwt } : {}),
    });

    it('answers every ModelConfig of every tenant from its own namespace, without a token, with the model it names', () => {
      const models = objects.filter((o) => o.kind === 'ModelConfig');
      expect(models.length).toBeGreaterThanOrEqual(tenants.length + 2);
      for (const mc of models) {
        const field = mc.spec.provider === 'OpenAI' ? 'openAI' : 'anthropic';
        const target = inCluster(mc.spec[field].baseUrl);
        const v = decide(objects, {
          ...mesh(`${target.path}${llmCall(mc.spec.provider)}`, mc.metadata.namespace),
          gateway: target.gateway,
          port: target.port,
        });
        expect(v.status, `${mc.metadata.namespace}/${mc.metadata.name}: ${v.reason}`).toBe(200);
        expect(target.gateway, `${mc.metadata.namespace}/${mc.metadata.name}`).toEqual({
          name: MESH_GATEWAY.name,
          namespace: MESH_GATEWAY.namespace,
        });
        // The backend serves the ModelConfig's model: its own pinned model equals it, or it pins none
        // (agentgateway v1.4.1 crates/agentgateway/src/llm/mod.rs set_provider_request_model).
        const backend = objects.find(
          (o) =>
            o.kind === 'AgentgatewayBackend' &&
            o.metadata.name === v.backend!.name &&
            o.metadata.namespace === (v.backend!.namespace ?? v.route!.split('/')[0]),
        )!;
        expect(backend, v.route).toBeDefined();
        const pinned = Object.values(backend.spec.ai.provider as Record<string, { model?: string }>)[0].model;
        expect(pinned ?? mc.spec.model, `${mc.metadata.namespace}/${mc.metadata.name}`).toBe(mc.spec.model);
      }
    });

    it("answers kagent's own default model from kagent-system", () => {
      const app = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'platform-kagent')!;
      const url = app.spec.sources[0].helm.valuesObject.providers.anthropic.config.baseUrl as string;
      const target = inCluster(url);
      expect(
        decide(objects, {
          ...mesh(`${target.path}/v1/messages`, PLATFORM_NAMESPACES.kagent),
          gateway: target.gateway,
          port: target.port,
        }).status,
      ).toBe(200);
    });

    it('answers every agent a BYO agent calls from the caller, and no other tenant', () => {
      let calls = 0;
      for (const agent of objects.filter((o) => o.kind === 'Agent' && o.spec.type === 'BYO')) {
        for (const e of (agent.spec.byo.deployment.env ?? []).filter((x: K8sObject) => /^A2A_.+_URL$/.test(x.name))) {
          calls++;
          const target = inCluster(e.value);
          const ok = decide(objects, {
            ...mesh(`${target.path}/`, agent.metadata.namespace),
            gateway: target.gateway,
            port: target.port,
          });
          expect(ok.status, `${agent.metadata.namespace}/${agent.metadata.name} ${e.name}: ${ok.reason}`).toBe(200);
          const route = routes.find((r) => r.path === target.path)!;
          for (const other of tenants.filter((ns) => !route.callers.map(tenantNamespace).includes(ns))) {
            expect(
              decide(objects, { ...mesh(`${target.path}/`, other), gateway: target.gateway, port: target.port }).status,
              other,
            ).toBe(403);
          }
        }
      }
      expect(calls).toBeGreaterThan(0);
    });

    it('admits on every mesh route exactly the workloads of its callers, and refuses a request without a mesh identity', () => {
      for (const r of routes) {
        for (const ns of tenants) {
          const allowed = r.callers.includes('*') || r.callers.map(tenantNamespace).includes(ns);
          expect(decide(objects, mesh(`${r.path}/`, ns)).status, `${ns} -> ${r.path}`).toBe(allowed ? 200 : 403);
        }
        expect(decide(objects, mesh(`${r.path}/`)).status, `plaintext -> ${r.path}`).toBe(403);
      }
    });

    it('answers every exposed route from outside with a token of a caller: 401 without a token, 403 for other tenants', () => {
      const external = routes.filter((r) => r.gateways.includes('external'));
      expect(external.length).toBeGreaterThan(0);
      for (const r of external) {
        for (const caller of r.callers)
          expect(
            decide(objects, outside(`${r.path}/`, hosts.gateway, { tenant: [caller] })).status,
            `${caller} -> ${r.path}`,
          ).toBe(200);
        expect(decide(objects, outside(`${r.path}/`, hosts.gateway, { tenant: ['nobody'] })).status).toBe(403);
        expect(decide(objects, outside(`${r.path}/`, hosts.gateway, { tenant: [] })).status).toBe(403);
        expect(decide(objects, outside(`${r.path}/`, hosts.gateway)).status).toBe(401);
      }
      // The platform's LLM key is not for callers outside the cluster.
      expect(
        decide(objects, outside('/llm/default/anthropic/v1/messages', hosts.gateway, { tenant: ['alpha'] })).status,
      ).toBe(404);
    });

    it("serves Keycloak's realm endpoints without a token at keycloak.<domain>, and nothing else of it", () => {
      expect(decide(objects, outside('/realms/agents/protocol/openid-connect/token', hosts.keycloak)).status).toBe(200);
      expect(decide(objects, outside('/admin/master/console', hosts.keycloak)).status).toBe(404);
      expect(decide(objects, outside('/realms/master/protocol/openid-connect/token', hosts.keycloak)).status).toBe(404);
      // Not on the API host.
      expect(
        decide(objects, outside('/realms/agents/protocol/openid-connect/token', hosts.gateway, { tenant: ['alpha'] }))
          .status,
      ).toBe(404);
    });
  });
}

describe('the platform LLM backends', () => {
  it("pin no model for any provider the compiler supports, so the ModelConfig's model is used", () => {
    const env = sampleEnvironment({
      platform: {
        ...samplePlatformSettings(),
        llm: { anthropicModel: 'claude-x', openai: true, openaiModel: 'gpt-x' },
      },
    });
    const files = synthesize({ environments: [env], tenants: [sampleTenant('alpha')], infra: infraFor([env]) });
    const backends = [...files]
      .filter(([f]) => f.includes('/platform/gateway/agentgatewaybackend-'))
      .map(([, t]) => parse(t));
    expect(backends.map((b) => Object.keys(b.spec.ai.provider)[0]).sort()).toEqual(['anthropic', 'openai']);
    for (const b of backends) expect(Object.values(b.spec.ai.provider)[0], b.metadata.name).toEqual({});
  });
});
