/**
 * Builds the platform of one environment: the objects of every component (each in an App of its
 * own), the checked Helm values of every upstream, and the sync wave of every component. The
 * objects of one tenant are built apart (`platformTenantObjects`), from that tenant alone.
 */
import { Chart } from 'cdk8s';
import { chartObjects } from '../lib/chart-objects';
import type { PlatformComponent, PlatformContext, PlatformTenantContext } from './component';
import { platformComponents } from './components';
import { computeWaves } from './graph';
import { writePlacement } from './values';

export interface BuiltComponent {
  readonly component: PlatformComponent;
  readonly wave: number;
  /**
   * Our own objects that are no single tenant's (empty when the component is only an upstream
   * install); those of each tenant come from `platformTenantObjects`.
   */
  readonly objects: Record<string, unknown>[];
  /** Helm values after placement, checked against the component's schema. */
  readonly values?: Record<string, unknown>;
  /**
   * What the output needs of `objects` (synth/component-files.ts), when known: a remembered
   * component has these ready, and its `objects` are read back from their YAML only if asked for.
   */
  readonly files?: ComponentFiles;
}

/** A component's objects as files: per object its file name, README name, text and its SHA-256. */
export interface ComponentFiles {
  readonly names: readonly string[];
  readonly readmeNames: readonly string[];
  readonly yaml: readonly string[];
  readonly digests: readonly string[];
  /** The objects of kind HTTPRoute, whole: what the route table reads. */
  readonly routes: readonly Record<string, unknown>[];
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

/** A component's shared objects and Helm values. */
export type ComponentParts = Pick<BuiltComponent, 'objects' | 'values' | 'files'>;

/**
 * Builds a component's parts from a tenant list; `remember` may answer from memory instead
 * (synth/component-memo.ts), given the component's name and the build.
 */
export type RememberComponent = (
  component: string,
  build: (tenants: PlatformContext['tenants']) => ComponentParts,
) => ComponentParts;

export function buildPlatform(
  ctx: PlatformContext,
  remember: RememberComponent = (_name, build) => build(ctx.tenants),
): BuiltComponent[] {
  const components = platformComponents(ctx.env);
  const waves = computeWaves(components);
  return components.map((component) => {
    const parts = remember(component.name, (tenants) => {
      const c: PlatformContext = { ...ctx, tenants };
      return {
        objects: component.manifests
          ? chartObjects((app) => {
              const chart = new Chart(app, component.name);
              component.manifests!(chart, c);
              return chart;
            })
          : [],
        values: componentValues(component, c),
      };
    });
    // `objects` is read through: a remembered component reads its objects back only if asked.
    return {
      component,
      wave: waves.get(component.name)!,
      get objects() {
        return parts.objects;
      },
      ...(parts.values ? { values: parts.values } : {}),
      ...(parts.files ? { files: parts.files } : {}),
    };
  });
}

/** Whether a component has a folder of our own objects: shared ones, or ones of each tenant. */
export function hasOwnObjects(b: BuiltComponent): boolean {
  return (b.files ? b.files.names.length : b.objects.length) > 0 || b.component.tenantManifests !== undefined;
}

/** The objects of one tenant a component makes (`tenantManifests`), in an App of their own. */
export function componentTenantObjects(
  component: PlatformComponent,
  ctx: PlatformTenantContext,
): Record<string, unknown>[] {
  const build = component.tenantManifests;
  if (!build) return [];
  const objects = chartObjects((app) => {
    const chart = new Chart(app, component.name);
    build(chart, ctx);
    return chart;
  });
  // The route table reads the platform's routes from the shared objects only.
  if (objects.some((o) => o.kind === 'HTTPRoute'))
    throw new Error(
      `platform component ${component.name}: an HTTPRoute of tenant ${ctx.tenant.name} in tenantManifests; make routes in manifests`,
    );
  return objects;
}

/** The platform objects of one tenant, per component that makes any, in component order. */
export function platformTenantObjects(
  ctx: PlatformTenantContext,
): { component: PlatformComponent; objects: Record<string, unknown>[] }[] {
  return platformComponents(ctx.env)
    .filter((component) => component.tenantManifests)
    .map((component) => ({ component, objects: componentTenantObjects(component, ctx) }));
}

/**
 * Every object of the platform, shared and of each tenant, per component: the whole platform as
 * one list, for checks and tools that read it whole (synth compiles the parts apart).
 */
export function platformObjects(ctx: PlatformContext, built = buildPlatform(ctx)): Record<string, unknown>[] {
  const perTenant = ctx.tenants.map((tenant) => platformTenantObjects({ env: ctx.env, infra: ctx.infra, tenant }));
  return built.flatMap((b) => [
    ...b.objects,
    ...perTenant.flatMap((t) => t.filter((c) => c.component.name === b.component.name).flatMap((c) => c.objects)),
  ]);
}
