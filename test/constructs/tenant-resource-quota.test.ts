import { describe, expect, it } from 'vitest';
import { TenantResourceQuota } from '../../charts/constructs/tenant-resource-quota';
import { TenantChart } from '../../charts/tenant-chart';
import { only, sampleEnvironment, sampleTenant, synth, synthChart } from '../helpers';

const hard = {
  'requests.cpu': '500m',
  'requests.memory': '32Gi',
  'limits.cpu': '16',
  pods: '50',
  'services.nodeports': '0',
};

function quota(props: { hard?: Record<string, string>; name?: string; namespace?: string } = {}) {
  return only(
    synth(
      (c) =>
        new TenantResourceQuota(c, 'Quota', {
          tenant: 'alpha',
          namespace: props.namespace ?? 'tenant-alpha',
          hard: props.hard ?? hard,
          name: props.name,
        }),
    ),
    'ResourceQuota',
  );
}

describe('TenantResourceQuota', () => {
  it('emits a v1 ResourceQuota in the given namespace', () => {
    const q = quota({ namespace: 'tenant-other' });
    expect(q.apiVersion).toBe('v1');
    expect(q.metadata.namespace).toBe('tenant-other');
  });

  it('is named tenant-quota by default and honours a custom name', () => {
    expect(quota().metadata.name).toBe('tenant-quota');
    expect(quota({ name: 'custom' }).metadata.name).toBe('custom');
  });

  it('passes every hard limit through unchanged, as a string quantity', () => {
    const spec = quota().spec.hard;
    expect(spec).toEqual(hard);
    for (const v of Object.values(spec)) expect(typeof v).toBe('string');
  });

  it('adds no keys beyond those given', () => {
    expect(Object.keys(quota({ hard: { pods: '3' } }).spec.hard)).toEqual(['pods']);
  });

  it('keeps a zero limit (no node ports) instead of dropping it', () => {
    expect(quota({ hard: { 'services.nodeports': '0' } }).spec.hard['services.nodeports']).toBe('0');
  });

  it('carries the tenant-name label', () => {
    expect(quota().metadata.labels['platform.agentic.io/tenant-name']).toBe('alpha');
  });

  it("in TenantChart, the emitted quota equals the tenant's resolved quota", () => {
    const tenant = sampleTenant('beta');
    const q = only(
      synthChart((app) => new TenantChart(app, 'beta', { tenant, environment: sampleEnvironment() })),
      'ResourceQuota',
    );
    expect(q.metadata.namespace).toBe('tenant-beta');
    expect(q.spec.hard).toEqual(tenant.quota);
  });
});
