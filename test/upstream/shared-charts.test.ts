/**
 * The charts folder in use (../shared/charts, or $CHARTS_DIR): which pinned charts it cannot
 * render, and why. The shared copy on this project's machines has kube-prometheus-stack 88.5.3
 * without its dependency charts (grafana 12.11.1, kube-state-metrics 8.4.0,
 * prometheus-node-exporter 4.56.1, prometheus-windows-exporter 0.12.8), so the render tests name it
 * instead of checking it (test/upstream/chart-checks.ts notRenderableHere); a folder written by
 * `npm run fetch-upstream` has them, and every render test checks it too.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PINS_FILE, readPins } from '../../scripts/upstream/fetch';
import {
  loadEnvironment,
  MissingDependenciesError,
  renderComponent,
  upstreamComponents,
} from '../../scripts/upstream/render';
import { MAY_LACK_DEPENDENCIES, notRenderableHere } from './chart-checks';

describe('the charts folder', () => {
  it('lacks only pinned dependencies, and only of the charts known to lack them; npm run fetch-upstream gets them', () => {
    const pinned = new Set(readPins(fs.readFileSync(PINS_FILE, 'utf8')).map((p) => p.path));
    const missing = new Map<string, readonly string[]>();
    for (const c of upstreamComponents(loadEnvironment('dev'))) {
      try {
        renderComponent('dev', c);
      } catch (e) {
        if (!(e instanceof MissingDependenciesError)) throw e;
        missing.set(c, e.missing);
      }
    }
    expect([...missing.keys()]).toEqual(notRenderableHere('dev'));
    for (const c of missing.keys()) expect(MAY_LACK_DEPENDENCIES, c).toContain(c);
    for (const [c, dirs] of missing) {
      for (const d of dirs)
        expect(pinned.has(`charts/${d}/Chart.yaml`), `${c}: ${d} is not pinned in scripts/upstream/pinned.sha256`).toBe(
          true,
        );
    }
    const kps = missing.get('kube-prometheus-stack');
    if (kps) {
      expect(kps).toEqual([
        'kube-prometheus-stack-88.5.3/charts/kube-state-metrics',
        'kube-prometheus-stack-88.5.3/charts/prometheus-node-exporter',
        'kube-prometheus-stack-88.5.3/charts/grafana',
        'kube-prometheus-stack-88.5.3/charts/prometheus-windows-exporter',
      ]);
    }
  });
});
