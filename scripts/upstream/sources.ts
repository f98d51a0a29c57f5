/**
 * Where every file of the offline upstream copies comes from: one pinned upstream source per
 * folder (a Git tree at a commit, read through raw.githubusercontent.com, or a member of a
 * published archive), and for the few files a release recipe writes, that recipe. The digest of
 * every file is in pinned.sha256 beside this file; `npm run fetch-upstream`
 * (scripts/upstream/fetch.ts) downloads each one and checks it.
 *
 * Folders, paths below the shared folder:
 * - crds/: the CRDs (schemas of the validation gates, imports/, the integration tier);
 * - charts/: every pinned Helm chart with its dependencies unpacked (test/upstream/), and under
 *   charts/_release-stamped/ the charts whose release packaging stamps or generates files, as
 *   their release recipe publishes them;
 * - schemas/: the eksctl ClusterConfig JSON Schema (test/cluster/).
 */

/** A Git repository at a tag, pinned to its commit. */
export interface GitRef {
  readonly repo: string;
  readonly tag: string;
  readonly commit: string;
}

/** A path in a Git repository at a pinned commit: a file, or a folder whose files are taken by their relative paths. */
export interface GitOrigin {
  readonly kind: 'git';
  readonly ref: GitRef;
  readonly path: string;
}

/** A path inside a published archive (a chart package or a Go module zip), checked by the archive's digest. */
export interface ArchiveOrigin {
  readonly kind: 'archive';
  readonly url: string;
  readonly format: 'tgz' | 'zip';
  /** sha256 of the archive itself. */
  readonly sha256: string;
  readonly path: string;
}

export type Origin = GitOrigin | ArchiveOrigin;

/** Files under `dir` (or the file `dir`) come from `from`, by their path relative to `dir`. */
export interface Folder {
  readonly dir: string;
  readonly from: Origin;
}

/** What a release recipe writes, reproduced from the upstream file it starts from. */
export type Recipe =
  /** GNU envsubst: every $NAME and ${NAME} replaced by its value, or by nothing when unset. */
  | { readonly kind: 'envsubst'; readonly from: Origin; readonly vars: Readonly<Record<string, string>> }
  /**
   * The Chart.yaml `helm package [--version V] [--app-version A]` writes (the chart's metadata,
   * serialized again), after envsubst when `vars` is set. Runs the pinned helm (npm run tools).
   */
  | { readonly kind: 'helm-package'; readonly from: Origin; readonly vars?: Readonly<Record<string, string>>; readonly version?: string; readonly appVersion?: string }
  /**
   * istio/release-builder stampChartForRelease on values.yaml: the testing hubs become
   * docker.io/istio, `latest`, `*-latest-daily` and `1.x-dev` tags the release's version.
   */
  | { readonly kind: 'istio-release-values'; readonly from: Origin; readonly version: string }
  /** external-secrets hack/helm.generate.sh: one CRD of deploy/crds/bundle.yaml as a chart template. */
  | { readonly kind: 'external-secrets-crd'; readonly from: Origin; readonly singular: string };

/** A file made by a recipe. */
export interface Made {
  readonly file: string;
  readonly recipe: Recipe;
}

const ref = (repo: string, tag: string, commit: string): GitRef => ({ repo, tag, commit });
const git = (r: GitRef, path: string): GitOrigin => ({ kind: 'git', ref: r, path });
const folder = (dir: string, from: Origin): Folder => ({ dir, from });

