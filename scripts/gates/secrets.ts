/**
 * Secrets gate: gitleaks finds nothing in dist/ and argocd/, in working-tree files that differ
 * from HEAD, or in the history of HEAD. Together these cover every file of the repository: what
 * is committed is in the history scan.
 *
 * The history scan remembers (under .tools/gitleaks/) the last commit it found clean, for the
 * same gitleaks version and configuration, and then scans only the commits after it; a fresh
 * clone scans the whole history. .gitleaks.toml (default rules plus one narrow allow-list entry,
 * with its reason) is passed to every scan.
 *
 * dist/ and argocd/ hold one directory per environment, and a tenant's file is often the same in
 * every environment. Files whose paths differ only in that directory and whose bytes are equal
 * are scanned once, through a copy of the output holding one of each, and a finding is reported
 * for every copy: gitleaks judges a file by its bytes and its path, and its path rules (file
 * types, vendor/, node_modules/ and the like) do not look at an environment's name. A file found
 * clean before, with the same bytes, path below the environment directory, gitleaks build and
 * configuration, is not scanned again (verdicts.ts).
 *
 * Under a root that is not a git repository (validate --root on a synthesized copy) only dist/
 * and argocd/ are scanned: there is no history and no changed file to scan.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIRS } from '../../charts/lib/constants';
import { requireTool, stampFor, tool, TOOLS_DIR } from '../toolchain/tools';
import { type GateResult, since } from '../kube/manifests';
import type { OutputRecord } from '../kube/record';
import type { StatCache } from '../kube/stat-cache';
import { type FileGroup, fileGroups } from './units';
import { runTool } from '../toolchain/run-tool';
import { CleanVerdicts, digestOf } from './verdicts';

const ROOT = path.resolve(__dirname, '..', '..');

/** The gitleaks configuration of the repository. */
export const GITLEAKS_CONFIG = path.join(ROOT, '.gitleaks.toml');

interface Finding {
  RuleID: string;
  File: string;
  StartLine: number;
  Commit?: string;
  Description: string;
}

function countFiles(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return 1;
  return fs.readdirSync(p).reduce((n, e) => n + countFiles(path.join(p, e)), 0);
}

