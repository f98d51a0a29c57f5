/**
 * The Argo CD side of the generated repository (argocd/<env>/): the bootstrap, the AppProjects
 * and the ApplicationSets that sync dist/<env>/. Pure functions: they return objects keyed by
 * repository path and never touch the disk.
 *
 * Per tenant, three Applications, each in a project of its own:
 *  - namespace-<name> (project namespace-<name>): may create exactly one object, the Namespace
 *    tenant-<name> (cluster whitelist by name; no namespaced kind; no namespaced destination).
 *  - guardrails-<name> (project guardrails-<name>): the isolation layers. That project may
 *    deploy only those kinds, only into tenant-<name>.
 *  - the tenant's own workloads (project tenant-<name>): only namespace tenant-<name>, no
 *    cluster-scoped kinds and none of the platform-owned kinds.
 * A hand edit under dist/<env>/tenants/<name>/ can therefore never land outside tenant-<name>:
 * Argo CD checks every namespaced resource against the project's destinations and kinds, and
 * every cluster-scoped one against its cluster whitelist, names included. A folder without a
 * tenant in tenants.yaml has no projects, so its Applications cannot sync anything.
 */
import { AppProject, type AppProjectSpec } from '../../imports/argocd-appproject-argoproj.io';
import { Application, type ApplicationSpec } from '../../imports/argocd-application-argoproj.io';
import {
  ApplicationSet,
  type ApplicationSetSpec,
  type ApplicationSetSpecTemplate,
  type ApplicationSetSpecTemplateSpecSourceDirectory,
  ApplicationSetSpecSyncPolicyApplicationsSync,
} from '../../imports/argocd-applicationset-argoproj.io';
import type { Environment } from '../config/environment';
import type { Tenant } from '../config/load-tenants';
import { ANNOTATIONS, ARGO_NAMES, DIRS, LABELS, MANAGED_BY, tenantNamespace } from '../lib/constants';
import type { BuiltComponent } from '../platform/build';
import type { ManifestObject } from '../lib/manifest-object';
import { objectFileName } from '../lib/serialize';
import { COMPARE_OPTIONS, platformApplication, platformSourceRepos } from './platform-applications';

export type { ManifestObject } from '../lib/manifest-object';

type GroupKind = { group: string; kind: string };

/** Kinds the platform owns inside a tenant namespace (the isolation layers). */
export const GUARDRAIL_KINDS: readonly GroupKind[] = [
  { group: '', kind: 'ResourceQuota' },
  { group: '', kind: 'LimitRange' },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  { group: 'security.istio.io', kind: 'AuthorizationPolicy' },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway' },
  { group: 'agentgateway.dev', kind: 'AgentgatewayPolicy' },
  // Routing and keys of the tenant's declared objects: paths and callers are reviewed in
  // tenants.yaml, never changed by the tenant.
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
  { group: 'external-secrets.io', kind: 'SecretStore' },
  { group: 'external-secrets.io', kind: 'ExternalSecret' },
  // The tenant's quota alerts and where they go.
  { group: 'monitoring.coreos.com', kind: 'PrometheusRule' },
  { group: 'monitoring.coreos.com', kind: 'AlertmanagerConfig' },
];

/**
 * The tenant's sandbox router (charts/constructs/tenant-sandbox-router.ts), synced with the
 * guardrails of a tenant that asks for one: it decides which pods requests reach.
 */
export const SANDBOX_ROUTER_KINDS: readonly GroupKind[] = [
  { group: '', kind: 'ServiceAccount' },
  { group: 'apps', kind: 'Deployment' },
  { group: 'policy', kind: 'PodDisruptionBudget' },
  { group: '', kind: 'Service' },
];

/**
 * Platform-provided defaults in a tenant namespace, synced with the guardrails: the default
 * ModelConfig and its placeholder key Secret. Unlike the guardrails, the tenant may change them
 * (Argo CD restores them); they grant nothing.
 */
export const TENANT_DEFAULT_KINDS: readonly GroupKind[] = [
  { group: 'kagent.dev', kind: 'ModelConfig' },
  { group: '', kind: 'Secret' },
];

