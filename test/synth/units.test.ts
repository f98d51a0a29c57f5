/**
 * The output of an environment is the sum of one unit per tenant and the environment part:
 * a tenant's unit (`tenantUnitFiles`) reads no other tenant, and the environment part holds no
 * file of any single tenant. Each check is a function of the compile functions, run on the real
 * ones and on planted faults it must catch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { loadTenants, type Tenant } from '../../charts/config/load-tenants';
import { tenantNamespace } from '../../charts/lib/constants';
import { objectFileName } from '../../charts/lib/serialize';
import { platformTenantObjects } from '../../charts/platform/build';
import {
  assemble,
  contentOf,
  environmentParts,
  type SynthInput,
  synthesize,
  tenantSegments,
  tenantUnitFiles,
} from '../../charts/synth/synthesize';
import { benchTenantsYaml } from '../../scripts/bench/tenants';

const ROOT = path.resolve(__dirname, '..', '..');
const environments = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
const infra = new Map(environments.map((e) => [e.name, loadInfraOutputs(ROOT, e.name, e)]));
/** The example tenants (alpha, beta, research: different features, research calls alpha) and two synthetic ones. */
const registry: Tenant[] = [
  ...loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8')),
  ...loadTenants(benchTenantsYaml(2)),
];
const inputOf = (tenants: readonly Tenant[]): SynthInput => ({ environments, tenants, infra });

type Unit = typeof tenantUnitFiles;
type Synth = (input: SynthInput) => Map<string, string>;
type Parts = (input: SynthInput) => Map<string, string>;

/** Route segments that record which tenants a unit looks up. */
class ReadSegments extends Map<string, string> {
  readonly read = new Set<string>();
  override get(key: string): string | undefined {
    this.read.add(key);
    return super.get(key);
  }
  override has(key: string): boolean {
    this.read.add(key);
    return super.has(key);
  }
}

/** The tenants a tenant's unit reads the segments of, itself included. */
function namedTenants(unit: Unit, t: Tenant, tenants: readonly Tenant[]): Tenant[] {
  const segments = new ReadSegments(tenantSegments(tenants));
  for (const env of environments) unit(t, env, infra.get(env.name)!, segments);
  return tenants.filter((o) => o === t || segments.read.has(o.name));
}

/**
 * Each tenant's unit, compiled within the whole registry and within a registry of only it and
 * the tenants it names: the same files, byte for byte, in `synthesize` too. Returns what differs.
 */
function unitIndependence(unit: Unit, synth: Synth, tenants: readonly Tenant[]): string[] {
  const problems: string[] = [];
  const whole = synth(inputOf(tenants));
  const segments = tenantSegments(tenants);
  for (const t of tenants) {
    const named = namedTenants(unit, t, tenants);
    for (const o of named)
      if (o !== t && !JSON.stringify(t).includes(o.name))
        problems.push(`${t.name} reads ${o.name}, which it never names`);
    const alone = synth(inputOf(named));
    for (const env of environments) {
      const files = unit(t, env, infra.get(env.name)!, segments);
      const own = unit(t, env, infra.get(env.name)!, tenantSegments(named));
      for (const [p, c] of files) {
        if (own.get(p) !== c) problems.push(`${p}: differs when ${t.name} is compiled without the other tenants`);
        if (whole.get(p) !== c) problems.push(`${p}: synthesize of the registry differs from the unit`);
        if (alone.get(p) !== c) problems.push(`${p}: synthesize of ${named.map((n) => n.name)} differs from the unit`);
      }
      for (const p of own.keys()) if (!files.has(p)) problems.push(`${p}: only when compiled alone`);
    }
  }
  return problems;
}

/** The files of the environment parts and the top-level READMEs: everything `assemble` gives that no unit does. */
const sharedFiles: Parts = (input) => {
  const files = new Map<string, string>();
  assemble(
    input,
    environmentParts(input),
    (p, c) => void files.set(p, contentOf(c)),
    () => undefined,
  );
  return files;
};

/**
 * The shared files and every unit partition `synthesize`: no path twice, nothing missing, nothing
 * more; every unit path names its tenant; and the shared files' paths are the same whatever the
 * registry (a tenant's file among them would come and go with it). Returns what is wrong.
 */
function partition(unit: Unit, shared: Parts, tenants: readonly Tenant[]): string[] {
  const problems: string[] = [];
  const input = inputOf(tenants);
  const union = new Map(shared(input));
  const segments = tenantSegments(tenants);
  for (const t of tenants)
    for (const env of environments)
      for (const [p, c] of unit(t, env, infra.get(env.name)!, segments)) {
        if (union.has(p)) problems.push(`${p}: in two parts`);
        if (!p.includes(t.name)) problems.push(`${p}: a file of ${t.name} whose path does not name it`);
        union.set(p, c);
      }
  const whole = synthesize(input);
  for (const [p, c] of whole) if (union.get(p) !== c) problems.push(`${p}: ${union.has(p) ? 'differs' : 'missing'}`);
  for (const p of union.keys()) if (!whole.has(p)) problems.push(`${p}: not in synthesize`);
  const paths = (ts: readonly Tenant[]) => [...shared(inputOf(ts)).keys()].sort();
  const reference = paths(tenants);
  for (const other of [
    tenants.slice(1),
    tenants.slice(0, 1),
    [...tenants, ...loadTenants(benchTenantsYaml(3)).slice(2)],
  ]) {
    const changed = paths(other);
    const differ = [...changed.filter((p) => !reference.includes(p)), ...reference.filter((p) => !changed.includes(p))];
    if (differ.length > 0) problems.push(`shared paths change with the registry: ${differ.join(', ')}`);
  }
  return problems;
}

