/**
 * Prompt guards: resolving, merging and compiling them into agentgateway v1.4.1's
 * `backend.ai.promptGuard`, the rules that keep a tenant from loosening the platform's, and where
 * they are enforced. Upstream semantics read at agentgateway v1.4.1:
 * - CRD: agentgateway.dev_agentgatewaypolicies.yaml spec.backend.ai.promptGuard (regex.builtins
 *   enum, regex.matches maxLength 1024, request/response maxItems 8, streaming enum Enabled);
 * - controller/pkg/agentgateway/plugins/ai_policies.go processRegex: one guard's builtins and
 *   matches become one rule list with one action;
 * - crates/agentgateway/src/llm/policy/mod.rs apply_regex: a Mask rewrites the text the next
 *   guard sees, a Reject ends the request;
 * - crates/agentgateway/src/store/binds.rs internal_backend_policies and merge_llm_policies: the
 *   first promptGuard found (inline backend policies first, then the route's) replaces the rest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../charts/config/environment';
import {
  API_KEY_PATTERNS,
  guardSummary,
  llmBackendGuards,
  mergeGuards,
  NO_GUARDS,
  platformGuards,
  resolveGuards,
} from '../../charts/config/guards';
import { GUARD_DETECTORS } from '../../charts/config/guards-schema';
import { environmentGuardErrors, loadTenants } from '../../charts/config/load-tenants';
import { formatSourceError } from '../../charts/config/source-errors';
import { patternProblem } from '../../charts/config/validate-guards';
import { TenantRoute } from '../../charts/constructs/tenant-route';
import { tenantRoutes } from '../../charts/config/routes';
import { DEFAULT_CRDS } from '../../scripts/toolchain/imports';
import { loadValidators } from '../crd-validators';
import { only, synth, tenantErrors } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');
const TENANTS = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8');
const DEV = 'charts/environments/dev.yaml';
const devGuards = () => platformGuards(parseEnvironment(fs.readFileSync(path.join(ROOT, DEV), 'utf8'), DEV));

/** A tenant with one OpenAI backend whose route carries `guards` (YAML flow text). */
const withGuards = (guards: string, extra = '') =>
  `tenants:\n  - name: beta\n    guards: ${guards}\n    llmBackends:\n      - {name: openai, provider: openai, model: gpt-4.1-mini, apiKeySecret: openai}\n${extra}`;

/** The guards policy of the tenant's single LLM route, synthesized. */
function compiled(text: string, platform = NO_GUARDS) {
  const [t] = loadTenants(text);
  const [route] = tenantRoutes(t, platform).filter((r) => r.kind === 'llm');
  const objects = synth((c) => new TenantRoute(c, 'r', { tenant: t.name, route, trustDomain: 'cluster.local' }));
  return objects.find((o) => o.kind === 'AgentgatewayPolicy' && o.metadata.name.endsWith('-guards')) as any;
}

describe.runIf(fs.existsSync(DEFAULT_CRDS))('compiled guards against the pinned AgentgatewayPolicy CRD', () => {
  let validate: ValidateFunction | undefined;
  const policySchema = () =>
    (validate ??= loadValidators(path.join(DEFAULT_CRDS, 'agentgateway')).get(
      'agentgateway.dev/v1alpha1/AgentgatewayPolicy',
    )!);
  const builtin = {
    email: 'Email',
    creditCard: 'CreditCard',
    phoneNumber: 'PhoneNumber',
    ssn: 'Ssn',
    caSin: 'CaSin',
  } as const;

  for (const d of GUARD_DETECTORS) {
    it(`compiles detector ${d} on both directions into a valid policy`, () => {
      const p = compiled(
        withGuards(`{request: [{detect: [${d}], action: reject}], response: [{detect: [${d}], action: mask}]}`),
      );
      expect(policySchema()(p), JSON.stringify(policySchema().errors)).toBe(true);
      const regex = d === 'apiKey' ? { matches: [...API_KEY_PATTERNS] } : { builtins: [builtin[d]] };
      expect(p.spec.backend.ai.promptGuard).toEqual({
        request: [
          {
            regex: { action: 'Reject', ...regex },
            response: { message: 'The request was rejected due to inappropriate content', statusCode: 403 },
          },
        ],
        response: [{ regex: { action: 'Mask', ...regex } }],
      });
    });
  }

  it('compiles custom patterns, a rejection message, a webhook and streaming into a valid policy on both routes', () => {
    const text = [
      'tenants:',
      '  - name: beta',
      "    guards: {request: [{patterns: ['ACME-[0-9]{6}'], action: reject, message: No ticket numbers.}, {webhook: {service: pii}}], response: [{webhook: {service: pii, port: 9000, failOpen: true}}], streaming: true}",
      '    llmBackends:',
      '      - {name: openai, provider: openai, model: gpt-4.1-mini, apiKeySecret: openai, expose: true}',
      '    mcpServers:',
      '      - {name: pii, image: ghcr.io/example/pii:1.0.0, port: 3000, tools: [check]}',
      '',
    ].join('\n');
    const p = compiled(text);
    expect(policySchema()(p), JSON.stringify(policySchema().errors)).toBe(true);
    expect(p.spec.targetRefs.map((t: any) => t.name)).toEqual(['llm-openai-mesh', 'llm-openai']);
    expect(p.spec.backend.ai.promptGuard).toEqual({
      request: [
        {
          regex: { action: 'Reject', matches: ['ACME-[0-9]{6}'] },
          response: { message: 'No ticket numbers.', statusCode: 403 },
        },
        // Port of the image MCP server's Service when the webhook names none.
        { webhook: { backendRef: { kind: 'Service', name: 'pii', port: 3000 }, failureMode: 'FailClosed' } },
      ],
      response: [{ webhook: { backendRef: { kind: 'Service', name: 'pii', port: 9000 }, failureMode: 'FailOpen' } }],
      streaming: 'Enabled',
    });
  });

  it('planted fault: the schema check refuses a builtin agentgateway does not have', () => {
    const p = compiled(withGuards('{request: [{detect: [email], action: reject}]}'));
    p.spec.backend.ai.promptGuard.request[0].regex.builtins = ['Iban'];
    expect(policySchema()(p)).toBe(false);
  });
});

