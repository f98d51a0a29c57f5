/**
 * Kyverno's admission and background controllers (v1.19.0, built by `npm run tools -- --group
 * cluster`) as processes on this machine, run against the cluster the way the kyverno chart 3.9.0
 * runs them: each with the args and env of its container in the chart's Deployment as the
 * cluster has it (our values included), under the chart's ServiceAccount, in namespace kyverno.
 * Only what a process outside a pod needs is changed (hostArgs, hostEnv). The admission
 * controller registers its webhooks by the chart's Service, kyverno-svc:443, and the API server
 * reaches them through the egress proxy, which routes that Service to the process's webhook port
 * on 127.0.0.1 (`served` of startStandIns: kyvernoServed).
 *
 * The controllers read objects the chart creates (CRDs, ConfigMaps, RBAC, their Deployments), so
 * startKyverno first waits until they exist: in the cluster tier Argo CD syncs them.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { ControlPlane, Proc } from '../integration/control-plane';
import { freePort, killGroup, logTail, startProcess } from '../integration/control-plane';
import { requireTool } from '../toolchain/tools';
import { type ServiceKey, serviceKeyString } from './stand-ins';

/** The chart's namespace in our Application (argocd/<env>/platform/application-platform-kyverno.yaml). */
export const KYVERNO_NAMESPACE = 'kyverno';

/**
 * The admission controller's webhook Service: chart 3.9.0 templates/admission-controller/service.yaml
 * (kyverno-svc, port 443, targetPort https = the container's 9443), named to the process by
 * KYVERNO_SVC (pkg/config/config.go kyvernoServiceName) and --servicePort (cmd/kyverno/main.go).
 */
export const KYVERNO_SERVICE: ServiceKey = { namespace: KYVERNO_NAMESPACE, name: 'kyverno-svc', port: 443 };

/** Each controller: its tool, the chart's Deployment and container that it replaces. */
export const KYVERNO_CONTROLLERS = [
  // chart 3.9.0 templates/admission-controller/deployment.yaml: container "kyverno".
  { tool: 'kyverno-admission-controller', deployment: 'kyverno-admission-controller', container: 'kyverno' },
  // chart 3.9.0 templates/background-controller/deployment.yaml: container "controller".
  { tool: 'kyverno-background-controller', deployment: 'kyverno-background-controller', container: 'controller' },
] as const;

/**
 * The kinds of the chart's objects the controllers read or run under: CRDs (cmd/kyverno/main.go
 * sanityChecks and its informers), ServiceAccounts and RBAC (their identity), ConfigMaps
 * (INIT_CONFIG, METRICS_CONFIG), the Service (KYVERNO_SVC) and the Deployments (their args, and
 * pkg/utils/runtime/utils.go reads the admission controller's own).
 */
const REQUIRED_KINDS = new Set([
  'CustomResourceDefinition',
  'ServiceAccount',
  'ConfigMap',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'Deployment',
]);

/** An object by reference: what startKyverno waits for. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

interface RenderedLike extends ObjectRef {
  readonly metadata: ObjectRef['metadata'] & { readonly annotations?: Record<string, string> };
}

/**
 * The objects of the rendered kyverno chart that the controllers need before they start; Helm
 * hooks and tests (annotation helm.sh/hook) are left out, as they run only around an install.
 */
export function kyvernoRequirements(objects: readonly RenderedLike[]): ObjectRef[] {
  return objects
    .filter((o) => REQUIRED_KINDS.has(o.kind) && o.metadata.annotations?.['helm.sh/hook'] === undefined)
    .map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
    }));
}

/** The `served` entry of startStandIns for the admission controller's webhook port. */
export function kyvernoServed(webhookPort: number): Map<string, number> {
  return new Map([[serviceKeyString(KYVERNO_SERVICE), webhookPort]]);
}

