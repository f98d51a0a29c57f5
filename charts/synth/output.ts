/**
 * The two ways `npm run synth` meets the output on disk, both over the one compile path
 * (`compileOutput`): compare a fresh compile with dist/ and argocd/ (--check), or write it, under
 * the output lock, staged beside the live folders and swapped in (synth/write.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIRS } from '../lib/constants';
import { type CompilePlan, type CompileResult, compileOutput, type SynthPool } from './parallel';
import {
  dropRecord,
  type FolderCheck,
  foldersOf,
  foldersUnchanged,
  fromTemplate,
  readFolderStamps,
  readRecord,
  readRecordHead,
  type RecordData,
  restampFolders,
  sameFolders,
  stampFolders,
  TemplateMatcher,
  TemplateTable,
  type UnitRecord,
  unitName,
  writeRecord,
} from './record';
import { OUTPUT_DIRS, type RememberFor, type SynthInput, tenantSegments } from './synthesize';
import { ComponentMemo } from './component-memo';
import { RouteTableMemo } from './route-memo';
import { readsHold, segmentsDigest, unitKey } from './units';
import {
  beginWrite,
  drift,
  existingFiles,
  lockOutput,
  OutputSink,
  pendingRecovery,
  recoverInterruptedSwap,
  type WriteReport,
} from './write';

/** Tenants that have a folder in the current dist/ but not in the new output, as <env>/<tenant>. */
export function removedTenants(root: string, produced: Iterable<string>): string[] {
  const dirs = new Set<string>();
  for (const f of existingFiles(root, [DIRS.dist])) {
    const parts = f.split('/');
    if (parts[2] === DIRS.tenants && parts.length > 4) dirs.add(`${parts[1]}/${parts[3]}`);
  }
  for (const f of produced) {
    const parts = f.split('/');
    if (parts[2] === DIRS.tenants && parts.length > 4) dirs.delete(`${parts[1]}/${parts[3]}`);
  }
  return [...dirs].sort();
}

/** What differs between a fresh compile and the output on disk: one line per file. */
export async function checkOutput(
  root: string,
  input: SynthInput,
  pool?: SynthPool,
): Promise<{ produced: Set<string>; stale: string[] }> {
  const spec = { root, whole: [] };
  const { produced, reports } = await compileOutput(input, new OutputSink(spec), spec, pool);
  const found = drift(root, OUTPUT_DIRS, produced, reports);
  return {
    produced,
    stale: [
      ...found.changed.map((f) => `changed: ${f}`),
      ...found.missing.map((f) => `missing: ${f}`),
      ...found.extra.map((f) => `extra:   ${f}`),
    ],
  };
}

export interface WriteOutcome {
  /** How many files the output has. */
  readonly files: number;
  readonly report: WriteReport;
  /** Tenant folders the new output no longer has (<env>/<tenant>). */
  readonly removed: string[];
  /** Folders an interrupted earlier run had left half swapped, now finished. */
  readonly recovered: string[];
  /** When compiling and staging ended (process.hrtime.bigint()). */
  readonly compiled: bigint;
  /** Tenant × environment units compiled, and how many there are; platform components built of all. */
  readonly units: {
    readonly compiled: number;
    readonly total: number;
    readonly components?: { readonly built: number; readonly total: number };
    /** Route tables computed of all (the others remembered, synth/route-memo.ts). */
    readonly routeTables?: { readonly computed: number; readonly total: number };
  };
}

/** What the synth record of this run is keyed on (see synth/record.ts). */
export interface RecordInputs {
  /** Digest of the compiler and every input file. */
  readonly inputs: string;
  /** Per environment name: digest of the compiler, the environment and its cluster outputs. */
  readonly environments: ReadonlyMap<string, string>;
}

/** The record of the last write, when the output on disk is still what it left. */
async function usableRecord(
  root: string,
  recovered: readonly string[],
  check: FolderCheck | undefined,
): Promise<RecordData | undefined> {
  const prev = readRecord(root);
  if (!prev || recovered.length > 0) return undefined;
  if (!OUTPUT_DIRS.every((d) => fs.existsSync(path.join(root, d)))) return undefined;
  // A check started earlier holds when it checked the folders this record lists.
  if (check && sameFolders(check.dirs, prev.dirs)) return (await check.unchanged) ? prev : undefined;
  return foldersUnchanged(root, prev.dirs) ? prev : undefined;
}

/**
 * Which tenants to compile against the record: those with a unit whose inputs changed. The
 * others' paths stay in the record's templates: counted and matched there, never listed.
 */
