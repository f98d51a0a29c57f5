import { Construct } from 'constructs';
import { KubeStorageClass } from '../../imports/k8s';
import { ANNOTATIONS, AWS_TAGS } from '../lib/constants';
import { platformLabels } from '../lib/labels';

/** The CSI driver of Amazon EBS volumes (the aws-ebs-csi-driver EKS addon). */
export const EBS_CSI_PROVISIONER = 'ebs.csi.aws.com';

export interface DefaultStorageClassProps {
  /** @default 'gp3' */
  readonly name?: string;
  /** The environment: the value of AWS_TAGS.volumeBackup on every volume (AWS Backup selects by it). */
  readonly environment: string;
  /**
   * Delete: a volume goes with its claim; Retain: it stays.
   * @default 'Delete'
   */
  readonly reclaimPolicy?: 'Delete' | 'Retain';
  /**
   * Whether claims without a storageClassName get this class.
   * @default true
   */
  readonly isDefault?: boolean;
}

/**
 * The cluster's default StorageClass: encrypted gp3 EBS volumes, created in the zone of the pod
 * that first uses them (WaitForFirstConsumer, so a volume never lands in a zone its pod cannot
 * reach), expandable, kept or deleted with their claim as the environment says. Every volume is
 * tagged for AWS Backup (ClickHouse keeps Langfuse's traces on these volumes): the EBS CSI driver
 * puts the value of each tagSpecification_<n> parameter on the volumes it creates
 * (kubernetes-sigs/aws-ebs-csi-driver docs/tagging.md).
 */
export class DefaultStorageClass extends Construct {
  public readonly resource: KubeStorageClass;

  constructor(scope: Construct, id: string, props: DefaultStorageClassProps) {
    super(scope, id);
    this.resource = new KubeStorageClass(this, 'Resource', {
      metadata: {
        name: props.name ?? 'gp3',
        labels: platformLabels('storage'),
        annotations: { [ANNOTATIONS.defaultStorageClass]: String(props.isDefault ?? true) },
      },
      provisioner: EBS_CSI_PROVISIONER,
      parameters: {
        type: 'gp3',
        encrypted: 'true',
        tagSpecification_1: `${AWS_TAGS.volumeBackup}=${props.environment}`,
      },
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      reclaimPolicy: props.reclaimPolicy ?? 'Delete',
    });
  }
}