/**
 * The only kinds a tenant's own Application may deploy: what the tenant-agent-developer role lets
 * the tenant's developers manage themselves (an allow list: Argo CD's controller can create
 * anything, so the project is the limit). Everything else, from guardrails and RBAC to Ingress,
 * mesh, gateway or admission policy, is refused.
 */
export const TENANT_WORKLOAD_KINDS: readonly GroupKind[] = [
  { group: 'kagent.dev', kind: 'Agent' },
  { group: 'kagent.dev', kind: 'ModelConfig' },
  { group: 'kagent.dev', kind: 'RemoteMCPServer' },
  { group: 'kagent.dev', kind: 'MCPServer' },
  { group: 'agentgateway.dev', kind: 'AgentgatewayBackend' },
  { group: 'agents.x-k8s.io', kind: 'Sandbox' },
  { group: 'extensions.agents.x-k8s.io', kind: 'SandboxClaim' },
  { group: 'extensions.agents.x-k8s.io', kind: 'SandboxTemplate' },
  { group: '', kind: 'Secret' },
  { group: '', kind: 'ConfigMap' },
  { group: '', kind: 'Service' },
];

function metadata(
  name: string,
  env: Environment,
  extra: Partial<ManifestObject['metadata']> = {},
): ManifestObject['metadata'] {
  return {
    name,
    namespace: env.argocd.namespace,
    labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.partOf]: MANAGED_BY, ...extra.labels },
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  };
}

/**
 * Removing an ApplicationSet from git needs an explicit confirmation in Argo CD. That happens only
 * when the generator itself changes, never when a tenant is removed.
 */
const CONFIRM_PRUNE = { [ANNOTATIONS.argocdSyncOptions]: 'Prune=confirm' };

/**
 * AppProjects are pruned without confirmation: deleting one destroys nothing in the cluster (its
 * Applications stop syncing), and a pending confirmation would hold up the whole root sync.
 */
function project(name: string, env: Environment, spec: AppProjectSpec, tenant?: string): ManifestObject {
  return AppProject.manifest({
    metadata: metadata(name, env, { labels: tenant ? { [LABELS.tenantName]: tenant } : {} }),
    spec,
  }) as ManifestObject;
}

const dist = (env: Environment, ...rest: string[]) => [DIRS.dist, env.name, ...rest].join('/');

/** The AppProjects of one tenant: workloads, guardrails and namespace. */
export function tenantProjects(env: Environment, tenant: Tenant): ManifestObject[] {
  const ns = tenantNamespace(tenant.name);
  const destinations = [{ server: env.cluster.server, namespace: ns }];
  return [
    project(
      ARGO_NAMES.tenantProject(tenant.name),
      env,
      {
        description: `Workloads of tenant ${tenant.name}: namespace ${ns} only, no cluster-scoped kinds, only the kinds its developers may manage.`,
        sourceRepos: [env.argocd.repoURL],
        destinations,
        namespaceResourceWhitelist: TENANT_WORKLOAD_KINDS.map((k) => ({ ...k })),
      },
      tenant.name,
    ),
    project(
      ARGO_NAMES.guardrailsProject(tenant.name),
      env,
      {
        description: `Platform-owned isolation layers and defaults of tenant ${tenant.name}, in namespace ${ns} only.`,
        sourceRepos: [env.argocd.repoURL],
        destinations,
        namespaceResourceWhitelist: [
          ...GUARDRAIL_KINDS,
          ...TENANT_DEFAULT_KINDS,
          ...(tenant.workloads.sandboxRouter ? SANDBOX_ROUTER_KINDS : []),
        ].map((k) => ({ ...k })),
      },
      tenant.name,
    ),
    project(
      ARGO_NAMES.namespaceProject(tenant.name),
      env,
      {
        description: `Creates the Namespace ${ns} and nothing else.`,
        sourceRepos: [env.argocd.repoURL],
        // Only cluster-scoped objects are synced: the Application has no destination namespace.
        destinations: [{ server: env.cluster.server, namespace: '' }],
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace', name: ns }],
        // An empty whitelist admits no namespaced kind at all.
        namespaceResourceWhitelist: [],
      },
      tenant.name,
    ),
  ];
}

