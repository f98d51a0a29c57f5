/**
 * In-place edits of tenants.yaml: append a tenant entry to the `tenants:` list, or remove one
 * together with the comment lines that introduce it.
 *
 * The file is parsed with `parseDocument` to find the list, its entries and their source ranges;
 * the new entry is rendered by the yaml Document API in the file's own indentation; the edit is
 * then spliced into the original text, so that every byte outside the edited entry (comments,
 * key order, quoting, flow maps, blank lines) stays exactly as it was. The result is parsed again
 * and must hold exactly the expected data, or the edit is refused. Pure: text in, text out.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, type Pair, type YAMLSeq } from 'yaml';
import type { QuotaKey, Subject, TenantInput } from '../../charts/config/tenants-schema';
import { UserError } from '../lib/cli';

/** The fields `tenant add` sets on a new entry, in the order of the schema. */
export interface TenantEntry {
  readonly name: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly owners?: readonly Subject[];
  readonly quota?: Readonly<Partial<Record<QuotaKey, string | number>>>;
  readonly limits?: TenantInput['limits'];
  readonly alias?: string;
}

export interface AddOptions {
  /** One comment line written above the entry, like the comments of the example entries. @default none */
  readonly comment?: string;
  /** Name used in messages. @default 'tenants.yaml' */
  readonly file?: string;
}

/** One entry of the `tenants:` list as lines of the file (0-based, inclusive). */
interface EntrySpan {
  /** First line of the comment block directly above the entry's `-` line (or the `-` line). */
  readonly start: number;
  /** The line of the entry's `-`. */
  readonly dash: number;
  /** Last line of the entry: its content and any deeper-indented comments after it. */
  readonly end: number;
}

interface ListLayout {
  readonly lines: string[];
  /** The `tenants` pair, for an empty or missing list. */
  readonly pair: Pair;
  readonly entries: EntrySpan[];
  /** Column of the entries' `-` (the file's indentation of the list). */
  readonly dashCol: number;
  /** Indentation step of nested mappings. */
  readonly indent: number;
  /** Whether nested lists are indented below their key (`key:\n  - a`) or not (`key:\n- a`). */
  readonly indentSeq: boolean;
  readonly data: Record<string, unknown>[];
}

/** Appends a tenant entry at the end of the `tenants:` list and returns the new text. */
export function addTenantEntry(text: string, entry: TenantEntry, options: AddOptions = {}): string {
  const file = options.file ?? 'tenants.yaml';
  const layout = listLayout(text, file);
  const existing = layout.data.findIndex((t) => t.name === entry.name);
  if (existing >= 0)
    throw new UserError(
      `${JSON.stringify(entry.name)} already exists in ${file} (line ${layout.entries[existing].dash + 1}); choose another name`,
    );
  if (options.comment !== undefined && /[\r\n]/.test(options.comment))
    throw new UserError('--comment must be one line');

  const rendered = renderEntry(entry, options.comment, layout);
  let out: string;
  if (layout.entries.length > 0) {
    const lines = [...layout.lines];
    const last = layout.entries[layout.entries.length - 1];
    const blank = separated(layout) || (layout.entries.length === 1 && options.comment !== undefined);
    lines.splice(last.end + 1, 0, ...(blank ? [''] : []), ...rendered);
    out = lines.join('\n');
  } else {
    // `tenants: []` or `tenants:` without a value: the value becomes a block list. Whatever
    // followed the value on its line (a comment) stays on the `tenants:` line.
    const colon = colonAfterKey(text, layout.pair);
    const value = layout.pair.value as { range?: [number, number, number] | null } | null;
    let to = colon + 1;
    if (isSeq(value) && value.range) {
      if (text.slice(colon + 1, value.range[0]).trim() !== '')
        throw new UserError(`${file}: a comment stands between tenants: and its value; add the entry by hand`);
      to = value.range[1];
    }
    const eolAt = lineEndAt(text, to);
    const rest = text.slice(to, eolAt).trim();
    out = `${text.slice(0, colon + 1)}${rest ? ` ${rest}` : ''}\n${rendered.join('\n')}${text.slice(eolAt)}`;
    if (eolAt === text.length) out += '\n';
  }
  if (text.includes('\r\n')) out = out.replace(/\r?\n/g, '\r\n');
  checkResult(out, [...layout.data, entryObject(entry)], file, `add ${entry.name}`);
  return out;
}

