/**
 * The compiler: configuration in, repository files out. Pure: returns a map from repository
 * path to file content and never touches the disk.
 *
 * The output of an environment is a sum of parts: one unit per tenant (`tenantUnitFiles`: its
 * folder, its platform objects, its Argo CD projects), computed from that tenant alone, and the
 * environment part (`environmentParts`), the files no single tenant owns. Each tenant is
 * synthesized in Apps of its own, so its cost is independent of how many others exist.
 */
import { environmentArgoCd, tenantArgoCd } from '../argocd/generate';
import type { Environment } from '../config/environment';
import type { Tenant } from '../config/load-tenants';
import { DIRS, ROUTE_TABLE } from '../lib/constants';
import type { InfraOutputs } from '../config/infra-outputs';
import { buildPlatform, type ComponentFiles, platformTenantObjects, type RememberComponent } from '../platform/build';
import { componentFiles, readmeFileName } from './component-files';
import { TenantChart } from '../tenant-chart';
import { hasWorkloads, TenantWorkloadsChart } from '../tenant-workloads-chart';
import { environmentRoutes, ownRoutes, routeTableJson, routeTableMarkdown } from '../routing/route-table';
import { type RouteEntry, routeSegment, tenantRoutes } from '../config/routes';
import { architecturePage } from './architecture';
import { chartObjects } from '../lib/chart-objects';
import * as readme from './readmes';
import { objectFileName, toYaml } from '../lib/serialize';
import { platformGuards } from '../config/guards';

export interface SynthInput {
  readonly environments: readonly Environment[];
  readonly tenants: readonly Tenant[];
  /** Outputs of the cluster sidecar per environment name (cluster/outputs/<env>.json). */
  readonly infra: ReadonlyMap<string, InfraOutputs>;
}

/** The error for two outputs with one path. */
export function collision(path: string): Error {
  return new Error(`synth: two outputs map to ${path}; give the objects distinct kinds or names`);
}

/**
 * A file whose content digest is known before its text (a remembered route table): the text is
 * made only when it is needed, which it is not when the output on disk already has that digest.
 */
export interface KnownFile {
  /** Hex SHA-256 of the content. */
  readonly digest: string;
  content(): string;
}

/** The content of a file that is no single tenant's: its text, or its digest and how to make it. */
export type SharedContent = string | KnownFile;

/** The text of a shared file. */
export function contentOf(c: SharedContent): string {
  return typeof c === 'string' ? c : c.content();
}

/** Adds files to a map, refusing two contents for one path. */
export class FileSet<C = string> {
  readonly files = new Map<string, C>();
  add(path: string, content: C): void {
    if (this.files.has(path)) throw collision(path);
    this.files.set(path, content);
  }
}

/** The platform-owned objects of one tenant in one environment (isolation, routes, keys). */
export function tenantObjects(
  tenant: Tenant,
  environment: Environment,
  infra?: InfraOutputs,
): Record<string, unknown>[] {
  return chartObjects((app) => new TenantChart(app, tenant.name, { tenant, environment, infra }));
}

/** The objects a tenant declares (agents, models, MCP servers, sandboxes, backends). */
export function workloadObjects(
  tenant: Tenant,
  environment: Environment,
  segments: ReadonlyMap<string, string>,
): Record<string, unknown>[] {
  return chartObjects((app) => new TenantWorkloadsChart(app, tenant.name, { tenant, environment, segments }));
}

/** Adds each object as a file. */
function addObjects(out: FileSet, dir: string, objects: readonly Record<string, unknown>[]): string[] {
  const names: string[] = [];
  for (const o of objects) {
    const name = objectFileName(o as { kind?: string; metadata?: { name?: string } });
    out.add(`${dir}/${name}`, toYaml(o));
    names.push(name);
  }
  return names.sort();
}

/** Route segment of every tenant by name: what workloads need to address other tenants. */
export function tenantSegments(tenants: readonly Tenant[]): Map<string, string> {
  return new Map(tenants.map((t) => [t.name, routeSegment(t)]));
}

/**
 * The files of one tenant's folder in one environment: its platform-owned objects, what it
 * declares and the READMEs of both folders.
 */
function addTenantFolder(
  out: FileSet,
  tenant: Tenant,
  env: Environment,
  infra: InfraOutputs,
  segments: ReadonlyMap<string, string>,
): void {
  const dir = `${DIRS.dist}/${env.name}/${DIRS.tenants}/${tenant.name}`;
  const files = addObjects(out, dir, tenantObjects(tenant, env, infra));
  out.add(`${dir}/README.md`, readme.tenantReadme(env, tenant, files));
  if (hasWorkloads(tenant)) {
    const wdir = `${dir}/${DIRS.workloads}`;
    out.add(
      `${wdir}/README.md`,
      readme.workloadsReadme(env, tenant, addObjects(out, wdir, workloadObjects(tenant, env, segments))),
    );
  }
}

