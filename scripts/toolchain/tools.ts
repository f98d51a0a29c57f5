/**
 * Installs the pinned validation and security tools into .tools/bin (git-ignored), built from
 * source through the Go module proxy: `go install <package>@<exact version>`, `go build` of a
 * wrapper module under tools/ where upstream's go.mod cannot be installed that way or upstream's
 * command needs a change, or `go build` inside a copy of the module's own directory where the
 * command imports an internal package of its module (each entry's reason says which).
 *
 *   npm run tools            install what is missing or of another version
 *   npm run tools -- --check exit 1, naming the command to run, when anything is missing
 *   npm run tools -- --list  print the pinned table
 *
 * A stamp per tool (.tools/stamps/<name>) records what was built; a tool whose stamp matches and
 * whose binary exists is skipped without running Go, so a second run takes well under a second.
 * Never `@latest` and never a downloaded binary: every version below is exact.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ARGOCD_VERSION } from '../../charts/lib/upstream';

const ROOT = path.resolve(__dirname, '..', '..');

/** Where tools are installed, relative to the repository root. */
export const TOOLS_DIR = '.tools';
/** Absolute path of the tools directory. */
export const TOOLS_HOME = path.join(ROOT, TOOLS_DIR);
export const TOOLS_BIN = path.join(TOOLS_HOME, 'bin');

/**
 * Where validate remembers clean verdicts and parsed output: .tools/, or $VALIDATE_CACHE_DIR (a
 * directory CI can restore, or a test's own).
 */
export function memoryHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.VALIDATE_CACHE_DIR ? path.resolve(env.VALIDATE_CACHE_DIR) : TOOLS_HOME;
}
const STAMPS = path.join(TOOLS_HOME, 'stamps');

/** The command that installs every tool. */
export const INSTALL_COMMAND = 'npm run tools';

/** The opt-in groups of tools beside the default one, built only when named. */
export const TOOL_GROUPS = ['cluster'] as const;
export type ToolGroup = (typeof TOOL_GROUPS)[number];

/** The command that installs the tools of a group (the default group without an argument). */
export function installCommand(group?: ToolGroup): string {
  return group === undefined ? INSTALL_COMMAND : `${INSTALL_COMMAND} -- --group ${group}`;
}

interface ToolBase {
  /** Name used in messages and for the stamp file. */
  readonly name: string;
  /** File name under .tools/bin. */
  readonly binary: string;
  /** The Go module that defines the version. */
  readonly module: string;
  /** Exact module version. */
  readonly version: string;
  /** Linker flags (version strings the tool prints), if any. */
  readonly ldflags?: string;
  /** The opt-in group the tool belongs to; absent for the default group that `npm run tools` builds. */
  readonly group?: ToolGroup;
}

/** `go install <pkg>@<version>`. */
interface InstalledTool extends ToolBase {
  readonly kind: 'install';
  /** The main package inside the module. */
  readonly pkg: string;
}

/** `go build` of tools/<dir>, a module that requires the tool at its exact version. */
interface WrappedTool extends ToolBase {
  readonly kind: 'wrapper';
  /** Directory of the wrapper module, relative to the repository root. */
  readonly dir: string;
  /**
   * Directory of the main package inside the wrapper module, for a module that builds several
   * binaries from one set of pinned dependencies.
   * @default '.'
   */
  readonly main?: string;
  /** Why `go install` cannot be used. */
  readonly reason: string;
}

/**
 * `go build` of a main package inside a copy of the module's directory from the module cache,
 * with upstream's own go.mod and go.sum: for a command that imports an `internal` package of its
 * module, which Go lets no other module (so no wrapper) import. Upstream's replace directives
 * apply as they are, so each must name a published module version.
 */
interface ModuleTool extends ToolBase {
  readonly kind: 'module';
  /** The main package, relative to the module's root, such as cmd/kyverno. */
  readonly pkg: string;
  /** Why neither `go install` nor a wrapper can be used. */
  readonly reason: string;
}

export type Tool = InstalledTool | WrappedTool | ModuleTool;

/**
 * The Kubernetes release of the integration tier's API server and kubectl. The wrapper module
 * tools/kubernetes requires k8s.io/kubernetes at this version and each k8s.io staging module at
 * v0.<minor>.<patch> of it.
 */
export const KUBERNETES_VERSION = 'v1.36.3';

/**
 * The otelcol-contrib release whose components tools/otelcol builds (its go.mod); the
 * environments' images.otelCollector run the same release (test/observability/ checks both).
 */
export const OTELCOL_VERSION = 'v0.145.0';

