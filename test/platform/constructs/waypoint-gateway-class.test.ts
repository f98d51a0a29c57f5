import { describe, expect, it } from 'vitest';
import { WaypointGatewayClass } from '../../../charts/platform/constructs/waypoint-gateway-class';
import { TENANT_OBJECTS } from '../../../charts/lib/constants';
import { only, synth } from '../../helpers';

describe('WaypointGatewayClass', () => {
  it('is the class every tenant waypoint names, reconciled by agentgateway with the waypoint parameters', () => {
    const gc = only(synth((c) => new WaypointGatewayClass(c, 'w', { parametersName: 'agentgateway-waypoint-config' })), 'GatewayClass');
    expect(gc.metadata.name).toBe(TENANT_OBJECTS.waypointClass);
    expect(gc.metadata.namespace).toBeUndefined();
    expect(gc.spec.controllerName).toBe('agentgateway.dev/agentgateway');
    expect(gc.spec.parametersRef).toEqual({ group: 'agentgateway.dev', kind: 'AgentgatewayParameters', name: 'agentgateway-waypoint-config', namespace: 'agentgateway-system' });
  });
});
