/**
 * Reads tenants.yaml: YAML problems, schema violations and semantic rules are all collected and
 * reported together as `tenants.yaml:LINE:COL: field: message. Fix: hint`.
 */
import { Document, isAlias, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { tenantDevelopersGroup, tenantNamespace } from '../lib/constants';
import { closest } from '../lib/suggest';
import {
  ConfigError,
  type FieldPath,
  misspeltNotMissing,
  schemaKeys,
  SourceMap,
  sortErrors,
  type SourceError,
} from './source-errors';
import { DEFAULT_LIMITS, DEFAULT_QUOTA } from './tenant-defaults';
import { isSecretValueKey } from './workload-rules';
import { resolveObservability, type TenantObservability } from './observability';
import { ruleParams } from './rules';
import { workloadsOf, type TenantWorkloads } from './workloads';
import { type Guards, hasGuards } from './guards';
import { conflictIssues, countIssues, type GuardIssue, type GuardLevel } from './validate-guards';
import {
  QUOTA_KEYS,
  type QuotaKey,
  type Subject,
  type TenantFields,
  tenantListPasses,
  tenantsFileSchema,
} from './tenants-schema';

/** A tenant with every default applied. */
export interface Tenant {
  readonly name: string;
  readonly namespace: string;
  readonly displayName?: string;
  readonly description?: string;
  /** Every RoleBinding subject: the developers group first, then the owners in file order. */
  readonly subjects: readonly Subject[];
  readonly quota: Readonly<Partial<Record<QuotaKey, string>>>;
  readonly limits: {
    readonly default: { readonly cpu: string; readonly memory: string };
    readonly defaultRequest: { readonly cpu: string; readonly memory: string };
    readonly max?: { readonly cpu?: string; readonly memory?: string };
  };
  /** Path segment of the tenant's routes instead of its namespace. */
  readonly alias?: string;
  /** Agents, models, MCP servers, sandboxes and LLM backends, with defaults applied. */
  readonly workloads: TenantWorkloads;
  /** Alert receiver and extra viewers of its traces and dashboards. */
  readonly observability: TenantObservability;
  /** 1-based line of the tenant entry in tenants.yaml. */
  readonly line: number;
  /** Index of the tenant entry in the tenants list. */
  readonly index: number;
}

export interface LoadOptions {
  /** Name used in messages. @default 'tenants.yaml' */
  readonly file?: string;
}

/** Parses and validates the text of tenants.yaml. Throws ConfigError listing every problem. */
export function loadTenants(text: string, options: LoadOptions = {}): Tenant[] {
  const { src, data, errors } = readTenantsYaml(text, options.file ?? 'tenants.yaml');
  return checkTenants(src, data, errors);
}

/** An environment's platform guard defaults and the file that sets them. */
export interface PlatformGuardDefaults {
  /** charts/environments/<env>.yaml */
  readonly file: string;
  readonly guards: Guards;
}

/**
 * Guards of tenants.yaml against each environment's platform defaults: no tenant, model or backend
 * guard may weaken them, and each route's guards, every level merged, must fit the gateway's
 * limit. The file is parsed again for positions only when there is a problem.
 */
export function environmentGuardErrors(
  text: string,
  tenants: readonly Tenant[],
  environments: readonly PlatformGuardDefaults[],
  options: LoadOptions = {},
): SourceError[] {
  const issues: GuardIssue[] = [];
  const seen = new Set<string>();
  for (const env of environments) {
    const platform: GuardLevel = { guards: env.guards, name: `the platform default of ${env.file}` };
    for (const t of tenants) {
      const at = (...p: (string | number)[]): FieldPath => ['tenants', t.index, ...p];
      const w = t.workloads;
      const declared = (g: Guards) => hasGuards(g) || g.streaming !== undefined;
      const tenant = { guards: w.guards, path: at('guards'), name: `tenant ${t.name}'s guards` };
      const backends = new Map(
        w.llmBackends.map((b, j) => [
          b.name,
          { guards: b.guards, path: at('llmBackends', j, 'guards'), name: `LLM backend ${b.name}'s guards` },
        ]),
      );
      const add = (xs: GuardIssue[]) => {
        for (const x of xs) {
          const key = `${x.path.join('/')}\0${x.message}`;
          if (!seen.has(key)) issues.push(x);
          seen.add(key);
        }
      };
      if (declared(w.guards)) add(conflictIssues(platform, tenant));
      for (const b of backends.values()) if (declared(b.guards)) add(conflictIssues(platform, b));
      w.models.forEach((m, j) => {
        const level = { guards: m.guards, path: at('models', j, 'guards'), name: `model ${m.name}'s guards` };
        if (declared(m.guards)) add(conflictIssues(platform, level));
      });
      // Each backend's route enforces every level, its models' guards included (llmBackendGuards).
      for (const [name, b] of backends) {
        const models = w.models.map((m, j) => ({ m, j })).filter(({ m }) => m.backend === name);
        const levels = [
          platform,
          tenant,
          b,
          ...models.map(({ m, j }) => ({
            guards: m.guards,
            path: at('models', j, 'guards'),
            name: `model ${m.name}'s guards`,
          })),
        ];
        const where = models.find(({ m }) => declared(m.guards));
        add(
          countIssues(
            levels,
            where
              ? at('models', where.j, 'guards')
              : declared(b.guards)
                ? b.path
                : declared(w.guards)
                  ? tenant.path
                  : at(
                      'llmBackends',
                      w.llmBackends.findIndex((x) => x.name === name),
                      'name',
                    ),
            `the route of LLM backend ${name}`,
          ),
        );
      }
    }
  }
  if (issues.length === 0) return [];
  const { src } = readTenantsYaml(text, options.file ?? 'tenants.yaml');
  return issues.map((i) => src.error(i.path, i.message, i.fix));
}

/** Whether an environment file sets the sandbox router's image, and the file. */
export interface SandboxRouterImage {
  /** charts/environments/<env>.yaml */
  readonly file: string;
  readonly set: boolean;
}

/**
 * Tenants that ask for a sandbox router against each environment: the router runs from
 * platform.images.sandboxRouter, which no environment sets by default (upstream publishes no image
 * of it), so a tenant's sandboxRouter needs it in every environment file.
 */
export function sandboxRouterImageErrors(
  text: string,
  tenants: readonly Tenant[],
  environments: readonly SandboxRouterImage[],
  options: LoadOptions = {},
): SourceError[] {
  const unset = environments.filter((e) => !e.set).map((e) => e.file);
  const asking = tenants.filter((t) => t.workloads.sandboxRouter !== undefined);
  if (unset.length === 0 || asking.length === 0) return [];
  const { src } = readTenantsYaml(text, options.file ?? 'tenants.yaml');
  return asking.map((t) =>
    src.error(
      ['tenants', t.index, 'sandboxRouter'],
      `the sandbox router runs from platform.images.sandboxRouter, which ${unset.join(' and ')} ${unset.length > 1 ? 'do' : 'does'} not set`,
      `set platform.images.sandboxRouter in ${unset.join(' and ')} to an image built from sandbox-router/ of agent-sandbox v0.5.6 (docs/operator-runbook.md, "Sandbox router image"), or remove sandboxRouter`,
    ),
  );
}

/** The YAML stage: the document read, the problems of the YAML itself, and its plain data. */
interface YamlStage {
  readonly src: SourceMap;
  readonly data: unknown;
  /** Problems after which the structure is still trustworthy (the rest throw). */
  readonly errors: SourceError[];
}

/**
 * Reads the YAML and checks what is YAML-level (syntax, tags, aliases, keys). Throws ConfigError when nothing more can
 * be checked.
 */
function readTenantsYaml(text: string, file: string): YamlStage {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const src = new SourceMap(file, doc, lines, text);
  throwOnSyntaxErrors(src, doc);
  // Problems after which the document still has a trustworthy structure, so that schema and
  // semantic checks run as well and every error is reported in one go.
  const errors: SourceError[] = [];
  for (const e of doc.errors) errors.push(yamlError(src, doc, e.code, e.message, e.pos[0]));
  for (const w of doc.warnings) {
    if (w.code !== 'TAG_RESOLVE_FAILED')
      errors.push(src.error([], `YAML: ${w.message}`, 'correct the YAML at this position', src.position(w.pos[0])));
  }
  const nodes = nodeErrors(src, doc, text);
  errors.push(...nodes.errors);
  if (nodes.fatal) throw new ConfigError(sortErrors(errors));

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch {
    throw new ConfigError(sortErrors(errors)); // alias expansion beyond any sane size: already reported
  }
  if (data === null || data === undefined) {
    throw new ConfigError([
      src.error([], 'the file is empty', 'start it with `tenants:` followed by a list of tenants', { line: 1, col: 1 }),
    ]);
  }
  return { src, data, errors };
}

/**
 * After a syntax error the parser recovers by guessing, so what it reports next (and any check of
 * the structure it guessed) is a follow-on: report only the syntax errors, every tab used for
 * indentation (each is a real error, and the cause of most others), else the first one.
 */
function throwOnSyntaxErrors(src: SourceMap, doc: Document): void {
  const syntax = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
  if (syntax.length === 0) return;
  const tabs = syntax.filter((e) => e.code === 'TAB_AS_INDENT');
  const first = syntax.reduce((a, b) => (b.pos[0] < a.pos[0] ? b : a));
  throw new ConfigError(
    sortErrors((tabs.length > 0 ? tabs : [first]).map((e) => yamlError(src, doc, e.code, e.message, e.pos[0]))),
  );
}

type Ranged = { range?: [number, number, number] | null };

/** An explicit tag (!!binary, !custom, ...): tenants.yaml holds plain strings, numbers, lists and maps. */
function tagError(src: SourceMap, text: string, node: Ranged & { tag?: string }, ancestors: readonly unknown[]) {
  if (!node.tag) return [];
  let tagAt = text.lastIndexOf('!', node.range?.[0] ?? 0);
  while (tagAt > 0 && text[tagAt - 1] === '!') tagAt--;
  return [
    src.error(
      fieldPath(ancestors, node),
      `YAML tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed`,
      'remove the tag and write a plain value (quote it to make it text)',
      src.position(Math.max(0, tagAt)),
    ),
  ];
}

/** Problems of the nodes: keys that are not strings (fatal), tags, numbers out of range, aliases. */
function nodeErrors(src: SourceMap, doc: Document, text: string): { errors: SourceError[]; fatal: boolean } {
  const errors: SourceError[] = [];
  let fatal = false;
  const at = (node: Ranged) => src.position(node.range?.[0] ?? 0);
  const isKey = (node: unknown, ancestors: readonly unknown[]) => {
    const parent = ancestors[ancestors.length - 1];
    return isPair(parent) && parent.key === node;
  };
  visit(doc, {
    Pair(_, pair, ancestors) {
      if (isScalar(pair.key) && typeof pair.key.value === 'string') return;
      fatal = true;
      const key = pair.key as Ranged | null;
      errors.push(
        src.error(
          fieldPath(ancestors, undefined),
          'mapping keys must be plain strings',
          'write the key as text, such as name',
          key ? at(key) : src.position(0),
        ),
      );
    },
    Scalar(_, node, ancestors) {
      if (isKey(node, ancestors)) return; // keys: checked by Pair
      errors.push(...tagError(src, text, node, ancestors));
      if (typeof node.value === 'number' && !Number.isFinite(node.value))
        errors.push(
          src.error(
            fieldPath(ancestors, node),
            `number ${node.source ?? String(node.value)} is out of range`,
            'write a smaller number, or a quantity with a suffix such as 16Gi',
            at(node),
          ),
        );
    },
    Map: (_, node, ancestors) => void errors.push(...tagError(src, text, node, ancestors)),
    Seq: (_, node, ancestors) => void errors.push(...tagError(src, text, node, ancestors)),
    Alias(_, node, ancestors) {
      if (isAlias(node))
        errors.push(
          src.error(
            fieldPath(ancestors, node),
            `YAML alias *${node.source} is not allowed`,
            'write the value out in full, so that every tenant reads on its own in a diff',
            at(node),
          ),
        );
    },
  });
  return { errors, fatal };
}

/** The schema with its rules, then the tenants with defaults applied. */
function checkTenants(src: SourceMap, data: unknown, yamlErrors: readonly SourceError[]): Tenant[] {
  const errors = [...yamlErrors];
  const parsed = tenantsFileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(...zodIssue(src, issue, data));
  }
  if (errors.length > 0 || !parsed.success) throw new ConfigError(sortErrors(errors));
  return resolve(parsed.data.tenants, (i) => src.valueAt(['tenants', i]).line);
}

