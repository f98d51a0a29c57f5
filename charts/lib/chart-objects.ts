import { ApiObject, App, Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';

/**
 * Manifests of one chart built in an App of its own (its cost never depends on other charts).
 *
 * A chart whose constructs declare no dependencies and that nests no chart is converted object by object: the
 * validations of every construct run as `Chart.toJson()` would run them, and the app-wide
 * dependency resolution, which orders nothing in such a chart, is skipped (it is a third of the
 * cost of a tenant). Objects come out in construct-tree order. A chart with dependencies goes
 * through `Chart.toJson()`.
 */
export function chartObjects(build: (app: App) => Chart): Record<string, unknown>[] {
  const app = new App({ outdir: '.' });
  const chart = build(app);
  const all: IConstruct[] = app.node.findAll();
  if (all.some((c) => c.node.dependencies.length > 0 || (c !== chart && Chart.isChart(c))))
    return chart.toJson() as Record<string, unknown>[];
  const errors = all.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  // Every ApiObject lives in a chart, and the app holds this chart only.
  return all.filter((c): c is ApiObject => ApiObject.isApiObject(c)).map((o) => o.toJson() as Record<string, unknown>);
}