/** Removes a tenant's entry and the comment block directly above it; returns the new text. */
export function removeTenantEntry(text: string, name: string, options: { readonly file?: string } = {}): string {
  const file = options.file ?? 'tenants.yaml';
  const layout = listLayout(text, file);
  const i = layout.data.findIndex((t) => t.name === name);
  if (i < 0) throw new UserError(`no tenant ${JSON.stringify(name)} in ${file} (tenants: ${tenantNames(layout.data)})`);
  const { entries, lines } = layout;
  const blank = (l: number) => l >= 0 && l < lines.length && lines[l].trim() === '';
  let from = entries[i].start;
  let to = entries[i].end;
  if (i > 0) {
    // The blank lines above go with the entry, so the spacing between the others is unchanged.
    while (blank(from - 1) && from - 1 > entries[i - 1].end) from--;
  } else if (entries.length > 1) {
    // The first entry follows `tenants:` directly; so does the next one once it is gone.
    while (blank(to + 1) && to + 1 < entries[1].start) to++;
  }
  const kept = [...lines];
  kept.splice(from, to - from + 1);
  let out = kept.join('\n');
  if (entries.length === 1) {
    // The last tenant: the list becomes `tenants: []`.
    const colon = colonAfterKey(text, layout.pair);
    out = `${out.slice(0, colon + 1)} []${out.slice(colon + 1)}`;
  }
  checkResult(
    out,
    layout.data.filter((_, k) => k !== i),
    file,
    `remove ${name}`,
  );
  return out;
}

/** Names of the tenants in a list, for messages. */
function tenantNames(data: readonly Record<string, unknown>[]): string {
  return data.map((t) => String(t.name)).join(', ') || 'none';
}

/** The entry as the plain object written to the file: only the fields that are set, in schema order. */
function entryObject(entry: TenantEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { name: entry.name };
  if (entry.displayName !== undefined) out.displayName = entry.displayName;
  if (entry.description !== undefined) out.description = entry.description;
  if (entry.owners && entry.owners.length > 0)
    out.owners = entry.owners.map((o) => ({
      kind: o.kind,
      name: o.name,
      ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    }));
  if (entry.quota && Object.keys(entry.quota).length > 0) out.quota = { ...entry.quota };
  if (entry.limits && Object.keys(entry.limits).length > 0) out.limits = entry.limits;
  if (entry.alias !== undefined) out.alias = entry.alias;
  return out;
}

/** The entry's lines in the file's indentation, with its comment line above it. */
function renderEntry(entry: TenantEntry, comment: string | undefined, layout: ListLayout): string[] {
  const doc = new Document([entryObject(entry)]);
  const seq = doc.contents as YAMLSeq;
  if (comment !== undefined && comment.trim() !== '')
    (seq.items[0] as { commentBefore?: string }).commentBefore = ` ${comment.trim()}`;
  const text = doc.toString({
    indent: layout.indent,
    indentSeq: layout.indentSeq,
    lineWidth: 0,
    flowCollectionPadding: false,
  });
  const pad = ' '.repeat(layout.dashCol);
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l === '' ? l : pad + l));
}

/** Whether the entries of the list are separated by blank lines. */
function separated(layout: ListLayout): boolean {
  const { entries, lines } = layout;
  for (let i = 1; i < entries.length; i++) {
    for (let l = entries[i - 1].end + 1; l < entries[i].start; l++) if (lines[l].trim() === '') return true;
  }
  return false;
}

/** The offset where each line of a text starts, and the line of an offset. */
function lineIndex(text: string): { lineStarts: number[]; lineOf: (offset: number) => number } {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return { lineStarts, lineOf };
}

