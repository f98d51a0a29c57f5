/**
 * The gates' views (scripts/gates/views.ts) are sound: each gate over the output seen through its
 * view gives the verdict, count and notes it gives over the raw objects, on the repository's
 * output, on a generated registry, and with planted faults in the fields the gates read (a view
 * that drops one is caught here). The view keys ignore what the gates do not read (a quota, a
 * display name, a ConfigMap), change with what they do (a NetworkPolicy port, a RoleBinding
 * subject), and project only the directories that changed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchTenantYaml } from '../../scripts/bench/tenants';
import { entryIntent, flowGate, intentKey, readIntent, readTenantsFile } from '../../scripts/flows/gate';
import { isolationGate } from '../../scripts/gates/isolation';
import { clusterScopedCrds, rbacGate } from '../../scripts/gates/rbac';
import { flowsView } from '../../scripts/flows/view';
import {
  ISOLATION_VIEW,
  lastProjected,
  RBAC_VIEW,
  type View,
  viewKeys,
  viewOutput,
  WORKLOADS_VIEW,
} from '../../scripts/gates/views';
import { workloadGate } from '../../scripts/gates/workloads';
import { type GateResult, type Manifest, type Output, readOutput } from '../../scripts/kube/manifests';
import { ensureSchemas } from '../../scripts/toolchain/schemas';
import { copiesPerTest, ROOT, withMemory } from './fixture';

type Gate = { view: View; run: (o: Output) => Promise<GateResult> | GateResult };
const crds = (o: Output) => clusterScopedCrds(o.environments.flatMap((e) => ensureSchemas(e.kubernetesVersion).crds));
const GATES: Record<string, Gate> = {
  isolation: { view: ISOLATION_VIEW, run: isolationGate },
  rbac: { view: RBAC_VIEW, run: (o) => rbacGate(o, crds(o)) },
  workloads: { view: WORKLOADS_VIEW, run: workloadGate },
  flows: { view: flowsView(), run: (o) => flowGate(o) },
};

/**
 * What a result says: problems, count and notes. The flow gate evaluates one tenant of each shape;
 * through its view tenants that differ only in what it does not read (a display name) share a
 * shape, so the number of shapes may be smaller and is left out.
 */
const verdict = (r: GateResult) => ({
  errors: [...r.errors].sort(),
  checked: r.checked,
  notes: (r.notes ?? []).map((n) => n.replace(/\d+ shapes of/g, 'N shapes of')),
});

/** An output read afresh (its objects not shared with any other), for planting faults in memory. */
const fresh = (root: string) => withMemory('off', () => readOutput(root, root));

async function bothWays(name: string, output: Output, view = GATES[name].view) {
  const run = GATES[name].run;
  return withMemory('off', async () => ({
    raw: verdict(await run(output)),
    viewed: verdict(await run(viewOutput(output, view))),
  }));
}

/** The first object of a kind in a tenant namespace of the first environment. */
function objectOf(output: Output, kind: string, namespace: string, name?: string): Manifest {
  const m = output.environments[0].manifests.find(
    (x) =>
      x.object.kind === kind &&
      x.object.metadata?.namespace === namespace &&
      (name === undefined || x.object.metadata?.name === name),
  );
  if (!m) throw new Error(`no ${kind} ${namespace}/${name ?? '*'}`);
  return m;
}

/** Faults in the fields a gate reads, planted in the objects of an output. */
const FAULTS: Record<string, { gates: string[]; plant: (o: Output) => void }> = {
  'a tenant NetworkPolicy admits every namespace': {
    gates: ['isolation', 'flows'],
    plant: (o) => {
      const np = objectOf(o, 'NetworkPolicy', 'tenant-alpha', 'allow-same-namespace').object;
      np.spec.ingress = [...(np.spec.ingress ?? []), { from: [{ namespaceSelector: {} }] }];
    },
  },
  'the DNS NetworkPolicy names another port': {
    gates: ['isolation', 'flows'],
    plant: (o) => {
      const np = objectOf(o, 'NetworkPolicy', 'tenant-alpha', 'allow-dns').object;
      for (const rule of np.spec.egress) for (const p of rule.ports ?? []) p.port = 5353;
    },
  },
  'a RoleBinding binds a ServiceAccount of another namespace': {
    gates: ['rbac'],
    plant: (o) => {
      const rb = objectOf(o, 'RoleBinding', 'tenant-alpha').object;
      rb.subjects = [...rb.subjects, { kind: 'ServiceAccount', name: 'default', namespace: 'tenant-beta' }];
    },
  },
};

