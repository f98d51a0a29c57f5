/**
 * The two sides of `npm run diff`: dist/ and argocd/ at a git commit, read with two git processes
 * whatever the number of files (`git ls-tree -r` for the list, one `git cat-file --batch` for
 * every blob), and the same folders in the working tree as they are on disk.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIRS } from '../../charts/lib/constants';
import { existingFiles } from '../../charts/synth/write';
import { UserError } from '../lib/cli';

/** The folders compared. */
export const COMPARED_DIRS = [DIRS.dist, DIRS.argocd] as const;

/** Branches tried, in order, for the default base: the merge base of HEAD with the first that exists. */
export const DEFAULT_BASES = ['main', 'origin/main'] as const;

interface GitResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function git(root: string, args: readonly string[], input?: string): GitResult {
  const r = spawnSync('git', [...args], { cwd: root, input, maxBuffer: 1 << 30 });
  if (r.error) throw new UserError(`git could not be started (${r.error.message}); install git`);
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr.toString('utf8').trim() };
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

/** The commit a ref names; a one-line UserError when it names none. */
export function resolveCommit(root: string, ref: string): string {
  const top = git(root, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0)
    throw new UserError(`${root} is not in a git repository; npm run diff compares dist/ and argocd/ with a commit`);
  const r = git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (r.code !== 0)
    throw new UserError(
      `${ref} names no commit in this repository; give a branch, tag or commit, such as origin/main (git fetch first for a remote branch)`,
    );
  return r.stdout.toString('utf8').trim();
}

/**
 * The default base: the merge base of HEAD with main, else with origin/main, so that the report
 * shows what this branch changes and not what main gained since.
 */
export function defaultBase(root: string): { readonly branch: string; readonly commit: string } {
  resolveCommit(root, 'HEAD');
  for (const branch of DEFAULT_BASES) {
    if (git(root, ['rev-parse', '--verify', '--quiet', `${branch}^{commit}`]).code !== 0) continue;
    const r = git(root, ['merge-base', 'HEAD', branch]);
    if (r.code === 0) return { branch, commit: r.stdout.toString('utf8').trim() };
  }
  throw new UserError(
    `no base to compare with: neither ${DEFAULT_BASES.join(' nor ')} exists here with history shared with HEAD; name one: npm run diff -- <ref>`,
  );
}

/** Parses `git ls-tree -r -z` output into [mode, oid, path] of blobs. */
export function parseLsTree(out: Buffer): { readonly oid: string; readonly path: string }[] {
  const entries: { oid: string; path: string }[] = [];
  for (const rec of out.toString('utf8').split('\0')) {
    if (rec === '') continue;
    const tab = rec.indexOf('\t');
    const [, type, oid] = rec.slice(0, tab).split(' ');
    if (type === 'blob') entries.push({ oid, path: rec.slice(tab + 1) });
  }
  return entries;
}

/**
 * Parses `git cat-file --batch` output: per object `<oid> <type> <size>\n<content>\n`, or
 * `<name> missing\n`. Returns the contents in input order.
 */
export function parseCatFileBatch(out: Buffer, count: number): string[] {
  const contents: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const nl = out.indexOf(0x0a, at);
    if (nl < 0) throw new Error(`git cat-file --batch ended after ${i} of ${count} objects`);
    const header = out.subarray(at, nl).toString('utf8');
    const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
    if (!m) throw new Error(`git cat-file --batch: unexpected header ${JSON.stringify(header)}`);
    const size = Number(m[3]);
    contents.push(out.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    at = nl + 1 + size + 1;
  }
  return contents;
}

/** Path specifications up to which a listing names the paths rather than the folders. */
const MAX_PATHSPECS = 2000;

/**
 * dist/ and argocd/ as committed in `commit`: repository path → content. With `only`, the paths
 * it accepts (every path is listed, only those are read); with `paths` as well, only those paths
 * and the folders of `dirs` are listed.
 */
