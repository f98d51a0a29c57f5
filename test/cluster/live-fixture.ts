/**
 * A stand-in for `kubectl get <kinds> -A -o json` of a synced environment, for the unit tests of
 * the live-state checks: every object of dist/<env>/ (what the cluster holds of our part) and of
 * every platform chart rendered with our values as Argo CD renders it (scripts/upstream/render.ts),
 * namespaced as Argo CD's destination namespaces them. A chart the charts folder cannot render
 * here (kube-prometheus-stack without its dependency charts) is replaced by a stub of the
 * objects the platform names (scripts/cluster-tier/unrenderable.ts, from charts/lib/chart-names.ts,
 * which test/upstream/chart-names.test.ts checks against the render where it can); `stubbed` lists
 * them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { K8sObject } from '../../scripts/cluster-tier/live-state';
import { stubObjects } from '../../scripts/cluster-tier/unrenderable';
import {
  loadEnvironment,
  MissingDependenciesError,
  readPlatformApplication,
  renderComponent,
  upstreamComponents,
} from '../../scripts/upstream/render';

const ROOT = path.resolve(__dirname, '..', '..');

/** Kinds without a namespace among those the renders hold (besides cluster-scoped CRDs). */
const CLUSTER_KINDS = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'APIService',
  'PriorityClass',
  'StorageClass',
  'CSIDriver',
  'IngressClass',
  'RuntimeClass',
  'PersistentVolume',
]);

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? yamlFiles(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : [],
    )
    .sort();
}

/** The objects of dist/<env>/. */
export function distObjects(env: string, root = ROOT): K8sObject[] {
  return yamlFiles(path.join(root, 'dist', env)).flatMap((f) =>
    (loadAll(fs.readFileSync(f, 'utf8'), undefined, { schema: CORE_SCHEMA }) as K8sObject[]).filter((o) => o),
  );
}

export interface LiveFixture {
  readonly objects: K8sObject[];
  /** Components whose chart could not be rendered here, stood in for by stubs. */
  readonly stubbed: string[];
}

/** dist/<env>/ and the rendered platform charts, as the live list of a synced cluster. */
export function liveFixture(env: string): LiveFixture {
  const e = loadEnvironment(env);
  const objects = distObjects(env);
  const stubbed: string[] = [];
  const rendered: K8sObject[] = [];
  for (const component of upstreamComponents(e)) {
    try {
      const r = renderComponent(env, component);
      for (const { object } of r.objects) rendered.push({ ...object, __ns: r.namespace });
    } catch (err) {
      if (!(err instanceof MissingDependenciesError)) throw err;
      stubbed.push(component);
      objects.push(...stubObjects(component, readPlatformApplication(e, component).namespace));
    }
  }
  const clusterKinds = new Set(CLUSTER_KINDS);
  for (const o of [...objects, ...rendered])
    if (o.kind === 'CustomResourceDefinition' && o.spec?.scope === 'Cluster') clusterKinds.add(o.spec.names.kind);
  for (const { __ns, ...o } of rendered) {
    const namespaced = !clusterKinds.has(o.kind);
    objects.push({
      ...o,
      metadata: { ...o.metadata, ...(namespaced ? { namespace: o.metadata?.namespace ?? __ns } : {}) },
    });
  }
  return { objects, stubbed };
}
