import { Construct } from 'constructs';
import { McpServer as KagentMcpServer, McpServerSpecTransportType } from '../../imports/kagent-mcpservers-kagent.dev';
import {
  RemoteMcpServer,
  RemoteMcpServerSpecAllowedNamespacesFrom,
  RemoteMcpServerSpecProtocol,
} from '../../imports/kagent-remotemcpservers-kagent.dev';
import type { McpServer } from '../config/workloads';
import { tenantLabels } from '../lib/labels';
import { agentsPlacement, tracingEnv, typedResources } from './workload-parts';

const PROTOCOL = {
  SSE: RemoteMcpServerSpecProtocol.SSE,
  STREAMABLE_HTTP: RemoteMcpServerSpecProtocol.STREAMABLE_UNDERSCORE_HTTP,
} as const;

const TRANSPORT = { http: McpServerSpecTransportType.HTTP, stdio: McpServerSpecTransportType.STDIO } as const;

export interface TenantMcpServerProps {
  readonly tenant: string;
  readonly namespace: string;
  /** The server as declared in tenants.yaml, with defaults applied. */
  readonly server: McpServer;
}

/**
 * An MCP server of a tenant: a kagent MCPServer (kagent.dev/v1alpha1, run by kmcp from an image,
 * on the agents node group, secrets by reference only) or a RemoteMCPServer (kagent.dev/v1alpha2)
 * for a server that runs elsewhere. Only agents of the tenant's namespace may use it.
 */
export class TenantMcpServer extends Construct {
  public readonly resource: KagentMcpServer | RemoteMcpServer;

  constructor(scope: Construct, id: string, props: TenantMcpServerProps) {
    super(scope, id);
    const { server: s, namespace, tenant } = props;
    const metadata = { name: s.name, namespace, labels: tenantLabels(tenant) };
    // source is 'remote' exactly when url is set (config/workloads.ts).
    if (s.url !== undefined) {
      this.resource = new RemoteMcpServer(this, 'Resource', {
        metadata,
        spec: {
          description: s.description ?? `MCP server ${s.name} of tenant ${tenant}`,
          url: s.url,
          protocol: PROTOCOL[s.protocol],
          allowedNamespaces: { from: RemoteMcpServerSpecAllowedNamespacesFrom.SAME },
        },
      });
      return;
    }
    const env: Record<string, string> = { ...s.env };
    for (const e of tracingEnv(tenant, namespace)) env[e.name] = e.value;
    const resources = typedResources(s.resources);
    this.resource = new KagentMcpServer(this, 'Resource', {
      metadata,
      spec: {
        transportType: TRANSPORT[s.transport],
        ...(s.transport === 'http' ? { httpTransport: { targetPort: s.port, path: s.path } } : { stdioTransport: {} }),
        deployment: {
          image: s.image,
          port: s.port,
          ...(s.args.length ? { args: [...s.args] } : {}),
          env,
          ...(s.secretRefs.length ? { secretRefs: s.secretRefs.map((name) => ({ name })) } : {}),
          ...(resources ? { resources } : {}),
          ...agentsPlacement(),
        },
      },
    });
  }
}
