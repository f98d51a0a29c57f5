/**
 * The drift check (scripts/cluster-tier/live-drift.ts) on dist/dev/ as the live state would hold
 * it: what the API server adds is not drift; a rewritten field is, named with both values.
 */
import { describe, expect, it } from 'vitest';
import { driftProblems } from '../../scripts/cluster-tier/live-drift';
import type { K8sObject } from '../../scripts/cluster-tier/live-state';
import { distObjects } from './live-fixture';

const desired = distObjects('dev');
/** dist/dev/ as a synced cluster lists it: a status, defaults and Argo CD's tracking added. */
function synced(): K8sObject[] {
  return structuredClone(desired).map((o) => ({
    ...o,
    metadata: {
      ...o.metadata,
      uid: 'u',
      resourceVersion: '1',
      annotations: { ...(o.metadata.annotations ?? {}), 'argocd.argoproj.io/tracking-id': 'x' },
    },
    status: {},
  }));
}
const find = (objects: K8sObject[], kind: string) => objects.find((o) => o.kind === kind && o.metadata.namespace)!;

describe('driftProblems', () => {
  it('finds no drift in what the API server and Argo CD add, and compares every object of dist/', () => {
    const live = synced();
    const d = find(live, 'Deployment');
    d.spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log';
    d.spec.template.spec.containers.push({ name: 'istio-proxy', image: 'added' });
    const r = driftProblems(desired, live);
    expect(r.problems).toEqual([]);
    // Every object but Argo CD's hooks (the realm sync Job), which Argo CD deletes after they ran.
    expect(r.compared).toBe(desired.filter((o) => !o.metadata.annotations?.['argocd.argoproj.io/hook']).length);
    expect(r.compared).toBeGreaterThan(200);
  });

  it('reads a quantity in the canonical form the API server stores', () => {
    const want = [
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'q', namespace: 'n' },
        spec: { hard: { cpu: '1000m', memory: '1024Mi', pods: 10 } },
      },
    ];
    const live = [{ ...want[0], spec: { hard: { cpu: '1', memory: '1Gi', pods: '10' } } }];
    expect(driftProblems(want, live).problems).toEqual([]);
    live[0].spec.hard.cpu = '2';
    expect(driftProblems(want, live).problems).toEqual(['ResourceQuota n/q spec.hard.cpu: live "2", dist/ "1000m"']);
  });

  it('planted: a policy rewrote a label and an image that dist/ sets; both named with their values', () => {
    const live = synced();
    const d = find(live, 'Deployment');
    const want = find(desired, 'Deployment');
    const label = Object.keys(want.metadata.labels)[0]!;
    d.metadata.labels[label] = 'rewritten';
    d.spec.template.spec.containers[0].image = 'elsewhere/image:1';
    expect(driftProblems(desired, live).problems).toEqual([
      `Deployment ${want.metadata.namespace}/${want.metadata.name} metadata.labels.${label}: live "rewritten", dist/ ${JSON.stringify(want.metadata.labels[label])}`,
      `Deployment ${want.metadata.namespace}/${want.metadata.name} spec.template.spec.containers[0].image: live "elsewhere/image:1", dist/ ${JSON.stringify(want.spec.template.spec.containers[0].image)}`,
    ]);
  });

  it('skips objects not live (other checks name them) and never compares Secret values', () => {
    const s = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, stringData: { k: 'v' } };
    expect(driftProblems([s], [{ ...s, stringData: undefined }])).toEqual({ problems: [], compared: 1 });
    expect(driftProblems([s], [])).toEqual({ problems: [], compared: 0 });
  });
});
