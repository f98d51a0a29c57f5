/**
 * What validate remembers never changes its verdict: over a small registry (the example tenants
 * and a few synthetic ones) under seeded random edits (add, remove and rename a tenant, change a
 * quota or a display name, add a workload, change an environment setting, each followed by synth)
 * and planted faults (a tenant NetworkPolicy that admits other tenants, another port in a DNS
 * NetworkPolicy, a careless Deployment, a shared platform ClusterRoleBinding granting a tenant
 * group cluster-wide access), every gate's result with memory (after all the edits before it)
 * equals its result with VALIDATE_CACHE=off. After an edit the whole-output gates do not read (a
 * quota, a display name), each of them that was clean is remembered, not run.
 *
 * INCREMENTAL_SEED and INCREMENTAL_STEPS change the walk.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { benchTenantYaml } from '../../scripts/bench/tenants';
import { runGates } from '../../scripts/cli/validate';
import { readOutput } from '../../scripts/kube/manifests';
import { ROOT } from './fixture';
import { seededRandom } from '../seeded';

/** Every gate over the output (kubectl-validate aside: its verdicts are remembered per file like kubeconform's). */
const GATES = ['kubeconform', 'isolation', 'flows', 'rbac', 'workloads', 'gitleaks', 'placeholders'];
const SEED = Number(process.env.INCREMENTAL_SEED ?? 20261206);
const STEPS = Number(process.env.INCREMENTAL_STEPS ?? 11);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'incremental-'));
const memory = fs.mkdtempSync(path.join(os.tmpdir(), 'incremental-memory-'));
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(memory, { recursive: true, force: true });
});

const tenantsFile = path.join(root, 'tenants.yaml');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};

function synth(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/launch.cjs'), 'charts/main.ts', '--root', root], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}${r.stdout}`);
}

/** Gates over the whole output, which remember clean results by what their views show. */
const VIEW_GATES = ['isolation', 'flows', 'rbac', 'workloads'];

/** The whole-output gates whose result the last run with memory took from it. */
let recalled = new Set<string>();

/** Each gate's verdict: its problems (sorted) and what it checked. */
async function verdicts(cache: 'on' | 'off'): Promise<Record<string, { errors: string[]; checked: number }>> {
  const before = { ...process.env };
  process.env.VALIDATE_CACHE_DIR = memory;
  if (cache === 'off') process.env.VALIDATE_CACHE = 'off';
  else delete process.env.VALIDATE_CACHE;
  try {
    const results = await runGates(readOutput(root, root), GATES);
    if (cache === 'on')
      recalled = new Set(
        results.filter((r) => r.notes?.some((n) => n.startsWith('remembered clean'))).map((r) => r.gate),
      );
    return Object.fromEntries(results.map((r) => [r.gate, { errors: [...r.errors].sort(), checked: r.checked }]));
  } finally {
    for (const k of ['VALIDATE_CACHE', 'VALIDATE_CACHE_DIR']) {
      if (before[k] === undefined) delete process.env[k];
      else process.env[k] = before[k];
    }
  }
}

/** The synthetic tenants of the registry, by index. */
function synthetic(): number[] {
  return [...read('tenants.yaml').matchAll(/^ {2}- name: team-(\d+)$/gm)].map((m) => Number(m[1]));
}

function tenantEntries(): { name: string; [k: string]: unknown }[] {
  return (parse(read('tenants.yaml')) as { tenants: { name: string }[] }).tenants;
}

function writeTenants(tenants: unknown[]): void {
  write('tenants.yaml', stringify({ tenants }, { aliasDuplicateObjects: false }));
}

/**
 * 'synth': an edit of tenants.yaml or an environment; 'unread': one the whole-output gates do not
 * read, after which each of them that was clean is remembered; 'planted': a fault written into
 * the output.
 */
type Edit = { what: string; apply: (pick: <T>(xs: readonly T[]) => T) => 'synth' | 'unread' | 'planted' };