/**
 * The tenants of entries the tenant schema accepted one by one (`tenantSchema`), at their lines,
 * with the paths of their routes (`routePaths`): the rules over the whole list run as
 * `loadTenants` runs them. Undefined when one reports; the caller then reads the file with
 * `loadTenants`, which reports every problem at its position.
 */
export function tenantsOfEntries(
  entries: readonly TenantFields[],
  lines: readonly number[],
  paths: readonly (readonly string[])[],
): Tenant[] | undefined {
  return tenantListPasses(entries, paths) ? resolve(entries, (i) => lines[i]) : undefined;
}

/**
 * One part of a large tenants.yaml, read on its own (on a worker thread): `tenants:` followed by
 * some of the file's entries. `ok` only when the part has no YAML-level problem at all.
 */
export type TenantChunk =
  { readonly ok: true; readonly items: unknown[]; readonly lines: number[] } | { readonly ok: false };

/** Reads a part made by `splitTenantsText`. Lines are those of the part's own text. */
export function readTenantChunk(text: string, file: string): TenantChunk {
  try {
    const { src, data, errors } = readTenantsYaml(text, file);
    if (errors.length > 0 || !isRecord(data) || Object.keys(data).length !== 1 || !Array.isArray(data.tenants))
      return { ok: false };
    return { ok: true, items: data.tenants, lines: data.tenants.map((_, i) => src.valueAt(['tenants', i]).line) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false };
    throw e;
  }
}

