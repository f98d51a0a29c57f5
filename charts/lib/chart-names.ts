/**
 * Names of the objects the pinned upstream charts (and the operators they install) create that the
 * platform addresses: Services and their ports, ServiceAccounts, pod labels. Each derives from the
 * chart's release name (the platform component that installs it: Argo CD's releaseName) and the
 * name overrides our values set. test/upstream/chart-names.test.ts renders every chart with our
 * values and finds each object; change a release name or an override and it names what broke.
 */

/** Release names: the platform component (and Argo CD Application) that installs each chart. */
export const RELEASES = {
  istiod: 'istiod',
  kagent: 'kagent',
  keycloak: 'keycloak',
  kubePrometheusStack: 'kube-prometheus-stack',
  clickhouse: 'clickhouse',
  langfuse: 'langfuse',
  kiali: 'kiali',
  externalSecrets: 'external-secrets',
} as const;

export type Release = (typeof RELEASES)[keyof typeof RELEASES];

/** keycloakx's fullnameOverride (the keycloak values set it); without it every name is <release>-keycloakx. */
export const KEYCLOAK_FULLNAME = 'keycloak';

/**
 * kube-prometheus-stack's fullname: the release name, as it contains the chart's name
 * (templates/_helpers.tpl `kube-prometheus-stack.fullname`, truncated to 26 characters).
 */
const KPS_FULLNAME = RELEASES.kubePrometheusStack.slice(0, 26);

/** A Service a chart creates, the port we call it on, and the container port behind that. */
export interface ChartService {
  /** The release (platform component) whose chart renders it. */
  readonly release: Release;
  readonly name: string;
  /** The Service port the platform uses. */
  readonly port: number;
  /** The container port the Service port forwards to, where NetworkPolicies name it. */
  readonly podPort?: number;
  /** The chart template that renders it (for messages). */
  readonly template: string;
}

/** Chart-created Services the platform calls by name. */
export const CHART_SERVICES = {
  keycloak: {
    release: RELEASES.keycloak,
    name: `${KEYCLOAK_FULLNAME}-http`,
    port: 80,
    podPort: 8080,
    template: 'keycloakx/templates/service-http.yaml',
  },
  prometheus: {
    release: RELEASES.kubePrometheusStack,
    name: `${KPS_FULLNAME}-prometheus`,
    port: 9090,
    template: 'kube-prometheus-stack/templates/prometheus/service.yaml',
  },
  // The grafana subchart's fullname: <release>-grafana (the release does not contain "grafana").
  grafana: {
    release: RELEASES.kubePrometheusStack,
    name: `${RELEASES.kubePrometheusStack}-grafana`,
    port: 80,
    template: 'kube-prometheus-stack/charts/grafana/templates/service.yaml',
  },
  langfuseWeb: {
    release: RELEASES.langfuse,
    name: `${RELEASES.langfuse}-web`,
    port: 3000,
    podPort: 3000,
    template: 'langfuse/templates/web/service.yaml',
  },
  clickhouseHttp: {
    release: RELEASES.clickhouse,
    name: RELEASES.clickhouse,
    port: 8123,
    template: 'clickhouse/templates/service.yaml',
  },
  clickhouseNative: {
    release: RELEASES.clickhouse,
    name: RELEASES.clickhouse,
    port: 9000,
    template: 'clickhouse/templates/service.yaml',
  },
  kagentController: {
    release: RELEASES.kagent,
    name: `${RELEASES.kagent}-controller`,
    port: 8083,
    template: 'kagent/templates/controller-service.yaml',
  },
  kagentUi: {
    release: RELEASES.kagent,
    name: `${RELEASES.kagent}-ui`,
    port: 8080,
    template: 'kagent/templates/ui-service.yaml',
  },
  // The parent chart sets the subchart's nameOverride to tools.
  kagentTools: {
    release: RELEASES.kagent,
    name: `${RELEASES.kagent}-tools`,
    port: 8084,
    template: 'kagent/charts/kagent-tools/templates/service.yaml',
  },
  // Named by the revision, not the release (default revision: no suffix).
  istiod: { release: RELEASES.istiod, name: 'istiod', port: 15012, template: 'istiod/templates/service.yaml' },
  // deployment.instance_name, default kiali (templates/_helpers.tpl kiali-server.fullname).
  kiali: { release: RELEASES.kiali, name: 'kiali', port: 20001, template: 'kiali-server/templates/service.yaml' },
} as const satisfies Record<string, ChartService>;

/** A workload a chart creates that an operator runs a command in (`kubectl exec`). */
export interface ChartWorkload {
  readonly release: Release;
  /** `<kind>/<name>`, as kubectl takes it. */
  readonly statefulSet: string;
  readonly container: string;
  readonly template: string;
}

export const CHART_WORKLOADS = {
  // The realm's admin CLI runs here when offboarding a tenant (scripts/tenant/offboard.ts).
  keycloak: {
    release: RELEASES.keycloak,
    statefulSet: `statefulset/${KEYCLOAK_FULLNAME}`,
    container: 'keycloak',
    template: 'keycloakx/templates/statefulset.yaml',
  },
} as const satisfies Record<string, ChartWorkload>;

/** A ServiceAccount a chart (or its operator) runs pods under, which the platform names. */
export interface ChartServiceAccount {
  readonly release: Release;
  readonly name: string;
  readonly template: string;
}

