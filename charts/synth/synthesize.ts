/**
 * The compiler: configuration in, repository files out. Pure: returns a map from repository
 * path to file content and never touches the disk.
 *
 * Each tenant is synthesized in an App of its own and converted with Chart.toJson(), which
 * keeps the cost of one tenant independent of how many others exist (one App with every
 * tenant re-walks the whole construct tree for each chart).
 */
import { App, type Chart } from 'cdk8s';
import { generateArgoCd } from '../argocd/generate';
import type { Environment } from '../config/environment';
import type { InfraOutputs } from '../config/infra-outputs';
import type { Tenant } from '../config/load-tenants';
import { DIRS } from '../lib/constants';
import { StorageChart } from '../storage-chart';
import { TenancyChart } from '../tenancy-chart';
import { TenantChart } from '../tenant-chart';
import * as readme from './readmes';
import { objectFileName, toYaml } from './serialize';

export interface SynthInput {
  readonly environments: readonly Environment[];
  readonly tenants: readonly Tenant[];
  /**
   * The AWS data services of each environment (cluster/outputs/<env>.json), keyed by
   * environment name: endpoints, bucket, role ARNs and secret names. Every environment needs one.
   */
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

/** Manifests of one chart built in an App of its own. */
export function chartObjects(build: (app: App) => Chart): Record<string, unknown>[] {
  const app = new App({ outdir: '.' });
  return build(app).toJson() as Record<string, unknown>[];
}

/** The isolation objects of one tenant in one environment. */
export function tenantObjects(tenant: Tenant, environment: Environment): Record<string, unknown>[] {
  return chartObjects((app) => new TenantChart(app, tenant.name, { tenant, environment }));
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
    if (!input.infra.has(env.name)) throw new Error(`synth: no infrastructure outputs for environment ${env.name}`);
    const envDir = `${DIRS.dist}/${env.name}`;
    out.add(`${envDir}/README.md`, readme.envReadme(env));
    out.add(`${envDir}/${DIRS.platform}/README.md`, readme.platformReadme(env));
    out.add(`${envDir}/${DIRS.platform}/tenancy/README.md`, readme.tenancyReadme());
    addObjects(out, `${envDir}/${DIRS.platform}/tenancy`, chartObjects((app) => new TenancyChart(app, 'tenancy')));
    out.add(`${envDir}/${DIRS.platform}/${DIRS.storage}/README.md`, readme.storageReadme());
    addObjects(out, `${envDir}/${DIRS.platform}/${DIRS.storage}`, chartObjects((app) => new StorageChart(app, 'storage')));
    out.add(`${envDir}/${DIRS.tenants}/README.md`, readme.tenantsReadme(env));
    for (const t of input.tenants) {
      const dir = `${envDir}/${DIRS.tenants}/${t.name}`;
      const files = addObjects(out, dir, tenantObjects(t, env));
      out.add(`${dir}/README.md`, readme.tenantReadme(env, t, files));
    }
    out.add(`${DIRS.argocd}/${env.name}/README.md`, readme.argocdEnvReadme(env));
    for (const folder of [DIRS.bootstrap, DIRS.projects, DIRS.applicationSets]) {
      out.add(`${DIRS.argocd}/${env.name}/${folder}/README.md`, readme.argocdFolderReadme(env, folder));
    }
    for (const [path, object] of generateArgoCd(env, input.tenants)) out.add(path, toYaml(object));
  }
  return out.files;
}
