/**
 * The order in which the integration tier hands an environment's output to the API server, the
 * way Argo CD would sync it: namespaces first, then the Argo CD objects of argocd/<env>/, then each
 * platform directory in the sync wave of the Application that deploys it, then the tenant
 * directories. Inside a directory, objects go by their own sync wave, hook phase (PostSync hooks
 * after the rest) and Argo CD's kind order.
 *
 * Tenant directories come last although their ApplicationSets carry no wave: the platform's
 * admission policies (the tenancy ValidatingAdmissionPolicy) are then in place and judge every
 * tenant object, which is the stricter test.
 *
 * A pure function of the parsed output; tested without an API server.
 */
import * as path from 'node:path';
import { ANNOTATIONS, DIRS } from '../../charts/lib/constants';
import type { EnvironmentOutput, Manifest } from './manifests';

const SYNC_WAVE = ANNOTATIONS.argocdSyncWave;
const HOOK = ANNOTATIONS.argocdHook;

/**
 * Argo CD's kind order inside one sync wave (gitops-engine's kindOrder); other kinds follow,
 * sorted by kind.
 */
export const ARGO_KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
] as const;

/** Argo CD hook phases in the order they run; an object without a hook is part of Sync. */
const HOOK_PHASES = ['PreSync', 'Sync', 'PostSync'] as const;

/** Namespaces every API server creates itself. */
export const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** One group of objects applied together, in order. */
export interface SyncStep {
  /** Such as "namespaces", "argocd", "platform/gateway (wave 9)", "tenants/alpha". */
  readonly label: string;
  readonly objects: readonly Manifest[];
}

/** The sync wave written on an object (0 without one); throws naming the file on a bad value. */
export function syncWave(m: Manifest): number {
  const raw = m.object.metadata?.annotations?.[SYNC_WAVE];
  if (raw === undefined) return 0;
  if (!/^-?\d+$/.test(String(raw)))
    throw new Error(`${m.file}: annotation ${SYNC_WAVE} is ${JSON.stringify(raw)}; it must be an integer such as "0"`);
  return Number(raw);
}

function hookPhase(m: Manifest): number {
  const raw = m.object.metadata?.annotations?.[HOOK] as string | undefined;
  if (raw === undefined) return HOOK_PHASES.indexOf('Sync');
  const phases = raw.split(',').map((p) => p.trim());
  const known = phases.map((p) => HOOK_PHASES.indexOf(p as (typeof HOOK_PHASES)[number])).filter((i) => i >= 0);
  if (known.length === 0)
    throw new Error(
      `${m.file}: annotation ${HOOK} is ${JSON.stringify(raw)}; the integration tier knows the phases ${HOOK_PHASES.join(', ')}`,
    );
  return Math.min(...known);
}

/** Position of a kind in Argo CD's order (kinds it does not list come last). */
export function kindRank(kind: string): number {
  const i = (ARGO_KIND_ORDER as readonly string[]).indexOf(kind);
  return i >= 0 ? i : ARGO_KIND_ORDER.length;
}

/** Argo CD's order inside one Application: wave, hook phase, kind, then kind name, namespace, name. */
export function compareInApplication(a: Manifest, b: Manifest): number {
  const ka = a.object.kind as string;
  const kb = b.object.kind as string;
  return (
    syncWave(a) - syncWave(b) ||
    hookPhase(a) - hookPhase(b) ||
    kindRank(ka) - kindRank(kb) ||
    ka.localeCompare(kb) ||
    String(a.object.metadata?.namespace ?? '').localeCompare(String(b.object.metadata?.namespace ?? '')) ||
    String(a.object.metadata?.name).localeCompare(String(b.object.metadata?.name))
  );
}

/** Source paths (repository-relative directories) of an Application, single or multi-source. */
export function sourcePaths(app: Record<string, any>): string[] {
  const sources = [app.spec?.source, ...(app.spec?.sources ?? [])].filter(Boolean) as { path?: string }[];
  return sources.map((s) => s.path).filter((p): p is string => typeof p === 'string');
}

export interface SyncPlanOptions {
  /**
   * Include the Argo CD objects of argocd/<env>/ (the integration tier checks them; `npm run
   * apply`, for a cluster without Argo CD, leaves them out). Their Applications still give the
   * platform directories their waves. @default true
   */
  readonly argocd?: boolean;
}

