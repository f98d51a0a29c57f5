/**
 * Platform charts the charts folder cannot render: a pinned chart whose dependency charts are not
 * unpacked beside it. helm refuses such a chart whatever the dependencies' conditions (helm v3.22.0
 * pkg/action/dependency.go CheckDependencies), and kube-prometheus-stack's own templates read its
 * subcharts' values and helpers (templates/prometheus/clusterrole.yaml reads
 * `prometheus-node-exporter`.kubeRBACProxy), so no part of it can be served without them.
 *
 * What the tier does about one (docs/testing.md#cluster-tier): its Application is excused, by name
 * and with the missing directories; the CustomResourceDefinitions of the same pinned copy are
 * applied, so that the Applications that use its kinds can sync; and the live-state checks read
 * stubs of the objects the platform names from it (charts/lib/chart-names.ts), as the unit tests
 * of those checks do. Found from the folder, never listed by hand: once the copy is complete,
 * nothing is excused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORE_SCHEMA, load, loadAll } from 'js-yaml';
import type { Environment } from '../../charts';
import {
  CHART_SERVICE_ACCOUNTS,
  CHART_SERVICES,
  GRAFANA_POD_LABELS,
  PROMETHEUS_POD_LABELS,
} from '../../charts/lib/chart-names';
import { CHARTS_DIR } from '../toolchain/paths';
import {
  applicationFile,
  chartDirectory,
  missingDependencies,
  readPlatformApplication,
  upstreamComponents,
} from '../upstream/render';
import type { K8sObject } from './live-state';

/** A platform component whose pinned chart cannot be rendered from the charts folder. */
export interface Unrenderable {
  readonly component: string;
  /** Its Application's name. */
  readonly application: string;
  /** Its destination namespace. */
  readonly namespace: string;
  /** The pinned chart's copy. */
  readonly chartDir: string;
  /** The dependency directories the copy lacks. */
  readonly missing: readonly string[];
  /** The Application's sources in the project repository (paths such as dist/<env>/platform/<component>). */
  readonly ownPaths: readonly string[];
}

/** The platform components of `env` whose chart cannot be rendered from `chartsDir`. */
export function unrenderableComponents(env: Environment, root: string, chartsDir = CHARTS_DIR): Unrenderable[] {
  const out: Unrenderable[] = [];
  for (const component of upstreamComponents(env, root)) {
    const app = readPlatformApplication(env, component, root);
    const chartDir = chartDirectory(app.source, chartsDir);
    const missing = chartDir ? missingDependencies(chartDir) : [];
    if (chartDir && missing.length > 0)
      out.push({
        component,
        application: `platform-${component}`,
        namespace: app.namespace,
        chartDir,
        missing: missing.map((m) => path.relative(chartsDir, m)),
        ownPaths: ownPaths(env, root, component),
      });
  }
  return out;
}

/** The paths of a platform Application's sources in the project repository. */
function ownPaths(env: Environment, root: string, component: string): string[] {
  const app = load(fs.readFileSync(applicationFile(env, component, root), 'utf8'), { schema: CORE_SCHEMA }) as {
    spec: { source?: { repoURL: string; path?: string }; sources?: { repoURL: string; path?: string }[] };
  };
  return (app.spec.sources ?? (app.spec.source ? [app.spec.source] : []))
    .filter((s) => s.repoURL === env.argocd.repoURL && s.path !== undefined)
    .map((s) => s.path!);
}

/**
 * The objects an unrenderable Application's own sources hold (YAML files under its paths of the
 * project repository at `root`), in its namespace where they name none: Argo CD syncs none of
 * them while the chart source fails, so the live-state checks read them as stubs too.
 */
export function ownObjects(u: Unrenderable, root: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const p of u.ownPaths) {
    const dir = path.join(root, p);
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort())
      if (/\.ya?ml$/.test(f))
        for (const o of loadAll(fs.readFileSync(path.join(dir, f), 'utf8'), undefined, {
          schema: CORE_SCHEMA,
        }) as K8sObject[])
          if (o?.kind) out.push({ ...o, metadata: { namespace: u.namespace, ...o.metadata } });
  }
  return out;
}

/**
 * The CustomResourceDefinitions a chart copy holds: the files of its crds/ folder and of each
 * dependency's, as helm installs them (helm v3.22.0 pkg/chart/chart.go CRDObjects).
 */
export function chartCrds(chartDir: string): K8sObject[] {
  const files: string[] = [];
  const walk = (chart: string) => {
    const crds = path.join(chart, 'crds');
    if (fs.existsSync(crds))
      for (const f of fs.readdirSync(crds).sort()) if (/\.ya?ml$/.test(f)) files.push(path.join(crds, f));
    const subcharts = path.join(chart, 'charts');
    if (fs.existsSync(subcharts))
      for (const d of fs.readdirSync(subcharts).sort())
        if (fs.existsSync(path.join(subcharts, d, 'Chart.yaml'))) walk(path.join(subcharts, d));
  };
  walk(chartDir);
  return files.flatMap((f) =>
    (loadAll(fs.readFileSync(f, 'utf8'), undefined, { schema: CORE_SCHEMA }) as K8sObject[]).filter(
      (o) => o?.kind === 'CustomResourceDefinition',
    ),
  );
}

/** Stubs of the objects the platform names from an unrenderable chart, in its namespace. */
export function stubObjects(component: string, namespace: string): K8sObject[] {
  if (component !== 'kube-prometheus-stack') return [];
  const svc = (name: string, port: number, selector: Record<string, string>): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector, ports: [{ name: 'http', port, protocol: 'TCP' }] },
  });
  return [
    svc(CHART_SERVICES.prometheus.name, CHART_SERVICES.prometheus.port, PROMETHEUS_POD_LABELS),
    svc(CHART_SERVICES.grafana.name, CHART_SERVICES.grafana.port, GRAFANA_POD_LABELS),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: CHART_SERVICE_ACCOUNTS.prometheus.name, namespace } },
  ];
}
