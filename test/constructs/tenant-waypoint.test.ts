import { describe, expect, it } from 'vitest';
import { identityExpression, TenantWaypoint, type TenantWaypointProps } from '../../charts/constructs/tenant-waypoint';
import { TenantChart } from '../../charts/tenant-chart';
import { only, sampleEnvironment, sampleTenant, synth, synthChart } from '../helpers';

const TD = 'mesh.example.test';
const base: TenantWaypointProps = {
  tenant: 'alpha',
  namespace: 'tenant-alpha',
  allowedNamespaces: ['agentgateway-system', 'kagent-system'],
  trustDomain: TD,
};

function waypoint(props: Partial<TenantWaypointProps> = {}) {
  const objects = synth((c) => new TenantWaypoint(c, 'Waypoint', { ...base, ...props }));
  return { objects, gateway: only(objects, 'Gateway'), policy: only(objects, 'AgentgatewayPolicy') };
}

/** The namespaces listed in `source.identity.namespace in [...]`. */
function namespacesIn(expression: string): string[] {
  const m = /source\.identity\.namespace in \[([^\]]*)\]/.exec(expression);
  if (!m) throw new Error(`no namespace list in ${expression}`);
  return m[1].split(',').map((s) => s.trim().replace(/^'(.*)'$/, '$1'));
}

describe('TenantWaypoint', () => {
  it('emits exactly one Gateway and one AgentgatewayPolicy, both in the tenant namespace', () => {
    const { objects } = waypoint();
    expect(objects.map((o) => o.kind).sort()).toEqual(['AgentgatewayPolicy', 'Gateway']);
    for (const o of objects) expect(o.metadata.namespace).toBe('tenant-alpha');
  });

  it('is a Gateway API v1 Gateway of class agentgateway-waypoint named agentgateway-waypoint', () => {
    const { gateway } = waypoint();
    expect(gateway.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gateway.metadata.name).toBe('agentgateway-waypoint');
    expect(gateway.spec.gatewayClassName).toBe('agentgateway-waypoint');
  });

  it('listens only on the HBONE mesh port 15008 and accepts routes from its own namespace', () => {
    expect(waypoint().gateway.spec.listeners).toEqual([{ name: 'mesh', port: 15008, protocol: 'HBONE', allowedRoutes: { namespaces: { from: 'Same' } } }]);
  });

  it('is a waypoint for services', () => {
    const labels = waypoint().gateway.metadata.labels;
    expect(labels['istio.io/waypoint-for']).toBe('service');
    expect(labels['platform.agentic.io/tenant-name']).toBe('alpha');
  });

  it('targets its policy at exactly that Gateway, also under a custom name', () => {
    for (const name of [undefined, 'custom-waypoint']) {
      const { gateway, policy } = waypoint({ name });
      expect(policy.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.metadata.name }]);
    }
  });

  it('allows matching callers (ALLOW) through a single CEL expression', () => {
    const auth = waypoint().policy.spec.frontend.networkAuthorization;
    expect(auth.action).toBe('Allow');
    expect(auth.policy.matchExpressions).toHaveLength(1);
  });

  it('admits exactly the own namespace and the allowed namespaces, in the trust domain', () => {
    const [expr] = waypoint().policy.spec.frontend.networkAuthorization.policy.matchExpressions;
    expect(namespacesIn(expr)).toEqual(['tenant-alpha', 'agentgateway-system', 'kagent-system']);
    expect(expr).toContain(`source.identity.trustDomain == '${TD}'`);
    expect(expr.startsWith('has(source.identity) && ')).toBe(true);
    expect(expr).not.toMatch(/tenant-(?!alpha')/);
  });

  it('lists the own namespace once when it also appears in allowedNamespaces', () => {
    const [expr] = waypoint({ allowedNamespaces: ['tenant-alpha', 'kagent-system'] }).policy.spec.frontend.networkAuthorization.policy.matchExpressions;
    expect(namespacesIn(expr)).toEqual(['tenant-alpha', 'kagent-system']);
  });

  it('identityExpression renders the exact CEL text', () => {
    expect(identityExpression('cluster.local', ['tenant-a', 'kagent-system'])).toBe(
      "has(source.identity) && source.identity.trustDomain == 'cluster.local' && source.identity.namespace in ['tenant-a', 'kagent-system']",
    );
  });

  it("in TenantChart, admits the tenant, agentgateway and kagent only, in the environment's trust domain", () => {
    const env = sampleEnvironment({ cluster: { server: 'https://k.example.test', trustDomain: 'prod.example' } });
    const objects = synthChart((app) => new TenantChart(app, 'beta', { tenant: sampleTenant('beta'), environment: env }));
    const [expr] = only(objects, 'AgentgatewayPolicy').spec.frontend.networkAuthorization.policy.matchExpressions;
    expect(new Set(namespacesIn(expr))).toEqual(new Set(['tenant-beta', 'agentgateway-system', 'kagent-system']));
    expect(expr).toContain("trustDomain == 'prod.example'");
  });
});
