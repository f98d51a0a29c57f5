import { z } from 'zod';
import {
  LANGFUSE_PROJECT_KEY_PROPERTIES,
  langfuseProjectSecretName,
  type ObservabilitySecretKey,
  observabilitySecretName,
} from '../../config/infra-outputs';
import type { Tenant } from '../../config/load-tenants';
import {
  CHART_SERVICE_ACCOUNTS,
  CHART_SERVICES,
  LANGFUSE_WEB_POD_LABELS,
  LANGFUSE_WORKER_POD_LABELS,
  RELEASES,
} from '../../lib/chart-names';
import {
  KEYCLOAK,
  langfuseProjectName,
  OBSERVABILITY,
  PLATFORM_NAMESPACES,
  tenantNamespace,
} from '../../lib/constants';
import { uiHosts } from '../../config/routes';
import { keycloakIssuer } from '../constructs/gateway-jwt-policy';
import type { PlatformComponent, PlatformContext } from '../component';
import { AccessSync, AccessSyncState } from '../constructs/access-sync';
import { DisruptionBudget } from '../constructs/disruption-budget';
import { PlatformExternalSecret } from '../constructs/external-secret';
import { placementFields, resources, secretKeyRef } from '../values';

const ns = PLATFORM_NAMESPACES.langfuse;

/** Secrets of the langfuse namespace, filled from AWS Secrets Manager. */
export const LANGFUSE_SECRETS = {
  database: 'langfuse-database',
  redis: 'langfuse-redis',
  clickhouse: 'langfuse-clickhouse',
  auth: 'langfuse-auth',
  apiKeys: 'langfuse-api-keys',
  /** ADMIN_API_KEY (the access sync's admin API calls). */
  admin: 'langfuse-admin',
  /** The Enterprise licence: the admin API and project roles need it. */
  license: 'langfuse-license',
  /** Client secret of Langfuse's Keycloak client (sign-on). */
  sso: 'langfuse-sso',
} as const;

/** Per-tenant Secret with the tenant's project key, which the access sync registers in Langfuse. */
export function langfuseTenantKey(tenant: string): string {
  return `langfuse-${tenantNamespace(tenant)}`;
}

/** Service account of Langfuse's web and worker pods, bound to the S3 role (IRSA; cluster/terraform trusts it). */
export const LANGFUSE_SERVICE_ACCOUNT = CHART_SERVICE_ACCOUNTS.langfuse.name;

const hboneIngress = z.strictObject({ ports: z.array(z.strictObject({ port: z.int(), protocol: z.literal('TCP') })) });
/** ztunnel delivers mesh traffic on 15008 (HBONE): the chart's NetworkPolicies must admit it. */
const HBONE_INGRESS = [{ ports: [{ port: 15008, protocol: 'TCP' as const }] }];

/**
 * Bitnami moved its versioned Debian images to the bitnamilegacy repository; the chart's own
 * tags are kept there. The chart refuses a repository other than its own unless told.
 */
const BITNAMI_LEGACY = 'bitnamilegacy';

/** A spread of a component's pods over the availability zones (clickhouse 9.4.3 topologySpreadConstraints). */
const zoneSpread = z.strictObject({
  maxSkew: z.literal(1),
  topologyKey: z.literal('topology.kubernetes.io/zone'),
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
  labelSelector: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
});

