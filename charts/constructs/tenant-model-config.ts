import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeSecret } from '../../imports/k8s';
import { TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';
import { DUMMY_API_KEY_FIELD, TenantModel } from './tenant-model';

/** The placeholder the tenant's clients send as API key; the central gateway injects the real one. */
export const DUMMY_API_KEY = 'not-a-real-key';

export { DUMMY_API_KEY_FIELD };

export interface TenantModelConfigProps {
  readonly tenant: string;
  readonly namespace: string;
  /** Model ID the ModelConfig names (the gateway's backend pins the model it serves). */
  readonly model: string;
  /** URL of the platform's Anthropic backend on the central gateway. */
  readonly baseUrl: string;
}

/**
 * The tenant's default kagent ModelConfig: Anthropic through the central gateway, which holds
 * the real key. The Secret it names holds only a placeholder, so no credential ever enters a
 * tenant namespace.
 */
export class TenantModelConfig extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: TenantModelConfigProps) {
    super(scope, id);
    const labels = tenantLabels(props.tenant);
    // KubeSecret: cdk8s-plus-30 adds `immutable: false`.
    new KubeSecret(this, 'DummyKey', {
      metadata: { name: TENANT_OBJECTS.dummyKeySecret, namespace: props.namespace, labels },
      type: 'Opaque',
      stringData: { [DUMMY_API_KEY_FIELD]: DUMMY_API_KEY },
    });
    this.resource = new TenantModel(this, 'Resource', {
      tenant: props.tenant,
      namespace: props.namespace,
      name: TENANT_OBJECTS.modelConfig,
      provider: 'anthropic',
      model: props.model,
      baseUrl: props.baseUrl,
    }).resource;
  }
}