/** A tenant's platform objects' file names, its namespace written <name>. */
function platformNames(objectsOf: typeof platformTenantObjects, t: Tenant): string[] {
  return environments.flatMap((env) =>
    objectsOf({ env, infra: infra.get(env.name)!, tenant: t }).flatMap(({ component, objects }) =>
      objects.map(
        (o) =>
          `${env.name}/${component.name}/${objectFileName(o as { kind: string; metadata: { name: string } }).replace(tenantNamespace(t.name), tenantNamespace('<name>'))}`,
      ),
    ),
  );
}

/** Tenants whose platform objects are not named like the first tenant's (the components' READMEs list those). */
function nonUniform(objectsOf: typeof platformTenantObjects, tenants: readonly Tenant[]): string[] {
  const first = JSON.stringify(platformNames(objectsOf, tenants[0]));
  return tenants.filter((t) => JSON.stringify(platformNames(objectsOf, t)) !== first).map((t) => t.name);
}

describe('tenant units', () => {
  it('compile each tenant from itself and the segments of the tenants it names, in any registry', () => {
    expect(registry.map((t) => t.name)).toContain('research');
    // research calls alpha: its unit reads alpha's segment, and nothing else of any tenant.
    expect(
      namedTenants(
        tenantUnitFiles,
        registry.find((t) => t.name === 'research')!,
        registry,
      ).map((t) => t.name),
    ).toEqual(['alpha', 'research']);
    expect(unitIndependence(tenantUnitFiles, synthesize, registry)).toEqual([]);
  });

  it('planted: a unit whose files depend on the tenant list is caught', () => {
    // A tenant's files that count the tenants synthesized with it.
    const leaky: Synth = (input) => {
      const files = synthesize(input);
      for (const [p, c] of files)
        if (p.includes('/tenants/') && p.endsWith('.yaml')) files.set(p, `${c}# ${input.tenants.length}\n`);
      return files;
    };
    expect(unitIndependence(tenantUnitFiles, leaky, registry).length).toBeGreaterThan(0);
    // A unit that reads a segment its tenant never names.
    const nosy: Unit = (t, env, inf, segments) => {
      segments.get('beta');
      return tenantUnitFiles(t, env, inf, segments);
    };
    expect(unitIndependence(nosy, synthesize, registry)).toContain('alpha reads beta, which it never names');
  });

  it('and the environment part partition synthesize, and the environment part holds no file of one tenant', () => {
    expect(partition(tenantUnitFiles, sharedFiles, registry)).toEqual([]);
  });

  it('planted: a tenant object left in the environment part, or a unit file missing, is caught', () => {
    // The Langfuse key of the first tenant, still compiled with the environment.
    const leftBehind: Parts = (input) => {
      const files = sharedFiles(input);
      const env = environments[0];
      const [t] = input.tenants;
      for (const [p, c] of tenantUnitFiles(t, env, infra.get(env.name)!, tenantSegments(input.tenants)))
        if (p.includes('/platform/langfuse/')) files.set(p, c);
      return files;
    };
    const problems = partition(tenantUnitFiles, leftBehind, registry);
    expect(problems).toContain('dist/dev/platform/langfuse/externalsecret-langfuse-tenant-alpha.yaml: in two parts');
    expect(problems.some((p) => p.startsWith('shared paths change with the registry'))).toBe(true);
    // A unit without its Argo CD projects.
    const partial: Unit = (...a) => new Map([...tenantUnitFiles(...a)].filter(([p]) => !p.startsWith('argocd/')));
    expect(partition(partial, sharedFiles, registry)).toContain(
      'argocd/dev/projects/appproject-tenant-alpha.yaml: missing',
    );
  });

  it("give every tenant platform objects of the same names, which the components' READMEs list once", () => {
    expect(platformNames(platformTenantObjects, registry[0]).length).toBe(2 * 7);
    expect(nonUniform(platformTenantObjects, registry)).toEqual([]);
    // Planted: a component that makes an object only for tenants with a sandbox router.
    const conditional: typeof platformTenantObjects = (ctx) =>
      platformTenantObjects(ctx).map((c) => ({
        ...c,
        objects: ctx.tenant.workloads.sandboxRouter ? c.objects : c.objects.slice(1),
      }));
    expect(nonUniform(conditional, registry)).not.toEqual([]);
  });
});
