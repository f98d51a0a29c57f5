/**
 * Gets the offline upstream copies: every file of pinned.sha256 from its pinned upstream source
 * (scripts/upstream/sources.ts), checked against its sha256 before it is written. Files already
 * present with the right digest are kept, so a run after an interrupted one fetches only the rest.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTgz, readZip } from './archives';
import { envsubst, externalSecretsCrd, helmPackageChartYaml, istioReleaseValues } from './recipes';
import { type ArchiveOrigin, FOLDERS, type Folder, MADE, type Made, type Origin, rawUrl } from './sources';

/** pinned.sha256 beside this file: `<sha256>  <path below the shared folder>`, as sha256sum writes. */
export const PINS_FILE = path.join(__dirname, 'pinned.sha256');

/** A file of the copies and its digest. */
export interface Pin {
  readonly path: string;
  readonly sha256: string;
}

/** The lines of a pins file. */
export function readPins(text: string): Pin[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(l);
      if (!m) throw new Error(`pinned.sha256: not "<sha256>  <path>": ${l}`);
      return { sha256: m[1], path: m[2] };
    });
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Where one file's bytes come from: a URL, a member of an archive, or a recipe over one of those. */
export type FileSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'member'; readonly archive: ArchiveOrigin; readonly member: string };

export type Resolution = FileSource | { readonly kind: 'made'; readonly made: Made; readonly input: FileSource };

/** The source of a path under an origin (the origin's own path, or a file below it). */
function sourceOf(origin: Origin, rel = ''): FileSource {
  const p = rel ? `${origin.path}/${rel}` : origin.path;
  return origin.kind === 'git'
    ? { kind: 'url', url: rawUrl(origin.ref, p) }
    : { kind: 'member', archive: origin, member: p };
}

/** The folder a path belongs to: the one with the longest `dir` that is the path or contains it. */
export function folderOf(file: string, folders: readonly Folder[] = FOLDERS): Folder | undefined {
  let best: Folder | undefined;
  for (const f of folders) {
    if ((file === f.dir || file.startsWith(`${f.dir}/`)) && (!best || f.dir.length > best.dir.length)) best = f;
  }
  return best;
}

/** Where a pinned file comes from; throws for a path no folder or recipe covers. */
export function resolvePin(file: string): Resolution {
  const made = MADE.find((m) => m.file === file);
  if (made) return { kind: 'made', made, input: sourceOf(made.recipe.from) };
  const folder = folderOf(file);
  if (!folder) throw new Error(`${file}: no upstream source in scripts/upstream/sources.ts`);
  return sourceOf(folder.from, file === folder.dir ? '' : file.slice(folder.dir.length + 1));
}

/** The URL a source is downloaded from (the archive's, for a member). */
export function sourceUrl(s: FileSource): string {
  return s.kind === 'url' ? s.url : s.archive.url;
}

/** The URL of `url` on a mirror that serves https://<host>/<path> at <mirror>/<host>/<path>. */
export function mirrored(url: string, mirror: string | undefined): string {
  if (!mirror) return url;
  const u = new URL(url);
  return `${mirror.replace(/\/+$/, '')}/${u.host}${u.pathname}${u.search}`;
}

/** Downloads a URL: follows redirects, retries twice on a network error, 429 or 5xx. */
export async function download(url: string, attempts = 3): Promise<Buffer> {
  let last = '';
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000 * i));
    try {
      const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(120_000) });
      if (res.ok) return Buffer.from(await res.arrayBuffer());
      last = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) break;
    } catch (e) {
      last =
        e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
    }
  }
  throw new Error(last);
}

export interface FetchOptions {
  /** The shared folder the copies go to (crds/, charts/, schemas/ below it). */
  readonly dir: string;
  readonly pins: readonly Pin[];
  /** Downloads one URL. @default download, through `mirror` */
  readonly get?: (url: string) => Promise<Buffer>;
  /** Serves https://<host>/<path> at <mirror>/<host>/<path>. */
  readonly mirror?: string;
  /** The helm binary for `helm-package` recipes, asked for only when one is needed. */
  readonly helm?: () => string;
  /** Downloads at once. @default 8 */
  readonly jobs?: number;
  /** Only verify what is there; download nothing. */
  readonly check?: boolean;
  /** Called when a file is written or found bad. */
  readonly onFile?: (path: string, outcome: 'fetched' | 'failed') => void;
}

export interface FetchReport {
  /** Present with the right digest before the run. */
  readonly kept: number;
  readonly fetched: readonly string[];
  /** Missing (with check) or wrong, with the reason. */
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
  readonly downloads: number;
}

