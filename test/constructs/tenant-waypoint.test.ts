import { describe, expect, it } from 'vitest';
import { identityExpression, TenantWaypoint, type TenantWaypointProps } from '../../charts/constructs/tenant-waypoint';
import { TenantChart, TENANT_WAYPOINT_CALLERS } from '../../charts/tenant-chart';
import { ofKind, only, sampleEnvironment, samplePlatformSettings, sampleTenant, synth, synthChart } from '../helpers';

const TD = 'mesh.example.test';
const CALLERS = [
  { namespace: 'agentgateway-system', serviceAccount: 'agentgateway-mesh' },
  { namespace: 'kagent-system', serviceAccount: 'kagent-controller' },
];
const base: TenantWaypointProps = {
  tenant: 'alpha',
  namespace: 'tenant-alpha',
  kind: 'istio',
  allowedCallers: CALLERS,
  trustDomain: TD,
};

function waypoint(props: Partial<TenantWaypointProps> = {}) {
  const objects = synth((c) => new TenantWaypoint(c, 'Waypoint', { ...base, ...props }));
  return { objects, gateway: only(objects, 'Gateway'), policy: objects.find((o) => o.kind !== 'Gateway')! };
}

describe('TenantWaypoint', () => {
  it('emits one Gateway and one policy, both in the tenant namespace', () => {
    for (const kind of ['istio', 'agentgateway'] as const) {
      const { objects } = waypoint({ kind });
      expect(objects).toHaveLength(2);
      for (const o of objects) expect(o.metadata.namespace).toBe('tenant-alpha');
    }
  });

  it('is a Gateway API v1 Gateway of class agentgateway-waypoint named agentgateway-waypoint, for services', () => {
    const { gateway } = waypoint();
    expect(gateway.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gateway.metadata.name).toBe('agentgateway-waypoint');
    expect(gateway.spec.gatewayClassName).toBe('agentgateway-waypoint');
    expect(gateway.metadata.labels['istio.io/waypoint-for']).toBe('service');
  });

  it('listens only on the HBONE mesh port 15008 and accepts routes from its own namespace', () => {
    expect(waypoint().gateway.spec.listeners).toEqual([
      { name: 'mesh', port: 15008, protocol: 'HBONE', allowedRoutes: { namespaces: { from: 'Same' } } },
    ]);
  });

  // Istio 1.30 pilot/pkg/model/policyattachment.go ShouldAttachPolicy: a waypoint ignores
  // selector-based policies and takes a policy whose targetRefs name its Gateway in its namespace.
  it('binds an Istio AuthorizationPolicy to the waypoint by targetRefs (istio kind)', () => {
    const { policy } = waypoint();
    expect(policy.apiVersion).toBe('security.istio.io/v1');
    expect(policy.kind).toBe('AuthorizationPolicy');
    expect(policy.metadata.name).toBe('waypoint-isolation');
    expect(policy.spec.selector).toBeUndefined();
    expect(policy.spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-waypoint' },
    ]);
  });

  it('admits exactly the tenant namespace and the named platform service accounts, in the trust domain', () => {
    const { policy } = waypoint();
    expect(policy.spec.action).toBe('ALLOW');
    expect(policy.spec.rules).toEqual([
      {
        from: [
          {
            source: {
              principals: [
                `${TD}/ns/tenant-alpha/sa/*`,
                `${TD}/ns/agentgateway-system/sa/agentgateway-mesh`,
                `${TD}/ns/kagent-system/sa/kagent-controller`,
              ],
            },
          },
        ],
      },
    ]);
  });

  it('with the agentgateway kind, an AgentgatewayPolicy on the Gateway with one CEL expression', () => {
    const { policy } = waypoint({ kind: 'agentgateway' });
    expect(policy.kind).toBe('AgentgatewayPolicy');
    expect(policy.spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-waypoint' },
    ]);
    expect(policy.spec.frontend.networkAuthorization.action).toBe('Allow');
    expect(policy.spec.frontend.networkAuthorization.policy.matchExpressions).toEqual([
      identityExpression(TD, 'tenant-alpha', CALLERS),
    ]);
  });

  it('identityExpression renders the exact CEL text', () => {
    expect(
      identityExpression('cluster.local', 'tenant-a', [
        { namespace: 'kagent-system', serviceAccount: 'kagent-controller' },
      ]),
    ).toBe(
      "has(source.identity) && source.identity.trustDomain == 'cluster.local' && (source.identity.namespace == 'tenant-a' || (source.identity.namespace == 'kagent-system' && source.identity.serviceAccount == 'kagent-controller'))",
    );
  });

  it("in TenantChart, admits the tenant, both gateways and kagent's controller, in the environment's trust domain", () => {
    expect(TENANT_WAYPOINT_CALLERS.map((c) => `${c.namespace}/${c.serviceAccount}`)).toEqual([
      'agentgateway-system/agentgateway-proxy',
      'agentgateway-system/agentgateway-mesh',
      'kagent-system/kagent-controller',
    ]);
    const env = sampleEnvironment({ cluster: { server: 'https://k.example.test', trustDomain: 'prod.example' } });
    const objects = synthChart(
      (app) => new TenantChart(app, 'beta', { tenant: sampleTenant('beta'), environment: env }),
    );
    const policy = ofKind(objects, 'AuthorizationPolicy').find((p) => p.metadata.name === 'waypoint-isolation')!;
    expect(policy.spec.rules[0].from[0].source.principals).toEqual([
      'prod.example/ns/tenant-beta/sa/*',
      'prod.example/ns/agentgateway-system/sa/agentgateway-proxy',
      'prod.example/ns/agentgateway-system/sa/agentgateway-mesh',
      'prod.example/ns/kagent-system/sa/kagent-controller',
    ]);
  });

  it("in TenantChart, follows the environment's waypoint kind", () => {
    const env = sampleEnvironment({ platform: { ...samplePlatformSettings(), waypoint: 'agentgateway' } });
    const objects = synthChart(
      (app) => new TenantChart(app, 'beta', { tenant: sampleTenant('beta'), environment: env }),
    );
    expect(ofKind(objects, 'AgentgatewayPolicy').map((p) => p.metadata.name)).toContain('waypoint-isolation');
    expect(ofKind(objects, 'AuthorizationPolicy').map((p) => p.metadata.name)).toEqual(['tenant-isolation']);
  });
});
