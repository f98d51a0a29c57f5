/**
 * The cluster tier's simulated cluster: the integration tier's control plane (etcd,
 * kube-apiserver, kube-controller-manager with ClusterRole aggregation and service accounts),
 * plus a second kube-controller-manager running every other controller, kube-scheduler, kwok
 * managing one Node per instance of the environment's node groups (nodes.ts), and Argo CD's
 * application controller, repo-server and ApplicationSet controller with an in-memory Redis,
 * reading the local sources of sources.ts. Every process listens on 127.0.0.1 only; each runs
 * in a process group registered with the control plane's watchdog, so nothing outlives the run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment } from '../../charts';
import { installCrds, kubectl } from '../kube/apply';
import {
  type ControlPlane,
  CONTROLLERS,
  freePort,
  killGroup,
  logTail,
  type Proc,
  startControlPlane,
  startProcess,
} from '../integration/control-plane';
import { CRDS_DIR } from '../toolchain/paths';
import { moduleDir, requireTool, tool, TOOLS_BIN } from '../toolchain/tools';
import { KWOK_ANNOTATION, simulatedNodes } from './nodes';
import { buildLocalSources, type LocalSources, serveDirectory, type StaticServer } from './sources';
import { type EgressProxy, type Route, startEgressProxy } from './egress';
import { type StandIns, startStandIns } from './stand-ins';
import { apiReads } from './api-reads';
import { CONTROLLER_MODELS, type ModelLoop, runModels } from './controllers';
import { METRICS_SERVICE, metricsApiObjects, startMetricsServer } from './metrics';
import {
  KYVERNO_CONTROLLERS,
  type Kyverno,
  type KyvernoOptions,
  kyvernoRequirements,
  kyvernoServed,
  startKyverno,
} from './kyverno';
import { renderComponent } from '../upstream/render';
import { chartCrds, type Unrenderable, unrenderableComponents } from './unrenderable';

/** The namespace Argo CD runs in (every environment's argocd.namespace is checked against it). */
export const ARGOCD_NAMESPACE = 'argocd';

/** Seconds between the application controller's full reconciliations (upstream's default is 120). */
export const APP_RESYNC_SECONDS = 60;

/** A number of seconds as Go's time.Duration prints it (60 → "1m0s", 0 → "0s"). */
function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

/**
 * What is wrong with the resync settings the application controller logged as it started
 * (argo-cd v3.5.3 controller/appcontroller.go, NewApplicationController: "appResyncPeriod=%v,
 * appHardResyncPeriod=%v, appResyncJitter=%v"), or undefined when they are the tier's: a period of
 * APP_RESYNC_SECONDS, no hard resync and no jitter, which the settle check's three periods rely on.
 * Null when the line is not in the log yet.
 */
