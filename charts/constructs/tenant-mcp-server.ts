import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { McpServer as KagentMcpServer } from '../../imports/kagent-mcpservers-kagent.dev';
import { RemoteMcpServer } from '../../imports/kagent-remotemcpservers-kagent.dev';
import type { McpServer } from '../config/workloads';
import { tenantLabels } from '../lib/labels';
import { agentsPlacement, containerResources, tracingEnv } from './workload-parts';

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
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: TenantMcpServerProps) {
    super(scope, id);
    const { server: s, namespace, tenant } = props;
    const metadata = { name: s.name, namespace, labels: tenantLabels(tenant) };
    if (s.source === 'remote') {
      this.resource = new ApiObject(this, 'Resource', {
        ...RemoteMcpServer.GVK,
        metadata,
        spec: {
          description: s.description ?? `MCP server ${s.name} of tenant ${tenant}`,
          url: s.url,
          protocol: s.protocol,
          allowedNamespaces: { from: 'Same' },
        },
      });
      return;
    }
    const env: Record<string, string> = { ...s.env };
    for (const e of tracingEnv(tenant, namespace)) env[e.name] = e.value;
    const resources = containerResources(s.resources);
    this.resource = new ApiObject(this, 'Resource', {
      ...KagentMcpServer.GVK,
      metadata,
      spec: {
        transportType: s.transport,
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
