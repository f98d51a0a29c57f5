import { ApiObject, App, Chart } from 'cdk8s';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import type { Environment } from '../../charts/config/environment';
import { loadTenants } from '../../charts/config/load-tenants';
import { FileSet, synthesize } from '../../charts/synth/synthesize';
import { platformComponents } from '../../charts/platform/components';
import { infraFor, sampleEnvironment } from '../helpers';

const env = (name: string, targetRevision: string): Environment =>
  sampleEnvironment({
    name,
    cluster: { server: 'https://kubernetes.default.svc', trustDomain: 'cluster.local' },
    argocd: { namespace: 'argocd', repoURL: 'https://git.example.com/platform.git', targetRevision },
  });
const ENVS = [env('dev', 'branch-dev'), env('prod', 'branch-prod')];
const tenants = (n: number) =>
  loadTenants(`tenants:\n${Array.from({ length: n }, (_, i) => `  - name: t${i}\n`).join('')}`);

afterEach(() => vi.restoreAllMocks());

describe('synthesize', () => {
  it('is a pure function of its input: two runs give identical maps', () => {
    const a = synthesize({ environments: ENVS, tenants: tenants(5), infra: infraFor(ENVS) });
    const b = synthesize({ environments: ENVS, tenants: tenants(5), infra: infraFor(ENVS) });
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, v] of a) expect(b.get(k), k).toBe(v);
  });

  it('builds each tenant in an App of its own and never synthesizes one App with every tenant', () => {
    const toJson = vi.spyOn(ApiObject.prototype, 'toJson');
    const appSynth = vi.spyOn(App.prototype, 'synth');
    synthesize({ environments: ENVS, tenants: tenants(4), infra: infraFor(ENVS) });
    expect(appSynth).not.toHaveBeenCalled();
    // Per environment: one App per platform component with shared objects, one per tenant, and
    // per tenant one per component with objects of each tenant (once more for the first tenant,
    // whose object names the components' READMEs list), each holding one chart with only its
    // own objects.
    const apps = new Set(toJson.mock.instances.map((o) => Chart.of(o as unknown as ApiObject).node.scope));
    const componentCharts = platformComponents(ENVS[0]).filter((c) => c.manifests).length;
    const tenantCharts = platformComponents(ENVS[0]).filter((c) => c.tenantManifests).length;
    expect(componentCharts).toBeGreaterThan(5);
    expect(tenantCharts).toBe(3);
    expect(apps.size).toBe(2 * (componentCharts + 4 * (1 + tenantCharts) + tenantCharts));
    for (const app of apps) {
      expect(app, 'each chart is the only child of its App').toBeInstanceOf(App);
      expect(app!.node.children).toHaveLength(1);
    }
    const tenantApps = [...apps].filter((a) => /^t\d$/.test(a!.node.children[0].node.id));
    expect(tenantApps).toHaveLength(2 * 4);
  });

  it('differs between environments only where their configuration differs', () => {
    const files = synthesize({ environments: ENVS, tenants: tenants(1), infra: infraFor(ENVS) });
    const dev = [...files.keys()].filter((f) => f.startsWith('dist/dev/') || f.startsWith('argocd/dev/'));
    for (const f of dev) {
      const other = f.replace('/dev/', '/prod/');
      expect(files.has(other), other).toBe(true);
      const normalize = (s: string) => s.replaceAll('dev', 'ENV').replaceAll('prod', 'ENV');
      expect(normalize(files.get(other)!), f).toBe(normalize(files.get(f)!));
    }
  });

  it('writes the repository URL and revision of each environment into its Argo CD objects', () => {
    const files = synthesize({ environments: ENVS, tenants: tenants(1), infra: infraFor(ENVS) });
    const set = parse(files.get('argocd/prod/applicationsets/applicationset-tenant-guardrails.yaml')!);
    expect(set.spec.generators[0].git).toMatchObject({
      repoURL: 'https://git.example.com/platform.git',
      revision: 'branch-prod',
    });
    expect(set.spec.generators[0].git.directories).toEqual([{ path: 'dist/prod/tenants/*' }]);
    expect(set.spec.template.spec.source).toMatchObject({
      repoURL: 'https://git.example.com/platform.git',
      targetRevision: 'branch-prod',
    });
  });

  it('puts a README in every generated folder', () => {
    const files = synthesize({ environments: ENVS, tenants: tenants(2), infra: infraFor(ENVS) });
    const folders = new Set([...files.keys()].map((f) => f.slice(0, f.lastIndexOf('/'))));
    for (const folder of folders) expect(files.has(`${folder}/README.md`), folder).toBe(true);
  });
  it('emits the default StorageClass into the platform storage folder of every environment', () => {
    const files = synthesize({ environments: ENVS, tenants: tenants(1), infra: infraFor(ENVS) });
    for (const e of ENVS) {
      const sc = parse(files.get(`dist/${e.name}/platform/storage/storageclass-gp3.yaml`)!);
      expect(sc).toMatchObject({
        kind: 'StorageClass',
        provisioner: 'ebs.csi.aws.com',
        parameters: { type: 'gp3', encrypted: 'true' },
      });
      expect(sc.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    }
  });

  it('refuses an environment without infrastructure outputs', () => {
    const infra = new Map([['dev', infraFor(ENVS).get('dev')!]]);
    expect(() => synthesize({ environments: ENVS, tenants: tenants(1), infra })).toThrow(
      'synth: no cluster outputs for environment prod; run npm run infra:outputs -- prod',
    );
  });
});

describe('FileSet', () => {
  it('aborts when two outputs map to the same path', () => {
    const set = new FileSet();
    set.add('dist/dev/tenants/a/namespace-tenant-a.yaml', 'x');
    expect(() => set.add('dist/dev/tenants/a/namespace-tenant-a.yaml', 'y')).toThrow(
      'synth: two outputs map to dist/dev/tenants/a/namespace-tenant-a.yaml; give the objects distinct kinds or names',
    );
  });
});