export function resyncSettingsProblem(log: string, periodSeconds = APP_RESYNC_SECONDS): string | undefined | null {
  const m = /appResyncPeriod=(\S+), appHardResyncPeriod=(\S+), appResyncJitter=([^\s",]+)/.exec(log);
  if (!m) return null;
  const want = [goDuration(periodSeconds), '0s', '0s'];
  const got = [m[1], m[2], m[3]];
  if (got.every((v, i) => v === want[i])) return undefined;
  return `the application controller runs with appResyncPeriod=${got[0]}, appHardResyncPeriod=${got[1]}, appResyncJitter=${got[2]}; the settle check needs ${want[0]}, ${want[1]} and ${want[2]} (controller/appcontroller.go v3.5.3)`;
}

/** Waits for the application controller's resync settings in its log and throws unless they are the tier's. */
async function checkResyncSettings(cp: ControlPlane): Promise<void> {
  const file = path.join(cp.dir, 'argocd-application-controller.log');
  for (let waited = 0; waited < 60; waited++) {
    const problem = resyncSettingsProblem(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    if (problem) throw new Error(`cluster tier: ${problem}`);
    if (problem === undefined) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`cluster tier: the application controller did not log its resync settings within 60 s (${file})`);
}

/** A running simulated cluster. */
export interface Cluster {
  readonly cp: ControlPlane;
  readonly env: Environment;
  readonly sources: LocalSources;
  /** Platform components whose chart the charts folder cannot render (unrenderable.ts). */
  readonly unrenderable: readonly Unrenderable[];
  /** kubectl against the cluster: stdout, or throws with stderr. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** The last lines of a component's log. */
  log(name: string, lines?: number): string;
  /** The webhook Services stood in for, with the calls each answered. */
  standIns(): string[];
  /** What the controller models (controllers.ts) created and wrote. */
  models(): string[];
  /** Kyverno's state: waiting for its chart, running, or why it failed to start. */
  kyverno(): string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  readonly log?: (line: string) => void;
  /** Keep the run's directory after stop() (logs). */
  readonly keepDir?: boolean;
  /**
   * Seconds to wait for Argo CD to sync the kyverno chart before Kyverno's controllers start
   * (kyverno.ts); 0 runs no Kyverno. @default 900
   */
  readonly kyvernoWaitSeconds?: number;
}

/** kwok's stages (how Nodes and Pods move), the defaults kwokctl installs: pkg/kwokctl/runtime/cluster.go. */
function kwokStages(): string {
  const stage = path.join(moduleDir(tool('kwok')), 'kustomize', 'stage');
  return [
    'node/fast/node-initialize.yaml',
    'node/heartbeat/node-heartbeat.yaml',
    'pod/fast/pod-ready.yaml',
    'pod/fast/pod-complete.yaml',
    'pod/fast/pod-delete.yaml',
  ]
    .map((f) => fs.readFileSync(path.join(stage, f), 'utf8').trim())
    .join('\n---\n');
}

/** A kubeconfig like the administrator's, whose context names a namespace (Argo CD runs in it). */
function namespacedKubeconfig(cp: ControlPlane, namespace: string): string {
  const file = path.join(cp.dir, `kubeconfig-${namespace}`);
  fs.writeFileSync(
    file,
    fs
      .readFileSync(cp.kubeconfig, 'utf8')
      .replace('      user: admin\n', `      user: admin\n      namespace: ${namespace}\n`),
  );
  return file;
}

type Start = (name: string, bin: string, args: string[], extraEnv?: NodeJS.ProcessEnv) => Proc;
type Run = (args: readonly string[], input?: string) => Promise<string>;

/** kubectl against the cluster: the polling loops' reads answered in-process (api-reads.ts), the rest by kubectl. */
function clusterKubectl(cp: ControlPlane): { run: Run; close(): void } {
  const reads = apiReads(cp);
  const run: Run = async (args, input) => {
    if (input === undefined) {
      const answer = await reads.get(args);
      if (answer !== undefined) return answer;
    }
    const r = await kubectl(cp, args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  return { run, close: () => reads.close() };
}

/** The second controller manager (every controller the integration tier's does not run), the scheduler and kwok. */
async function startKubernetes(cp: ControlPlane, start: Start): Promise<void> {
  // Deployments, ReplicaSets, DaemonSets, StatefulSets, Jobs, garbage collection, endpoints,
  // namespaces, node lifecycle...: everything but the two the control plane's manager runs.
  start('kube-controller-manager-all', requireTool('kube-controller-manager'), [
    `--kubeconfig=${cp.kubeconfig}`,
    `--controllers=*,${CONTROLLERS.map((c) => `-${c}`).join(',')}`,
    '--leader-elect=false',
    '--use-service-account-credentials=false',
    `--root-ca-file=${path.join(cp.dir, 'ca.crt')}`,
    `--service-account-private-key-file=${path.join(cp.dir, 'sa.key')}`,
    '--secure-port=0',
    '--v=1',
  ]);
  start('kube-scheduler', requireTool('kube-scheduler'), [
    `--kubeconfig=${cp.kubeconfig}`,
    '--leader-elect=false',
    '--secure-port=0',
    '--v=1',
  ]);
  const stages = path.join(cp.dir, 'kwok-stages.yaml');
  fs.writeFileSync(stages, kwokStages());
  start('kwok', requireTool('kwok'), [
    `--kubeconfig=${cp.kubeconfig}`,
    `--config=${stages}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION.key}=${KWOK_ANNOTATION.value}`,
    '--cidr=10.0.0.1/16',
    '--node-ip=10.0.0.1',
    `--server-address=127.0.0.1:${await freePort()}`,
  ]);
}

/** Argo CD as its install manifests leave it before the bootstrap: its namespace, CRDs and settings objects. */
async function installArgoCd(cp: ControlPlane, run: Run): Promise<void> {
  await run(['create', 'namespace', ARGOCD_NAMESPACE]);
  const crds = path.join(CRDS_DIR, 'argo-cd');
  await installCrds(
    cp,
    fs.readdirSync(crds).map((f) => path.join(crds, f)),
  );
  // The settings manager watches objects with this label only (util/settings/settings.go).
  const labels = { 'app.kubernetes.io/part-of': 'argocd' };
  const meta = (name: string) => ({ name, namespace: ARGOCD_NAMESPACE, labels });
  await run(
    ['create', '-o', 'name'],
    [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('argocd-cm'), data: {} },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('argocd-rbac-cm'), data: {} },
      { apiVersion: 'v1', kind: 'Secret', metadata: meta('argocd-secret'), data: {} },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n'),
  );
}

/** The environment of Argo CD's processes: files under the run's directory, helm and git on PATH. */
function argoCdEnv(cp: ControlPlane): NodeJS.ProcessEnv {
  const home = path.join(cp.dir, 'argocd-home');
  for (const d of ['tls', 'ssh', 'gpg', 'tmp']) fs.mkdirSync(path.join(home, d), { recursive: true });
  fs.writeFileSync(path.join(home, 'ssh', 'ssh_known_hosts'), '');
  // The repo-server runs hack/git-verify-wrapper.sh for every Git manifest generation, GPG
  // enabled or not (reposerver/repository/repository.go); upstream's image installs it on PATH.
  const bin = path.join(home, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.copyFileSync(
    path.join(moduleDir(tool('argocd')), 'hack', 'git-verify-wrapper.sh'),
    path.join(bin, 'git-verify-wrapper.sh'),
  );
  fs.chmodSync(path.join(bin, 'git-verify-wrapper.sh'), 0o755);
  return {
    KUBECONFIG: namespacedKubeconfig(cp, ARGOCD_NAMESPACE),
    // pkg/apis/application/v1alpha1/cluster_constants.go: the in-cluster destination uses
    // $KUBECONFIG instead of a pod's service account.
    ARGOCD_FAKE_IN_CLUSTER: 'true',
    ARGOCD_GPG_ENABLED: 'false',
    ARGOCD_TLS_DATA_PATH: path.join(home, 'tls'),
    ARGOCD_SSH_DATA_PATH: path.join(home, 'ssh'),
    GNUPGHOME: path.join(home, 'gpg'),
    HOME: home,
    TMPDIR: path.join(home, 'tmp'),
    PATH: `${bin}:${TOOLS_BIN}:${process.env.PATH}`,
  };
}

/** Redis, the repo-server, the application controller and the ApplicationSet controller. */
async function startArgoCd(cp: ControlPlane, start: Start): Promise<void> {
  const argocd = requireTool('argocd');
  const env = argoCdEnv(cp);
  const redisPort = await freePort();
  start('miniredis', requireTool('miniredis'), [`-addr=127.0.0.1:${redisPort}`]);
  const redis = `--redis=127.0.0.1:${redisPort}`;
  const repoPort = await freePort();
  const repoServer = `127.0.0.1:${repoPort}`;
  const as = (name: string) => ({ ...env, ARGOCD_BINARY_NAME: name });
  start(
    'argocd-repo-server',
    argocd,
    [
      `--port=${repoPort}`,
      '--address=127.0.0.1',
      `--metrics-port=${await freePort()}`,
      '--metrics-address=127.0.0.1',
      '--disable-tls',
      // v3.5.3 defaults it to a mounted Secret's path and refuses it with --disable-tls.
      '--client-ca-path=',
      redis,
    ],
    as('argocd-repo-server'),
  );
  start(
    'argocd-application-controller',
    argocd,
    [
      `--repo-server=${repoServer}`,
      '--repo-server-plaintext',
      redis,
      `--metrics-port=${await freePort()}`,
      `--app-resync=${APP_RESYNC_SECONDS}`,
      // No random delay (upstream adds up to 60 s to each cycle): the settle check waits three cycles.
      '--app-resync-jitter=0',
    ],
    as('argocd-application-controller'),
  );
  start(
    'argocd-applicationset-controller',
    argocd,
    [
      `--argocd-repo-server=${repoServer}`,
      '--repo-server-plaintext',
      `--metrics-addr=127.0.0.1:${await freePort()}`,
      `--probe-addr=127.0.0.1:${await freePort()}`,
      `--webhook-addr=127.0.0.1:${await freePort()}`,
    ],
    as('argocd-applicationset-controller'),
  );
}

/**
 * The metrics-server model and the webhook stand-ins (which route the Metrics API's Service to
 * the model), started before any controller so that no webhook call finds nothing behind it.
 */
async function startModelsOfAddOns(
  cp: ControlPlane,
  run: Run,
  log: (line: string) => void,
  alsoServed: ReadonlyMap<string, number> = new Map(),
): Promise<{ standIns: StandIns; metrics: { stop(): Promise<void> } }> {
  const metrics = await startMetricsServer(cp.dir, run);
  const { namespace, name, port } = METRICS_SERVICE;
  const served = new Map([...alsoServed, [`${namespace}/${name}:${port}`, metrics.port]]);
  try {
    const standIns = await startStandIns({ dir: cp.dir, kubectl: run, log, served });
    await run(
      ['create', '-o', 'name'],
      metricsApiObjects()
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    return { standIns, metrics };
  } catch (e) {
    await metrics.stop();
    throw e;
  }
}

interface BackgroundKyverno {
  state(): string;
  stop(): Promise<void>;
}

/**
 * Kyverno's controllers, started once Argo CD has synced the kyverno chart (wave 5): its objects
 * as the repo-server renders them are what startKyverno waits for.
 */
function kyvernoInBackground(env: Environment, root: string, o: Omit<KyvernoOptions, 'requires'>): BackgroundKyverno {
  let state = `waiting up to ${o.waitSeconds}s for Argo CD to sync the kyverno chart`;
  let running: Kyverno | undefined;
  let stopping = false;
  const requires = kyvernoRequirements(renderComponent(env.name, 'kyverno', { root }).objects.map((x) => x.object));
  void startKyverno({ ...o, requires }).then(
    async (k) => {
      if (stopping) return k.stop();
      running = k;
      state = 'running';
    },
    (e: Error) => {
      state = `failed: ${e.message}`;
      if (!stopping) o.log?.(`cluster: Kyverno ${state}`);
    },
  );
  return {
    state: () => state,
    stop: async () => {
      stopping = true;
      await running?.stop();
    },
  };
}

/** Process groups this module started and has not stopped: killed on exit and on SIGINT/SIGTERM. */
const live = new Set<Proc>();
let handlersInstalled = false;

function killLive(): void {
  for (const p of live) {
    try {
      if (p.child.pid !== undefined) process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * The control plane's own handlers stop only its processes (and its watchdog, which would have
 * stopped these too when the Node process dies without cleaning up).
 */
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killLive);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, killLive);
}

/** Starts `bin` with extra environment variables (startProcess passes the process's own). */
function starter(cp: ControlPlane, procs: Proc[]): Start {
  installHandlers();
  return (name, bin, args, extraEnv = {}) => {
    const saved = { ...process.env };
    Object.assign(process.env, extraEnv);
    try {
      const p = startProcess(name, bin, args, cp.dir);
      procs.push(p);
      live.add(p);
      return p;
    } finally {
      for (const k of Object.keys(extraEnv)) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  };
}

/**
 * The control plane with its API server's "cluster" traffic sent to an egress proxy, which
 * refuses every connection until setRoute gives it a route (the stand-ins').
 */
async function startControlPlaneWithEgress(
  keepDir: boolean | undefined,
  log: (line: string) => void,
): Promise<{ cp: ControlPlane; egress: EgressProxy; setRoute(r: Route): void }> {
  let route: Route = async () => ({ refused: 'the cluster is starting' });
  const egress = await startEgressProxy((h, p) => route(h, p), log);
  try {
    const cp = await startControlPlane({ log, keepDir, egressProxy: egress.socket });
    return { cp, egress, setRoute: (r) => (route = r) };
  } catch (e) {
    await egress.close();
    throw e;
  }
}

/**
 * Applies the CustomResourceDefinitions of each chart the charts folder cannot render, so that
 * other Applications can use its kinds; its Application is excused (unrenderable.ts).
 */
async function standInForUnrenderable(
  env: Environment,
  root: string,
  run: Run,
  log: (line: string) => void,
): Promise<Unrenderable[]> {
  const unrenderable = unrenderableComponents(env, root);
  for (const u of unrenderable) {
    const crds = chartCrds(u.chartDir);
    if (crds.length > 0)
      await run(
        ['apply', '--server-side', '--field-manager=cluster-tier', '-f', '-'],
        crds.map((o) => JSON.stringify(o)).join('\n'),
      );
    log(
      `cluster: ${u.application} excused: its chart ${path.basename(u.chartDir)} lacks ${u.missing.join(', ')} here; ` +
        `applied its ${crds.length} CustomResourceDefinitions so that other Applications can use its kinds`,
    );
  }
  return unrenderable;
}

/** Starts the simulated cluster of an environment of the project at `root`. */
export async function startCluster(env: Environment, root: string, options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? ((l: string) => console.log(l));
  const kyvernoWait = options.kyvernoWaitSeconds ?? 900;
  const kyvernoTools = kyvernoWait > 0 ? KYVERNO_CONTROLLERS.map((c) => c.tool) : [];
  for (const t of ['kube-controller-manager', 'kube-scheduler', 'kwok', 'argocd', 'miniredis', ...kyvernoTools])
    requireTool(t);
  if (env.argocd.namespace !== ARGOCD_NAMESPACE)
    throw new Error(
      `cluster tier: ${env.name}'s argocd.namespace is ${env.argocd.namespace}; the tier runs Argo CD in ${ARGOCD_NAMESPACE}`,
    );
  const { cp, egress, setRoute } = await startControlPlaneWithEgress(options.keepDir, log);
  const procs: Proc[] = [];
  let charts: StaticServer | undefined;
  let standIns: StandIns | undefined;
  let models: ModelLoop | undefined;
  let metrics: { stop(): Promise<void> } | undefined;
  let kyverno: BackgroundKyverno | undefined;
  const { run, close: closeReads } = clusterKubectl(cp);
  const stop = async () => {
    for (const p of [...procs].reverse()) {
      await killGroup(p, 5_000);
      live.delete(p);
    }
    models?.stop();
    await kyverno?.stop();
    await charts?.close();
    await standIns?.stop();
    await metrics?.stop();
    await egress.close();
    closeReads();
    await cp.stop();
  };
  try {
    const started = Date.now();
    const start = starter(cp, procs);
    // Kyverno's webhook Service is served by its admission controller on this port, not stood in.
    const kyvernoPort = await freePort();
    const served = kyvernoWait > 0 ? kyvernoServed(kyvernoPort) : undefined;
    ({ standIns, metrics } = await startModelsOfAddOns(cp, run, log, served));
    setRoute(standIns.route);
    await startKubernetes(cp, start);
    const nodes = simulatedNodes(env);
    await run(['create', '-o', 'name'], nodes.map((n) => JSON.stringify(n)).join('\n'));
    log(`cluster: ${nodes.length} kwok nodes of ${env.name}'s node groups created`);
    await installArgoCd(cp, run);
    const work = path.join(cp.dir, 'sources');
    fs.mkdirSync(path.join(work, 'charts'), { recursive: true });
    charts = await serveDirectory(path.join(work, 'charts'));
    const sources = buildLocalSources(env, root, work, charts.url);
    log(`cluster: local sources: ${sources.projectUrl}, ${sources.charts.length} charts at ${charts.url}`);
    const unrenderable = await standInForUnrenderable(env, root, run, log);
    await startArgoCd(cp, start);
    await checkResyncSettings(cp);
    models = runModels(CONTROLLER_MODELS, run, log);
    const loop = models;
    const k = { cp, kubectl: run, webhookPort: kyvernoPort, waitSeconds: kyvernoWait, log };
    if (kyvernoWait > 0) kyverno = kyvernoInBackground(env, root, k);
    log(`cluster: scheduler, kwok and Argo CD started in ${((Date.now() - started) / 1000).toFixed(1)}s (${cp.dir})`);
    const stood = standIns;
    return {
      cp,
      env,
      sources,
      unrenderable,
      kubectl: run,
      log: (name, lines = 40) => logTail(cp.dir, name, lines),
      standIns: () => stood.report(),
      models: () => loop.report(),
      kyverno: () => kyverno?.state() ?? 'not run',
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
