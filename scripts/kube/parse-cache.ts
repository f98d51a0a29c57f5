/**
 * Parsed documents of the output, remembered by directory: a directory's files (their names and
 * digests) and the code stamp (code-stamp.ts, which covers the parser and its libraries) make the
 * key, and the documents of all its files are kept in one file under .tools/parsed/. A run after
 * a one-tenant change reads and parses the changed directories only. Documents are stored as
 * parsed (v8 serialization keeps every value and type), so a remembered directory gives the same
 * objects as a parse. VALIDATE_CACHE=off parses everything and leaves the store alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { memoryHome } from '../toolchain/tools';
import { codeStamp } from './code-stamp';
import { keyOf, sha256 } from './record';
import { writeAtomic } from '../../charts/lib/write-atomic';

/** The documents of a file, or the first error. */
export interface ParsedFile {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML of every kind (manifests.ts K8sObject)
  readonly objects: Record<string, any>[];
  readonly error?: string;
}

/** Directories remembered beyond those of the current run before the oldest are removed. */
export const MAX_EXTRA_DIRECTORIES = 20_000;

export class ParseCache {
  private readonly dir: string;
  private readonly enabled: boolean;
  private readonly used = new Set<string>();
  private wrote = false;
  /** Directories taken from the store, and parsed, during this run. */
  remembered = 0;
  parsed = 0;

  constructor(home = memoryHome(), env: NodeJS.ProcessEnv = process.env, stamp = codeStamp()) {
    this.dir = path.join(home, 'parsed', stamp.slice(0, 16));
    this.enabled = env.VALIDATE_CACHE !== 'off';
  }

  /**
   * The documents of a directory's files ([repository path, digest], in order): remembered, or
   * parsed with `parse` and remembered. Files that failed to parse are not remembered.
   */
  directory(
    files: readonly (readonly [string, string])[],
    parse: (file: string, digest: string) => ParsedFile,
  ): ParsedFile[] {
    if (!this.enabled) return files.map(([f, d]) => parse(f, d));
    const key = directoryKey(files);
    const file = path.join(this.dir, key.slice(0, 2), key);
    this.used.add(key);
    try {
      const stored = v8.deserialize(fs.readFileSync(file)) as ParsedFile[];
      if (stored.length === files.length) {
        this.remembered++;
        // Stored in the order of the names, which is also the order of `files` (sorted paths of one directory).
        return stored;
      }
    } catch {
      // Not remembered (or unreadable): parsed below.
    }
    this.parsed++;
    const docs = files.map(([f, d]) => parse(f, d));
    if (docs.every((d) => d.error === undefined)) {
      // Another run may be cleaning the store: a directory not remembered is only slower next time.
      try {
        writeAtomic(file, v8.serialize(docs));
        this.wrote = true;
      } catch {
        // Left unremembered.
      }
    }
    return docs;
  }

  /**
   * Removes the stores of other code stamps untouched for an hour, and the oldest directories
   * beyond MAX_EXTRA_DIRECTORIES not used in this run.
   */
  save(): void {
    if (!this.enabled || !this.wrote) return;
    try {
      const parent = path.dirname(this.dir);
      for (const other of fs.readdirSync(parent)) {
        const p = path.join(parent, other);
        if (p !== this.dir && Date.now() - fs.statSync(p).mtimeMs > STALE_MS)
          fs.rmSync(p, { recursive: true, force: true });
      }
      const unused: string[] = [];
      for (const sub of fs.readdirSync(this.dir))
        for (const name of fs.readdirSync(path.join(this.dir, sub)))
          if (!this.used.has(name) && !name.includes('.tmp-')) unused.push(path.join(this.dir, sub, name));
      if (unused.length <= MAX_EXTRA_DIRECTORIES) return;
      const aged = unused.map((file) => ({ file, mtime: fs.statSync(file).mtimeMs })).sort((a, b) => a.mtime - b.mtime);
      for (const { file } of aged.slice(0, aged.length - MAX_EXTRA_DIRECTORIES)) fs.rmSync(file, { force: true });
    } catch {
      // Another run cleaned at the same time.
    }
  }
}

/** The content key of a directory: its files' names and digests ([repository path, digest]). Pure. */
export function directoryKey(files: readonly (readonly [string, string])[]): string {
  return sha256(keyOf(files.map(([f, d]) => [path.basename(f), d] as const)));
}

/** Age after which the store of another code stamp is removed. */
const STALE_MS = 60 * 60 * 1000;
