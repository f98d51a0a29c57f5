import { TENANT_DEVELOPER_RULES } from '../../charts/constructs/tenant-developer-cluster-role';
import { describe, expect, it } from 'vitest';
import {
  applicationSets,
  generateArgoCd,
  GUARDRAIL_KINDS,
  TENANT_DEFAULT_KINDS,
  type ManifestObject,
  rootApplication,
  sharedProjects,
  tenantProjects,
} from '../../charts/argocd/generate';
import { ConfigError } from '../../charts/config/source-errors';
import { loadTenants } from '../../charts/config/load-tenants';
import { objectFileName } from '../../charts/lib/serialize';
import { allKeys, collect, type K8sObject, sampleEnvironment, sampleTenant } from '../helpers';

const env = sampleEnvironment();
const tenants = [sampleTenant('alpha'), sampleTenant('beta')];
const spec = (o: ManifestObject): K8sObject => o.spec as K8sObject;
const byName = (objects: readonly ManifestObject[], name: string): ManifestObject => {
  const o = objects.find((x) => x.metadata.name === name);
  if (!o) throw new Error(`no object ${name}`);
  return o;
};
const gk = (k: { group: string; kind: string }) => `${k.group}/${k.kind}`;
/** Fixed objects of an environment without platform components: bootstrap project, root Application, platform project, 3 ApplicationSets. */
const FIXED = 6;

describe('applicationSets', () => {
  const sets = applicationSets(env);

  it('uses Go templates that fail on a missing key', () => {
    expect(sets.length).toBeGreaterThan(0);
    for (const s of sets) {
      expect(s.kind).toBe('ApplicationSet');
      expect(spec(s).goTemplate).toBe(true);
      expect(spec(s).goTemplateOptions).toContain('missingkey=error');
    }
  });

  it('never deletes Applications nor cascades to their resources', () => {
    for (const s of sets) {
      expect(spec(s).syncPolicy.applicationsSync).toBe('create-update');
      expect(spec(s).syncPolicy.preserveResourcesOnDeletion).toBe(true);
    }
  });

  it('lives in the Argo CD namespace', () => {
    for (const s of sets) expect(s.metadata.namespace).toBe(env.argocd.namespace);
  });

  it('deploys a tenant folder through its own guardrails project into its own namespace', () => {
    const guardrails = byName(sets, 'tenant-guardrails');
    const t = spec(guardrails).template.spec;
    const basename = '{{.path.basename}}';
    expect(t.project).toBe(`guardrails-${basename}`);
    expect(t.destination.namespace).toBe(`tenant-${basename}`);
    expect(t.source.directory.exclude).toBe('namespace-*.yaml');
  });

  it("deploys a tenant's workloads/ folder through the tenant's own project into its own namespace", () => {
    const set = byName(sets, 'tenant-workloads');
    expect(spec(set).generators).toEqual([{ git: { repoURL: env.argocd.repoURL, revision: env.argocd.targetRevision, directories: [{ path: `dist/${env.name}/tenants/*/workloads` }] } }]);
    const t = spec(set).template.spec;
    // dist/<env>/tenants/<tenant>/workloads: the tenant is path segment 3.
    const tenant = '{{index .path.segments 3}}';
    expect(spec(set).template.metadata.name).toBe(`workloads-${tenant}`);
    expect(t.project).toBe(`tenant-${tenant}`);
    expect(t.destination.namespace).toBe(`tenant-${tenant}`);
    expect(t.source.directory).toEqual({ recurse: false });
  });

  it("creates each tenant namespace through that tenant's own namespace project, with no destination namespace", () => {
    const t = spec(byName(sets, 'tenant-namespaces')).template.spec;
    expect(t.project).toBe('namespace-{{.path.basename}}');
    expect(t.destination).toEqual({ server: env.cluster.server });
    expect(t.source.directory.include).toBe('namespace-*.yaml');
  });
});