/** The folder of a platform component's objects. */
const componentDir = (env: Environment, component: string) => `${DIRS.dist}/${env.name}/${DIRS.platform}/${component}`;

/**
 * Every file of one tenant in one environment, wherever it lives: its folder, its objects in the
 * platform components' folders, and its Argo CD projects. Depends only on the tenant, the
 * environment, its cluster outputs and the route segments of the tenants it names, so a tenant
 * can be compiled in any order, on any thread, and alone when it alone changed.
 */
export function tenantUnitFiles(
  tenant: Tenant,
  env: Environment,
  infra: InfraOutputs,
  segments: ReadonlyMap<string, string>,
): Map<string, string> {
  const out = new FileSet();
  addTenantFolder(out, tenant, env, infra, segments);
  for (const { component, objects } of platformTenantObjects({ env, infra, tenant }))
    addObjects(out, componentDir(env, component.name), objects);
  for (const [path, object] of tenantArgoCd(env, tenant)) out.add(path, toYaml(object));
  return out.files;
}

/**
 * File names of each component's README: its shared objects, and the objects every tenant gets,
 * written once with <name> (read from one tenant's: every tenant's have the same names).
 */
function componentReadmeNames(
  env: Environment,
  infra: InfraOutputs,
  tenants: readonly Tenant[],
  files: ReadonlyMap<string, ComponentFiles>,
): Map<string, string[]> {
  const perTenant = new Map<string, string[]>();
  if (tenants.length > 0)
    for (const { component, objects } of platformTenantObjects({ env, infra, tenant: tenants[0] }))
      perTenant.set(component.name, objects.map(readmeFileName));
  return new Map(
    [...files].map(([name, f]) => [name, [...new Set([...f.readmeNames, ...(perTenant.get(name) ?? [])])].sort()]),
  );
}

/**
 * The files of one environment that are no single tenant's, computed before they are placed:
 * those that depend on no tenant or on the tenant list as a whole (the collector's pipelines, the
 * access syncs' mounts, the Keycloak realm, the route table, the READMEs).
 */
export interface EnvironmentPart {
  readonly env: Environment;
  readonly infra: InfraOutputs;
  readonly head: Map<string, SharedContent>;
  readonly tail: Map<string, SharedContent>;
}

/** What the route table of an environment is computed from, each part on demand. */
export interface RouteTableView {
  readonly tenants: readonly Tenant[];
  /** The platform's own routes. */
  own(): RouteEntry[];
  /** The routes of one tenant. */
  routes(tenant: Tenant): RouteEntry[];
}

/** The route table's two files: routes.md and routes.json. */
export interface RouteTableFiles<C = string> {
  readonly md: C;
  readonly json: C;
}

/**
 * Gives an environment's route table, from memory (synth/route-memo.ts) when what it is
 * computed from is as it was, else with `render`.
 */
export type RememberRouteTable = (
  view: RouteTableView,
  render: () => RouteTableFiles,
) => RouteTableFiles<SharedContent>;

/** What may be remembered of an environment's shared files across runs. */
export interface EnvironmentMemory {
  /** Its platform components (synth/component-memo.ts). */
  readonly component?: RememberComponent;
  /** Its route table (synth/route-memo.ts). */
  readonly routeTable?: RememberRouteTable;
}

/** Per environment, what may be remembered of its shared files. */
export type RememberFor = (env: Environment) => EnvironmentMemory | undefined;