/** Langfuse's environment besides the chart's: SSO and admin API secrets, the initial organisation and project. */
function langfuseEnv(ctx: PlatformContext) {
  const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });
  return [
    { name: 'AUTH_KEYCLOAK_CLIENT_SECRET', valueFrom: ref(LANGFUSE_SECRETS.sso, 'clientSecret') },
    { name: 'ADMIN_API_KEY', valueFrom: ref(LANGFUSE_SECRETS.admin, 'adminApiKey') },
    { name: 'LANGFUSE_INIT_ORG_ID', value: OBSERVABILITY.langfuseOrg },
    { name: 'LANGFUSE_INIT_ORG_NAME', value: 'Agentic Platform' },
    { name: 'LANGFUSE_INIT_PROJECT_ID', value: OBSERVABILITY.platformProject },
    { name: 'LANGFUSE_INIT_PROJECT_NAME', value: 'Platform' },
    { name: 'LANGFUSE_INIT_PROJECT_PUBLIC_KEY', valueFrom: ref(LANGFUSE_SECRETS.apiKeys, 'publicKey') },
    { name: 'LANGFUSE_INIT_PROJECT_SECRET_KEY', valueFrom: ref(LANGFUSE_SECRETS.apiKeys, 'secretKey') },
    { name: 'LANGFUSE_INIT_USER_EMAIL', value: `admin@${ctx.env.platform.domain}` },
    { name: 'LANGFUSE_INIT_USER_NAME', value: 'Platform admin' },
    { name: 'LANGFUSE_INIT_USER_PASSWORD', valueFrom: ref(LANGFUSE_SECRETS.auth, 'adminPassword') },
  ];
}

/**
 * Labels of the chart's ClickHouse and Keeper pods (clickhouse 9.4.3 templates/_helpers.tpl, common.labels.matchLabels
 * plus the component).
 */
const clickhousePods = (component: 'clickhouse' | 'keeper') => ({
  'app.kubernetes.io/name': 'clickhouse',
  'app.kubernetes.io/instance': RELEASES.clickhouse,
  'app.kubernetes.io/component': component,
});

const clickhouseValues = z.strictObject({
  ...placementFields,
  topologySpreadConstraints: z.array(zoneSpread),
  global: z.strictObject({ security: z.strictObject({ allowInsecureImages: z.literal(true) }) }),
  image: z.strictObject({ repository: z.string() }),
  shards: z.int(),
  replicaCount: z.int(),
  auth: z.strictObject({ username: z.string(), existingSecret: z.string(), existingSecretKey: z.string() }),
  persistence: z.strictObject({ size: z.string(), storageClass: z.string() }),
  keeper: z.strictObject({
    enabled: z.boolean(),
    replicaCount: z.int(),
    image: z.strictObject({ repository: z.string() }),
    networkPolicy: z.strictObject({ extraIngress: z.array(hboneIngress) }),
    topologySpreadConstraints: z.array(zoneSpread),
    ...placementFields,
  }),
  resources,
  networkPolicy: z.strictObject({ enabled: z.boolean(), extraIngress: z.array(hboneIngress) }),
});

export const clickhouse: PlatformComponent = {
  name: RELEASES.clickhouse,
  component: 'langfuse',
  namespace: ns,
  description: 'ClickHouse for Langfuse traces (in-cluster, on gp3 volumes).',
  dependsOn: ['namespaces', 'external-secrets', 'storage', 'ztunnel'],
  upstream: {
    name: 'clickhouse',
    valuesSchema: clickhouseValues,
    values: (ctx) => ({
      global: { security: { allowInsecureImages: true } },
      image: { repository: `${BITNAMI_LEGACY}/clickhouse` },
      shards: 1,
      replicaCount: ctx.env.platform.replicas.clickhouse,
      auth: { username: 'default', existingSecret: LANGFUSE_SECRETS.clickhouse, existingSecretKey: 'password' },
      persistence: { size: ctx.env.platform.storage.clickhouse, storageClass: 'gp3' },
      // Replicated ClickHouse needs Keeper; a single replica runs without it (and Langfuse then
      // runs its migrations without ON CLUSTER, see clusterEnabled below).
      // Replicas and Keepers in different zones: a zone outage leaves a replica and a Keeper quorum.
      // The Keepers must spread (a quorum of three in two zones dies with the zone of two); a
      // replica may share a zone while the third zone has no room (its volume then keeps it there).
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: clickhousePods('clickhouse') },
        },
      ],
      keeper: {
        enabled: ctx.env.platform.replicas.clickhouse > 1,
        replicaCount: 3,
        image: { repository: `${BITNAMI_LEGACY}/clickhouse-keeper` },
        networkPolicy: { extraIngress: HBONE_INGRESS },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: clickhousePods('keeper') },
          },
        ],
      },
      resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
      networkPolicy: { enabled: true, extraIngress: HBONE_INGRESS },
    }),
    placements: [
      { path: '', placement: 'platform' },
      { path: 'keeper', placement: 'platform' },
    ],
  },
  manifests: (scope, ctx) => {
    new PlatformExternalSecret(scope, 'ClickHouse', {
      namespace: ns,
      name: LANGFUSE_SECRETS.clickhouse,
      component: 'langfuse',
      remoteKey: ctx.infra.secrets.clickhouse,
      properties: ['password'],
    });
  },
};

