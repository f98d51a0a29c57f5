/**
 * A model of Argo CD's AppProject admission rules (v3.5: AppProject.IsGroupKindNamePermitted and
 * isDestinationMatched in pkg/apis/application/v1alpha1/app_project_types.go, applied per
 * resource by the controller's validateSyncPermissions), re-stated for tests: may this project
 * sync this object?
 */

type GK = { group?: string; kind?: string; name?: string };
type Dest = { server?: string; namespace?: string };

function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

function globMatch(pattern: string, value: string, allowNegation = false): boolean {
  if (allowNegation && pattern.startsWith('!')) return !globToRegExp(pattern.slice(1)).test(value);
  if (pattern === '*') return true;
  return globToRegExp(pattern).test(value);
}

function inList(list: readonly GK[], group: string, kind: string, name?: string): boolean {
  return list.some(
    (e) =>
      globMatch(e.group ?? '', group) &&
      globMatch(e.kind ?? '', kind) &&
      (name === undefined || globMatch(e.name ?? '*', name)),
  );
}

/** Mirrors isDestinationMatched: any allow rule matches and no deny rule rejects. */
export function destinationPermitted(destinations: readonly Dest[], server: string, namespace: string): boolean {
  let matched = false;
  for (const d of destinations) {
    const serverOk = globMatch(d.server ?? '', server, true);
    const nsOk = globMatch(d.namespace ?? '', namespace, true);
    if (serverOk && nsOk) matched = true;
    else if (!nsOk && (d.namespace ?? '').startsWith('!') && serverOk) return false;
  }
  return matched;
}

export interface ProjectSpec {
  destinations?: Dest[];
  clusterResourceWhitelist?: GK[];
  clusterResourceBlacklist?: GK[];
  namespaceResourceWhitelist?: GK[];
  namespaceResourceBlacklist?: GK[];
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'GatewayClass',
  'ClusterPolicy',
]);

/**
 * Whether a project lets an Application (destination `appNamespace` on `server`) sync `object`.
 * A namespaced object without metadata.namespace lands in the Application's namespace.
 */
export function projectPermits(
  project: ProjectSpec,
  server: string,
  appNamespace: string,
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
): boolean {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  const { kind } = object;
  if (CLUSTER_SCOPED.has(kind)) {
    const white = project.clusterResourceWhitelist ?? [];
    if (white.length === 0 || !inList(white, group, kind, object.metadata.name)) return false;
    return !inList(project.clusterResourceBlacklist ?? [], group, kind, object.metadata.name);
  }
  const white = project.namespaceResourceWhitelist;
  if (white !== undefined && (white.length === 0 || !inList(white, group, kind))) return false;
  if (inList(project.namespaceResourceBlacklist ?? [], group, kind)) return false;
  return destinationPermitted(project.destinations ?? [], server, object.metadata.namespace ?? appNamespace);
}