/**
 * The github.com/prometheus/prometheus module of the Prometheus release kube-prometheus-stack 88.5.3
 * runs (values.yaml prometheus.prometheusSpec.image.tag v3.14.0; the module's v0.314.0 is v3.14.0).
 */
export const PROMETHEUS_MODULE_VERSION = 'v0.314.0';

/** prom-label-proxy's release; the environments' images.promLabelProxy tag is the same. */
export const PROM_LABEL_PROXY_VERSION = 'v0.14.0';

/** sigs.k8s.io/kubectl-validate, built by tools/kubectl-validate (the gate) and tools/kubectl-validate/upstream. */
export const KUBECTL_VALIDATE_VERSION = 'v0.0.4';

/** Kyverno's release: the kyverno CLI (tools/kyverno) and the cluster tier's admission and background controllers. */
export const KYVERNO_VERSION = 'v1.19.0';

/** Kyverno's Makefile: LD_FLAGS := "-s -w -X $(PACKAGE)/pkg/version.BuildVersion=$(VERSION)". */
const KYVERNO_LDFLAGS = `-X github.com/kyverno/kyverno/pkg/version.BuildVersion=${KYVERNO_VERSION}`;

/** The version strings Kubernetes' own build stamps into its binaries (hack/lib/version.sh). */
const KUBERNETES_LDFLAGS = (() => {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
    ])
    .join(' ');
})();

