/**
 * The render harness (scripts/upstream/render.ts): what it hands helm, where it takes charts from,
 * and how it fails.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { notRenderableHere, renderable } from './chart-checks';
import {
  CHARTS_DIR,
  chartDirectory,
  crdApiVersions,
  loadEnvironment,
  parseHelmOutput,
  readPlatformApplication,
  renderApplication,
  renderComponent,
  upstreamComponents,
} from '../../scripts/upstream/render';
import { UPSTREAM } from '../../charts/lib/upstream';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'render-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A chart that prints what helm was given: release, namespace, Kubernetes version, values, API versions. */
function probeChart(dir: string): void {
  fs.mkdirSync(path.join(dir, 'probe-1.0.0', 'templates'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'probe-1.0.0', 'Chart.yaml'),
    'apiVersion: v2\nname: probe\nversion: 1.0.0\nkubeVersion: ">=1.25.0-0"\n',
  );
  fs.writeFileSync(
    path.join(dir, 'probe-1.0.0', 'templates', 'cm.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-probe',
      'data:',
      '  namespace: {{ .Release.Namespace }}',
      '  kube: {{ .Capabilities.KubeVersion.Version }}',
      '  value: {{ .Values.greeting }}',
      '  agents: {{ .Capabilities.APIVersions.Has "kagent.dev/v1alpha2/Agent" | quote }}',
      '  install: {{ .Release.IsInstall | quote }}',
      '',
    ].join('\n'),
  );
}

