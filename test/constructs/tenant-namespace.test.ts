import { describe, expect, it } from 'vitest';
import { TenantNamespace, type TenantNamespaceProps } from '../../charts/constructs/tenant-namespace';
import { TenantChart } from '../../charts/tenant-chart';
import { only, sampleEnvironment, sampleTenant, synth, synthChart } from '../helpers';

const NS = 'tenant-alpha';
const base: TenantNamespaceProps = {
  tenant: 'alpha',
  namespace: NS,
  kubernetesVersion: '1.31',
  routeSegment: 'support',
};

function namespace(props: Partial<TenantNamespaceProps> = {}) {
  return only(
    synth((c) => new TenantNamespace(c, 'Namespace', { ...base, ...props })),
    'Namespace',
  );
}

describe('TenantNamespace', () => {
  it('emits one cluster-scoped v1 Namespace with the given name and nothing else', () => {
    const objects = synth((c) => new TenantNamespace(c, 'Namespace', base));
    expect(objects).toHaveLength(1);
    const ns = objects[0];
    expect(ns.apiVersion).toBe('v1');
    expect(ns.kind).toBe('Namespace');
    expect(ns.metadata.name).toBe(NS);
    expect(ns.metadata.namespace).toBeUndefined();
  });

  it('carries every label the mesh, gateway discovery and tenant policies select on', () => {
    const labels = namespace().metadata.labels;
    expect(labels).toMatchObject({
      'platform.agentic.io/tenant': 'true',
      'platform.agentic.io/tenant-name': 'alpha',
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': 'agentgateway-waypoint',
      // agentgateway v1.4.1 sends a gateway's request through the destination Service's waypoint
      // only with this label (crates/agentgateway/src/proxy/httpproxy.rs svc.ingress_use_waypoint),
      // which Istio 1.30 takes from the Service, else the namespace
      // (pilot/pkg/serviceregistry/ambient/services.go ingressUseWaypointFromLabels).
      'istio.io/ingress-use-waypoint': 'true',
      'platform.agentic.io/gateway-discovery': 'true',
      'app.kubernetes.io/managed-by': 'agentic-platform',
    });
  });

  it('uses only string label values (Kubernetes rejects booleans and numbers)', () => {
    for (const v of Object.values(namespace().metadata.labels)) expect(typeof v).toBe('string');
  });

  it('enforces baseline Pod Security by default', () => {
    expect(namespace().metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  it('enforces restricted Pod Security when asked', () => {
    expect(namespace({ podSecurity: 'restricted' }).metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
  });

  it.each(['baseline', 'restricted'] as const)('always warns and audits at restricted (enforce=%s)', (level) => {
    const labels = namespace({ podSecurity: level }).metadata.labels;
    expect(labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(labels['pod-security.kubernetes.io/audit']).toBe('restricted');
  });

  it.each(['1.31', '1.33'])('pins enforce, warn and audit to v%s', (version) => {
    const labels = namespace({ kubernetesVersion: version }).metadata.labels;
    for (const mode of ['enforce', 'warn', 'audit']) {
      expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe(`v${version}`);
    }
    expect(Object.values(labels)).not.toContain('latest');
  });

  it('is never deleted by Argo CD and only pruned after confirmation', () => {
    expect(namespace().metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Delete=false,Prune=confirm');
  });

  it('has no displayName/description annotations when none are given', () => {
    expect(Object.keys(namespace().metadata.annotations).sort()).toEqual([
      'argocd.argoproj.io/sync-options',
      'platform.agentic.io/route-segment',
    ]);
  });

  it("records the path segment of the tenant's routes", () => {
    expect(namespace().metadata.annotations['platform.agentic.io/route-segment']).toBe('support');
    const tenant = sampleTenant('beta');
    const ns = only(
      synthChart((app) => new TenantChart(app, 'beta', { tenant, environment: sampleEnvironment() })),
      'Namespace',
    );
    expect(ns.metadata.annotations['platform.agentic.io/route-segment']).toBe('tenant-beta');
  });

  it('annotates displayName and description when given, independently', () => {
    const both = namespace({ displayName: 'Team Alpha', description: 'Support agents.' }).metadata.annotations;
    expect(both['platform.agentic.io/display-name']).toBe('Team Alpha');
    expect(both['platform.agentic.io/description']).toBe('Support agents.');

    const nameOnly = namespace({ displayName: 'Team Alpha' }).metadata.annotations;
    expect(nameOnly['platform.agentic.io/display-name']).toBe('Team Alpha');
    expect(nameOnly).not.toHaveProperty('platform.agentic.io/description');

    const descOnly = namespace({ description: 'Support agents.' }).metadata.annotations;
    expect(descOnly).not.toHaveProperty('platform.agentic.io/display-name');
    expect(descOnly['platform.agentic.io/description']).toBe('Support agents.');
  });

  describe('inside TenantChart', () => {
    const nsOf = (tenant: ReturnType<typeof sampleTenant>, env = sampleEnvironment()) =>
      only(
        synthChart((app) => new TenantChart(app, tenant.name, { tenant, environment: env })),
        'Namespace',
      );

    it('enforces baseline in every tenant namespace, so controller-made pods (the waypoint) are admitted', () => {
      expect(nsOf(sampleTenant('alpha')).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
      expect(nsOf(sampleTenant('alpha')).metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    });

    it("pins versions to the environment's kubernetesVersion", () => {
      const env = sampleEnvironment({ kubernetesVersion: '1.32' });
      expect(nsOf(sampleTenant('alpha'), env).metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe(
        'v1.32',
      );
    });

    it('names the waypoint Gateway the chart actually emits', () => {
      const tenant = sampleTenant('alpha');
      const objects = synthChart(
        (app) => new TenantChart(app, tenant.name, { tenant, environment: sampleEnvironment() }),
      );
      const ns = only(objects, 'Namespace');
      const gateway = only(objects, 'Gateway');
      expect(ns.metadata.labels['istio.io/use-waypoint']).toBe(gateway.metadata.name);
      expect(gateway.metadata.namespace).toBe(ns.metadata.name);
    });
  });
});