/** The pinned tool table. */
export const TOOLS: readonly Tool[] = [
  {
    name: 'kubeconform',
    binary: 'kubeconform',
    kind: 'install',
    module: 'github.com/yannh/kubeconform',
    pkg: 'github.com/yannh/kubeconform/cmd/kubeconform',
    version: 'v0.8.0',
    ldflags: '-X main.version=v0.8.0',
  },
  {
    name: 'kubectl-validate',
    binary: 'kubectl-validate',
    kind: 'wrapper',
    module: 'sigs.k8s.io/kubectl-validate',
    dir: 'tools/kubectl-validate',
    version: KUBECTL_VALIDATE_VERSION,
    reason:
      'upstream compiles every CEL rule of a schema again for each object; the wrapper runs upstream with one validation strategy per kind, as the API server does',
  },
  {
    // test/gates/kubectl-validate.test.ts checks that the wrapper's reports equal this build's.
    name: 'kubectl-validate-upstream',
    binary: 'kubectl-validate-upstream',
    kind: 'wrapper',
    module: 'sigs.k8s.io/kubectl-validate',
    dir: 'tools/kubectl-validate',
    main: 'upstream',
    version: KUBECTL_VALIDATE_VERSION,
    reason: "upstream's own main.go, built from the wrapper's pinned modules as the reference for its reports",
  },
  {
    name: 'kyverno',
    binary: 'kyverno',
    kind: 'wrapper',
    module: 'github.com/kyverno/kyverno',
    dir: 'tools/kyverno',
    version: KYVERNO_VERSION,
    ldflags: KYVERNO_LDFLAGS,
    reason: 'upstream go.mod has a replace directive (k8s.io/pod-security-admission)',
  },
  {
    name: 'netpol-analyzer',
    binary: 'k8snetpolicy',
    kind: 'wrapper',
    module: 'github.com/np-guard/netpol-analyzer',
    dir: 'tools/netpol-analyzer',
    version: 'v1.4.2',
    reason: 'the checksum database has no entry for this version; the committed go.sum pins it instead',
  },
  {
    name: 'gitleaks',
    binary: 'gitleaks',
    kind: 'install',
    module: 'github.com/zricethezav/gitleaks/v8',
    pkg: 'github.com/zricethezav/gitleaks/v8',
    version: 'v8.30.1',
    ldflags: '-X github.com/zricethezav/gitleaks/v8/version.Version=v8.30.1',
  },
  {
    name: 'chainsaw',
    binary: 'chainsaw',
    kind: 'wrapper',
    module: 'github.com/kyverno/chainsaw',
    dir: 'tools/chainsaw',
    version: 'v0.2.12',
    reason:
      'the full CLI of v0.2.12 does not compile with Go 1.25+ (its test runner); the wrapper links only its lint command',
  },
  {
    name: 'etcd',
    binary: 'etcd',
    kind: 'wrapper',
    module: 'go.etcd.io/etcd/server/v3',
    dir: 'tools/etcd',
    version: 'v3.6.16',
    reason: "upstream go.mod maps etcd's sibling modules to relative paths with replace directives",
  },
  {
    name: 'kube-apiserver',
    binary: 'kube-apiserver',
    kind: 'wrapper',
    module: 'k8s.io/kubernetes',
    dir: 'tools/kubernetes',
    main: 'kube-apiserver',
    version: KUBERNETES_VERSION,
    ldflags: KUBERNETES_LDFLAGS,
    reason:
      'k8s.io/kubernetes replaces every k8s.io/<staging> module with a directory of its own repository; the wrapper maps each to its published version',
  },
  {
    name: 'kube-controller-manager',
    binary: 'kube-controller-manager',
    kind: 'wrapper',
    module: 'k8s.io/kubernetes',
    dir: 'tools/kubernetes',
    main: 'kube-controller-manager',
    version: KUBERNETES_VERSION,
    ldflags: KUBERNETES_LDFLAGS,
    reason:
      'built beside kube-apiserver from the same wrapper; the integration tier runs only its ClusterRole aggregation controller',
  },
  {
    name: 'kubectl',
    binary: 'kubectl',
    kind: 'wrapper',
    module: 'k8s.io/kubectl',
    dir: 'tools/kubernetes',
    main: 'kubectl',
    version: `v0.${KUBERNETES_VERSION.slice('v1.'.length)}`,
    ldflags: KUBERNETES_LDFLAGS,
    reason:
      "kubectl's main package lives in k8s.io/kubernetes; built beside kube-apiserver from the same pinned modules",
  },
  {
    // The render harness (scripts/upstream/render.ts) renders the pinned charts with it as Argo CD does.
    name: 'helm',
    binary: 'helm',
    kind: 'install',
    module: 'helm.sh/helm/v3',
    pkg: 'helm.sh/helm/v3/cmd/helm',
    version: 'v3.22.0',
    // Upstream's Makefile stamps the version and the Kubernetes version of its client-go (v0.37 →
    // 1.37); without the latter helm assumes 1.20 and charts with kubeVersion >=1.25 refuse to render.
    ldflags: [
      '-X helm.sh/helm/v3/internal/version.version=v3.22.0',
      '-X helm.sh/helm/v3/internal/version.metadata=',
      '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
      '-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1',
      '-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37',
      '-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1',
      '-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37',
    ].join(' '),
  },
  {
    // test/observability/ runs the generated collector configuration with it.
    name: 'otelcol',
    binary: 'otelcol',
    kind: 'wrapper',
    module: 'github.com/open-telemetry/opentelemetry-collector-contrib/connector/routingconnector',
    dir: 'tools/otelcol',
    version: OTELCOL_VERSION,
    reason:
      'a collector is a distribution of component modules; the wrapper builds the components the platform configures, at the release of images.otelCollector',
  },
  {
    // test/observability/ sends queries through a tenant's proxy, configured as the platform runs it.
    name: 'prom-label-proxy',
    binary: 'prom-label-proxy',
    kind: 'install',
    module: 'github.com/prometheus-community/prom-label-proxy',
    pkg: 'github.com/prometheus-community/prom-label-proxy',
    version: PROM_LABEL_PROXY_VERSION,
  },
  {
    // test/observability/ evaluates the tenant recording rules, quota alerts and dashboard queries with it.
    name: 'promql-eval',
    binary: 'promql-eval',
    kind: 'wrapper',
    module: 'github.com/prometheus/prometheus',
    dir: 'tools/promql-eval',
    version: PROMETHEUS_MODULE_VERSION,
    reason:
      "Prometheus's go.mod has a replace directive; the wrapper repeats it and evaluates expressions with the pinned engine over given series",
  },
  {
    name: 'kube-score',
    binary: 'kube-score',
    kind: 'install',
    module: 'github.com/zegl/kube-score',
    pkg: 'github.com/zegl/kube-score/cmd/kube-score',
    version: 'v1.20.0',
    ldflags: '-X main.version=v1.20.0',
  },
];

/**
 * The cluster tier's tools (`npm run tools -- --group cluster`, `npm run test:cluster`): Argo CD
 * in the loop on a simulated cluster. Never built by the default `npm run tools`.
 */