describe('merging the levels of a path', () => {
  it('puts rejections before masks and leaves out of the mask what a rejection already catches', () => {
    // A mask first would rewrite the text and hide it from the rejection (mod.rs apply_regex).
    const m = mergeGuards([
      resolveGuards({ request: [{ detect: ['email', 'creditCard'], action: 'mask' }] }),
      resolveGuards({ request: [{ detect: ['creditCard'], action: 'reject' }] }),
    ]);
    expect(m.request).toEqual([
      { kind: 'regex', action: 'reject', detect: ['creditCard'], patterns: [] },
      { kind: 'regex', action: 'mask', detect: ['email'], patterns: [] },
    ]);
    expect(guardSummary(m)).toBe('request: reject creditCard; mask email');
  });

  it("enforces on a backend's route the platform's, the tenant's, the backend's and its models' guards", () => {
    const [beta] = loadTenants(TENANTS).filter((t) => t.name === 'beta');
    const m = llmBackendGuards(beta.workloads, 'openai', devGuards());
    expect(guardSummary(m)).toBe(
      'request: reject creditCard, ssn, apiKey; reject /BETA-[0-9]{6}/; mask email, phoneNumber · response: mask creditCard, caSin, apiKey · streamed responses too',
    );
  });

  it('gives the API-key detector patterns that match common key shapes and not prose', () => {
    const keys = [
      'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
      `AKIA${'ABCDEFGHIJKLMNOP'}`,
      `ghp_${'a'.repeat(36)}`,
      'xoxb-1234567890-abc',
      `AIza${'B'.repeat(35)}`,
    ];
    for (const k of keys)
      expect(
        API_KEY_PATTERNS.some((p) => new RegExp(p).test(`my key is ${k} ok`)),
        k,
      ).toBe(true);
    expect(API_KEY_PATTERNS.some((p) => new RegExp(p).test('ask-me about sketches and AKIA keys'))).toBe(false);
    for (const p of API_KEY_PATTERNS) expect(patternProblem(p)).toBeUndefined();
  });
});