export function filesAtCommit(
  root: string,
  commit: string,
  only?: (file: string) => boolean,
  paths?: { readonly files: ReadonlySet<string>; readonly dirs: readonly string[] },
): Map<string, string> {
  const specs =
    paths && paths.files.size <= MAX_PATHSPECS
      ? [...paths.dirs, ...[...paths.files].map((f) => `:(literal)${f}`)]
      : [...COMPARED_DIRS];
  const ls = git(root, ['ls-tree', '-r', '-z', commit, '--', ...specs]);
  if (ls.code !== 0) throw new UserError(`git ls-tree ${commit} failed: ${firstLine(ls.stderr)}`);
  const entries = parseLsTree(ls.stdout).filter((e) => only === undefined || only(e.path));
  if (entries.length === 0) return new Map();
  const cat = git(root, ['cat-file', '--batch'], `${entries.map((e) => e.oid).join('\n')}\n`);
  if (cat.code !== 0) throw new UserError(`git cat-file --batch failed: ${firstLine(cat.stderr)}`);
  const contents = parseCatFileBatch(cat.stdout, entries.length);
  return new Map(entries.map((e, i) => [e.path, contents[i]]));
}

/**
 * dist/ and argocd/ as they are on disk under `root`, committed or not. With `only`, the paths it
 * accepts; with `paths` as well, only those paths (the existing ones) and the folders of `dirs`
 * are looked at.
 */
export function filesInWorkingTree(
  root: string,
  only?: (file: string) => boolean,
  paths?: { readonly files: ReadonlySet<string>; readonly dirs: readonly string[] },
): Map<string, string> {
  const listed = paths
    ? [
        ...new Set([
          ...existingFiles(root, paths.dirs),
          ...[...paths.files].filter((f) => fs.statSync(path.join(root, f), { throwIfNoEntry: false })?.isFile()),
        ]),
      ].sort()
    : existingFiles(root, COMPARED_DIRS);
  return new Map(
    listed.filter((f) => only === undefined || only(f)).map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]),
  );
}

/**
 * Paths under dist/ and argocd/ whose working-tree content may differ from `commit`: those that
 * differ between `commit` and HEAD, and those `git status` finds changed in the index or the
 * working tree, untracked or ignored (ignored files count too, as they do on disk). One status
 * walks the tree once; its index spares reading unchanged files. A superset of the files that
 * differ; the comparison drops equal ones.
 */
export function changedPaths(root: string, commit: string): Set<string> {
  const head = git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  const split = (b: Buffer) => b.toString('utf8').split('\0').filter(Boolean);
  const out = new Set<string>();
  if (head.code !== 0 || head.stdout.toString('utf8').trim() !== commit) {
    // Against the working tree when HEAD is unborn, else between the two commits (no tree walk).
    const against = head.code === 0 ? [head.stdout.toString('utf8').trim()] : [];
    const diff = git(root, ['diff', '--name-only', '-z', '--no-renames', commit, ...against, '--', ...COMPARED_DIRS]);
    if (diff.code !== 0) throw new UserError(`git diff ${commit} failed: ${firstLine(diff.stderr)}`);
    for (const f of split(diff.stdout)) out.add(f);
  }
  const status = git(root, [
    '--no-optional-locks',
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    '--ignored=traditional',
    '--no-renames',
    '--',
    ...COMPARED_DIRS,
  ]);
  if (status.code !== 0) throw new UserError(`git status failed: ${firstLine(status.stderr)}`);
  // Each entry is "XY path" (no second path without renames).
  for (const rec of split(status.stdout)) out.add(rec.slice(3));
  return out;
}

/** Object ids of the trees of dist/<env> and argocd/<env> at `commit` ("none" for a missing one). */
export function environmentTrees(root: string, commit: string, env: string): string {
  return COMPARED_DIRS.map((d) => {
    const r = git(root, ['rev-parse', '--verify', '--quiet', `${commit}:${d}/${env}`]);
    return r.code === 0 ? r.stdout.toString('utf8').trim() : 'none';
  }).join(' ');
}