/** The files of one environment that belong to no tenant. */
export function environmentPart(input: SynthInput, env: Environment, remember?: RememberFor): EnvironmentPart {
  const envDir = `${DIRS.dist}/${env.name}`;
  const head = new FileSet<SharedContent>();
  const tail = new FileSet<SharedContent>();
  head.add(`${envDir}/README.md`, readme.envReadme(env));
  const infra = input.infra.get(env.name);
  if (!infra)
    throw new Error(`synth: no cluster outputs for environment ${env.name}; run npm run infra:outputs -- ${env.name}`);
  const memory = remember?.(env);
  const platform = buildPlatform({ env, infra, tenants: input.tenants }, memory?.component);
  head.add(`${envDir}/${DIRS.platform}/README.md`, readme.platformReadme(env, platform));
  head.add(...architecturePage(env, platform));
  const files = new Map(platform.map((b) => [b.component.name, b.files ?? componentFiles(b.objects)]));
  const names = componentReadmeNames(env, infra, input.tenants, files);
  for (const b of platform) {
    const dir = componentDir(env, b.component.name);
    const f = files.get(b.component.name)!;
    f.names.forEach((name, i) => head.add(`${dir}/${name}`, { digest: f.digests[i], content: () => f.yaml[i] }));
    head.add(`${dir}/README.md`, readme.componentReadme(env, b, names.get(b.component.name)!));
  }
  // The HTTPRoutes of the components, all the route table reads of their objects.
  const objects = [...files.values()].flatMap((f) => f.routes);
  const guards = platformGuards(env);
  const table = { name: env.name, domain: env.platform.domain, exposure: env.platform.gateway.exposure };
  const render = (): RouteTableFiles => {
    const routes = environmentRoutes(input.tenants, objects, guards);
    return { md: routeTableMarkdown(table, routes), json: routeTableJson(table, routes) };
  };
  const routeFiles: RouteTableFiles<SharedContent> = memory?.routeTable
    ? memory.routeTable(
        { tenants: input.tenants, own: () => ownRoutes(objects, guards), routes: (t) => tenantRoutes(t, guards) },
        render,
      )
    : render();
  head.add(`${envDir}/${ROUTE_TABLE}.md`, routeFiles.md);
  head.add(`${envDir}/${ROUTE_TABLE}.json`, routeFiles.json);
  head.add(`${envDir}/${DIRS.tenants}/README.md`, readme.tenantsReadme(env));
  tail.add(`${DIRS.argocd}/${env.name}/README.md`, readme.argocdEnvReadme(env));
  for (const folder of [DIRS.bootstrap, DIRS.projects, DIRS.applicationSets, DIRS.platformApplications]) {
    tail.add(`${DIRS.argocd}/${env.name}/${folder}/README.md`, readme.argocdFolderReadme(env, folder));
  }
  for (const [path, object] of environmentArgoCd(env, platform)) tail.add(path, toYaml(object));
  return { env, infra, head: head.files, tail: tail.files };
}

/** The files of every environment that belong to no tenant. */
export function environmentParts(input: SynthInput, remember?: RememberFor): EnvironmentPart[] {
  return input.environments.map((env) => environmentPart(input, env, remember));
}

/**
 * Walks the output in one fixed order, whatever computes the tenants' files: the top-level
 * READMEs, then per environment its shared head, its tenants' units in file order, and its
 * Argo CD objects. `onFile` receives every file that is not a tenant's, `onTenant` each tenant's
 * unit.
 */
export function assemble(
  input: SynthInput,
  parts: readonly EnvironmentPart[],
  onFile: (path: string, content: SharedContent) => void,
  onTenant: (tenant: Tenant, part: EnvironmentPart, tenantIndex: number, envIndex: number) => void,
): void {
  onFile(`${DIRS.dist}/README.md`, readme.distReadme(input.environments));
  onFile(`${DIRS.argocd}/README.md`, readme.argocdReadme(input.environments));
  parts.forEach((part, e) => {
    for (const [p, c] of part.head) onFile(p, c);
    input.tenants.forEach((t, i) => onTenant(t, part, i, e));
    for (const [p, c] of part.tail) onFile(p, c);
  });
}

/** Top-level directories of the output. */
export const OUTPUT_DIRS: readonly string[] = [DIRS.argocd, DIRS.dist].sort();

/** Where compiled files go: a map in memory (`synthesize`) or the output on disk (`OutputSink`). */
export interface FileSink {
  put(path: string, content: string): void;
}

/** The paths of one compile, each checked as it comes: one file per path, inside the output. */
export class ProducedPaths {
  readonly paths = new Set<string>();
  record(path: string): void {
    if (this.paths.has(path)) throw collision(path);
    checkInsideOutput(path);
    this.paths.add(path);
  }
}

/** Refuses a path outside dist/ and argocd/. */
export function checkInsideOutput(path: string): void {
  if (!OUTPUT_DIRS.includes(path.slice(0, path.indexOf('/'))))
    throw new Error(`synth: ${path} is outside ${OUTPUT_DIRS.join('/ and ')}/`);
}

/**
 * The compile path on this thread: every file of the output, in `assemble` order, into `sink`.
 * `npm run synth` takes it below the size where worker threads pay (see synth/parallel.ts, whose
 * workers run `tenantUnitFiles` on batches instead); `synthesize` takes it into memory.
 */
export function compileInto(input: SynthInput, sink: FileSink, produced = new ProducedPaths()): Set<string> {
  const segments = tenantSegments(input.tenants);
  const onFile = (p: string, c: SharedContent) => {
    produced.record(p);
    sink.put(p, contentOf(c));
  };
  assemble(input, environmentParts(input), onFile, (t, part) => {
    for (const [p, c] of tenantUnitFiles(t, part.env, part.infra, segments)) onFile(p, c);
  });
  return produced.paths;
}

/** Every file of dist/ and argocd/ for the given configuration, on this thread, in memory. */
export function synthesize(input: SynthInput): Map<string, string> {
  const files = new Map<string, string>();
  compileInto(input, { put: (p, c) => void files.set(p, c) });
  return files;
}