describe('gate views', () => {
  const registry = fs.mkdtempSync(path.join(os.tmpdir(), 'views-registry-'));
  beforeAll(() => {
    for (const d of ['charts/environments', 'cluster/outputs'])
      fs.cpSync(path.join(ROOT, d), path.join(registry, d), { recursive: true });
    fs.writeFileSync(
      path.join(registry, 'tenants.yaml'),
      fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8') + [0, 1, 2].map(benchTenantYaml).join(''),
    );
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts/launch.cjs'), 'charts/main.ts', '--root', registry],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}${r.stdout}`);
  }, 120_000);
  afterAll(() => fs.rmSync(registry, { recursive: true, force: true }));

  for (const [what, root] of [
    ['the repository', () => ROOT],
    ['a generated registry', () => registry],
  ] as const)
    it(`give each gate its verdict on raw objects, over ${what}`, async () => {
      const output = await fresh(root());
      for (const name of Object.keys(GATES)) {
        const { raw, viewed } = await bothWays(name, output);
        expect({ name, ...viewed }).toEqual({ name, ...raw });
        expect(raw.errors).toEqual([]);
      }
    }, 300_000);

  for (const [fault, { gates, plant }] of Object.entries(FAULTS))
    it(`give the verdict on raw objects when ${fault}`, async () => {
      for (const name of gates) {
        const output = await fresh(registry);
        plant(output);
        const { raw, viewed } = await bothWays(name, output);
        expect(raw.errors.length, `${name} catches it`).toBeGreaterThan(0);
        expect({ name, ...viewed }).toEqual({ name, ...raw });
      }
    }, 300_000);

  it('catch a view that drops a field its gate reads', async () => {
    // Planted: the isolation view without the NetworkPolicies' rules.
    const blind: View = {
      ...ISOLATION_VIEW,
      NetworkPolicy: [
        ['spec', 'podSelector'],
        ['spec', 'policyTypes'],
      ],
    };
    const output = await fresh(registry);
    FAULTS['a tenant NetworkPolicy admits every namespace'].plant(output);
    const { raw, viewed } = await bothWays('isolation', output, blind);
    expect(viewed).not.toEqual(raw);
  }, 300_000);

  it('read a kube-score finding in a planted workload file through the view', async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'views-workload-'));
    try {
      for (const d of ['dist', 'argocd', 'charts/environments', 'tenants.yaml'])
        fs.cpSync(path.join(registry, d), path.join(copy, d), { recursive: true });
      const bad = fs.readFileSync(path.join(__dirname, 'fixtures', 'bad-deployment.yaml'), 'utf8');
      fs.writeFileSync(path.join(copy, 'dist/dev/tenants/alpha/deployment-careless.yaml'), bad);
      const { raw, viewed } = await bothWays('workloads', await fresh(copy));
      expect(raw.errors.length).toBeGreaterThan(0);
      expect(viewed).toEqual(raw);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('view keys', () => {
  const copies = copiesPerTest();
  const memory = fs.mkdtempSync(path.join(os.tmpdir(), 'views-memory-'));
  const before = process.env.VALIDATE_CACHE_DIR;
  beforeAll(() => void (process.env.VALIDATE_CACHE_DIR = memory));
  afterAll(() => {
    if (before === undefined) delete process.env.VALIDATE_CACHE_DIR;
    else process.env.VALIDATE_CACHE_DIR = before;
    fs.rmSync(memory, { recursive: true, force: true });
  });
  const views = Object.fromEntries(Object.entries(GATES).map(([n, g]) => [n, g.view]));
  const keys = (root: string) => ({ ...viewKeys(readOutput(root, ROOT), views) });

  it('are the same from the folders the output is read in as from its files one by one', () => {
    const output = readOutput(ROOT, ROOT);
    // The same output without the folders: viewKeys groups its files itself.
    const ungrouped = {
      ...output,
      environments: output.environments.map((e) => ({
        name: e.name,
        kubernetesVersion: e.kubernetesVersion,
        trustDomain: e.trustDomain,
        files: e.files,
        get manifests() {
          return e.manifests;
        },
      })),
    };
    for (const e of output.environments) {
      expect(
        [...e.folders!.values()]
          .flat()
          .map(([f]) => path.join(ROOT, f))
          .sort(),
      ).toEqual([...e.files].sort());
      for (const [dir, files] of e.folders!) for (const [f] of files) expect(path.dirname(f)).toBe(dir);
    }
    expect({ ...viewKeys(output, views) }).toEqual({ ...viewKeys(ungrouped, views) });
  });

  it('stay for edits no gate reads and project only the changed directories', () => {
    const copy = copies();
    const first = keys(copy.root);
    expect(keys(copy.root)).toEqual(first);
    expect(lastProjected).toBe(0);
    const ns = 'dist/dev/tenants/alpha/namespace-tenant-alpha.yaml';
    const namespace = copy.read(ns);
    namespace.metadata.annotations['platform.agentic.io/display-name'] = 'Team Alpha (renamed)';
    copy.write(ns, namespace);
    const rq = 'dist/dev/tenants/alpha/resourcequota-tenant-quota.yaml';
    const quota = copy.read(rq);
    quota.spec.hard.pods = '40';
    copy.write(rq, quota);
    const cm = 'dist/dev/platform/otel-collector/configmap-otel-collector.yaml';
    const config = copy.read(cm);
    config.data = { ...config.data, planted: 'x' };
    copy.write(cm, config);
    expect(keys(copy.root)).toEqual(first);
    // The two edited directories, read once for all the views.
    expect(lastProjected).toBe(2);
  });

  it('change with the fields a gate reads', () => {
    const copy = copies();
    const first = keys(copy.root);
    const np = 'dist/dev/tenants/alpha/networkpolicy-allow-dns.yaml';
    const policy = copy.read(np);
    policy.spec.egress[0].ports[0].port = 5353;
    copy.write(np, policy);
    const port = keys(copy.root);
    for (const g of ['isolation', 'flows', 'workloads']) expect(port[g], g).not.toBe(first[g]);
    expect(port.rbac).toBe(first.rbac);
    const rb = 'dist/dev/tenants/alpha/rolebinding-tenant-agent-developer-binding.yaml';
    const binding = copy.read(rb);
    binding.subjects[0].name = 'tenant-beta-developers';
    copy.write(rb, binding);
    const subject = keys(copy.root);
    for (const g of ['rbac', 'flows']) expect(subject[g], g).not.toBe(port[g]);
    expect(subject.isolation).toBe(port.isolation);
  });

  it('of the intent: each entry as readIntent reads it; display names and quotas do not count', () => {
    const data = readTenantsFile(ROOT) as { tenants: Record<string, unknown>[] };
    expect(data.tenants.map(entryIntent)).toEqual(readIntent(ROOT));
    const key = intentKey(data);
    expect(key).toBeDefined();
    const edited = structuredClone(data);
    edited.tenants[0].displayName = 'Renamed';
    edited.tenants[0].quota = { ...(edited.tenants[0].quota as object), pods: 41 };
    expect(intentKey(edited)).toBe(key);
    const agents = edited.tenants[0].agents as Record<string, unknown>[];
    agents.push({ ...structuredClone(agents[0]), name: 'another' });
    expect(intentKey(edited)).not.toBe(key);
  });
});
