/**
 * Temporary copies of the generated output, for planting faults that a gate must catch. The
 * copies live under the OS temp directory and are removed by the caller's cleanup().
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach } from 'vitest';
import { parse, stringify } from 'yaml';
import { readOutput, type Output } from '../../scripts/kube/manifests';

export const ROOT = path.resolve(__dirname, '..', '..');

/** A copy of dist/ and argocd/ in a fresh temp directory. */
export interface OutputCopy {
  readonly root: string;
  /** Reads the copy as the gates do. */
  output(): Output;
  /** Parses a YAML file of the copy. */
  read(rel: string): any;
  /** Writes an object (or raw text) to a file of the copy. */
  write(rel: string, content: unknown): void;
  cleanup(): void;
}

export function copyOutput(): OutputCopy {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gates-'));
  for (const d of ['dist', 'argocd']) fs.cpSync(path.join(ROOT, d), path.join(root, d), { recursive: true });
  return {
    root,
    output: () => readOutput(root),
    read: (rel) => parse(fs.readFileSync(path.join(root, rel), 'utf8')),
    write: (rel, content) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), typeof content === 'string' ? content : stringify(content));
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** The repository's own output. */
export function repoOutput(): Output {
  return readOutput(ROOT);
}

/** Number of Kubernetes objects in an output. */
export function objectCount(output: Output): number {
  return output.environments.reduce((n, e) => n + e.manifests.length, 0);
}

/**
 * For a test file: a function that makes a fresh copy of the output, removed after each test.
 * Call at the top level of the file.
 */
export function copiesPerTest(): () => OutputCopy {
  const made: OutputCopy[] = [];
  afterEach(() => {
    for (const c of made.splice(0)) c.cleanup();
  });
  return () => {
    const c = copyOutput();
    made.push(c);
    return c;
  };
}

/** Renames a field of the object in a file of the copy (a misspelling, for the schema gates). */
export function renameField(copy: OutputCopy, rel: string, at: string[], from: string, to: string): void {
  const doc = copy.read(rel);
  const parent = at.reduce((o, k) => o[k], doc);
  parent[to] = parent[from];
  delete parent[from];
  copy.write(rel, doc);
}

/** Runs fn with VALIDATE_CACHE set to `value` (off: nothing remembered is used), then restores it. */
export async function withMemory<T>(value: 'off' | undefined, fn: () => Promise<T> | T): Promise<T> {
  const before = process.env.VALIDATE_CACHE;
  if (value === undefined) delete process.env.VALIDATE_CACHE;
  else process.env.VALIDATE_CACHE = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.VALIDATE_CACHE;
    else process.env.VALIDATE_CACHE = before;
  }
}
