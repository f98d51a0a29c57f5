import { stringify } from 'yaml';
import { z } from 'zod';
import { CHART_SERVICES, KEYCLOAK_FULLNAME, RELEASES } from '../../lib/chart-names';
import { KEYCLOAK, PLATFORM_NAMESPACES } from '../../lib/constants';
import type { PlatformComponent } from '../component';
import { MAX_UNAVAILABLE } from '../constructs/disruption-budget';
import { PlatformExternalSecret } from '../constructs/external-secret';
import { KeycloakRealm, REALM_FILE } from '../constructs/keycloak-realm';
import { KeycloakRealmSync } from '../constructs/keycloak-realm-sync';
import { placementFields } from '../values';
import { OBSERVABILITY_SECRET_PROPERTIES, observabilitySecretName } from '../../config/infra-outputs';
import { GatewayReferenceGrant } from '../constructs/gateway-reference-grant';
import { externalHosts } from '../../config/routes';

const ns = PLATFORM_NAMESPACES.keycloak;

export const KEYCLOAK_SECRETS = {
  admin: 'keycloak-admin',
  database: 'keycloak-database',
  clients: 'keycloak-client-secrets',
} as const;

const keycloakValues = z.strictObject({
  ...placementFields,
  // Names every object the chart creates (its Services among them): charts/lib/chart-names.ts.
  fullnameOverride: z.literal(KEYCLOAK_FULLNAME),
  image: z.strictObject({ repository: z.string(), tag: z.string() }),
  replicas: z.int(),
  // keycloakx 7.1.8 templates/poddisruptionbudget.yaml: a budget when set.
  podDisruptionBudget: z.strictObject({ maxUnavailable: z.int() }).optional(),
  command: z.array(z.string()),
  args: z.array(z.string()),
  http: z.strictObject({ relativePath: z.string() }),
  proxy: z.strictObject({ enabled: z.literal(true), mode: z.literal('xforwarded') }),
  database: z.strictObject({
    vendor: z.literal('postgres'),
    hostname: z.string(),
    port: z.int(),
    database: z.string(),
    username: z.string(),
    existingSecret: z.string(),
    existingSecretKey: z.string(),
  }),
  // keycloakx takes these as YAML strings (Helm templates).
  extraEnv: z.string(),
  extraVolumes: z.string(),
  extraVolumeMounts: z.string(),
  podSecurityContext: z.record(z.string(), z.unknown()),
  securityContext: z.record(z.string(), z.unknown()),
});

/** keycloakx appends these strings to its own lists with tpl: they must be block-style YAML. */
const yamlList = (items: readonly Record<string, unknown>[]) => stringify(items);

export const keycloak: PlatformComponent = {
  name: RELEASES.keycloak,
  component: 'keycloak',
  namespace: ns,
  description:
    'Keycloak on the external PostgreSQL: realm `agents`, the gateway client, the tenant claim and one group per tenant.',
  dependsOn: ['namespaces', 'external-secrets', 'ztunnel'],
  upstream: {
    name: 'keycloak',
    valuesSchema: keycloakValues,
    values: (ctx) => ({
      fullnameOverride: KEYCLOAK_FULLNAME,
      // The version keycloak-config-cli's image is built for (its tag's suffix).
      image: {
        repository: `${ctx.env.platform.images.keycloak.registry}/${ctx.env.platform.images.keycloak.repository}`,
        tag: ctx.env.platform.images.keycloak.tag,
      },
      replicas: ctx.env.platform.replicas.keycloak,
      ...(ctx.env.platform.replicas.keycloak > 1 ? { podDisruptionBudget: { maxUnavailable: MAX_UNAVAILABLE } } : {}),
      command: ['/opt/keycloak/bin/kc.sh'],
      args: ['start', '--import-realm'],
      http: { relativePath: '/' },
      // Behind the gateway: trust X-Forwarded-* (the chart sets KC_PROXY_HEADERS and KC_HTTP_ENABLED).
      proxy: { enabled: true, mode: 'xforwarded' },
      database: {
        vendor: 'postgres',
        hostname: ctx.infra.postgres.host,
        port: ctx.infra.postgres.port,
        database: ctx.infra.postgres.keycloakDatabase,
        username: 'keycloak',
        existingSecret: KEYCLOAK_SECRETS.database,
        existingSecretKey: 'password',
      },
      extraEnv: yamlList([
        { name: 'KC_HOSTNAME', value: `https://${externalHosts(ctx.env.platform.domain).keycloak}` },
        { name: 'KC_DB_URL_PROPERTIES', value: '?sslmode=require' },
        {
          name: 'KC_BOOTSTRAP_ADMIN_USERNAME',
          valueFrom: { secretKeyRef: { name: KEYCLOAK_SECRETS.admin, key: 'username' } },
        },
        {
          name: 'KC_BOOTSTRAP_ADMIN_PASSWORD',
          valueFrom: { secretKeyRef: { name: KEYCLOAK_SECRETS.admin, key: 'password' } },
        },
      ]),
      extraVolumes: yamlList([{ name: 'realm', configMap: { name: `keycloak-realm-${KEYCLOAK.realm}` } }]),
      extraVolumeMounts: yamlList([
        { name: 'realm', mountPath: `/opt/keycloak/data/import/${REALM_FILE}`, subPath: REALM_FILE, readOnly: true },
      ]),
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    }),
    placements: [{ path: '', placement: 'platform' }],
  },
  manifests: (scope, ctx) => {
    new PlatformExternalSecret(scope, 'Admin', {
      namespace: ns,
      name: KEYCLOAK_SECRETS.admin,
      component: 'keycloak',
      remoteKey: ctx.infra.secrets.keycloakAdmin,
      properties: ['username', 'password'],
    });
    new PlatformExternalSecret(scope, 'Database', {
      namespace: ns,
      name: KEYCLOAK_SECRETS.database,
      component: 'keycloak',
      remoteKey: ctx.infra.secrets.keycloakDatabase,
      properties: ['username', 'password'],
    });
    new KeycloakRealm(scope, 'Realm', { tenants: ctx.tenants, domain: ctx.env.platform.domain });
    // The secrets of the observability clients (Langfuse and Grafana sign-on, the access sync).
    new PlatformExternalSecret(scope, 'ClientSecrets', {
      namespace: ns,
      name: KEYCLOAK_SECRETS.clients,
      component: 'keycloak',
      remoteKey: observabilitySecretName(ctx.env.name, 'observabilityClients'),
      properties: OBSERVABILITY_SECRET_PROPERTIES.observabilityClients,
    });
    new KeycloakRealmSync(scope, 'RealmSync', {
      image: ctx.env.platform.images.keycloakConfigCli,
      adminSecret: KEYCLOAK_SECRETS.admin,
      clientSecrets: KEYCLOAK_SECRETS.clients,
    });
    // The gateway's JWT policy fetches the realm's keys from this Service.
    new GatewayReferenceGrant(scope, 'KeycloakGrant', {
      namespace: ns,
      service: CHART_SERVICES.keycloak.name,
      component: 'keycloak',
    });
  },
};
