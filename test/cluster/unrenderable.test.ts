/**
 * Which platform charts the cluster tier excuses, and what it stands in for them with
 * (scripts/cluster-tier/unrenderable.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartCrds, ownObjects, stubObjects, unrenderableComponents } from '../../scripts/cluster-tier/unrenderable';
import { CHARTS_DIR } from '../../scripts/toolchain/paths';
import { chartDirectory, loadEnvironment, readPlatformApplication } from '../../scripts/upstream/render';
import { distObjects } from './live-fixture';

const ROOT = path.resolve(__dirname, '..', '..');
const env = loadEnvironment('dev', ROOT);
const kps = readPlatformApplication(env, 'kube-prometheus-stack', ROOT);

/** A charts folder holding only kube-prometheus-stack's Chart.yaml and the dependencies `present`. */
function chartsFolder(present: readonly string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unrenderable-'));
  const chart = path.join(dir, `kube-prometheus-stack-${kps.source.targetRevision}`);
  fs.mkdirSync(chart);
  const deps = ['crds', 'kube-state-metrics', 'grafana'];
  fs.writeFileSync(
    path.join(chart, 'Chart.yaml'),
    `apiVersion: v2\nname: kube-prometheus-stack\nversion: ${kps.source.targetRevision}\ndependencies:\n${deps.map((d) => `  - name: ${d}\n    version: 1.0.0\n`).join('')}`,
  );
  for (const d of present) {
    fs.mkdirSync(path.join(chart, 'charts', d), { recursive: true });
    fs.writeFileSync(path.join(chart, 'charts', d, 'Chart.yaml'), `apiVersion: v2\nname: ${d}\nversion: 1.0.0\n`);
  }
  return dir;
}

describe('unrenderableComponents', () => {
  it('names the component, its Application, namespace and every dependency directory its chart lacks', () => {
    const dir = chartsFolder(['crds']);
    try {
      expect(unrenderableComponents(env, ROOT, dir)).toEqual([
        {
          component: 'kube-prometheus-stack',
          application: 'platform-kube-prometheus-stack',
          namespace: kps.namespace,
          chartDir: path.join(dir, `kube-prometheus-stack-${kps.source.targetRevision}`),
          ownPaths: ['dist/dev/platform/kube-prometheus-stack'],
          missing: [
            `kube-prometheus-stack-${kps.source.targetRevision}/charts/kube-state-metrics`,
            `kube-prometheus-stack-${kps.source.targetRevision}/charts/grafana`,
          ],
        },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads the objects of the Application's own sources, in its namespace (the grafana-admin ExternalSecret)", () => {
    const dir = chartsFolder(['crds']);
    try {
      const [u] = unrenderableComponents(env, ROOT, dir);
      const ids = ownObjects(u!, ROOT).map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
      expect(ids).toContain(`ExternalSecret ${kps.namespace}/grafana-admin`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('excuses nothing once the copy holds every dependency (planted: the complete copy)', () => {
    const dir = chartsFolder(['crds', 'kube-state-metrics', 'grafana']);
    try {
      expect(unrenderableComponents(env, ROOT, dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what stands in for kube-prometheus-stack', () => {
  const copy = chartDirectory(kps.source, CHARTS_DIR);

  it.runIf(copy)("the pinned copy's CustomResourceDefinitions define every monitoring kind dist/ uses", () => {
    const kinds = new Set(chartCrds(copy!).map((c) => `${c.spec.group}/${c.spec.names.kind}`));
    const used = new Set<string>();
    for (const name of ['dev', 'prod'])
      for (const o of distObjects(name))
        if (String(o.apiVersion).startsWith('monitoring.coreos.com/'))
          used.add(`${String(o.apiVersion).split('/')[0]}/${o.kind}`);
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((k) => !kinds.has(k))).toEqual([]);
  });

  it('stubs the Services and ServiceAccount the platform names, in the chart namespace; nothing for other charts', () => {
    expect(
      stubObjects('kube-prometheus-stack', 'monitoring').map(
        (o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
      ),
    ).toEqual([
      'Service monitoring/kube-prometheus-stack-prometheus',
      'Service monitoring/kube-prometheus-stack-grafana',
      'ServiceAccount monitoring/kube-prometheus-stack-prometheus',
    ]);
    expect(stubObjects('kyverno', 'kyverno')).toEqual([]);
  });
});