export const CLUSTER_TOOLS: readonly Tool[] = [
  {
    name: 'kube-scheduler',
    binary: 'kube-scheduler',
    kind: 'wrapper',
    group: 'cluster',
    module: 'k8s.io/kubernetes',
    dir: 'tools/kubernetes',
    main: 'kube-scheduler',
    version: KUBERNETES_VERSION,
    ldflags: KUBERNETES_LDFLAGS,
    reason: 'built beside kube-apiserver from the same wrapper; places every pod on the simulated nodes',
  },
  {
    name: 'kwok',
    binary: 'kwok',
    kind: 'install',
    group: 'cluster',
    module: 'sigs.k8s.io/kwok',
    pkg: 'sigs.k8s.io/kwok/cmd/kwok',
    version: 'v0.8.0',
    // hack/releases.sh stamps the version; the source default (pkg/consts) is already 0.8.0.
    ldflags: '-X sigs.k8s.io/kwok/pkg/consts.Version=v0.8.0',
  },
  {
    name: 'argocd',
    binary: 'argocd',
    kind: 'wrapper',
    group: 'cluster',
    module: 'github.com/argoproj/argo-cd/v3',
    dir: 'tools/argocd',
    version: ARGOCD_VERSION,
    // Upstream's Makefile: -X common.version=$(cat VERSION) (3.5.3, no leading v), -X common.gitTag.
    ldflags: `-X github.com/argoproj/argo-cd/v3/common.version=${ARGOCD_VERSION.slice(1)} -X github.com/argoproj/argo-cd/v3/common.gitTag=${ARGOCD_VERSION}`,
    reason:
      'upstream replaces its gitops-engine module with ./gitops-engine, which the module zip lacks; the wrapper requires the published pseudo-version of the same commit and repeats the other replace directives',
  },
  {
    name: 'miniredis',
    binary: 'miniredis',
    kind: 'wrapper',
    group: 'cluster',
    module: 'github.com/alicebob/miniredis/v2',
    dir: 'tools/miniredis',
    version: 'v2.40.0',
    reason: 'a library: the wrapper serves it on a loopback port as the Redis cache Argo CD needs',
  },
  {
    // scripts/cluster-tier/kyverno.ts runs it as the chart's admission controller.
    name: 'kyverno-admission-controller',
    binary: 'kyverno-admission-controller',
    kind: 'module',
    group: 'cluster',
    module: 'github.com/kyverno/kyverno',
    pkg: 'cmd/kyverno',
    version: KYVERNO_VERSION,
    ldflags: KYVERNO_LDFLAGS,
    reason: 'cmd/kyverno imports github.com/kyverno/kyverno/cmd/internal, which only its own module may import',
  },
  {
    name: 'kyverno-background-controller',
    binary: 'kyverno-background-controller',
    kind: 'module',
    group: 'cluster',
    module: 'github.com/kyverno/kyverno',
    pkg: 'cmd/background-controller',
    version: KYVERNO_VERSION,
    ldflags: KYVERNO_LDFLAGS,
    reason:
      'cmd/background-controller imports github.com/kyverno/kyverno/cmd/internal, which only its own module may import',
  },
];

/** Every tool of every group. */
export const ALL_TOOLS: readonly Tool[] = [...TOOLS, ...CLUSTER_TOOLS];

/** The tools of a group: the default group without an argument. */
export function toolsOf(group?: ToolGroup): readonly Tool[] {
  return group === undefined ? TOOLS : CLUSTER_TOOLS.filter((t) => t.group === group);
}

/** What the stamp of a tool must say: the build inputs, so any change rebuilds it. */
export function stampFor(tool: Tool, root = ROOT): string {
  const lines = [
    `${tool.kind} ${tool.kind === 'wrapper' ? path.join(tool.dir, tool.main ?? '.') : tool.pkg} ${tool.module}@${tool.version}`,
    `ldflags ${tool.ldflags ?? ''}`,
  ];
  if (tool.kind === 'wrapper') {
    const hash = createHash('sha256');
    for (const f of ['go.mod', 'go.sum', path.join(tool.main ?? '.', 'main.go')])
      hash
        .update(f)
        .update('\0')
        .update(fs.readFileSync(path.join(root, tool.dir, f)));
    lines.push(`sources sha256:${hash.digest('hex')}`);
  }
  return lines.join('\n') + '\n';
}

/** Absolute path of a tool's binary under a tools directory (default .tools). */
export function binaryPath(tool: Tool, home = TOOLS_HOME): string {
  return path.join(home, 'bin', tool.binary);
}

/** True when the tool's binary exists and its stamp matches the table. */
export function isInstalled(tool: Tool, home = TOOLS_HOME): boolean {
  const stamp = path.join(home, 'stamps', tool.name);
  return (
    fs.existsSync(binaryPath(tool, home)) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === stampFor(tool)
  );
}

/** The tool of a name from the table. */
export function tool(name: string): Tool {
  const found = ALL_TOOLS.find((t) => t.name === name);
  if (!found)
    throw new Error(
      `no tool named ${name} in scripts/toolchain/tools.ts (known: ${TOOLS.map((t) => t.name).join(', ')}; group cluster: ${CLUSTER_TOOLS.map((t) => t.name).join(', ')})`,
    );
  return found;
}

