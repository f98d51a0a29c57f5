/**
 * Which objects `npm run apply` deletes after applying: a pure function of what the cluster holds
 * and what dist/<env>/ declares, tested without an API server.
 *
 * An object is pruned only when all of these hold:
 *  - it carries app.kubernetes.io/managed-by=agentic-platform (what every generated object has);
 *  - dist/<env>/ (or, with --tenant, the tenant's folder) no longer declares it;
 *  - with --tenant, it is in the tenant's namespace (never cluster-scoped);
 *  - this command applied it: its managedFields hold an Apply entry of our field manager, so an
 *    object that a controller created with copied labels, or that someone made by hand with the
 *    label, is left alone;
 *  - nothing owns it (ownerReferences): its owner's controller or garbage collection decides;
 *  - it is not a Namespace or a CustomResourceDefinition, whose deletion takes everything in it
 *    (or of its kind) along, labelled or not. Those are listed with the command that deletes them.
 */
import { LABELS, MANAGED_BY } from '../../charts/lib/constants';
import { kindRank } from '../kube/sync-plan';
import { objectKey } from '../kube/apply';

/** An object as `kubectl get -o json --show-managed-fields` returns it. */
export interface ClusterObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
    readonly managedFields?: readonly { readonly manager?: string; readonly operation?: string }[];
  };
}

/** Kinds never deleted by a prune, and why. */
export const NEVER_PRUNED: readonly { readonly group: string; readonly kind: string; readonly why: string }[] = [
  { group: '', kind: 'Namespace', why: 'deleting a Namespace deletes everything in it, labelled or not' },
  {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    why: 'deleting a CRD deletes every object of its kind',
  },
];

export interface PruneOptions {
  /** The field manager `npm run apply` applies with. */
  readonly fieldManager: string;
  /** Only objects of this namespace (--tenant); cluster-scoped objects are then out of scope. */
  readonly namespace?: string;
}

/** An object that is not declared any more but stays, and why. */
export interface KeptObject {
  readonly object: ClusterObject;
  readonly reason: string;
}

export interface PruneSelection {
  /** To delete, in deletion order (the reverse of Argo CD's kind order). */
  readonly prune: readonly ClusterObject[];
  /** Labelled, not declared, and left alone. */
  readonly kept: readonly KeptObject[];
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** "Kind namespace/name" or "Kind name". */
export function describeClusterObject(o: ClusterObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/**
 * The objects to prune among `cluster` (what a label-selected list returned), given the keys
 * (objectKey) of every declared object.
 */
export function selectPrune(
  cluster: readonly ClusterObject[],
  declared: ReadonlySet<string>,
  options: PruneOptions,
): PruneSelection {
  const prune: ClusterObject[] = [];
  const kept: KeptObject[] = [];
  const seen = new Set<string>();
  for (const o of cluster) {
    // One object can be listed under several API groups (such as events); once is enough.
    const id = o.metadata.uid ?? objectKey(o);
    if (seen.has(id)) continue;
    seen.add(id);
    if (o.metadata.labels?.[LABELS.managedBy] !== MANAGED_BY) continue;
    if (declared.has(objectKey(o))) continue;
    if (options.namespace !== undefined && o.metadata.namespace !== options.namespace) continue;
    const never = NEVER_PRUNED.find((k) => k.group === groupOf(o.apiVersion) && k.kind === o.kind);
    if (never) {
      kept.push({
        object: o,
        reason: `${never.why}; delete it yourself if you mean it: kubectl delete ${o.kind.toLowerCase()} ${o.metadata.name}`,
      });
      continue;
    }
    const owners = o.metadata.ownerReferences ?? [];
    if (owners.length > 0) {
      kept.push({
        object: o,
        reason: `owned by ${owners.map((r) => `${r.kind} ${r.name}`).join(', ')}, which decides its lifetime`,
      });
      continue;
    }
    const fields = o.metadata.managedFields ?? [];
    if (!fields.some((f) => f.manager === options.fieldManager && f.operation === 'Apply')) {
      const managers = [...new Set(fields.map((f) => f.manager).filter(Boolean))];
      kept.push({
        object: o,
        reason: `not applied by npm run apply (field managers: ${managers.length > 0 ? managers.join(', ') : 'none'})`,
      });
      continue;
    }
    prune.push(o);
  }
  prune.sort(
    (a, b) =>
      kindRank(b.kind) - kindRank(a.kind) ||
      a.kind.localeCompare(b.kind) ||
      (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
  kept.sort((a, b) => describeClusterObject(a.object).localeCompare(describeClusterObject(b.object)));
  return { prune, kept };
}