describe('render harness', () => {
  const env = loadEnvironment('dev');

  it("renders as Argo CD: release name, destination namespace, the environment's Kubernetes version, valuesObject and the CRDs' API versions", () => {
    probeChart(tmp);
    const r = renderApplication(
      {
        component: 'probe',
        namespace: 'probe-ns',
        source: {
          repoURL: 'https://charts.example.com',
          chart: 'probe',
          targetRevision: '1.0.0',
          helm: { releaseName: 'rel', valuesObject: { greeting: 'hello' } },
        },
      },
      env.kubernetesVersion,
      { chartsDir: tmp },
    );
    expect(r.objects).toEqual([
      {
        template: 'probe/templates/cm.yaml',
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'rel-probe' },
          data: {
            namespace: 'probe-ns',
            kube: `v${env.kubernetesVersion}.0`,
            value: 'hello',
            agents: 'true',
            install: 'true',
          },
        },
      },
    ]);
    expect(r).toMatchObject({ component: 'probe', chart: 'probe 1.0.0', release: 'rel', namespace: 'probe-ns' });
  });

  it('passes group/version and group/version/Kind of every served CRD version in ../shared/crds', () => {
    const versions = crdApiVersions();
    expect(versions).toEqual(
      expect.arrayContaining([
        'kagent.dev/v1alpha2',
        'kagent.dev/v1alpha2/Agent',
        'monitoring.coreos.com/v1/ServiceMonitor',
        'gateway.networking.k8s.io/v1/HTTPRoute',
      ]),
    );
    // Listed but not served (shared/crds SOURCES.md): v1alpha2 of TLSRoute.
    expect(versions).not.toContain('gateway.networking.k8s.io/v1alpha2/TLSRoute');
  });

  it('takes the release-stamped copy of a chart where there is one', () => {
    expect(
      chartDirectory({
        repoURL: UPSTREAM.istiod.repoURL,
        chart: UPSTREAM.istiod.chart,
        targetRevision: UPSTREAM.istiod.version,
      }),
    ).toBe(path.join(CHARTS_DIR, '_release-stamped', 'istiod-1.30.3'));
    expect(
      chartDirectory({
        repoURL: 'https://codecentric.github.io/helm-charts',
        chart: 'keycloakx',
        targetRevision: '7.1.8',
      }),
    ).toBe(path.join(CHARTS_DIR, 'keycloakx-7.1.8'));
    // The stamped istiod renders the released image (ambient profile: distroless), not registry.istio.io/testing/pilot:latest.
    const deployment = renderComponent('dev', 'istiod').objects.find((o) => o.object.kind === 'Deployment')!.object;
    expect(deployment.spec.template.spec.containers[0].image).toBe('docker.io/istio/pilot:1.30.3-distroless');
  });

  it('renders every upstream of every environment, Git paths included', () => {
    for (const name of ['dev', 'prod']) {
      const e = loadEnvironment(name);
      const components = upstreamComponents(e);
      expect(components).toEqual(
        expect.arrayContaining(['agent-sandbox', 'gateway-api-crds', 'kagent', 'keycloak', 'kube-prometheus-stack']),
      );
      const here = renderable(name, components);
      expect(components.filter((c) => !here.includes(c))).toEqual(notRenderableHere(name));
      for (const c of here) expect(renderComponent(name, c).objects.length, `${name} ${c}`).toBeGreaterThan(0);
    }
    // A plain Git directory: the Gateway API CRDs from ../shared/crds/gateway-api.
    const crds = renderComponent('dev', 'gateway-api-crds').objects.map((o) => o.object);
    expect(new Set(crds.map((o) => o.kind))).toEqual(new Set(['CustomResourceDefinition']));
    expect(crds.map((o) => o.metadata.name)).toContain('httproutes.gateway.networking.k8s.io');
    // A Git path that is a Helm chart: agent-sandbox's helm/ directory, with its crds/.
    const sandbox = renderComponent('dev', 'agent-sandbox');
    expect(sandbox.chart).toBe('agent-sandbox 0.1.0');
    expect(sandbox.objects.filter((o) => o.object.kind === 'CustomResourceDefinition')).toHaveLength(4);
  });

  it('renders each Application once per process', () => {
    expect(renderComponent('dev', 'keycloak')).toBe(renderComponent('dev', 'keycloak'));
  });

  it('names npm run tools when helm is missing', () => {
    const app = readPlatformApplication(env, 'ztunnel');
    expect(() => renderApplication(app, env.kubernetesVersion, { toolsHome: path.join(tmp, 'no-tools') })).toThrow(
      'helm v3.22.0 is not installed in .tools/bin (or was built from other inputs); run: npm run tools',
    );
  });

  it('names the charts folder when a chart or a dependency is missing', () => {
    const app = readPlatformApplication(env, 'keycloak');
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    expect(() => renderApplication(app, env.kubernetesVersion, { chartsDir: empty })).toThrow(
      `render: chart keycloakx-7.1.8 of platform-keycloak is not in ${empty}; run npm run fetch-upstream to get every pinned chart at its exact version (or set $CHARTS_DIR)`,
    );
    fs.mkdirSync(path.join(empty, 'keycloakx-7.1.8'));
    fs.writeFileSync(
      path.join(empty, 'keycloakx-7.1.8', 'Chart.yaml'),
      'apiVersion: v2\nname: keycloakx\nversion: 7.1.8\ndependencies:\n  - name: common\n    version: 1.0.0\n',
    );
    expect(() => renderApplication(app, env.kubernetesVersion, { chartsDir: empty })).toThrow(
      `render: chart keycloakx-7.1.8 of platform-keycloak lacks the dependencies keycloakx-7.1.8/charts/common in ${empty}; run npm run fetch-upstream to get every pinned chart with its dependencies unpacked (or set $CHARTS_DIR)`,
    );
  });

  it("reads the template of every object from helm's Source lines", () => {
    const text =
      '---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/empty.yaml\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n';
    expect(parseHelmOutput(text).map((o) => [o.template, o.object.kind])).toEqual([
      ['c/templates/a.yaml', 'ConfigMap'],
      ['c/templates/b.yaml', 'Secret'],
    ]);
    expect(() => parseHelmOutput('# Source: c/templates/x.yaml\n- 1\n')).toThrow(
      'render: c/templates/x.yaml holds a document that is not a Kubernetes object',
    );
  });
});
