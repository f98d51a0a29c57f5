import { describe, expect, it } from 'vitest';
import { GUARDRAIL_KINDS } from '../../charts/argocd/generate';
import { TenantDeveloperClusterRole } from '../../charts/constructs/tenant-developer-cluster-role';
import { Chart } from 'cdk8s';
import { tenancy } from '../../charts/platform/components/cluster';
import { type K8sObject, only, synth, synthChart } from '../helpers';

const role = only(
  synth((c) => new TenantDeveloperClusterRole(c, 'DeveloperRole')),
  'ClusterRole',
);
const rules = role.rules as {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}[];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** The API resource of every guardrail kind, as the API server names it. */
const RESOURCE: Record<string, string> = {
  ResourceQuota: 'resourcequotas',
  LimitRange: 'limitranges',
  RoleBinding: 'rolebindings',
  NetworkPolicy: 'networkpolicies',
  AuthorizationPolicy: 'authorizationpolicies',
  Gateway: 'gateways',
  AgentgatewayPolicy: 'agentgatewaypolicies',
  HTTPRoute: 'httproutes',
  SecretStore: 'secretstores',
  ExternalSecret: 'externalsecrets',
  PrometheusRule: 'prometheusrules',
  AlertmanagerConfig: 'alertmanagerconfigs',
};
const plural = (kind: string) => {
  const resource = RESOURCE[kind];
  if (!resource) throw new Error(`no resource name for guardrail kind ${kind}: add it to RESOURCE`);
  return resource;
};
const grants = (group: string, resource: string) =>
  rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource));

describe('TenantDeveloperClusterRole', () => {
  it('is an rbac.authorization.k8s.io/v1 ClusterRole named tenant-agent-developer', () => {
    expect(role.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(role.metadata.name).toBe('tenant-agent-developer');
    expect(role.metadata.namespace).toBeUndefined();
  });

  it('is labelled platform.agentic.io/role=tenant', () => {
    expect(role.metadata.labels['platform.agentic.io/role']).toBe('tenant');
  });

  it('is not an aggregated role and grants no non-resource URLs', () => {
    expect(role).not.toHaveProperty('aggregationRule');
    for (const r of rules) expect(r.nonResourceURLs ?? []).toEqual([]);
  });

  it('uses no wildcard verb, resource or apiGroup', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      for (const v of [...r.verbs, ...r.resources, ...r.apiGroups, ...(r.resourceNames ?? [])])
        expect(v).not.toContain('*');
    }
  });

  it('grants no verb that can escalate privileges', () => {
    const verbs = new Set(rules.flatMap((r) => r.verbs));
    for (const v of ['bind', 'escalate', 'impersonate']) expect(verbs.has(v), v).toBe(false);
  });

  it('grants nothing in the RBAC API group', () => {
    for (const r of rules) expect(r.apiGroups).not.toContain('rbac.authorization.k8s.io');
  });

  it('grants no access to the platform-owned isolation resources', () => {
    const resources = new Set(rules.flatMap((r) => r.resources));
    for (const res of [
      'resourcequotas',
      'limitranges',
      'networkpolicies',
      'authorizationpolicies',
      'roles',
      'rolebindings',
      'agentgatewaypolicies',
      'gateways',
    ]) {
      expect(resources.has(res), res).toBe(false);
    }
  });

  it('cannot write any guardrail kind Argo CD deploys into the tenant namespace', () => {
    for (const { group, kind } of GUARDRAIL_KINDS) {
      for (const r of grants(group, plural(kind))) {
        for (const v of WRITE) expect(r.verbs, `${kind} ${v}`).not.toContain(v);
      }
    }
  });

  it('would catch a rule that grants a guardrail kind (the check above can fail)', () => {
    const bad = [
      ...rules,
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'update'] },
    ];
    const granted = GUARDRAIL_KINDS.filter(({ group, kind }) =>
      bad.some(
        (r) => r.apiGroups!.includes(group) && r.resources!.includes(plural(kind)) && r.verbs.includes('update'),
      ),
    );
    expect(granted.map((k) => k.kind)).toEqual(['NetworkPolicy']);
  });

  it('grants no pods/exec, pods/attach or pods/portforward', () => {
    const resources = rules.flatMap((r) => r.resources);
    for (const sub of ['pods/exec', 'pods/attach', 'pods/portforward']) expect(resources).not.toContain(sub);
  });

  it('keeps pods and deployments read-only', () => {
    for (const [group, res] of [
      ['', 'pods'],
      ['', 'pods/log'],
      ['apps', 'deployments'],
    ]) {
      const found = grants(group, res);
      expect(found.length, res).toBeGreaterThan(0);
      for (const r of found) for (const v of WRITE) expect(r.verbs).not.toContain(v);
    }
  });

  it('grants nothing cluster-scoped that a RoleBinding could not confine', () => {
    const resources = new Set(rules.flatMap((r) => r.resources));
    for (const res of [
      'namespaces',
      'nodes',
      'persistentvolumes',
      'customresourcedefinitions',
      'clusterroles',
      'clusterrolebindings',
    ]) {
      expect(resources.has(res), res).toBe(false);
    }
  });

  it('manages mcpservers in the kagent.dev group (not kmcp.kagent.dev)', () => {
    const mcp = grants('kagent.dev', 'mcpservers');
    expect(mcp).toHaveLength(1);
    expect(mcp[0].verbs).toEqual(expect.arrayContaining(['create', 'update', 'delete']));
    for (const r of rules) expect(r.apiGroups).not.toContain('kmcp.kagent.dev');
  });

  it('the tenancy component emits this role and no RBAC binding', () => {
    const objects = synthChart((app) => {
      const chart = new Chart(app, 'tenancy');
      tenancy.manifests!(chart, undefined as never);
      return chart;
    });
    const rbac = objects.filter((o: K8sObject) => o.apiVersion.startsWith('rbac.authorization.k8s.io/'));
    expect(rbac.map((o: K8sObject) => o.kind)).toEqual(['ClusterRole']);
    expect(rbac[0].metadata.name).toBe('tenant-agent-developer');
  });
});
