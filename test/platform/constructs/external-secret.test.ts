import { describe, expect, it } from 'vitest';
import { PlatformExternalSecret } from '../../../charts/platform/constructs/external-secret';
import { only, synth } from '../../helpers';

describe('PlatformExternalSecret', () => {
  it('reads named properties of one AWS Secrets Manager entry through the platform store, with no value in git', () => {
    const es = only(
      synth(
        (c) =>
          new PlatformExternalSecret(c, 'x', {
            namespace: 'keycloak',
            name: 'keycloak-admin',
            component: 'keycloak',
            remoteKey: 'agentic-platform/dev/keycloak-admin',
            properties: ['username', 'password'],
          }),
      ),
      'ExternalSecret',
    );
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'aws-secrets-manager' });
    expect(es.spec.target).toEqual({ name: 'keycloak-admin', creationPolicy: 'Owner', deletionPolicy: 'Retain' });
    expect(es.spec.data).toEqual([
      { secretKey: 'username', remoteRef: { key: 'agentic-platform/dev/keycloak-admin', property: 'username' } },
      { secretKey: 'password', remoteRef: { key: 'agentic-platform/dev/keycloak-admin', property: 'password' } },
    ]);
    expect(es.spec.refreshInterval).toBe('1h');
  });

  it('templates the Secret keys when asked (an Authorization header from an API key)', () => {
    const es = only(
      synth(
        (c) =>
          new PlatformExternalSecret(c, 'x', {
            namespace: 'agentgateway-system',
            name: 'k',
            component: 'agentgateway',
            remoteKey: 'r',
            properties: ['apiKey'],
            template: { Authorization: '{{ .apiKey }}' },
          }),
      ),
      'ExternalSecret',
    );
    expect(es.spec.target.template).toEqual({ engineVersion: 'v2', data: { Authorization: '{{ .apiKey }}' } });
  });

  it('refuses an empty property list', () => {
    expect(() =>
      synth(
        (c) =>
          new PlatformExternalSecret(c, 'x', {
            namespace: 'n',
            name: 's',
            component: 'c',
            remoteKey: 'r',
            properties: [],
          }),
      ),
    ).toThrow('PlatformExternalSecret n/s: properties is empty; name at least one property of r');
  });
});
