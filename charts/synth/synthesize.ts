/**
 * The compiler: configuration in, repository files out. Pure: returns a map from repository
 * path to file content and never touches the disk.
 *
 * Each tenant is synthesized in an App of its own and converted with Chart.toJson(), which
 * keeps the cost of one tenant independent of how many others exist (one App with every
 * tenant re-walks the whole construct tree for each chart).
 */
import { generateArgoCd } from '../argocd/generate';
import type { Environment } from '../config/environment';
import type { Tenant } from '../config/load-tenants';
import { DIRS, ROUTE_TABLE } from '../lib/constants';
import type { InfraOutputs } from '../config/infra-outputs';
import { buildPlatform } from '../platform/build';
import { TenantChart } from '../tenant-chart';
import { hasWorkloads, TenantWorkloadsChart } from '../tenant-workloads-chart';
import { environmentRoutes, routeTableJson, routeTableMarkdown } from '../routing/route-table';
import { routeSegment } from '../routing/routes';
import { architecturePage } from './architecture';
import { chartObjects } from './chart-objects';
import * as readme from './readmes';
import { objectFileName, toYaml } from './serialize';

export interface SynthInput {
  readonly environments: readonly Environment[];
  readonly tenants: readonly Tenant[];
  /** Outputs of the cluster sidecar per environment name (cluster/outputs/<env>.json). */
  readonly infra: ReadonlyMap<string, InfraOutputs>;
}

/** Adds files to a map, refusing two contents for one path. */
export class FileSet {
  readonly files = new Map<string, string>();
  add(path: string, content: string): void {
    if (this.files.has(path)) {
      throw new Error(`synth: two outputs map to ${path}; give the objects distinct kinds or names`);
    }
    this.files.set(path, content);
  }
}

/** The platform-owned objects of one tenant in one environment (isolation, routes, keys). */
export function tenantObjects(tenant: Tenant, environment: Environment, infra?: InfraOutputs): Record<string, unknown>[] {
  return chartObjects((app) => new TenantChart(app, tenant.name, { tenant, environment, infra }));
}

/** The objects a tenant declares (agents, models, MCP servers, sandboxes, backends). */
export function workloadObjects(tenant: Tenant, environment: Environment, segments: ReadonlyMap<string, string>): Record<string, unknown>[] {
  return chartObjects((app) => new TenantWorkloadsChart(app, tenant.name, { tenant, environment, segments }));
}

function addObjects(out: FileSet, dir: string, objects: readonly Record<string, unknown>[]): string[] {
  const names: string[] = [];
  for (const o of objects) {
    const name = objectFileName(o as { kind?: string; metadata?: { name?: string } });
    out.add(`${dir}/${name}`, toYaml(o));
    names.push(name);
  }
  return names.sort();
}

/** Every file of dist/ and argocd/ for the given configuration. */
export function synthesize(input: SynthInput): Map<string, string> {
  const out = new FileSet();
  out.add(`${DIRS.dist}/README.md`, readme.distReadme(input.environments));
  out.add(`${DIRS.argocd}/README.md`, readme.argocdReadme(input.environments));
  for (const env of input.environments) {
    const envDir = `${DIRS.dist}/${env.name}`;
    out.add(`${envDir}/README.md`, readme.envReadme(env));
    const infra = input.infra.get(env.name);
    if (!infra) throw new Error(`synth: no cluster outputs for environment ${env.name}; run npm run infra:outputs -- ${env.name}`);
    const platform = buildPlatform({ env, infra, tenants: input.tenants });
    out.add(`${envDir}/${DIRS.platform}/README.md`, readme.platformReadme(env, platform));
    out.add(...architecturePage(env, platform));
    for (const b of platform) {
      const dir = `${envDir}/${DIRS.platform}/${b.component.name}`;
      out.add(`${dir}/README.md`, readme.componentReadme(env, b, addObjects(out, dir, b.objects)));
    }
    const routes = environmentRoutes(input.tenants, platform.flatMap((b) => b.objects));
    out.add(`${envDir}/${ROUTE_TABLE}.md`, routeTableMarkdown(env.name, routes));
    out.add(`${envDir}/${ROUTE_TABLE}.json`, routeTableJson(env.name, routes));
    out.add(`${envDir}/${DIRS.tenants}/README.md`, readme.tenantsReadme(env));
    const segments = new Map(input.tenants.map((t) => [t.name, routeSegment(t)]));
    for (const t of input.tenants) {
      const dir = `${envDir}/${DIRS.tenants}/${t.name}`;
      const files = addObjects(out, dir, tenantObjects(t, env, infra));
      out.add(`${dir}/README.md`, readme.tenantReadme(env, t, files));
      if (hasWorkloads(t)) {
        const wdir = `${dir}/${DIRS.workloads}`;
        out.add(`${wdir}/README.md`, readme.workloadsReadme(env, t, addObjects(out, wdir, workloadObjects(t, env, segments))));
      }
    }
    out.add(`${DIRS.argocd}/${env.name}/README.md`, readme.argocdEnvReadme(env));
    for (const folder of [DIRS.bootstrap, DIRS.projects, DIRS.applicationSets, DIRS.platformApplications]) {
      out.add(`${DIRS.argocd}/${env.name}/${folder}/README.md`, readme.argocdFolderReadme(env, folder));
    }
    for (const [path, object] of generateArgoCd(env, input.tenants, platform)) out.add(path, toYaml(object));
  }
  return out.files;
}
