import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { DefaultStorageClass } from '../../charts/constructs/default-storage-class';
import { AWS_TAGS } from '../../charts/lib/constants';
import { only, synth } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');

describe('DefaultStorageClass', () => {
  const sc = only(
    synth((c) => new DefaultStorageClass(c, 'Gp3', { environment: 'dev' })),
    'StorageClass',
  );

  it('is the cluster default: encrypted gp3 EBS volumes through the EBS CSI driver, tagged for AWS Backup', () => {
    expect(sc.apiVersion).toBe('storage.k8s.io/v1');
    expect(sc.metadata.name).toBe('gp3');
    expect(sc.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    expect(sc.provisioner).toBe('ebs.csi.aws.com');
    // kubernetes-sigs/aws-ebs-csi-driver docs/tagging.md: a parameter with the prefix
    // tagSpecification holds a key=value tag for every volume the driver creates.
    expect(sc.parameters).toEqual({
      type: 'gp3',
      encrypted: 'true',
      tagSpecification_1: 'platform.agentic.io/backup=dev',
    });
  });

  it('binds in the zone of the first consumer, can grow, and is deleted with its claim unless told to retain', () => {
    expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
    expect(sc.allowVolumeExpansion).toBe(true);
    expect(sc.reclaimPolicy).toBe('Delete');
    expect(
      only(
        synth((c) => new DefaultStorageClass(c, 'R', { environment: 'prod', reclaimPolicy: 'Retain' })),
        'StorageClass',
      ).reclaimPolicy,
    ).toBe('Retain');
  });

  it('production keeps its volumes when their claims go; dev deletes them', () => {
    const read = (env: string) =>
      load(
        fs.readFileSync(path.join(ROOT, 'dist', env, 'platform', 'storage', 'storageclass-gp3.yaml'), 'utf8'),
      ) as any;
    expect(read('prod').reclaimPolicy).toBe('Retain');
    expect(read('dev').reclaimPolicy).toBe('Delete');
    expect(read('prod').parameters.tagSpecification_1).toBe(`${AWS_TAGS.volumeBackup}=prod`);
  });

  it('can be a non-default class under another name', () => {
    const other = only(
      synth((c) => new DefaultStorageClass(c, 'X', { name: 'gp3-extra', isDefault: false, environment: 'dev' })),
      'StorageClass',
    );
    expect(other.metadata.name).toBe('gp3-extra');
    expect(other.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'false' });
  });
});
