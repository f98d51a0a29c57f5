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
import type { GuardRuleInput, GuardsInput, PlatformGuardsInput } from './guards-schema';
import type { FieldPath } from './source-errors';

type PlatformGuardRuleInput = NonNullable<PlatformGuardsInput['request']>[number];

/** A problem at a path of the file, before it is given a position. */
export interface GuardIssue {
  readonly path: FieldPath;
  readonly message: string;
  readonly fix: string;
}

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

type Rule = GuardRuleInput | PlatformGuardRuleInput;

/**
 * Problems of one `guards:` block as the schema parsed it. `targets` undefined: a platform block,
 * which names no webhook (the schema has no such key there).
 */
export function guardsIssues(
  guards: GuardsInput | PlatformGuardsInput | undefined,
  at: FieldPath,
  targets?: WebhookTargets,
): GuardIssue[] {
  if (!guards) return [];
  const out: GuardIssue[] = [];
  for (const dir of GUARD_DIRECTIONS) {
    const rules: readonly Rule[] | undefined = guards[dir];
    if (rules === undefined) continue;
    if (rules.length === 0)
      out.push({ path: [...at, dir], message: 'the list is empty', fix: `remove ${dir}, or list the guards` });
    if (rules.length > MAX_GUARDS_PER_DIRECTION)
      out.push({
        path: [...at, dir],
        message: `${rules.length} guards; the gateway accepts at most ${MAX_GUARDS_PER_DIRECTION} per direction`,
        fix: 'put detectors and patterns with the same action into one guard',
      });
    rules.forEach((r, i) => out.push(...ruleIssues(r, [...at, dir, i], targets)));
  }
  return out;
}

/** One guard: exactly one kind, and the fields of that kind. */
function ruleIssues(r: Rule, at: FieldPath, targets: WebhookTargets | undefined): GuardIssue[] {
  const kinds = (['detect', 'patterns', 'webhook'] as const).filter(
    (k) => (r as Record<string, unknown>)[k] !== undefined,
  );
  if (kinds.length !== 1)
    return [
      {
        path: at,
        message:
          kinds.length === 0
            ? 'a guard needs detect, patterns or webhook'
            : `a guard has one of detect, patterns or webhook, not ${kinds.join(' and ')}`,
        fix: targets
          ? 'split it into one guard per kind'
          : 'split it into one guard per kind (platform guards use detect or patterns)',
      },
    ];
  const kind = kinds[0];
  if (kind === 'webhook') return webhookIssues(r as GuardRuleInput, at, targets);
  const out: GuardIssue[] = [];
  if (r.action === undefined)
    out.push({
      path: at,
      message: `a ${kind} guard needs an action`,
      fix: 'add action: reject (refuse with 403) or action: mask (replace each match)',
    });
  if (r.message !== undefined && r.action !== 'reject')
    out.push({
      path: [...at, 'message'],
      message: 'message is the body of a rejection',
      fix: 'remove message, or use action: reject',
    });
  return [...out, ...listIssues(kind, r[kind] ?? [], [...at, kind])];
}

function webhookIssues(r: GuardRuleInput, at: FieldPath, targets: WebhookTargets | undefined): GuardIssue[] {
  const out: GuardIssue[] = [];
  if (r.action !== undefined)
    out.push({
      path: [...at, 'action'],
      message: 'a webhook decides itself whether to pass, mask or reject',
      fix: 'remove action',
    });
  if (r.message !== undefined)
    out.push({ path: [...at, 'message'], message: 'a webhook writes its own rejection', fix: 'remove message' });
  const service = r.webhook?.service;
  if (service !== undefined && targets && !targets.services.includes(service))
    out.push({
      path: [...at, 'webhook', 'service'],
      message: `${q(service)} is not one of the tenant's agents or image MCP servers (${targets.services.join(', ') || 'none declared'})`,
      fix: "name the agent or image MCP server whose Service answers agentgateway's guardrail webhook API",
    });
  return out;
}

/** The detectors or patterns of a guard: some, none twice, patterns the gateway compiles. */
function listIssues(kind: 'detect' | 'patterns', list: readonly string[], at: FieldPath): GuardIssue[] {
  const out: GuardIssue[] = [];
  if (list.length === 0)
    out.push({
      path: at,
      message: 'the list is empty',
      fix: `list at least one ${kind === 'detect' ? 'detector' : 'pattern'}`,
    });
  const seen = new Set<string>();
  list.forEach((x, k) => {
    if (seen.has(x)) out.push({ path: [...at, k], message: `${q(x)} is listed twice`, fix: 'remove the duplicate' });
    seen.add(x);
    const problem = kind === 'patterns' ? patternProblem(x) : undefined;
    if (problem)
      out.push({
        path: [...at, k],
        message: problem,
        fix: 'write a regular expression in Rust regex syntax, such as ACME-[0-9]{6}',
      });
  });
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
