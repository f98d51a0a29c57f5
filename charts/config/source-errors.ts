/**
 * Errors that point into a YAML source file: `file:line:col: field: message. Fix: hint`.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { closest, misspeltKeys } from '../lib/suggest';

export type FieldPath = readonly (string | number)[];

export interface SourceError {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Field path such as tenants[1].quota["requests.cpu"]; empty for file-level problems. */
  readonly field: string;
  readonly message: string;
  readonly fix: string;
}

/** Thrown when a configuration file is invalid; carries every problem found, in file order. */
export class ConfigError extends Error {
  constructor(public readonly errors: readonly SourceError[]) {
    super(errors.map(formatSourceError).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatSourceError(e: SourceError): string {
  const field = e.field ? `${e.field}: ` : '';
  return `${e.file}:${e.line}:${e.col}: ${field}${e.message}. Fix: ${e.fix}`;
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Sorts errors by position, then field, and drops exact duplicates. */
export function sortErrors(errors: SourceError[]): SourceError[] {
  const seen = new Set<string>();
  return errors
    .filter((e) => {
      const k = formatSourceError(e);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col || a.field.localeCompare(b.field));
}

/**
 * Maps field paths to source positions of one parsed document.
 */
export class SourceMap {
  constructor(
    public readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  /** Line and column (1-based; the column counts characters, not UTF-16 units) of an offset. */
  position(offset: number): { line: number; col: number } {
    const p = this.lines.linePos(offset);
    const lineStart = offset - (p.col - 1);
    let col = 1;
    for (let i = lineStart; i < offset; i++) {
      const c = this.text.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff) col++; // a low surrogate belongs to the character before it
    }
    return { line: p.line, col };
  }

  /** The node at a path, or the closest existing ancestor. */
  private nodeAt(path: FieldPath): { node: Node | undefined; exact: boolean } {
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      const next = childOf(node, path[i]);
      if (next === undefined) return { node: node as Node | undefined, exact: false };
      node = next;
    }
    return { node: node as Node, exact: true };
  }

  /** Position of the value at a path (or of its nearest existing ancestor). */
  valueAt(path: FieldPath): { line: number; col: number } {
    const { node } = this.nodeAt(path);
    return this.position(node?.range?.[0] ?? 0);
  }

  /** Position of a key inside the map at `path` (falls back to the map itself). */
  keyAt(path: FieldPath, key: string): { line: number; col: number } {
    const { node, exact } = this.nodeAt(path);
    if (exact && isMap(node)) {
      // The last of duplicated keys: its value is the one that was read.
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i];
        if (isScalar(pair.key) && String(pair.key.value) === key) return this.position(pair.key.range?.[0] ?? 0);
      }
    }
    return this.position(node?.range?.[0] ?? 0);
  }

  error(path: FieldPath, message: string, fix: string, at?: { line: number; col: number }): SourceError {
    const pos = at ?? this.valueAt(path);
    return { file: this.file, line: pos.line, col: pos.col, field: formatPath(path), message, fix };
  }
}

/** Keys a strict object schema accepts at a path of a file (none when the path leads elsewhere). */
export function schemaKeys(root: z.ZodType, path: FieldPath): string[] {
  let schema: z.ZodType | undefined = root;
  for (const seg of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(seg)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else return [];
    if (!schema) return [];
  }
  schema = unwrap(schema);
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  // A record whose keys are an enumeration (platform.versions): its keys.
  if (schema instanceof z.ZodRecord && schema.keyType instanceof z.ZodEnum)
    return (schema.keyType.options as readonly (string | number)[]).map(String);
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s;
}

/** The error of an unknown key at a path of a file checked by `schema`, with the key it is closest to. */
export function unknownKey(src: SourceMap, schema: z.ZodType, path: FieldPath, key: string): SourceError {
  const meant = closest(key, schemaKeys(schema, path));
  return meant
    ? src.error(
        [...path, key],
        `unknown key ${JSON.stringify(key)} (did you mean ${JSON.stringify(meant)}?)`,
        `rename it to ${meant}`,
        src.keyAt(path, key),
      )
    : src.error(
        [...path, key],
        `unknown key ${JSON.stringify(key)}`,
        'remove it or check the spelling',
        src.keyAt(path, key),
      );
}

/**
 * Whether the key a schema misses at `path` is there under a misspelt name (whose unknown-key
 * error already says to rename it): `data` is the whole file's plain data.
 */
export function misspeltNotMissing(schema: z.ZodType, data: unknown, path: FieldPath): boolean {
  if (path.length === 0) return false;
  let parent: unknown = data;
  for (const seg of path.slice(0, -1))
    parent =
      parent !== null && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[seg] : undefined;
  return misspeltKeys(parent, schemaKeys(schema, path.slice(0, -1))).has(String(path[path.length - 1]));
}

/** The problems a zod schema found, each at its position; `fixFor` names the fix for a field. */
export function schemaErrors(
  src: SourceMap,
  schema: z.ZodType,
  issues: readonly { code: string; path: readonly PropertyKey[]; message: string; keys?: readonly string[] }[],
  fixFor: (field: string, path: FieldPath) => string,
): SourceError[] {
  const errors: SourceError[] = [];
  for (const issue of issues) {
    const p = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys ?? []) errors.push(unknownKey(src, schema, p, k));
    } else {
      errors.push(src.error(p, issue.message, fixFor(p.join('.'), p)));
    }
  }
  return errors;
}

/**
 * Decodes a configuration file as UTF-8 (a leading byte-order mark is dropped). Invalid bytes are
 * an error at their position instead of turning silently into U+FFFD.
 */
export function decodeSource(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = Math.max(0, firstInvalidUtf8(bytes));
    const lines = new TextDecoder('utf-8').decode(bytes.subarray(0, bad)).split('\n');
    throw new ConfigError([
      {
        file,
        line: lines.length,
        col: [...lines[lines.length - 1]].length + 1,
        field: '',
        message: `invalid UTF-8 byte 0x${bytes[bad].toString(16).padStart(2, '0')}`,
        fix: 'save the file as UTF-8',
      },
    ]);
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

function childOf(node: unknown, seg: string | number): unknown {
  if (isMap(node)) {
    // The last of duplicated keys: its value is the one that was read.
    for (let i = node.items.length - 1; i >= 0; i--) {
      const p = node.items[i];
      if (isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg)) return p.value ?? undefined;
    }
    return undefined;
  }
  if (isSeq(node) && typeof seg === 'number') return node.items[seg];
  return undefined;
}