/** Whether the copy of a pin under `dir` has its digest. */
function present(dir: string, pin: Pin): boolean {
  const file = path.join(dir, pin.path);
  return fs.existsSync(file) && sha256(fs.readFileSync(file)) === pin.sha256;
}

/** Writes a file through a temporary file and a rename, so that no half-written copy is ever left. */
function writeAtomic(file: string, data: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.part`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Runs fn over items with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** A made file from its input: the recipe applied. `helm` names the helm binary, asked for only when needed. */
async function applyRecipe(made: Made, input: Buffer, helm: () => string): Promise<Buffer> {
  const r = made.recipe;
  const text = input.toString('utf8');
  switch (r.kind) {
    case 'envsubst':
      return Buffer.from(envsubst(text, r.vars));
    case 'istio-release-values':
      return Buffer.from(istioReleaseValues(text, r.version));
    case 'external-secrets-crd':
      return Buffer.from(externalSecretsCrd(text, r.singular));
    case 'helm-package':
      return helmPackageChartYaml(r.vars ? envsubst(text, r.vars) : text, {
        version: r.version,
        appVersion: r.appVersion,
        helm: helm(),
      });
  }
}

/** Fetches (or, with `check`, verifies) every pin under `dir`. */
export async function fetchUpstream(options: FetchOptions): Promise<FetchReport> {
  const get = options.get ?? ((url: string) => download(mirrored(url, options.mirror)));
  const missing = options.pins.filter((p) => !present(options.dir, p));
  const kept = options.pins.length - missing.length;
  if (options.check) {
    return {
      kept,
      fetched: [],
      failed: missing.map((p) => ({
        path: p.path,
        reason: fs.existsSync(path.join(options.dir, p.path))
          ? `sha256 ${sha256(fs.readFileSync(path.join(options.dir, p.path)))}, pinned ${p.sha256}`
          : 'missing',
      })),
      downloads: 0,
    };
  }
  let downloads = 0;
  const cache = new Map<string, Promise<Buffer>>();
  const fetchUrl = (url: string) => {
    let p = cache.get(url);
    if (!p) {
      downloads++;
      p = get(url);
      cache.set(url, p);
    }
    return p;
  };
  const archives = new Map<string, Promise<Map<string, Buffer>>>();
  const openArchive = (a: ArchiveOrigin) => {
    let p = archives.get(a.url);
    if (!p) {
      p = fetchUrl(a.url).then((bytes) => {
        const got = sha256(bytes);
        if (got !== a.sha256) throw new Error(`${a.url}: sha256 ${got}, pinned ${a.sha256}`);
        return a.format === 'tgz' ? readTgz(bytes) : readZip(bytes);
      });
      archives.set(a.url, p);
    }
    return p;
  };
  const bytesOf = async (s: FileSource): Promise<Buffer> => {
    if (s.kind === 'url') return fetchUrl(s.url);
    const member = (await openArchive(s.archive)).get(s.member);
    if (!member) throw new Error(`${s.archive.url} has no ${s.member}`);
    return member;
  };
  let helm: string | undefined;
  const helmBin = () => (helm ??= (options.helm ?? (() => 'helm'))());
  const make = (made: Made, input: Buffer) => applyRecipe(made, input, helmBin);

  const fetched: string[] = [];
  const failed: { path: string; reason: string }[] = [];
  await pool(missing, options.jobs ?? 8, async (pin) => {
    let from = '';
    try {
      const res = resolvePin(pin.path);
      const input = res.kind === 'made' ? res.input : res;
      from = res.kind === 'made' ? `${res.made.recipe.kind} of ${describe(input)}` : describe(input);
      const raw = await bytesOf(input);
      const bytes = res.kind === 'made' ? await make(res.made, raw) : raw;
      const got = sha256(bytes);
      if (got !== pin.sha256) throw new Error(`sha256 ${got}, pinned ${pin.sha256}`);
      writeAtomic(path.join(options.dir, pin.path), bytes);
      fetched.push(pin.path);
      options.onFile?.(pin.path, 'fetched');
    } catch (e) {
      failed.push({
        path: pin.path,
        reason: `${e instanceof Error ? e.message : String(e)}${from ? ` (from ${from})` : ''}`,
      });
      options.onFile?.(pin.path, 'failed');
    }
  });
  return { kept, fetched: fetched.sort(), failed: failed.sort((a, b) => a.path.localeCompare(b.path)), downloads };
}

function describe(s: FileSource): string {
  return s.kind === 'url' ? s.url : `${s.member} in ${s.archive.url}`;
}