const agent_sandbox_v0_5_6 = ref('kubernetes-sigs/agent-sandbox', 'v0.5.6', '211b7579cabed9460c1a692eb687084ff4c5879d');
const agentgateway_v1_4_1 = ref('agentgateway/agentgateway', 'v1.4.1', '163ea2146acb7b82082acea30ed691b29079095f');
const argo_cd_v3_5_1 = ref('argoproj/argo-cd', 'v3.5.1', '109ca7ca71139e514114499d294a492e7910a965');
const argo_helm_argo_cd_10_1_1 = ref('argoproj/argo-helm', 'argo-cd-10.1.1', 'af0a9310bacbaa4636018dfe22c801a6d33a5c43');
const bitwarden_sdk_server_v0_6_0 = ref('external-secrets/bitwarden-sdk-server', 'v0.6.0', 'a85829122db472ea35ff4666721823d34fe407b3');
const charts_clickhouse_8_0_5 = ref('bitnami/charts', 'clickhouse/8.0.5', 'de0ac1461d486cd15f4a0a3eed8cf75ffcd55995');
const charts_clickhouse_9_4_3 = ref('bitnami/charts', 'clickhouse/9.4.3', 'd7ba4ec682c5280e405233595a5f6580a5d63c95');
const charts_common_2_14_1 = ref('bitnami/charts', 'common/2.14.1', '7e704634ef564adac330f1e0a67feb2a40a271dc');
const charts_common_2_29_0 = ref('bitnami/charts', 'common/2.29.0', '2ca979a6add279384d60e6b35199eaf13553cefa');
const charts_common_2_29_1 = ref('bitnami/charts', 'common/2.29.1', 'e7cb168ca2bccd57e28bb985e099953a4f7e3b38');
const charts_common_2_30_0 = ref('bitnami/charts', 'common/2.30.0', '5ba89c5afc3d57e36f90364638d9beabb32499f4');
const charts_common_2_31_4 = ref('bitnami/charts', 'common/2.31.4', 'c6bc59845497f84f740e47075f8af840f150536e');
const charts_minio_14_10_5 = ref('bitnami/charts', 'minio/14.10.5', '755f508a920d3f3486adbf7212a5d8f59e52acb6');
const charts_postgresql_16_4_9 = ref('bitnami/charts', 'postgresql/16.4.9', '2a9fe2448aedccf5779c7f73ad45328edaa11156');
const charts_redis_18_12_1 = ref('bitnami/charts', 'redis/18.12.1', '6f15fa9dfa083c6fbdf140d083999e686cbbaa67');
const charts_redis_ha_4_38_0 = ref('DandyDeveloper/charts', 'redis-ha-4.38.0', '2e2539a8960ead2c268f48bdde3b2cdf2b2f1ac8');
const charts_valkey_2_2_4 = ref('bitnami/charts', 'valkey/2.2.4', 'f578883ec3e15a7781b72be5ecdf40beb7b353af');
const charts_zookeeper_13_7_4 = ref('bitnami/charts', 'zookeeper/13.7.4', 'db53e622ecf1be5a78d1ce683cec8baa41110fa3');
const external_secrets_helm_chart_2_9_0 = ref('external-secrets/external-secrets', 'helm-chart-2.9.0', 'cc5bfbc2234ace9cb0caff4ea89c435cf517b27b');
const external_secrets_v2_9_0 = ref('external-secrets/external-secrets', 'v2.9.0', '378bdb622ed9712ef4a58370f6a17af033b7d343');
const gateway_api_v1_6_1 = ref('kubernetes-sigs/gateway-api', 'v1.6.1', '8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3');
const helm_charts_grafana_12_11_1 = ref('grafana-community/helm-charts', 'grafana-12.11.1', '864f7794683680e5100a38670e103c4fa6e37e29');
const helm_charts_keycloakx_7_1_8 = ref('codecentric/helm-charts', 'keycloakx-7.1.8', '62235b0554c6384b7e948b7f6fc5e54068f5b798');
const helm_charts_kube_prometheus_stack_88_5_3 = ref('prometheus-community/helm-charts', 'kube-prometheus-stack-88.5.3', 'ea930baeebeba39f56d6b44e351f23b2a072a600');
const helm_charts_kube_state_metrics_8_4_0 = ref('prometheus-community/helm-charts', 'kube-state-metrics-8.4.0', '1982f1c5828920f5d4ea5d04956169e81f8c5129');
const helm_charts_prometheus_node_exporter_4_56_1 = ref('prometheus-community/helm-charts', 'prometheus-node-exporter-4.56.1', '8b8e639cac80a3001412f187060068978f649a55');
const helm_charts_prometheus_windows_exporter_0_12_8 = ref('prometheus-community/helm-charts', 'prometheus-windows-exporter-0.12.8', '43a82e944bf3ca3aab1703613ca5cf09851b23ec');
const istio_1_30_3 = ref('istio/istio', '1.30.3', '56df41f63e513f834c9a3af33d8aed82d1d961f2');
const kagent_v0_9_12 = ref('kagent-dev/kagent', 'v0.9.12', 'b45990582595acea5f6e765b86a10b251c50d5c9');
const kmcp_v0_3_0 = ref('kagent-dev/kmcp', 'v0.3.0', '1cec6470560fa8ccc43de3d95c7567993ae13e95');
const kyverno_kyverno_chart_3_9_0 = ref('kyverno/kyverno', 'kyverno-chart-3.9.0', 'ee97ce09538b09b6f1b03853cc41a62654d6a58f');
const kyverno_v1_19_0 = ref('kyverno/kyverno', 'v1.19.0', 'ee97ce09538b09b6f1b03853cc41a62654d6a58f');
const langfuse_k8s_langfuse_1_5_19 = ref('langfuse/langfuse-k8s', 'langfuse-1.5.19', '0ecdab7e3c5dde5de29165977ce2a9f395f906dd');
const manifests_oauth2_proxy_7_0_0 = ref('oauth2-proxy/manifests', 'oauth2-proxy-7.0.0', 'dff4ba1ff30bd64f392018ac7e33a8498847372f');
const opentelemetry_operator_v0_158_0 = ref('open-telemetry/opentelemetry-operator', 'v0.158.0', '7fb513848c6d4ea79b277352fc13ce11eb734b1a');
const prometheus_operator_v0_93_0 = ref('prometheus-operator/prometheus-operator', 'v0.93.0', 'f8fafd475f3d132e239432ae6172de60a6cb6516');
const tools_v0_2_1 = ref('kagent-dev/tools', 'v0.2.1', '9d18d8318c9542f993dfab8eb134ecf116414271');
const eksctl_v0_230_0 = ref('eksctl-io/eksctl', 'v0.230.0', '5e725db6f7432312a16e66b2a5608e3de5e1d37b');
const kyverno_gh_pages = ref('kyverno/kyverno', 'gh-pages', '58722fa49af6976cc9ce57d5e9c1d9924dcb7daf');
// Repositories whose licence file is all that is taken (charts of theirs come from the kyverno package).
const kyverno_api = ref('kyverno/api', 'main', '7bff9b141bb94607e7ff739bb313919769960ed6');
const reports_api = ref('openreports/reports-api', 'main', '302c810404244d2210eebb63dba955bce22e74c1');
const reports_server = ref('kyverno/reports-server', 'reports-server-chart-0.1.6', '49e03eecc1f19b88831e3e8eba537611bfcf0e6d');
const kiali_v2_22_0 = ref('kiali/helm-charts', 'v2.22.0', '03a0dde63b90fc3a6a527d4f71cb86d8684f4e74');

