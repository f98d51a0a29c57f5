/**
 * Invariants over the whole committed dist/ and argocd/ (kept fresh by the drift check).
 */
import { DUMMY_API_KEY, DUMMY_API_KEY_FIELD } from '../charts/constructs/tenant-model-config';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { GUARDRAIL_KINDS, TENANT_DEFAULT_KINDS, TENANT_WORKLOAD_KINDS } from '../charts/argocd/generate';
import { loadTenants } from '../charts/config/load-tenants';
import {
  AUTO_EXPOSE_ROUTE_PREFIX,
  LABELS,
  PLATFORM_NAMESPACES,
  TENANT_CLUSTER_ROLE,
  TENANT_OBJECTS,
} from '../charts/lib/constants';
import { canonical, toYaml } from '../charts/lib/serialize';
import { existingFiles } from '../charts/synth/write';

const ROOT = path.resolve(__dirname, '..');
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  [k: string]: any;
};

const files = existingFiles(ROOT, ['dist', 'argocd']).filter((f) => f.endsWith('.yaml'));
const objects = new Map<string, Obj>(files.map((f) => [f, parse(fs.readFileSync(path.join(ROOT, f), 'utf8')) as Obj]));
const tenants = loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8')).map((t) => t.name);
const envs = fs
  .readdirSync(path.join(ROOT, 'dist'))
  .filter((d) => fs.statSync(path.join(ROOT, 'dist', d)).isDirectory());
const platformNamespaces = new Set<string>(Object.values(PLATFORM_NAMESPACES));

/** Every object of a tenant's folder, its workloads/ subfolder included. */
function tenantObjects(env: string, tenant: string): Obj[] {
  const prefix = `dist/${env}/tenants/${tenant}/`;
  return [...objects].filter(([f]) => f.startsWith(prefix)).map(([, o]) => o);
}

/** The objects of a tenant's own folder (guardrails Application) or of its workloads/ (workloads Application). */
function folderObjects(env: string, tenant: string, workloads: boolean): Obj[] {
  const prefix = `dist/${env}/tenants/${tenant}/${workloads ? 'workloads/' : ''}`;
  return [...objects].filter(([f]) => f.startsWith(prefix) && !f.slice(prefix.length).includes('/')).map(([, o]) => o);
}

