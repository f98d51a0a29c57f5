import { describe, expect, it } from 'vitest';
import { TenantRoleBinding, type TenantRoleBindingProps } from '../../charts/constructs/tenant-role-binding';
import { TenantChart } from '../../charts/tenant-chart';
import { ofKind, only, sampleEnvironment, sampleTenant, synth, synthChart } from '../helpers';

const NS = 'tenant-alpha';
const base: TenantRoleBindingProps = {
  tenant: 'alpha',
  namespace: NS,
  subjects: [{ kind: 'Group', name: 'tenant-alpha-developers' }],
};

function binding(props: Partial<TenantRoleBindingProps> = {}) {
  return only(
    synth((c) => new TenantRoleBinding(c, 'Developers', { ...base, ...props })),
    'RoleBinding',
  );
}

describe('TenantRoleBinding', () => {
  it('emits a namespaced RoleBinding and never a ClusterRoleBinding', () => {
    const objects = synth((c) => new TenantRoleBinding(c, 'Developers', base));
    expect(objects.map((o) => o.kind)).toEqual(['RoleBinding']);
    expect(objects[0].apiVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(objects[0].metadata.namespace).toBe(NS);
    expect(objects[0].metadata.name).toBe('tenant-agent-developer-binding');
  });

  it('refers to the ClusterRole tenant-agent-developer', () => {
    expect(binding().roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'tenant-agent-developer',
    });
  });

  it('gives Group and User subjects the RBAC apiGroup and no namespace', () => {
    const subjects = binding({
      subjects: [
        { kind: 'Group', name: 'devs' },
        { kind: 'User', name: 'lead@example.com' },
      ],
    }).subjects;
    expect(subjects).toEqual([
      { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'User', name: 'lead@example.com', apiGroup: 'rbac.authorization.k8s.io' },
    ]);
  });

  it("keeps a ServiceAccount subject in the tenant's own namespace, without apiGroup", () => {
    const [sa] = binding({ subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: NS }] }).subjects;
    expect(sa).toEqual({ kind: 'ServiceAccount', name: 'ci', namespace: NS });
  });

  it('throws when subjects is empty', () => {
    expect(() => synth((c) => new TenantRoleBinding(c, 'Developers', { ...base, subjects: [] }))).toThrow(
      new Error(
        'TenantRoleBinding alpha: subjects is empty; a binding needs at least one subject (the tenant developers group)',
      ),
    );
  });

  it('throws when a ServiceAccount subject belongs to another namespace', () => {
    const props = {
      ...base,
      subjects: [...base.subjects, { kind: 'ServiceAccount' as const, name: 'ci', namespace: 'tenant-beta' }],
    };
    expect(() => synth((c) => new TenantRoleBinding(c, 'Developers', props))).toThrow(
      new Error(
        'TenantRoleBinding alpha: subject ServiceAccount ci has namespace "tenant-beta"; service accounts must belong to tenant-alpha',
      ),
    );
  });

  it('throws when a ServiceAccount subject has no namespace', () => {
    const props = { ...base, subjects: [{ kind: 'ServiceAccount' as const, name: 'ci' }] };
    expect(() => synth((c) => new TenantRoleBinding(c, 'Developers', props))).toThrow(
      new Error(
        'TenantRoleBinding alpha: subject ServiceAccount ci has namespace undefined; service accounts must belong to tenant-alpha',
      ),
    );
  });

  it('in TenantChart, binds the developers group first and emits no cluster-wide binding', () => {
    const tenant = sampleTenant('alpha', {
      subjects: [
        { kind: 'Group', name: 'tenant-alpha-developers' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'tenant-alpha' },
      ],
    });
    const objects = synthChart((app) => new TenantChart(app, 'alpha', { tenant, environment: sampleEnvironment() }));
    expect(ofKind(objects, 'ClusterRoleBinding')).toEqual([]);
    expect(ofKind(objects, 'ClusterRole')).toEqual([]);
    const rb = only(objects, 'RoleBinding');
    expect(rb.metadata.namespace).toBe('tenant-alpha');
    expect(rb.subjects[0]).toEqual({
      kind: 'Group',
      name: 'tenant-alpha-developers',
      apiGroup: 'rbac.authorization.k8s.io',
    });
    expect(rb.subjects[1]).toEqual({ kind: 'ServiceAccount', name: 'ci', namespace: 'tenant-alpha' });
  });
});
