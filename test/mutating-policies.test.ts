/**
 * Mutating policies must not fight Argo CD: a rule that changed an object an Application syncs
 * would be undone by self-heal and applied again, forever. Every mutating rule of every
 * ClusterPolicy in dist/ either excludes objects Argo CD tracks (and compiled ones), or matches
 * only objects no Application syncs, for a reason checked here.
 *
 * Argo CD 3 tracks what an Application syncs by the annotation argocd.argoproj.io/tracking-id
 * unless argocd-cm sets application.resourceTrackingMethod (argo-cd v3.4.4, the chart's appVersion,
 * and v3.5.1: util/settings/settings.go GetTrackingMethod returns "annotation" when the key is
 * empty; common/common.go AnnotationKeyAppInstance).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { DIRS } from '../charts/lib/constants';
import { KAGENT_AGENT_LABELS, OWNED_BY_KAGENT_AGENT } from '../charts/platform/policies/appprotocol-policy';
import { notArgoSynced } from '../charts/platform/policies/policy-parts';
import { UPSTREAM } from '../charts/lib/upstream';
import { CHARTS_DIR } from '../scripts/toolchain/paths';
import { yamlFiles } from '../scripts/toolchain/schemas';

type Json = any;

const ROOT = path.resolve(__dirname, '..');
const CHARTS = CHARTS_DIR;
const ENVS = fs
  .readdirSync(path.join(ROOT, DIRS.dist), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
const TRACKING_METHOD = 'application.resourceTrackingMethod';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const matchClauses = (rule: Json): Json[] => [...(rule.match?.any ?? []), ...(rule.match?.all ?? [])];
const kindName = (k: string) => k.split('/').pop()!;

/** Objects no Application syncs, by kind: how a rule shows it matches only those, and why none is synced. */
const UNSYNCED: readonly { kind: string; only: (rule: Json) => boolean; why: string }[] = [
  {
    kind: 'Pod',
    // Pods admitted on creation: placement fields cannot change afterwards.
    only: (rule) => matchClauses(rule).every((c) => same(c.resources.operations, ['CREATE'])),
    why: 'the compiler emits no Pod, and the pinned Helm charts create Pods only through controllers, except Helm test hooks, which Argo CD never syncs',
  },
  {
    kind: 'Service',
    only: (rule) =>
      (rule.preconditions?.all ?? []).some((c: Json) => same(c, OWNED_BY_KAGENT_AGENT)) &&
      matchClauses(rule).every((c) => same(c.resources.selector?.matchLabels, KAGENT_AGENT_LABELS)),
    why: "kagent creates and reconciles the Service of an Agent (kagent v0.9.12 manifest_builder.go); the compiler emits no object with an ownerReference. kagent copies the Agent's annotations, its tracking-id among them, onto the Service, but that id names the Agent (group kagent.dev, kind Agent), so Argo CD does not count the Service as its own (argo-cd v3.4.4 controller/state.go isSelfReferencedObj)",
  },
];

/** Why a mutating rule could fight Argo CD, or undefined when it cannot. */
function fight(policy: string, rule: Json): string | undefined {
  if (!rule.mutate) return undefined;
  const pre: Json[] = rule.preconditions?.all ?? [];
  if (notArgoSynced().every((c) => pre.some((p) => same(p, c)))) return undefined;
  const kinds = [...new Set(matchClauses(rule).flatMap((c) => c.resources.kinds.map(kindName)))];
  const unsynced = UNSYNCED.find((u) => same(kinds, [u.kind]));
  if (unsynced?.only(rule)) return undefined;
  return `ClusterPolicy ${policy} rule ${rule.name}: mutates ${kinds.join(', ')} without leaving out objects an Argo CD Application syncs; put notArgoSynced() (charts/platform/policies/policy-parts.ts) in its preconditions, or match only objects no Application syncs`;
}

function fights(policies: readonly Json[]): string[] {
  return policies.flatMap((p) =>
    p.spec.rules
      .map((r: Json) => fight(p.metadata.name, r))
      .filter((x: string | undefined): x is string => x !== undefined),
  );
}

const policiesOf = (env: string): Json[] => {
  const dir = path.join(ROOT, DIRS.dist, env, DIRS.platform, DIRS.policies);
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('clusterpolicy-'))
    .map((f) => parse(fs.readFileSync(path.join(dir, f), 'utf8')));
};

/** Every object in dist/<env>/ and argocd/<env>/. */
const objectsOf = (env: string): Json[] =>
  [DIRS.dist, DIRS.argocd].flatMap((d) =>
    yamlFiles(path.join(ROOT, d, env)).flatMap((f) =>
      parseAllDocuments(fs.readFileSync(f, 'utf8')).map((x) => x.toJS()),
    ),
  );