/** Every namespace name a NetworkPolicy peer selects by name. */
function peerNamespaces(policy: Obj): string[] {
  const rules = [
    ...(policy.spec.ingress ?? []).flatMap((r: any) => r.from ?? []),
    ...(policy.spec.egress ?? []).flatMap((r: any) => r.to ?? []),
  ];
  return rules
    .filter((p: any) => p.namespaceSelector)
    .map((p: any) => p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name']);
}

describe('dist/ invariants', () => {
  it('covers at least dev and prod, and every tenant of tenants.yaml in each', () => {
    expect(envs).toEqual(expect.arrayContaining(['dev', 'prod']));
    for (const env of envs) {
      expect(
        fs
          .readdirSync(path.join(ROOT, 'dist', env, 'tenants'))
          .filter((d) => !d.endsWith('.md'))
          .sort(),
      ).toEqual([...tenants].sort());
    }
  });

  it('one resource per file, named <kind>-<name>.yaml, with sorted keys and one header', () => {
    for (const f of files) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      expect(parseAllDocuments(text).length, f).toBe(1);
      const o = objects.get(f)!;
      expect(path.basename(f), f).toBe(`${o.kind.toLowerCase()}-${o.metadata.name}.yaml`);
      expect(toYaml(canonical(o)), f).toBe(text);
    }
  });

  for (const env of envs) {
    for (const tenant of tenants) {
      describe(`${env}/${tenant}`, () => {
        const ns = `tenant-${tenant}`;
        const objs = tenantObjects(env, tenant);
        const of = (kind: string) => objs.filter((o) => o.kind === kind);

        it('has all five isolation layers', () => {
          const namespace = of('Namespace')[0];
          expect(namespace.metadata.name).toBe(ns);
          expect(namespace.metadata.labels).toMatchObject({
            'platform.agentic.io/tenant': 'true',
            'platform.agentic.io/tenant-name': tenant,
            'istio.io/dataplane-mode': 'ambient',
            'istio.io/use-waypoint': 'agentgateway-waypoint',
            'platform.agentic.io/gateway-discovery': 'true',
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          });
          expect(['baseline', 'restricted']).toContain(
            namespace.metadata.labels!['pod-security.kubernetes.io/enforce'],
          );
          expect(of('ResourceQuota')).toHaveLength(1);
          expect(of('LimitRange')).toHaveLength(1);
          expect(of('RoleBinding').map((b) => b.roleRef)).toEqual([
            { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: TENANT_CLUSTER_ROLE },
          ]);
          expect(
            of('NetworkPolicy').filter(
              (p) => JSON.stringify(p.spec) === JSON.stringify({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
            ),
          ).toHaveLength(1);
          const ztunnelPolicy = of('AuthorizationPolicy').find(
            (p) => p.metadata.name === TENANT_OBJECTS.authorizationPolicy,
          )!;
          expect(ztunnelPolicy.apiVersion).toBe('security.istio.io/v1');
          expect(ztunnelPolicy.spec.targetRefs).toBeUndefined();
          const gw = of('Gateway')[0];
          expect(gw.spec.gatewayClassName).toBe('agentgateway-waypoint');
          expect(gw.spec.listeners).toEqual([
            { name: 'mesh', port: 15008, protocol: 'HBONE', allowedRoutes: { namespaces: { from: 'Same' } } },
          ]);
          // Both environments run Istio's Envoy waypoint: its policy is an Istio AuthorizationPolicy bound by
          // targetRefs.
          const waypointPolicy = of('AuthorizationPolicy').find(
            (p) => p.metadata.name === TENANT_OBJECTS.waypointAuthorizationPolicy,
          )!;
          expect(waypointPolicy.spec.targetRefs).toEqual([
            { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gw.metadata.name },
          ]);
        });

        it('keeps every object in its own namespace', () => {
          for (const o of objs) {
            if (o.kind === 'Namespace') expect(o.metadata.name).toBe(ns);
            else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(ns);
            expect(o.metadata.labels?.['platform.agentic.io/tenant-name']).toBe(tenant);
          }
        });

        it('admits no other tenant at any layer', () => {
          for (const p of of('NetworkPolicy')) {
            for (const peer of peerNamespaces(p)) {
              expect(peer === ns || platformNamespaces.has(peer), `${p.metadata.name} selects ${peer}`).toBe(true);
            }
            const all = JSON.stringify(p.spec);
            expect(all, 'no namespaceSelector that matches every namespace').not.toContain('"namespaceSelector":{}');
          }
          const principals: string[] = of('AuthorizationPolicy').flatMap((p) =>
            p.spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals)),
          );
          expect(principals.length).toBeGreaterThan(0);
          for (const pr of principals) {
            const n = /\/ns\/([^/]+)\/sa\//.exec(pr)![1];
            expect(n === ns || platformNamespaces.has(n), pr).toBe(true);
          }
        });

        it('is confined by its Argo CD projects', () => {
          for (const name of [`tenant-${tenant}`, `guardrails-${tenant}`]) {
            const project = objects.get(`argocd/${env}/projects/appproject-${name}.yaml`)!;
            expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual([ns]);
            expect(project.spec.clusterResourceWhitelist).toBeUndefined();
          }
          const nsProject = objects.get(`argocd/${env}/projects/appproject-namespace-${tenant}.yaml`)!;
          expect(nsProject.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace', name: ns }]);
          expect(nsProject.spec.namespaceResourceWhitelist).toEqual([]);
          const kindOf = (o: Obj) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`;
          // What Argo CD checks: each object's kind against its project's whitelist, as generated.
          const whitelist = (name: string) =>
            new Set(
              (
                objects.get(`argocd/${env}/projects/appproject-${name}.yaml`)!.spec.namespaceResourceWhitelist ?? []
              ).map((k: any) => `${k.group}/${k.kind}`),
            );
          const guardrails = whitelist(`guardrails-${tenant}`);
          for (const k of [...GUARDRAIL_KINDS, ...TENANT_DEFAULT_KINDS])
            expect(guardrails.has(`${k.group}/${k.kind}`)).toBe(true);
          for (const o of folderObjects(env, tenant, false).filter((x) => x.kind !== 'Namespace')) {
            expect(guardrails.has(kindOf(o)), `${kindOf(o)} must be deployable by guardrails-${tenant}`).toBe(true);
          }
          const workloads = new Set(TENANT_WORKLOAD_KINDS.map((k) => `${k.group}/${k.kind}`));
          for (const o of folderObjects(env, tenant, true)) {
            expect(workloads.has(kindOf(o)), `${kindOf(o)} must be deployable by tenant-${tenant}`).toBe(true);
          }
          expect(folderObjects(env, tenant, false).length + folderObjects(env, tenant, true).length).toBe(objs.length);
        });
      });
    }
  }

  it('every ApplicationSet uses goTemplate with missingkey=error and never deletes Applications', () => {
    const sets = [...objects.values()].filter((o) => o.kind === 'ApplicationSet');
    expect(sets.length).toBeGreaterThanOrEqual(2 * envs.length);
    for (const s of sets) {
      expect(s.spec.goTemplate).toBe(true);
      expect(s.spec.goTemplateOptions).toContain('missingkey=error');
      expect(s.spec.syncPolicy).toEqual({ applicationsSync: 'create-update', preserveResourcesOnDeletion: true });
      expect(s.spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    }
  });

  it("emits no route that the auto-expose policy could also write (its name prefix and label are the policy's own)", () => {
    const routes = [...objects].filter(([, o]) => o.kind.endsWith('Route'));
    expect(routes.length).toBeGreaterThan(0);
    for (const [f, o] of routes) {
      expect(o.metadata.name.startsWith(AUTO_EXPOSE_ROUTE_PREFIX), f).toBe(false);
      expect(o.metadata.labels?.[LABELS.exposedBy], f).toBeUndefined();
      expect(o.metadata.labels?.[LABELS.managedBy], f).toBe('agentic-platform');
    }
  });

  it('labels no namespace for auto-expose: outside tenant namespaces it routes nothing unless an operator opts a namespace in', () => {
    const namespaces = [...objects].filter(([, o]) => o.kind === 'Namespace');
    expect(namespaces.length).toBeGreaterThan(0);
    for (const [f, o] of namespaces) expect(o.metadata.labels?.[LABELS.autoExpose], f).toBeUndefined();
    // Nor does any caller policy the compiler emits share a name with the policy's.
    for (const [f, o] of objects)
      if (o.kind === 'AgentgatewayPolicy') expect(o.metadata.name.startsWith(AUTO_EXPOSE_ROUTE_PREFIX), f).toBe(false);
  });

  it('contains no credential: Secrets hold only placeholders and Argo CD repository addresses', () => {
    const secrets = [...objects].filter(([, o]) => o.kind === 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const [f, o] of secrets) {
      expect(o.data, `${f}: no base64 data`).toBeUndefined();
      const values = o.stringData as Record<string, string>;
      if (o.metadata.labels?.['argocd.argoproj.io/secret-type'] === 'repository') {
        expect(Object.keys(values).sort(), f).toEqual(['enableOCI', 'name', 'type', 'url']);
        expect(values.url, f).not.toMatch(/@|:\/\/[^/]*:/);
      } else {
        // The tenant's placeholder key: the central gateway injects the real one.
        expect(f, 'placeholder Secrets live in tenant folders only').toMatch(/^dist\/[^/]+\/tenants\//);
        expect(values, f).toEqual({ [DUMMY_API_KEY_FIELD]: DUMMY_API_KEY });
      }
    }
    for (const [f, o] of objects)
      expect(JSON.stringify(o), f).not.toMatch(/sk-ant-|sk-[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|-----BEGIN/);
  });

  it('every built-in object is valid for its kubernetes-models schema', async () => {
    let checked = 0;
    for (const [f, o] of objects) {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      let models: Record<string, new (o: object) => { validate(): void }>;
      try {
        models = await import(['kubernetes-models', group, version].filter(Boolean).join('/'));
      } catch {
        continue; // a CRD kind: kubernetes-models has no schema for it
      }
      expect(models[o.kind], `kubernetes-models has ${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(() => new models[o.kind](o).validate(), f).not.toThrow();
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('the kubernetes-models check rejects a wrongly typed field (unknown fields are left to kubeconform -strict)', async () => {
    const { NetworkPolicy } = await import('kubernetes-models/networking.k8s.io/v1');
    const good = objects.get(`dist/dev/tenants/${tenants[0]}/networkpolicy-allow-dns.yaml`)!;
    const bad = { ...good, spec: { ...good.spec, egress: [{ ports: [{ protocol: 'TCP', port: true }] }] } };
    expect(() => (new NetworkPolicy(good as any) as any).validate()).not.toThrow();
    expect(() => (new NetworkPolicy(bad as any) as any).validate()).toThrow();
  });
});
