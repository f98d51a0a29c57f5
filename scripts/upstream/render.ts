/**
 * Renders the upstream source of a platform Application as Argo CD's repo server does, from the
 * offline chart copies in ../shared/charts (or $CHARTS_DIR), so tests can read the objects a
 * pinned chart creates with our values.
 *
 * What Argo CD does (argo-cd util/helm/cmd.go `template`, v3): `helm template <chart>
 * --name-template <releaseName> --namespace <destination> --kube-version <cluster version>
 * --values <valuesObject> --api-versions <every group/version and group/version/Kind the cluster
 * serves> --include-crds`. Here the release name, namespace and values come from the compiled
 * Application in argocd/<env>/platform/, the Kubernetes version from the environment file, and
 * the API versions from the CRDs in ../shared/crds (what the cluster has once the CRD
 * Applications synced); the built-in API versions are helm's own defaults. Each helm run gets
 * empty HELM_*_HOME directories and a proxy that refuses every connection: nothing is fetched.
 *
 * A Git path that is a plain directory (the Gateway API CRDs) is read from ../shared/crds/<repo>,
 * which holds that directory's CRDs (not the ValidatingAdmissionPolicy Argo CD would also sync).
 * Renders are cached per process.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CORE_SCHEMA, load, loadAll } from 'js-yaml';
import type { ApplicationSpecIgnoreDifferences } from '../../imports/argocd-application-argoproj.io';
import { type Environment, loadEnvironments } from '../../charts/config/environment';
import { DIRS } from '../../charts/lib/constants';
import { requireTool, TOOLS_HOME } from '../toolchain/tools';
import { CRDS_DIR, readCrds, yamlFiles } from '../toolchain/schemas';
import { CHARTS_DIR, FETCH_COMMAND, missingUpstream } from '../toolchain/paths';

const ROOT = path.resolve(__dirname, '..', '..');

/** The chart copies: ../shared/charts, or $CHARTS_DIR (scripts/toolchain/paths.ts). */
export { CHARTS_DIR };

/** Copies of charts as their release recipe publishes them (SOURCES.md of the charts folder). */
export const RELEASE_STAMPED = '_release-stamped';

/** A Kubernetes object as rendered. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered charts hold every kind; tests read by path
  readonly [key: string]: any;
}

/** One rendered object and the template (or file) it came from, such as `keycloakx/templates/service-http.yaml`. */
export interface RenderedObject {
  readonly template: string;
  readonly object: K8sObject;
}

/** The upstream source of a platform Application, as the Application states it. */
export interface ApplicationSource {
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly chart?: string;
  readonly path?: string;
  readonly helm?: { readonly releaseName?: string; readonly valuesObject?: Record<string, unknown> };
}

/** One entry of an Application's ignoreDifferences. */
export type IgnoreDifference = ApplicationSpecIgnoreDifferences;

/** What the harness needs of a platform Application. */
export interface PlatformApplication {
  /** The component: the Application's name without platform-. */
  readonly component: string;
  /** Destination namespace. */
  readonly namespace: string;
  readonly source: ApplicationSource;
  /** What the Application ignores when it compares (not used to render). */
  readonly ignoreDifferences?: readonly IgnoreDifference[];
  readonly syncOptions?: readonly string[];
}

/** The render of one Application's upstream source. */
export interface Rendered {
  readonly component: string;
  /** The directory rendered (a chart, or a directory of plain YAML). */
  readonly dir: string;
  /** Chart name and version from its Chart.yaml, such as keycloakx 7.1.8 (the directory name for plain YAML). */
  readonly chart: string;
  readonly release: string;
  /** Destination namespace: Argo CD puts namespaced objects without a namespace here. */
  readonly namespace: string;
  readonly objects: readonly RenderedObject[];
}

export interface RenderOptions {
  /** @default CHARTS_DIR */
  readonly chartsDir?: string;
  /** @default CRDS_DIR */
  readonly crdsDir?: string;
  /**
   * Where the pinned tools are installed (helm among them).
   * @default TOOLS_HOME (.tools)
   */
  readonly toolsHome?: string;
}

/** The namespace an object lands in: its own, or the Application's destination. */
export function namespaceOf(rendered: Pick<Rendered, 'namespace'>, o: K8sObject): string {
  return o.metadata.namespace ?? rendered.namespace;
}

/** The environment of a name, from charts/environments/ under a root. */
export function loadEnvironment(env: string, root = ROOT): Environment {
  const found = loadEnvironments(path.join(root, DIRS.environments)).find((e) => e.name === env);
  if (!found) throw new Error(`render: no environment ${env} in ${DIRS.environments}`);
  return found;
}

/** The file of a platform component's compiled Application. */
export function applicationFile(env: Environment, component: string, root = ROOT): string {
  return path.join(root, DIRS.argocd, env.name, DIRS.platformApplications, `application-platform-${component}.yaml`);
}

