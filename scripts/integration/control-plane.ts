/**
 * A real Kubernetes control plane on loopback for the integration tier: etcd, kube-apiserver and
 * kube-controller-manager from .tools/bin (built by `npm run tools`), started in a temporary
 * directory with certificates generated for the run, RBAC (and Node) authorization and the
 * admission plugins an EKS cluster enables. The controller manager runs only ClusterRole
 * aggregation and service accounts (see CONTROLLERS); there is no scheduler or kubelet: objects
 * are stored and admitted, no workload runs.
 *
 * etcd and kube-apiserver listen on 127.0.0.1 only, on free ports; the controller manager serves
 * nothing. Each process runs in a process group of its own, stopped by stop(), on process exit,
 * on SIGINT/SIGTERM, and by a watchdog shell that ends it when the Node process that started it
 * dies without cleaning up.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireTool } from '../toolchain/tools';

/**
 * Admission plugins enabled on EKS (its documented list for current versions), PodSecurity and
 * NamespaceLifecycle among them. kube-apiserver enables most by default; naming them all keeps the
 * set fixed whatever a release changes in its defaults.
 */
export const EKS_ADMISSION_PLUGINS = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'DefaultStorageClass',
  'ResourceQuota',
  'DefaultTolerationSeconds',
  'NodeRestriction',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'TaintNodesByCondition',
  'Priority',
  'StorageObjectInUseProtection',
  'PersistentVolumeClaimResize',
  'ExtendedResourceToleration',
  'CertificateApproval',
  'CertificateSigning',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'RuntimeClass',
  'PodSecurity',
] as const;

/**
 * Controllers of kube-controller-manager that run: ClusterRole aggregation, which fills the
 * built-in admin, edit and view roles from their aggregated parts (RBAC checks depend on it), and
 * the service account controller, which gives every namespace its `default` ServiceAccount (the
 * ServiceAccount admission plugin rejects a Pod whose account is missing). Nothing that creates
 * Pods or other objects from what is applied runs.
 */
export const CONTROLLERS = ['clusterrole-aggregation', 'serviceaccount'] as const;

/** Built-in ClusterRoles that have rules only once aggregation has run. */
const AGGREGATED_ROLES = ['admin', 'edit', 'view'] as const;

/** A running control plane. */
export interface ControlPlane {
  /** Temporary directory holding certificates, the kubeconfig, etcd's data and the logs. */
  readonly dir: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** Kubeconfig of a cluster administrator (client certificate in group system:masters). */
  readonly kubeconfig: string;
  /** Environment for kubectl: KUBECONFIG and a discovery cache inside `dir`. */
  readonly env: NodeJS.ProcessEnv;
  /** Stops both processes and removes `dir`. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Called with progress lines. @default console.log */
  readonly log?: (line: string) => void;
  /** Seconds to wait for etcd and then the API server to become healthy. @default 90 */
  readonly timeoutSeconds?: number;
  /** Keep the temporary directory after stop() (for reading the logs). @default false */
  readonly keepDir?: boolean;
  /**
   * The Unix socket of an HTTP CONNECT proxy for the API server's traffic to the cluster:
   * webhooks, conversion webhooks and aggregated APIs addressed by Service. @default none: dialled directly
   */
  readonly egressProxy?: string;
}

/** A port on 127.0.0.1 that nothing listens on at the moment of the call. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** openssl req arguments for a new ECDSA P-256 key without a passphrase. */
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Certificates for one run, in `dir`: a CA, the API server's serving certificate for 127.0.0.1,
 * an administrator's client certificate (O=system:masters) and the service-account signing key.
 * ECDSA P-256 keys, valid for one day.
 */
