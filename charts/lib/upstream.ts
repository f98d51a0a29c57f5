/**
 * Every third-party source the platform installs, pinned. Argo CD renders Helm charts itself;
 * an environment may override a version in its platform.versions map (charts/environments).
 */

/** A Helm chart from a Helm repository (https://) or an OCI registry (host/path, no scheme). */
export interface HelmChart {
  readonly type: 'helm';
  readonly repoURL: string;
  readonly chart: string;
  readonly version: string;
  /** True for OCI registries: Argo CD needs a repository entry with enableOCI. */
  readonly oci: boolean;
}

/** A directory (plain YAML or a Helm chart) in a Git repository, at a tag. */
export interface GitPath {
  readonly type: 'git';
  readonly repoURL: string;
  readonly path: string;
  readonly version: string;
  /** True when the directory is a Helm chart (values apply). */
  readonly helm: boolean;
}

export type UpstreamSource = HelmChart | GitPath;

const helm = (repoURL: string, chart: string, version: string): HelmChart => ({
  type: 'helm',
  repoURL,
  chart,
  version,
  oci: !repoURL.startsWith('https://'),
});
const git = (repoURL: string, path: string, version: string, isHelm = false): GitPath => ({
  type: 'git',
  repoURL,
  path,
  version,
  helm: isHelm,
});

const ISTIO = 'https://istio-release.storage.googleapis.com/charts';
const ISTIO_VERSION = '1.30.3';
const AGENTGATEWAY = 'cr.agentgateway.dev/charts';
const AGENTGATEWAY_VERSION = 'v1.4.1';
const KAGENT = 'ghcr.io/kagent-dev/kagent/helm';
const KAGENT_VERSION = '0.9.12';

/**
 * The Argo CD release the platform runs: the argo-cd chart's images are set to it
 * (global.image.tag), and the cluster tier builds and runs the same release. The chart pin
 * stays 10.1.1 (v3.4.4), the newest chart available offline; v3.4.x cannot be built from
 * the Go module proxy (its gitops-engine replace points into the repository), v3.5.3 can. The
 * Application, ApplicationSet and AppProject CRDs we validate against are v3.5.1's (cdk8s.yaml).
 */
export const ARGOCD_VERSION = 'v3.5.3';

/** Pinned upstream sources, keyed by the platform Application that installs them. */
export const UPSTREAM = {
  'istio-base': helm(ISTIO, 'base', ISTIO_VERSION),
  istiod: helm(ISTIO, 'istiod', ISTIO_VERSION),
  'istio-cni': helm(ISTIO, 'cni', ISTIO_VERSION),
  ztunnel: helm(ISTIO, 'ztunnel', ISTIO_VERSION),
  'gateway-api-crds': git('https://github.com/kubernetes-sigs/gateway-api.git', 'config/crd/standard', 'v1.6.1'),
  'agentgateway-crds': helm(AGENTGATEWAY, 'agentgateway-crds', AGENTGATEWAY_VERSION),
  agentgateway: helm(AGENTGATEWAY, 'agentgateway', AGENTGATEWAY_VERSION),
  'kagent-crds': helm(KAGENT, 'kagent-crds', KAGENT_VERSION),
  kagent: helm(KAGENT, 'kagent', KAGENT_VERSION),
  'agent-sandbox': git('https://github.com/kubernetes-sigs/agent-sandbox.git', 'helm', 'v0.5.6', true),
  'external-secrets': helm('https://charts.external-secrets.io', 'external-secrets', '2.9.0'),
  // Chart 10.1.1 ships Argo CD v3.4.4; its images run ARGOCD_VERSION instead (see there).
  argocd: helm('https://argoproj.github.io/argo-helm', 'argo-cd', '10.1.1'),
  kyverno: helm('https://kyverno.github.io/kyverno/', 'kyverno', '3.9.0'),
  'kube-prometheus-stack': helm(
    'https://prometheus-community.github.io/helm-charts',
    'kube-prometheus-stack',
    '88.5.3',
  ),
  clickhouse: helm('registry-1.docker.io/bitnamicharts', 'clickhouse', '9.4.3'),
  langfuse: helm('https://langfuse.github.io/langfuse-k8s', 'langfuse', '1.5.19'),
  keycloak: helm('https://codecentric.github.io/helm-charts', 'keycloakx', '7.1.8'),
  kiali: helm('https://kiali.org/helm-charts', 'kiali-server', '2.22.0'),
} as const satisfies Record<string, UpstreamSource>;

export type UpstreamName = keyof typeof UPSTREAM;
export const UPSTREAM_NAMES = Object.keys(UPSTREAM).sort() as UpstreamName[];

/** The source of an upstream at the version an environment pins. */
export function pinned(name: UpstreamName, overrides: Partial<Record<string, string>> | undefined): UpstreamSource {
  const base = UPSTREAM[name];
  const version = overrides?.[name];
  return version ? { ...base, version } : base;
}
