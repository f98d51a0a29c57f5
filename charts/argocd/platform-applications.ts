/**
 * One Argo CD Application per platform component (argocd/<env>/platform/), in sync waves
 * computed from the components' dependencies. Sources: the pinned upstream (Helm chart with
 * typed values, or a Git directory) and our own objects in dist/<env>/platform/<name>/.
 */
import {
  Application,
  type ApplicationSpec,
  type ApplicationSpecSources,
  type ApplicationSpecSyncPolicy,
} from '../../imports/argocd-application-argoproj.io';
import type { Environment } from '../config/environment';
import { ANNOTATIONS, ARGO_NAMES, DIRS, LABELS, MANAGED_BY } from '../lib/constants';
import { type BuiltComponent, hasOwnObjects } from '../platform/build';
import { pinned, type UpstreamSource } from '../lib/upstream';
import type { ManifestObject } from '../lib/manifest-object';

/**
 * Every Application is compared by a server-side dry run (argo-cd v3.5.3 controller/state.go):
 * the live object then carries what the API server adds (schema defaults of custom resources
 * and CRDs, such as a ClusterPolicy's emitWarning) on both sides of the diff, and mutating
 * webhooks' changes (Kyverno, istiod) are left out unless IncludeMutationWebhook is set. A
 * client-side diff leaves such Applications OutOfSync forever after a successful sync, and
 * selfHeal syncs them again and again.
 */
export const COMPARE_OPTIONS = { [ANNOTATIONS.argocdCompareOptions]: 'ServerSideDiff=true' };

/** Every repository the platform project may sync from: the GitOps repository and the upstreams. */
export function platformSourceRepos(env: Environment, built: readonly BuiltComponent[]): string[] {
  const repos = new Set<string>([env.argocd.repoURL]);
  for (const b of built)
    if (b.component.upstream) repos.add(pinned(b.component.upstream.name, env.platform.versions).repoURL);
  return [...repos].sort();
}

function upstreamSource(source: UpstreamSource, built: BuiltComponent): ApplicationSpecSources {
  // The release is named after the component, which fixes the names of the chart's Services.
  const helm = { releaseName: built.component.name, ...(built.values ? { valuesObject: built.values } : {}) };
  if (source.type === 'helm')
    return { repoUrl: source.repoURL, chart: source.chart, targetRevision: source.version, helm };
  return {
    repoUrl: source.repoURL,
    path: source.path,
    targetRevision: source.version,
    ...(source.helm ? { helm } : {}),
  };
}

/**
 * Argo CD's ignoreDifferences for the fields controllers write at run time, and the sync option
 * that keeps a sync from overwriting them (without it Argo CD compares without them but still
 * applies the rendered value).
 */
function runtimeIgnores(
  built: BuiltComponent,
  sync: ApplicationSpecSyncPolicy,
): Pick<ApplicationSpec, 'ignoreDifferences' | 'syncPolicy'> {
  const fields = built.component.upstream?.runtimeFields ?? [];
  if (fields.length === 0) return { syncPolicy: sync };
  return {
    ignoreDifferences: fields.map((f) => ({
      group: f.group,
      kind: f.kind,
      name: f.name,
      jqPathExpressions: [...f.jqPathExpressions],
    })),
    syncPolicy: { ...sync, syncOptions: [...(sync.syncOptions ?? []), RESPECT_IGNORE_DIFFERENCES] },
  };
}

/** The sync option that makes a sync leave ignored fields as they are in the cluster. */
export const RESPECT_IGNORE_DIFFERENCES = 'RespectIgnoreDifferences=true';

/** The Application of one platform component. */
export function platformApplication(
  env: Environment,
  built: BuiltComponent,
  sync: ApplicationSpecSyncPolicy,
): ManifestObject {
  const c = built.component;
  const sources: ApplicationSpecSources[] = [];
  if (c.upstream) sources.push(upstreamSource(pinned(c.upstream.name, env.platform.versions), built));
  if (hasOwnObjects(built)) {
    sources.push({
      repoUrl: env.argocd.repoURL,
      targetRevision: env.argocd.targetRevision,
      path: [DIRS.dist, env.name, DIRS.platform, c.name].join('/'),
      directory: { recurse: false, exclude: 'README.md' },
    });
  }
  if (sources.length === 0)
    throw new Error(`platform component ${c.name} has neither an upstream nor objects; give it one or remove it`);
  return Application.manifest({
    metadata: {
      name: `platform-${c.name}`,
      namespace: env.argocd.namespace,
      labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.partOf]: MANAGED_BY, [LABELS.component]: c.component },
      annotations: { [ANNOTATIONS.argocdSyncWave]: String(built.wave), ...COMPARE_OPTIONS },
    },
    spec: {
      project: ARGO_NAMES.platformProject,
      destination: { server: env.cluster.server, namespace: c.namespace },
      sources,
      ...runtimeIgnores(built, sync),
      info: [{ name: 'Description', value: c.description }],
    },
  }) as ManifestObject;
}
