import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { TenantDeveloperClusterRole } from './constructs/tenant-developer-cluster-role';
import { TenantServicePolicy } from './constructs/tenant-service-policy';

/** Platform-wide objects that tenant namespaces rely on (dist/<env>/platform/tenancy/). */
export class TenancyChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new TenantDeveloperClusterRole(this, 'DeveloperRole');
    new TenantServicePolicy(this, 'ServicePolicy');
  }
}