describe('guards a tenant writes', () => {
  it('refuses patterns the Rust regex engine cannot compile', () => {
    expect(tenantErrors(withGuards("{request: [{patterns: ['(?<=x)secret'], action: reject}]}"))).toEqual([
      "tenants.yaml:3:36: tenants[0].guards.request[0].patterns[0]: the pattern uses look-around or a backreference, which the gateway's regex engine (Rust regex) does not support. Fix: write a regular expression in Rust regex syntax, such as ACME-[0-9]{6}",
    ]);
  });

  it('refuses a webhook that is not a Service of the tenant', () => {
    expect(tenantErrors(withGuards('{request: [{webhook: {service: other}}]}'))[0]).toMatch(
      /guards\.request\[0\]\.webhook\.service: "other" is not one of the tenant's agents or image MCP servers \(none declared\)/,
    );
  });

  it("refuses guards where they would not be enforced: a model on the platform's route, a tenant without LLM backends", () => {
    const model = tenantErrors(
      'tenants:\n  - name: alpha\n    models:\n      - {name: m, guards: {request: [{detect: [email], action: mask}]}}\n',
    );
    expect(model).toEqual([
      "tenants.yaml:4:27: tenants[0].models[0].guards: a model without backend uses the platform's LLM route, which every tenant shares and which enforces only the platform's default guards. Fix: set backend to one of your llmBackends, or remove guards",
    ]);
    const tenant = tenantErrors(
      'tenants:\n  - name: alpha\n    guards: {request: [{detect: [email], action: mask}]}\n',
    );
    expect(tenant[0]).toMatch(
      /tenants\[0\]\.guards: tenant guards are enforced on the routes of the tenant's llmBackends, and it declares none/,
    );
  });

  it('refuses a model that masks what its tenant rejects', () => {
    const text = withGuards(
      '{request: [{detect: [ssn], action: reject}]}',
      '    models:\n      - {name: m, backend: openai, guards: {request: [{detect: [ssn], action: mask}]}}\n',
    );
    expect(tenantErrors(text)).toEqual([
      "tenants.yaml:7:55: tenants[0].models[0].guards.request[0]: masks ssn, which tenant beta's guards rejects on the request. Fix: use action: reject for ssn, or leave it out: tenant beta's guards applies anyway",
    ]);
  });
});

describe("the platform's defaults, which tenants can tighten but not loosen", () => {
  const againstDev = (text: string) =>
    environmentGuardErrors(text, loadTenants(text), [{ file: DEV, guards: devGuards() }]).map(formatSourceError);

  it('accepts the shipped tenants.yaml against the shipped defaults', () => {
    expect(againstDev(TENANTS)).toEqual([]);
  });

  it('planted fault: a tenant that masks what the platform rejects is refused, naming the environment file', () => {
    const bad = TENANTS.replace(
      '- {detect: [email, phoneNumber], action: mask}',
      '- {detect: [email, creditCard], action: mask}',
    );
    expect(bad).not.toBe(TENANTS);
    expect(againstDev(bad)).toEqual([
      expect.stringMatching(
        /^tenants\.yaml:\d+:\d+: tenants\[1\]\.guards\.request\[0\]: masks creditCard, which the platform default of charts\/environments\/dev\.yaml rejects on the request\. Fix: use action: reject for creditCard/,
      ),
    ]);
  });

  it('planted fault: turning off streamed-response checks the platform turns on is refused', () => {
    const platform = resolveGuards({ response: [{ detect: ['email'], action: 'reject' }], streaming: true });
    const text = TENANTS.replace('      streaming: true\n', '      streaming: false\n');
    expect(text).not.toBe(TENANTS);
    const errs = environmentGuardErrors(text, loadTenants(text), [{ file: DEV, guards: platform }]).map(
      formatSourceError,
    );
    expect(errs).toEqual([
      expect.stringMatching(
        /tenants\[1\]\.guards\.streaming: turns off the checks of streamed responses that the platform default of charts\/environments\/dev\.yaml turns on/,
      ),
    ]);
  });

  it('refuses a webhook among the platform defaults (a tenant Service would serve every tenant)', () => {
    const text = fs
      .readFileSync(path.join(ROOT, DEV), 'utf8')
      .replace('      - {detect: [apiKey], action: mask}', '      - {webhook: {service: pii}}');
    const line = text.split('\n').indexOf('      - {webhook: {service: pii}}') + 1;
    expect(line).toBeGreaterThan(0);
    expect(() => parseEnvironment(text, DEV)).toThrow(
      `dev.yaml:${line}:10: platform.guards.response[0].webhook: unknown key "webhook"`,
    );
  });
});

describe('where guards are enforced', () => {
  it('puts no guards policy on a route when no level sets a guard', () => {
    const policy = compiled(
      'tenants:\n  - name: beta\n    llmBackends:\n      - {name: openai, provider: openai, model: gpt-4.1-mini, apiKeySecret: openai}\n',
    );
    expect(policy).toBeUndefined();
  });

  it("enforces the platform's defaults alone on a tenant route without guards of its own", () => {
    const p = compiled(
      'tenants:\n  - name: beta\n    llmBackends:\n      - {name: openai, provider: openai, model: gpt-4.1-mini, apiKeySecret: openai}\n',
      devGuards(),
    );
    expect(only([p], 'AgentgatewayPolicy').spec.backend.ai.promptGuard.request[0].regex).toEqual({
      action: 'Reject',
      builtins: ['CreditCard', 'Ssn'],
    });
  });
});