describe('tenantProjects', () => {
  const [workloads, guardrails, namespace] = tenantProjects(env, sampleTenant('alpha'));

  it('lets the namespace project create exactly the Namespace tenant-<name> and nothing else', () => {
    const p = spec(namespace);
    expect(namespace.metadata.name).toBe('namespace-alpha');
    expect(p.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace', name: 'tenant-alpha' }]);
    expect(p.namespaceResourceWhitelist).toEqual([]);
    // No namespaced destination: a hand-added namespaced object has nowhere to go.
    expect(p.destinations).toEqual([{ server: env.cluster.server, namespace: '' }]);
  });

  it('returns the workloads project tenant-<name> and the guardrails project guardrails-<name>', () => {
    expect(workloads.kind).toBe('AppProject');
    expect(workloads.metadata.name).toBe('tenant-alpha');
    expect(guardrails.metadata.name).toBe('guardrails-alpha');
    for (const p of [workloads, guardrails]) expect(p.metadata.labels?.['platform.agentic.io/tenant-name']).toBe('alpha');
  });

  it('confines the workloads project to the tenant namespace on the environment cluster', () => {
    expect(spec(workloads).destinations).toEqual([{ server: env.cluster.server, namespace: 'tenant-alpha' }]);
  });

  it('gives the workloads project no cluster-scoped kinds', () => {
    expect(spec(workloads).clusterResourceWhitelist).toBeUndefined();
  });

  it('allows the workloads project no guardrail kind', () => {
    const white = new Set((spec(workloads).namespaceResourceWhitelist as { group: string; kind: string }[]).map(gk));
    expect(white.size).toBeGreaterThan(0);
    for (const k of GUARDRAIL_KINDS) expect(white.has(gk(k)), gk(k)).toBe(false);
  });

  it('allows the workloads project exactly the kinds the tenant-agent-developer role may write', () => {
    const white = (spec(workloads).namespaceResourceWhitelist as { group: string; kind: string }[]).map(gk).sort();
    // kind <-> resource as the API server names them, for the kinds the role mentions.
    const plural: Record<string, string> = {
      Agent: 'agents', ModelConfig: 'modelconfigs', RemoteMCPServer: 'remotemcpservers', MCPServer: 'mcpservers',
      AgentgatewayBackend: 'agentgatewaybackends', Sandbox: 'sandboxes', SandboxClaim: 'sandboxclaims',
      SandboxTemplate: 'sandboxtemplates', Secret: 'secrets', ConfigMap: 'configmaps', Service: 'services',
    };
    const writable = TENANT_DEVELOPER_RULES.filter((r) => r.verbs.includes('create')).flatMap((r) => r.resources!.flatMap((res) => r.apiGroups!.map((g) => `${g}/${res}`)));
    expect(white.map((k) => { const [g, kind] = k.split('/'); return `${g}/${plural[kind]}`; }).sort()).toEqual([...writable].sort());
  });

  it('whitelists exactly the guardrail kinds in the guardrails project, in the tenant namespace only', () => {
    const white = (spec(guardrails).namespaceResourceWhitelist as { group: string; kind: string }[]).map(gk).sort();
    expect(white).toEqual([...GUARDRAIL_KINDS, ...TENANT_DEFAULT_KINDS].map(gk).sort());
    expect(spec(guardrails).destinations).toEqual([{ server: env.cluster.server, namespace: 'tenant-alpha' }]);
    expect(spec(guardrails).clusterResourceWhitelist).toBeUndefined();
  });

  it('accepts only the environment repository as a source', () => {
    for (const p of [workloads, guardrails]) expect(spec(p).sourceRepos).toEqual([env.argocd.repoURL]);
  });
});

describe('sharedProjects', () => {
  const shared = sharedProjects(env);

  it('keeps the platform project out of tenant namespaces', () => {
    const p = spec(byName(shared, 'platform'));
    expect(p.destinations.map((d: K8sObject) => d.namespace)).toContain('!tenant-*');
    expect(p.clusterResourceBlacklist).toEqual(expect.arrayContaining([{ group: '', kind: 'Namespace', name: 'tenant-*' }]));
  });

  it('confines the bootstrap project to Argo CD objects in the Argo CD namespace', () => {
    const p = spec(byName(shared, 'bootstrap'));
    expect(p.destinations).toEqual([{ server: env.cluster.server, namespace: env.argocd.namespace }]);
    for (const k of p.namespaceResourceWhitelist) expect(k.group).toBe('argoproj.io');
    expect(p.clusterResourceWhitelist).toBeUndefined();
  });
});

describe('generateArgoCd', () => {
  const out = generateArgoCd(env, tenants);
  const objects = [...out.values()];

  it('writes every object under argocd/<env>/ in bootstrap, projects or applicationsets', () => {
    for (const path of out.keys()) expect(path).toMatch(/^argocd\/test\/(bootstrap|projects|applicationsets)\/[^/]+\.yaml$/);
  });

  it('gives each object its own path named after its kind and name', () => {
    expect(out.size).toBe(FIXED + 3 * tenants.length);
    for (const [path, o] of out) expect(path.endsWith(`/${objectFileName(o)}`)).toBe(true);
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('places every object in the Argo CD namespace of the environment', () => {
    const custom = sampleEnvironment({ argocd: { ...env.argocd, namespace: 'gitops' } });
    for (const o of generateArgoCd(custom, tenants).values()) expect(o.metadata.namespace).toBe('gitops');
  });

  it('spells the wire key repoURL, never repoUrl', () => {
    const keys = allKeys(objects);
    expect(keys.has('repoURL')).toBe(true);
    expect(keys.has('repoUrl')).toBe(false);
    const json = JSON.stringify(objects);
    expect(json).toContain('"repoURL"');
    expect(json).not.toContain('"repoUrl"');
  });

  it('takes repoURL, targetRevision and cluster server from the Environment argument', () => {
    const custom = sampleEnvironment({
      name: 'staging',
      cluster: { server: 'https://staging.example.test:6443', trustDomain: 'staging.local' },
      argocd: { namespace: 'argocd', repoURL: 'ssh://git@git.example.test/ops/staging.git', targetRevision: 'release-7' },
    });
    const generated = [...generateArgoCd(custom, tenants).values()];
    const repos = collect(generated, 'repoURL');
    expect(repos.length).toBeGreaterThan(0);
    for (const r of repos) expect(r).toBe(custom.argocd.repoURL);
    for (const r of collect(generated, 'sourceRepos')) expect(r).toEqual([custom.argocd.repoURL]);
    const revisions = [...collect(generated, 'targetRevision'), ...collect(generated, 'revision')];
    expect(revisions.length).toBeGreaterThan(0);
    for (const r of revisions) expect(r).toBe('release-7');
    for (const s of collect(generated, 'server')) expect(s).toBe(custom.cluster.server);
    const json = JSON.stringify(generated);
    expect(json).not.toContain(env.argocd.repoURL);
    expect(json).not.toContain('dist/test/');
    expect(json).toContain('dist/staging/tenants/*');
  });

  it('points the root Application at argocd/<env> of the environment repository', () => {
    const root = rootApplication(env);
    expect(root.kind).toBe('Application');
    expect(spec(root).project).toBe('bootstrap');
    expect(spec(root).source).toMatchObject({ repoURL: env.argocd.repoURL, targetRevision: env.argocd.targetRevision, path: 'argocd/test' });
  });

  it('adding a tenant adds exactly three paths and changes no existing one', () => {
    const before = generateArgoCd(env, tenants);
    const after = generateArgoCd(env, [...tenants, sampleTenant('gamma')]);
    const added = [...after.keys()].filter((k) => !before.has(k));
    expect(added.sort()).toEqual([
      'argocd/test/projects/appproject-guardrails-gamma.yaml',
      'argocd/test/projects/appproject-namespace-gamma.yaml',
      'argocd/test/projects/appproject-tenant-gamma.yaml',
    ]);
    for (const [path, o] of before) expect(after.get(path), path).toEqual(o);
  });

  it('with no tenants, emits only the fixed objects', () => {
    expect(generateArgoCd(env, []).size).toBe(FIXED);
  });

  it('a tenant name accepted by loadTenants never replaces a shared project', () => {
    // Tenant projects are tenant-<name> and guardrails-<name>; shared projects must never be
    // reachable by any tenant name, e.g. "namespaces" or "platform".
    let loaded;
    try {
      loaded = loadTenants('tenants:\n  - name: namespaces\n  - name: platform\n  - name: bootstrap\n');
    } catch (e) {
      if (e instanceof ConfigError) return; // rejected up front: fine.
      throw e;
    }
    const generated = generateArgoCd(env, loaded);
    expect(generated.size).toBe(FIXED + 3 * loaded.length);
    const platform = generated.get('argocd/test/projects/appproject-platform.yaml');
    expect(platform && spec(platform).clusterResourceWhitelist).toEqual([{ group: '*', kind: '*' }]);
    expect(generated.get('argocd/test/bootstrap/appproject-bootstrap.yaml')!.metadata.labels?.['platform.agentic.io/tenant-name']).toBeUndefined();
  });
});