/** The upstream sources of a compiled Application: every source outside the GitOps repository. */
function upstreamSources(env: Environment, file: string) {
  const app = load(fs.readFileSync(file, 'utf8'), { schema: CORE_SCHEMA }) as {
    spec: {
      destination: { namespace: string };
      sources: ApplicationSource[];
      ignoreDifferences?: IgnoreDifference[];
      syncPolicy?: { syncOptions?: string[] };
    };
  };
  return {
    namespace: app.spec.destination.namespace,
    sources: app.spec.sources.filter((s) => s.repoURL !== env.argocd.repoURL),
    ignoreDifferences: app.spec.ignoreDifferences,
    syncOptions: app.spec.syncPolicy?.syncOptions,
  };
}

/** The compiled Application of a platform component, from argocd/<env>/platform/. */
export function readPlatformApplication(env: Environment, component: string, root = ROOT): PlatformApplication {
  const file = applicationFile(env, component, root);
  if (!fs.existsSync(file))
    throw new Error(
      `render: ${path.relative(root, file)} does not exist; run npm run synth (or check the component name ${component})`,
    );
  const { namespace, sources, ignoreDifferences, syncOptions } = upstreamSources(env, file);
  if (sources.length !== 1)
    throw new Error(`render: platform-${component} has ${sources.length} upstream sources; expected one`);
  return {
    component,
    namespace,
    source: sources[0],
    ...(ignoreDifferences ? { ignoreDifferences } : {}),
    ...(syncOptions ? { syncOptions } : {}),
  };
}

/** Components of an environment whose Application has an upstream source, sorted. */
export function upstreamComponents(env: Environment, root = ROOT): string[] {
  const dir = path.join(root, DIRS.argocd, env.name, DIRS.platformApplications);
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('application-platform-') && f.endsWith('.yaml'))
    .map((f) => f.slice('application-platform-'.length, -'.yaml'.length))
    .filter((c) => upstreamSources(env, applicationFile(env, c, root)).sources.length > 0)
    .sort();
}

/** Directory name of a source in the charts folder: <chart>-<version>, or <repository>-<version> for a Git path. */
export function chartDirName(source: ApplicationSource): string {
  const name = source.chart ?? path.basename(source.repoURL).replace(/\.git$/, '');
  return `${name}-${source.targetRevision}`;
}

/** The chart directory of a source: the release-stamped copy where there is one. */
export function chartDirectory(source: ApplicationSource, chartsDir = CHARTS_DIR): string | undefined {
  const name = chartDirName(source);
  for (const dir of [path.join(chartsDir, RELEASE_STAMPED, name), path.join(chartsDir, name)]) {
    if (fs.existsSync(path.join(dir, 'Chart.yaml'))) return dir;
  }
  return undefined;
}

interface ChartMeta {
  name: string;
  version: string;
  dependencies?: { name: string; version: string; condition?: string }[];
}

