import { describe, expect, it } from 'vitest';
import { backendKeySecret, TenantLlmKey } from '../../charts/constructs/tenant-llm-key';
import { allKeys, only, synth } from '../helpers';

describe('TenantLlmKey', () => {
  const objects = synth(
    (c) =>
      new TenantLlmKey(c, 'k', { tenant: 'beta', namespace: 'tenant-beta', backend: 'openai', entry: 'openai-prod' }),
  );
  const es = only(objects, 'ExternalSecret');

  it('is the only object: an ExternalSecret <backend>-api-key in the tenant namespace', () => {
    expect(objects).toHaveLength(1);
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata).toEqual({
      name: 'openai-api-key',
      namespace: 'tenant-beta',
      labels: {
        'app.kubernetes.io/managed-by': 'agentic-platform',
        'app.kubernetes.io/part-of': 'agentic-platform',
        'platform.agentic.io/tenant-name': 'beta',
      },
    });
  });

  it('reads the entry through the tenant SecretStore (never a ClusterSecretStore) into an Authorization key', () => {
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'SecretStore', name: 'tenant-secrets' },
      target: {
        name: 'openai-api-key',
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
        template: { engineVersion: 'v2', data: { Authorization: '{{ .apiKey }}' } },
      },
      data: [{ secretKey: 'apiKey', remoteRef: { key: 'openai-prod' } }],
    });
    expect(JSON.stringify(es)).not.toContain('ClusterSecretStore');
  });

  it('holds no secret value: no Secret, no stringData, and data only names the remote entry', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(allKeys(es).has('stringData')).toBe(false);
    expect(es.data).toBeUndefined();
    expect(JSON.stringify(objects)).not.toMatch(/"stringData"|"kind":"Secret"/);
    expect(es.spec.data).toEqual([{ secretKey: 'apiKey', remoteRef: { key: 'openai-prod' } }]);
  });

  it('takes another refresh interval when given', () => {
    const other = only(
      synth(
        (c) =>
          new TenantLlmKey(c, 'k', {
            tenant: 'beta',
            namespace: 'tenant-beta',
            backend: 'x',
            entry: 'y',
            refreshInterval: '15m',
          }),
      ),
      'ExternalSecret',
    );
    expect(other.spec.refreshInterval).toBe('15m');
  });

  it('names the Secret <backend>-api-key', () => {
    expect(backendKeySecret('my-claude')).toBe('my-claude-api-key');
  });
});
