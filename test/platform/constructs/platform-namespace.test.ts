import { describe, expect, it } from 'vitest';
import { PlatformNamespace, POD_SECURITY_REASON } from '../../../charts/platform/constructs/platform-namespace';
import { only, synth } from '../../helpers';

describe('PlatformNamespace', () => {
  it('labels the component, pins Pod Security to the cluster version and records why it is loosened', () => {
    const ns = only(
      synth(
        (c) =>
          new PlatformNamespace(c, 'ns', {
            name: 'monitoring',
            component: 'monitoring',
            podSecurity: 'privileged',
            reason: 'node-exporter',
            ambient: true,
            kubernetesVersion: '1.31',
          }),
      ),
      'Namespace',
    );
    expect(ns.metadata.labels).toMatchObject({
      'platform.agentic.io/component': 'monitoring',
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/enforce-version': 'v1.31',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'istio.io/dataplane-mode': 'ambient',
    });
    expect(ns.metadata.annotations![POD_SECURITY_REASON]).toBe('node-exporter');
    expect(ns.metadata.annotations!['argocd.argoproj.io/sync-options']).toBe('Delete=false,Prune=false');
  });

  it('leaves the namespace out of the mesh and of gateway discovery by default', () => {
    const ns = only(
      synth(
        (c) =>
          new PlatformNamespace(c, 'ns', {
            name: 'kyverno',
            component: 'kyverno',
            podSecurity: 'restricted',
            kubernetesVersion: '1.31',
          }),
      ),
      'Namespace',
    );
    expect(ns.metadata.labels!['istio.io/dataplane-mode']).toBeUndefined();
    expect(ns.metadata.labels!['platform.agentic.io/gateway-discovery']).toBeUndefined();
    expect(ns.metadata.annotations![POD_SECURITY_REASON]).toBeUndefined();
  });

  it('refuses a level looser than restricted without a reason', () => {
    expect(() =>
      synth(
        (c) =>
          new PlatformNamespace(c, 'ns', {
            name: 'x',
            component: 'x',
            podSecurity: 'baseline',
            kubernetesVersion: '1.31',
          }),
      ),
    ).toThrow(
      'PlatformNamespace x: podSecurity "baseline" is looser than restricted, so reason must say why; set reason or use restricted',
    );
  });
});
