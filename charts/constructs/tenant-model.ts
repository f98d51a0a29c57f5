import { Construct } from 'constructs';
import {
  ModelConfigV1Alpha2 as ModelConfig,
  ModelConfigV1Alpha2SpecProvider as Provider,
} from '../../imports/kagent-modelconfigs-kagent.dev';
import { TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';

/** Key of the placeholder API key in the tenant's placeholder Secret. */
export const DUMMY_API_KEY_FIELD = 'api-key';

export interface TenantModelProps {
  readonly tenant: string;
  readonly namespace: string;
  /** Name of the ModelConfig. */
  readonly name: string;
  /** LLM provider the gateway route speaks. */
  readonly provider: 'anthropic' | 'openai';
  /** Model ID. */
  readonly model: string;
  /** URL of the route on the central gateway (the gateway injects the real key). */
  readonly baseUrl: string;
}

const PROVIDER = {
  anthropic: { kind: Provider.ANTHROPIC, field: 'anthropic' },
  openai: { kind: Provider.OPEN_AI, field: 'openAi' },
} as const;

/**
 * A kagent ModelConfig of a tenant: a model behind a route of the central gateway, either the
 * platform's backend or one of the tenant's own. It sends the placeholder key of the tenant's
 * default ModelConfig: the gateway replaces it, so no key is ever in the tenant's pods.
 */
export class TenantModel extends Construct {
  public readonly resource: ModelConfig;

  constructor(scope: Construct, id: string, props: TenantModelProps) {
    super(scope, id);
    const p = PROVIDER[props.provider];
    this.resource = new ModelConfig(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: tenantLabels(props.tenant) },
      spec: {
        provider: p.kind,
        model: props.model,
        apiKeySecret: TENANT_OBJECTS.dummyKeySecret,
        apiKeySecretKey: DUMMY_API_KEY_FIELD,
        [p.field]: { baseUrl: props.baseUrl },
      },
    });
  }
}