export const CHART_SERVICE_ACCOUNTS = {
  istiod: { release: RELEASES.istiod, name: 'istiod', template: 'istiod/templates/serviceaccount.yaml' },
  kagentController: {
    release: RELEASES.kagent,
    name: `${RELEASES.kagent}-controller`,
    template: 'kagent/templates/controller-serviceaccount.yaml',
  },
  kagentTools: {
    release: RELEASES.kagent,
    name: `${RELEASES.kagent}-tools`,
    template: 'kagent/charts/kagent-tools/templates/serviceaccount.yaml',
  },
  // Prometheus pods run under the Prometheus resource's spec.serviceAccountName.
  prometheus: {
    release: RELEASES.kubePrometheusStack,
    name: `${KPS_FULLNAME}-prometheus`,
    template: 'kube-prometheus-stack/templates/prometheus/serviceaccount.yaml',
  },
  // Named by our values (serviceAccount.name) and trusted by an IAM role (cluster/terraform iam.tf).
  langfuse: { release: RELEASES.langfuse, name: 'langfuse-web', template: 'langfuse/templates/serviceaccount.yaml' },
  externalSecrets: {
    release: RELEASES.externalSecrets,
    name: 'external-secrets',
    template: 'external-secrets/templates/serviceaccount.yaml',
  },
} as const satisfies Record<string, ChartServiceAccount>;

/** The istiod pods (certificate authority and xDS for the waypoints): istiod templates/deployment.yaml. */
export const ISTIOD_POD_LABELS = { app: 'istiod' } as const;

/**
 * The Prometheus pods that scrape tenant metrics. prometheus-operator creates them, not the chart:
 * pkg/prometheus/server/operator.go `makeSelectorLabels` (applicationNameLabelValue "prometheus").
 */
export const PROMETHEUS_POD_LABELS = { 'app.kubernetes.io/name': 'prometheus' } as const;

/** The kagent controller's pods: kagent templates/controller-deployment.yaml. */
export const KAGENT_CONTROLLER_POD_LABELS = {
  'app.kubernetes.io/name': 'kagent',
  'app.kubernetes.io/component': 'controller',
} as const;

/** The Langfuse web and worker pods: langfuse templates/web/deployment.yaml and templates/worker/deployment.yaml. */
export const LANGFUSE_WEB_POD_LABELS = {
  'app.kubernetes.io/name': 'langfuse',
  'app.kubernetes.io/instance': RELEASES.langfuse,
  app: 'web',
} as const;
export const LANGFUSE_WORKER_POD_LABELS = {
  'app.kubernetes.io/name': 'langfuse',
  'app.kubernetes.io/instance': RELEASES.langfuse,
  app: 'worker',
} as const;

/**
 * Grafana's pods: the grafana subchart 12.11.1 of kube-prometheus-stack, templates/_helpers.tpl
 * grafana.selectorLabels (app.kubernetes.io/name is the chart's name, no nameOverride is set). The
 * chart is not renderable here (its subcharts are not in ../shared/charts), so this is read from
 * grafana-community/helm-charts at grafana-12.11.1.
 */
export const GRAFANA_POD_LABELS = { 'app.kubernetes.io/name': 'grafana' } as const;

/** Chart-created pods the platform selects by label, and where their labels come from. */
export const CHART_POD_LABELS = {
  istiod: {
    release: RELEASES.istiod,
    kind: 'Deployment',
    name: 'istiod',
    labels: ISTIOD_POD_LABELS,
    template: 'istiod/templates/deployment.yaml',
  },
  kagentController: {
    release: RELEASES.kagent,
    kind: 'Deployment',
    name: `${RELEASES.kagent}-controller`,
    labels: KAGENT_CONTROLLER_POD_LABELS,
    template: 'kagent/templates/controller-deployment.yaml',
  },
  langfuseWeb: {
    release: RELEASES.langfuse,
    kind: 'Deployment',
    name: `${RELEASES.langfuse}-web`,
    labels: LANGFUSE_WEB_POD_LABELS,
    template: 'langfuse/templates/web/deployment.yaml',
  },
  langfuseWorker: {
    release: RELEASES.langfuse,
    kind: 'Deployment',
    name: `${RELEASES.langfuse}-worker`,
    labels: LANGFUSE_WORKER_POD_LABELS,
    template: 'langfuse/templates/worker/deployment.yaml',
  },
} as const;

/**
 * Webhook configurations and CRDs the charts render whose webhook fields a controller patches at
 * run time (the components' runtimeFields; test/upstream/runtime-fields.test.ts cites each
 * controller).
 */
export const CHART_WEBHOOK_OBJECTS = {
  /** istio base templates/defaultrevision-validatingwebhookconfiguration.yaml (defaultRevision set). */
  istioDefaultValidator: 'istiod-default-validator',
  /** istiod templates/validatingwebhookconfiguration.yaml: istio-validator[-<revision>]-<istio namespace>. */
  istiodValidator: (istioNamespace: string) => `istio-validator-${istioNamespace}`,
  /** istiod templates/mutatingwebhook.yaml: istio-sidecar-injector[-<revision>] in istio-system. */
  istioSidecarInjector: 'istio-sidecar-injector',
  /**
   * kube-prometheus-stack templates/prometheus-operator/admission-webhooks/*WebhookConfiguration.yaml:
   * <fullname>-admission.
   */
  kubePrometheusStackAdmission: `${KPS_FULLNAME}-admission`,
  /** external-secrets templates/validatingwebhook.yaml (fixed names). */
  externalSecretsValidators: ['externalsecret-validate', 'secretstore-validate'],
  /** agent-sandbox crds/ with conversion webhooks (fixed names). */
  agentSandboxCrds: [
    'sandboxclaims.extensions.agents.x-k8s.io',
    'sandboxes.agents.x-k8s.io',
    'sandboxtemplates.extensions.agents.x-k8s.io',
    'sandboxwarmpools.extensions.agents.x-k8s.io',
  ],
} as const;
