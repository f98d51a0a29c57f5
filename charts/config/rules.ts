/**
 * Rules that need several fields, written as zod checks: each reports at a path of the value it
 * checks, with a fix, and the loader turns the report into `file:line:col` (load-tenants.ts). A
 * rule runs when the fields it reads parsed, so that one broken field does not hide the problems
 * of the others; it never sees a value of the wrong type. That holds while the schemas have no
 * transform (zod skips a transform after any issue and leaves the input in place): defaults are
 * `.default()`, and what is derived from a parsed entry is computed after parsing (workloads.ts).
 */
import { z } from 'zod';
import type { FieldPath } from './source-errors';

/** The line of a path, relative to the value a rule checks ('?' where no source is at hand). */
export type LineOf = (path: FieldPath) => number | string;

/** A message, or one that names the lines of other entries (their paths relative to the checked value). */
export type Message = string | ((lineOf: LineOf) => string);

/** Reports a problem at a path relative to the checked value. */
export type Report = (at: FieldPath, message: Message, fix: string) => void;

/** The parameters of a rule's issue: its fix, and what the loader needs to place the lines it names. */
export interface RuleParams {
  readonly fix: string;
  /** Length of the issue's path below the checked value. */
  readonly depth: number;
  readonly text?: (lineOf: LineOf) => string;
}

function reporter(ctx: z.core.$RefinementCtx<unknown>): Report {
  return (at, message, fix) => {
    const params: RuleParams = {
      fix,
      depth: at.length,
      ...(typeof message === 'string' ? {} : { text: message }),
    };
    ctx.addIssue({
      code: 'custom',
      path: [...at],
      message: typeof message === 'string' ? message : message(() => '?'),
      params: params as unknown as Record<string, unknown>,
    });
  };
}

/** Keys of the checked object that its schema does not know. */
function unknownKeys(ctx: z.core.$RefinementCtx<unknown>): string[] {
  return ctx.issues.flatMap((i) => (i.code === 'unrecognized_keys' && (i.path ?? []).length === 0 ? i.keys : []));
}

/** Whether an issue leaves the value at its path of the wrong type (an unknown key or a rule's report does not). */
const breaks = (i: z.core.$ZodRawIssue): boolean => i.continue !== true;

/** Keys of an object with a breaking issue at or below them; undefined when the object itself broke. */
function brokenKeys(issues: readonly z.core.$ZodRawIssue[], prefix: number): Set<PropertyKey> | undefined {
  const broken = new Set<PropertyKey>();
  for (const i of issues) {
    if (!breaks(i)) continue;
    const path = i.path ?? [];
    if (path.length <= prefix) return undefined; // the object itself
    broken.add(path[prefix]);
  }
  return broken;
}

/**
 * A rule over some keys of an object: runs when those keys parsed, whatever is wrong with the
 * others. `check` reads only `keys`, typed as the schema's output.
 */
export function rule<T extends object, K extends keyof T & string>(
  keys: readonly K[],
  check: (value: Pick<T, K>, report: Report, unknownKeys: readonly string[]) => void,
): z.core.$ZodCheck<T> {
  return z.superRefine<T>(
    (value, ctx) => check(value, reporter(ctx as z.core.$RefinementCtx<unknown>), unknownKeys(ctx)),
    {
      when: (payload) => {
        const broken = brokenKeys(payload.issues, 0);
        return broken !== undefined && keys.every((k) => !broken.has(k));
      },
    },
  );
}

/** Whether a key of an item of a list did not parse (it is then missing from the item a list rule sees). */
export type Broken = (index: number, key: string) => boolean;

/**
 * A rule over a list of objects: runs always, and sees each item with only the keys that parsed
 * (undefined for an item that is not an object of the schema at all).
 */
export function listRule<T extends object>(
  check: (items: readonly (Partial<T> | undefined)[], report: Report, broken: Broken) => void,
): z.core.$ZodCheck<T[]> {
  return z.superRefine<T[]>(
    (items, ctx) => {
      const byItem = new Map<PropertyKey, z.core.$ZodRawIssue[]>();
      for (const x of ctx.issues) {
        const at = x.path?.[0];
        if (at === undefined) continue;
        const list = byItem.get(at);
        if (list) list.push(x);
        else byItem.set(at, [x]);
      }
      const brokenOf = items.map((_, i) => brokenKeys(byItem.get(i) ?? [], 1));
      const sound = items.map((item, i) => {
        const broken = brokenOf[i];
        if (broken === undefined || typeof item !== 'object' || item === null) return undefined;
        return Object.fromEntries(Object.entries(item).filter(([k]) => !broken.has(k))) as Partial<T>;
      });
      const broken: Broken = (i, key) => brokenOf[i]?.has(key) ?? true;
      check(sound, reporter(ctx as z.core.$RefinementCtx<unknown>), broken);
    },
    { when: (payload) => Array.isArray(payload.value) },
  );
}

/** The rule parameters of a zod issue, when a rule reported it. */
export function ruleParams(issue: z.core.$ZodIssue): RuleParams | undefined {
  if (issue.code !== 'custom') return undefined;
  const params = issue.params as Partial<RuleParams> | undefined;
  return typeof params?.fix === 'string' && typeof params.depth === 'number' ? (params as RuleParams) : undefined;
}

/** A rule over one value of the schema's type (a string, a list, ...). */
export function valueRule<T>(check: (value: T, report: Report) => void): z.core.$ZodCheck<T> {
  return z.superRefine<T>((value, ctx) => check(value, reporter(ctx as z.core.$RefinementCtx<unknown>)));
}

/** Rules over some keys of an object schema's output (see `rule`), typed by the schema. */
export function rulesFor<S extends z.ZodObject>(_schema: S) {
  return <K extends keyof z.output<S> & string>(
    keys: readonly K[],
    check: (value: Pick<z.output<S>, K>, report: Report, unknownKeys: readonly string[]) => void,
  ): z.core.$ZodCheck<z.output<S>> => rule<z.output<S>, K>(keys, check);
}

/** `schema` with a rule over some of its keys (see `rule`). */
export function withRule<S extends z.ZodObject, K extends keyof z.output<S> & string>(
  schema: S,
  keys: readonly K[],
  check: (value: Pick<z.output<S>, K>, report: Report, unknownKeys: readonly string[]) => void,
): S {
  return schema.check(rule<z.output<S>, K>(keys, check));
}
