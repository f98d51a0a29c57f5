import { describe, expect, it } from 'vitest';
import { TenantLimitRange, type TenantLimitRangeProps } from '../../charts/constructs/tenant-limit-range';
import { only, synth } from '../helpers';

const base: TenantLimitRangeProps = {
  tenant: 'alpha',
  namespace: 'tenant-alpha',
  default: { cpu: '200m', memory: '256Mi' },
  defaultRequest: { cpu: '50m', memory: '64Mi' },
};

function limitRange(props: Partial<TenantLimitRangeProps> = {}) {
  return only(
    synth((c) => new TenantLimitRange(c, 'Limits', { ...base, ...props })),
    'LimitRange',
  );
}

describe('TenantLimitRange', () => {
  it('emits a v1 LimitRange named default-limits in the given namespace', () => {
    const lr = limitRange({ namespace: 'tenant-zeta' });
    expect(lr.apiVersion).toBe('v1');
    expect(lr.metadata.name).toBe('default-limits');
    expect(lr.metadata.namespace).toBe('tenant-zeta');
    expect(lr.metadata.labels['platform.agentic.io/tenant-name']).toBe('alpha');
  });

  it('has exactly one Container limit', () => {
    const limits = limitRange().spec.limits;
    expect(limits).toHaveLength(1);
    expect(limits[0].type).toBe('Container');
  });

  it('passes default and defaultRequest through as string quantities', () => {
    const [limit] = limitRange().spec.limits;
    expect(limit.default).toEqual({ cpu: '200m', memory: '256Mi' });
    expect(limit.defaultRequest).toEqual({ cpu: '50m', memory: '64Mi' });
  });

  it('omits max when none is given', () => {
    expect(limitRange().spec.limits[0]).not.toHaveProperty('max');
  });

  it('omits max when every max value is undefined', () => {
    expect(limitRange({ max: { cpu: undefined, memory: undefined } }).spec.limits[0]).not.toHaveProperty('max');
  });

  it('emits max with exactly the given keys', () => {
    expect(limitRange({ max: { cpu: '4', memory: '8Gi' } }).spec.limits[0].max).toEqual({ cpu: '4', memory: '8Gi' });
    expect(limitRange({ max: { memory: '8Gi' } }).spec.limits[0].max).toEqual({ memory: '8Gi' });
  });

  it('drops an unset resource rather than emitting an empty quantity', () => {
    const [limit] = limitRange({ default: { cpu: '1' } }).spec.limits;
    expect(limit.default).toEqual({ cpu: '1' });
  });
});
