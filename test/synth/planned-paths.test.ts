/**
 * The path checks of an incremental compile (charts/synth/parallel.ts `PlannedPaths`, with the
 * record's templates matched by charts/synth/output.ts `knownUnits`): without listing the units
 * not compiled, the first error is the one a fresh compile (`ProducedPaths` over every path in
 * `assemble` order) reports, and the file count is its count. Checked on random outputs whose
 * tenant names overlap (`a`, `a-b`, `ab`) so that units, templates and shared files collide.
 */
import { describe, expect, it } from 'vitest';
import { type CompilePlan, PlannedPaths } from '../../charts/synth/parallel';
import { knownUnits } from '../../charts/synth/output';
import { TemplateTable, type UnitRecord, unitName } from '../../charts/synth/record';
import { ProducedPaths } from '../../charts/synth/synthesize';
import { seededRandom } from '../seeded';

const NAMES = ['a', 'b', 'ab', 'a-b', 'b-a', 'aa', 'team-1', 'team-10', 'nts'];
/** Paths of a tenant's unit, `\0` for its name; some collide across names (`app-a-b` is a's and a-b's). */
const UNIT_PATHS = (env: string) => [
  `dist/${env}/tenants/\0/README.md`,
  `dist/${env}/tenants/\0/ns-\0.yaml`,
  `dist/${env}/platform/obs/deploy-tenant-\0.yaml`,
  `dist/${env}/platform/obs/deploy-tenant-\0-b.yaml`,
  `argocd/${env}/projects/app-\0.yaml`,
  `argocd/${env}/projects/app-\0-b.yaml`,
  `dist/${env}/platform/obs/shared.yaml`,
  `dist/${env}/tenants/README.md`,
];
const SHARED_PATHS = (env: string) => [
  `dist/${env}/README.md`,
  `dist/${env}/tenants/README.md`,
  `dist/${env}/platform/obs/deploy-tenant-a.yaml`,
  `argocd/${env}/projects/app-b.yaml`,
  `argocd/${env}/projects/app-a-b.yaml`,
  `outside/${env}.md`,
];

interface Case {
  readonly envs: string[];
  readonly tenants: string[];
  readonly compile: boolean[];
  /** Per env, per tenant: the unit's paths. */
  readonly units: string[][][];
  readonly top: string[];
  readonly head: string[][];
  readonly tail: string[][];
  readonly record: { units: Record<string, UnitRecord>; templates: string[][] };
}

function randomCase(rnd: () => number): Case {
  const pick = <T>(xs: readonly T[], n: number): T[] => {
    const pool = [...xs];
    const out: T[] = [];
    while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]);
    return out;
  };
  const envs = rnd() < 0.5 ? ['dev'] : ['dev', 'prod'];
  const tenants = pick(NAMES, 2 + Math.floor(rnd() * 5));
  const units = envs.map((env) =>
    tenants.map((t) =>
      pick(
        UNIT_PATHS(env).filter((p) => p.includes('\0') || rnd() < 0.15),
        1 + Math.floor(rnd() * 5),
      ).map((p) => p.split('\0').join(t)),
    ),
  );
  // Units not compiled are those of the last write, which had no collision: their paths are
  // distinct. A tenant whose units would overlap those already kept is compiled.
  const kept = new Set<string>();
  const compile = tenants.map((_t, i) => {
    const paths = units.flatMap((perTenant) => perTenant[i]);
    if (rnd() < 0.35 || paths.some((p) => kept.has(p)) || new Set(paths).size !== paths.length) return true;
    for (const p of paths) kept.add(p);
    return false;
  });
  const table = new TemplateTable();
  const recordUnits: Record<string, UnitRecord> = {};
  const unit = (files: number): UnitRecord => ({ key: '', reads: [], files, content: '' });
  envs.forEach((env, e) =>
    tenants.forEach((t, i) => {
      // A compiled tenant's record, when it has one, names older paths.
      if (!compile[i]) recordUnits[unitName(env, t)] = unit(table.add(units[e][i], t));
      else if (rnd() < 0.5)
        recordUnits[unitName(env, t)] = unit(
          table.add(
            pick(UNIT_PATHS(env), 2).map((p) => p.split('\0').join(t)),
            t,
          ),
        );
    }),
  );
  // A tenant removed since keeps its record.
  const gone = NAMES.find((n) => !tenants.includes(n))!;
  recordUnits[unitName('dev', gone)] = unit(table.add([`dist/dev/tenants/${gone}/README.md`], gone));
  const shared = (env: string) =>
    pick(SHARED_PATHS(env), Math.floor(rnd() * 3)).filter((p) => !p.startsWith('outside') || rnd() < 0.3);
  return {
    envs,
    tenants,
    compile,
    units,
    top: rnd() < 0.1 ? ['dist/README.md', 'dist/README.md'] : ['dist/README.md', 'argocd/README.md'],
    head: envs.map(shared),
    tail: envs.map(shared),
    record: { units: recordUnits, templates: table.list },
  };
}

