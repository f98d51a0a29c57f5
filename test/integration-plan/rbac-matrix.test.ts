/** The tenant access matrix computed from tenants.yaml, without an API server. */
import { describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import {
  accessMatrix,
  CLUSTER_SCOPED,
  describeCheck,
  FOREIGN,
  identityOf,
  PLATFORM_OWNED,
  TENANT_MANAGED,
} from '../../scripts/integration/rbac-matrix';

const tenants = loadTenants(
  [
    'tenants:',
    '  - name: alpha',
    '  - name: beta',
    '    owners:',
    '      - kind: User',
    '        name: lead@example.com',
    '      - kind: ServiceAccount',
    '        name: ci',
    '',
  ].join('\n'),
);

describe('tenant access matrix', () => {
  const checks = accessMatrix(tenants);

  it('reviews every subject bound in tenants.yaml, as it authenticates', () => {
    expect([...new Set(checks.map((c) => `${c.subject}|${c.user}|${c.groups.join(',')}`))]).toEqual([
      'Group tenant-alpha-developers|member-of-tenant-alpha-developers|tenant-alpha-developers,system:authenticated',
      'Group tenant-beta-developers|member-of-tenant-beta-developers|tenant-beta-developers,system:authenticated',
      'User lead@example.com|lead@example.com|system:authenticated',
      'ServiceAccount ci|system:serviceaccount:tenant-beta:ci|system:serviceaccounts,system:serviceaccounts:tenant-beta,system:authenticated',
    ]);
    expect(identityOf({ kind: 'User', name: 'u' })).toEqual({ user: 'u', groups: ['system:authenticated'] });
  });

  it('expects access only to the managed kinds of the own namespace', () => {
    const allowed = checks.filter((c) => c.allowed);
    expect(allowed.every((c) => c.namespace === `tenant-${c.tenant}`)).toBe(true);
    expect(new Set(allowed.map((c) => `${c.resource.group}/${c.resource.resource}`))).toEqual(
      new Set(TENANT_MANAGED.map((r) => `${r.group}/${r.resource}`)),
    );
    expect(allowed.length).toBe(4 * TENANT_MANAGED.length * 7);
  });

  it("denies every kind in the other tenant's namespace and writes to platform-owned objects", () => {
    const alphaInBeta = checks.filter((c) => c.tenant === 'alpha' && c.namespace === 'tenant-beta');
    expect(alphaInBeta.length).toBe(FOREIGN.length * 7);
    expect(alphaInBeta.every((c) => !c.allowed)).toBe(true);
    const own = checks.filter(
      (c) => c.tenant === 'alpha' && c.rule === 'cannot modify platform-owned objects in its namespace',
    );
    expect(own.length).toBe(PLATFORM_OWNED.length * 5);
    expect(
      checks.filter(
        (c) => c.subject === 'Group tenant-alpha-developers' && c.namespace === undefined && c.verb === 'create',
      ).length,
    ).toBe(CLUSTER_SCOPED.length);
  });

  it('describes a check for failure messages', () => {
    const exec = checks.find(
      (c) => c.tenant === 'alpha' && c.resource.subresource === 'exec' && c.namespace === 'kagent-system',
    )!;
    expect(describeCheck(exec)).toBe('Group tenant-alpha-developers (tenant alpha) create pods/exec in kagent-system');
    const bind = checks.find((c) => c.verb === 'bind' && c.namespace === undefined)!;
    expect(describeCheck(bind)).toBe(
      'Group tenant-alpha-developers (tenant alpha) bind rbac.authorization.k8s.io/clusterroles cluster-wide',
    );
  });
});
