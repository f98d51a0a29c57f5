/**
 * What Argo CD would sync from each tenant folder, by the projects the generator emits: every
 * generated file passes its own Application's project, and hand edits that reach beyond the
 * tenant are refused by every project that syncs the folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { existingFiles } from '../../charts/synth/write';
import { destinationPermitted, type ProjectSpec, projectPermits } from './project-permits';

const ROOT = path.resolve(__dirname, '..', '..');
const SERVER = 'https://kubernetes.default.svc';
const read = (f: string) => parse(fs.readFileSync(path.join(ROOT, f), 'utf8'));
const project = (env: string, name: string): ProjectSpec => read(`argocd/${env}/projects/appproject-${name}.yaml`).spec;

const ALPHA = (env: string) => ({
  namespace: project(env, 'namespace-alpha'),
  guardrails: project(env, 'guardrails-alpha'),
  workloads: project(env, 'tenant-alpha'),
});
const obj = (apiVersion: string, kind: string, name: string, namespace?: string) => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe('Argo CD projects of a tenant folder', () => {
  for (const env of ['dev', 'prod']) {
    it(`${env}: every generated tenant file is permitted by the project of the Application that syncs it`, () => {
      const files = existingFiles(ROOT, ['dist']).filter(
        (f) => f.startsWith(`dist/${env}/tenants/`) && f.endsWith('.yaml'),
      );
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const tenant = f.split('/')[3];
        const isNamespace = path.basename(f).startsWith('namespace-');
        // <tenant>/workloads/ is synced by workloads-<tenant> in the tenant's own project.
        const isWorkload = f.split('/')[4] === 'workloads';
        const p = project(
          env,
          isNamespace ? `namespace-${tenant}` : isWorkload ? `tenant-${tenant}` : `guardrails-${tenant}`,
        );
        const appNamespace = isNamespace ? '' : `tenant-${tenant}`;
        expect(
          destinationPermitted(p.destinations ?? [], SERVER, appNamespace),
          `${f}: the Application's own destination`,
        ).toBe(true);
        expect(projectPermits(p, SERVER, appNamespace, read(f)), f).toBe(true);
      }
    });
  }

  const p = ALPHA('dev');
  const all = [
    ['namespace', p.namespace, ''],
    ['guardrails', p.guardrails, 'tenant-alpha'],
    ['workloads', p.workloads, 'tenant-alpha'],
  ] as const;

  const refused: [string, ReturnType<typeof obj>][] = [
    ["another tenant's Namespace", obj('v1', 'Namespace', 'tenant-beta')],
    ['a new tenant-* Namespace', obj('v1', 'Namespace', 'tenant-evil')],
    ['a platform Namespace', obj('v1', 'Namespace', 'kagent-system')],
    [
      "a NetworkPolicy in another tenant's namespace",
      obj('networking.k8s.io/v1', 'NetworkPolicy', 'allow-all', 'tenant-beta'),
    ],
    [
      "a RoleBinding in another tenant's namespace",
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'x', 'tenant-beta'),
    ],
    ['a ClusterRoleBinding', obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'x')],
    ['a Deployment in a platform namespace', obj('apps/v1', 'Deployment', 'x', 'kagent-system')],
    ["a Secret in another tenant's namespace", obj('v1', 'Secret', 'x', 'tenant-beta')],
  ];
  for (const [what, o] of refused) {
    it(`refuses ${what} in every project that syncs alpha's folder`, () => {
      for (const [name, spec, ns] of all) expect(projectPermits(spec, SERVER, ns, o), name).toBe(false);
    });
  }

  it('lets the tenant workloads project deploy only what its developers may manage, in its own namespace', () => {
    expect(projectPermits(p.workloads, SERVER, 'tenant-alpha', obj('kagent.dev/v1alpha2', 'Agent', 'a'))).toBe(true);
    expect(projectPermits(p.workloads, SERVER, 'tenant-alpha', obj('v1', 'Secret', 's', 'tenant-alpha'))).toBe(true);
    for (const [apiVersion, kind] of [
      ['apps/v1', 'Deployment'],
      ['networking.k8s.io/v1', 'Ingress'],
      ['external-secrets.io/v1', 'ExternalSecret'],
      ['monitoring.coreos.com/v1', 'ServiceMonitor'],
      ['v1', 'ResourceQuota'],
      ['v1', 'LimitRange'],
      ['networking.k8s.io/v1', 'NetworkPolicy'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
      ['rbac.authorization.k8s.io/v1', 'Role'],
      ['security.istio.io/v1', 'AuthorizationPolicy'],
      ['gateway.networking.k8s.io/v1', 'Gateway'],
      ['agentgateway.dev/v1alpha1', 'AgentgatewayPolicy'],
      ['argoproj.io/v1alpha1', 'Application'],
    ]) {
      expect(projectPermits(p.workloads, SERVER, 'tenant-alpha', obj(apiVersion, kind, 'x')), kind).toBe(false);
    }
  });

  it('lets the guardrails project deploy only the isolation kinds and the platform defaults', () => {
    expect(
      projectPermits(p.guardrails, SERVER, 'tenant-alpha', obj('networking.k8s.io/v1', 'NetworkPolicy', 'x')),
    ).toBe(true);
    // The default ModelConfig and its placeholder Secret: kinds the tenant's developers manage anyway.
    expect(projectPermits(p.guardrails, SERVER, 'tenant-alpha', obj('kagent.dev/v1alpha2', 'ModelConfig', 'x'))).toBe(
      true,
    );
    expect(projectPermits(p.guardrails, SERVER, 'tenant-alpha', obj('v1', 'Secret', 'x'))).toBe(true);
    expect(projectPermits(p.guardrails, SERVER, 'tenant-beta', obj('v1', 'Secret', 'x'))).toBe(false);
    expect(projectPermits(p.guardrails, SERVER, 'tenant-alpha', obj('apps/v1', 'Deployment', 'x'))).toBe(false);
    expect(projectPermits(p.guardrails, SERVER, 'tenant-alpha', obj('rbac.authorization.k8s.io/v1', 'Role', 'x'))).toBe(
      false,
    );
  });

  it('keeps the platform project out of every tenant namespace', () => {
    const platform = project('dev', 'platform');
    expect(destinationPermitted(platform.destinations ?? [], SERVER, 'kagent-system')).toBe(true);
    expect(destinationPermitted(platform.destinations ?? [], SERVER, 'tenant-alpha')).toBe(false);
    expect(projectPermits(platform, SERVER, 'kagent-system', obj('v1', 'Namespace', 'tenant-alpha'))).toBe(false);
    expect(projectPermits(platform, SERVER, 'kagent-system', obj('v1', 'Namespace', 'kagent-system'))).toBe(true);
  });
});
