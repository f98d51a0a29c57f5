import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from './config/environment';
import type { Tenant } from './config/load-tenants';
import { TenantAgent } from './constructs/tenant-agent';
import { TenantLlmBackend } from './constructs/tenant-llm-backend';
import { TenantMcpServer } from './constructs/tenant-mcp-server';
import { TenantModel } from './constructs/tenant-model';
import { TenantSandbox } from './constructs/tenant-sandbox';
import { platformLlmUrl } from './platform/constructs/llm-backend';
import { gatewayUrl, routePath, sandboxRouterPath } from './config/routes';

export interface TenantWorkloadsChartProps {
  readonly tenant: Tenant;
  readonly environment: Environment;
  /**
   * Path segment of every tenant's routes (alias or namespace), by tenant name: the gateway URLs
   * of the agents this tenant calls.
   */
  readonly segments: ReadonlyMap<string, string>;
}

/**
 * What a tenant declares in tenants.yaml, compiled into its namespace: kagent Agents,
 * ModelConfigs, MCPServers and RemoteMCPServers, agent-sandbox Sandboxes and SandboxTemplates,
 * and its own AgentgatewayBackends. Synced by the tenant's own Argo CD project, which admits only
 * the kinds its developers may manage; routes, keys and guardrails are in TenantChart.
 */
export class TenantWorkloadsChart extends Chart {
  constructor(scope: Construct, id: string, props: TenantWorkloadsChartProps) {
    super(scope, id);
    const { tenant, environment } = props;
    const base = { tenant: tenant.name, namespace: tenant.namespace };
    const w = tenant.workloads;
    const seg = props.segments.get(tenant.name);
    for (const m of w.models) {
      const backend = m.backend ? w.llmBackends.find((b) => b.name === m.backend) : undefined;
      if (m.backend && !backend)
        throw new Error(
          `TenantWorkloadsChart ${tenant.name}: model ${m.name} names backend ${m.backend}, which is not declared; declare it under llmBackends`,
        );
      if (backend && seg === undefined)
        throw new Error(`TenantWorkloadsChart ${tenant.name}: no route segment; pass segments for every tenant`);
      new TenantModel(this, `Model-${m.name}`, {
        ...base,
        name: m.name,
        provider: backend?.provider ?? 'anthropic',
        model: m.model ?? backend?.model ?? environment.platform.llm.anthropicModel,
        baseUrl: backend
          ? `${gatewayUrl(routePath('llm', seg as string, backend.name))}${backend.provider === 'openai' ? '/v1' : ''}`
          : platformLlmUrl('anthropic'),
      });
    }
    for (const b of w.llmBackends) new TenantLlmBackend(this, `Backend-${b.name}`, { ...base, backend: b });
    for (const s of w.mcpServers) new TenantMcpServer(this, `McpServer-${s.name}`, { ...base, server: s });
    if (w.sandboxRouter && seg === undefined)
      throw new Error(`TenantWorkloadsChart ${tenant.name}: no route segment; pass segments for every tenant`);
    const sandboxRouterUrl = w.sandboxRouter ? gatewayUrl(sandboxRouterPath(seg as string)) : undefined;
    for (const a of w.agents) {
      const callUrls = new Map<string, string>();
      for (const c of a.calls) {
        const segment = props.segments.get(c.tenant);
        if (segment === undefined)
          throw new Error(
            `TenantWorkloadsChart ${tenant.name}: agent ${a.name} calls unknown tenant ${c.tenant}; name a tenant of tenants.yaml`,
          );
        callUrls.set(`${c.tenant}/${c.agent}`, gatewayUrl(routePath('a2a', segment, c.agent)));
      }
      new TenantAgent(this, `Agent-${a.name}`, {
        ...base,
        agent: a,
        mcpServers: w.mcpServers,
        callUrls,
        ...(sandboxRouterUrl ? { sandboxRouterUrl } : {}),
      });
    }
    const routed = w.sandboxRouter !== undefined;
    for (const s of w.sandboxes) new TenantSandbox(this, `Sandbox-${s.name}`, { ...base, sandbox: s, routed });
  }
}

/** Whether a tenant declares any workload (else it has no workloads folder). */
export function hasWorkloads(tenant: Tenant): boolean {
  const w = tenant.workloads;
  return w.agents.length + w.models.length + w.mcpServers.length + w.sandboxes.length + w.llmBackends.length > 0;
}
