import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { DefaultStorageClass } from './constructs/default-storage-class';

/** Cluster storage (dist/<env>/platform/storage/): the default StorageClass gp3. */
export class StorageChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new DefaultStorageClass(this, 'Gp3');
  }
}