const secretRef = z.strictObject({ secretKeyRef });
const langfuseValues = z.strictObject({
  langfuse: z.strictObject({
    ...placementFields,
    licenseKey: secretRef,
    features: z.strictObject({ signUpDisabled: z.literal(true) }),
    auth: z.strictObject({
      disableUsernamePassword: z.literal(false),
      providers: z.strictObject({
        keycloak: z.strictObject({ clientId: z.string(), issuer: z.string(), allowAccountLinking: z.literal('true') }),
      }),
    }),
    salt: secretRef,
    encryptionKey: secretRef,
    nextauth: z.strictObject({ url: z.string(), secret: secretRef }),
    web: z.strictObject({ replicas: z.int(), resources }),
    worker: z.strictObject({ replicas: z.int(), resources }),
    serviceAccount: z.strictObject({
      create: z.boolean(),
      name: z.string(),
      annotations: z.record(z.string(), z.string()),
    }),
    additionalEnv: z.array(
      z.strictObject({
        name: z.string(),
        value: z.string().optional(),
        valueFrom: z.strictObject({ secretKeyRef }).optional(),
      }),
    ),
  }),
  postgresql: z.strictObject({
    deploy: z.literal(false),
    host: z.string(),
    port: z.int(),
    auth: z.strictObject({
      username: z.string(),
      database: z.string(),
      existingSecret: z.string(),
      secretKeys: z.strictObject({ userPasswordKey: z.string() }),
    }),
  }),
  redis: z.strictObject({
    deploy: z.literal(false),
    host: z.string(),
    port: z.int(),
    tls: z.strictObject({ enabled: z.literal(true) }),
    auth: z.strictObject({ existingSecret: z.string(), existingSecretPasswordKey: z.string() }),
  }),
  clickhouse: z.strictObject({
    deploy: z.literal(false),
    clusterEnabled: z.boolean(),
    host: z.string(),
    httpPort: z.int(),
    nativePort: z.int(),
    auth: z.strictObject({ username: z.string(), existingSecret: z.string(), existingSecretKey: z.string() }),
  }),
  s3: z.strictObject({
    deploy: z.literal(false),
    bucket: z.string(),
    region: z.string(),
    forcePathStyle: z.boolean(),
    eventUpload: z.strictObject({ prefix: z.string() }),
    mediaUpload: z.strictObject({ prefix: z.string() }),
    batchExport: z.strictObject({ prefix: z.string() }),
  }),
});

