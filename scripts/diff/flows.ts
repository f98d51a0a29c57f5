/**
 * The flows a change opens or closes: the flow matrix (scripts/flows/matrix.ts) of each changed
 * environment on both sides, compared by the flows it allows. A check that stands for the other
 * tenants of its shape stands for their flows here too, renamed, so a flow is named with its own
 * tenant. Pure: two file maps in, the lists out.
 */
import { DIRS } from '../../charts/lib/constants';
import { flowMatrix, type FlowCheck, type FlowMatrix } from '../flows/matrix';
import { renameTenant } from '../flows/shapes';
import { type EnvironmentOutput, type Manifest, parseDocuments } from '../kube/manifests';
import type { FileMap, OutputDiff } from './compare';

export interface FlowChange {
  readonly env: string;
  /** Flows allowed after the change and not before: `source → target`. */
  readonly opened: readonly string[];
  /** Flows allowed before the change and not after. */
  readonly closed: readonly string[];
}

/** An environment's output as the gates read it, from a file map. */
function environmentFromFiles(files: FileMap, env: string, trustDomain: string): EnvironmentOutput {
  const manifests: Manifest[] = [];
  for (const [file, text] of files) {
    if (
      !/\.ya?ml$/.test(file) ||
      !(file.startsWith(`${DIRS.dist}/${env}/`) || file.startsWith(`${DIRS.argocd}/${env}/`))
    )
      continue;
    for (const object of parseDocuments(text).objects) manifests.push({ file, env, object });
  }
  return { name: env, kubernetesVersion: '', trustDomain, files: [], manifests };
}

const flowKey = (c: FlowCheck) =>
  `${c.source}${c.members > 1 ? ` (and ${c.members - 1} more alike)` : ''} → ${c.target}`;

/** Every flow a matrix allows, one per tenant for the checks that stand for a shape. */
function allowedFlows(m: FlowMatrix): Set<string> {
  const out = new Set<string>();
  for (const c of m.checks) {
    if (c.actual !== 'allowed') continue;
    const key = flowKey(c);
    out.add(key);
    if (!c.alike) continue;
    const [rep, ...rest] = m.groups[c.alike.group];
    for (const t of rest) out.add(renameTenant(key, rep, (part) => t[part === 'tenant' ? 'tenant' : part]));
  }
  return out;
}

/** The flows each changed environment opens and closes; environments without a trust domain are left out. */
export function flowChanges(
  base: FileMap,
  head: FileMap,
  diff: OutputDiff,
  trustDomains: ReadonlyMap<string, string>,
): FlowChange[] {
  const out: FlowChange[] = [];
  for (const e of diff.environments) {
    const td = trustDomains.get(e.name);
    if (!td || e.objects.length + e.routes.length === 0) continue;
    const before = allowedFlows(flowMatrix(environmentFromFiles(base, e.name, td)));
    const after = allowedFlows(flowMatrix(environmentFromFiles(head, e.name, td)));
    const opened = [...after].filter((k) => !before.has(k)).sort();
    const closed = [...before].filter((k) => !after.has(k)).sort();
    if (opened.length + closed.length > 0) out.push({ env: e.name, opened, closed });
  }
  return out;
}
