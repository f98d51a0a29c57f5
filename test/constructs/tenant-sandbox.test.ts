import { describe, expect, it } from 'vitest';
import { TenantSandbox } from '../../charts/constructs/tenant-sandbox';
import { resolveWorkloads } from '../../charts/config/workloads';
import type { SandboxInput } from '../../charts/config/workloads-schema';
import { ofKind, only, synth } from '../helpers';

const NS = 'tenant-beta';
const LABELS = {
  'app.kubernetes.io/managed-by': 'agentic-platform',
  'app.kubernetes.io/part-of': 'agentic-platform',
  'platform.agentic.io/tenant-name': 'beta',
};

function sandboxOf(input: SandboxInput) {
  const sandbox = resolveWorkloads({ sandboxes: [input] }).sandboxes[0];
  return synth((c) => new TenantSandbox(c, 's', { tenant: 'beta', namespace: NS, sandbox }));
}

const EXPECTED_POD_SPEC = (port: number) => ({
  automountServiceAccountToken: false,
  nodeSelector: { 'node-role': 'agents' },
  tolerations: [{ key: 'workload', operator: 'Equal', value: 'agents', effect: 'NoSchedule' }],
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name: 'sandbox',
      image: 'registry.test/python-sandbox:3.12.7',
      args: ['serve'],
      ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
      env: [
        { name: 'OTEL_PROPAGATORS', value: 'tracecontext,baggage' },
        { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'tenant=beta,k8s.namespace.name=tenant-beta' },
      ],
      resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
  ],
});

describe('TenantSandbox, kind Sandbox', () => {
  const objects = sandboxOf({
    name: 'python',
    image: 'registry.test/python-sandbox:3.12.7',
    args: ['serve'],
    port: 8888,
    resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } },
  });

  it('is an agents.x-k8s.io/v1beta1 Sandbox in the tenant namespace', () => {
    const sb = only(objects, 'Sandbox');
    expect(sb.apiVersion).toBe('agents.x-k8s.io/v1beta1');
    expect(sb.metadata).toEqual({ name: 'python', namespace: NS, labels: LABELS });
    expect(Object.keys(sb.spec)).toEqual(['podTemplate']);
  });

  it('runs a restricted pod without a token on the agents node group, labelled with the sandbox name', () => {
    const pt = only(objects, 'Sandbox').spec.podTemplate;
    expect(pt.metadata).toEqual({ labels: { ...LABELS, 'platform.agentic.io/sandbox': 'python' } });
    expect(pt.spec).toEqual(EXPECTED_POD_SPEC(8888));
  });

  // Istio 1.30 pilot/pkg/serviceregistry/ambient/waypoints.go getUseWaypoint: "none" on the Service
  // takes it out of the namespace's waypoint, which forwards the tenant's own pods too.
  it("has a Service sandbox-<name>, outside the tenant's waypoint, that selects the pod label on the sandbox port", () => {
    const svc = only(objects, 'Service');
    expect(svc.apiVersion).toBe('v1');
    expect(svc.metadata).toEqual({
      name: 'sandbox-python',
      namespace: NS,
      labels: { ...LABELS, 'istio.io/use-waypoint': 'none' },
    });
    expect(svc.spec).toEqual({
      selector: { 'platform.agentic.io/sandbox': 'python' },
      ports: [{ name: 'http', port: 8888, targetPort: 'http', protocol: 'TCP' }],
    });
  });

  it('defaults to port 8080 and omits args and resources when none are declared', () => {
    const bare = sandboxOf({ name: 'tiny', image: 'registry.test/tiny:1.0.0' });
    const c = only(bare, 'Sandbox').spec.podTemplate.spec.containers[0];
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.args).toBeUndefined();
    expect(c.resources).toBeUndefined();
    expect(only(bare, 'Service').spec.ports[0].port).toBe(8080);
  });
});

describe('TenantSandbox, kind SandboxTemplate', () => {
  const objects = sandboxOf({
    name: 'notebook',
    kind: 'SandboxTemplate',
    image: 'registry.test/python-sandbox:3.12.7',
    args: ['serve'],
    port: 9000,
    resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } },
  });

  it('is an extensions.agents.x-k8s.io/v1beta1 SandboxTemplate whose network policies the tenant namespace owns', () => {
    const t = only(objects, 'SandboxTemplate');
    expect(t.apiVersion).toBe('extensions.agents.x-k8s.io/v1beta1');
    expect(t.metadata).toEqual({ name: 'notebook', namespace: NS, labels: LABELS });
    expect(t.spec.networkPolicyManagement).toBe('Unmanaged');
    expect(t.spec.podTemplate.metadata.labels['platform.agentic.io/sandbox']).toBe('notebook');
    expect(t.spec.podTemplate.spec).toEqual(EXPECTED_POD_SPEC(9000));
  });

  it('has no Service and no Sandbox', () => {
    expect(objects).toHaveLength(1);
    expect(ofKind(objects, 'Service')).toEqual([]);
    expect(ofKind(objects, 'Sandbox')).toEqual([]);
  });
});
