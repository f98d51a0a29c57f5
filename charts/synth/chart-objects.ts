import { App, type Chart } from 'cdk8s';

/** Manifests of one chart built in an App of its own (its cost never depends on other charts). */
export function chartObjects(build: (app: App) => Chart): Record<string, unknown>[] {
  const app = new App({ outdir: '.' });
  return build(app).toJson() as Record<string, unknown>[];
}
