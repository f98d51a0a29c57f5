/**
 * Which Argo CD Application syncs a file of the output, as argocd/<env>/ sets it up
 * (charts/argocd/generate.ts):
 *
 *  - argocd/<env>/**                                   root (it syncs argocd/<env>/ recursively)
 *  - dist/<env>/tenants/<t>/namespace-<ns>.yaml         namespace-<t>  (ApplicationSet tenant-namespaces)
 *  - dist/<env>/tenants/<t>/workloads/*                 workloads-<t>  (ApplicationSet tenant-workloads)
 *  - dist/<env>/tenants/<t>/* (other files)             guardrails-<t> (ApplicationSet tenant-guardrails)
 *  - dist/<env>/platform/<component>/*                  the platform Application whose source path it is
 *
 * Platform Applications are read from the Application objects themselves, so a renamed or added
 * component maps without a change here.
 */
import { ARGO_NAMES, DIRS } from '../../charts/lib/constants';
import { objectFileName } from '../../charts/lib/serialize';
import type { K8sObject } from '../kube/manifests';
import { sourcePaths } from '../kube/sync-plan';

/** What a file maps to when no Application syncs it (route tables, READMEs outside an app). */
export const NO_APPLICATION = '(no Application)';

/**
 * File name prefix of the Namespace file in a tenant directory: the tenant-namespaces
 * ApplicationSet includes `namespace-*.yaml`, the guardrails one excludes it.
 */
const NAMESPACE_FILE_PREFIX = objectFileName({ kind: 'Namespace', metadata: { name: '' } }).replace(/\.yaml$/, '');

/** Environment of a repository path (dist/<env>/... or argocd/<env>/...), or undefined. */
export function environmentOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts.length < 3 || (parts[0] !== DIRS.dist && parts[0] !== DIRS.argocd)) return undefined;
  return parts[1];
}

/** Source directory → Application name, from the Application objects of argocd/<env>/. */
export function platformApplications(applications: readonly K8sObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const app of applications) {
    if (app?.kind !== 'Application' || typeof app.metadata?.name !== 'string') continue;
    for (const p of sourcePaths(app)) out.set(p.replace(/\/$/, ''), app.metadata.name);
  }
  return out;
}

/** The Application that syncs `file`, or NO_APPLICATION. */
export function applicationOf(file: string, platform: ReadonlyMap<string, string>): string {
  const parts = file.split('/');
  const env = environmentOf(file);
  if (env === undefined) return NO_APPLICATION;
  if (parts[0] === DIRS.argocd) return ARGO_NAMES.rootApplication;
  if (parts[2] === DIRS.tenants && parts.length >= 5) {
    const tenant = parts[3];
    if (parts.length === 5)
      return parts[4].startsWith(NAMESPACE_FILE_PREFIX)
        ? ARGO_NAMES.namespaceApplication(tenant)
        : ARGO_NAMES.guardrailsApplication(tenant);
    if (parts.length === 6 && parts[4] === DIRS.workloads) return ARGO_NAMES.workloadsApplication(tenant);
    return NO_APPLICATION;
  }
  return platform.get(parts.slice(0, -1).join('/')) ?? NO_APPLICATION;
}

/** File name prefix of an Application's file: every Application of argocd/ is in one so named. */
const APPLICATION_FILE_PREFIX = objectFileName({ kind: 'Application', metadata: { name: '' } }).replace(/\.yaml$/, '');

/** Whether a file of argocd/ may hold an Application (by its name, as the output names files). */
export function isApplicationFile(file: string): boolean {
  return file.startsWith(`${DIRS.argocd}/`) && (file.split('/').pop() ?? '').startsWith(APPLICATION_FILE_PREFIX);
}

/**
 * Whether applicationOf needs the platform Applications for a changed file: a manifest of an
 * environment's dist/ folder outside the tenant files that map by their path.
 */
export function needsPlatformApplications(file: string): boolean {
  const parts = file.split('/');
  return (
    /\.ya?ml$/.test(file) &&
    environmentOf(file) !== undefined &&
    parts[0] === DIRS.dist &&
    !(parts[2] === DIRS.tenants && parts.length >= 5)
  );
}
