import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentgatewayBackend } from '../../imports/agentgateway-backends-agentgateway.dev';
import type { LlmBackend } from '../config/workloads';
import { backendKeySecret } from './tenant-llm-key';
import { tenantLabels } from '../lib/labels';
import { LLM_PROVIDER_ROUTES } from '../platform/constructs/llm-backend';

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
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: TenantLlmBackendProps) {
    super(scope, id);
    const { backend: b, namespace } = props;
    const labels = tenantLabels(props.tenant);
    const secret = backendKeySecret(b.name);
    this.resource = new ApiObject(this, 'Resource', {
      ...AgentgatewayBackend.GVK,
      metadata: { name: b.name, namespace, labels },
      spec: {
        ai: { provider: { [b.provider]: { model: b.model } } },
        policies: { ai: { routes: { ...LLM_PROVIDER_ROUTES[b.provider] } }, auth: { secretRef: { name: secret } } },
      },
    });
  }
}
