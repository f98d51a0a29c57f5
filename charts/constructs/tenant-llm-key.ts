import { Construct } from 'constructs';
import { ExternalSecret } from '../../imports/external-secrets-external-secrets.io';
import { secretFromStore } from './external-secret-parts';
import { TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';

export interface TenantLlmKeyProps {
  readonly tenant: string;
  readonly namespace: string;
  /** Name of the LLM backend whose key this is. */
  readonly backend: string;
  /** The entry's name below the tenant's prefix in AWS Secrets Manager. */
  readonly entry: string;
  /**
   * How often the key is refreshed from AWS.
   * @default '1h'
   */
  readonly refreshInterval?: string;
}

/** Name of the Secret (and of its ExternalSecret) that holds a backend's key. */
export function backendKeySecret(backend: string): string {
  return `${backend}-api-key`;
}

/**
 * The key of a tenant's own LLM backend: an ExternalSecret that writes the Secret
 * `<backend>-api-key` (key `Authorization`, as agentgateway reads it) from the tenant's entry in
 * AWS Secrets Manager, through the tenant's SecretStore. Git holds only the entry's name.
 * Platform-owned: tenant developers cannot point it at another store.
 */
export class TenantLlmKey extends Construct {
  public readonly resource: ExternalSecret;

  constructor(scope: Construct, id: string, props: TenantLlmKeyProps) {
    super(scope, id);
    const secret = backendKeySecret(props.backend);
    this.resource = new ExternalSecret(this, 'Resource', {
      metadata: { name: secret, namespace: props.namespace, labels: tenantLabels(props.tenant) },
      spec: secretFromStore({
        name: secret,
        store: { kind: 'SecretStore', name: TENANT_OBJECTS.secretStore },
        data: [{ secretKey: 'apiKey', key: props.entry }],
        template: { Authorization: '{{ .apiKey }}' },
        refreshInterval: props.refreshInterval,
      }),
    });
  }
}
