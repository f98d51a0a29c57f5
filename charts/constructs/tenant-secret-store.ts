import { Construct } from 'constructs';
import {
  SecretStore,
  SecretStoreSpecProviderAwsService,
} from '../../imports/external-secrets-secretstores-external-secrets.io';
import { TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';

/** Session tag that scopes the tenant-secrets role to one tenant's entries. */
export const TENANT_SESSION_TAG = 'tenant';

export interface TenantSecretStoreProps {
  readonly tenant: string;
  readonly namespace: string;
  /** AWS region of Secrets Manager. */
  readonly region: string;
  /** The tenant-secrets IAM role (cluster/outputs/<env>.json roles.tenantSecrets). */
  readonly roleArn: string;
  /** Prefix of the tenant's entries, agentic-platform/<env>/tenants/<tenant>/. */
  readonly prefix: string;
}

/**
 * The SecretStore of a tenant's own keys. external-secrets assumes the tenant-secrets role with
 * the session tag tenant=<name>, which lets it read only agentic-platform/<env>/tenants/<name>/*;
 * every key an ExternalSecret of this store names is read below that prefix. The store is
 * platform-owned (guardrails): tenant developers can neither create nor change SecretStores.
 */
export class TenantSecretStore extends Construct {
  public readonly resource: SecretStore;

  constructor(scope: Construct, id: string, props: TenantSecretStoreProps) {
    super(scope, id);
    this.resource = new SecretStore(this, 'Resource', {
      metadata: { name: TENANT_OBJECTS.secretStore, namespace: props.namespace, labels: tenantLabels(props.tenant) },
      spec: {
        provider: {
          aws: {
            service: SecretStoreSpecProviderAwsService.SECRETS_MANAGER,
            region: props.region,
            role: props.roleArn,
            sessionTags: [{ key: TENANT_SESSION_TAG, value: props.tenant }],
            prefix: props.prefix,
          },
        },
      },
    });
  }
}