/** Parses the file and finds the `tenants:` list, its entries and the file's indentation. */
function listLayout(text: string, file: string): ListLayout {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new UserError(`${file} does not parse as YAML; run npm run synth to see where`);
  const root = doc.contents;
  const pair = isMap(root) ? root.items.find((p) => isScalar(p.key) && p.key.value === 'tenants') : undefined;
  if (!pair) throw new UserError(`${file} has no tenants: list; start it with \`tenants:\``);
  const value = pair.value;
  const lines = text.split('\n');
  const { lineStarts, lineOf } = lineIndex(text);
  const keyCol = (() => {
    const start = (pair.key as { range?: [number, number, number] }).range?.[0] ?? 0;
    return start - lineStarts[lineOf(start)];
  })();
  const emptyValue =
    value === null ||
    (isScalar(value) && (value.value === null || value.value === '')) ||
    (isSeq(value) && value.flow && value.items.length === 0);
  if (emptyValue) {
    return { lines, pair, entries: [], dashCol: keyCol + 2, indent: 2, indentSeq: true, data: [] };
  }
  if (!isSeq(value))
    throw new UserError(`${file}: tenants is not a list; write it as \`tenants:\` followed by \`- name: ...\` entries`);
  if (value.flow)
    throw new UserError(
      `${file}: tenants is a flow list ([...]); write it as a block list (- name: ...) to edit it with this command`,
    );

  const isComment = (l: string) => l.trimStart().startsWith('#');
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const dashes = value.items.map((item, i) => {
    const start = (item as { range?: [number, number, number] | null }).range?.[0];
    let at = (start ?? 0) - 1;
    while (at >= 0 && /\s/.test(text[at])) at--;
    if (start === undefined || text[at] !== '-')
      throw new UserError(
        `${file}: entry ${i + 1} of tenants has a layout this command cannot edit (expected \`- \` before it); edit the file by hand`,
      );
    return at;
  });
  const dashLines = dashes.map(lineOf);
  const dashCol = dashes[0] - lineStarts[dashLines[0]];
  if (dashes.some((d, i) => d - lineStarts[dashLines[i]] !== dashCol))
    throw new UserError(`${file}: the entries of tenants are not aligned; edit the file by hand`);

  /** First line of the comment lines at the entry's indentation directly above a `-` line. */
  const blockStart = (dashLine: number, floor: number) => {
    let s = dashLine;
    while (s - 1 > floor && isComment(lines[s - 1]) && indentOf(lines[s - 1]) === dashCol) s--;
    return s;
  };
  const keyLine = lineOf((pair.key as { range?: [number, number, number] }).range?.[0] ?? 0);
  const starts = dashLines.map((d, i) => blockStart(d, i === 0 ? keyLine : dashLines[i - 1]));
  // An entry's own lines: from its `-` to its last line that is content or a comment indented
  // below the `-`. Blank lines and comments at the list's indentation after it are left alone.
  const entries: EntrySpan[] = dashLines.map((dash, i) => {
    const bound = i + 1 < dashLines.length ? starts[i + 1] : lines.length;
    let end = dash;
    for (let l = dash + 1; l < bound; l++) {
      const line = lines[l];
      if (line.trim() === '') continue;
      if (indentOf(line) > dashCol) end = l;
      else if (!isComment(line)) break; // the next key of the file
    }
    return { start: starts[i], dash, end };
  });

  // Indentation of the file: the step from the `-` to the entry's keys, and whether nested lists
  // are indented below their key. Defaults: 2 and indented, as in the example file.
  const firstKeyCol = (() => {
    const item = value.items[0] as { range?: [number, number, number] | null };
    const s = item.range?.[0] ?? 0;
    return s - lineStarts[lineOf(s)];
  })();
  const indent = Math.max(1, firstKeyCol - dashCol) || 2;
  const indentSeq = dashCol > keyCol;
  const data = (doc.toJS() as { tenants: Record<string, unknown>[] }).tenants;
  return { lines, pair, entries, dashCol, indent, indentSeq, data };
}

/** Offset of the `:` after the key of a pair. */
function colonAfterKey(text: string, pair: Pair): number {
  const key = pair.key as { range?: [number, number, number] };
  const at = text.indexOf(':', key.range?.[1] ?? 0);
  if (at < 0) throw new Error('tenants key without a colon');
  return at;
}

function lineEndAt(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl;
}

/** The edited text must parse and hold exactly the expected list; anything else is refused. */
function checkResult(out: string, expected: unknown[], file: string, what: string): void {
  const doc = parseDocument(out, { uniqueKeys: true });
  const actual = doc.errors.length === 0 ? (doc.toJS() as { tenants?: unknown } | null)?.tenants : undefined;
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new UserError(
      `${file}: could not ${what} in place without changing other entries (unusual layout); edit the file by hand`,
    );
  }
}
