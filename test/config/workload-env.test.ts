import { describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import { tenantErrors as errorsOf } from '../helpers';

const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

/** tenants.yaml with one tenant gamma whose BYO agent a has these env entries, [name, value]. */
const agentEnv = (...env: [string, string][]) =>
  yaml(
    'tenants:',
    '  - name: gamma',
    '    agents:',
    '      - name: a',
    '        image: registry.test/a:1.0.0',
    '        env:',
    ...env.flatMap(([n, v]) => [`          - name: ${n}`, `            value: ${v}`]),
  );

describe('environment variables the platform sets', () => {
  it('rejects an agent env that would override the tracing attributes or the collector', () => {
    expect(errorsOf(agentEnv(['OTEL_RESOURCE_ATTRIBUTES', 'tenant=beta'], ['OTEL_SERVICE_NAME', 'b']))).toEqual([
      'tenants.yaml:7:19: tenants[0].agents[0].env[0].name: OTEL_RESOURCE_ATTRIBUTES is set by the platform (the collector, the service name and the tracing attributes that name the tenant). Fix: remove it; the platform sets it on every tenant workload',
      'tenants.yaml:9:19: tenants[0].agents[0].env[1].name: OTEL_SERVICE_NAME is set by the platform (the collector, the service name and the tracing attributes that name the tenant). Fix: remove it; the platform sets it on every tenant workload',
    ]);
  });

  it('rejects an MCP server env that would override the tracing attributes', () => {
    expect(
      errorsOf(
        yaml(
          'tenants:',
          '  - name: gamma',
          '    mcpServers:',
          '      - name: kb',
          '        image: registry.test/kb:1.0.0',
          '        tools: [search]',
          '        env:',
          '          OTEL_PROPAGATORS: b3',
        ),
      ),
    ).toEqual([
      'tenants.yaml:8:29: tenants[0].mcpServers[0].env.OTEL_PROPAGATORS: OTEL_PROPAGATORS is set by the platform (the collector, the service name and the tracing attributes that name the tenant). Fix: remove it; the platform sets it on every tenant workload',
    ]);
  });

  it('rejects the trace propagation switch on a declarative agent, where the platform sets it, and accepts it on a BYO agent', () => {
    expect(
      errorsOf(
        yaml(
          'tenants:',
          '  - name: gamma',
          '    agents:',
          '      - name: d',
          '        systemMessage: hi',
          '        env:',
          '          - {name: DISABLE_AIOHTTP_TRANSPORT, value: "False"}',
        ),
      ),
    ).toEqual([
      "tenants.yaml:7:20: tenants[0].agents[0].env[0].name: DISABLE_AIOHTTP_TRANSPORT is set by the platform on declarative agents (DISABLE_AIOHTTP_TRANSPORT=True makes kagent's runtime propagate the trace context). Fix: remove it; the platform sets it on every declarative agent",
    ]);
    expect(loadTenants(agentEnv(['DISABLE_AIOHTTP_TRANSPORT', '"False"']))[0].workloads.agents[0].env).toEqual([
      { name: 'DISABLE_AIOHTTP_TRANSPORT', value: 'False' },
    ]);
  });

  it('rejects an agent env named like a call URL, and one set twice', () => {
    expect(
      errorsOf(agentEnv(['A2A_ALPHA_TRIAGE_URL', 'http://elsewhere.test/'], ['MODE', 'x'], ['MODE', 'y'])),
    ).toEqual([
      'tenants.yaml:7:19: tenants[0].agents[0].env[0].name: A2A_ALPHA_TRIAGE_URL has the form A2A_<TENANT>_<AGENT>_URL, which the platform gives the agents listed in calls. Fix: rename the variable; list the agent under calls to get its URL',
      'tenants.yaml:11:19: tenants[0].agents[0].env[2].name: MODE is set twice (also line 9); the last value would silently win. Fix: keep one entry',
    ]);
  });

  it('rejects two calls whose URLs would share one variable', () => {
    const callee = (tenant: string, agent: string) => [
      `  - name: ${tenant}`,
      '    agents:',
      `      - name: ${agent}`,
      '        systemMessage: hi',
      '        expose: true',
      '        allowCallsFrom: [gamma]',
    ];
    expect(
      errorsOf(
        yaml(
          'tenants:',
          ...callee('beta', 'x-planner'),
          ...callee('beta-x', 'planner'),
          '  - name: gamma',
          '    agents:',
          '      - name: a',
          '        image: registry.test/a:1.0.0',
          '        calls:',
          '          - {tenant: beta, agent: x-planner}',
          '          - {tenant: beta-x, agent: planner}',
          '          - {tenant: beta, agent: x-planner}',
        ),
      ),
    ).toEqual([
      'tenants.yaml:20:13: tenants[2].agents[0].calls[1]: beta-x/planner and beta/x-planner would both get the URL variable A2A_BETA_X_PLANNER_URL. Fix: call one of them only, or ask one tenant to rename the agent',
      'tenants.yaml:21:13: tenants[2].agents[0].calls[2]: beta/x-planner is listed twice. Fix: keep one entry',
    ]);
  });

  it('accepts other variables, including OTEL ones the platform does not set', () => {
    const tenants = loadTenants(agentEnv(['OTEL_LOG_LEVEL', 'debug'], ['A2A_MODE', 'strict']));
    expect(tenants[0].workloads.agents[0].env).toEqual([
      { name: 'OTEL_LOG_LEVEL', value: 'debug' },
      { name: 'A2A_MODE', value: 'strict' },
    ]);
  });
});
