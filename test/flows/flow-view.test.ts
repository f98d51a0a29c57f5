/**
 * The flow view (scripts/flows/view.ts) keeps everything the flow matrix reads: the matrix of the
 * views equals the matrix of the whole objects, on the committed output and on a generated
 * registry; a view that drops a field the matrix reads makes them differ.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as synth } from '../../charts/main';
import { ANNOTATIONS } from '../../charts/lib/constants';
import { benchTenantsYaml } from '../../scripts/bench/tenants';
import { readIntent } from '../../scripts/flows/gate';
import { type FlowMatrix, flowMatrix, matrixOfObjects } from '../../scripts/flows/matrix';
import { canonicalJson, flowView, viewEnvironment, viewMultiset } from '../../scripts/flows/view';
import { type EnvironmentOutput, type K8sObject, readOutput } from '../../scripts/kube/manifests';
import { scratchRoot } from '../synth/scratch-root';

const ROOT = path.resolve(__dirname, '..', '..');

/** What a matrix decides, as data: its checks with every layer's verdict, its groups and misroutes. */
const decided = (m: FlowMatrix) => ({
  checks: m.checks,
  flows: m.flows,
  shapes: m.shapes,
  groups: m.groups,
  misrouted: m.misrouted,
});

/** The matrix of the whole objects and that of their views (through `view`). */
function both(env: EnvironmentOutput, view?: (o: K8sObject) => K8sObject | undefined) {
  return {
    whole: decided(matrixOfObjects(env)),
    viewed: decided(matrixOfObjects(viewEnvironment(env, view))),
  };
}

/** A view that loses `path` of objects of `kind`: a planted fault. */
const losing =
  (kind: string, drop: (o: K8sObject) => K8sObject) =>
  (o: K8sObject): K8sObject | undefined => {
    const v = flowView(o);
    return v && v.kind === kind ? drop(structuredClone(v)) : v;
  };

const withoutIngress = losing('NetworkPolicy', (o) => {
  delete o.spec.ingress;
  return o;
});
const withoutLabels = losing('Namespace', (o) => {
  delete o.metadata.labels;
  return o;
});

describe('the flow view of the committed output', () => {
  const output = readOutput(ROOT);
  const intent = readIntent(ROOT);
  for (const env of output.environments) {
    it(`${env.name}: the matrix of the views is that of the whole objects, and flowMatrix reads views`, () => {
      const { whole, viewed } = both(env);
      expect(viewed).toEqual(whole);
      expect(decided(flowMatrix(env, intent))).toEqual(decided(matrixOfObjects(env, intent)));
      // Fewer objects than the output holds: the kinds the matrix never reads are gone.
      expect(viewEnvironment(env).manifests.length).toBeLessThan(env.manifests.length);
    });
  }

  it('planted: a view without NetworkPolicy ingress rules, or without Namespace labels, changes the matrix', () => {
    const dev = output.environments.find((e) => e.name === 'dev')!;
    const ingress = both(dev, withoutIngress);
    expect(ingress.viewed).not.toEqual(ingress.whole);
    const labels = both(dev, withoutLabels);
    expect(labels.viewed).not.toEqual(labels.whole);
  });

  it('cuts a Namespace to name, labels and route segment, drops unread kinds, and is idempotent', () => {
    const ns = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'tenant-a',
        labels: { x: 'y' },
        annotations: { [ANNOTATIONS.routeSegment]: 'a', [ANNOTATIONS.displayName]: 'Team A' },
      },
    };
    expect(flowView(ns)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'tenant-a', labels: { x: 'y' }, annotations: { [ANNOTATIONS.routeSegment]: 'a' } },
    });
    expect(flowView(flowView(ns)!)).toEqual(flowView(ns));
    expect(flowView({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' } })).toBeUndefined();
    expect(flowView({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toBeUndefined();
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe(
      '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}',
    );
    expect(viewMultiset([ns, { kind: 'ConfigMap' }])).toEqual(viewMultiset([{ ...ns, metadata: { ...ns.metadata } }]));
  });
});

describe('the flow view of a generated registry', () => {
  let root: string;
  beforeAll(async () => {
    root = scratchRoot('flow-view-', benchTenantsYaml(12));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await synth(['--root', root, '--jobs', '1'])).toBe(0);
    vi.restoreAllMocks();
  }, 120_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('the matrix of the views is that of the whole objects, in every environment; a planted fault differs', () => {
    const output = readOutput(root);
    for (const env of output.environments) {
      const { whole, viewed } = both(env);
      expect(viewed, env.name).toEqual(whole);
    }
    const dev = output.environments.find((e) => e.name === 'dev')!;
    const planted = both(dev, withoutIngress);
    expect(planted.viewed).not.toEqual(planted.whole);
  });
});
