/**
 * Field-level differences between two parsed YAML/JSON values, as reviewers read them:
 * `spec.ingress[0].from[1].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]:
 * "monitoring" → "tenant-beta"`.
 *
 * Lists are aligned on their longest common subsequence of equal elements, so inserting one
 * rule in the middle of a list reads as one added element rather than a change of every element
 * after it; the elements left between two equal anchors are paired up in order and compared
 * field by field.
 */
import { formatPath, type FieldPath } from '../../charts/config/source-errors';

/** One changed leaf (or a whole added/removed subtree). */
export interface FieldChange {
  /** Such as spec.ingress[0].from[1]; empty for the value itself. */
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** The value before (absent for added). */
  readonly before?: unknown;
  /** The value after (absent for removed). */
  readonly after?: unknown;
}

/** Above this many element pairs a list is compared position by position (the LCS table is n·m). */
const MAX_ALIGNMENT_CELLS = 250_000;

type Plain = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON with sorted keys, so that equal values compare equal whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Whether two parsed values are equal (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Two strings differ as their JSON does (a ConfigMap's data can be megabytes).
  if (typeof a === 'string' && typeof b === 'string') return false;
  return canonicalJson(a) === canonicalJson(b);
}

/** Every difference between `before` and `after`, in document order. */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, [], out);
  return out;
}

function walk(a: unknown, b: unknown, at: FieldPath, out: FieldChange[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const p = [...at, k];
      if (!(k in b)) out.push({ path: formatPath(p), change: 'removed', before: a[k] });
      else if (!(k in a)) out.push({ path: formatPath(p), change: 'added', after: b[k] });
      else walk(a[k], b[k], p, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    walkList(a, b, at, out);
    return;
  }
  if (!deepEqual(a, b)) out.push({ path: formatPath(at), change: 'changed', before: a, after: b });
}

/**
 * Lists: equal elements found by LCS are anchors; between anchors, removed and added elements are
 * paired in order (compared field by field), the rest reported as removed (old index) or added
 * (new index).
 */
function walkList(a: readonly unknown[], b: readonly unknown[], at: FieldPath, out: FieldChange[]): void {
  const ka = a.map(canonicalJson);
  const kb = b.map(canonicalJson);
  const ops = a.length * b.length > MAX_ALIGNMENT_CELLS ? positional(a.length, b.length, ka, kb) : alignment(ka, kb);
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    const pairs = Math.min(removed.length, added.length);
    for (let k = 0; k < pairs; k++) walk(a[removed[k]], b[added[k]], [...at, added[k]], out);
    for (const i of removed.slice(pairs)) out.push({ path: formatPath([...at, i]), change: 'removed', before: a[i] });
    for (const j of added.slice(pairs)) out.push({ path: formatPath([...at, j]), change: 'added', after: b[j] });
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op.type === 'equal') flush();
    else if (op.type === 'removed') removed.push(op.i);
    else added.push(op.j);
  }
  flush();
}

type ListOp = { type: 'equal'; i: number; j: number } | { type: 'removed'; i: number } | { type: 'added'; j: number };

function alignment(ka: readonly string[], kb: readonly string[]): ListOp[] {
  const n = ka.length;
  const m = kb.length;
  // lcs[i][j]: length of the LCS of ka[i..] and kb[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = ka[i] === kb[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const ops: ListOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (ka[i] === kb[j]) ops.push({ type: 'equal', i: i++, j: j++ });
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) ops.push({ type: 'removed', i: i++ });
    else ops.push({ type: 'added', j: j++ });
  }
  while (i < n) ops.push({ type: 'removed', i: i++ });
  while (j < m) ops.push({ type: 'added', j: j++ });
  return ops;
}

function positional(n: number, m: number, ka: readonly string[], kb: readonly string[]): ListOp[] {
  const ops: ListOp[] = [];
  for (let k = 0; k < Math.max(n, m); k++) {
    if (k < n && k < m && ka[k] === kb[k]) ops.push({ type: 'equal', i: k, j: k });
    else {
      if (k < n) ops.push({ type: 'removed', i: k });
      if (k < m) ops.push({ type: 'added', j: k });
    }
  }
  return ops;
}

/** A value as one short line of JSON, cut at `max` characters. */
export function shortValue(v: unknown, max = 100): string {
  const s = canonicalJson(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
