/**
 * Workloads configured to call an LLM provider's public host directly are refused at compile time:
 * the tenant waypoint cannot add the platform's key to such a call (docs/architecture.md,
 * "Credentials on egress"), so LLM traffic takes the model routes, where the gateway adds it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadTenants } from '../../charts/config/load-tenants';
import { providerHostIn } from '../../charts/config/validate-workloads';
import { LLM_PROVIDERS } from '../../charts/config/workloads-schema';
import { LLM_PROVIDER_HOSTS } from '../../charts/lib/constants';
import { SHARED_DIR } from '../../scripts/toolchain/paths';
import { CRDS_DIR } from '../../scripts/toolchain/schemas';
import { tenantErrors } from '../helpers';

type Json = any;

const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

const FIX =
  "Fix: declare a model under models (its ModelConfig reaches PROVIDER through the mesh gateway's /llm route, which adds the key; with your own key, an llmBackends entry with apiKeySecret) and call that instead";
const problem = (at: string, host: string, provider: string) =>
  `${at}: names ${host}, the public API host of ${provider}: a direct call leaves the cluster with whatever key the pod holds, and no key is added on the way out. ${FIX.replace('PROVIDER', provider)}`;

describe('workloads that call a provider host directly', () => {
  it('refuses a provider host in an agent env value or argument, and in an MCP server URL, env or argument', () => {
    const text = yaml(
      'tenants:',
      '  - name: gamma',
      '    agents:',
      '      - name: a',
      '        image: registry.test/a:1.0.0',
      '        args: ["--base-url=https://api.openai.com/v1"]',
      '        env:',
      '          - {name: ANTHROPIC_BASE_URL, value: "https://api.anthropic.com"}',
      '          - {name: MODE, value: fast}',
      '    mcpServers:',
      '      - name: remote',
      '        url: https://eu.api.openai.com/mcp',
      '        tools: [ask]',
      '      - name: kb',
      '        image: registry.test/kb:1.0.0',
      '        tools: [search]',
      '        args: [--upstream, API.ANTHROPIC.COM.]',
      '        env:',
      '          UPSTREAM: api.anthropic.com:443',
    );
    expect(tenantErrors(text)).toEqual([
      problem('tenants.yaml:6:16: tenants[0].agents[0].args[0]', 'api.openai.com', 'openai'),
      problem('tenants.yaml:8:47: tenants[0].agents[0].env[0].value', 'api.anthropic.com', 'anthropic'),
      problem('tenants.yaml:12:14: tenants[0].mcpServers[0].url', 'api.openai.com', 'openai'),
      problem('tenants.yaml:17:28: tenants[0].mcpServers[1].args[1]', 'api.anthropic.com', 'anthropic'),
      problem('tenants.yaml:19:21: tenants[0].mcpServers[1].env.UPSTREAM', 'api.anthropic.com', 'anthropic'),
    ]);
  });

  it('matches the host as a host name only, not a longer name that contains it', () => {
    for (const v of [
      'https://api.anthropic.com/v1/messages',
      'api.openai.com',
      'x.api.openai.com',
      'API.OpenAI.com.',
      'host=api.anthropic.com;',
    ]) {
      expect(providerHostIn(v), v).toBeDefined();
    }
    for (const v of [
      'https://api.anthropic.com.evil.test/',
      'notapi.openai.com',
      'api-anthropic.com',
      'docs.anthropic.com',
      'api.openai.community',
    ]) {
      expect(providerHostIn(v), v).toBeUndefined();
    }
  });

  it('accepts a workload that reaches its LLM through a model', () => {
    const t = loadTenants(
      yaml(
        'tenants:',
        '  - name: gamma',
        '    models:',
        '      - name: fast',
        '    agents:',
        '      - name: a',
        '        systemMessage: hi',
        '        model: fast',
      ),
    );
    expect(t[0].workloads.agents.map((a) => a.name)).toEqual(['a']);
  });

  it('knows the host of every provider tenants may name', () => {
    expect(Object.keys(LLM_PROVIDER_HOSTS).sort()).toEqual([...LLM_PROVIDERS].sort());
  });
});

describe('what the pinned upstreams allow on egress', () => {
  // Gateway API v1 HTTPRoute (../shared/crds/gateway-api/gateway.networking.k8s.io_httproutes.yaml):
  // the request header filter, the only header rewrite an Istio waypoint route has, sets a literal
  // value; it cannot read a Secret, so a key added there would be written in git.
  it('HTTPRoute requestHeaderModifier sets literal values only', () => {
    const crd = parse(
      fs.readFileSync(path.join(CRDS_DIR, 'gateway-api', 'gateway.networking.k8s.io_httproutes.yaml'), 'utf8'),
    );
    const v1 = crd.spec.versions.find((v: Json) => v.name === 'v1');
    const filter =
      v1.schema.openAPIV3Schema.properties.spec.properties.rules.items.properties.filters.items.properties
        .requestHeaderModifier;
    for (const op of ['set', 'add']) {
      const item = filter.properties[op].items;
      expect(Object.keys(item.properties).sort()).toEqual(['name', 'value']);
      expect(item.properties.value.type).toBe('string');
    }
  });

  // agentgateway v1.4.1 crates/llm/src/anthropic.rs and crates/llm/src/openai.rs DEFAULT_HOST_STR:
  // the hosts the gateway itself calls for these providers.
  const mirror = path.join(
    process.env.UPSTREAM_GIT_MIRRORS ?? path.join(SHARED_DIR, '..', '.mirror'),
    'agentgateway+agentgateway',
    'repo',
  );
  it.skipIf(!fs.existsSync(mirror))('the provider hosts are agentgateway v1.4.1 defaults', () => {
    for (const [provider, host] of Object.entries(LLM_PROVIDER_HOSTS)) {
      const src = spawnSync('git', ['-C', mirror, 'show', `v1.4.1:crates/llm/src/${provider}.rs`], {
        encoding: 'utf8',
      });
      expect(src.status, src.stderr).toBe(0);
      expect(src.stdout).toContain(`pub const DEFAULT_HOST_STR: &str = "${host}";`);
    }
  });
});
