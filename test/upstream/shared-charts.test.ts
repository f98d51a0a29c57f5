/**
 * The shared charts folder this machine (and CI) has: which pinned charts it cannot render, and
 * why. kube-prometheus-stack 88.5.3's dependency charts (grafana 12.11.1, kube-state-metrics 8.4.0,
 * prometheus-node-exporter 4.56.1, prometheus-windows-exporter 0.12.8) are listed in its
 * FILES.sha256 but absent from the folder, so helm cannot render it and the render tests name it
 * instead of checking it (test/upstream/chart-checks.ts NOT_RENDERABLE_HERE). When the folder is
 * complete this test fails, and the chart goes back into every render test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS_DIR, loadEnvironment, MissingDependenciesError, renderComponent, upstreamComponents } from '../../scripts/upstream/render';
import { NOT_RENDERABLE_HERE } from './chart-checks';

describe('the shared charts folder', () => {
  it('lacks only dependencies that belong to the pinned releases, and only those of the charts the render tests leave out', () => {
    const listed = fs.readFileSync(path.join(CHARTS_DIR, 'FILES.sha256'), 'utf8');
    const missing = new Map<string, readonly string[]>();
    for (const c of upstreamComponents(loadEnvironment('dev'))) {
      try {
        renderComponent('dev', c);
      } catch (e) {
        if (!(e instanceof MissingDependenciesError)) throw e;
        missing.set(c, e.missing);
      }
    }
    expect([...missing.keys()]).toEqual([...NOT_RENDERABLE_HERE]);
    for (const [c, dirs] of missing) {
      for (const d of dirs) expect(listed, `${c}: ${d} is not part of the copied release`).toContain(`  ./${d}/Chart.yaml`);
    }
    expect(missing.get('kube-prometheus-stack')).toEqual([
      'kube-prometheus-stack-88.5.3/charts/kube-state-metrics',
      'kube-prometheus-stack-88.5.3/charts/prometheus-node-exporter',
      'kube-prometheus-stack-88.5.3/charts/grafana',
      'kube-prometheus-stack-88.5.3/charts/prometheus-windows-exporter',
    ]);
  });
});