function planFrom(prev: RecordData, input: SynthInput, keys: RecordInputs): CompilePlan {
  const segments = tenantSegments(input.tenants);
  let whole: string | undefined;
  const wholeDigest = () => (whole ??= segmentsDigest(segments));
  const compile = input.tenants.map((t) =>
    input.environments.some((env) => {
      const unit = prev.units[unitName(env.name, t.name)];
      const envKey = keys.environments.get(env.name);
      return !unit || !envKey || unit.key !== unitKey(envKey, t) || !readsHold(unit.reads, segments, wholeDigest);
    }),
  );
  return {
    compile,
    ...knownUnits(prev, input.tenants, input.environments, compile),
    onDisk: (p) => (Object.hasOwn(prev.shared, p) ? prev.shared[p] : undefined),
  };
}

/**
 * How many files each unit not compiled has and which of them holds a path, from the record's
 * templates (exported for tests).
 */
export function knownUnits(
  prev: Pick<RecordData, 'units' | 'templates'>,
  tenants: readonly { readonly name: string }[],
  environments: readonly { readonly name: string }[],
  compile: readonly boolean[],
): Pick<CompilePlan, 'count' | 'owner'> {
  const recorded = (i: number, e: number) => prev.units[unitName(environments[e].name, tenants[i].name)];
  const matcher = new TemplateMatcher(prev.templates);
  const tenantIndex = new Map(tenants.map((t, i) => [t.name, i]));
  // Units not compiled by template, for a template path without the tenant's name (needed rarely).
  let byTemplate: Map<number, [number, number][]> | undefined;
  const ofTemplate = (template: number) => {
    if (!byTemplate) {
      byTemplate = new Map();
      tenants.forEach((_t, i) => {
        if (compile[i]) return;
        environments.forEach((_env, e) => {
          const files = recorded(i, e).files;
          let list = byTemplate!.get(files);
          if (!list) byTemplate!.set(files, (list = []));
          list.push([i, e]);
        });
      });
    }
    return byTemplate.get(template) ?? [];
  };
  return {
    count: (i, e) => prev.templates[recorded(i, e).files].length,
    owner: (p) => {
      for (const { template, index, name } of matcher.matches(p)) {
        if (name === '') {
          const [unit] = ofTemplate(template);
          if (unit) return { tenant: unit[0], env: unit[1], index };
          continue;
        }
        const i = tenantIndex.get(name);
        if (i === undefined || compile[i]) continue;
        const e = environments.findIndex((_env, e) => recorded(i, e).files === template);
        if (e >= 0) return { tenant: i, env: e, index };
      }
      return undefined;
    },
  };
}

/**
 * Live files the new output may no longer have, from the record: no walk over the output. Those
 * of units not compiled are still produced; the rest are to be checked against the compiled and
 * shared paths only (in the last write, they shared no path with a unit not compiled now).
 */
function deletionsFrom(prev: RecordData, input: SynthInput, plan: CompilePlan, shared: ReadonlyMap<string, string>) {
  const out: string[] = [];
  for (const p of Object.keys(prev.shared)) if (!shared.has(p)) out.push(p);
  const current = new Map(input.tenants.map((t, i) => [t.name, i]));
  const envs = new Set(input.environments.map((e) => e.name));
  for (const name of Object.keys(prev.units)) {
    const [env, tenant] = name.split('/');
    const i = current.get(tenant);
    if (i !== undefined && envs.has(env) && !plan.compile[i]) continue; // unchanged: same files
    out.push(...fromTemplate(prev.templates[prev.units[name].files], tenant));
  }
  return out;
}

/** Tenant folders of the record whose tenant or environment is gone, as <env>/<tenant>. */
function removedFrom(prev: RecordData, input: SynthInput): string[] {
  const now = new Set(input.environments.flatMap((e) => input.tenants.map((t) => unitName(e.name, t.name))));
  return Object.keys(prev.units)
    .filter((u) => !now.has(u))
    .sort();
}