/** raw.githubusercontent.com URL of a file of a Git repository at a commit. */
export function rawUrl(r: GitRef, path: string): string {
  return `https://raw.githubusercontent.com/${r.repo}/${r.commit}/${path}`;
}

/**
 * The published kyverno 3.9.0 package (kyverno/kyverno gh-pages, "Publish kyverno-3.9.0.tgz"); its digest is the one
 * index.yaml lists.
 */
const KYVERNO_PACKAGE = { url: rawUrl(kyverno_gh_pages, 'kyverno-3.9.0.tgz'), format: 'tgz', sha256: '9663e8d3d15b070e5925b4f26b3f9a8824872a42ac7bf27ca105c897cb5aba51' } as const;
/** The published kiali-server 2.22.0 package, committed upstream as docs/kiali-server-2.22.0.tgz. */
const KIALI_PACKAGE = { url: rawUrl(kiali_v2_22_0, 'docs/kiali-server-2.22.0.tgz'), format: 'tgz', sha256: '1cc34058ed503f9190325ca7ce6b3f81724c35740ff56148b84fe7df0a897f65' } as const;
/**
 * The Go module zip of github.com/kagent-dev/substrate v0.0.6 (kagent v0.9.12 go/go.sum:
 * h1:WR3mTKAYW4jMz3ojhM87jLjDYgy2ZYgU1TvzheHI8OI=).
 */
const SUBSTRATE_MODULE = { url: 'https://proxy.golang.org/github.com/kagent-dev/substrate/@v/v0.0.6.zip', format: 'zip', sha256: 'ae6df0c514e89408b3e4157b6da70e341e8c137dc13ecc0ff76a2cd6445caad2' } as const;
const substrateRoot = 'github.com/kagent-dev/substrate@v0.0.6';

const archive = (a: { readonly url: string; readonly format: 'tgz' | 'zip'; readonly sha256: string }, path: string): ArchiveOrigin => ({ kind: 'archive', ...a, path });


const licence = (file: string, from: Origin): Folder => folder(`charts/LICENSES/${file}`, from);
const LICENSES: readonly Folder[] = [
  licence('DandyDeveloper+charts.LICENSE', git(charts_redis_ha_4_38_0, 'LICENSE')),
  licence('agentgateway+agentgateway.LICENSE', git(agentgateway_v1_4_1, 'LICENSE')),
  licence('argoproj+argo-helm.LICENSE', git(argo_helm_argo_cd_10_1_1, 'LICENSE')),
  licence('bitnami+charts.LICENSE.md', git(charts_clickhouse_9_4_3, 'LICENSE.md')),
  licence('codecentric+helm-charts.LICENSE', git(helm_charts_keycloakx_7_1_8, 'LICENSE')),
  licence('external-secrets+bitwarden-sdk-server.LICENSE', git(bitwarden_sdk_server_v0_6_0, 'LICENSE')),
  licence('external-secrets+external-secrets.LICENSE', git(external_secrets_helm_chart_2_9_0, 'LICENSE')),
  licence('grafana-community+helm-charts.LICENSE', git(helm_charts_grafana_12_11_1, 'LICENSE')),
  licence('istio+istio.LICENSE', git(istio_1_30_3, 'LICENSE')),
  licence('kagent-dev+kagent.LICENSE', git(kagent_v0_9_12, 'LICENSE')),
  licence('kagent-dev+kmcp.LICENSE', git(kmcp_v0_3_0, 'LICENSE')),
  licence('kagent-dev+substrate.LICENSE', archive(SUBSTRATE_MODULE, `${substrateRoot}/LICENSE`)),
  licence('kagent-dev+tools.LICENSE', git(tools_v0_2_1, 'LICENSE')),
  licence('kiali+helm-charts.LICENSE', git(kiali_v2_22_0, 'LICENSE')),
  licence('kubernetes-sigs+agent-sandbox.LICENSE', git(agent_sandbox_v0_5_6, 'LICENSE')),
  licence('kyverno+api.LICENSE', git(kyverno_api, 'LICENSE')),
  licence('kyverno+kyverno.LICENSE', git(kyverno_kyverno_chart_3_9_0, 'LICENSE')),
  licence('kyverno+reports-server.LICENSE', git(reports_server, 'LICENSE')),
  licence('langfuse+langfuse-k8s.LICENSE', git(langfuse_k8s_langfuse_1_5_19, 'LICENSE')),
  licence('oauth2-proxy+manifests.LICENSE', git(manifests_oauth2_proxy_7_0_0, 'LICENSE')),
  licence('openreports+reports-api.LICENSE', git(reports_api, 'LICENSE')),
  licence('prometheus-community+helm-charts.LICENSE', git(helm_charts_kube_prometheus_stack_88_5_3, 'LICENSE')),
];

