import type { Construct } from 'constructs';
import {
  KubeValidatingAdmissionPolicy,
  KubeValidatingAdmissionPolicyBinding,
  type Validation,
  type Variable,
} from '../../imports/k8s';
import { LABELS } from '../lib/constants';
import { platformLabels } from '../lib/labels';

export interface TenantAdmissionPolicyInput {
  readonly name: string;
  /** The core (v1) resource the policy judges on CREATE and UPDATE, such as `pods`. */
  readonly resource: string;
  readonly variables?: readonly Variable[];
  readonly validations: readonly Validation[];
}

/**
 * A ValidatingAdmissionPolicy on one core resource in tenant namespaces, failing closed, as the
 * child `Resource` of `scope`, and its binding with Deny to the same namespaces as `Binding`.
 */
export function tenantAdmissionPolicy(
  scope: Construct,
  input: TenantAdmissionPolicyInput,
): KubeValidatingAdmissionPolicy {
  const labels = platformLabels('tenancy');
  const tenantNamespaces = { matchLabels: { [LABELS.tenant]: 'true' } };
  const policy = new KubeValidatingAdmissionPolicy(scope, 'Resource', {
    metadata: { name: input.name, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: tenantNamespaces,
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: [input.resource] },
        ],
      },
      ...(input.variables ? { variables: input.variables.map((v) => ({ ...v })) } : {}),
      validations: input.validations.map((v) => ({ ...v })),
    },
  });
  new KubeValidatingAdmissionPolicyBinding(scope, 'Binding', {
    metadata: { name: input.name, labels },
    spec: {
      policyName: input.name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: tenantNamespaces },
    },
  });
  return policy;
}
