/**
 * Prompt guards: the guards of each level (the platform's defaults, the tenant's, an LLM backend's,
 * a model's) resolved, merged into what one path enforces, and compiled into the
 * `backend.ai.promptGuard` field of an agentgateway v1.4.1 AgentgatewayPolicy.
 *
 * agentgateway v1.4.1 semantics this relies on:
 * - One promptGuard applies per request: among the policies that reach a backend, the most
 *   specific one that sets promptGuard wins whole; lists are never concatenated
 *   (crates/agentgateway/src/store/binds.rs internal_backend_policies, merge_llm_policies). So the
 *   compiler merges every level into one policy per route.
 * - Guards run in list order and the first rejection ends the request
 *   (crates/agentgateway/src/llm/policy/mod.rs apply_prompt_guard); a mask rewrites the text the
 *   next guard sees (apply_prompt_guard_regex). Rejections therefore come before masks, or a mask
 *   would hide what a rejection looks for.
 * - A regex guard's rules share one action; builtins and patterns of one guard are additive
 *   (controller/pkg/agentgateway/plugins/ai_policies.go processRegex).
 * - The CRD allows at most 8 guards per direction
 *   (agentgateway.dev_agentgatewaypolicies.yaml spec.backend.ai.promptGuard.request maxItems).
 */
import type { GuardAction, GuardDetector, GuardRuleInput, GuardsInput, PlatformGuardsInput } from './guards-schema';

/** A resolved guard: a regex guard (detectors and patterns with an action) or a webhook. */
export type GuardRule =
  | {
      readonly kind: 'regex';
      readonly action: GuardAction;
      readonly detect: readonly GuardDetector[];
      readonly patterns: readonly string[];
      readonly message?: string;
    }
  | { readonly kind: 'webhook'; readonly service: string; readonly port: number; readonly failOpen: boolean };

/** The guards of one level. `streaming` undefined: the level does not say. */
export interface Guards {
  readonly request: readonly GuardRule[];
  readonly response: readonly GuardRule[];
  readonly streaming?: boolean;
}

export const NO_GUARDS: Guards = { request: [], response: [] };

export const GUARD_DIRECTIONS = ['request', 'response'] as const;
export type GuardDirection = (typeof GUARD_DIRECTIONS)[number];

/** Most guards per direction the CRD admits. */
export const MAX_GUARDS_PER_DIRECTION = 8;

/** agentgateway's built-in recognizer of each detector (CRD enum BuiltIn). */
export const DETECTOR_BUILTINS: Readonly<Record<Exclude<GuardDetector, 'apiKey'>, string>> = {
  email: 'Email',
  creditCard: 'CreditCard',
  phoneNumber: 'PhoneNumber',
  ssn: 'Ssn',
  caSin: 'CaSin',
};

/**
 * Shapes of API keys the `apiKey` detector matches (Rust regex syntax): OpenAI and Anthropic
 * (`sk-...`, `sk-ant-...`), AWS access key IDs, GitHub tokens, Slack tokens, Google API keys.
 */
export const API_KEY_PATTERNS: readonly string[] = [
  '\\bsk-[A-Za-z0-9_-]{20,}',
  '\\bAKIA[0-9A-Z]{16}\\b',
  '\\bgh[pousr]_[A-Za-z0-9]{36,}',
  '\\bxox[abprs]-[A-Za-z0-9-]{10,}',
  '\\bAIza[0-9A-Za-z_-]{35}',
];

/** Default body of a rejection (the CRD's default of spec.backend.ai.promptGuard.request[].response.message). */
export const DEFAULT_REJECTION = 'The request was rejected due to inappropriate content';

/** Port a webhook uses when it names none: the Service's own. */
export type WebhookPort = (service: string) => number | undefined;

/** Resolves a level's guards as written (schema-valid) into rules. */
export function resolveGuards(
  input: GuardsInput | PlatformGuardsInput | undefined,
  webhookPort: WebhookPort = () => undefined,
): Guards {
  if (!input) return NO_GUARDS;
  const rule = (r: GuardRuleInput): GuardRule | undefined => {
    if (r.webhook)
      return {
        kind: 'webhook',
        service: r.webhook.service,
        port: r.webhook.port ?? webhookPort(r.webhook.service) ?? 8080,
        failOpen: r.webhook.failOpen ?? false,
      };
    if (!r.action) return undefined;
    return {
      kind: 'regex',
      action: r.action,
      detect: [...(r.detect ?? [])],
      patterns: [...(r.patterns ?? [])],
      ...(r.message !== undefined ? { message: r.message } : {}),
    };
  };
  const list = (rs: readonly GuardRuleInput[] | undefined) =>
    (rs ?? []).map(rule).filter((r): r is GuardRule => r !== undefined);
  return {
    request: list(input.request),
    response: list(input.response),
    ...(input.streaming !== undefined ? { streaming: input.streaming } : {}),
  };
}