export const langfuse: PlatformComponent = {
  name: RELEASES.langfuse,
  component: 'langfuse',
  namespace: ns,
  description: 'Langfuse (web and worker) on the external PostgreSQL, Redis and S3 from cluster/outputs.',
  dependsOn: ['clickhouse'],
  upstream: {
    name: 'langfuse',
    valuesSchema: langfuseValues,
    values: (ctx) => {
      const res = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
      const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });
      return {
        langfuse: {
          salt: ref(LANGFUSE_SECRETS.auth, 'salt'),
          encryptionKey: ref(LANGFUSE_SECRETS.auth, 'encryptionKey'),
          nextauth: {
            url: `https://${uiHosts(ctx.env.platform.domain).langfuse}`,
            secret: ref(LANGFUSE_SECRETS.auth, 'nextauthSecret'),
          },
          web: { replicas: ctx.env.platform.replicas.langfuseWeb, resources: res },
          worker: { replicas: ctx.env.platform.replicas.langfuseWorker, resources: res },
          serviceAccount: {
            create: true,
            name: LANGFUSE_SERVICE_ACCOUNT,
            annotations: { 'eks.amazonaws.com/role-arn': ctx.infra.roles.langfuse },
          },
          // Enterprise: the admin API (projects, keys, memberships) and project roles, which the
          // access sync needs (langfuse v3.150.0 web/src/features/entitlements/constants/entitlements.ts:
          // neither is in the oss plan).
          licenseKey: ref(LANGFUSE_SECRETS.license, 'licenseKey'),
          // Nobody signs up: the access sync creates exactly the people who may see a project
          // (SCIM), and they sign in with Keycloak, linked by their e-mail address (the realm has no
          // self-registration; web/src/server/auth.ts createUser refuses when sign-up is disabled).
          features: { signUpDisabled: true },
          // Password sign-in stays for the initial admin only (break-glass): sign-up is off and the
          // users the access sync creates have no password.
          auth: {
            disableUsernamePassword: false,
            providers: {
              keycloak: {
                clientId: OBSERVABILITY.langfuseClient,
                issuer: keycloakIssuer(ctx.env.platform.domain),
                allowAccountLinking: 'true',
              },
            },
          },
          // The platform organisation and project whose keys the collector sends platform traces
          // with; tenant projects are created in the same organisation by the access sync.
          additionalEnv: langfuseEnv(ctx),
        },
        postgresql: {
          deploy: false,
          host: ctx.infra.postgres.host,
          port: ctx.infra.postgres.port,
          auth: {
            username: 'langfuse',
            database: ctx.infra.postgres.langfuseDatabase,
            existingSecret: LANGFUSE_SECRETS.database,
            secretKeys: { userPasswordKey: 'password' },
          },
        },
        redis: {
          deploy: false,
          host: ctx.infra.redis.host,
          port: ctx.infra.redis.port,
          tls: { enabled: true },
          auth: { existingSecret: LANGFUSE_SECRETS.redis, existingSecretPasswordKey: 'password' },
        },
        clickhouse: {
          deploy: false,
          clusterEnabled: ctx.env.platform.replicas.clickhouse > 1,
          host: `${CHART_SERVICES.clickhouseHttp.name}.${ns}.svc.cluster.local`,
          httpPort: CHART_SERVICES.clickhouseHttp.port,
          nativePort: CHART_SERVICES.clickhouseNative.port,
          auth: { username: 'default', existingSecret: LANGFUSE_SECRETS.clickhouse, existingSecretKey: 'password' },
        },
        s3: {
          deploy: false,
          bucket: ctx.infra.s3.bucket,
          region: ctx.infra.s3.region,
          forcePathStyle: false,
          eventUpload: { prefix: 'events/' },
          mediaUpload: { prefix: 'media/' },
          batchExport: { prefix: 'exports/' },
        },
      };
    },
    placements: [{ path: 'langfuse', placement: 'platform' }],
  },
  manifests: (scope, ctx) => {
    const s = ctx.infra.secrets;
    const secret = (id: string, name: string, remoteKey: string, properties: string[]) =>
      new PlatformExternalSecret(scope, id, { namespace: ns, name, component: 'langfuse', remoteKey, properties });
    // The chart has no budgets of its own (langfuse 1.5.19 templates).
    const replicas = ctx.env.platform.replicas;
    new DisruptionBudget(scope, 'WebBudget', {
      namespace: ns,
      name: `${RELEASES.langfuse}-web`,
      component: 'langfuse',
      selector: LANGFUSE_WEB_POD_LABELS,
      replicas: replicas.langfuseWeb,
    });
    new DisruptionBudget(scope, 'WorkerBudget', {
      namespace: ns,
      name: `${RELEASES.langfuse}-worker`,
      component: 'langfuse',
      selector: LANGFUSE_WORKER_POD_LABELS,
      replicas: replicas.langfuseWorker,
    });
    secret('Database', LANGFUSE_SECRETS.database, s.langfuseDatabase, ['username', 'password']);
    secret('Redis', LANGFUSE_SECRETS.redis, s.redisAuth, ['password']);
    secret('Auth', LANGFUSE_SECRETS.auth, s.langfuseAuth, ['nextauthSecret', 'salt', 'encryptionKey', 'adminPassword']);
    secret('ApiKeys', LANGFUSE_SECRETS.apiKeys, s.langfuseApiKeys, ['publicKey', 'secretKey']);
    const o = (key: ObservabilitySecretKey) => observabilitySecretName(ctx.env.name, key);
    secret('Admin', LANGFUSE_SECRETS.admin, o('langfuseAdmin'), ['adminApiKey']);
    secret('License', LANGFUSE_SECRETS.license, o('langfuseLicense'), ['licenseKey']);
    new PlatformExternalSecret(scope, 'Sso', {
      namespace: ns,
      name: LANGFUSE_SECRETS.sso,
      component: 'langfuse',
      remoteKey: o('observabilityClients'),
      properties: ['langfuseClientSecret'],
      template: { clientSecret: '{{ .langfuseClientSecret }}' },
    });
    const tenants = ctx.tenants.map((t) => t.name).sort((a, b) => a.localeCompare(b));
    new AccessSync(scope, 'AccessSync', {
      target: 'langfuse',
      namespace: ns,
      component: 'langfuse',
      image: ctx.env.platform.images.accessSync,
      tenants,
      keys: tenants.map((t) => ({ tenant: t, secret: langfuseTenantKey(t) })),
      keycloakSecretEntry: o('observabilityClients'),
      application: { pods: LANGFUSE_WEB_POD_LABELS, port: CHART_SERVICES.langfuseWeb.podPort },
      env: [
        {
          name: 'LANGFUSE_URL',
          value: `http://${CHART_SERVICES.langfuseWeb.name}.${ns}.svc.cluster.local:${CHART_SERVICES.langfuseWeb.port}`,
        },
        { name: 'LANGFUSE_ORG_ID', value: OBSERVABILITY.langfuseOrg },
        {
          name: 'LANGFUSE_ADMIN_API_KEY',
          valueFrom: { secretKeyRef: { name: LANGFUSE_SECRETS.admin, key: 'adminApiKey' } },
        },
      ],
    });
  },
  tenantManifests: (scope, { env, tenant }) => {
    new PlatformExternalSecret(scope, `Key-${tenant.name}`, {
      namespace: ns,
      name: langfuseTenantKey(tenant.name),
      component: 'langfuse',
      remoteKey: langfuseProjectSecretName(env.name, tenant.name),
      properties: LANGFUSE_PROJECT_KEY_PROPERTIES,
      labels: { [OBSERVABILITY.accessTenantLabel]: tenant.name },
    });
    new AccessSyncState(scope, `State-${tenant.name}`, {
      target: 'langfuse',
      namespace: ns,
      component: 'langfuse',
      tenant: tenant.name,
      state: langfuseTenantStateFile(tenant),
    });
  },
};

/** What the access sync needs to know of a tenant for Langfuse. */
export function langfuseTenantStateFile(t: Tenant): Record<string, unknown> {
  return {
    tenant: t.name,
    project: langfuseProjectName(t.name),
    group: `/${KEYCLOAK.tenantsGroup}/${t.name}`,
    viewers: [...t.observability.viewers],
  };
}
