import { describe, expect, it } from 'vitest';
import { AccessSync, AccessSyncState } from '../../../charts/platform/constructs/access-sync';
import { ACCESS_SYNC_SCRIPT } from '../../../charts/platform/observability/access-sync-script';
import { only, synth } from '../../helpers';

describe('AccessSync', () => {
  const objects = synth((c) => {
    for (const tenant of ['beta', 'alpha'])
      new AccessSyncState(c, `state-${tenant}`, {
        target: 'langfuse',
        namespace: 'langfuse',
        component: 'langfuse',
        tenant,
        state: { tenant },
      });
    return new AccessSync(c, 's', {
      target: 'langfuse',
      namespace: 'langfuse',
      component: 'langfuse',
      image: { registry: 'r.test', repository: 'node', tag: '22' },
      tenants: ['beta', 'alpha'],
      keys: [{ tenant: 'alpha', secret: 'langfuse-tenant-alpha' }],
      keycloakSecretEntry: 'agentic-platform/dev/observability/observability-clients',
      application: { pods: { app: 'web' }, port: 3000 },
      env: [{ name: 'LANGFUSE_URL', value: 'http://web' }],
    });
  });
  const cron = only(objects, 'CronJob');
  const pod = cron.spec.jobTemplate.spec.template.spec;

  it('runs the shipped program for its target every five minutes, one run at a time', () => {
    expect(cron.spec).toMatchObject({ schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid' });
    expect(pod.containers[0].command).toEqual(['node', '/sync/access-sync.mjs', 'langfuse']);
    expect(
      objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'langfuse-access-sync')!.data[
        'access-sync.mjs'
      ],
    ).toBe(ACCESS_SYNC_SCRIPT);
  });

  it("writes each tenant's state into its own ConfigMap, labelled with the tenant", () => {
    const state = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'langfuse-tenant-alpha')!;
    expect(JSON.parse(state.data['tenant.json'])).toEqual({ tenant: 'alpha' });
    expect(state.metadata.labels['platform.agentic.io/observability-tenant']).toBe('alpha');
  });

  it("mounts each tenant's state as <tenant>.json and each key as <tenant>.publicKey/secretKey, a missing key being no error", () => {
    const volume = (name: string) => pod.volumes.find((v: any) => v.name === name);
    expect(volume('state').projected.sources).toEqual([
      { configMap: { name: 'langfuse-tenant-alpha', items: [{ key: 'tenant.json', path: 'alpha.json' }] } },
      { configMap: { name: 'langfuse-tenant-beta', items: [{ key: 'tenant.json', path: 'beta.json' }] } },
    ]);
    expect(volume('keys').projected.sources).toEqual([
      {
        secret: {
          name: 'langfuse-tenant-alpha',
          optional: true,
          items: [
            { key: 'publicKey', path: 'alpha.publicKey' },
            { key: 'secretKey', path: 'alpha.secretKey' },
          ],
        },
      },
    ]);
  });

  it('reaches only DNS, Keycloak and its application, carries no Kubernetes token and runs hardened', () => {
    const np = only(objects, 'NetworkPolicy');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'platform.agentic.io/access-sync': 'langfuse' } });
    expect(np.spec).not.toHaveProperty('ingress');
    expect(np.spec.egress.slice(1)).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keycloak' } } }],
        ports: [
          { protocol: 'TCP', port: 8080 },
          { protocol: 'TCP', port: 15008 },
        ],
      },
      {
        to: [{ podSelector: { matchLabels: { app: 'web' } } }],
        ports: [
          { protocol: 'TCP', port: 3000 },
          { protocol: 'TCP', port: 15008 },
        ],
      },
    ]);
    expect(cron.spec.jobTemplate.spec.template.metadata.labels['platform.agentic.io/access-sync']).toBe('langfuse');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('reads the Keycloak client secret from its Secret and names the operators group', () => {
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      KEYCLOAK_CLIENT_ID: 'observability-access-sync',
      KEYCLOAK_REALM: 'agents',
      OPERATORS_GROUP: '/platform-operators',
      STATE_DIR: '/state',
      KEYS_DIR: '/keys',
    });
    expect(env.KEYCLOAK_CLIENT_SECRET).toEqual({
      secretKeyRef: { name: 'langfuse-access-sync-keycloak', key: 'clientSecret' },
    });
    const es = only(objects, 'ExternalSecret');
    expect(es.metadata.name).toBe('langfuse-access-sync-keycloak');
    expect(es.spec.data).toEqual([
      {
        secretKey: 'accessSyncClientSecret',
        remoteRef: {
          key: 'agentic-platform/dev/observability/observability-clients',
          property: 'accessSyncClientSecret',
        },
      },
    ]);
  });
});