/** Thrown by a line-only source map when a position other than an entry's line is needed. */
class NeedsSource extends Error {}

/**
 * A source map that knows only the line of each tenant entry: enough for a file without
 * problems. Anything else (every error needs a position) throws NeedsSource.
 */
class EntryLines extends SourceMap {
  constructor(
    file: string,
    private readonly entryLines: readonly number[],
  ) {
    super(file, new Document(), new LineCounter(), '');
  }
  override position(): { line: number; col: number } {
    throw new NeedsSource();
  }
  override valueAt(path: FieldPath): { line: number; col: number } {
    if (
      path.length === 2 &&
      path[0] === 'tenants' &&
      typeof path[1] === 'number' &&
      this.entryLines[path[1]] !== undefined
    )
      return { line: this.entryLines[path[1]], col: 0 };
    throw new NeedsSource();
  }
  override keyAt(): { line: number; col: number } {
    throw new NeedsSource();
  }
  override error(): SourceError {
    throw new NeedsSource();
  }
}

/**
 * The tenants of a file read in parts (`splitTenantsText`, `readTenantChunk`): every rule runs
 * over the whole list, as `loadTenants` runs them. Undefined when a part had a problem or a rule
 * fails; the caller then reads the whole file with `loadTenants`, which reports every problem at
 * its position.
 */
