import { describe, expect, it } from 'vitest';
import { MeshIdentityPolicy } from '../../../charts/platform/constructs/mesh-identity-policy';
import { celMatches, meshSource } from '../../../scripts/flows/cel';
import { only, synth } from '../../helpers';

describe('MeshIdentityPolicy', () => {
  const p = only(
    synth((c) => new MeshIdentityPolicy(c, 'm', { trustDomain: 'mesh.example' })),
    'AgentgatewayPolicy',
  );

  it("applies to the mesh gateway's route listener", () => {
    expect(p.metadata).toMatchObject({ name: 'mesh-identity', namespace: 'agentgateway-system' });
    expect(p.spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-mesh', sectionName: 'mesh' },
    ]);
  });

  // agentgateway v1.4.1 crates/agentgateway/src/proxy/gateway.rs: source.identity exists only for
  // a connection whose TLS the proxy terminated (here the HBONE tunnel); a Require rule whose
  // expression errs refuses (http/authorization.rs).
  it('requires a SPIFFE identity of the trust domain, which a plaintext request does not have', () => {
    expect(p.spec.traffic.authorization.action).toBe('Require');
    const [e] = p.spec.traffic.authorization.policy.matchExpressions;
    expect(celMatches(e, { source: meshSource('mesh.example', 'tenant-a') })).toBe(true);
    expect(celMatches(e, { source: meshSource('other.example', 'tenant-a') })).toBe(false);
    expect(celMatches(e, { source: {} })).toBe(false);
  });
});