export function generateCertificates(dir: string): void {
  openssl(
    ['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=integration-ca'],
    dir,
  );
  const sign = (name: string, subject: string, ext: string) => signCertificate(dir, name, subject, ext);
  sign(
    'apiserver',
    '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  sign(
    'admin',
    '/O=system:masters/CN=integration-admin',
    'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], dir);
  openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

/**
 * A key and a certificate `<name>.key` / `<name>.crt` in `dir`, signed by the run's CA, with the
 * given subject and openssl extension lines (subjectAltName, extendedKeyUsage...).
 */
export function signCertificate(dir: string, name: string, subject: string, ext: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/**
 * A serving certificate for `host`, signed by the run's CA in `dir` (the API server trusts it as
 * a webhook's caBundle): key and certificate in PEM, made in a new folder under `dir`.
 */
export function servingCertificate(dir: string, host: string): { key: Buffer; cert: Buffer } {
  if (!/^[a-z0-9.-]+$/.test(host)) throw new Error(`unexpected server name ${host}`);
  const work = fs.mkdtempSync(path.join(dir, 'serving-'));
  for (const f of ['ca.crt', 'ca.key']) fs.copyFileSync(path.join(dir, f), path.join(work, f));
  signCertificate(work, 'server', `/CN=${host}`, `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
  return { key: fs.readFileSync(path.join(work, 'server.key')), cert: fs.readFileSync(path.join(work, 'server.crt')) };
}

/**
 * kube-apiserver's egress selector configuration sending the "cluster" traffic through an HTTP
 * CONNECT proxy on a Unix socket (k8s.io/apiserver v0.36.3: pkg/util/webhook/authentication.go
 * dials webhooks addressed by Service through the "cluster" selection; a TCP transport needs
 * client TLS, pkg/server/egressselector/egress_selector.go getTLSConfig, a socket does not).
 */
export function egressSelectorConfiguration(socket: string): string {
  return [
    'apiVersion: apiserver.k8s.io/v1beta1',
    'kind: EgressSelectorConfiguration',
    'egressSelections:',
    '  - name: cluster',
    '    connection:',
    '      proxyProtocol: HTTPConnect',
    '      transport:',
    '        uds:',
    `          udsName: ${socket}`,
    '',
  ].join('\n');
}

/** The kubeconfig of the administrator for a server, with file references into `dir`. */
export function kubeconfigFor(server: string, dir: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: integration',
    '    cluster:',
    `      server: ${server}`,
    `      certificate-authority: ${path.join(dir, 'ca.crt')}`,
    'users:',
    '  - name: admin',
    '    user:',
    `      client-certificate: ${path.join(dir, 'admin.crt')}`,
    `      client-key: ${path.join(dir, 'admin.key')}`,
    'contexts:',
    '  - name: integration',
    '    context:',
    '      cluster: integration',
    '      user: admin',
    'current-context: integration',
    '',
  ].join('\n');
}

/** kube-apiserver's flags for a run. */
export function apiServerArgs(o: { dir: string; port: number; etcdUrl: string; egressProxy?: string }): string[] {
  const f = (name: string) => path.join(o.dir, name);
  const egress: string[] = [];
  if (o.egressProxy !== undefined) {
    fs.writeFileSync(f('egress-selector.yaml'), egressSelectorConfiguration(o.egressProxy));
    egress.push(`--egress-selector-config-file=${f('egress-selector.yaml')}`);
  }
  return [
    ...egress,
    `--etcd-servers=${o.etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${o.port}`,
    `--cert-dir=${f('apiserver-certs')}`,
    `--tls-cert-file=${f('apiserver.crt')}`,
    `--tls-private-key-file=${f('apiserver.key')}`,
    `--client-ca-file=${f('ca.crt')}`,
    '--authorization-mode=Node,RBAC',
    `--enable-admission-plugins=${EKS_ADMISSION_PLUGINS.join(',')}`,
    `--service-account-key-file=${f('sa.pub')}`,
    `--service-account-signing-key-file=${f('sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    // Only allocated, never routed: no kube-proxy runs.
    '--service-cluster-ip-range=10.96.0.0/16',
    // EKS admits privileged containers (the CNI and mesh node agents need them); Pod Security
    // admission is what restricts them per namespace.
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ];
}

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
}

/** Ends a process group: SIGTERM, then SIGKILL after `graceMs`. */
export function killGroup(p: Proc, graceMs: number): Promise<void> {
  const pid = p.child.pid;
  if (pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, graceMs);
    p.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

function killGroupNow(p: Proc): void {
  const pid = p.child.pid;
  if (pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Starts `bin` in its own process group, logging to `<dir>/<name>.log`, its pid in `<dir>/pids`;
 * `env` replaces this process's environment.
 */
export function startProcess(name: string, bin: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): Proc {
  const log = fs.openSync(path.join(dir, `${name}.log`), 'a');
  const child = spawn(bin, args, { cwd: dir, detached: true, stdio: ['ignore', log, log], env: env ?? process.env });
  fs.closeSync(log);
  if (child.pid !== undefined) fs.appendFileSync(path.join(dir, 'pids'), `${child.pid}\n`);
  return { name, child };
}

/**
 * A shell that outlives this Node process: once the process is gone (SIGKILL, crash) without
 * stopping the control plane, it kills every process group listed in `<dir>/pids` and removes
 * the directory, within a second.
 */
function startWatchdog(dir: string, keepDir: boolean): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; for g in $(cat "$2/pids" 2>/dev/null); do kill -9 "-$g" 2>/dev/null; done; [ "$3" = keep ] || rm -rf "$2"';
  const watchdog = spawn('sh', ['-c', script, 'watchdog', String(process.pid), dir, keepDir ? 'keep' : 'remove'], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return watchdog;
}

export function logTail(dir: string, name: string, lines = 30): string {
  try {
    return fs
      .readFileSync(path.join(dir, `${name}.log`), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/** TLS options of a client of the API server as the administrator: the run's CA and admin certificate in `dir`. */
export function adminTls(dir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  return {
    ca: fs.readFileSync(path.join(dir, 'ca.crt')),
    cert: fs.readFileSync(path.join(dir, 'admin.crt')),
    key: fs.readFileSync(path.join(dir, 'admin.key')),
  };
}

/**
 * GET with a 5 s timeout; resolves the status code and body. An https URL is fetched with the
 * administrator's certificate from `dir`.
 */
function get(url: string, dir?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = url.startsWith('https:')
      ? https.get(url, { ...adminTls(dir!), timeout: 5000 }, onResponse)
      : http.get(url, { timeout: 5000 }, onResponse);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(
  what: string,
  proc: Proc,
  dir: string,
  deadline: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `${what} exited (${proc.child.exitCode ?? proc.child.signalCode}) before it became healthy; last lines of ${proc.name}.log:\n${logTail(dir, proc.name)}`,
      );
    }
    try {
      if (await probe()) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what} did not become healthy in time; last lines of ${proc.name}.log:\n${logTail(dir, proc.name)}`,
      );
    await sleep(250);
  }
}

const running = new Set<() => void>();
let handlersInstalled = false;

/** Process-wide cleanup: every running control plane is killed on exit and on SIGINT/SIGTERM. */
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const kill of running) kill();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const kill of running) kill();
      process.kill(process.pid, signal);
    });
  }
}

/** etcd's flags: one member on loopback ports, its data in the run's directory. */
function etcdArgs(dir: string, etcdUrl: string, peerPort: number): string[] {
  return [
    '--name=integration',
    `--data-dir=${path.join(dir, 'etcd-data')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=integration=http://127.0.0.1:${peerPort}`,
    '--listen-metrics-urls=',
    // The data lives for one run in a temporary directory: no fsync needed.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

/** kube-controller-manager's flags: the CONTROLLERS only, no leader election, no listener. */
function controllerManagerArgs(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--controllers=${CONTROLLERS.join(',')}`,
    '--leader-elect=false',
    '--use-service-account-credentials=false',
    // No health or metrics endpoint: nothing to listen on.
    '--secure-port=0',
    '--v=1',
  ];
}

/** Starts etcd and kube-apiserver and resolves once /readyz answers ok. */
export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? ((line: string) => console.log(line));
  const timeout = (options.timeoutSeconds ?? 90) * 1000;
  const etcdBin = requireTool('etcd');
  const apiserverBin = requireTool('kube-apiserver');
  const kcmBin = requireTool('kube-controller-manager');
  requireTool('kubectl');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-plane-'));
  const procs: Proc[] = [];
  const watchdog = startWatchdog(dir, options.keepDir ?? false);
  let stopped = false;
  // Synchronous, for process exit and signals: kill both groups, then remove the directory.
  const killAll = () => {
    for (const p of procs) killGroupNow(p);
    watchdog.kill('SIGKILL');
    if (!options.keepDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  installHandlers();
  running.add(killAll);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The API server first, so that it does not log etcd's disappearance at length.
    for (const p of [...procs].reverse()) await killGroup(p, 10_000);
    watchdog.kill('SIGKILL');
    running.delete(killAll);
    if (!options.keepDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = Date.now();
    generateCertificates(dir);
    const [clientPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const etcd = startProcess('etcd', etcdBin, etcdArgs(dir, etcdUrl, peerPort), dir);
    procs.push(etcd);
    const deadline = Date.now() + timeout;
    await waitUntil('etcd', etcd, dir, deadline, async () => (await get(`${etcdUrl}/health`)).status === 200);
    const apiserver = startProcess(
      'kube-apiserver',
      apiserverBin,
      apiServerArgs({ dir, port: apiPort, etcdUrl, egressProxy: options.egressProxy }),
      dir,
    );
    procs.push(apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    await waitUntil('kube-apiserver', apiserver, dir, Date.now() + timeout, async () => {
      const r = await get(`${server}/readyz`, dir);
      return r.status === 200 && r.body.trim() === 'ok';
    });
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, kubeconfigFor(server, dir));
    const kcm = startProcess('kube-controller-manager', kcmBin, controllerManagerArgs(kubeconfig), dir);
    procs.push(kcm);
    await waitUntil('kube-controller-manager (ClusterRole aggregation)', kcm, dir, Date.now() + timeout, async () => {
      for (const role of AGGREGATED_ROLES) {
        const r = await get(`${server}/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`, dir);
        if (r.status !== 200 || (JSON.parse(r.body).rules ?? []).length === 0) return false;
      }
      return true;
    });
    log(
      `control plane: kube-apiserver ${server}, etcd ${etcdUrl} and kube-controller-manager (${CONTROLLERS.join(', ')}) healthy in ${((Date.now() - started) / 1000).toFixed(1)}s (${dir})`,
    );
    // kubectl's discovery cache in the run's directory, so that nothing is written to $HOME.
    const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(dir, 'kube-cache'), HOME: dir };
    return { dir, server, kubeconfig, env, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