export function tenantsFromChunks(
  file: string,
  chunks: readonly { readonly chunk: TenantChunk; readonly lineOffset: number }[],
): Tenant[] | undefined {
  const items: unknown[] = [];
  const lines: number[] = [];
  for (const { chunk, lineOffset } of chunks) {
    if (!chunk.ok) return undefined;
    items.push(...chunk.items);
    lines.push(...chunk.lines.map((l) => l + lineOffset));
  }
  try {
    return checkTenants(new EntryLines(file, lines), { tenants: items }, []);
  } catch (e) {
    if (e instanceof NeedsSource || e instanceof ConfigError) return undefined;
    throw e;
  }
}

/** A part of tenants.yaml and how far its lines are from those of the whole file. */
export interface TextChunk {
  readonly text: string;
  readonly lineOffset: number;
}

/**
 * Splits the text of tenants.yaml into `parts` parts of whole entries, each a file of its own
 * (`tenants:` and the entries), when the file has the plain shape every tenants.yaml has:
 * comments, `tenants:`, then a block list whose entries start at one indentation. Undefined for
 * any other shape; the file is then read whole.
 */
export function splitTenantsText(text: string, parts: number): TextChunk[] | undefined {
  const starts = entryStarts(text);
  if (!starts || starts.lines.length < 2) return undefined;
  const n = starts.lines.length;
  const per = Math.ceil(n / Math.max(1, parts));
  const chunks: TextChunk[] = [];
  for (let k = 0; k < n; k += per) {
    const from = starts.offsets[k];
    const to = k + per < n ? starts.offsets[k + per] - 1 : text.length; // without the line break before the next part
    // "tenants:" is line 1 of the part, so line 2 of the part is line from+1 of the file.
    chunks.push({ text: `tenants:\n${text.slice(from, to)}`, lineOffset: starts.lines[k] - 1 });
  }
  return chunks;
}

