import { Construct } from 'constructs';
import { AgentgatewayBackend } from '../../imports/agentgateway-backends-agentgateway.dev';
import type { LlmBackend } from '../config/workloads';
import { backendKeySecret } from './tenant-llm-key';
import { tenantLabels } from '../lib/labels';
import { llmBackendSpec } from '../platform/constructs/llm-backend';

export interface TenantLlmBackendProps {
  readonly tenant: string;
  readonly namespace: string;
  /** The backend as declared in tenants.yaml, with defaults applied. */
  readonly backend: LlmBackend;
}

/**
 * A tenant's own LLM backend (bring your own key): an AgentgatewayBackend in the tenant
 * namespace that injects the key from the Secret TenantLlmKey fills from AWS Secrets Manager.
 * Callers send no key: the gateway adds it.
 */
export class TenantLlmBackend extends Construct {
  public readonly resource: AgentgatewayBackend;

  constructor(scope: Construct, id: string, props: TenantLlmBackendProps) {
    super(scope, id);
    const { backend: b, namespace } = props;
    const labels = tenantLabels(props.tenant);
    this.resource = new AgentgatewayBackend(this, 'Resource', {
      metadata: { name: b.name, namespace, labels },
      spec: llmBackendSpec(b.provider, backendKeySecret(b.name), b.model),
    });
  }
}
