/**
 * Every name the platform uses for an object a pinned chart creates (charts/lib/chart-names.ts)
 * is found in the chart rendered with our values, as Argo CD renders it (scripts/upstream/render.ts).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import {
  CHART_POD_LABELS,
  CHART_SERVICE_ACCOUNTS,
  CHART_SERVICES,
  CHART_WORKLOADS,
  type ChartWorkload,
  KEYCLOAK_FULLNAME,
  PROMETHEUS_POD_LABELS,
  RELEASES,
} from '../../charts/lib/chart-names';
import { ISTIOD_POD_LABELS, PLATFORM_SERVICES, PLATFORM_UIS } from '../../charts/lib/constants';
import {
  loadEnvironment,
  readPlatformApplication,
  renderApplication,
  renderComponent,
  type Rendered,
} from '../../scripts/upstream/render';
import {
  ENVIRONMENTS,
  notRenderableHere,
  podLabelProblems,
  renderIfComplete,
  serviceAccountProblems,
  serviceProblems,
} from './chart-checks';

const ROOT = path.resolve(__dirname, '..', '..');

/** The IAM role annotation of a rendered ServiceAccount, if it is not the role given. */
function irsaProblems(r: Rendered, name: string, role: string): string[] {
  const sa = r.objects.map((x) => x.object).find((o) => o.kind === 'ServiceAccount' && o.metadata.name === name);
  const got = sa?.metadata.annotations?.['eks.amazonaws.com/role-arn'];
  return got === role
    ? []
    : [`ServiceAccount ${r.namespace}/${name} (${r.chart}) has the IAM role ${got ?? 'none'}, not ${role}`];
}

describe.each(ENVIRONMENTS)('chart-created objects the platform names (%s)', (env) => {
  it('each release is the releaseName of the compiled Application that installs the chart', () => {
    const e = loadEnvironment(env);
    for (const release of Object.values(RELEASES))
      expect(readPlatformApplication(e, release).source.helm?.releaseName, release).toBe(release);
  });

  // keycloakx 7.1.8 templates/service-http.yaml (`keycloak.fullname`-http, port http 80 → container
  // port http 8080, templates/statefulset.yaml); kube-prometheus-stack 88.5.3
  // templates/prometheus/service.yaml and charts/grafana (12.11.1) templates/service.yaml;
  // langfuse 1.5.19 templates/web/service.yaml; clickhouse 9.4.3 templates/service.yaml; kagent
  // 0.9.12 templates/controller-service.yaml, ui-service.yaml and charts/kagent-tools (0.2.1)
  // templates/service.yaml; istiod 1.30.3 templates/service.yaml; kiali-server 2.22.0
  // templates/service.yaml.
  it('renders every named Service with the port the platform uses', () => {
    const checked = Object.entries(CHART_SERVICES).filter(([, s]) => renderIfComplete(env, s.release));
    const problems = checked.flatMap(([key, s]) => serviceProblems(renderComponent(env, s.release), key, s));
    expect(problems).toEqual([]);
    // Only the charts the folder cannot render are left out.
    expect(
      new Set(
        Object.values(CHART_SERVICES)
          .filter((s) => !renderIfComplete(env, s.release))
          .map((s) => s.release),
      ),
    ).toEqual(new Set(notRenderableHere(env)));
  });

  // istiod 1.30.3 templates/serviceaccount.yaml; kagent 0.9.12 templates/controller-serviceaccount.yaml
  // and charts/kagent-tools templates/serviceaccount.yaml; kube-prometheus-stack 88.5.3
  // templates/prometheus/serviceaccount.yaml; langfuse 1.5.19 and external-secrets 2.9.0
  // templates/serviceaccount.yaml.
  it('renders every named ServiceAccount', () => {
    const checked = Object.entries(CHART_SERVICE_ACCOUNTS).filter(([, s]) => renderIfComplete(env, s.release));
    const problems = checked.flatMap(([key, s]) => serviceAccountProblems(renderComponent(env, s.release), key, s));
    expect(problems).toEqual([]);
    expect(checked.length).toBeGreaterThan(4);
  });

  it('the ServiceAccounts an IAM role trusts carry that role (IRSA)', () => {
    const roles = loadInfraOutputs(ROOT, env).roles;
    expect([
      ...irsaProblems(renderComponent(env, RELEASES.langfuse), CHART_SERVICE_ACCOUNTS.langfuse.name, roles.langfuse),
      ...irsaProblems(
        renderComponent(env, RELEASES.externalSecrets),
        CHART_SERVICE_ACCOUNTS.externalSecrets.name,
        roles.externalSecrets,
      ),
    ]).toEqual([]);
  });

  // istiod 1.30.3 templates/deployment.yaml (pod label app: istiod); kagent 0.9.12
  // templates/controller-deployment.yaml (kagent.selectorLabels plus component controller).
  it('renders the pods the NetworkPolicies select with the labels they select on', () => {
    const problems = Object.entries(CHART_POD_LABELS).flatMap(([key, w]) =>
      podLabelProblems(renderComponent(env, w.release), key, w),
    );
    expect(problems).toEqual([]);
    expect(CHART_POD_LABELS.istiod.labels).toBe(ISTIOD_POD_LABELS);
  });

  // The Prometheus pods are created by prometheus-operator (v0.93.0
  // pkg/prometheus/server/operator.go `makeSelectorLabels`: app.kubernetes.io/name "prometheus"),
  // under the Prometheus resource's serviceAccountName. kube-prometheus-stack 88.5.3
  // templates/prometheus/prometheus.yaml and service.yaml.
  it.skipIf(!renderIfComplete(env, RELEASES.kubePrometheusStack))(
    "the Prometheus resource runs under the named ServiceAccount and its Service selects the operator's pod label",
    () => {
      const r = renderComponent(env, RELEASES.kubePrometheusStack);
      const prometheus = r.objects.map((x) => x.object).filter((o) => o.kind === 'Prometheus');
      expect(prometheus.map((o) => o.spec.serviceAccountName)).toEqual([CHART_SERVICE_ACCOUNTS.prometheus.name]);
      const svc = r.objects
        .map((x) => x.object)
        .find((o) => o.kind === 'Service' && o.metadata.name === CHART_SERVICES.prometheus.name);
      expect(svc?.spec.selector).toMatchObject(PROMETHEUS_POD_LABELS);
    },
  );
});

