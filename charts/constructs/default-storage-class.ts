import { Construct } from 'constructs';
import { KubeStorageClass } from '../../imports/k8s';
import { ANNOTATIONS } from '../lib/constants';
import { platformLabels } from '../lib/labels';

/** The CSI driver of Amazon EBS volumes (the aws-ebs-csi-driver EKS addon). */
export const EBS_CSI_PROVISIONER = 'ebs.csi.aws.com';

export interface DefaultStorageClassProps {
  /** @default 'gp3' */
  readonly name?: string;
  /**
   * Whether claims without a storageClassName get this class.
   * @default true
   */
  readonly isDefault?: boolean;
}

/**
 * The cluster's default StorageClass: encrypted gp3 EBS volumes, created in the zone of the pod
 * that first uses them (WaitForFirstConsumer, so a volume never lands in a zone its pod cannot
 * reach), expandable, deleted with their claim. Databases with data worth keeping live in RDS
 * and ElastiCache, not on these volumes.
 */
export class DefaultStorageClass extends Construct {
  public readonly resource: KubeStorageClass;

  constructor(scope: Construct, id: string, props: DefaultStorageClassProps = {}) {
    super(scope, id);
    this.resource = new KubeStorageClass(this, 'Resource', {
      metadata: {
        name: props.name ?? 'gp3',
        labels: platformLabels('storage'),
        annotations: { [ANNOTATIONS.defaultStorageClass]: String(props.isDefault ?? true) },
      },
      provisioner: EBS_CSI_PROVISIONER,
      parameters: { type: 'gp3', encrypted: 'true' },
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      reclaimPolicy: 'Delete',
    });
  }
}
