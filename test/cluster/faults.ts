/**
 * The planted faults of the cluster tier (issue 16, item 6), each an edit of a copy of the
 * project's generated output that a real cluster would reject or run wrongly, and the check of
 * the tier that must name it. Each plant throws when the text it edits is not there, so a plant
 * can never silently plant nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { DIRS } from '../../charts/lib/constants';
import { ROOT } from './environment-harness';

export interface PlantedFault {
  readonly name: string;
  /** The object the catching check must name. */
  readonly object: string;
  /** The file the plant edited or added, relative to the root. */
  readonly file: string;
}

/** Replaces `from` by `to` in a file of `root`, once; throws if `from` is not there. */
function edit(root: string, file: string, from: string | RegExp, to: string): void {
  const p = path.join(root, file);
  const text = fs.readFileSync(p, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`planted fault: ${file} does not hold ${String(from)}`);
  fs.writeFileSync(p, next);
}

/** A tenant Deployment without the agents toleration: its pod must be named Pending. */
function tolerationRemoved(root: string, env: string): PlantedFault {
  const file = `${DIRS.dist}/${env}/tenants/research/deployment-sandbox-router.yaml`;
  edit(root, file, /\n {6}tolerations:\n( {8}.*\n| {10}.*\n)+/, '\n');
  return { name: 'tenant Deployment without the agents toleration', object: 'tenant-research/sandbox-router', file };
}

/** A value misspelt in a chart that ships a values schema (keycloakx: enableServiceLinks is a boolean). */
function valueMisspelt(root: string, env: string): PlantedFault {
  const file = `${DIRS.argocd}/${env}/${DIRS.platformApplications}/application-platform-keycloak.yaml`;
  edit(root, file, '        valuesObject:\n', '        valuesObject:\n          enableServiceLinks: flase\n');
  return { name: 'chart value misspelt (flase for false)', object: 'platform-keycloak', file };
}

/** An ApplicationSet whose directory path matches nothing. */
function pathMatchesNothing(root: string, env: string): PlantedFault {
  const file = `${DIRS.argocd}/${env}/applicationsets/applicationset-tenant-workloads.yaml`;
  edit(root, file, `path: "dist/${env}/tenants/*/workloads"`, `path: "dist/${env}/tenant/*/workloads"`);
  return { name: 'ApplicationSet directory path that matches nothing', object: 'tenant-workloads', file };
}

/**
 * A mutating policy on a field an Application owns: the collector's Deployment (wave 7) is
 * created after the policies (wave 6) are ready, and Kyverno rewrites the part-of label.
 */
function fieldRewritten(root: string, env: string): PlantedFault {
  const file = `${DIRS.dist}/${env}/platform/policies/clusterpolicy-planted-rewrite.yaml`;
  const target = load(
    fs.readFileSync(
      path.join(root, `${DIRS.dist}/${env}/platform/otel-collector/deployment-otel-collector.yaml`),
      'utf8',
    ),
    { schema: CORE_SCHEMA },
  ) as { metadata: { name: string; namespace: string; labels: Record<string, string> } };
  if (target.metadata.labels['app.kubernetes.io/part-of'] !== 'agentic-platform')
    throw new Error('planted fault: the collector Deployment does not set app.kubernetes.io/part-of: agentic-platform');
  const { name, namespace } = target.metadata;
  fs.writeFileSync(
    path.join(root, file),
    [
      'apiVersion: kyverno.io/v1',
      'kind: ClusterPolicy',
      'metadata:',
      '  name: planted-rewrite',
      'spec:',
      '  background: false',
      '  rules:',
      '    - name: rewrite-part-of',
      '      match:',
      '        any:',
      '          - resources:',
      '              kinds: [Deployment]',
      `              namespaces: [${namespace}]`,
      `              names: [${name}]`,
      '      mutate:',
      '        patchStrategicMerge:',
      '          metadata:',
      '            labels:',
      '              app.kubernetes.io/part-of: planted',
      '',
    ].join('\n'),
  );
  return { name: 'mutating policy on a field an Application owns', object: `Deployment ${namespace}/${name}`, file };
}

/** A copy of what the tier serves from the project (argocd/, dist/) with every fault planted. */
export function faultyRoot(env: string): { root: string; faults: PlantedFault[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-faults-'));
  for (const top of [DIRS.argocd, DIRS.dist, 'charts/environments', 'cluster/outputs', 'tenants.yaml'])
    fs.cpSync(path.join(ROOT, top), path.join(root, top), { recursive: true });
  const faults = [tolerationRemoved, valueMisspelt, pathMatchesNothing, fieldRewritten].map((plant) =>
    plant(root, env),
  );
  return { root, faults };
}
