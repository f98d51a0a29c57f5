/**
 * Rules over prompt guards that the schema cannot express, for tenants.yaml (a tenant's, its
 * models' and its backends' `guards:`) and the environment files (`platform.guards`): one kind per
 * guard, the action it needs, regular expressions the gateway can compile, webhooks that name a
 * Service of the tenant, and no level weakening the one above it.
 */
import {
  type GuardConflict,
  guardConflicts,
  type Guards,
  MAX_GUARDS_PER_DIRECTION,
  mergeGuards,
  GUARD_DIRECTIONS,
} from './guards';
import type { FieldPath } from './source-errors';

/** A problem at a path of the file, before it is given a position. */
export interface GuardIssue {
  readonly path: FieldPath;
  readonly message: string;
  readonly fix: string;
}

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const q = JSON.stringify;

/** Longest pattern the CRD admits (spec.backend.ai.promptGuard.request[].regex.matches[] maxLength). */
export const MAX_PATTERN_LENGTH = 1024;

/**
 * Constructs JavaScript accepts but the gateway's engine (the Rust `regex` crate, which agentgateway
 * v1.4.1 compiles patterns with: crates/agentgateway/src/llm/policy/mod.rs RegexRule, serde_regex)
 * does not: look-around and backreferences.
 */
const UNSUPPORTED = /\(\?<?[=!]|\\[1-9]|\\k</;

/** Why a pattern cannot be a guard, or undefined. */
export function patternProblem(p: string): string | undefined {
  if (p.length === 0) return 'the pattern is empty';
  if (p.length > MAX_PATTERN_LENGTH) return `the pattern is ${p.length} characters, more than ${MAX_PATTERN_LENGTH}`;
  if (UNSUPPORTED.test(p))
    return "the pattern uses look-around or a backreference, which the gateway's regex engine (Rust regex) does not support";
  try {
    new RegExp(p, 'u');
  } catch (e) {
    return `${q(p)} is not a regular expression (${(e as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  return undefined;
}

/** The tenant's Services a webhook may name: its agents and image MCP servers. */
export interface WebhookTargets {
  readonly services: readonly string[];
}

/**
 * Problems of one `guards:` block as written. `targets` undefined: a platform block, which names
 * no webhook (the schema has no such key there).
 */
export function guardsIssues(raw: unknown, at: FieldPath, targets?: WebhookTargets): GuardIssue[] {
  if (!isRecord(raw)) return [];
  const out: GuardIssue[] = [];
  for (const dir of GUARD_DIRECTIONS) {
    const rules = raw[dir];
    if (!Array.isArray(rules)) continue;
    if (rules.length === 0)
      out.push({ path: [...at, dir], message: 'the list is empty', fix: `remove ${dir}, or list the guards` });
    if (rules.length > MAX_GUARDS_PER_DIRECTION)
      out.push({
        path: [...at, dir],
        message: `${rules.length} guards; the gateway accepts at most ${MAX_GUARDS_PER_DIRECTION} per direction`,
        fix: 'put detectors and patterns with the same action into one guard',
      });
    rules.forEach((r, i) => {
      if (!isRecord(r)) return;
      const p = (...x: (string | number)[]): FieldPath => [...at, dir, i, ...x];
      const kinds = ['detect', 'patterns', 'webhook'].filter((k) => r[k] !== undefined);
      if (kinds.length !== 1) {
        out.push({
          path: p(),
          message:
            kinds.length === 0
              ? 'a guard needs detect, patterns or webhook'
              : `a guard has one of detect, patterns or webhook, not ${kinds.join(' and ')}`,
          fix: targets
            ? 'split it into one guard per kind'
            : 'split it into one guard per kind (platform guards use detect or patterns)',
        });
        return;
      }
      const kind = kinds[0];
      if (kind === 'webhook') {
        if (r.action !== undefined)
          out.push({
            path: p('action'),
            message: 'a webhook decides itself whether to pass, mask or reject',
            fix: 'remove action',
          });
        if (r.message !== undefined)
          out.push({ path: p('message'), message: 'a webhook writes its own rejection', fix: 'remove message' });
        const service = isRecord(r.webhook) ? r.webhook.service : undefined;
        if (typeof service === 'string' && targets && !targets.services.includes(service)) {
          out.push({
            path: p('webhook', 'service'),
            message: `${q(service)} is not one of the tenant's agents or image MCP servers (${targets.services.join(', ') || 'none declared'})`,
            fix: "name the agent or image MCP server whose Service answers agentgateway's guardrail webhook API",
          });
        }
        return;
      }
      if (r.action === undefined)
        out.push({
          path: p(),
          message: `a ${kind} guard needs an action`,
          fix: 'add action: reject (refuse with 403) or action: mask (replace each match)',
        });
      if (r.message !== undefined && r.action !== 'reject')
        out.push({
          path: p('message'),
          message: 'message is the body of a rejection',
          fix: 'remove message, or use action: reject',
        });
      const list = r[kind];
      if (!Array.isArray(list)) return;
      if (list.length === 0)
        out.push({
          path: p(kind),
          message: 'the list is empty',
          fix: `list at least one ${kind === 'detect' ? 'detector' : 'pattern'}`,
        });
      const seen = new Set<unknown>();
      list.forEach((x, k) => {
        if (seen.has(x))
          out.push({ path: p(kind, k), message: `${q(x)} is listed twice`, fix: 'remove the duplicate' });
        seen.add(x);
        if (kind === 'patterns' && typeof x === 'string') {
          const problem = patternProblem(x);
          if (problem)
            out.push({
              path: p(kind, k),
              message: problem,
              fix: 'write a regular expression in Rust regex syntax, such as ACME-[0-9]{6}',
            });
        }
      });
    });
  }
  return out;
}

/** A level of guards and where it is written: a path of tenants.yaml, or a file for the platform's. */
export interface GuardLevel {
  readonly guards: Guards;
  /** Path of its `guards:` key in tenants.yaml; undefined for the platform's defaults. */
  readonly path?: FieldPath;
  /** How messages name it: `the platform default of charts/environments/dev.yaml`, `tenant alpha`. */
  readonly name: string;
}

/** A conflict of `lower` with `upper`, placed at the lower level's rule. */
export function conflictIssues(upper: GuardLevel, lower: GuardLevel & { path: FieldPath }): GuardIssue[] {
  return guardConflicts(upper.guards, lower.guards, upper.name).map((c: GuardConflict) => ({
    path: c.direction === 'streaming' ? [...lower.path, 'streaming'] : [...lower.path, c.direction, c.index ?? 0],
    message: c.message,
    fix: c.fix,
  }));
}

/** The path's guards must fit the gateway's limit once every level is merged; placed at the lowest level. */
export function countIssues(levels: readonly GuardLevel[], where: FieldPath, what: string): GuardIssue[] {
  const merged = mergeGuards(levels.map((l) => l.guards));
  const out: GuardIssue[] = [];
  for (const dir of GUARD_DIRECTIONS) {
    if (merged[dir].length > MAX_GUARDS_PER_DIRECTION) {
      out.push({
        path: where,
        message: `the guards of ${what} add up to ${merged[dir].length} on the ${dir} (${levels.map((l) => l.name).join(', ')}), more than the ${MAX_GUARDS_PER_DIRECTION} the gateway accepts`,
        fix: 'use fewer webhooks or rejection messages: detectors and patterns of one action share a guard',
      });
    }
  }
  return out;
}
