import { DefaultStorageClass } from '../../constructs/default-storage-class';
import { CLUSTER_AUTOSCALER } from '../../lib/constants';
import { ClusterAutoscaler } from '../constructs/cluster-autoscaler';
import type { PlatformComponent } from '../component';
import { TenantDeveloperClusterRole } from '../../constructs/tenant-developer-cluster-role';
import { TenantPodPolicy } from '../../constructs/tenant-pod-policy';
import { TenantServicePolicy } from '../../constructs/tenant-service-policy';

export const storage: PlatformComponent = {
  name: 'storage',
  component: 'storage',
  namespace: 'default',
  description:
    'The default StorageClass gp3 (EBS CSI, encrypted, WaitForFirstConsumer, expandable, volumes tagged for AWS Backup).',
  dependsOn: [],
  manifests: (scope, ctx) => {
    new DefaultStorageClass(scope, 'gp3', {
      environment: ctx.env.name,
      reclaimPolicy: ctx.env.platform.volumeReclaimPolicy,
    });
  },
};

export const tenancy: PlatformComponent = {
  name: 'tenancy',
  component: 'tenancy',
  namespace: 'default',
  description:
    'What tenant namespaces rely on: the tenant developer ClusterRole and the Service and Pod admission policies.',
  dependsOn: ['namespaces'],
  manifests: (scope) => {
    new TenantDeveloperClusterRole(scope, 'DeveloperRole');
    new TenantServicePolicy(scope, 'ServicePolicy');
    new TenantPodPolicy(scope, 'PodPolicy');
  },
};

export const clusterAutoscaler: PlatformComponent = {
  name: 'cluster-autoscaler',
  component: 'cluster-autoscaler',
  namespace: CLUSTER_AUTOSCALER.namespace,
  description:
    'cluster-autoscaler: scales the managed node group of each group and zone between the sizes of charts/environments/<env>.yaml.',
  dependsOn: [],
  manifests: (scope, ctx) => {
    new ClusterAutoscaler(scope, 'Autoscaler', {
      clusterName: ctx.env.aws.clusterName,
      region: ctx.env.aws.region,
      accountId: ctx.infra.accountId,
      kubernetesVersion: ctx.env.kubernetesVersion,
    });
  },
};