/** Chart template files declaring a Pod outside a tests/ or test/ folder (Helm's place for test hooks). */
const outsideTests = (files: readonly string[]) => files.filter((f) => !/\/templates\/tests?\//.test(f));

/** Whether argocd-cm data leaves Argo CD tracking by the tracking-id annotation. */
const tracksByAnnotation = (cm: Record<string, unknown>) =>
  [undefined, 'annotation', 'annotation+label'].includes(cm[TRACKING_METHOD] as string | undefined);

describe('mutating policies and Argo CD', () => {
  it('every mutating rule in dist/ leaves out Argo-synced objects or matches only objects no Application syncs', () => {
    let rules = 0;
    for (const env of ENVS) {
      const policies = policiesOf(env);
      rules += policies.reduce((n, p) => n + p.spec.rules.filter((r: Json) => r.mutate).length, 0);
      expect(fights(policies), env).toEqual([]);
    }
    expect(rules).toBeGreaterThan(0);
  });

  it('planted fault: a mutating rule on Agents without the exclusion is named with its policy', () => {
    const [traceprop] = policiesOf('dev').filter((p) => p.metadata.name === 'traceprop');
    const planted = structuredClone(traceprop);
    const rule = planted.spec.rules.find((r: Json) => r.name === 'append-env');
    rule.preconditions.all = rule.preconditions.all.filter((c: Json) => !notArgoSynced().some((x) => same(x, c)));
    expect(fights([planted])).toEqual([
      'ClusterPolicy traceprop rule append-env: mutates Agent without leaving out objects an Argo CD Application syncs; put notArgoSynced() (charts/platform/policies/policy-parts.ts) in its preconditions, or match only objects no Application syncs',
    ]);
    const placement = structuredClone(policiesOf('dev').find((p) => p.metadata.name === 'tenant-scheduling'));
    placement.spec.rules[0].match.any[0].resources.operations = ['CREATE', 'UPDATE'];
    expect(fights([placement])).toEqual([
      expect.stringMatching(/^ClusterPolicy tenant-scheduling rule agents-first-toleration: mutates Pod without/),
    ]);
  });

  it('no Application syncs a Pod or an object with an owner: the compiler emits none', () => {
    for (const env of ENVS) {
      const objects = objectsOf(env);
      expect(objects.length, env).toBeGreaterThan(0);
      expect(
        objects.filter((o) => o?.kind === 'Pod').map((o) => o.metadata.name),
        env,
      ).toEqual([]);
      expect(
        objects.filter((o) => o?.metadata?.ownerReferences).map((o) => `${o.kind}/${o.metadata.name}`),
        env,
      ).toEqual([]);
    }
  });

  it('the pinned Helm charts declare Pods only as Helm test hooks, which Argo CD never syncs', () => {
    // gitops-engine in argo-cd v3.4.4, pkg/sync/hook/helm/type.go: only pre/post-install and
    // pre/post-upgrade map to Argo CD hooks; docs/user-guide/helm.md: "Unsupported hooks are ignored".
    const pods = fs
      .readdirSync(CHARTS)
      .filter((d) => d !== '_release-stamped' && fs.statSync(path.join(CHARTS, d)).isDirectory())
      .flatMap((d) =>
        yamlFiles(path.join(CHARTS, d)).filter(
          (f) => f.includes(`${path.sep}templates${path.sep}`) && /^kind: Pod\s*$/m.test(fs.readFileSync(f, 'utf8')),
        ),
      )
      .map((f) => path.relative(CHARTS, f));
    expect(pods.length).toBeGreaterThan(0);
    expect(outsideTests(pods)).toEqual([]);
    // Planted: a Pod template beside the chart's workloads.
    expect(outsideTests([...pods, 'kyverno-3.9.0/templates/debug-pod.yaml'])).toEqual([
      'kyverno-3.9.0/templates/debug-pod.yaml',
    ]);
  });

  it('Argo CD tracks by annotation: neither the pinned chart nor our values choose another method', () => {
    const chart = UPSTREAM.argocd;
    if (chart.type !== 'helm') throw new Error('the argocd upstream is expected to be a Helm chart');
    const defaults = parse(
      fs.readFileSync(path.join(CHARTS, `${chart.chart}-${chart.version}`, 'values.yaml'), 'utf8'),
    );
    expect(defaults.configs.cm[TRACKING_METHOD]).toBeUndefined();
    for (const env of ENVS) {
      const app = parse(
        fs.readFileSync(
          path.join(ROOT, DIRS.argocd, env, DIRS.platformApplications, 'application-platform-argocd.yaml'),
          'utf8',
        ),
      );
      const cm = app.spec.sources.find((s: Json) => s.chart === chart.chart).helm.valuesObject.configs.cm;
      expect(tracksByAnnotation(cm), env).toBe(true);
    }
    // Planted: label tracking would leave synced objects without the annotation the policies look for.
    expect(tracksByAnnotation({ [TRACKING_METHOD]: 'label' })).toBe(false);
  });
});
