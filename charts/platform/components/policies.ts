import { DIRS, PLATFORM_NAMESPACES } from '../../lib/constants';
import type { PlatformComponent } from '../component';
import { AppProtocolPolicy } from '../policies/appprotocol-policy';
import { AutoExposePolicy } from '../policies/auto-expose-policy';
import { KyvernoPermissions } from '../policies/kyverno-permissions';
import { POLICIES_COMPONENT } from '../policies/policy-parts';
import { policiesReadme } from '../policies/readme';
import { PlatformSchedulingPolicy } from '../policies/platform-scheduling-policy';
import { TenantBackendsPolicy } from '../policies/tenant-backends-policy';
import { TenantSchedulingPolicy } from '../policies/tenant-scheduling-policy';
import { TracepropPolicy } from '../policies/traceprop-policy';

/**
 * The platform's Kyverno ClusterPolicies and the ClusterRole Kyverno's background controller
 * needs for them. Kyverno must be running and the kinds the policies name must exist, or Kyverno
 * refuses the policies; the dependencies put the Application after them. It comes before
 * agentgateway and kagent, not with the post-install objects: the policies act on pods and Agents
 * as they are admitted, and kagent's chart cannot place its bundled PostgreSQL and built-in agents.
 */
export const policies: PlatformComponent = {
  name: DIRS.policies,
  component: POLICIES_COMPONENT,
  // Every object is cluster-scoped; the Application still names a destination namespace.
  namespace: PLATFORM_NAMESPACES.kyverno,
  description:
    'Kyverno ClusterPolicies: pod placement on node groups, routes for exposed agents and backends, trace propagation, A2A appProtocol, tenant backends kept in their namespace.',
  dependsOn: ['kyverno', 'gateway-api-crds', 'kagent-crds', 'agentgateway-crds'],
  manifests: (scope) => {
    new PlatformSchedulingPolicy(scope, 'PlatformScheduling');
    new TenantSchedulingPolicy(scope, 'TenantScheduling');
    new AutoExposePolicy(scope, 'AutoExpose');
    new TracepropPolicy(scope, 'Traceprop');
    new AppProtocolPolicy(scope, 'AppProtocol');
    new TenantBackendsPolicy(scope, 'TenantBackends');
    new KyvernoPermissions(scope, 'KyvernoPermissions');
  },
  readme: policiesReadme,
};