let next = 100;
const EDITS: readonly Edit[] = [
  {
    what: 'add a tenant',
    apply: () => {
      fs.appendFileSync(tenantsFile, benchTenantYaml(next++));
      return 'synth';
    },
  },
  {
    what: 'remove a tenant',
    apply: (pick) => {
      const gone = `team-${String(pick(synthetic())).padStart(5, '0')}`;
      writeTenants(tenantEntries().filter((t) => t.name !== gone));
      return 'synth';
    },
  },
  {
    what: 'rename a tenant',
    apply: (pick) => {
      const from = `team-${String(pick(synthetic())).padStart(5, '0')}`;
      const to = `team-${String(next++).padStart(5, '0')}`;
      writeTenants(tenantEntries().map((t) => (t.name === from ? { ...t, name: to } : t)));
      return 'synth';
    },
  },
  {
    what: 'change a quota',
    apply: (pick) => {
      const t = pick(tenantEntries());
      t.quota = { ...(t.quota as object), 'requests.cpu': String(pick([2, 4, 6, 8])) };
      writeTenants(tenantEntries().map((x) => (x.name === t.name ? t : x)));
      return 'unread';
    },
  },
  {
    what: 'change a display name',
    apply: (pick) => {
      const t = pick(tenantEntries());
      t.displayName = `${String(t.displayName ?? t.name)} (renamed)`;
      writeTenants(tenantEntries().map((x) => (x.name === t.name ? t : x)));
      return 'unread';
    },
  },
  {
    what: 'add a workload',
    apply: (pick) => {
      const tenants = tenantEntries();
      const t = pick(tenants.filter((x) => /^team-/.test(x.name)));
      const agents = t.agents as Record<string, unknown>[];
      agents.push({ ...structuredClone(agents[0]), name: `helper${agents.length}`, expose: false });
      writeTenants(tenants);
      return 'synth';
    },
  },
  {
    what: 'change an environment setting',
    apply: (pick) => {
      const rel = 'charts/environments/dev.yaml';
      const text = read(rel);
      const n = pick([2, 3, 4]);
      write(rel, text.replace(/otelCollector: \d+, prometheus/, `otelCollector: ${n}, prometheus`));
      return 'synth';
    },
  },
  {
    what: "plant a NetworkPolicy that admits other tenants in a tenant's directory",
    apply: (pick) => {
      const t = pick(tenantEntries()).name;
      write(
        `dist/dev/tenants/${t}/networkpolicy-planted.yaml`,
        stringify({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'planted', namespace: `tenant-${t}` },
          spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] },
        }),
      );
      return 'planted';
    },
  },
  {
    what: "plant another port in a tenant's DNS NetworkPolicy",
    apply: (pick) => {
      const rel = `dist/prod/tenants/${pick(tenantEntries()).name}/networkpolicy-allow-dns.yaml`;
      write(rel, read(rel).replaceAll('port: 53', 'port: 5353'));
      return 'planted';
    },
  },
  {
    what: 'plant a careless Deployment',
    apply: (pick) => {
      const t = pick(tenantEntries()).name;
      const text = fs.readFileSync(path.join(__dirname, 'fixtures', 'bad-deployment.yaml'), 'utf8');
      write(
        `dist/prod/tenants/${t}/workloads/deployment-careless.yaml`,
        text.replaceAll('tenant-alpha', `tenant-${t}`),
      );
      return 'planted';
    },
  },
  {
    what: 'grant a tenant group cluster-wide access in a shared platform file',
    apply: (pick) => {
      const rel = 'dist/dev/platform/otel-collector/clusterrolebinding-otel-collector.yaml';
      const binding = parse(read(rel));
      binding.subjects = [
        ...binding.subjects,
        {
          kind: 'Group',
          name: `tenant-${pick(tenantEntries()).name}-developers`,
          apiGroup: 'rbac.authorization.k8s.io',
        },
      ];
      write(rel, stringify(binding));
      return 'planted';
    },
  },
];

describe('incremental validate', () => {
  it(
    'gives every gate the verdict of a full run after each of a random series of edits',
    async () => {
      for (const d of ['charts/environments', 'cluster/outputs'])
        fs.cpSync(path.join(ROOT, d), path.join(root, d), { recursive: true });
      fs.writeFileSync(
        tenantsFile,
        fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8') + [0, 1, 2].map(benchTenantYaml).join(''),
      );
      synth();
      const rand = seededRandom(SEED);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
      // The first run fills the memory; each later one uses what the runs before it remembered.
      let previous: Awaited<ReturnType<typeof verdicts>> | undefined = await verdicts('on');
      expect(previous).toEqual(await verdicts('off'));
      const caught = new Set<string>();
      for (let step = 0; step < STEPS; step++) {
        // Every kind of edit once, in a random order, then random ones.
        const edit = step < EDITS.length ? EDITS[(step * 7) % EDITS.length] : pick(EDITS);
        const clean = VIEW_GATES.filter((g) => previous?.[g].errors.length === 0);
        const kind = edit.apply(pick);
        if (kind !== 'planted') synth();
        const full = await verdicts('off');
        const incremental = await verdicts('on');
        expect({ step, edit: edit.what, verdicts: incremental }).toEqual({ step, edit: edit.what, verdicts: full });
        // An edit no whole-output gate reads runs none of those that were clean before it.
        if (kind === 'unread')
          expect({ step, recalled: clean.filter((g) => !recalled.has(g)) }).toEqual({ step, recalled: [] });
        previous = incremental;
        for (const [gate, v] of Object.entries(full)) if (v.errors.length > 0) caught.add(`${edit.what}: ${gate}`);
      }
      // The planted faults were caught (each by its gate), with and without memory.
      if (STEPS >= EDITS.length) {
        expect([...caught].some((c) => c.startsWith('plant a NetworkPolicy') && c.endsWith('isolation'))).toBe(true);
        expect([...caught].some((c) => c.startsWith('plant a careless') && c.endsWith('workloads'))).toBe(true);
        expect([...caught].some((c) => c.startsWith('grant a tenant group') && c.endsWith('rbac'))).toBe(true);
        expect([...caught].some((c) => c.startsWith('plant another port') && c.endsWith('isolation'))).toBe(true);
      }
    },
    20 * 60_000,
  );
});
