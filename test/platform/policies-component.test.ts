import { describe, expect, it } from 'vitest';
import { buildPlatform } from '../../charts/platform/build';
import { policies } from '../../charts/platform/components/policies';
import { componentReadme } from '../../charts/synth/readmes';
import { sampleEnvironment, sampleInfra, synth } from '../helpers';

const env = sampleEnvironment();
const built = buildPlatform({ env, infra: sampleInfra(env.name), tenants: [] });
const wave = (name: string) => built.find((b) => b.component.name === name)!.wave;

describe('policies platform component', () => {
  it('holds the six ClusterPolicies and the admission, background and reports controller ClusterRoles, cluster-scoped and without a wave of their own', () => {
    const objects = synth((c) => policies.manifests!(c, { env, infra: sampleInfra(env.name), tenants: [] }));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterPolicy/appprotocol',
      'ClusterPolicy/auto-expose',
      'ClusterPolicy/platform-scheduling',
      'ClusterPolicy/tenant-backends',
      'ClusterPolicy/tenant-scheduling',
      'ClusterPolicy/traceprop',
      'ClusterRole/kyverno-agentic-platform-admission',
      'ClusterRole/kyverno-agentic-platform-background',
      'ClusterRole/kyverno-agentic-platform-reports',
    ]);
    for (const o of objects) {
      expect(o.metadata.namespace).toBeUndefined();
      expect(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
    }
  });

  it('syncs after Kyverno and after every CRD whose kinds the policies name', () => {
    expect(built.some((b) => b.component.name === 'policies')).toBe(true);
    for (const dep of ['kyverno', 'gateway-api-crds', 'kagent-crds', 'agentgateway-crds']) {
      expect(policies.dependsOn).toContain(dep);
      expect(wave('policies'), dep).toBeGreaterThan(wave(dep));
    }
  });

  it('explains the policies and the route rule in its folder README', () => {
    const b = built.find((x) => x.component.name === 'policies')!;
    const text = componentReadme(env, b, ['clusterpolicy-auto-expose.yaml']);
    expect(text).toContain(`Synced by the Application \`platform-policies\` in sync wave ${b.wave}`);
    expect(text).toContain('its objects are named `auto-expose-<a2a|llm|mcp>-<name>` (and `-callers`)');
    expect(text).toContain('## Mutating policies and Argo CD');
    expect(text).toContain('it skips every resource labelled `app.kubernetes.io/managed-by: agentic-platform`');
    expect(text).toContain(
      '| `tenant-backends` | AgentgatewayBackends, RemoteMCPServers and Services created or updated in namespaces labelled `platform.agentic.io/tenant: "true"` |',
    );
    expect(text).toContain('`tenant-backends` is a security boundary and uses Fail');
  });
});
