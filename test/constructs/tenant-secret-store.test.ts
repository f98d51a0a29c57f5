import { describe, expect, it } from 'vitest';
import { TenantSecretStore } from '../../charts/constructs/tenant-secret-store';
import { tenantSecretPrefix } from '../../charts/config/infra-outputs';
import { only, sampleInfra, synth } from '../helpers';

describe('TenantSecretStore', () => {
  const infra = sampleInfra('staging');
  const objects = synth(
    (c) =>
      new TenantSecretStore(c, 's', {
        tenant: 'beta',
        namespace: 'tenant-beta',
        region: 'eu-central-1',
        roleArn: infra.roles.tenantSecrets,
        prefix: tenantSecretPrefix('staging', 'beta'),
      }),
  );
  const store = only(objects, 'SecretStore');

  it('is a namespaced SecretStore tenant-secrets in the tenant namespace, not a ClusterSecretStore', () => {
    expect(objects).toHaveLength(1);
    expect(store.apiVersion).toBe('external-secrets.io/v1');
    expect(store.metadata).toEqual({
      name: 'tenant-secrets',
      namespace: 'tenant-beta',
      labels: {
        'app.kubernetes.io/managed-by': 'agentic-platform',
        'app.kubernetes.io/part-of': 'agentic-platform',
        'platform.agentic.io/tenant-name': 'beta',
      },
    });
  });

  it('reads AWS Secrets Manager below the tenant prefix with the tenant-secrets role, tagged with the tenant', () => {
    expect(store.spec).toEqual({
      provider: {
        aws: {
          service: 'SecretsManager',
          region: 'eu-central-1',
          role: 'arn:aws:iam::210987654321:role/staging-tenant-secrets',
          sessionTags: [{ key: 'tenant', value: 'beta' }],
          prefix: 'agentic-platform/staging/tenants/beta/',
        },
      },
    });
  });
});