function chartMeta(dir: string): ChartMeta {
  return load(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8'), { schema: CORE_SCHEMA }) as ChartMeta;
}

/**
 * A chart whose dependencies are not all unpacked in the charts folder: helm template refuses it
 * (and its own templates read the subcharts' values), so it cannot be rendered from that folder.
 */
export class MissingDependenciesError extends Error {
  constructor(
    readonly component: string,
    readonly chart: string,
    readonly chartsDir: string,
    /** The missing dependency directories, relative to the charts folder. */
    readonly missing: readonly string[],
  ) {
    super(
      `render: chart ${chart} of platform-${component} lacks the dependencies ${missing.join(', ')} in ${chartsDir}; run ${FETCH_COMMAND} to get every pinned chart with its dependencies unpacked (or set $CHARTS_DIR)`,
    );
  }
}

/** Dependencies of a chart (recursively) that are not unpacked under its charts/ folder. */
export function missingDependencies(dir: string): string[] {
  const out: string[] = [];
  const meta = chartMeta(dir);
  for (const dep of meta.dependencies ?? []) {
    const depDir = path.join(dir, 'charts', dep.name);
    if (!fs.existsSync(path.join(depDir, 'Chart.yaml'))) out.push(path.join(dir, 'charts', dep.name));
    else out.push(...missingDependencies(depDir));
  }
  return out;
}

const apiVersionsCache = new Map<string, string[]>();

/**
 * The --api-versions of the cluster's custom resources: group/version and group/version/Kind of
 * every served version of every CRD (argo-cd util/argo/argo.go `APIResourcesToStrings` with kinds).
 */
export function crdApiVersions(crdsDir = CRDS_DIR): string[] {
  const known = apiVersionsCache.get(crdsDir);
  if (known) return known;
  const out = new Set<string>();
  for (const { crd } of readCrds(crdsDir)) {
    for (const v of crd.spec.versions ?? []) {
      if (v.served === false) continue;
      out.add(`${crd.spec.group}/${v.name}`);
      out.add(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`);
    }
  }
  const list = [...out].sort();
  apiVersionsCache.set(crdsDir, list);
  return list;
}

/** Splits helm's output into objects, each with the template named by its `# Source:` line. */
export function parseHelmOutput(text: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const chunk of text.split(/^---\s*$/m)) {
    const template = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim() ?? '';
    for (const doc of loadAll(chunk, undefined, { schema: CORE_SCHEMA })) {
      if (doc === null || doc === undefined) continue;
      const o = doc as K8sObject;
      if (typeof o !== 'object' || typeof o.kind !== 'string')
        throw new Error(`render: ${template || 'helm output'} holds a document that is not a Kubernetes object`);
      out.push({ template, object: o });
    }
  }
  return out;
}

const cache = new Map<string, Rendered>();

function runHelm(args: readonly string[], toolsHome: string): string {
  const helm = requireTool('helm', toolsHome);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'render-helm-'));
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
      KUBECONFIG: path.join(home, 'kubeconfig'),
      // No network: any connection helm tried would go to a proxy that is not there.
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '',
    };
    const res = spawnSync(helm, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (res.error) throw res.error;
    if (res.status !== 0) throw new Error(`render: helm template ${args[1]} failed: ${res.stderr.trim()}`);
    return res.stdout;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Renders a pinned chart with helm template, as Argo CD does: release, namespace, Kubernetes and API versions. */
function renderChart(
  app: PlatformApplication,
  dir: string,
  kubernetesVersion: string,
  dirs: { readonly chartsDir: string; readonly crdsDir: string },
  toolsHome: string,
): Rendered {
  const { chartsDir, crdsDir } = dirs;
  const source = app.source;
  const release = source.helm?.releaseName ?? `platform-${app.component}`;
  const missing = missingDependencies(dir);
  if (missing.length > 0)
    throw new MissingDependenciesError(
      app.component,
      path.basename(dir),
      chartsDir,
      missing.map((m) => path.relative(chartsDir, m)),
    );
  const values = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'render-values-')), 'values.json');
  try {
    fs.writeFileSync(values, JSON.stringify(source.helm?.valuesObject ?? {}));
    const args = [
      'template',
      dir,
      '--name-template',
      release,
      '--namespace',
      app.namespace,
      '--kube-version',
      `v${kubernetesVersion}.0`,
      '--values',
      values,
    ];
    for (const v of crdApiVersions(crdsDir)) args.push('--api-versions', v);
    args.push('--include-crds');
    const meta = chartMeta(dir);
    return {
      component: app.component,
      dir,
      chart: `${meta.name} ${meta.version}`,
      release,
      namespace: app.namespace,
      objects: parseHelmOutput(runHelm(args, toolsHome)),
    };
  } finally {
    fs.rmSync(path.dirname(values), { recursive: true, force: true });
  }
}

/** Renders an Application's upstream source for a Kubernetes version (such as "1.31"). */
export function renderApplication(
  app: PlatformApplication,
  kubernetesVersion: string,
  options: RenderOptions = {},
): Rendered {
  const chartsDir = options.chartsDir ?? CHARTS_DIR;
  const crdsDir = options.crdsDir ?? CRDS_DIR;
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        app.component,
        app.namespace,
        app.source,
        kubernetesVersion,
        chartsDir,
        crdsDir,
        options.toolsHome,
      ]),
    )
    .digest('hex');
  const hit = cache.get(key);
  if (hit) return hit;
  const source = app.source;
  const release = source.helm?.releaseName ?? `platform-${app.component}`;
  let rendered: Rendered;
  const dir = chartDirectory(source, chartsDir);
  if (dir) {
    rendered = renderChart(app, dir, kubernetesVersion, { chartsDir, crdsDir }, options.toolsHome ?? TOOLS_HOME);
  } else if (source.path !== undefined && !source.helm) {
    const plain = path.join(crdsDir, path.basename(source.repoURL).replace(/\.git$/, ''));
    if (!fs.existsSync(plain))
      throw new Error(
        `render: no copy of ${source.repoURL} ${source.path} for platform-${app.component} in ${plain}: ${missingUpstream('CRD', crdsDir)}`,
      );
    const objects = yamlFiles(plain).flatMap((f) =>
      (loadAll(fs.readFileSync(f, 'utf8'), undefined, { schema: CORE_SCHEMA }) as K8sObject[])
        .filter((o) => o)
        .map((object) => ({ template: path.relative(crdsDir, f), object })),
    );
    rendered = {
      component: app.component,
      dir: plain,
      chart: path.basename(plain),
      release,
      namespace: app.namespace,
      objects,
    };
  } else {
    throw new Error(
      `render: chart ${chartDirName(source)} of platform-${app.component} is not in ${chartsDir}; run ${FETCH_COMMAND} to get every pinned chart at its exact version (or set $CHARTS_DIR)`,
    );
  }
  cache.set(key, rendered);
  return rendered;
}

/** Renders the upstream of a platform component of an environment, from its compiled Application. */
export function renderComponent(
  envName: string,
  component: string,
  options: RenderOptions & { root?: string } = {},
): Rendered {
  const env = loadEnvironment(envName, options.root);
  return renderApplication(readPlatformApplication(env, component, options.root), env.kubernetesVersion, options);
}