/** `--name=value` flags replaced (or added) in a container's args; Go's flag package reads `--name=value`. */
export function withFlags(args: readonly string[], flags: Record<string, string>): string[] {
  const names = new Set(Object.keys(flags));
  const kept = args.filter((a) => {
    const m = /^--?([^=]+)(=|$)/.exec(a);
    return !(m && names.has(m[1]!));
  });
  return [...kept, ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`)];
}

/** The value of `--name=value` in args, if set. */
export function flagValue(args: readonly string[], name: string): string | undefined {
  for (const a of [...args].reverse()) {
    const m = /^--?([^=]+)=(.*)$/.exec(a);
    if (m && m[1] === name) return m[2];
  }
  return undefined;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath?: string } } & Record<string, unknown>;
}

/**
 * A container's env as a process's: plain values kept, the downward API's metadata.namespace and
 * metadata.name resolved to the namespace and a pod name. Anything else (a Secret, a resource
 * field) is an error that names the variable: the tier would have to supply it.
 */
export function hostEnv(
  env: readonly EnvVar[],
  pod: { namespace: string; name: string },
  where: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  const unsupported: string[] = [];
  for (const e of env) {
    if (e.valueFrom === undefined) out[e.name] = e.value ?? '';
    else if (e.valueFrom.fieldRef?.fieldPath === 'metadata.namespace') out[e.name] = pod.namespace;
    else if (e.valueFrom.fieldRef?.fieldPath === 'metadata.name') out[e.name] = pod.name;
    else unsupported.push(`${e.name} (valueFrom ${JSON.stringify(e.valueFrom)})`);
  }
  if (unsupported.length > 0)
    throw new Error(`kyverno: ${where}: env the tier cannot supply to a host process: ${unsupported.join(', ')}`);
  return out;
}

/** Ports a controller listens on, all on 127.0.0.1. */
export interface HostPorts {
  /** The webhook server (admission controller only). */
  readonly webhook?: number;
  readonly metrics: number;
  readonly controllerRuntimeMetrics: number;
}

/**
 * The chart's args with what a process outside a pod must change, each flag read in upstream
 * v1.19.0: the API server through a kubeconfig (cmd/internal/flag.go --kubeconfig; without it
 * pkg/config/client.go takes the pod's in-cluster service account), and every listener on
 * 127.0.0.1 on a free port instead of all interfaces (cmd/internal/flag.go --metricsHost,
 * --metricsPort; cmd/kyverno/main.go and cmd/background-controller/main.go
 * --controllerRuntimeMetricsAddress; cmd/kyverno/main.go --webhookServerHost,
 * --webhookServerPort). --serverIP stays unset so that the webhooks name the Service
 * (pkg/controllers/webhook/utils.go newClientConfig), and --servicePort stays the chart's.
 */
export function hostArgs(args: readonly string[], kubeconfig: string, ports: HostPorts): string[] {
  return withFlags(args, {
    kubeconfig,
    metricsHost: '127.0.0.1',
    metricsPort: String(ports.metrics),
    controllerRuntimeMetricsAddress: `127.0.0.1:${ports.controllerRuntimeMetrics}`,
    ...(ports.webhook === undefined
      ? {}
      : { webhookServerHost: '127.0.0.1', webhookServerPort: String(ports.webhook) }),
  });
}

/** A kubeconfig that authenticates as a ServiceAccount with a token. */
export function serviceAccountKubeconfig(server: string, caFile: string, user: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cluster', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: 'cluster', user, namespace: KYVERNO_NAMESPACE } }],
    'current-context': user,
  });
}

/** kubectl against the cluster: stdout, or throws with stderr. */
export type Kubectl = (args: readonly string[], input?: string) => Promise<string>;

export interface KyvernoOptions {
  readonly cp: Pick<ControlPlane, 'dir' | 'server'>;
  readonly kubectl: Kubectl;
  /** The admission controller's webhook port on 127.0.0.1: what kyvernoServed gave the stand-ins. */
  readonly webhookPort: number;
  /** The chart's objects to wait for (kyvernoRequirements of its render). */
  readonly requires: readonly ObjectRef[];
  /** Seconds to wait for them to exist (CRDs Established). @default 0: they must exist already */
  readonly waitSeconds?: number;
  /** Seconds to wait, once started, for the admission controller to register its webhooks. @default 120 */
  readonly readySeconds?: number;
  readonly log?: (line: string) => void;
}

export interface Kyverno {
  /** The last lines of a controller's log (its tool name). */
  log(name: string, lines?: number): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The chart's readiness probe of the admission controller (chart 3.9.0 values
 * admissionController.container readinessProbe: HTTPS GET /health/readiness on the webhook port;
 * a kubelet's HTTPS probe does not verify the certificate). Upstream answers 200 once the webhook
 * server's certificate is valid (pkg/webhooks/server.go ReadinessServicePath, runtime.IsReady).
 */
function ready(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: '/health/readiness', rejectUnauthorized: false, timeout: 5000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Of `requires`, those the cluster does not have yet (a CRD counts once Established), as "Kind ns/name". */
export async function missingObjects(kubectl: Kubectl, requires: readonly ObjectRef[]): Promise<string[]> {
  const text = await kubectl(
    ['get', '--ignore-not-found', '-o', 'json'],
    requires.map((o) => stringify(o)).join('---\n'),
  );
  // kubectl prints nothing at all when none of them exists.
  const live = (text.trim() === '' ? {} : JSON.parse(text)) as { kind?: string; items?: LiveObject[] } & LiveObject;
  const items = live.kind === 'List' ? (live.items ?? []) : live.kind ? [live] : [];
  const have = new Set(
    items
      .filter(
        (o) =>
          o.kind !== 'CustomResourceDefinition' ||
          o.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
      )
      .map((o) => refString(o)),
  );
  return requires.map(refString).filter((r) => !have.has(r));
}

interface LiveObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

const refString = (o: { kind?: string; metadata?: { name?: string; namespace?: string } }) =>
  `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
}

/** Process groups started here and not stopped: killed when this process exits. */
const live = new Set<Proc>();
let exitHandler = false;

function killLiveOnExit(): void {
  if (exitHandler) return;
  exitHandler = true;
  process.on('exit', () => {
    for (const p of live)
      try {
        if (p.child.pid !== undefined) process.kill(-p.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
  });
}

/** Polls until every required object exists, or throws naming the missing ones. */
async function waitForChart(o: KyvernoOptions): Promise<void> {
  const until = Date.now() + (o.waitSeconds ?? 0) * 1000;
  for (;;) {
    let missing: string[];
    try {
      missing = await missingObjects(o.kubectl, o.requires);
    } catch (e) {
      // A kind whose CRD is still being installed, or the API server busy: ask again.
      missing = [(e as Error).message.split('\n')[0]!];
    }
    if (missing.length === 0) return;
    if (Date.now() >= until)
      throw new Error(
        `kyverno: ${missing.length} of the chart's objects missing after ${o.waitSeconds ?? 0}s: ${missing.join(', ')}`,
      );
    await sleep(5000);
  }
}

type Controller = (typeof KYVERNO_CONTROLLERS)[number];

/** Starts one controller as its chart container would run, under its ServiceAccount. */
async function startController(o: KyvernoOptions, c: Controller, home: string): Promise<Proc> {
  const where = `Deployment ${KYVERNO_NAMESPACE}/${c.deployment} container ${c.container}`;
  const deployment = JSON.parse(
    await o.kubectl(['get', 'deployment', c.deployment, '-n', KYVERNO_NAMESPACE, '-o', 'json']),
  ) as { spec: { template: { spec: { serviceAccountName?: string; containers: Container[] } } } };
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((x) => x.name === c.container);
  if (!container) throw new Error(`kyverno: no ${where}`);
  const serviceAccount = pod.serviceAccountName ?? 'default';
  // The pod's identity: a token of the chart's ServiceAccount, so the chart's RBAC (and the
  // ClusterRoles aggregated into it) is what the controller may do, as in a pod.
  const token = (
    await o.kubectl(['create', 'token', serviceAccount, '-n', KYVERNO_NAMESPACE, '--duration=24h'])
  ).trim();
  const kubeconfig = path.join(o.cp.dir, `${c.tool}.kubeconfig`);
  fs.writeFileSync(
    kubeconfig,
    serviceAccountKubeconfig(o.cp.server, path.join(o.cp.dir, 'ca.crt'), serviceAccount, token),
    { mode: 0o600 },
  );
  const args = container.args ?? [];
  const admission = c.tool === 'kyverno-admission-controller';
  // The pod name is the leader-election identity (pkg/config/config.go kyvernoPodName).
  const env = hostEnv(container.env ?? [], { namespace: KYVERNO_NAMESPACE, name: `${c.deployment}-host` }, where);
  if (admission) {
    const svc = env.KYVERNO_SVC ?? 'kyverno-svc';
    const port = flagValue(args, 'servicePort') ?? '443';
    if (svc !== KYVERNO_SERVICE.name || port !== String(KYVERNO_SERVICE.port))
      throw new Error(
        `kyverno: ${where} names Service ${svc}:${port}; the tier routes ${serviceKeyString(KYVERNO_SERVICE)} to it`,
      );
  }
  const ports: HostPorts = {
    ...(admission ? { webhook: o.webhookPort } : {}),
    metrics: await freePort(),
    controllerRuntimeMetrics: await freePort(),
  };
  // TUF_ROOT (chart: /.sigstore) is sigstore's cache directory; here under the run's directory.
  if (env.TUF_ROOT !== undefined) env.TUF_ROOT = path.join(home, 'sigstore');
  return startProcess(c.tool, requireTool(c.tool), hostArgs(args, kubeconfig, ports), o.cp.dir, {
    ...env,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
  });
}

/** Polls until the admission controller is ready with its policy webhook registered; throws when a controller exits. */
async function waitUntilReady(o: KyvernoOptions, procs: readonly Proc[]): Promise<void> {
  const seconds = o.readySeconds ?? 120;
  const until = Date.now() + seconds * 1000;
  for (;;) {
    for (const p of procs)
      if (p.child.exitCode !== null || p.child.signalCode !== null)
        throw new Error(
          `kyverno: ${p.name} exited (${p.child.exitCode ?? p.child.signalCode}); last lines of ${p.name}.log:\n${logTail(o.cp.dir, p.name)}`,
        );
    const ca = await o.kubectl([
      'get',
      'validatingwebhookconfigurations',
      '--ignore-not-found',
      '-o',
      'jsonpath={.items[?(@.metadata.name=="kyverno-policy-validating-webhook-cfg")].webhooks[0].clientConfig.caBundle}',
    ]);
    if (ca.trim() !== '' && (await ready(o.webhookPort))) return;
    if (Date.now() > until)
      throw new Error(
        `kyverno: the admission controller was not ready with its policy webhook in ${seconds}s; last lines of its log:\n${logTail(o.cp.dir, 'kyverno-admission-controller')}`,
      );
    await sleep(1000);
  }
}

/**
 * Waits for the chart's objects, then starts both controllers and resolves once the admission
 * controller is ready (its readiness probe) and has registered its policy webhook with its CA.
 * Throws, with the last lines of the controller's log, when a controller exits or the objects or
 * webhooks do not appear in time.
 */
export async function startKyverno(o: KyvernoOptions): Promise<Kyverno> {
  const log = o.log ?? ((l: string) => console.log(l));
  for (const c of KYVERNO_CONTROLLERS) requireTool(c.tool);
  const started = Date.now();
  await waitForChart(o);
  killLiveOnExit();
  const home = path.join(o.cp.dir, 'kyverno-home');
  fs.mkdirSync(home, { recursive: true });
  const procs: Proc[] = [];
  const stop = async () => {
    for (const p of [...procs].reverse()) {
      await killGroup(p, 10_000);
      live.delete(p);
    }
  };
  try {
    for (const c of KYVERNO_CONTROLLERS) {
      const p = await startController(o, c, home);
      procs.push(p);
      live.add(p);
    }
    await waitUntilReady(o, procs);
    log(
      `kyverno: admission controller (webhook 127.0.0.1:${o.webhookPort} as ${serviceKeyString(KYVERNO_SERVICE)}) and background controller running in ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
    return { log: (name, lines = 40) => logTail(o.cp.dir, name, lines), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
