import { KubeStorageClass } from '../../../imports/k8s';
import { platformLabels } from '../../lib/labels';
import type { PlatformComponent } from '../component';
import { TenantDeveloperClusterRole } from '../../constructs/tenant-developer-cluster-role';
import { TenantServicePolicy } from '../../constructs/tenant-service-policy';

export const storage: PlatformComponent = {
  name: 'storage',
  component: 'storage',
  namespace: 'default',
  description: 'The default StorageClass gp3 (EBS CSI, encrypted, WaitForFirstConsumer, expandable).',
  dependsOn: [],
  manifests: (scope) => {
    new KubeStorageClass(scope, 'gp3', {
      metadata: { name: 'gp3', labels: platformLabels('storage'), annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      reclaimPolicy: 'Delete',
    });
  },
};

export const tenancy: PlatformComponent = {
  name: 'tenancy',
  component: 'tenancy',
  namespace: 'default',
  description: 'What tenant namespaces rely on: the tenant developer ClusterRole and the Service admission policy.',
  dependsOn: ['namespaces'],
  manifests: (scope) => {
    new TenantDeveloperClusterRole(scope, 'DeveloperRole');
    new TenantServicePolicy(scope, 'ServicePolicy');
  },
};