/** An entry of the tenants list: its text, every line with its line break, and the index of its first line. */
export interface TenantEntryText {
  readonly text: string;
  readonly start: number;
}

/**
 * The entries of a plain-shaped tenants.yaml (see `splitTenantsText`), each from its `-` to the
 * next entry's, comments and blank lines after it included; undefined for any other shape.
 * `tenants:\n` and an entry's text read as the file reads that entry, its line 2 being the
 * entry's first.
 */
export function tenantEntryTexts(text: string): TenantEntryText[] | undefined {
  const starts = entryStarts(text);
  if (!starts) return undefined;
  const { lines, offsets } = starts;
  return lines.map((start, k) => ({
    text: text.slice(offsets[k], k + 1 < offsets.length ? offsets[k + 1] : text.length),
    start,
  }));
}

/** How many entries the tenants list of a plain-shaped file has (0 for any other shape), without parsing it. */
export function countTenantEntries(text: string): number {
  return entryStarts(text)?.lines.length ?? 0;
}

/**
 * The lines that start an entry of the tenants list (0-based) and their offsets in the text;
 * undefined when the file is not of the plain shape: comments, `tenants:`, then a block list whose
 * entries start at one indentation, and no tab anywhere.
 */
function entryStarts(text: string): { lines: number[]; offsets: number[] } | undefined {
  let pos = 0;
  let line = 0;
  const lineEnd = (from: number) => {
    const e = text.indexOf('\n', from);
    return e < 0 ? text.length : e;
  };
  const blank = (l: string) => /^\s*(#.*)?$/.test(l);
  let end = lineEnd(pos);
  while (blank(text.slice(pos, end)) && !text.slice(pos, end).includes('\t')) {
    if (end === text.length) return undefined;
    pos = end + 1;
    line++;
    end = lineEnd(pos);
  }
  if (!/^tenants:[ ]*(#.*)?$/.test(text.slice(pos, end))) return undefined;
  if (end < text.length && text.indexOf('\t', end) >= 0) return undefined;
  const lines: number[] = [];
  const offsets: number[] = [];
  let indent: number | undefined;
  while (end < text.length) {
    pos = end + 1;
    line++;
    end = lineEnd(pos);
    let lead = 0;
    while (text.charCodeAt(pos + lead) === 32 && pos + lead < end) lead++;
    // Most lines start, after spaces, with a character that is neither '#', '-' nor other white
    // space: content at `lead`. The rest take the full test.
    const c = pos + lead < end ? text[pos + lead] : '';
    let entry = false;
    if (c === '' || c === '#' || c === '-' || /\s/.test(c)) {
      const l = text.slice(pos, end);
      if (blank(l)) continue;
      entry = /^ *- /.test(l) || /^ *-$/.test(l);
    }
    if (indent === undefined) {
      if (!entry) return undefined;
      indent = lead;
    }
    if (entry && lead === indent) {
      lines.push(line);
      offsets.push(pos);
    } else if (lead <= indent) return undefined; // another top-level key, a document marker, ...
  }
  return { lines, offsets };
}

/** Field path of a node from the ancestors `visit` passes (Document, Map, Pair, Seq, ...). */
function fieldPath(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const a = chain[i];
    const next = chain[i + 1];
    if (isPair(a) && isScalar(a.key)) out.push(String(a.key.value));
    else if (isSeq(a) && next !== undefined) out.push(a.items.indexOf(next as never));
  }
  return out;
}

/** The key of the pair whose key starts at `offset`, as text. */
function keyAt(doc: Document, offset: number): string {
  let found = '';
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function yamlError(src: SourceMap, doc: Document, code: string, message: string, offset: number): SourceError {
  const at = src.position(offset);
  switch (code) {
    case 'DUPLICATE_KEY':
      return src.error(
        [],
        `duplicate key ${JSON.stringify(keyAt(doc, offset))} in the same mapping`,
        'remove one of the two entries or merge them',
        at,
      );
    case 'MULTIPLE_DOCS':
      return src.error(
        [],
        'more than one YAML document (a `---` separator)',
        'keep every tenant in the single `tenants:` list and remove the separator',
        at,
      );
    case 'TAB_AS_INDENT':
      return src.error([], 'tab character used for indentation', 'indent with spaces only', at);
    default:
      if (/call stack/i.test(message))
        return src.error(
          [],
          'the YAML nests too deeply to read',
          'flatten the structure; tenants.yaml needs a few levels only',
          at,
        );
      return src.error(
        [],
        `YAML syntax error: ${message.replace(/\s+/g, ' ').replace(/\.$/, '')}`,
        'correct the YAML syntax at this position (check indentation, colons and quotes)',
        at,
      );
  }
}

/** Keys the schema of tenants.yaml accepts at a path of the file. */
function allowedKeys(path: FieldPath): string[] {
  return schemaKeys(tenantsFileSchema, path);
}

/** What zod calls a type, as a message says it and as a fix says it. */
const EXPECTED: Record<string, [string, string]> = {
  array: ['a list', 'a YAML list (- item)'],
  object: ['a mapping', 'a mapping (key: value)'],
  string: ['a string', 'a string'],
  number: ['a number', 'a number'],
  int: ['a whole number', 'a whole number'],
  boolean: ['true or false', 'true or false'],
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Date) return 'a timestamp';
  if (value instanceof Set) return 'a set';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let v: unknown = data;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}

function zodIssue(src: SourceMap, issue: z.core.$ZodIssue, data: unknown): SourceError[] {
  const path = issue.path as (string | number)[];
  const value = valueAt(data, path);
  if (typeof value === 'number' && !Number.isFinite(value)) return []; // reported as out of range
  const rule = ruleParams(issue);
  if (rule) {
    const base = path.slice(0, path.length - rule.depth);
    const text = rule.text ? rule.text((p) => src.valueAt([...base, ...p]).line) : issue.message;
    return [src.error(path, text, rule.fix)];
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKeyError(src, path, key, data));
    case 'invalid_union':
      return [
        src.error(
          path,
          `expected a Kubernetes quantity such as 500m, 2 or 16Gi, got ${typeName(value)}`,
          'write a quantity: a number with an optional suffix (m, Ki, Mi, Gi, k, M, G)',
        ),
      ];
    case 'invalid_type':
      if (value === undefined) {
        const key = String(path[path.length - 1]);
        // Misspelt rather than missing: the unknown key's error already says to rename it.
        if (misspeltNotMissing(tenantsFileSchema, data, path)) return [];
        return [
          src.error(
            path,
            `required key ${JSON.stringify(key)} is missing`,
            `add ${key}: <${issue.expected}>`,
            src.valueAt(path.slice(0, -1)),
          ),
        ];
      }
      return [
        src.error(
          path,
          `expected ${EXPECTED[issue.expected]?.[0] ?? `a ${issue.expected}`}, got ${typeName(value)}`,
          `write ${EXPECTED[issue.expected]?.[1] ?? `a ${issue.expected}`} here`,
        ),
      ];
    case 'invalid_value': {
      const meant = typeof value === 'string' ? closest(value, issue.values.map(String)) : undefined;
      return [
        src.error(
          path,
          `${JSON.stringify(value)} is not allowed${meant ? ` (did you mean ${JSON.stringify(meant)}?)` : ''}`,
          `use one of: ${issue.values.map(String).join(', ')}`,
        ),
      ];
    }
    case 'too_small':
      return [
        src.error(
          path,
          issue.origin === 'number'
            ? `${String(value)} is below the minimum ${String(issue.minimum)}`
            : issue.origin === 'array'
              ? 'the list is empty'
              : 'the value is empty',
          issue.origin === 'number' ? `use ${String(issue.minimum)} or more` : 'remove the key or give it a value',
        ),
      ];
    case 'too_big':
      if (issue.origin === 'string')
        return [
          src.error(
            path,
            `text is longer than ${String(issue.maximum)} characters`,
            `shorten it to at most ${String(issue.maximum)} characters`,
          ),
        ];
      return [src.error(path, `${typeName(value)} is too large`, 'use a smaller number')];
    default:
      return [src.error(path, issue.message, 'correct the value')];
  }
}

/** The error of an unknown key: what it would do when that is known, else the key it is closest to. */
function unknownKeyError(src: SourceMap, path: FieldPath, key: string, data: unknown): SourceError {
  const at = src.keyAt(path, key);
  const field = [...path, key];
  if (path.length === 4 && path[2] === 'llmBackends' && isSecretValueKey(key)) {
    return src.error(
      field,
      `${JSON.stringify(key)} would put the API key in tenants.yaml, which is in git; no secret value may be written here`,
      'store the key in AWS Secrets Manager under agentic-platform/<env>/tenants/<tenant>/<entry>, set apiKeySecret: <entry>, and revoke the key if it was ever committed',
      at,
    );
  }
  if (path.length === 4 && path[2] === 'sandboxes' && key === 'allowCallsFrom') {
    const owner = valueAt(data, path.slice(0, 2)) as Record<string, unknown> | undefined;
    const name = typeof owner?.name === 'string' ? owner.name : '<tenant>';
    return src.error(
      field,
      `a sandbox admits only its owner: its route serves tenant ${name} alone, so that no other tenant runs code in it`,
      `remove allowCallsFrom; to share what the sandbox does, expose an agent of ${name} that uses it and list the other tenants in that agent's allowCallsFrom`,
      at,
    );
  }
  const allowed = allowedKeys(path);
  const meant = closest(key, allowed);
  if (meant)
    return src.error(
      field,
      `unknown key ${JSON.stringify(key)} (did you mean ${JSON.stringify(meant)}?)`,
      `rename it to ${meant}`,
      at,
    );
  return src.error(field, `unknown key ${JSON.stringify(key)}`, `remove it or use one of: ${allowed.join(', ')}`, at);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: string | number | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}

function resolve(tenants: readonly TenantFields[], lineOf: (index: number) => number): Tenant[] {
  return tenants.map((t, i) => {
    const quota: Partial<Record<QuotaKey, string>> = {};
    for (const k of QUOTA_KEYS) {
      const v = str(t.quota?.[k] ?? DEFAULT_QUOTA[k]);
      if (v !== undefined) quota[k] = v;
    }
    const pick = (group: 'default' | 'defaultRequest', r: 'cpu' | 'memory') =>
      String(t.limits?.[group]?.[r] ?? DEFAULT_LIMITS[group][r]);
    const max = t.limits?.max ? { cpu: str(t.limits.max.cpu), memory: str(t.limits.max.memory) } : undefined;
    const ns = tenantNamespace(t.name);
    return {
      name: t.name,
      namespace: ns,
      displayName: t.displayName,
      description: t.description,
      subjects: [
        { kind: 'Group' as const, name: tenantDevelopersGroup(t.name) },
        ...(t.owners ?? []).map((o) => (o.kind === 'ServiceAccount' ? { ...o, namespace: ns } : o)),
      ],
      quota,
      limits: {
        default: { cpu: pick('default', 'cpu'), memory: pick('default', 'memory') },
        defaultRequest: { cpu: pick('defaultRequest', 'cpu'), memory: pick('defaultRequest', 'memory') },
        ...(max ? { max } : {}),
      },
      ...(t.alias !== undefined ? { alias: t.alias } : {}),
      workloads: workloadsOf(t),
      observability: resolveObservability(t.observability),
      line: lineOf(i),
      index: i,
    };
  });
}
