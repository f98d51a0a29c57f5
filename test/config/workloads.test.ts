/**
 * tenants.yaml workload keys: every synth-time error with its exact message and position, and the
 * defaults a valid declaration resolves to.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tenantErrors } from '../helpers';
import { loadTenants } from '../../charts/config/load-tenants';

const ROOT = path.resolve(__dirname, '..', '..');

const errorsOf = tenantErrors;

describe('tenant workloads: defaults', () => {
  const [alpha, beta, research] = loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8'));

  it('reads the example: every kind is declared by some tenant', () => {
    expect(alpha.alias).toBe('support');
    expect(alpha.workloads.agents.map((a) => [a.name, a.type, a.modelConfig, a.expose, a.allowCallsFrom])).toEqual([
      ['triage', 'Declarative', 'default-model-config', true, ['research']],
    ]);
    expect(alpha.workloads.mcpServers[0]).toMatchObject({
      name: 'kb',
      source: 'image',
      transport: 'http',
      port: 3000,
      path: '/mcp',
      protocol: 'STREAMABLE_HTTP',
      secretRefs: ['kb-credentials'],
      expose: true,
    });
    expect(beta.workloads.llmBackends).toEqual([
      {
        name: 'openai',
        provider: 'openai',
        model: 'gpt-4.1-mini',
        apiKeySecret: 'openai',
        expose: true,
        allowCallsFrom: [],
        guards: {
          request: [],
          response: [{ kind: 'regex', action: 'mask', detect: ['creditCard', 'caSin'], patterns: [] }],
        },
      },
    ]);
    expect(beta.workloads.guards.streaming).toBe(true);
    expect(beta.workloads.agents[0]).toMatchObject({
      name: 'planner',
      type: 'BYO',
      image: 'ghcr.io/example/planner-agent:0.9.0',
    });
    expect(beta.workloads.sandboxes[0]).toMatchObject({ name: 'python', kind: 'Sandbox', port: 8888, expose: true });
    expect(research.workloads.agents.map((a) => a.calls)).toEqual([[{ tenant: 'alpha', agent: 'triage' }], []]);
    expect(research.workloads.mcpServers[0]).toMatchObject({
      name: 'papers',
      source: 'remote',
      url: 'https://mcp.papers.example.com/mcp',
    });
    expect(research.workloads.sandboxes[0]).toMatchObject({ name: 'notebook', kind: 'SandboxTemplate' });
  });

  it('applies the defaults of each key', () => {
    const [t] = loadTenants(
      'tenants:\n  - name: a\n    mcpServers:\n      - {name: s, image: "ex/s:1", tools: [t]}\n    sandboxes:\n      - {name: b, image: "ex/b:1"}\n    agents:\n      - {name: x, systemMessage: hi}\n',
    );
    expect(t.alias).toBeUndefined();
    expect(t.workloads.mcpServers[0]).toMatchObject({
      transport: 'http',
      port: 3000,
      path: '/mcp',
      expose: false,
      allowCallsFrom: [],
    });
    expect(t.workloads.sandboxes[0]).toMatchObject({ kind: 'Sandbox', port: 8080, expose: false });
    expect(t.workloads.agents[0]).toMatchObject({
      type: 'Declarative',
      modelConfig: 'default-model-config',
      tools: [],
      skills: [],
      calls: [],
      expose: false,
    });
  });

  it('a tenant without workloads resolves to empty lists', () => {
    const [t] = loadTenants('tenants:\n  - name: a\n');
    expect(t.workloads).toEqual({
      guards: { request: [], response: [] },
      agents: [],
      models: [],
      mcpServers: [],
      sandboxes: [],
      llmBackends: [],
    });
  });

  it('an unknown key inside a workload names the keys that are allowed there', () => {
    expect(
      errorsOf('tenants:\n  - name: a\n    sandboxes:\n      - {name: s, image: "ex/s:1", replicas: 2}\n'),
    ).toEqual([
      'tenants.yaml:4:36: tenants[0].sandboxes[0].replicas: unknown key "replicas". Fix: remove it or use one of: name, kind, image, args, port, resources, expose',
    ]);
  });

  it('a misspelt key of a workload says which key it probably is, and the rule it breaks is not repeated', () => {
    expect(
      errorsOf('tenants:\n  - name: gamma\n    agents:\n      - name: triage\n        sytemMessage: You triage.\n'),
    ).toEqual([
      'tenants.yaml:5:9: tenants[0].agents[0].sytemMessage: unknown key "sytemMessage" (did you mean "systemMessage"?). Fix: rename it to systemMessage',
    ]);
    expect(
      errorsOf('tenants:\n  - name: gamma\n    mcpServers:\n      - {name: kb, image: "ex/kb:1", tool: [search]}\n'),
    ).toEqual([
      'tenants.yaml:4:38: tenants[0].mcpServers[0].tool: unknown key "tool" (did you mean "tools"?). Fix: rename it to tools',
    ]);
    // Neither form, and no misspelling of either: the rule is reported.
    expect(
      errorsOf('tenants:\n  - name: gamma\n    agents:\n      - name: triage\n        prompt: You triage.\n'),
    ).toEqual([
      'tenants.yaml:4:9: tenants[0].agents[0]: an agent needs systemMessage (declarative) or image (BYO). Fix: keep exactly one of systemMessage and image',
      'tenants.yaml:5:9: tenants[0].agents[0].prompt: unknown key "prompt". Fix: remove it or use one of: name, description, systemMessage, model, tools, skills, image, args, env, resources, calls, expose, allowCallsFrom',
    ]);
  });

  it('a value outside an enumeration says which allowed value it is closest to', () => {
    expect(
      errorsOf(
        'tenants:\n  - name: gamma\n    mcpServers:\n      - {name: p, url: "https://mcp.example.com/mcp", protocol: STREAMABLE, tools: [s]}\n',
      ),
    ).toEqual([
      'tenants.yaml:4:65: tenants[0].mcpServers[0].protocol: "STREAMABLE" is not allowed (did you mean "STREAMABLE_HTTP"?). Fix: use one of: STREAMABLE_HTTP, SSE',
    ]);
    expect(
      errorsOf(
        'tenants:\n  - name: gamma\n    llmBackends:\n      - {name: o, provider: OpenAI, model: gpt-4.1-mini, apiKeySecret: openai}\n',
      ),
    ).toEqual([
      'tenants.yaml:4:29: tenants[0].llmBackends[0].provider: "OpenAI" is not allowed (did you mean "openai"?). Fix: use one of: anthropic, openai',
    ]);
    expect(
      errorsOf(
        'tenants:\n  - name: gamma\n    llmBackends:\n      - {name: o, provider: gemini, model: g, apiKeySecret: g}\n',
      ),
    ).toEqual([
      'tenants.yaml:4:29: tenants[0].llmBackends[0].provider: "gemini" is not allowed. Fix: use one of: anthropic, openai',
    ]);
  });

  it('allowCallsFrom on a sandbox says that a sandbox admits only its owner', () => {
    expect(
      errorsOf(
        'tenants:\n  - name: gamma\n    sandboxes:\n      - name: python\n        image: ex/python:3.12.7\n        expose: true\n        allowCallsFrom: [delta]\n  - name: delta\n',
      ),
    ).toEqual([
      "tenants.yaml:7:9: tenants[0].sandboxes[0].allowCallsFrom: a sandbox admits only its owner: its route serves tenant gamma alone, so that no other tenant runs code in it. Fix: remove allowCallsFrom; to share what the sandbox does, expose an agent of gamma that uses it and list the other tenants in that agent's allowCallsFrom",
    ]);
  });

  it('an environment value shaped like a token says to revoke it, as the apiKey message does', () => {
    expect(
      errorsOf(
        'tenants:\n  - name: gamma\n    agents:\n      - name: sync\n        image: ex/sync:1.0.0\n        env:\n          - {name: SETTINGS, value: ghp_abcdefghijklmnopqrstuvwxyz0123456789}\n',
      ),
    ).toEqual([
      'tenants.yaml:7:37: tenants[0].agents[0].env[0].value: SETTINGS looks like a secret; tenants.yaml is in git and must hold no secret value. Fix: store the value in a Secret of the tenant namespace, reference it with secretKeyRef (agents) or secretRefs (MCP servers), and revoke it if it was ever committed',
    ]);
  });
});

describe('tenant workloads: synth-time errors (exact messages, all at once)', () => {
  it('two routes with the same path (and the alias that causes it)', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    alias: team
    agents:
      - {name: x, systemMessage: hi, expose: true}
  - name: b
    alias: team
    agents:
      - {name: x, systemMessage: hi, expose: true}
`),
    ).toEqual([
      'tenants.yaml:7:12: tenants[1].alias: alias "team" is already the alias of tenant "a" (line 2). Fix: choose an alias that no other tenant uses as its name or alias',
      'tenants.yaml:9:9: tenants[1].agents[0]: route /a2a/team/x is also the route of Agent "x" of tenant "a" (line 5). Fix: give one of the tenants another alias (this one\'s segment is "team"), or rename one of the two',
    ]);
  });

  it("an alias equal to another tenant's name", () => {
    expect(
      errorsOf(`tenants:
  - name: a
    alias: b
  - name: b
`),
    ).toEqual([
      'tenants.yaml:3:12: tenants[0].alias: alias "b" is the name of tenant "b" (line 4). Fix: choose an alias that no other tenant uses as its name or alias',
    ]);
  });

  it('an alias reserved by the platform, or in the form of a tenant namespace', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    alias: default
  - name: b
    alias: tenant-c
`),
    ).toEqual([
      'tenants.yaml:3:12: tenants[0].alias: alias "default" is reserved by the platform (its own routes use /<kind>/default/...). Fix: choose another alias',
      "tenants.yaml:5:12: tenants[1].alias: alias \"tenant-c\" has the form of another tenant's namespace. Fix: choose an alias that does not start with 'tenant-'",
    ]);
  });

  it('references to an undefined model, backend, MCP server, tool or agent', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    mcpServers:
      - {name: kb, image: "ex/kb:1.0", tools: [search]}
    llmBackends:
      - {name: oa, provider: openai, model: gpt, apiKeySecret: oa}
    models:
      - {name: m, backend: nope}
      - {name: m2, backend: oa}
    agents:
      - name: x
        systemMessage: hi
        model: missing
        tools:
          - {mcpServer: kb, toolNames: [search, delete]}
          - {mcpServer: other, toolNames: [a]}
          - {agent: ghost}
`),
    ).toEqual([
      'tenants.yaml:8:28: tenants[0].models[0].backend: LLM backend "nope" is not one of the tenant\'s llmBackends (defined: oa). Fix: define it under llmBackends, or remove the key to use the platform default backend',
      'tenants.yaml:13:16: tenants[0].agents[0].model: model "missing" is not one of the tenant\'s models (defined: m, m2). Fix: define it under models, or remove the key to use the platform default model',
      'tenants.yaml:15:49: tenants[0].agents[0].tools[0].toolNames[1]: tool "delete" is not offered by MCP server "kb" (its tools: search). Fix: use one of its tools, or add delete to the tools of kb',
      'tenants.yaml:16:25: tenants[0].agents[0].tools[1].mcpServer: MCP server "other" is not one of the tenant\'s mcpServers (defined: kb). Fix: define it under mcpServers or correct the name',
      'tenants.yaml:17:21: tenants[0].agents[0].tools[2].agent: agent "ghost" is not one of the tenant\'s agents (defined: x). Fix: name an agent of this tenant; agents of other tenants are called over A2A through the gateway (calls on a BYO agent)',
    ]);
  });

  it('names that are not DNS labels, duplicates, a Service name shared by an agent and an MCP server, and the reserved model name', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    agents:
      - {name: My_Agent, systemMessage: hi}
      - {name: dup, systemMessage: hi}
      - {name: dup, systemMessage: hi}
    mcpServers:
      - {name: dup, image: "ex/kb:1.0", tools: [t]}
    models:
      - {name: default-model-config}
`),
    ).toEqual([
      'tenants.yaml:4:16: tenants[0].agents[0].name: "My_Agent" is not a DNS-1123 label. Fix: use lower-case letters, digits and \'-\', starting and ending with a letter or digit',
      'tenants.yaml:6:16: tenants[0].agents[2].name: duplicate agent name "dup" (first declared at line 5). Fix: give each agent a unique name',
      'tenants.yaml:8:16: tenants[0].mcpServers[0].name: MCP server "dup" needs the Service "dup", which agent "dup" (line 5) also needs. Fix: rename one of them: every agent, MCP server and sandbox gets a Service of its name (sandboxes also sandbox-<name>)',
      'tenants.yaml:10:16: tenants[0].models[0].name: model name "default-model-config" is the platform default ModelConfig of every tenant. Fix: choose another name; agents that name no model use the default already',
    ]);
  });

  it('a key value in tenants.yaml: an apiKey field, a key in apiKeySecret, a secret-looking env value', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    llmBackends:
      - name: oa
        provider: openai
        model: gpt
        apiKey: sk-abc
        apiKeySecret: sk-proj-abcdefghijklmnop
    agents:
      - name: x
        image: "ex/agent:1"
        env:
          - {name: OPENAI_API_KEY, value: whatever}
          - {name: LOG, value: info}
`),
    ).toEqual([
      'tenants.yaml:7:9: tenants[0].llmBackends[0].apiKey: "apiKey" would put the API key in tenants.yaml, which is in git; no secret value may be written here. Fix: store the key in AWS Secrets Manager under agentic-platform/<env>/tenants/<tenant>/<entry>, set apiKeySecret: <entry>, and revoke the key if it was ever committed',
      'tenants.yaml:8:23: tenants[0].llmBackends[0].apiKeySecret: apiKeySecret holds what looks like the key itself; tenants.yaml is in git and must hold no secret value. Fix: store the key in AWS Secrets Manager under agentic-platform/<env>/tenants/<tenant>/, name the entry here, and revoke the exposed key',
      'tenants.yaml:13:43: tenants[0].agents[0].env[0].value: OPENAI_API_KEY looks like a secret; tenants.yaml is in git and must hold no secret value. Fix: store the value in a Secret of the tenant namespace, reference it with secretKeyRef (agents) or secretRefs (MCP servers), and revoke it if it was ever committed',
    ]);
  });

  // kagent 0.9.12 go/core/internal/controller/translator/agent/compiler.go toolAgentURL: an agent
  // tool is called at http://<agent>.<namespace>:8080, directly, not through the mesh gateway that
  // enforces allowCallsFrom; the platform keeps that inside the namespace.
  it('refuses calls on a declarative agent with the way to call another tenant', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    agents:
      - {name: x, systemMessage: hi, expose: true, allowCallsFrom: [b]}
  - name: b
    agents:
      - {name: y, systemMessage: hi, calls: [{tenant: a, agent: x}]}
`),
    ).toEqual([
      "tenants.yaml:7:45: tenants[1].agents[0].calls: a declarative agent cannot call another tenant's agent: its agent tools reach agents of its own tenant only. Fix: remove calls; to call another tenant's agent, declare a BYO agent (image) with calls, which gets the agent's URL on the mesh gateway",
    ]);
  });

  it('allowCallsFrom and calls that name unknown tenants, the owner, unexposed agents or agents that do not allow the caller', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    agents:
      - {name: x, systemMessage: hi, expose: true, allowCallsFrom: [c, zz, a]}
      - {name: y, systemMessage: hi}
  - name: c
    agents:
      - name: caller
        image: "ex/agent:1"
        calls:
          - {tenant: a, agent: x}
          - {tenant: a, agent: y}
          - {tenant: nobody, agent: q}
      - name: notallowed
        image: "ex/agent:1"
        calls: [{tenant: d, agent: z}]
  - name: d
    agents:
      - {name: z, systemMessage: hi, expose: true}
`),
    ).toEqual([
      'tenants.yaml:4:72: tenants[0].agents[0].allowCallsFrom[1]: unknown tenant "zz". Fix: name a tenant of tenants.yaml (c, d)',
      'tenants.yaml:4:76: tenants[0].agents[0].allowCallsFrom[2]: "a" is the owner, which may always call. Fix: remove it',
      'tenants.yaml:12:32: tenants[1].agents[0].calls[1].agent: agent "y" of tenant "a" is not exposed. Fix: tenant a must set expose: true on it and list c in its allowCallsFrom',
      'tenants.yaml:13:22: tenants[1].agents[0].calls[2].tenant: unknown tenant "nobody". Fix: name a tenant of tenants.yaml',
      'tenants.yaml:16:36: tenants[1].agents[1].calls[0].agent: agent "z" of tenant "d" does not allow calls from "c". Fix: tenant d must add c to the allowCallsFrom of z',
    ]);
  });

  it('container resources: quantities, requests within limits, limits within the tenant maximum', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    limits:
      max: {cpu: "1"}
    agents:
      - {name: x, systemMessage: hi, resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: "2"}}}
      - {name: y, systemMessage: hi, resources: {requests: {cpu: lots}}}
`),
    ).toEqual([
      'tenants.yaml:6:80: tenants[0].agents[0].resources.requests.memory: requests.memory 1Gi exceeds limits.memory 256Mi (container default). Fix: lower requests.memory or raise limits.memory',
      "tenants.yaml:6:100: tenants[0].agents[0].resources.limits.cpu: limits.cpu 2 exceeds the tenant's container maximum limits.max.cpu 1. Fix: lower it to at most 1, or raise limits.max.cpu",
      'tenants.yaml:7:66: tenants[0].agents[1].resources.requests.cpu: "lots" is not a Kubernetes quantity. Fix: write a number with an optional suffix, such as 500m, 2, 512Mi or 16Gi',
    ]);
  });

  // The waypoint (charts/lib/waypoint.ts) runs in every tenant namespace, whatever it declares.
  it('counts the waypoint against the quota even when the tenant declares nothing', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    quota: {requests.cpu: 50m}
`),
    ).toEqual([
      'tenants.yaml:3:27: tenants[0].quota["requests.cpu"]: the declared workloads request 0.1 cpu in total (0 pods and the waypoint, unset values from the container defaults), more than the quota requests.cpu 50m. Fix: raise quota.requests.cpu to at least 0.1, or lower the workloads\' resources',
    ]);
  });

  it("declared requests beyond the tenant's quota", () => {
    expect(
      errorsOf(`tenants:
  - name: a
    quota: {requests.cpu: "1"}
    agents:
      - {name: x, systemMessage: hi, resources: {requests: {cpu: 800m}, limits: {cpu: 800m}}}
      - {name: y, systemMessage: hi, resources: {requests: {cpu: 400m}, limits: {cpu: 400m}}}
`),
    ).toEqual([
      'tenants.yaml:3:27: tenants[0].quota["requests.cpu"]: the declared workloads request 1.3 cpu in total (2 pods and the waypoint, unset values from the container defaults), more than the quota requests.cpu 1. Fix: raise quota.requests.cpu to at least 1.3, or lower the workloads\' resources',
    ]);
  });

  it('agent, MCP server and sandbox kinds: exactly one of their forms, fields of the other form, unpinned images, routes that cannot exist', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    agents:
      - {name: both, systemMessage: hi, image: "ex/a:1"}
      - {name: neither}
      - {name: byo, image: "ex/a:latest", tools: [{agent: both}]}
    mcpServers:
      - {name: r, url: "ftp://x", tools: [t], expose: true, port: 80}
    sandboxes:
      - {name: s, kind: SandboxTemplate, image: "ex/s", expose: true}
    llmBackends:
      - {name: b, provider: openai, model: gpt, apiKeySecret: b, allowCallsFrom: [a]}
`),
    ).toEqual([
      'tenants.yaml:4:9: tenants[0].agents[0]: an agent has either systemMessage (declarative) or image (BYO), not both. Fix: keep exactly one of systemMessage and image',
      'tenants.yaml:5:9: tenants[0].agents[1]: an agent needs systemMessage (declarative) or image (BYO). Fix: keep exactly one of systemMessage and image',
      'tenants.yaml:6:28: tenants[0].agents[2].image: image "ex/a:latest" uses the tag latest, which changes under the same name. Fix: pin a version tag or a digest',
      'tenants.yaml:6:50: tenants[0].agents[2].tools: tools applies to declarative agents only. Fix: remove it: a BYO agent brings its own model, tools and agent card',
      'tenants.yaml:8:24: tenants[0].mcpServers[0].url: "ftp://x" is not an http(s) URL. Fix: write the full URL of the MCP endpoint, such as https://mcp.example.com/mcp',
      'tenants.yaml:8:55: tenants[0].mcpServers[0].expose: a remote MCP server cannot be exposed: the gateway would become a proxy to a host outside the cluster. Fix: remove expose; callers can reach the remote server directly',
      'tenants.yaml:8:67: tenants[0].mcpServers[0].port: port applies to image MCP servers only. Fix: remove it',
      'tenants.yaml:10:49: tenants[0].sandboxes[0].image: image "ex/s" has no tag. Fix: pin a version tag or a digest, such as example/agent:1.2.3',
      'tenants.yaml:10:65: tenants[0].sandboxes[0].expose: a SandboxTemplate runs nothing until it is claimed, so it has nothing to route to. Fix: remove expose, or declare kind: Sandbox; to reach the claims of templates, add sandboxRouter: {expose: true} to the tenant',
      'tenants.yaml:12:82: tenants[0].llmBackends[0].allowCallsFrom: allowCallsFrom needs a route, but LLM backend "b" is not exposed. Fix: set expose: true, or remove allowCallsFrom',
      'tenants.yaml:12:83: tenants[0].llmBackends[0].allowCallsFrom[0]: "a" is the owner, which may always call. Fix: remove it',
    ]);
  });
  it("every agent, MCP server and sandbox Service, the sandbox-<name> Service and the waypoint's share one namespace", () => {
    expect(
      errorsOf(`tenants:
  - name: a
    agents:
      - {name: sandbox-x, image: "ex/a:1"}
      - {name: agentgateway-waypoint, image: "ex/a:1"}
    sandboxes:
      - {name: x, image: "ex/s:1"}
      - {name: kb, image: "ex/s:1"}
    mcpServers:
      - {name: kb, image: "ex/kb:1", tools: [t]}
`),
    ).toEqual([
      'tenants.yaml:5:16: tenants[0].agents[1].name: agent "agentgateway-waypoint" needs the Service "agentgateway-waypoint", which the waypoint also needs. Fix: rename one of them: every agent, MCP server and sandbox gets a Service of its name (sandboxes also sandbox-<name>)',
      'tenants.yaml:7:16: tenants[0].sandboxes[0].name: sandbox "x" needs the Service "sandbox-x", which agent "sandbox-x" (line 4) also needs. Fix: rename one of them: every agent, MCP server and sandbox gets a Service of its name (sandboxes also sandbox-<name>)',
      'tenants.yaml:8:16: tenants[0].sandboxes[1].name: sandbox "kb" needs the Service "kb", which MCP server "kb" (line 10) also needs. Fix: rename one of them: every agent, MCP server and sandbox gets a Service of its name (sandboxes also sandbox-<name>)',
    ]);
  });

  it("Services beyond the tenant's quota", () => {
    expect(
      errorsOf(`tenants:
  - name: a
    quota: {services: 3}
    agents:
      - {name: a1, image: "ex/a:1"}
      - {name: a2, image: "ex/a:1"}
    sandboxes:
      - {name: s, image: "ex/s:1"}
`),
    ).toEqual([
      "tenants.yaml:3:23: tenants[0].quota.services: the declared workloads need 5 Services (one per agent and image MCP server, two per sandbox, and the waypoint), more than the quota services 3. Fix: raise quota.services to at least 5, leaving room for the tenant's own",
    ]);
  });

  it('aliases equal to a platform namespace', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    alias: kagent-system
  - name: b
    alias: kube-system
`),
    ).toEqual([
      'tenants.yaml:3:12: tenants[0].alias: alias "kagent-system" is reserved by the platform (its own routes use /<kind>/kagent-system/...). Fix: choose another alias',
      'tenants.yaml:5:12: tenants[1].alias: alias "kube-system" is reserved by the platform (its own routes use /<kind>/kube-system/...). Fix: choose another alias',
    ]);
  });

  it('credentials in URLs and arguments, internal hosts of remote servers; ordinary names that contain TOKEN or KEY pass', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    mcpServers:
      - {name: r1, url: "https://user:pw@mcp.example.com/mcp", tools: [t]}
      - {name: r2, url: "https://mcp.example.com/mcp?api_key=abc", tools: [t]}
      - {name: r3, url: "http://169.254.169.254/latest", tools: [t]}
      - {name: r4, url: "http://kb.tenant-b.svc.cluster.local/mcp", tools: [t]}
    agents:
      - name: x
        image: "ex/a:1"
        args: [--api-key=abc123, --token, xyz, --port, "8080", sk-ant-abcdefghijkl]
        env:
          - {name: MAX_TOKENS, value: "4096"}
          - {name: KEYCLOAK_URL, value: "http://k"}
          - {name: DB_PASSWORD, value: hunter2}
`),
    ).toEqual([
      'tenants.yaml:4:25: tenants[0].mcpServers[0].url: the URL carries a user name or password; tenants.yaml is in git and must hold no secret value. Fix: remove the credentials from the URL (a remote server that needs them is reached through a BYO agent or an image server holding a secretRefs Secret), and revoke them if they were ever committed',
      'tenants.yaml:5:25: tenants[0].mcpServers[1].url: the URL query carries what looks like a credential; tenants.yaml is in git and must hold no secret value. Fix: remove it from the URL, and revoke it if it was ever committed',
      'tenants.yaml:6:25: tenants[0].mcpServers[2].url: "http://169.254.169.254/latest" points inside the cluster or the node\'s network; kagent would connect to it from the platform. Fix: run an in-cluster server as an image MCP server of the tenant; remote servers are for hosts outside the cluster',
      'tenants.yaml:7:25: tenants[0].mcpServers[3].url: "http://kb.tenant-b.svc.cluster.local/mcp" points inside the cluster or the node\'s network; kagent would connect to it from the platform. Fix: run an in-cluster server as an image MCP server of the tenant; remote servers are for hosts outside the cluster',
      'tenants.yaml:11:16: tenants[0].agents[0].args[0]: the argument carries what looks like a credential; tenants.yaml is in git and must hold no secret value. Fix: read the credential from an environment variable filled by secretKeyRef and pass its name instead, and revoke it if it was ever committed',
      'tenants.yaml:11:43: tenants[0].agents[0].args[2]: the argument carries what looks like a credential; tenants.yaml is in git and must hold no secret value. Fix: read the credential from an environment variable filled by secretKeyRef and pass its name instead, and revoke it if it was ever committed',
      'tenants.yaml:11:64: tenants[0].agents[0].args[5]: the argument carries what looks like a credential; tenants.yaml is in git and must hold no secret value. Fix: read the credential from an environment variable filled by secretKeyRef and pass its name instead, and revoke it if it was ever committed',
      'tenants.yaml:15:40: tenants[0].agents[0].env[2].value: DB_PASSWORD looks like a secret; tenants.yaml is in git and must hold no secret value. Fix: store the value in a Secret of the tenant namespace, reference it with secretKeyRef (agents) or secretRefs (MCP servers), and revoke it if it was ever committed',
    ]);
  });

  it('fields that would be ignored or rejected later: model with a backend, an empty tag, stdio with port and path, bad variable and Secret names, duplicate skill ids', () => {
    expect(
      errorsOf(`tenants:
  - name: a
    llmBackends:
      - {name: oa, provider: openai, model: gpt, apiKeySecret: oa, expose: true}
    models:
      - {name: m, backend: oa, model: gpt-5}
    mcpServers:
      - {name: s, image: "ex/s:", transport: stdio, port: 80, path: /x, tools: [t], env: {"1BAD": x}, secretRefs: [Bad_Name]}
    agents:
      - name: x
        systemMessage: hi
        skills: [{id: s, name: one}, {id: s, name: two}]
        env:
          - {name: "A=B", value: x}
          - {name: K, secretKeyRef: {name: Bad_Secret, key: k}}
`),
    ).toEqual([
      'tenants.yaml:6:39: tenants[0].models[0].model: the backend "oa" pins its model, so model would be ignored. Fix: remove model, or set the model on backend oa',
      'tenants.yaml:8:26: tenants[0].mcpServers[0].image: image "ex/s:" has no tag. Fix: pin a version tag or a digest, such as example/agent:1.2.3',
      'tenants.yaml:8:59: tenants[0].mcpServers[0].port: port applies to the http transport only. Fix: remove it: kmcp serves a stdio server on its own port and path',
      'tenants.yaml:8:69: tenants[0].mcpServers[0].path: path applies to the http transport only. Fix: remove it: kmcp serves a stdio server on its own port and path',
      "tenants.yaml:8:99: tenants[0].mcpServers[0].env[\"1BAD\"]: \"1BAD\" is not a valid environment variable name. Fix: use letters, digits, '_', '-' and '.', not starting with a digit",
      "tenants.yaml:8:116: tenants[0].mcpServers[0].secretRefs[0]: \"Bad_Name\" is not a Secret name. Fix: use lower-case letters, digits, '-' and '.'",
      'tenants.yaml:12:43: tenants[0].agents[0].skills[1].id: duplicate skill id "s". Fix: give each skill of the agent a unique id',
      "tenants.yaml:14:20: tenants[0].agents[0].env[0].name: \"A=B\" is not a valid environment variable name. Fix: use letters, digits, '_', '-' and '.', not starting with a digit",
      "tenants.yaml:15:44: tenants[0].agents[0].env[1].secretKeyRef.name: \"Bad_Secret\" is not a Secret name. Fix: use lower-case letters, digits, '-' and '.'",
    ]);
  });
});
