import { Construct } from 'constructs';
import {
  AgentV1Alpha2 as KagentAgent,
  type AgentV1Alpha2Spec,
  AgentV1Alpha2SpecAllowedNamespacesFrom as AllowedFrom,
  type AgentV1Alpha2SpecDeclarativeTools,
  AgentV1Alpha2SpecDeclarativeToolsType as ToolType,
  AgentV1Alpha2SpecType as AgentType,
} from '../../imports/kagent-agents-kagent.dev';
import { McpServer as KagentMcpServer } from '../../imports/kagent-mcpservers-kagent.dev';
import { RemoteMcpServer } from '../../imports/kagent-remotemcpservers-kagent.dev';
import type { Agent, McpServer } from '../config/workloads';
import { ANNOTATIONS, OBSERVABILITY, SANDBOX_ROUTER } from '../lib/constants';
import { groupOf } from '../lib/gvk';
import { tenantLabels } from '../lib/labels';
import {
  agentsPlacement,
  callEnvName,
  DECLARATIVE_AGENT_ENV,
  envVars,
  PLATFORM_ENV,
  tracingEnv,
  typedResources,
} from './workload-parts';
import { collectorOtlpGrpc } from '../platform/constructs/gateway-parameters';

export interface TenantAgentProps {
  readonly tenant: string;
  readonly namespace: string;
  /** The agent as declared in tenants.yaml, with defaults applied. */
  readonly agent: Agent;
  /** The tenant's MCP servers, to resolve the kind of each tool's server. */
  readonly mcpServers: readonly McpServer[];
  /**
   * URL of each agent this agent calls in another tenant, by `<tenant>/<agent>`; BYO agents get
   * them as environment variables.
   * @default - no calls
   */
  readonly callUrls?: ReadonlyMap<string, string>;
  /**
   * URL of the tenant's sandbox router on the mesh gateway, given to the agent as
   * SANDBOX_ROUTER_URL.
   * @default - the tenant has no router
   */
  readonly sandboxRouterUrl?: string;
}

/**
 * A kagent Agent (kagent.dev/v1alpha2) in the tenant namespace: declarative (kagent runs it from
 * a system message, a model and MCP tools) or BYO (the tenant's image). Its pods run on the
 * agents node group, carry the tenant in their trace attributes, and only agents of the same
 * namespace may use it as a tool (`allowedNamespaces: Same`); other tenants reach it only through
 * the central gateway, where its route admits the tenants it allows.
 */
export class TenantAgent extends Construct {
  public readonly resource: KagentAgent;

  constructor(scope: Construct, id: string, props: TenantAgentProps) {
    super(scope, id);
    const { agent: a, namespace, tenant } = props;
    const labels = tenantLabels(tenant);
    // Pod labels the collector reports on the agent's spans as `agent` and `model` (read from the
    // pod the span came from, never from the span). kagent copies deployment.labels onto the pods
    // (v0.9.12 go/core/internal/controller/translator/agent/manifest_builder.go podLabels).
    const podLabels = {
      [OBSERVABILITY.agentLabel]: a.name,
      ...(a.type === 'Declarative' ? { [OBSERVABILITY.modelLabel]: a.modelConfig } : {}),
    };
    const deployment = {
      ...agentsPlacement(),
      labels: podLabels,
      ...(typedResources(a.resources) ? { resources: typedResources(a.resources) } : {}),
    };
    const router = props.sandboxRouterUrl ? [{ name: SANDBOX_ROUTER.urlEnv, value: props.sandboxRouterUrl }] : [];
    let spec: AgentV1Alpha2Spec;
    if (a.type === 'Declarative') {
      spec = {
        type: AgentType.DECLARATIVE,
        declarative: {
          modelConfig: a.modelConfig,
          systemMessage: a.systemMessage,
          ...(a.tools.length ? { tools: a.tools.map((t) => this.tool(t, props.mcpServers, namespace)) } : {}),
          ...(a.skills.length
            ? {
                a2AConfig: {
                  skills: a.skills.map(({ tags, examples, ...s }) => ({
                    ...s,
                    ...(tags ? { tags: [...tags] } : {}),
                    ...(examples ? { examples: [...examples] } : {}),
                  })),
                },
              }
            : {}),
          // Trace propagation is compiled in, so no mutating policy changes what Argo CD syncs.
          deployment: {
            ...deployment,
            env: [...tracingEnv(tenant, namespace), { ...DECLARATIVE_AGENT_ENV }, ...router, ...envVars(a.env)],
          },
        },
      };
    } else {
      const calls = [...(props.callUrls ?? new Map())]
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([key, url]) => {
          const [t, name] = key.split('/');
          return { name: callEnvName(t, name), value: url };
        });
      spec = {
        type: AgentType.BYO,
        byo: {
          deployment: {
            image: a.image,
            ...(a.args.length ? { args: [...a.args] } : {}),
            ...deployment,
            env: [
              { name: PLATFORM_ENV.otlpEndpoint, value: collectorOtlpGrpc() },
              { name: PLATFORM_ENV.serviceName, value: a.name },
              ...tracingEnv(tenant, namespace),
              ...calls,
              ...router,
              ...envVars(a.env),
            ],
          },
        },
      };
    }
    this.resource = new KagentAgent(this, 'Resource', {
      metadata: {
        name: a.name,
        namespace,
        labels,
        // The appprotocol policy gives the Service of an exposed agent the A2A appProtocol. The
        // auto-expose policy skips the agent (managed-by label): its route is compiled.
        ...(a.expose ? { annotations: { [ANNOTATIONS.expose]: 'true' } } : {}),
      },
      spec: {
        ...(a.description ? { description: a.description } : {}),
        // Other namespaces may not use this agent as a tool: cross-tenant calls go through the gateway.
        allowedNamespaces: { from: AllowedFrom.SAME },
        ...spec,
      },
    });
  }

  private tool(
    t: Agent['tools'][number],
    servers: readonly McpServer[],
    namespace: string,
  ): AgentV1Alpha2SpecDeclarativeTools {
    if (t.agent) {
      return {
        type: ToolType.AGENT,
        agent: { apiGroup: groupOf(KagentAgent.GVK), kind: KagentAgent.GVK.kind, name: t.agent, namespace },
      };
    }
    // The loader accepts a tool only with agent or mcpServer (config/validate-workloads.ts).
    if (t.mcpServer === undefined) throw new Error('an agent tool names neither agent nor mcpServer');
    const server = servers.find((s) => s.name === t.mcpServer);
    const gvk = server?.source === 'remote' ? RemoteMcpServer.GVK : KagentMcpServer.GVK;
    return {
      type: ToolType.MCP_SERVER,
      mcpServer: {
        apiGroup: groupOf(gvk),
        kind: gvk.kind,
        name: t.mcpServer,
        namespace,
        toolNames: [...(t.toolNames ?? [])],
      },
    };
  }
}
