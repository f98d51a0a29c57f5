import { describe, expect, it } from 'vitest';
import { KeycloakRealmSync } from '../../../charts/platform/constructs/keycloak-realm-sync';
import { only, synth } from '../../helpers';

describe('KeycloakRealmSync', () => {
  const job = only(
    synth(
      (c) =>
        new KeycloakRealmSync(c, 's', {
          image: { registry: 'r.test', repository: 'kcc', tag: '1' },
          adminSecret: 'keycloak-admin',
          clientSecrets: 'keycloak-client-secrets',
        }),
    ),
    'Job',
  );

  it('runs after every sync and replaces its previous run', () => {
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'PostSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
  });

  it('applies the realm ConfigMap, adding groups and never deleting them, with the admin credentials from the Secret', () => {
    const c = job.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.IMPORT_MANAGED_GROUP).toBe('no-delete');
    expect(env.KEYCLOAK_PASSWORD).toEqual({ secretKeyRef: { name: 'keycloak-admin', key: 'password' } });
    expect(env.KEYCLOAK_URL).toBe('http://keycloak-http.keycloak.svc.cluster.local:80');
    expect(job.spec.template.spec.volumes[0]).toEqual({ name: 'realm', configMap: { name: 'keycloak-realm-agents' } });
  });

  // keycloak-config-cli v6.5.0 src/main/resources/application.properties: import.var-substitution
  // (off by default), prefix $( and suffix ), and an undefined variable is an error.
  it('applies the sync file, filling the client secrets from the Secret (variable substitution on)', () => {
    const c = job.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.IMPORT_FILES_LOCATIONS).toBe('/config/agents-realm-sync.json');
    expect(env.IMPORT_VARSUBSTITUTION_ENABLED).toBe('true');
    expect(env.LANGFUSE_CLIENT_SECRET).toEqual({
      secretKeyRef: { name: 'keycloak-client-secrets', key: 'langfuseClientSecret' },
    });
    expect(env.GRAFANA_CLIENT_SECRET).toEqual({
      secretKeyRef: { name: 'keycloak-client-secrets', key: 'grafanaClientSecret' },
    });
    expect(env.ACCESS_SYNC_CLIENT_SECRET).toEqual({
      secretKeyRef: { name: 'keycloak-client-secrets', key: 'accessSyncClientSecret' },
    });
  });

  it('runs hardened on platform nodes', () => {
    const pod = job.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'node-role': 'platform' });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('may reach only DNS and Keycloak', () => {
    const objects = synth(
      (c) =>
        new KeycloakRealmSync(c, 's', {
          image: { registry: 'r.test', repository: 'kcc', tag: '1' },
          adminSecret: 'keycloak-admin',
          clientSecrets: 'keycloak-client-secrets',
        }),
    );
    const np = only(objects, 'NetworkPolicy');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'batch.kubernetes.io/job-name': 'keycloak-realm-sync' } });
    expect(np.spec.policyTypes).toContain('Ingress');
    expect(
      np.spec,
      'no ingress rule: all ingress denied (an empty list would be dropped by the API server)',
    ).not.toHaveProperty('ingress');
    expect(np.spec.egress[1]).toEqual({
      to: [{ podSelector: {} }],
      ports: [
        { protocol: 'TCP', port: 8080 },
        { protocol: 'TCP', port: 15008 },
      ],
    });
    expect(job.spec.template.metadata.labels['batch.kubernetes.io/job-name']).toBe('keycloak-realm-sync');
  });
});
