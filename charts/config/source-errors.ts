/**
 * Errors that point into a YAML source file: `file:line:col: field: message. Fix: hint`.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';

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
  ) {}

  /** Line and column (1-based) of a character offset. */
  position(offset: number): { line: number; col: number } {
    const p = this.lines.linePos(offset);
    return { line: p.line, col: p.col };
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
      for (const pair of node.items) {
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

function childOf(node: unknown, seg: string | number): unknown {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
    return pair?.value ?? undefined;
  }
  if (isSeq(node) && typeof seg === 'number') return node.items[seg];
  return undefined;
}
