/**
 * What the agentgateway controller and istiod need to see for the gateways and waypoints of the
 * committed environments (and of one with agentgateway waypoints) to be programmed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEnvironments } from '../../charts/config/environment';
import { synthesize } from '../../charts/synth/synthesize';
import { existingFiles } from '../../charts/synth/write';
import { infraFor, sampleEnvironment, samplePlatformSettings, sampleTenant } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
type Obj = Record<string, any>;
const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));

for (const env of envs) {
  describe(`gateway configuration of ${env.name}`, () => {
    const objects: Obj[] = existingFiles(ROOT, [`dist/${env.name}`, `argocd/${env.name}`])
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => parse(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    const app = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'platform-agentgateway')!;
    const selectors = app.spec.sources[0].helm.valuesObject.discoveryNamespaceSelectors as {
      matchLabels: Record<string, string>;
    }[];
    const namespaceLabels = (ns: string) => ({
      ...(objects.find((o) => o.kind === 'Namespace' && o.metadata.name === ns)?.metadata.labels ?? {}),
      'kubernetes.io/metadata.name': ns,
    });
    const discovered = (ns: string) =>
      selectors.some((s) => Object.entries(s.matchLabels).every(([k, v]) => namespaceLabels(ns)[k] === v));

    // agentgateway v1.4.1 controller/pkg/setup/setup.go installs the discovery namespace filter on
    // every informer (kube.SetObjectFilter); a route's or policy's backendRef to a Service of an
    // undiscovered namespace fails as "not found" (controller/pkg/agentgateway/plugins/
    // reference_indexes.go), and the controller keeps its JWKS ConfigMaps in its own namespace and
    // reads Istio's mesh configuration in istio-system through the same filter
    // (jwks/persistence.go, plugins/collection.go).
    it('lets the controller see every namespace whose objects or Services the gateways use', () => {
      expect(selectors.length).toBeGreaterThan(0);
      const needed = new Map<string, string>([
        ['agentgateway-system', "the controller's own namespace (JWKS cache)"],
        ['istio-system', 'the mesh configuration (trust domain)'],
      ]);
      for (const o of objects.filter(
        (x) =>
          ['Gateway', 'HTTPRoute', 'AgentgatewayPolicy', 'AgentgatewayBackend'].includes(x.kind) &&
          x.apiVersion !== 'argoproj.io/v1alpha1',
      )) {
        needed.set(o.metadata.namespace, `${o.kind} ${o.metadata.name}`);
        const refs: Obj[] = [
          ...((o.spec?.rules ?? []) as Obj[]).flatMap((r) => (r.backendRefs ?? []) as Obj[]),
          ...(o.spec?.frontend?.tracing?.backendRef ? [o.spec.frontend.tracing.backendRef] : []),
        ];
        for (const r of refs)
          needed.set(
            r.namespace ?? o.metadata.namespace,
            `${r.kind} ${r.name}, named by ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
          );
      }
      for (const [ns, why] of needed) expect(discovered(ns), `${ns}: ${why}`).toBe(true);
      expect(needed.has('otel')).toBe(true);
      expect(needed.has('keycloak')).toBe(true);
    });

    // Istio 1.30 pilot/pkg/config/kube/gatewaycommon/classinfo.go: the mesh controller's waypoints
    // get a ClusterIP Service; agentgateway's would be LoadBalancer (templates/service.yaml), which
    // the tenants' quota (services.loadbalancers 0) refuses.
    it('runs the tenant waypoints on a class whose controller gives them a ClusterIP Service', () => {
      const cls = objects.find((o) => o.kind === 'GatewayClass' && o.metadata.name === 'agentgateway-waypoint')!;
      expect(env.platform.waypoint).toBe('istio');
      expect(cls.spec.controllerName).toBe('istio.io/mesh-controller');
      const quota = objects.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'tenant-alpha')!;
      expect(quota.spec.hard['services.loadbalancers']).toBe('0');
    });
  });
}

describe('agentgateway waypoints (platform.waypoint: agentgateway)', () => {
  const env = sampleEnvironment({ platform: { ...samplePlatformSettings(), waypoint: 'agentgateway' } });
  const files = synthesize({ environments: [env], tenants: [sampleTenant('alpha')], infra: infraFor([env]) });
  const objects = [...files].filter(([f]) => f.endsWith('.yaml')).map(([, t]) => parse(t) as Obj);

  // agentgateway v1.4.1 controller/pkg/helm/agentgateway/templates/service.yaml: `type:
  // LoadBalancer`, unless AgentgatewayParameters spec.service overlays it.
  it('gives their Service type ClusterIP through the parameters the class names', () => {
    const cls = objects.find((o) => o.kind === 'GatewayClass' && o.metadata.name === 'agentgateway-waypoint')!;
    expect(cls.spec.controllerName).toBe('agentgateway.dev/agentgateway');
    const params = objects.find(
      (o) => o.kind === 'AgentgatewayParameters' && o.metadata.name === cls.spec.parametersRef.name,
    )!;
    expect(params.spec.service).toEqual({ spec: { type: 'ClusterIP' } });
    expect(params.spec.image.tag).toBe(env.platform.images.agentgatewayWaypoint.tag);
    expect(params.spec.deployment.spec.template.spec.nodeSelector).toEqual({ 'node-role': 'agents' });
  });

  it("binds the tenant's waypoint policy as an AgentgatewayPolicy, and istiod gets no class defaults for it", () => {
    expect(
      objects.find((o) => o.kind === 'AgentgatewayPolicy' && o.metadata.name === 'waypoint-isolation'),
    ).toBeDefined();
    const istiod = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'platform-istiod')!;
    expect(istiod.spec.sources[0].helm.valuesObject.gatewayClasses).toEqual({});
  });
});