/** The platform defaults of an environment, resolved. */
export function platformGuards(env: { readonly platform: { readonly guards: PlatformGuardsInput } }): Guards {
  return resolveGuards(env.platform.guards);
}

/** Whether a level (or a merged set) checks anything. */
export function hasGuards(g: Guards): boolean {
  return g.request.length + g.response.length > 0;
}

/** One guard as the gateway gets it: a regex guard for one action (and rejection message), or a webhook. */
export type MergedGuard = GuardRule;

export interface MergedGuards {
  readonly request: readonly MergedGuard[];
  readonly response: readonly MergedGuard[];
  readonly streaming: boolean;
}

/**
 * What a path enforces: every level's guards together (none can drop another's). Regex guards
 * are grouped by action, rejections (one per message) before the mask; a detector or pattern a
 * rejection already covers is left out of the mask; webhooks follow, in the order the levels
 * name them, failing closed if any level says so. Streaming is checked if any level asks.
 */
export function mergeGuards(levels: readonly Guards[]): MergedGuards {
  const direction = (dir: GuardDirection): MergedGuard[] => {
    const rejects = new Map<string, { detect: Set<GuardDetector>; patterns: Set<string> }>();
    const mask = { detect: new Set<GuardDetector>(), patterns: new Set<string>() };
    const hooks = new Map<string, { service: string; port: number; failOpen: boolean }>();
    for (const level of levels) {
      for (const r of level[dir]) {
        if (r.kind === 'webhook') {
          const key = `${r.service}:${r.port}`;
          const seen = hooks.get(key);
          hooks.set(key, { service: r.service, port: r.port, failOpen: (seen?.failOpen ?? true) && r.failOpen });
          continue;
        }
        const into =
          r.action === 'mask'
            ? mask
            : (rejects.get(r.message ?? '') ??
              rejects.set(r.message ?? '', { detect: new Set(), patterns: new Set() }).get(r.message ?? '')!);
        for (const d of r.detect) into.detect.add(d);
        for (const p of r.patterns) into.patterns.add(p);
      }
    }
    const rejected = {
      detect: new Set([...rejects.values()].flatMap((g) => [...g.detect])),
      patterns: new Set([...rejects.values()].flatMap((g) => [...g.patterns])),
    };
    const out: MergedGuard[] = [];
    for (const [message, g] of [...rejects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      out.push({
        kind: 'regex',
        action: 'reject',
        detect: sortDetectors(g.detect),
        patterns: [...g.patterns].sort(),
        ...(message ? { message } : {}),
      });
    }
    const maskDetect = [...mask.detect].filter((d) => !rejected.detect.has(d));
    const maskPatterns = [...mask.patterns].filter((p) => !rejected.patterns.has(p));
    if (maskDetect.length + maskPatterns.length > 0)
      out.push({ kind: 'regex', action: 'mask', detect: sortDetectors(maskDetect), patterns: maskPatterns.sort() });
    for (const h of hooks.values()) out.push({ kind: 'webhook', ...h });
    return out;
  };
  return {
    request: direction('request'),
    response: direction('response'),
    streaming: levels.some((l) => l.streaming === true),
  };
}

function sortDetectors(ds: Iterable<GuardDetector>): GuardDetector[] {
  const order = ['email', 'creditCard', 'phoneNumber', 'ssn', 'caSin', 'apiKey'];
  return [...ds].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** A way in which a level would weaken the level above it. */
export interface GuardConflict {
  readonly direction: GuardDirection | 'streaming';
  /** Index of the rule in the weaker level's list (undefined for streaming). */
  readonly index?: number;
  readonly message: string;
  readonly fix: string;
}

/**
 * Where `extra` (a lower level: a tenant under the platform, a model under its tenant) would
 * loosen `base`: masking what `base` rejects, failing open a webhook `base` fails closed, turning
 * off streaming checks `base` turns on. Everything else only adds guards.
 */
export function guardConflicts(base: Guards, extra: Guards, baseName: string): GuardConflict[] {
  const out: GuardConflict[] = [];
  for (const dir of GUARD_DIRECTIONS) {
    const rejects = base[dir].filter((r) => r.kind === 'regex' && r.action === 'reject') as Extract<
      GuardRule,
      { kind: 'regex' }
    >[];
    const closed = base[dir].filter((r) => r.kind === 'webhook' && !r.failOpen) as Extract<
      GuardRule,
      { kind: 'webhook' }
    >[];
    extra[dir].forEach((r, index) => {
      if (r.kind === 'regex' && r.action === 'mask') {
        const detect = r.detect.filter((d) => rejects.some((b) => b.detect.includes(d)));
        const patterns = r.patterns.filter((p) => rejects.some((b) => b.patterns.includes(p)));
        const what = [...detect, ...patterns.map((p) => JSON.stringify(p))];
        if (what.length > 0) {
          out.push({
            direction: dir,
            index,
            message: `masks ${what.join(', ')}, which ${baseName} rejects on the ${dir}`,
            fix: `use action: reject for ${what.join(', ')}, or leave ${what.length > 1 ? 'them' : 'it'} out: ${baseName} applies anyway`,
          });
        }
      }
      if (r.kind === 'webhook' && r.failOpen && closed.some((b) => b.service === r.service && b.port === r.port)) {
        out.push({
          direction: dir,
          index,
          message: `lets the webhook ${r.service}:${r.port} fail open, which ${baseName} fails closed`,
          fix: 'remove failOpen, or set it to false',
        });
      }
    });
  }
  if (base.streaming === true && extra.streaming === false)
    out.push({
      direction: 'streaming',
      message: `turns off the checks of streamed responses that ${baseName} turns on`,
      fix: 'remove streaming, or set it to true',
    });
  return out;
}

/** The `backend.ai.promptGuard` object of an AgentgatewayPolicy for merged guards. */
export function promptGuardSpec(g: MergedGuards): Record<string, unknown> {
  const entry = (m: MergedGuard): Record<string, unknown> => {
    if (m.kind === 'webhook')
      return {
        webhook: {
          backendRef: { kind: 'Service', name: m.service, port: m.port },
          failureMode: m.failOpen ? 'FailOpen' : 'FailClosed',
        },
      };
    const builtins = m.detect
      .filter((d): d is Exclude<GuardDetector, 'apiKey'> => d !== 'apiKey')
      .map((d) => DETECTOR_BUILTINS[d]);
    const matches = [...(m.detect.includes('apiKey') ? API_KEY_PATTERNS : []), ...m.patterns];
    return {
      regex: {
        action: m.action === 'reject' ? 'Reject' : 'Mask',
        ...(builtins.length ? { builtins } : {}),
        ...(matches.length ? { matches } : {}),
      },
      ...(m.kind === 'regex' && m.action === 'reject'
        ? { response: { message: m.message ?? DEFAULT_REJECTION, statusCode: 403 } }
        : {}),
    };
  };
  return {
    ...(g.request.length ? { request: g.request.map(entry) } : {}),
    ...(g.response.length ? { response: g.response.map(entry) } : {}),
    ...(g.streaming ? { streaming: 'Enabled' } : {}),
  };
}

/** One line per direction for tables: `request: reject creditCard, ssn; mask email; webhook pii:8080`. */
export function guardSummary(g: MergedGuards): string {
  const one = (m: MergedGuard) =>
    m.kind === 'webhook'
      ? `webhook ${m.service}:${m.port}${m.failOpen ? ' (fails open)' : ''}`
      : `${m.action} ${[...m.detect, ...m.patterns.map((p) => `/${p}/`)].join(', ')}`;
  const parts = GUARD_DIRECTIONS.filter((d) => g[d].length > 0).map((d) => `${d}: ${g[d].map(one).join('; ')}`);
  if (g.streaming && parts.length) parts.push('streamed responses too');
  return parts.join(' · ');
}

/**
 * What the route of an LLM backend of a tenant enforces: the platform's defaults, the tenant's,
 * the backend's and those of every model on the backend (its models share its route, so a
 * model's guards hold for the others too).
 */
export function llmBackendGuards(
  w: {
    readonly guards: Guards;
    readonly llmBackends: readonly { readonly name: string; readonly guards: Guards }[];
    readonly models: readonly { readonly backend?: string; readonly guards: Guards }[];
  },
  backend: string,
  platform: Guards,
): MergedGuards {
  const b = w.llmBackends.find((x) => x.name === backend);
  return mergeGuards([
    platform,
    w.guards,
    ...(b ? [b.guards] : []),
    ...w.models.filter((m) => m.backend === backend).map((m) => m.guards),
  ]);
}