/** The upstream source of every folder (longest matching `dir` wins). */
export const FOLDERS: readonly Folder[] = [
  folder('crds/kagent/kagent.dev_agents.yaml', git(kagent_v0_9_12, 'go/api/config/crd/bases/kagent.dev_agents.yaml')),
  folder('crds/kagent/kagent.dev_agentharnesses.yaml', git(kagent_v0_9_12, 'go/api/config/crd/bases/kagent.dev_agentharnesses.yaml')),
  folder('crds/kagent/kagent.dev_memories.yaml', git(kagent_v0_9_12, 'go/api/config/crd/bases/kagent.dev_memories.yaml')),
  folder('crds/kagent/kagent.dev_modelconfigs.yaml', git(kagent_v0_9_12, 'go/api/config/crd/bases/kagent.dev_modelconfigs.yaml')),
  folder('crds/kagent/kagent.dev_modelproviderconfigs.yaml', git(kagent_v0_9_12, 'go/api/config/crd/bases/kagent.dev_modelproviderconfigs.yaml')),
  folder('crds/kagent/kagent.dev_remotemcpservers.yaml', git(kagent_v0_9_12, 'go/api/config/crd/bases/kagent.dev_remotemcpservers.yaml')),
  folder('crds/kagent/kagent.dev_sandboxagents.yaml', git(kagent_v0_9_12, 'go/api/config/crd/bases/kagent.dev_sandboxagents.yaml')),
  folder('crds/kagent/kagent.dev_toolservers.yaml', git(kagent_v0_9_12, 'go/api/config/crd/bases/kagent.dev_toolservers.yaml')),
  folder('crds/kagent/kagent.dev_mcpservers.yaml', git(kmcp_v0_3_0, 'config/crd/bases/kagent.dev_mcpservers.yaml')),
  folder('crds/agentgateway/agentgateway.dev_agentgatewaybackends.yaml', git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway-crds/templates/agentgateway.dev_agentgatewaybackends.yaml')),
  folder('crds/agentgateway/agentgateway.dev_agentgatewaypolicies.yaml', git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway-crds/templates/agentgateway.dev_agentgatewaypolicies.yaml')),
  folder('crds/agentgateway/agentgateway.dev_agentgatewayparameters.yaml', git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway-crds/templates/agentgateway.dev_agentgatewayparameters.yaml')),
  folder('crds/agentgateway/agentgateway.dev_agentgatewaymodels.yaml', git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway-crds/templates/agentgateway.dev_agentgatewaymodels.yaml')),
  folder('crds/agent-sandbox/agents.x-k8s.io_sandboxes.yaml', git(agent_sandbox_v0_5_6, 'k8s/crds/agents.x-k8s.io_sandboxes.yaml')),
  folder('crds/agent-sandbox/extensions.agents.x-k8s.io_sandboxtemplates.yaml', git(agent_sandbox_v0_5_6, 'k8s/crds/extensions.agents.x-k8s.io_sandboxtemplates.yaml')),
  folder('crds/agent-sandbox/extensions.agents.x-k8s.io_sandboxclaims.yaml', git(agent_sandbox_v0_5_6, 'k8s/crds/extensions.agents.x-k8s.io_sandboxclaims.yaml')),
  folder('crds/agent-sandbox/extensions.agents.x-k8s.io_sandboxwarmpools.yaml', git(agent_sandbox_v0_5_6, 'k8s/crds/extensions.agents.x-k8s.io_sandboxwarmpools.yaml')),
  folder('crds/kyverno/kyverno.io_clusterpolicies.yaml', git(kyverno_v1_19_0, 'config/crds/kyverno/kyverno.io_clusterpolicies.yaml')),
  folder('crds/kyverno/kyverno.io_policies.yaml', git(kyverno_v1_19_0, 'config/crds/kyverno/kyverno.io_policies.yaml')),
  folder('crds/kyverno/kyverno.io_policyexceptions.yaml', git(kyverno_v1_19_0, 'config/crds/kyverno/kyverno.io_policyexceptions.yaml')),
  folder('crds/kyverno/policies.kyverno.io_generatingpolicies.yaml', git(kyverno_v1_19_0, 'config/crds/policies.kyverno.io/policies.kyverno.io_generatingpolicies.yaml')),
  folder('crds/kyverno/policies.kyverno.io_validatingpolicies.yaml', git(kyverno_v1_19_0, 'config/crds/policies.kyverno.io/policies.kyverno.io_validatingpolicies.yaml')),
  folder('crds/kyverno/cli.kyverno.io_tests.yaml', git(kyverno_v1_19_0, 'cmd/cli/kubectl-kyverno/config/crds/cli.kyverno.io_tests.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_gatewayclasses.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_gateways.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_gateways.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_httproutes.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_grpcroutes.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_referencegrants.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_backendtlspolicies.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_backendtlspolicies.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_listenersets.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_listenersets.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_tlsroutes.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_tlsroutes.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_tcproutes.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_tcproutes.yaml')),
  folder('crds/gateway-api/gateway.networking.k8s.io_udproutes.yaml', git(gateway_api_v1_6_1, 'config/crd/standard/gateway.networking.k8s.io_udproutes.yaml')),
  folder('crds/istio/crd-all.gen.yaml', git(istio_1_30_3, 'manifests/charts/base/files/crd-all.gen.yaml')),
  folder('crds/argo-cd/application-crd.yaml', git(argo_cd_v3_5_1, 'manifests/crds/application-crd.yaml')),
  folder('crds/argo-cd/applicationset-crd.yaml', git(argo_cd_v3_5_1, 'manifests/crds/applicationset-crd.yaml')),
  folder('crds/argo-cd/appproject-crd.yaml', git(argo_cd_v3_5_1, 'manifests/crds/appproject-crd.yaml')),
  folder('crds/prometheus-operator/monitoring.coreos.com_servicemonitors.yaml', git(prometheus_operator_v0_93_0, 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml')),
  folder('crds/prometheus-operator/monitoring.coreos.com_podmonitors.yaml', git(prometheus_operator_v0_93_0, 'example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml')),
  folder('crds/prometheus-operator/monitoring.coreos.com_prometheusrules.yaml', git(prometheus_operator_v0_93_0, 'example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml')),
  folder('crds/external-secrets/external-secrets.io_externalsecrets.yaml', git(external_secrets_v2_9_0, 'config/crds/bases/external-secrets.io_externalsecrets.yaml')),
  folder('crds/external-secrets/external-secrets.io_secretstores.yaml', git(external_secrets_v2_9_0, 'config/crds/bases/external-secrets.io_secretstores.yaml')),
  folder('crds/external-secrets/external-secrets.io_clustersecretstores.yaml', git(external_secrets_v2_9_0, 'config/crds/bases/external-secrets.io_clustersecretstores.yaml')),
  folder('crds/external-secrets/external-secrets.io_clusterexternalsecrets.yaml', git(external_secrets_v2_9_0, 'config/crds/bases/external-secrets.io_clusterexternalsecrets.yaml')),
  folder('crds/opentelemetry-operator/opentelemetry.io_opentelemetrycollectors.yaml', git(opentelemetry_operator_v0_158_0, 'config/crd/bases/opentelemetry.io_opentelemetrycollectors.yaml')),
  folder('schemas/eksctl-clusterconfig-v1alpha5.schema.json', git(eksctl_v0_230_0, 'pkg/apis/eksctl.io/v1alpha5/assets/schema.json')),
  folder('charts/base-1.30.3', git(istio_1_30_3, 'manifests/charts/base')),
  folder('charts/istiod-1.30.3', git(istio_1_30_3, 'manifests/charts/istio-control/istio-discovery')),
  folder('charts/cni-1.30.3', git(istio_1_30_3, 'manifests/charts/istio-cni')),
  folder('charts/ztunnel-1.30.3', git(istio_1_30_3, 'manifests/charts/ztunnel')),
  folder('charts/agentgateway-crds-v1.4.1', git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway-crds')),
  folder('charts/agentgateway-v1.4.1', git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway')),
  folder('charts/kagent-crds-0.9.12', git(kagent_v0_9_12, 'helm/kagent-crds')),
  folder('charts/kagent-crds-0.9.12/charts/kmcp-crds', git(kmcp_v0_3_0, 'helm/kmcp-crds')),
  folder('charts/kagent-0.9.12', git(kagent_v0_9_12, 'helm/kagent')),
  folder('charts/kagent-0.9.12/charts/argo-rollouts-agent', git(kagent_v0_9_12, 'helm/agents/argo-rollouts')),
  folder('charts/kagent-0.9.12/charts/cilium-debug-agent', git(kagent_v0_9_12, 'helm/agents/cilium-debug')),
  folder('charts/kagent-0.9.12/charts/cilium-manager-agent', git(kagent_v0_9_12, 'helm/agents/cilium-manager')),
  folder('charts/kagent-0.9.12/charts/cilium-policy-agent', git(kagent_v0_9_12, 'helm/agents/cilium-policy')),
  folder('charts/kagent-0.9.12/charts/grafana-mcp', git(kagent_v0_9_12, 'helm/tools/grafana-mcp')),
  folder('charts/kagent-0.9.12/charts/helm-agent', git(kagent_v0_9_12, 'helm/agents/helm')),
  folder('charts/kagent-0.9.12/charts/istio-agent', git(kagent_v0_9_12, 'helm/agents/istio')),
  folder('charts/kagent-0.9.12/charts/k8s-agent', git(kagent_v0_9_12, 'helm/agents/k8s')),
  folder('charts/kagent-0.9.12/charts/kagent-tools', git(tools_v0_2_1, 'helm/kagent-tools')),
  folder('charts/kagent-0.9.12/charts/kgateway-agent', git(kagent_v0_9_12, 'helm/agents/kgateway')),
  folder('charts/kagent-0.9.12/charts/kmcp', git(kmcp_v0_3_0, 'helm/kmcp')),
  folder('charts/kagent-0.9.12/charts/oauth2-proxy', git(manifests_oauth2_proxy_7_0_0, 'helm/oauth2-proxy')),
  folder('charts/kagent-0.9.12/charts/observability-agent', git(kagent_v0_9_12, 'helm/agents/observability')),
  folder('charts/kagent-0.9.12/charts/promql-agent', git(kagent_v0_9_12, 'helm/agents/promql')),
  folder('charts/kagent-0.9.12/charts/querydoc', git(kagent_v0_9_12, 'helm/tools/querydoc')),
  folder('charts/kagent-0.9.12/charts/oauth2-proxy/charts/redis', git(charts_redis_18_12_1, 'bitnami/redis')),
  folder('charts/kagent-0.9.12/charts/oauth2-proxy/charts/redis/charts/common', git(charts_common_2_14_1, 'bitnami/common')),
  folder('charts/agent-sandbox-v0.5.6', git(agent_sandbox_v0_5_6, 'helm')),
  folder('charts/external-secrets-2.9.0', git(external_secrets_helm_chart_2_9_0, 'deploy/charts/external-secrets')),
  folder('charts/external-secrets-2.9.0/charts/bitwarden-sdk-server', git(bitwarden_sdk_server_v0_6_0, 'deploy/charts/bitwarden-sdk-server')),
  folder('charts/argo-cd-10.1.1', git(argo_helm_argo_cd_10_1_1, 'charts/argo-cd')),
  folder('charts/argo-cd-10.1.1/charts/redis-ha', git(charts_redis_ha_4_38_0, 'charts/redis-ha')),
  folder('charts/kyverno-3.9.0', git(kyverno_kyverno_chart_3_9_0, 'charts/kyverno')),
  folder('charts/kube-prometheus-stack-88.5.3', git(helm_charts_kube_prometheus_stack_88_5_3, 'charts/kube-prometheus-stack')),
  folder('charts/kube-prometheus-stack-88.5.3/charts/grafana', git(helm_charts_grafana_12_11_1, 'charts/grafana')),
  folder('charts/kube-prometheus-stack-88.5.3/charts/kube-state-metrics', git(helm_charts_kube_state_metrics_8_4_0, 'charts/kube-state-metrics')),
  folder('charts/kube-prometheus-stack-88.5.3/charts/prometheus-node-exporter', git(helm_charts_prometheus_node_exporter_4_56_1, 'charts/prometheus-node-exporter')),
  folder('charts/kube-prometheus-stack-88.5.3/charts/prometheus-windows-exporter', git(helm_charts_prometheus_windows_exporter_0_12_8, 'charts/prometheus-windows-exporter')),
  folder('charts/clickhouse-9.4.3', git(charts_clickhouse_9_4_3, 'bitnami/clickhouse')),
  folder('charts/clickhouse-9.4.3/charts/common', git(charts_common_2_31_4, 'bitnami/common')),
  folder('charts/langfuse-1.5.19', git(langfuse_k8s_langfuse_1_5_19, 'charts/langfuse')),
  folder('charts/langfuse-1.5.19/charts/clickhouse', git(charts_clickhouse_8_0_5, 'bitnami/clickhouse')),
  folder('charts/langfuse-1.5.19/charts/common', git(charts_common_2_30_0, 'bitnami/common')),
  folder('charts/langfuse-1.5.19/charts/minio', git(charts_minio_14_10_5, 'bitnami/minio')),
  folder('charts/langfuse-1.5.19/charts/postgresql', git(charts_postgresql_16_4_9, 'bitnami/postgresql')),
  folder('charts/langfuse-1.5.19/charts/valkey', git(charts_valkey_2_2_4, 'bitnami/valkey')),
  folder('charts/langfuse-1.5.19/charts/clickhouse/charts/common', git(charts_common_2_30_0, 'bitnami/common')),
  folder('charts/langfuse-1.5.19/charts/clickhouse/charts/zookeeper', git(charts_zookeeper_13_7_4, 'bitnami/zookeeper')),
  folder('charts/langfuse-1.5.19/charts/minio/charts/common', git(charts_common_2_29_0, 'bitnami/common')),
  folder('charts/langfuse-1.5.19/charts/postgresql/charts/common', git(charts_common_2_29_1, 'bitnami/common')),
  folder('charts/langfuse-1.5.19/charts/valkey/charts/common', git(charts_common_2_29_1, 'bitnami/common')),
  folder('charts/langfuse-1.5.19/charts/clickhouse/charts/zookeeper/charts/common', git(charts_common_2_30_0, 'bitnami/common')),
  folder('charts/keycloakx-7.1.8', git(helm_charts_keycloakx_7_1_8, 'charts/keycloakx')),
  folder('charts/kagent-crds-0.9.12/charts/substrate-crds', archive(SUBSTRATE_MODULE, `${substrateRoot}/charts/substrate-crds`)),
  folder('charts/kagent-0.9.12/charts/substrate', archive(SUBSTRATE_MODULE, `${substrateRoot}/charts/substrate`)),
  folder('charts/kyverno-3.9.0/charts/kyverno-api', archive(KYVERNO_PACKAGE, 'kyverno/charts/kyverno-api')),
  folder('charts/kyverno-3.9.0/charts/openreports', archive(KYVERNO_PACKAGE, 'kyverno/charts/openreports')),
  folder('charts/kyverno-3.9.0/charts/reports-server', archive(KYVERNO_PACKAGE, 'kyverno/charts/reports-server')),
  folder('charts/kiali-server-2.22.0', archive(KIALI_PACKAGE, 'kiali-server')),
  // As their release recipes publish them: the same Git trees, with the files of MADE.
  folder('charts/_release-stamped/base-1.30.3', git(istio_1_30_3, 'manifests/charts/base')),
  folder('charts/_release-stamped/istiod-1.30.3', git(istio_1_30_3, 'manifests/charts/istio-control/istio-discovery')),
  folder('charts/_release-stamped/cni-1.30.3', git(istio_1_30_3, 'manifests/charts/istio-cni')),
  folder('charts/_release-stamped/ztunnel-1.30.3', git(istio_1_30_3, 'manifests/charts/ztunnel')),
  folder('charts/_release-stamped/agentgateway-crds-v1.4.1', git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway-crds')),
  folder('charts/_release-stamped/agentgateway-v1.4.1', git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway')),
  folder('charts/_release-stamped/external-secrets-2.9.0', git(external_secrets_helm_chart_2_9_0, 'deploy/charts/external-secrets')),
  folder('charts/_release-stamped/external-secrets-2.9.0/charts/bitwarden-sdk-server', git(bitwarden_sdk_server_v0_6_0, 'deploy/charts/bitwarden-sdk-server')),
  // The licences of the chart repositories, at the commits pinned above.
  ...LICENSES,
];

const make = (file: string, recipe: Recipe): Made => ({ file, recipe });
const KAGENT_VARS = { VERSION: '0.9.12', KMCP_VERSION: '0.3.0', SUBSTRATE_VERSION: '0.0.6' } as const;
/** The CRDs of external-secrets 2.9.0's bundle, by singular name: one template each. */
const EXTERNAL_SECRETS_CRDS = ['acraccesstoken', 'beyondtrustworkloadcredentialsdynamicsecret', 'cloudsmithaccesstoken', 'clusterexternalsecret', 'clustergenerator', 'clusterpushsecret', 'clustersecretstore', 'ecrauthorizationtoken', 'externalsecret', 'fake', 'gcraccesstoken', 'generatorstate', 'githubaccesstoken', 'gitlabdeploytoken', 'grafana', 'mfa', 'password', 'pushsecret', 'quayaccesstoken', 'secretstore', 'sshkey', 'stssessiontoken', 'uuid', 'vaultdynamicsecret', 'webhook'] as const;

/** Files a release recipe writes (they take precedence over their folder's source). */
export const MADE: readonly Made[] = [
  // kagent's Makefile helm-version: VERSION=0.9.12 KMCP_VERSION=0.3.0 SUBSTRATE_VERSION=0.0.6 envsubst <
  // Chart-template.yaml > Chart.yaml.
  make('charts/kagent-0.9.12/Chart.yaml', { kind: 'envsubst', from: git(kagent_v0_9_12, 'helm/kagent/Chart-template.yaml'), vars: KAGENT_VARS }),
  make('charts/kagent-crds-0.9.12/Chart.yaml', { kind: 'envsubst', from: git(kagent_v0_9_12, 'helm/kagent-crds/Chart-template.yaml'), vars: KAGENT_VARS }),
  // Its file:// dependencies: envsubst VERSION=0.9.12, then helm package.
  make('charts/kagent-0.9.12/charts/argo-rollouts-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/argo-rollouts/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/cilium-debug-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/cilium-debug/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/cilium-manager-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/cilium-manager/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/cilium-policy-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/cilium-policy/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/helm-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/helm/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/istio-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/istio/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/k8s-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/k8s/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/kgateway-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/kgateway/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/observability-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/observability/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/promql-agent/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/agents/promql/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/grafana-mcp/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/tools/grafana-mcp/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  make('charts/kagent-0.9.12/charts/querydoc/Chart.yaml', { kind: 'helm-package', from: git(kagent_v0_9_12, 'helm/tools/querydoc/Chart-template.yaml'), vars: { VERSION: '0.9.12' } }),
  // kagent-dev/tools release: envsubst VERSION=0.2.1, helm package.
  make('charts/kagent-0.9.12/charts/kagent-tools/Chart.yaml', { kind: 'helm-package', from: git(tools_v0_2_1, 'helm/kagent-tools/Chart-template.yaml'), vars: { VERSION: '0.2.1' } }),
  // kagent-dev/kmcp Makefile helm-package: appVersion inserted after version:, helm package --version 0.3.0 (kmcp-crds:
  // helm package --version 0.3.0).
  make('charts/kagent-0.9.12/charts/kmcp/Chart.yaml', { kind: 'helm-package', from: git(kmcp_v0_3_0, 'helm/kmcp/Chart.yaml'), version: '0.3.0', appVersion: '0.3.0' }),
  make('charts/kagent-crds-0.9.12/charts/kmcp-crds/Chart.yaml', { kind: 'helm-package', from: git(kmcp_v0_3_0, 'helm/kmcp-crds/Chart.yaml'), version: '0.3.0' }),
  // kagent-dev/substrate release: helm package --version 0.0.6 --app-version v0.0.6.
  make('charts/kagent-0.9.12/charts/substrate/Chart.yaml', { kind: 'helm-package', from: archive(SUBSTRATE_MODULE, `${substrateRoot}/charts/substrate/Chart.yaml`), version: '0.0.6', appVersion: 'v0.0.6' }),
  make('charts/kagent-crds-0.9.12/charts/substrate-crds/Chart.yaml', { kind: 'helm-package', from: archive(SUBSTRATE_MODULE, `${substrateRoot}/charts/substrate-crds/Chart.yaml`), version: '0.0.6', appVersion: 'v0.0.6' }),
  // external-secrets/bitwarden-sdk-server release: helm package --version v0.6.0 --app-version v0.6.0.
  make('charts/external-secrets-2.9.0/charts/bitwarden-sdk-server/Chart.yaml', { kind: 'helm-package', from: git(bitwarden_sdk_server_v0_6_0, 'deploy/charts/bitwarden-sdk-server/Chart.yaml'), version: 'v0.6.0', appVersion: 'v0.6.0' }),
  make('charts/_release-stamped/external-secrets-2.9.0/charts/bitwarden-sdk-server/Chart.yaml', { kind: 'helm-package', from: git(bitwarden_sdk_server_v0_6_0, 'deploy/charts/bitwarden-sdk-server/Chart.yaml'), version: 'v0.6.0', appVersion: 'v0.6.0' }),
  // istio/release-builder stampChartForRelease: version and appVersion 1.30.3, the values stamped, helm package.
  make('charts/_release-stamped/base-1.30.3/Chart.yaml', { kind: 'helm-package', from: git(istio_1_30_3, 'manifests/charts/base/Chart.yaml'), version: '1.30.3', appVersion: '1.30.3' }),
  make('charts/_release-stamped/istiod-1.30.3/Chart.yaml', { kind: 'helm-package', from: git(istio_1_30_3, 'manifests/charts/istio-control/istio-discovery/Chart.yaml'), version: '1.30.3', appVersion: '1.30.3' }),
  make('charts/_release-stamped/istiod-1.30.3/values.yaml', { kind: 'istio-release-values', from: git(istio_1_30_3, 'manifests/charts/istio-control/istio-discovery/values.yaml'), version: '1.30.3' }),
  make('charts/_release-stamped/cni-1.30.3/Chart.yaml', { kind: 'helm-package', from: git(istio_1_30_3, 'manifests/charts/istio-cni/Chart.yaml'), version: '1.30.3', appVersion: '1.30.3' }),
  make('charts/_release-stamped/cni-1.30.3/values.yaml', { kind: 'istio-release-values', from: git(istio_1_30_3, 'manifests/charts/istio-cni/values.yaml'), version: '1.30.3' }),
  make('charts/_release-stamped/ztunnel-1.30.3/Chart.yaml', { kind: 'helm-package', from: git(istio_1_30_3, 'manifests/charts/ztunnel/Chart.yaml'), version: '1.30.3', appVersion: '1.30.3' }),
  make('charts/_release-stamped/ztunnel-1.30.3/values.yaml', { kind: 'istio-release-values', from: git(istio_1_30_3, 'manifests/charts/ztunnel/values.yaml'), version: '1.30.3' }),
  // agentgateway controller/Makefile release-charts: helm package --version v1.4.1 --app-version v1.4.1.
  make('charts/_release-stamped/agentgateway-crds-v1.4.1/Chart.yaml', { kind: 'helm-package', from: git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway-crds/Chart.yaml'), version: 'v1.4.1', appVersion: 'v1.4.1' }),
  make('charts/_release-stamped/agentgateway-v1.4.1/Chart.yaml', { kind: 'helm-package', from: git(agentgateway_v1_4_1, 'controller/install/helm/agentgateway/Chart.yaml'), version: 'v1.4.1', appVersion: 'v1.4.1' }),
  // external-secrets .github/workflows/helm.yml: make helm.generate (the CRD templates), then chart-releaser's helm
  // package.
  make('charts/_release-stamped/external-secrets-2.9.0/Chart.yaml', { kind: 'helm-package', from: git(external_secrets_helm_chart_2_9_0, 'deploy/charts/external-secrets/Chart.yaml') }),
  ...EXTERNAL_SECRETS_CRDS.map((singular) =>
    make(`charts/_release-stamped/external-secrets-2.9.0/templates/crds/${singular}.yaml`, { kind: 'external-secrets-crd', from: git(external_secrets_helm_chart_2_9_0, 'deploy/crds/bundle.yaml'), singular }),
  ),
];
