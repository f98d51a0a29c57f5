import { describe, expect, it } from 'vitest';
import { DefaultStorageClass } from '../../charts/constructs/default-storage-class';
import { only, synth } from '../helpers';

describe('DefaultStorageClass', () => {
  const sc = only(synth((c) => new DefaultStorageClass(c, 'Gp3')), 'StorageClass');

  it('is the cluster default: encrypted gp3 EBS volumes through the EBS CSI driver', () => {
    expect(sc.apiVersion).toBe('storage.k8s.io/v1');
    expect(sc.metadata.name).toBe('gp3');
    expect(sc.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    expect(sc.provisioner).toBe('ebs.csi.aws.com');
    expect(sc.parameters).toEqual({ type: 'gp3', encrypted: 'true' });
  });

  it('binds in the zone of the first consumer, can grow, and is deleted with its claim', () => {
    expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
    expect(sc.allowVolumeExpansion).toBe(true);
    expect(sc.reclaimPolicy).toBe('Delete');
  });

  it('can be a non-default class under another name', () => {
    const other = only(synth((c) => new DefaultStorageClass(c, 'X', { name: 'gp3-extra', isDefault: false })), 'StorageClass');
    expect(other.metadata.name).toBe('gp3-extra');
    expect(other.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'false' });
  });
});
