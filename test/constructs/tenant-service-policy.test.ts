import { describe, expect, it } from 'vitest';
import { TENANT_SERVICE_RULES, TenantServicePolicy } from '../../charts/constructs/tenant-service-policy';
import { only, synth } from '../helpers';

const objects = synth((c) => new TenantServicePolicy(c, 'ServicePolicy'));
const policy = only(objects, 'ValidatingAdmissionPolicy');
const binding = only(objects, 'ValidatingAdmissionPolicyBinding');

describe('TenantServicePolicy', () => {
  it('is an admissionregistration.k8s.io/v1 policy on Service create and update in tenant namespaces only', () => {
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.metadata.name).toBe('tenant-service-restrictions');
    expect(policy.metadata.namespace).toBeUndefined();
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.namespaceSelector).toEqual({
      matchLabels: { 'platform.agentic.io/tenant': 'true' },
    });
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'] },
    ]);
  });

  it('refuses externalIPs with a message that names the field and the way out', () => {
    expect(policy.spec.validations).toEqual(
      TENANT_SERVICE_RULES.map((r) => ({ expression: r.expression, message: r.message })),
    );
    expect(policy.spec.validations[0].expression).toBe(
      '!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0',
    );
    expect(policy.spec.validations[0].message).toContain('spec.externalIPs');
  });

  it('is bound with Deny to the same tenant namespaces', () => {
    expect(binding.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(binding.spec).toEqual({
      policyName: 'tenant-service-restrictions',
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'platform.agentic.io/tenant': 'true' } } },
    });
  });

  it('takes another name for both objects when asked', () => {
    const renamed = synth((c) => new TenantServicePolicy(c, 'P', { name: 'x' }));
    expect(renamed.map((o) => o.metadata.name)).toEqual(['x', 'x']);
    expect(only(renamed, 'ValidatingAdmissionPolicyBinding').spec.policyName).toBe('x');
  });
});