/** The record of what this write put on disk. */
function recordOf(
  root: string,
  input: SynthInput,
  keys: RecordInputs,
  result: CompileResult,
  prev: RecordData | undefined,
  touched: readonly string[] | undefined,
): Omit<RecordData, 'version'> {
  const table = new TemplateTable();
  const units: Record<string, UnitRecord> = {};
  const templateIndex = new Map<number, number>();
  input.tenants.forEach((t, i) => {
    input.environments.forEach((env, e) => {
      const name = unitName(env.name, t.name);
      const compiled = result.units[i];
      if (compiled) {
        const u = compiled[e];
        const key = unitKey(keys.environments.get(env.name)!, t);
        units[name] = { key, reads: u.reads, files: table.add(u.paths, t.name), content: u.content };
      } else {
        const old = prev!.units[name];
        let files = templateIndex.get(old.files);
        if (files === undefined) {
          files = table.addTemplate(prev!.templates[old.files]);
          templateIndex.set(old.files, files);
        }
        units[name] = files === old.files ? old : { ...old, files };
      }
    });
  });
  const shared: Record<string, string> = {};
  for (const [p, d] of [...result.shared].sort(([a], [b]) => (a < b ? -1 : 1))) shared[p] = d;
  return {
    inputs: keys.inputs,
    environments: Object.fromEntries(keys.environments),
    units,
    templates: table.list,
    shared,
    // Only folders that gained or lost an entry have a new time: the others keep the one verified.
    dirs: prev && touched ? restampFolders(root, prev.dirs, touched) : stampFolders(root, foldersOf(result.produced)),
    files: result.files,
  };
}

/**
 * Compiles into dist/ and argocd/: nothing changes on disk unless the whole compile succeeds.
 * With record keys, tenants whose inputs are as the record of the last write says are not
 * compiled again, and the files to delete come from the record; a new record is written after
 * the swap. Without keys, the record is dropped (it would no longer describe the output); `fresh`
 * compiles everything and writes a new one.
 */
export async function writeOutput(
  root: string,
  input: SynthInput,
  pool?: SynthPool | (() => SynthPool | undefined),
  keys?: RecordInputs,
  fresh = false,
  folderCheck?: FolderCheck,
): Promise<WriteOutcome> {
  const release = lockOutput(root);
  try {
    const recovered = recoverInterruptedSwap(root);
    const prev = keys && !fresh ? await usableRecord(root, recovered, folderCheck) : undefined;
    const plan = prev && keys ? planFrom(prev, input, keys) : undefined;
    // Components are remembered only alongside the record's keys, and never for --fresh; read
    // before the record goes (their memory holds whatever the output on disk is).
    const memo = keys && !fresh ? new ComponentMemo(root) : undefined;
    const routeMemo = keys && !fresh ? new RouteTableMemo(root) : undefined;
    // Until the new record is written, none describes the output.
    dropRecord(root);
    const pending = beginWrite(root, OUTPUT_DIRS);
    const remember: RememberFor | undefined =
      memo &&
      ((env) => {
        const environmentKey = keys!.environments.get(env.name);
        return environmentKey === undefined
          ? undefined
          : {
              component: (component, build) => memo.parts(env.name, environmentKey, component, input.tenants, build),
              routeTable: routeMemo?.forEnvironment(env.name, environmentKey),
            };
      });
    let result: CompileResult;
    try {
      result = await compileOutput(input, pending.sink, pending.spec, pool, plan, remember);
    } catch (e) {
      pending.abort();
      throw e;
    }
    const compiled = process.hrtime.bigint();
    const removed = prev ? removedFrom(prev, input) : removedTenants(root, result.produced);
    const deletions = prev && plan ? deletionsFrom(prev, input, plan, result.shared) : undefined;
    const report = pending.commit(result.produced, result.reports.slice(1), undefined, deletions);
    const touched = deletions
      ? [...deletions, ...result.reports.flatMap((r) => [...r.changed, ...r.added])]
      : undefined;
    if (keys) writeRecord(root, recordOf(root, input, keys, result, prev, touched));
    memo?.save();
    routeMemo?.save();
    const total = input.tenants.length * input.environments.length;
    const count = plan ? plan.compile.filter(Boolean).length * input.environments.length : total;
    const components = memo && { built: memo.built, total: memo.built + memo.recalled };
    const routeTables = routeMemo && { computed: routeMemo.computed, total: routeMemo.computed + routeMemo.recalled };
    return {
      files: result.files,
      report,
      removed,
      recovered,
      compiled,
      units: { compiled: count, total, ...(components ? { components } : {}), ...(routeTables ? { routeTables } : {}) },
    };
  } finally {
    release();
  }
}

/**
 * Whether the output is what the record says the inputs produce: the same inputs, and every
 * folder as the last write left it. Then a synth has nothing to do. Returns the file count.
 */
export function upToDate(root: string, inputs: string): number | undefined {
  if (pendingRecovery(root)) return undefined;
  const prev = readRecordHead(root);
  if (!prev || prev.inputs !== inputs) return undefined;
  const dirs = readFolderStamps(root, prev);
  return dirs && foldersUnchanged(root, dirs) ? prev.files : undefined;
}
