/**
 * The output in groups that the file gates (schemas, secrets) check and remember together: each
 * tenant of each environment (the record's units, dist/<env>/tenants/<tenant>/**) and each other
 * directory. A group whose key (its files' paths and digests) was found clean before is not looked
 * at file by file, so a run after a one-tenant change looks at that tenant's files and the shared
 * directories that changed.
 */
import type { OutputRecord } from '../kube/record';
import { keyOf } from '../kube/record';

export interface FileGroup {
  /** sha256 over the group's repository paths and digests. */
  readonly key: string;
  /** The environment: the second part of the paths (dist/<env>/..., argocd/<env>/...). */
  readonly env: string;
  /** Repository path → digest. */
  readonly files: ReadonlyMap<string, string>;
}

const groupsOf = new WeakMap<OutputRecord, FileGroup[]>();

/** The groups of a record's files. */
export function fileGroups(record: OutputRecord): FileGroup[] {
  let groups = groupsOf.get(record);
  if (groups) return groups;
  const envOf = (f: string) => f.slice(f.indexOf('/') + 1, f.indexOf('/', f.indexOf('/') + 1));
  groups = [];
  for (const unit of record.units.values()) {
    const first = unit.files.keys().next().value;
    if (first !== undefined) groups.push({ key: unit.key, env: envOf(first), files: unit.files });
  }
  const byDir = new Map<string, Map<string, string>>();
  for (const [f, d] of record.shared) {
    const dir = f.slice(0, f.lastIndexOf('/'));
    let files = byDir.get(dir);
    if (!files) byDir.set(dir, (files = new Map()));
    files.set(f, d);
  }
  for (const [dir, files] of byDir) groups.push({ key: keyOf(files), env: envOf(`${dir}/`), files });
  groupsOf.set(record, groups);
  return groups;
}
