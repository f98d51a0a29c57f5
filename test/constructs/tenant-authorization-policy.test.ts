import { describe, expect, it } from 'vitest';
import {
  namespacePrincipal,
  TenantAuthorizationPolicy,
  type TenantAuthorizationPolicyProps,
} from '../../charts/constructs/tenant-authorization-policy';
import { TenantChart } from '../../charts/tenant-chart';
import { only, sampleEnvironment, sampleTenant, synth, synthChart } from '../helpers';

const TD = 'mesh.example.test';
const base: TenantAuthorizationPolicyProps = {
  tenant: 'alpha',
  namespace: 'tenant-alpha',
  allowedNamespaces: ['agentgateway-system', 'kagent-system'],
  trustDomain: TD,
};

function policy(props: Partial<TenantAuthorizationPolicyProps> = {}) {
  return only(
    synth((c) => new TenantAuthorizationPolicy(c, 'Mesh', { ...base, ...props })),
    'AuthorizationPolicy',
  );
}
const principals = (p: ReturnType<typeof policy>): string[] =>
  p.spec.rules.flatMap((r: { from: { source: { principals: string[] } }[] }) =>
    r.from.flatMap((f) => f.source.principals),
  );

describe('TenantAuthorizationPolicy', () => {
  it('emits a security.istio.io/v1 AuthorizationPolicy named tenant-isolation in the tenant namespace', () => {
    const p = policy();
    expect(p.apiVersion).toBe('security.istio.io/v1');
    expect(p.metadata.name).toBe('tenant-isolation');
    expect(p.metadata.namespace).toBe('tenant-alpha');
    expect(p.metadata.labels['platform.agentic.io/tenant-name']).toBe('alpha');
  });

  it('is an ALLOW policy', () => {
    expect(policy().spec.action).toBe('ALLOW');
  });

  it('has no selector or targetRefs, so it covers every workload of the namespace', () => {
    const spec = policy().spec;
    expect(spec).not.toHaveProperty('selector');
    expect(spec).not.toHaveProperty('targetRef');
    expect(spec).not.toHaveProperty('targetRefs');
  });

  it('allows exactly the own namespace and the allowed namespaces, by SPIFFE principal', () => {
    expect(principals(policy())).toEqual([
      `${TD}/ns/tenant-alpha/sa/*`,
      `${TD}/ns/agentgateway-system/sa/*`,
      `${TD}/ns/kagent-system/sa/*`,
    ]);
  });

  it('matches sources only (no operation or condition that could widen or narrow it unexpectedly)', () => {
    for (const rule of policy().spec.rules) {
      expect(Object.keys(rule)).toEqual(['from']);
      for (const f of rule.from) expect(Object.keys(f.source)).toEqual(['principals']);
    }
  });

  it('lists the own namespace once when it also appears in allowedNamespaces', () => {
    const list = principals(policy({ allowedNamespaces: ['tenant-alpha', 'kagent-system', 'tenant-alpha'] }));
    expect(list).toEqual([`${TD}/ns/tenant-alpha/sa/*`, `${TD}/ns/kagent-system/sa/*`]);
    expect(new Set(list).size).toBe(list.length);
  });

  it('still admits its own namespace when no other namespace is allowed', () => {
    expect(principals(policy({ allowedNamespaces: [] }))).toEqual([`${TD}/ns/tenant-alpha/sa/*`]);
  });

  it('namespacePrincipal builds <trustDomain>/ns/<ns>/sa/*', () => {
    expect(namespacePrincipal('cluster.local', 'tenant-x')).toBe('cluster.local/ns/tenant-x/sa/*');
  });

  it("in TenantChart, uses the environment's trust domain and admits no other tenant", () => {
    const env = sampleEnvironment({ cluster: { server: 'https://k.example.test', trustDomain: 'prod.example' } });
    const p = synthChart(
      (app) => new TenantChart(app, 'alpha', { tenant: sampleTenant('alpha'), environment: env }),
    ).find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'tenant-isolation')!;
    const list = principals(p);
    for (const pr of list) expect(pr.startsWith('prod.example/ns/')).toBe(true);
    const namespaces = list.map((pr) => pr.split('/')[2]);
    expect(namespaces[0]).toBe('tenant-alpha');
    expect(namespaces.filter((n) => n.startsWith('tenant-'))).toEqual(['tenant-alpha']);
    // The gateways, kagent's controller and Prometheus; nothing in istio-system calls tenant pods.
    expect(namespaces).toEqual(['tenant-alpha', 'agentgateway-system', 'kagent-system', 'monitoring']);
  });
});