/** What the offboarding step runs in a chart's workload needs: the object, the container, its environment and port. */
function workloadProblems(r: Rendered, key: string, w: ChartWorkload, env: readonly string[], port: number): string[] {
  const [kind, name] = w.statefulSet.split('/');
  const o = r.objects.map((x) => x.object).find((x) => x.kind.toLowerCase() === kind && x.metadata.name === name);
  if (!o) return [`${key}: ${w.statefulSet} (${r.chart}, ${w.template}) is not rendered`];
  const c = (o.spec.template.spec.containers as any[]).find((x) => x.name === w.container);
  if (!c) return [`${key}: ${w.statefulSet} has no container ${w.container}`];
  const names = (c.env ?? []).map((e: any) => e.name);
  return [
    ...env
      .filter((e) => !names.includes(e))
      .map((e) => `${key}: container ${w.container} of ${w.statefulSet} has no variable ${e}`),
    ...((c.ports ?? []).some((p: any) => p.containerPort === port)
      ? []
      : [`${key}: container ${w.container} of ${w.statefulSet} has no port ${port}`]),
  ];
}

describe('chart names', () => {
  // keycloakx 7.1.8 templates/statefulset.yaml: the StatefulSet `keycloak.fullname`, container
  // keycloak, containerPort http 8080, and extraEnv (our values: the bootstrap admin's credentials)
  // in its environment. `npm run tenant -- remove` runs the admin CLI there (scripts/tenant/offboard.ts).
  it('the workload the offboarding steps exec into has the container, the admin credentials and the port they use', () => {
    const keycloak = renderComponent('dev', RELEASES.keycloak);
    const admin = ['KC_BOOTSTRAP_ADMIN_USERNAME', 'KC_BOOTSTRAP_ADMIN_PASSWORD'];
    expect(
      workloadProblems(keycloak, 'keycloak', CHART_WORKLOADS.keycloak, admin, CHART_SERVICES.keycloak.podPort),
    ).toEqual([]);
    // Planted: another container name and a variable the chart does not set are named.
    expect(
      workloadProblems(keycloak, 'keycloak', { ...CHART_WORKLOADS.keycloak, container: 'kc' }, admin, 8080),
    ).toEqual(['keycloak: statefulset/keycloak has no container kc']);
    expect(workloadProblems(keycloak, 'keycloak', CHART_WORKLOADS.keycloak, ['KEYCLOAK_ADMIN'], 8080)).toEqual([
      'keycloak: container keycloak of statefulset/keycloak has no variable KEYCLOAK_ADMIN',
    ]);
  });

  it('the constants the other modules use are these names', () => {
    expect(PLATFORM_SERVICES.keycloak).toBe(CHART_SERVICES.keycloak.name);
    expect(PLATFORM_SERVICES.prometheus).toBe(CHART_SERVICES.prometheus.name);
    expect(PLATFORM_SERVICES.grafana).toBe(CHART_SERVICES.grafana.name);
    expect(PLATFORM_SERVICES.langfuseWeb).toBe(CHART_SERVICES.langfuseWeb.name);
    expect(PLATFORM_SERVICES.clickhouse).toBe(CHART_SERVICES.clickhouseHttp.name);
    expect(PLATFORM_SERVICES.kagentController).toBe(CHART_SERVICES.kagentController.name);
    const services = Object.values(CHART_SERVICES).map((s) => `svc/${s.name}:${s.port}`);
    for (const ui of PLATFORM_UIS.filter((u) => u.target.startsWith('svc/')))
      expect(services, ui.name).toContain(`${ui.target}:${ui.port}`);
  });

  it('planted: a wrong Service name fails, naming the object, the chart and the Services it renders', () => {
    const r = renderComponent('dev', RELEASES.keycloak);
    expect(serviceProblems(r, 'keycloak', { ...CHART_SERVICES.keycloak, name: 'keycloak-keycloakx-http' })).toEqual([
      'keycloak: Service keycloak/keycloak-keycloakx-http (keycloakx 7.1.8, keycloakx/templates/service-http.yaml, release keycloak) is not rendered; the chart renders the Services keycloak/keycloak-headless, keycloak/keycloak-http',
    ]);
  });

  it('planted: without fullnameOverride keycloakx names its Service <release>-keycloakx-http, and the check names it', () => {
    const e = loadEnvironment('dev');
    const app = readPlatformApplication(e, RELEASES.keycloak);
    const { fullnameOverride, ...values } = app.source.helm!.valuesObject!;
    expect(fullnameOverride).toBe(KEYCLOAK_FULLNAME);
    const r = renderApplication(
      { ...app, source: { ...app.source, helm: { ...app.source.helm, valuesObject: values } } },
      e.kubernetesVersion,
    );
    expect(serviceProblems(r, 'keycloak', CHART_SERVICES.keycloak)).toEqual([
      'keycloak: Service keycloak/keycloak-http (keycloakx 7.1.8, keycloakx/templates/service-http.yaml, release keycloak) is not rendered; the chart renders the Services keycloak/keycloak-keycloakx-headless, keycloak/keycloak-keycloakx-http',
    ]);
  });

  it('planted: a ServiceAccount without its IAM role is named', () => {
    const e = loadEnvironment('dev');
    const app = readPlatformApplication(e, RELEASES.langfuse);
    const values = structuredClone(app.source.helm!.valuesObject!) as any;
    delete values.langfuse.serviceAccount.annotations;
    const r = renderApplication(
      { ...app, source: { ...app.source, helm: { ...app.source.helm, valuesObject: values } } },
      e.kubernetesVersion,
    );
    expect(irsaProblems(r, CHART_SERVICE_ACCOUNTS.langfuse.name, 'arn:aws:iam::123456789012:role/x')).toEqual([
      'ServiceAccount langfuse/langfuse-web (langfuse 1.5.19) has the IAM role none, not arn:aws:iam::123456789012:role/x',
    ]);
  });

  it('planted: a wrong port, a wrong container port, a missing ServiceAccount and a missing pod label each fail, naming the object', () => {
    const kagent = renderComponent('dev', RELEASES.kagent);
    expect(serviceProblems(kagent, 'kagentController', { ...CHART_SERVICES.kagentController, port: 8080 })).toEqual([
      'kagentController: Service kagent-system/kagent-controller (kagent 0.9.12, kagent/templates/controller-service.yaml, release kagent) has no port 8080; it has 8083',
    ]);
    const keycloak = renderComponent('dev', RELEASES.keycloak);
    expect(serviceProblems(keycloak, 'keycloak', { ...CHART_SERVICES.keycloak, podPort: 9000 })).toEqual([
      'keycloak: Service keycloak/keycloak-http (keycloakx 7.1.8, keycloakx/templates/service-http.yaml, release keycloak) port 80 reaches container port 8080, not 9000',
    ]);
    expect(
      serviceAccountProblems(kagent, 'kagentTools', { ...CHART_SERVICE_ACCOUNTS.kagentTools, name: 'tools' })[0],
    ).toMatch(
      /^kagentTools: ServiceAccount kagent-system\/tools \(kagent 0\.9\.12, kagent\/charts\/kagent-tools\/templates\/serviceaccount\.yaml, release kagent\) is not rendered; the chart renders .*kagent-system\/kagent-tools/,
    );
    const istiod = renderComponent('dev', RELEASES.istiod);
    expect(podLabelProblems(istiod, 'istiod', { ...CHART_POD_LABELS.istiod, labels: { app: 'pilot' } })).toEqual([
      'istiod: Deployment istio-system/istiod (istiod 1.30.3, istiod/templates/deployment.yaml, release istiod): its pods lack the labels app=pilot',
    ]);
  });
});
