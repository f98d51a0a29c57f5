import { describe, expect, it } from 'vitest';
import { GatewayReferenceGrant } from '../../../charts/platform/constructs/gateway-reference-grant';
import { only, synth } from '../../helpers';

describe('GatewayReferenceGrant', () => {
  it('opens exactly one Service to the AgentgatewayPolicies of agentgateway-system', () => {
    const g = only(
      synth(
        (c) =>
          new GatewayReferenceGrant(c, 'g', { namespace: 'keycloak', service: 'keycloak-http', component: 'keycloak' }),
      ),
      'ReferenceGrant',
    );
    expect(g.metadata).toMatchObject({ name: 'agentgateway-to-keycloak-http', namespace: 'keycloak' });
    expect(g.metadata.labels!['platform.agentic.io/component']).toBe('keycloak');
    expect(g.spec).toEqual({
      from: [{ group: 'agentgateway.dev', kind: 'AgentgatewayPolicy', namespace: 'agentgateway-system' }],
      to: [{ group: '', kind: 'Service', name: 'keycloak-http' }],
    });
  });
});
