import { Construct } from 'constructs';
import type { KubeValidatingAdmissionPolicy } from '../../imports/k8s';
import { tenantAdmissionPolicy } from './tenant-admission-policy';

export interface TenantServicePolicyProps {
  /** @default 'tenant-service-restrictions' */
  readonly name?: string;
}

/** The CEL rules, each with the message the API server returns when it fails. */
export const TENANT_SERVICE_RULES = [
  {
    expression: '!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0',
    message:
      'Services in tenant namespaces may not set spec.externalIPs (it lets one workload intercept traffic meant for others, CVE-2020-8554); expose through the central gateway instead',
  },
] as const;

/**
 * Admission rules for Services in tenant namespaces. Tenant developers may create Services, and
 * RBAC cannot restrict their fields; this ValidatingAdmissionPolicy (API server built-in, no
 * webhook) refuses the fields that would reach beyond the tenant. Node ports and load balancers
 * are held at zero by the tenant ResourceQuota.
 */
export class TenantServicePolicy extends Construct {
  public readonly resource: KubeValidatingAdmissionPolicy;

  constructor(scope: Construct, id: string, props: TenantServicePolicyProps = {}) {
    super(scope, id);
    this.resource = tenantAdmissionPolicy(this, {
      name: props.name ?? 'tenant-service-restrictions',
      resource: 'services',
      validations: TENANT_SERVICE_RULES.map((r) => ({ expression: r.expression, message: r.message })),
    });
  }
}
