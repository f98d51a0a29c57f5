/**
 * Where the offline copies of upstream files are: the CRDs (schemas, imports, the integration
 * tier) and the Helm charts (the render tests). They are not in this repository; `npm run
 * fetch-upstream` downloads every pinned file and checks its digest (scripts/upstream/fetch.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Beside the clone: where `npm run fetch-upstream` writes by default. */
export const SHARED_DIR = path.resolve(ROOT, '..', 'shared');

/** The CRD copies: ../shared/crds, or $CRDS_DIR. */
export const CRDS_DIR = process.env.CRDS_DIR ?? path.join(SHARED_DIR, 'crds');

/** The chart copies: ../shared/charts, or $CHARTS_DIR. */
export const CHARTS_DIR = process.env.CHARTS_DIR ?? path.join(SHARED_DIR, 'charts');

/** The schema copies (the eksctl ClusterConfig schema): ../shared/schemas. */
export const SCHEMAS_DIR = path.join(SHARED_DIR, 'schemas');

/** Where a file of pinned.sha256 (`crds/...`, `charts/...`, `schemas/...`) is looked for. */
export function copyPath(pinned: string): string {
  const [part, ...rest] = pinned.split('/');
  const dir =
    part === 'crds' ? CRDS_DIR : part === 'charts' ? CHARTS_DIR : part === 'schemas' ? SCHEMAS_DIR : undefined;
  if (dir === undefined) throw new Error(`${pinned}: not under crds/, charts/ or schemas/`);
  return path.join(dir, ...rest);
}

/** The one way to get them. */
export const FETCH_COMMAND = 'npm run fetch-upstream';

/** A directory as messages name it: relative to the working directory when close by, else absolute. */
export function shownPath(dir: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, dir);
  if (rel === '') return '.';
  return rel.split(path.sep).filter((s) => s === '..').length <= 1 ? rel : dir;
}

/** The message when a copy is missing: where it was looked for, and how to get it. */
export function missingUpstream(what: 'CRD' | 'chart', dir: string): string {
  const variable = what === 'CRD' ? 'CRDS_DIR' : 'CHARTS_DIR';
  return `the upstream ${what} copies are not in ${shownPath(dir)}; run ${FETCH_COMMAND} (downloads every pinned file and checks its digest), or set ${variable} to the folder that holds them`;
}

/** Throws the missing-copy message when `dir` does not exist. */
export function requireUpstream(what: 'CRD' | 'chart', dir: string): string {
  if (!fs.existsSync(dir)) throw new Error(missingUpstream(what, dir));
  return dir;
}