/** What a check of the whole walk ends with: the first error's message, or the file count. */
function walk(
  c: Case,
  paths: (p: string) => void,
  unit: (i: number, e: number, paths?: string[]) => void,
  count: () => number,
): string {
  try {
    for (const p of c.top) paths(p);
    c.envs.forEach((_env, e) => {
      for (const p of c.head[e]) paths(p);
      c.tenants.forEach((_t, i) => unit(i, e, c.compile[i] ? c.units[e][i] : undefined));
      for (const p of c.tail[e]) paths(p);
    });
    return `${count()} files`;
  } catch (e) {
    return (e as Error).message;
  }
}

function fresh(c: Case): string {
  const produced = new ProducedPaths();
  return walk(
    c,
    (p) => produced.record(p),
    (i, e) => c.units[e][i].forEach((p) => produced.record(p)),
    () => produced.paths.size,
  );
}

function incremental(c: Case, mutate: (plan: CompilePlan) => CompilePlan = (p) => p): string {
  const plan = mutate({
    compile: c.compile,
    ...knownUnits(
      c.record,
      c.tenants.map((name) => ({ name })),
      c.envs.map((name) => ({ name })),
      c.compile,
    ),
  });
  const planned = new PlannedPaths(plan, c.tenants.length);
  return walk(
    c,
    (p) => planned.record(p),
    (i, e, paths) => planned.unit(i, e, paths),
    () => planned.files,
  );
}

/** Cases that end alike incrementally and fresh, and what the fresh ones ended with. */
function replay(cases: number, mutate?: (plan: CompilePlan) => CompilePlan) {
  const rnd = seededRandom(20261206);
  const outcomes = { same: 0, differ: [] as string[], kinds: { files: 0, collision: 0, outside: 0, atKnown: 0 } };
  for (let n = 0; n < cases; n++) {
    const c = randomCase(rnd);
    const expected = fresh(c);
    const got = incremental(c, mutate);
    if (got === expected) outcomes.same++;
    else outcomes.differ.push(`case ${n}: fresh "${expected}", incremental "${got}"`);
    if (expected.endsWith(' files')) outcomes.kinds.files++;
    else if (expected.includes('is outside')) outcomes.kinds.outside++;
    else {
      outcomes.kinds.collision++;
      // The path named is one of a unit not compiled: the fresh walk met it there second.
      const named = expected.slice('synth: two outputs map to '.length, expected.indexOf(';'));
      if (c.units.some((perTenant) => perTenant.some((paths, i) => !c.compile[i] && paths.includes(named))))
        outcomes.kinds.atKnown++;
    }
  }
  return outcomes;
}

describe('PlannedPaths', () => {
  it('ends every random walk as a fresh check of every path does: same first error, same file count', () => {
    const r = replay(3000);
    expect(r.differ.slice(0, 5)).toEqual([]);
    // Every outcome occurs often enough to be tested.
    expect(r.kinds.files).toBeGreaterThan(500);
    expect(r.kinds.outside).toBeGreaterThan(100);
    expect(r.kinds.collision).toBeGreaterThan(800);
    expect(r.kinds.atKnown).toBeGreaterThan(400);
  });

  // Planted faults: each breaks one check, and the comparison with the fresh walk finds it.
  it('a plan blind to the paths of units not compiled misses collisions with them', () => {
    expect(replay(3000, (plan) => ({ ...plan, owner: () => undefined })).differ.length).toBeGreaterThan(0);
  });
  it("a plan that misplaces a path in its unit names another collision than the fresh walk's first", () => {
    const misplaced = (plan: CompilePlan): CompilePlan => ({
      ...plan,
      owner: (p) => {
        const o = plan.owner(p);
        return o && { ...o, index: -o.index };
      },
    });
    expect(replay(3000, misplaced).differ.length).toBeGreaterThan(0);
  });
  it('a plan that miscounts the files of units not compiled is caught by the count', () => {
    expect(replay(3000, (plan) => ({ ...plan, count: (i, e) => plan.count(i, e) + 1 })).differ.length).toBeGreaterThan(
      0,
    );
  });
});
