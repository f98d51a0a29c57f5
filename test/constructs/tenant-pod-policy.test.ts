import { describe, expect, it } from 'vitest';
import {
  FORBIDDEN_NODE_GROUPS,
  TENANT_POD_RULES,
  TENANT_POD_VARIABLES,
  TenantPodPolicy,
} from '../../charts/constructs/tenant-pod-policy';
import { only, synth } from '../helpers';

const objects = synth((c) => new TenantPodPolicy(c, 'PodPolicy'));
const policy = only(objects, 'ValidatingAdmissionPolicy');
const binding = only(objects, 'ValidatingAdmissionPolicyBinding');
const rule = (id: string) => TENANT_POD_RULES.find((r) => r.id === id)!;

describe('TenantPodPolicy', () => {
  it('is an admissionregistration.k8s.io/v1 policy on Pod create and update in tenant namespaces only, failing closed', () => {
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.metadata.name).toBe('tenant-pod-restrictions');
    expect(policy.metadata.labels['platform.agentic.io/component']).toBe('tenancy');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.namespaceSelector).toEqual({
      matchLabels: { 'platform.agentic.io/tenant': 'true' },
    });
    // pods only: the binding subresource (the scheduler's) and status are not matched.
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] },
    ]);
  });

  it('refuses the platform and gateway groups, never the agents group', () => {
    expect(FORBIDDEN_NODE_GROUPS).toEqual(['platform', 'gateway']);
    expect(rule('tolerations').expression).toContain("t.value in ['platform', 'gateway']");
    expect(rule('tolerations').expression).not.toContain("'agents'");
    expect(rule('node-selector').expression).toContain("object.spec.nodeSelector['node-role'] == 'agents'");
  });

  it('counts on update only what the update changes, so pods admitted earlier can still be updated', () => {
    expect(rule('tolerations').expression).toMatch(
      /^!variables\.tolerations\.exists\(t, !\(t in variables\.oldTolerations\) && /,
    );
    expect(rule('node-selector').expression).toContain(
      "oldObject.spec.nodeSelector['node-role'] == object.spec.nodeSelector['node-role']",
    );
    for (const id of ['node-affinity', 'node-name', 'probe-host'])
      expect(rule(id).expression).toMatch(/^oldObject != null \|\| /);
    expect(policy.spec.variables).toEqual(TENANT_POD_VARIABLES.map((v) => ({ ...v })));
  });

  it('checks every probe and lifecycle handler of containers and init containers for a host', () => {
    for (const h of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle.postStart', 'lifecycle.preStop']) {
      for (const k of ['httpGet', 'tcpSocket'])
        expect(rule('probe-host').expression).toContain(`has(c.${h}.${k}.host) && c.${h}.${k}.host != ''`);
    }
    expect(TENANT_POD_VARIABLES.find((v) => v.name === 'containers')!.expression).toBe(
      'object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])',
    );
  });

  it('answers Forbidden with a message that names the field and the fix', () => {
    expect(policy.spec.validations).toEqual(
      TENANT_POD_RULES.map((r) => ({ expression: r.expression, message: r.message, reason: 'Forbidden' })),
    );
    const fields = {
      tolerations: 'spec.tolerations',
      'node-selector': 'spec.nodeSelector["node-role"]',
      'node-affinity': 'spec.affinity.nodeAffinity',
      'node-name': 'spec.nodeName',
      'probe-host': 'httpGet.host or tcpSocket.host',
    };
    for (const r of TENANT_POD_RULES) {
      expect(r.message, r.id).toContain(fields[r.id]);
      expect(r.message, r.id).toMatch(/^Pods in tenant namespaces may .*\. Fix: /);
    }
  });

  it('is bound with Deny to the same tenant namespaces, under another name when asked', () => {
    expect(binding.spec).toEqual({
      policyName: 'tenant-pod-restrictions',
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'platform.agentic.io/tenant': 'true' } } },
    });
    const renamed = synth((c) => new TenantPodPolicy(c, 'P', { name: 'x' }));
    expect(renamed.map((o) => o.metadata.name)).toEqual(['x', 'x']);
    expect(only(renamed, 'ValidatingAdmissionPolicyBinding').spec.policyName).toBe('x');
  });
});