/**
 * The steps for one environment. Throws, listing every problem, when a directory of dist/<env>/
 * platform/ is deployed by no Application, or an object's namespace is created by nothing.
 */
export function syncPlan(env: EnvironmentOutput, options: SyncPlanOptions = {}): SyncStep[] {
  const problems: string[] = [];
  const distPrefix = `${DIRS.dist}/${env.name}/`;
  const argoPrefix = `${DIRS.argocd}/${env.name}/`;
  const dist = env.manifests.filter((m) => m.file.startsWith(distPrefix));
  const argo = env.manifests.filter((m) => m.file.startsWith(argoPrefix));

  const waveOfPath = new Map<string, number>();
  for (const m of argo.filter((x) => x.object.kind === 'Application')) {
    for (const p of sourcePaths(m.object)) waveOfPath.set(p.replace(/\/$/, ''), syncWave(m));
  }

  const namespaces = dist.filter((m) => m.object.kind === 'Namespace');
  const declared = new Set<string>([...BUILTIN_NAMESPACES, ...namespaces.map((m) => m.object.metadata.name as string)]);
  for (const m of [...dist, ...argo]) {
    const ns = m.object.metadata?.namespace as string | undefined;
    if (ns !== undefined && !declared.has(ns)) {
      problems.push(
        `${m.file}: ${m.object.kind} ${m.object.metadata?.name} is in namespace ${ns}, which no Namespace of ${distPrefix} creates; add the namespace to the platform's namespaces component`,
      );
    }
  }

  const steps: SyncStep[] = [{ label: 'namespaces', objects: [...namespaces].sort(compareInApplication) }];
  if (options.argocd ?? true) steps.push({ label: 'argocd', objects: [...argo].sort(compareInApplication) });

  const byDir = new Map<string, Manifest[]>();
  for (const m of dist.filter((x) => x.object.kind !== 'Namespace')) {
    const dir = path.posix.dirname(m.file);
    byDir.set(dir, [...(byDir.get(dir) ?? []), m]);
  }
  const platform: { dir: string; wave: number }[] = [];
  const tenants: string[] = [];
  for (const dir of byDir.keys()) {
    if (dir.startsWith(`${distPrefix}${DIRS.tenants}/`)) {
      tenants.push(dir);
      continue;
    }
    const wave = waveOfPath.get(dir);
    if (wave === undefined) {
      problems.push(
        `${dir}/: no Application of ${argoPrefix} has it as a source path, so nothing would deploy its ${byDir.get(dir)!.length} object(s)`,
      );
      continue;
    }
    platform.push({ dir, wave });
  }
  platform.sort((a, b) => a.wave - b.wave || a.dir.localeCompare(b.dir));
  for (const { dir, wave } of platform) {
    steps.push({
      label: `${dir.slice(distPrefix.length)} (wave ${wave})`,
      objects: byDir.get(dir)!.sort(compareInApplication),
    });
  }
  for (const dir of tenants.sort())
    steps.push({ label: dir.slice(distPrefix.length), objects: byDir.get(dir)!.sort(compareInApplication) });

  if (problems.length > 0) throw new Error(`sync plan for ${env.name}:\n${problems.join('\n')}`);
  return steps.filter((s) => s.objects.length > 0);
}

/** The tenant directories of dist/<env>/tenants/, such as ["alpha", "beta"]. */
export function tenantsOf(env: EnvironmentOutput): string[] {
  const prefix = `${DIRS.dist}/${env.name}/${DIRS.tenants}/`;
  return [
    ...new Set(
      env.manifests.filter((m) => m.file.startsWith(prefix)).map((m) => m.file.slice(prefix.length).split('/')[0]),
    ),
  ].sort();
}

/**
 * The steps restricted to one tenant's objects: everything under dist/<env>/tenants/<tenant>/
 * (its Namespace, guardrails and workloads), in the same order, and nothing else.
 */
export function tenantSteps(steps: readonly SyncStep[], env: EnvironmentOutput, tenant: string): SyncStep[] {
  const prefix = `${DIRS.dist}/${env.name}/${DIRS.tenants}/${tenant}/`;
  return steps
    .map((s) => ({ label: s.label, objects: s.objects.filter((m) => m.file.startsWith(prefix)) }))
    .filter((s) => s.objects.length > 0);
}