function applicationSet(name: string, env: Environment, spec: ApplicationSetSpec): ManifestObject {
  return ApplicationSet.manifest({
    metadata: metadata(name, env, { annotations: CONFIRM_PRUNE }),
    spec,
  }) as ManifestObject;
}

/**
 * Automated sync. Retries never give up (a guardrails Application waits for its Namespace, and
 * custom resources for their CRDs, without ordering between Applications); an object that
 * another Application already manages fails the sync instead of changing hands.
 */
const SYNC = {
  automated: { prune: true, selfHeal: true },
  retry: { limit: -1, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
  syncOptions: ['ServerSideApply=true', 'FailOnSharedResource=true', 'SkipDryRunOnMissingResource=true'],
};

/**
 * Applications are created and updated but never deleted by the ApplicationSet controller, and
 * deleting one never cascades: a tenant folder that disappears leaves its Applications in an
 * error state and every object in place until an operator offboards the tenant.
 */
const NEVER_DELETE = {
  applicationsSync: ApplicationSetSpecSyncPolicyApplicationsSync.CREATE_HYPHEN_UPDATE,
  preserveResourcesOnDeletion: true,
};

function gitDirectories(env: Environment, path: string) {
  return [{ git: { repoUrl: env.argocd.repoURL, revision: env.argocd.targetRevision, directories: [{ path }] } }];
}

function template(
  name: string,
  projectName: string,
  path: string,
  namespace: string | undefined,
  directory: ApplicationSetSpecTemplateSpecSourceDirectory,
  env: Environment,
): ApplicationSetSpecTemplate {
  return {
    metadata: { name, labels: { [LABELS.managedBy]: MANAGED_BY }, annotations: COMPARE_OPTIONS },
    spec: {
      project: projectName,
      source: { repoUrl: env.argocd.repoURL, targetRevision: env.argocd.targetRevision, path, directory },
      destination: namespace === undefined ? { server: env.cluster.server } : { server: env.cluster.server, namespace },
      syncPolicy: SYNC,
    },
  };
}

const GO_TEMPLATE = { goTemplate: true, goTemplateOptions: ['missingkey=error'] };

/** The tenant's name in a template over dist/<env>/tenants/<tenant>/workloads (path segment 3). */
const TENANT_OF_WORKLOADS_DIR = '{{index .path.segments 3}}';

export function applicationSets(env: Environment): ManifestObject[] {
  const tenantsGlob = dist(env, DIRS.tenants, '*');
  return [
    applicationSet('tenant-namespaces', env, {
      ...GO_TEMPLATE,
      generators: gitDirectories(env, tenantsGlob),
      syncPolicy: NEVER_DELETE,
      template: template(
        ARGO_NAMES.namespaceApplication('{{.path.basename}}'),
        ARGO_NAMES.namespaceProject('{{.path.basename}}'),
        '{{.path.path}}',
        undefined,
        { recurse: false, include: 'namespace-*.yaml' },
        env,
      ),
    }),
    applicationSet('tenant-workloads', env, {
      ...GO_TEMPLATE,
      generators: gitDirectories(env, dist(env, DIRS.tenants, '*', DIRS.workloads)),
      syncPolicy: NEVER_DELETE,
      template: template(
        ARGO_NAMES.workloadsApplication(TENANT_OF_WORKLOADS_DIR),
        ARGO_NAMES.tenantProject(TENANT_OF_WORKLOADS_DIR),
        '{{.path.path}}',
        tenantNamespace(TENANT_OF_WORKLOADS_DIR),
        { recurse: false },
        env,
      ),
    }),
    applicationSet('tenant-guardrails', env, {
      ...GO_TEMPLATE,
      generators: gitDirectories(env, tenantsGlob),
      syncPolicy: NEVER_DELETE,
      template: template(
        ARGO_NAMES.guardrailsApplication('{{.path.basename}}'),
        ARGO_NAMES.guardrailsProject('{{.path.basename}}'),
        '{{.path.path}}',
        tenantNamespace('{{.path.basename}}'),
        { recurse: false, exclude: 'namespace-*.yaml' },
        env,
      ),
    }),
  ];
}

/** Platform-wide projects: bootstrap and platform. */
export function sharedProjects(
  env: Environment,
  platformRepos: readonly string[] = [env.argocd.repoURL],
): ManifestObject[] {
  const server = env.cluster.server;
  return [
    project(ARGO_NAMES.bootstrapProject, env, {
      description: 'The root Application: Argo CD objects in the Argo CD namespace, nothing else.',
      sourceRepos: [env.argocd.repoURL],
      destinations: [{ server, namespace: env.argocd.namespace }],
      namespaceResourceWhitelist: ['Application', 'ApplicationSet', 'AppProject'].map((kind) => ({
        group: 'argoproj.io',
        kind,
      })),
    }),
    project(ARGO_NAMES.platformProject, env, {
      description: 'Platform components. Never tenant namespaces: those belong to the tenant projects.',
      sourceRepos: [...platformRepos],
      destinations: [
        { server, namespace: '*' },
        { server, namespace: '!tenant-*' },
      ],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      clusterResourceBlacklist: [{ group: '', kind: 'Namespace', name: 'tenant-*' }],
    }),
  ];
}

/** The root Application: applied once by hand, then it keeps argocd/<env>/ in sync, itself included. */
export function rootApplication(env: Environment): ManifestObject {
  const spec: ApplicationSpec = {
    project: ARGO_NAMES.bootstrapProject,
    source: {
      repoUrl: env.argocd.repoURL,
      targetRevision: env.argocd.targetRevision,
      path: [DIRS.argocd, env.name].join('/'),
      directory: { recurse: true },
    },
    destination: { server: env.cluster.server, namespace: env.argocd.namespace },
    syncPolicy: SYNC,
  };
  return Application.manifest({
    metadata: metadata(ARGO_NAMES.rootApplication, env, { annotations: COMPARE_OPTIONS }),
    spec,
  }) as ManifestObject;
}

type ArgoFiles = Map<string, ManifestObject>;

function putter(env: Environment, out: ArgoFiles) {
  return (dir: string, o: ManifestObject) => {
    const path = [DIRS.argocd, env.name, dir, objectFileName(o)].join('/');
    if (out.has(path)) throw new Error(`synth: two Argo CD objects map to ${path}; rename one of them`);
    out.set(path, o);
  };
}

/**
 * The Argo CD objects of one environment that are no single tenant's (root, shared projects,
 * ApplicationSets, platform Applications), keyed by repository path. Reads no tenant.
 */
export function environmentArgoCd(env: Environment, platform: readonly BuiltComponent[] = []): ArgoFiles {
  const out: ArgoFiles = new Map();
  const put = putter(env, out);
  const [bootstrap, ...shared] = sharedProjects(env, platformSourceRepos(env, platform));
  put(DIRS.bootstrap, bootstrap);
  put(DIRS.bootstrap, rootApplication(env));
  for (const p of shared) put(DIRS.projects, p);
  for (const a of applicationSets(env)) put(DIRS.applicationSets, a);
  for (const b of platform) put(DIRS.platformApplications, platformApplication(env, b, SYNC));
  return out;
}

/** The Argo CD objects of one tenant (its AppProjects), keyed by repository path. */
export function tenantArgoCd(env: Environment, tenant: Tenant): ArgoFiles {
  const out: ArgoFiles = new Map();
  const put = putter(env, out);
  for (const p of tenantProjects(env, tenant)) put(DIRS.projects, p);
  return out;
}

/** Every Argo CD object of one environment, keyed by repository path: the shared ones and each tenant's. */
export function generateArgoCd(
  env: Environment,
  tenants: readonly Tenant[],
  platform: readonly BuiltComponent[] = [],
): ArgoFiles {
  const out = environmentArgoCd(env, platform);
  const put = putter(env, out);
  for (const t of tenants) for (const p of tenantProjects(env, t)) put(DIRS.projects, p);
  return out;
}