/** Runs one gitleaks scan (`dir <path>` or `git`) in cwd and returns its findings. */
export async function scan(args: readonly string[], cwd: string): Promise<Finding[]> {
  const bin = requireTool('gitleaks');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitleaks-'));
  const report = path.join(dir, 'report.json');
  try {
    const res = await runTool(
      bin,
      // --gitleaks-ignore-path: a .gitleaksignore file would silence findings unseen; only the
      // reviewed .gitleaks.toml may allow anything.
      [
        ...args,
        '--config',
        GITLEAKS_CONFIG,
        '--gitleaks-ignore-path',
        dir,
        '--no-banner',
        '--no-color',
        '--redact',
        '--report-format',
        'json',
        '--report-path',
        report,
        '--exit-code',
        '0',
        '--log-level',
        'warn',
      ],
      { cwd },
    );
    if (res.code !== 0 || !fs.existsSync(report))
      throw new Error(`gitleaks ${args.join(' ')} exited with ${res.code}: ${res.stderr.trim()}`);
    return JSON.parse(fs.readFileSync(report, 'utf8')) as Finding[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function git(root: string, ...args: string[]): Promise<string> {
  const res = await runTool('git', args, { cwd: root });
  if (res.code !== 0) throw new Error(`git ${args.join(' ')} exited with ${res.code}: ${res.stderr.trim()}`);
  return res.stdout;
}

/** Working-tree paths to scan: dist/, argocd/, and files that differ from HEAD (modified or untracked, not ignored). */
export async function workingTreeTargets(root: string, isGit: boolean): Promise<string[]> {
  const out = new Set<string>([DIRS.dist, DIRS.argocd].filter((d) => fs.existsSync(path.join(root, d))));
  if (isGit) {
    const changed = (await git(root, 'ls-files', '-z', '--modified', '--others', '--exclude-standard'))
      .split('\0')
      .filter(Boolean);
    for (const f of changed) {
      const top = f.split('/')[0];
      if (top !== DIRS.dist && top !== DIRS.argocd && fs.existsSync(path.join(root, f))) out.add(f);
    }
  }
  return [...out].sort();
}

/** Where the last clean history scan is remembered, keyed by gitleaks version and configuration. */
function historyStamp(root: string): string {
  const t = tool('gitleaks');
  const key = createHash('sha256')
    .update(`${t.module}@${t.version}\0`)
    .update(fs.readFileSync(GITLEAKS_CONFIG))
    .digest('hex')
    .slice(0, 16);
  return path.join(root, TOOLS_DIR, 'gitleaks', `history-clean-${key}`);
}

/** Files under the output directories (relative paths), sorted. */
function outputFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs
      .readdirSync(path.join(root, rel), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  for (const d of [DIRS.dist, DIRS.argocd]) if (fs.existsSync(path.join(root, d))) walk(d);
  return out;
}

/**
 * The output files to scan, each with its copies: files under dist/<env>/ or argocd/<env>/ with
 * equal bytes and equal paths below the environment directory are one entry. Pure but for
 * reading the files.
 */
export function distinctOutputFiles(root: string, files: readonly string[]): Map<string, string[]> {
  return new Map([...outputGroups(root, files).values()].map((g) => [g[0], g]));
}

/**
 * Groups of output files with equal bytes and equal paths below the environment directory, by a
 * digest of both; `digests` (repository path → sha256 of the content, from the output's record)
 * spares reading the files.
 */
function outputGroups(
  root: string,
  files: readonly string[],
  digests?: ReadonlyMap<string, string>,
): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const parts = f.split('/');
    const below = parts.length > 2 ? [parts[0], ...parts.slice(2)].join('/') : f;
    const key = digestOf(`${digests?.get(f) ?? digestOf(fs.readFileSync(path.join(root, f)))}\0${below}`);
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  return groups;
}

const OUTPUT_FIX =
  'remove the secret (secret values stay out of git and dist/: reference them through an ExternalSecret)';

/**
 * gitleaks over a temporary folder holding the given output files (repository paths): their
 * findings. Hard links where the folder shares the file system (copying 36,000 files took 12 s of
 * system time here), copies elsewhere. A link changes its file's change time; made through the
 * stat cache, the file's entry follows it, so the next run does not read the file again.
 */
async function scanLinked(root: string, files: Iterable<string>, stats?: StatCache): Promise<Finding[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitleaks-output-'));
  const linked: string[] = [];
  try {
    const made = new Set<string>();
    for (const f of files) {
      const target = path.join(dir, f);
      if (!made.has(path.dirname(target))) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        made.add(path.dirname(target));
      }
      try {
        if (stats) stats.link(f, path.join(root, f), target);
        else fs.linkSync(path.join(root, f), target);
        linked.push(f);
      } catch {
        fs.copyFileSync(path.join(root, f), target);
      }
    }
    return await scan(['dir', '.'], dir);
  } finally {
    if (stats)
      for (const f of linked) {
        try {
          stats.unlink(f, path.join(dir, f));
        } catch {
          // Removed with the folder below; the next run reads the file again.
        }
      }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Scans one of each distinct output file not found clean before, in a temporary copy, and
 * reports findings for every copy.
 */
async function scanOutput(
  root: string,
  record?: OutputRecord,
  stats?: StatCache,
): Promise<{ files: number; looked: number; distinct: number; remembered: number; units: string; errors: string[] }> {
  const t = tool('gitleaks');
  const inputs = [stampFor(t), fs.readFileSync(GITLEAKS_CONFIG, 'utf8'), 'dir'];
  // Groups of files (units.ts) found clean before are not looked at file by file.
  const unitVerdicts = new CleanVerdicts('gitleaks', [...inputs, 'units']);
  const pendingUnits: FileGroup[] = [];
  let total: number;
  let files: string[];
  let digests: ReadonlyMap<string, string> | undefined;
  let units = '';
  if (record) {
    const pending = new Map<string, string>();
    const groups = fileGroups(record);
    total = 0;
    for (const group of groups) {
      total += group.files.size;
      if (unitVerdicts.clean(group.key) !== undefined) continue;
      pendingUnits.push(group);
      for (const [f, d] of group.files) pending.set(f, d);
    }
    files = [...pending.keys()].sort();
    digests = pending;
    units = `${groups.length} directories (a tenant's, or another), ${groups.length - pendingUnits.length} of them found clean before; `;
  } else {
    files = outputFiles(root);
    total = files.length;
  }
  if (files.length === 0) return { files: total, looked: 0, distinct: 0, remembered: 0, units, errors: [] };
  const groups = outputGroups(root, files, digests);
  const verdicts = new CleanVerdicts('gitleaks', inputs, undefined, undefined, true);
  const toScan = new Map<string, { key: string; copies: string[] }>();
  for (const [key, copies] of groups) if (verdicts.clean(key) === undefined) toScan.set(copies[0], { key, copies });
  const errors: string[] = [];
  const dirty = new Set<string>();
  if (toScan.size > 0) {
    const withFindings = new Set<string>();
    for (const finding of await scanLinked(root, toScan.keys(), stats)) {
      const file = finding.File.replace(/^\.\//, '');
      withFindings.add(file);
      for (const copy of toScan.get(file)?.copies ?? [file]) dirty.add(copy);
      for (const copy of toScan.get(file)?.copies ?? [file])
        errors.push(`${copy}:${finding.StartLine}: gitleaks ${finding.RuleID}: ${finding.Description}; ${OUTPUT_FIX}`);
    }
    for (const [file, { key }] of toScan) if (!withFindings.has(file)) verdicts.add(key, 1);
    verdicts.save();
  }
  for (const unit of pendingUnits)
    if (![...unit.files.keys()].some((f) => dirty.has(f))) unitVerdicts.add(unit.key, unit.files.size);
  unitVerdicts.save();
  return {
    files: total,
    looked: files.length,
    distinct: groups.size,
    remembered: verdicts.remembered,
    units,
    errors: errors.sort(),
  };
}

/**
 * Runs the secrets gate over the repository (or a copy of the output) at root; `record` holds the
 * digests of every file of dist/ and argocd/, when known, and `stats` the stat cache they were read
 * through, when its caller saves it after the gates.
 */
export async function secretsGate(root: string, record?: OutputRecord, stats?: StatCache): Promise<GateResult> {
  const started = Date.now();
  const errors: string[] = [];
  const isGit = fs.existsSync(path.join(root, '.git'));
  const output = await scanOutput(root, record, stats);
  errors.push(...output.errors);
  let files = output.files;
  for (const t of await workingTreeTargets(root, isGit)) {
    if (t === DIRS.dist || t === DIRS.argocd) continue;
    files += countFiles(path.join(root, t));
    for (const f of await scan(['dir', t], root)) {
      errors.push(`${f.File}:${f.StartLine}: gitleaks ${f.RuleID}: ${f.Description}; ${OUTPUT_FIX}`);
    }
  }
  let commits = 0;
  let range = 'none';
  if (isGit) {
    const head = (await git(root, 'rev-parse', 'HEAD')).trim();
    const stamp = historyStamp(root);
    const last = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
    const incremental =
      last !== '' && (await runTool('git', ['merge-base', '--is-ancestor', last, head], { cwd: root })).code === 0;
    range = incremental ? `${last}..${head}` : head;
    commits = Number((await git(root, 'rev-list', '--count', range)).trim());
    const found = commits === 0 ? [] : await scan(['git', `--log-opts=${range}`, '.'], root);
    for (const f of found) {
      errors.push(
        `commit ${f.Commit?.slice(0, 12)} ${f.File}:${f.StartLine}: gitleaks ${f.RuleID}: ${f.Description}; remove it from the history and rotate the secret`,
      );
    }
    if (found.length === 0) {
      fs.mkdirSync(path.dirname(stamp), { recursive: true });
      fs.writeFileSync(stamp, `${head}\n`);
    }
    range = incremental ? `${commits} new commits since the last clean scan` : `${commits} commits (whole history)`;
  }
  const history = isGit ? range : 'not a git repository: no history or changed files to scan';
  return {
    gate: 'gitleaks',
    checked: files + commits,
    unit: 'files and commits',
    errors,
    ms: since(started),
    notes: [
      `${files} working-tree files (${output.units}${output.distinct} distinct output files of ${output.looked}, ${output.remembered} of them found clean before), ${history}`,
    ],
  };
}