/**
 * Path of an installed tool's binary. Throws, naming the install command, when it is missing or
 * was built from another version; no gate runs without its tool.
 */
export function requireTool(name: string, home = TOOLS_HOME): string {
  const t = tool(name);
  if (!isInstalled(t, home)) {
    throw new Error(
      `${t.name} ${t.version} is not installed in ${TOOLS_DIR}/bin (or was built from other inputs); run: ${installCommand(t.group)}`,
    );
  }
  return binaryPath(t, home);
}

function goEnv(): NodeJS.ProcessEnv {
  // -buildvcs=false: the wrapper modules live in this repository, whose VCS state must not
  // change the binary. GOFLAGS from the caller (such as -mod=mod) is replaced, so the wrappers
  // build in the default -mod=readonly mode and every download is checked against go.sum.
  return { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-buildvcs=false' };
}

export function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Runs a Go command, streaming its output and printing a line every 30 s while it runs. */
function runGo(args: string[], cwd: string, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('go', args, { cwd, env: goEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setInterval(
      () => console.log(`tools: still building ${label} (${formatSeconds(Date.now() - started)})`),
      30_000,
    );
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      if (code === 0) resolve();
      else reject(new Error(`go ${args.join(' ')} (in ${path.relative(ROOT, cwd) || '.'}) exited with ${code}`));
    });
  });
}

/** Where a tool comes from, for messages: module@version and its wrapper or package, if any. */
function origin(t: Tool): string {
  if (t.kind === 'wrapper') return `${t.module}@${t.version}, wrapper ${path.join(t.dir, t.main ?? '.')}`;
  return `${t.module}@${t.version}${t.kind === 'module' ? `, package ${t.pkg} in its own directory` : ''}`;
}

/** How a tool is built, one line for `npm run tools -- --list`. */
export function howBuilt(t: Tool): string {
  if (t.kind === 'wrapper') return `wrapper ${t.dir}: ${t.reason}`;
  if (t.kind === 'module') return `go build ./${t.pkg} in a copy of ${t.module}@${t.version}: ${t.reason}`;
  return `go install ${t.pkg}@${t.version}`;
}

/** The module cache directory of a module version, downloaded (and checked against go.sum's database) if missing. */
export function moduleDir({ module, version }: { module: string; version: string }): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: ROOT,
    env: goEnv(),
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

/**
 * A writable copy of a module's directory in a new temporary directory (the module cache is
 * read-only); the caller removes it.
 */
function moduleCopy(t: ModuleTool): string {
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'go-module-')), path.basename(t.module));
  fs.cpSync(moduleDir(t), copy, { recursive: true });
  const writable = (dir: string) => {
    fs.chmodSync(dir, 0o755);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) writable(path.join(dir, e.name));
  };
  writable(copy);
  return copy;
}

/** The progress line printed as a tool's build starts; `step` is its place in this run, such as "3/11". */
export function buildingLine(t: Tool, step: string): string {
  return `tools: building ${t.name} (${step}): ${origin(t)}`;
}

/** Builds one tool; `step` is its place among the tools this run builds. */
export async function install(t: Tool, step: string): Promise<number> {
  const started = Date.now();
  const ldflags = ['-s', '-w', ...(t.ldflags ? [t.ldflags] : [])].join(' ');
  const label = `${t.name} (${origin(t)})`;
  console.log(buildingLine(t, step));
  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  fs.mkdirSync(STAMPS, { recursive: true });
  fs.rmSync(path.join(STAMPS, t.name), { force: true });
  if (t.kind === 'install') {
    await runGo(['install', '-trimpath', `-ldflags=${ldflags}`, `${t.pkg}@${t.version}`], ROOT, label);
    const built = path.join(TOOLS_BIN, path.basename(t.pkg.replace(/\/v\d+$/, '')));
    if (built !== binaryPath(t)) fs.renameSync(built, binaryPath(t));
  } else if (t.kind === 'module') {
    // -trimpath keeps the copy's location out of the binary and of the build cache's keys.
    const copy = moduleCopy(t);
    try {
      await runGo(['build', '-trimpath', `-ldflags=${ldflags}`, '-o', binaryPath(t), `./${t.pkg}`], copy, label);
    } finally {
      fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    }
  } else {
    await runGo(
      ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', binaryPath(t), `./${t.main ?? '.'}`],
      path.join(ROOT, t.dir),
      label,
    );
  }
  fs.writeFileSync(path.join(STAMPS, t.name), stampFor(t));
  const took = Date.now() - started;
  console.log(`tools: ${t.name} ${t.version} installed in ${formatSeconds(took)} (${step})`);
  return took;
}

export function goVersion(): string | undefined {
  const res = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}
