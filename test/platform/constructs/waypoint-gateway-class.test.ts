import { describe, expect, it } from 'vitest';
import { WaypointGatewayClass } from '../../../charts/platform/constructs/waypoint-gateway-class';
import { TENANT_OBJECTS } from '../../../charts/lib/constants';
import { only, synth } from '../../helpers';

describe('WaypointGatewayClass', () => {
  const of = (kind: 'istio' | 'agentgateway') =>
    only(
      synth((c) => new WaypointGatewayClass(c, 'w', { kind, parametersName: 'agentgateway-waypoint-config' })),
      'GatewayClass',
    );

  // Istio 1.30 pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go Reconcile looks the
  // class up and uses its controllerName: a class of any name with istio.io/mesh-controller gets
  // the `waypoint` template (classinfo.go); setLabelOverrides treats the pods as waypoints only
  // when the class name contains "waypoint".
  it('with istio, is reconciled by istiod\'s waypoint controller, under a name that contains "waypoint"', () => {
    const gc = of('istio');
    expect(gc.metadata.name).toBe(TENANT_OBJECTS.waypointClass);
    expect(gc.metadata.name).toContain('waypoint');
    expect(gc.spec.controllerName).toBe('istio.io/mesh-controller');
    expect(gc.spec.parametersRef).toBeUndefined();
  });

  it('with agentgateway, is reconciled by agentgateway with the waypoint parameters', () => {
    const gc = of('agentgateway');
    expect(gc.metadata.name).toBe(TENANT_OBJECTS.waypointClass);
    expect(gc.metadata.namespace).toBeUndefined();
    expect(gc.spec.controllerName).toBe('agentgateway.dev/agentgateway');
    expect(gc.spec.parametersRef).toEqual({
      group: 'agentgateway.dev',
      kind: 'AgentgatewayParameters',
      name: 'agentgateway-waypoint-config',
      namespace: 'agentgateway-system',
    });
  });
});
