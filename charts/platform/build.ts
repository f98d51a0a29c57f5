/**
 * Builds the platform of one environment: the objects of every component (each in an App of its
 * own), the checked Helm values of every upstream, and the sync wave of every component.
 */
import { Chart } from 'cdk8s';
import { chartObjects } from '../lib/chart-objects';
import type { PlatformComponent, PlatformContext } from './component';
import { platformComponents } from './components';
import { computeWaves } from './graph';
import { writePlacement } from './values';

export interface BuiltComponent {
  readonly component: PlatformComponent;
  readonly wave: number;
  /** Our own objects (empty when the component is only an upstream install). */
  readonly objects: Record<string, unknown>[];
  /** Helm values after placement, checked against the component's schema. */
  readonly values?: Record<string, unknown>;
}

/** The Helm values of a component's upstream, with placements written and the schema checked. */
export function componentValues(
  component: PlatformComponent,
  ctx: PlatformContext,
): Record<string, unknown> | undefined {
  const up = component.upstream;
  if (!up?.values) return undefined;
  const values = structuredClone(up.values(ctx)) as Record<string, unknown>;
  for (const p of up.placements ?? []) writePlacement(values, p);
  if (up.valuesSchema) {
    const parsed = up.valuesSchema.safeParse(values);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(values)'}: ${i.message}`).join('; ');
      throw new Error(
        `platform component ${component.name}: Helm values do not match the schema of ${up.name}: ${issues}; fix the values or the schema in charts/platform/components`,
      );
    }
  }
  return values;
}

export function buildPlatform(ctx: PlatformContext): BuiltComponent[] {
  const components = platformComponents(ctx.env);
  const waves = computeWaves(components);
  return components.map((component) => ({
    component,
    wave: waves.get(component.name)!,
    objects: component.manifests
      ? chartObjects((app) => {
          const chart = new Chart(app, component.name);
          component.manifests!(chart, ctx);
          return chart;
        })
      : [],
    values: componentValues(component, ctx),
  }));
}
