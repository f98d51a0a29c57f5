/**
 * Rules of one workload entry (an agent, an MCP server, a sandbox, ...) that need several of its
 * fields or look into a value: exactly one form, fields of the other form, pinned images, no
 * secret values, no reserved environment variables, no provider host called directly. The schema
 * (workloads-schema.ts) runs them; rules across entries are in validate-workloads.ts.
 */
import { CALL_ENV_NAME, callEnvName, DECLARATIVE_AGENT_ENV, PLATFORM_ENV } from '../lib/workload-env';
import { LLM_PROVIDER_HOSTS, SANDBOX_ROUTER } from '../lib/constants';
import { closest } from '../lib/suggest';
import type { FieldPath } from './source-errors';
import type { Report } from './rules';
import { internalHost } from './url-hosts';

const q = JSON.stringify;

/** The fields of an entry a rule reads (the schema's output has them, with these types). */
interface EnvVarFields {
  readonly name: string;
  readonly value?: string;
  readonly secretKeyRef?: { readonly name: string; readonly key: string };
}
interface AgentFields {
  readonly systemMessage?: string;
  readonly image?: string;
  readonly model?: string;
  readonly tools?: readonly object[];
  readonly skills?: readonly object[];
  readonly args?: readonly string[];
  readonly calls?: readonly { readonly tenant: string; readonly agent: string }[];
  readonly env: readonly EnvVarFields[];
}
interface McpServerFields {
  readonly image?: string;
  readonly url?: string;
  readonly transport?: string;
  readonly port?: number;
  readonly path?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly secretRefs?: readonly string[];
  readonly resources?: object;
  readonly protocol?: string;
  readonly expose: boolean;
  readonly tools: readonly string[];
}

/** Keys that would hold a secret value; a backend names its key's location instead. */
const SECRET_VALUE_KEYS = ['apiKey', 'key', 'token', 'secret', 'password'];

/** Environment variable names that carry credentials. */
const SECRET_ENV_NAME = /(^|_)(API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET(_?KEY)?|TOKEN|PASSWORD|PASSWD|CREDENTIALS?)$/i;

/** Values that are credentials by their shape (API keys of common providers, AWS access keys, JWTs). */
const SECRET_VALUE =
  /^(sk-[A-Za-z0-9_-]{8,}|sk-ant-|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-|eyJ[A-Za-z0-9_-]{10,}\.)/;

/** Environment variable names Kubernetes accepts. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** A DNS-1123 subdomain: what Kubernetes accepts as a Secret name. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when a string looks like a credential value. */
export function looksLikeSecret(value: string): boolean {
  return SECRET_VALUE.test(value);
}

/** Whether an unknown key of an llmBackends entry would hold the key itself. */
export function isSecretValueKey(key: string): boolean {
  return SECRET_VALUE_KEYS.includes(key);
}

/**
 * The problem of a field that names an entry below the tenant's prefix in AWS Secrets Manager: it
 * must be an entry name, never the value itself (`what` says what the entry holds).
 */
export function secretEntryProblem(
  ref: string,
  field: string,
  what: string,
): { message: string; fix: string } | undefined {
  if (looksLikeSecret(ref))
    return {
      message: `${field} holds what looks like ${what} itself; tenants.yaml is in git and must hold no secret value`,
      fix: `store ${what} in AWS Secrets Manager under agentic-platform/<env>/tenants/<tenant>/, name the entry here, and revoke the exposed ${what.replace(/^the /, '')}`,
    };
  if (!/^[A-Za-z0-9][A-Za-z0-9_+=.@/-]*$/.test(ref) || ref.includes('..'))
    return {
      message: `${q(ref)} is not an AWS Secrets Manager entry name`,
      fix: "use letters, digits and / _ + = . @ -, relative to the tenant's prefix",
    };
  return undefined;
}

/** An AWS Secrets Manager entry name (see secretEntryProblem), as a rule of the field. */
export const secretEntryRule =
  (field: string, what: string) =>
  (ref: string, report: Report): void => {
    const p = secretEntryProblem(ref, field, what);
    if (p) report([], p.message, p.fix);
  };

/** The provider whose public API host (or a subdomain of it) a value names, as a host name. */
export function providerHostIn(value: string): { provider: keyof typeof LLM_PROVIDER_HOSTS; host: string } | undefined {
  for (const [provider, host] of Object.entries(LLM_PROVIDER_HOSTS) as [keyof typeof LLM_PROVIDER_HOSTS, string][]) {
    const pattern = new RegExp(`(^|[^a-z0-9-])${host.replace(/\./g, '\\.')}\\.?(?![a-z0-9.-])`, 'i');
    if (pattern.test(value)) return { provider, host };
  }
  return undefined;
}

/**
 * A value that calls an LLM provider's public host directly. Such a call leaves with whatever key
 * the pod holds: the tenant waypoint cannot add the platform's key to it (docs/architecture.md,
 * "Credentials on egress"), so LLM traffic goes through the model routes.
 */
function providerHost(value: string | undefined, at: FieldPath, report: Report): void {
  const hit = value === undefined ? undefined : providerHostIn(value);
  if (hit === undefined) return;
  report(
    at,
    `names ${hit.host}, the public API host of ${hit.provider}: a direct call leaves the cluster with whatever key the pod holds, and no key is added on the way out`,
    `declare a model under models (its ModelConfig reaches ${hit.provider} through the mesh gateway's /llm route, which adds the key; with your own key, an llmBackends entry with apiKeySecret) and call that instead`,
  );
}

/** A plain environment value that is a credential by its shape or by its variable's name. */
function secretValue(name: string, value: string | undefined, at: FieldPath, report: Report): void {
  if (value === undefined || value === '') return;
  if (looksLikeSecret(value) || SECRET_ENV_NAME.test(name))
    report(
      at,
      `${name} looks like a secret; tenants.yaml is in git and must hold no secret value`,
      'store the value in a Secret of the tenant namespace, reference it with secretKeyRef (agents) or secretRefs (MCP servers), and revoke it if it was ever committed',
    );
}

function envName(name: string, at: FieldPath, report: Report): void {
  if (!ENV_NAME.test(name))
    report(
      at,
      `${q(name)} is not a valid environment variable name`,
      "use letters, digits, '_', '-' and '.', not starting with a digit",
    );
}

/** A Secret name of the tenant namespace. */
export function secretName(name: string, report: Report): void {
  if (!DNS_SUBDOMAIN.test(name))
    report([], `${q(name)} is not a Secret name`, "use lower-case letters, digits, '-' and '.'");
}

/** An image pinned by a tag other than latest, or by a digest. */
export function pinnedImage(image: string, report: Report, at: FieldPath = []): void {
  const last = image.split('/').pop() ?? '';
  if (image.includes('@sha256:')) return;
  if (!last.includes(':') || last.endsWith(':'))
    report(at, `image ${q(image)} has no tag`, 'pin a version tag or a digest, such as example/agent:1.2.3');
  else if (last.endsWith(':latest'))
    report(
      at,
      `image ${q(image)} uses the tag latest, which changes under the same name`,
      'pin a version tag or a digest',
    );
}

/** Container arguments: no credential as a flag value (--api-key=..., or the value after --token). */
function secretArgs(args: readonly string[] | undefined, at: FieldPath, report: Report): void {
  (args ?? []).forEach((arg, k) => {
    const prev = k > 0 ? args![k - 1] : '';
    const flagValue =
      /^--?[\w-]*(key|token|secret|password)[\w-]*=./i.test(arg) ||
      (/^--?[\w-]*(key|token|secret|password)[\w-]*$/i.test(prev) && !arg.startsWith('-'));
    if (looksLikeSecret(arg.replace(/^[^=]*=/, '')) || flagValue)
      report(
        [...at, k],
        'the argument carries what looks like a credential; tenants.yaml is in git and must hold no secret value',
        'read the credential from an environment variable filled by secretKeyRef and pass its name instead, and revoke it if it was ever committed',
      );
  });
}

/** Arguments of an agent or MCP server: no credential, no provider host. */
export function workloadArgs(args: readonly string[], report: Report): void {
  secretArgs(args, [], report);
  args.forEach((arg, k) => providerHost(arg, [k], report));
}

/**
 * Environment variables the compiler writes itself: the tracing variables that name the tenant
 * and the URLs of called agents. A tenant's value would override them (the last of two equal
 * names wins), so its workloads could report spans under another tenant.
 */
function reservedEnv(name: string, at: FieldPath, report: Report): void {
  if ((Object.values(PLATFORM_ENV) as string[]).includes(name))
    report(
      at,
      `${name} is set by the platform (the collector, the service name and the tracing attributes that name the tenant)`,
      'remove it; the platform sets it on every tenant workload',
    );
  else if (CALL_ENV_NAME.test(name))
    report(
      at,
      `${name} has the form A2A_<TENANT>_<AGENT>_URL, which the platform gives the agents listed in calls`,
      'rename the variable; list the agent under calls to get its URL',
    );
}

/** An agent's environment variable: a valid name, and a plain value or a Secret reference (named by secretName). */
export function envVarRules(e: Pick<EnvVarFields, 'name' | 'value' | 'secretKeyRef'>, report: Report): void {
  envName(e.name, ['name'], report);
  if ((e.value !== undefined) === (e.secretKeyRef !== undefined))
    report(
      [],
      'an environment variable has either value or secretKeyRef',
      'keep exactly one of value and secretKeyRef',
    );
  secretValue(e.name, e.value, ['value'], report);
  providerHost(e.value, ['value'], report);
}

type AgentForm = Pick<AgentFields, 'systemMessage' | 'image' | 'model' | 'tools' | 'skills' | 'args' | 'calls'>;

/** An agent is declarative (systemMessage) or BYO (image), and has only the fields of its form. */
export function agentForm(a: AgentForm, report: Report, unknownKeys: readonly string[]): void {
  const declarative = a.systemMessage !== undefined;
  const byo = a.image !== undefined;
  // Neither, with one of them misspelt: the unknown key's error says to rename it.
  const meant = new Set(unknownKeys.map((k) => closest(k, ['systemMessage', 'image'])));
  if (declarative === byo && (declarative || !(meant.has('systemMessage') || meant.has('image'))))
    report(
      [],
      declarative
        ? 'an agent has either systemMessage (declarative) or image (BYO), not both'
        : 'an agent needs systemMessage (declarative) or image (BYO)',
      'keep exactly one of systemMessage and image',
    );
  for (const key of byo ? (['model', 'tools', 'skills'] as const) : declarative ? (['args', 'calls'] as const) : []) {
    if (a[key] === undefined) continue;
    if (key === 'calls')
      // kagent 0.9.12 runs an agent tool by calling the agent's Service directly
      // (go/core/internal/controller/translator/agent/compiler.go toolAgentURL), which the platform
      // keeps inside the namespace; only the mesh gateway enforces the callee's allowCallsFrom.
      report(
        [key],
        "a declarative agent cannot call another tenant's agent: its agent tools reach agents of its own tenant only",
        "remove calls; to call another tenant's agent, declare a BYO agent (image) with calls, which gets the agent's URL on the mesh gateway",
      );
    else
      report(
        [key],
        `${key} applies to ${byo ? 'declarative' : 'BYO'} agents only`,
        byo
          ? 'remove it: a BYO agent brings its own model, tools and agent card'
          : 'remove it, or make the agent BYO with image',
      );
  }
}

/** Skill IDs are unique within an agent. */
export function uniqueSkillIds(skills: readonly { id: string }[], report: Report): void {
  const ids = new Set<string>();
  skills.forEach((sk, k) => {
    if (ids.has(sk.id)) report([k, 'id'], `duplicate skill id ${q(sk.id)}`, 'give each skill of the agent a unique id');
    ids.add(sk.id);
  });
}

/** A tool names exactly one of an MCP server and an agent; toolNames belong to MCP server tools. */
export function agentToolForm(
  t: { mcpServer?: string; agent?: string; toolNames?: readonly string[] },
  report: Report,
): void {
  if ((t.mcpServer === undefined) === (t.agent === undefined))
    report([], 'a tool names either mcpServer or agent', 'keep exactly one of mcpServer and agent');
  else if (t.agent !== undefined && t.toolNames !== undefined)
    report(['toolNames'], 'toolNames applies to MCP server tools only', 'remove toolNames');
}

/** An agent's variables: none the platform sets, none twice; its calls get distinct URL variables. */
export function agentEnv(a: Pick<AgentFields, 'env' | 'image' | 'calls'>, report: Report): void {
  const seen = new Map<string, number>();
  a.env.forEach((e, k) => {
    const path = ['env', k, 'name'];
    reservedEnv(e.name, path, report);
    if (e.name === SANDBOX_ROUTER.urlEnv)
      report(
        path,
        `${e.name} is set by the platform on the agents of a tenant with a sandboxRouter (the mesh gateway URL of its route)`,
        'rename the variable; add sandboxRouter to the tenant to get the URL',
      );
    if (a.image === undefined && e.name === DECLARATIVE_AGENT_ENV.name)
      report(
        path,
        `${e.name} is set by the platform on declarative agents (${e.name}=${DECLARATIVE_AGENT_ENV.value} makes kagent's runtime propagate the trace context)`,
        'remove it; the platform sets it on every declarative agent',
      );
    const first = seen.get(e.name);
    if (first !== undefined)
      report(
        path,
        (line) =>
          `${e.name} is set twice (also line ${line(['env', first, 'name'])}); the last value would silently win`,
        'keep one entry',
      );
    else seen.set(e.name, k);
  });
  const calls = new Map<string, string>();
  (a.calls ?? []).forEach(({ tenant, agent }, k) => {
    const name = callEnvName(tenant, agent);
    const other = calls.get(name);
    if (other === `${tenant}/${agent}`) report(['calls', k], `${tenant}/${agent} is listed twice`, 'keep one entry');
    else if (other !== undefined)
      report(
        ['calls', k],
        `${tenant}/${agent} and ${other} would both get the URL variable ${name}`,
        'call one of them only, or ask one tenant to rename the agent',
      );
    else calls.set(name, `${tenant}/${agent}`);
  });
}

/** An exposed workload only has callers to admit. */
export const exposedCallers =
  (what: string) =>
  (item: { name: string; expose: boolean; allowCallsFrom: readonly string[] }, report: Report): void => {
    if (!item.expose && item.allowCallsFrom.length > 0)
      report(
        ['allowCallsFrom'],
        `allowCallsFrom needs a route, but ${what} ${q(item.name)} is not exposed`,
        'set expose: true, or remove allowCallsFrom',
      );
  };

/** A model on a backend takes the backend's model. */
export function modelOnBackend(m: { backend?: string; model?: string }, report: Report): void {
  if (m.backend !== undefined && m.model !== undefined)
    report(
      ['model'],
      `the backend ${q(m.backend)} pins its model, so model would be ignored`,
      `remove model, or set the model on backend ${m.backend}`,
    );
}

/** An MCP server runs from an image or is remote (url), and has only the fields of its form. */
export function mcpServerForm(s: McpServerFields, report: Report): void {
  const image = s.image !== undefined;
  const remote = s.url !== undefined;
  if (image === remote) {
    report(
      [],
      image
        ? 'an MCP server has either image or url, not both'
        : 'an MCP server needs image (run it here) or url (a remote server)',
      'keep exactly one of image and url',
    );
    return;
  }
  const only = remote
    ? (['transport', 'port', 'path', 'args', 'env', 'secretRefs', 'resources'] as const)
    : (['protocol'] as const);
  for (const key of only)
    if (s[key] !== undefined)
      report([key], `${key} applies to ${remote ? 'image' : 'remote'} MCP servers only`, 'remove it');
  if (image && s.transport === 'stdio')
    for (const key of ['path', 'port'] as const)
      if (s[key] !== undefined)
        report(
          [key],
          `${key} applies to the http transport only`,
          'remove it: kmcp serves a stdio server on its own port and path',
        );
  if (remote) remoteServer(s.url!, s.expose, report);
  for (const n of Object.keys(s.env ?? {})) envName(n, ['env', n], report);
  (s.secretRefs ?? []).forEach((r, k) => secretName(r, (_, m, f) => report(['secretRefs', k], m, f)));
  if (s.path !== undefined && !s.path.startsWith('/'))
    report(['path'], `${q(s.path)} does not start with /`, 'write an absolute path such as /mcp');
  if (s.tools.length === 0) report(['tools'], 'the list is empty', 'list the tools the server offers');
  if (image) pinnedImage(s.image!, report, ['image']);
}

function remoteServer(url: string, expose: boolean, report: Report): void {
  if (!/^https?:\/\/[^/\s]+/.test(url))
    report(
      ['url'],
      `${q(url)} is not an http(s) URL`,
      'write the full URL of the MCP endpoint, such as https://mcp.example.com/mcp',
    );
  else if (internalHost(url))
    report(
      ['url'],
      `${q(url)} points inside the cluster or the node's network; kagent would connect to it from the platform`,
      'run an in-cluster server as an image MCP server of the tenant; remote servers are for hosts outside the cluster',
    );
  if (expose)
    report(
      ['expose'],
      'a remote MCP server cannot be exposed: the gateway would become a proxy to a host outside the cluster',
      'remove expose; callers can reach the remote server directly',
    );
}

/** What an MCP server's URL, variables and arguments may not hold: credentials, provider hosts, reserved names. */
export function mcpServerValues(s: Pick<McpServerFields, 'url' | 'env' | 'args'>, report: Report): void {
  secretArgs(s.args, ['args'], report);
  if (s.url !== undefined) urlCredentials(s.url, report);
  for (const [k, value] of Object.entries(s.env ?? {})) secretValue(k, value, ['env', k], report);
  for (const name of Object.keys(s.env ?? {})) reservedEnv(name, ['env', name], report);
  providerHost(s.url, ['url'], report);
  for (const [k, value] of Object.entries(s.env ?? {})) providerHost(value, ['env', k], report);
  (s.args ?? []).forEach((arg, k) => providerHost(arg, ['args', k], report));
}

function urlCredentials(url: string, report: Report): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return; // reported as not an http(s) URL
  }
  if (parsed.username || parsed.password)
    report(
      ['url'],
      'the URL carries a user name or password; tenants.yaml is in git and must hold no secret value',
      'remove the credentials from the URL (a remote server that needs them is reached through a BYO agent or an image server holding a secretRefs Secret), and revoke them if they were ever committed',
    );
  else if ([...parsed.searchParams].some(([k, v]) => looksLikeSecret(v) || SECRET_ENV_NAME.test(k.replace(/-/g, '_'))))
    report(
      ['url'],
      'the URL query carries what looks like a credential; tenants.yaml is in git and must hold no secret value',
      'remove it from the URL, and revoke it if it was ever committed',
    );
}

/** A sandbox: a pinned image, no credential in its arguments, and a route only to a running Sandbox. */
export interface SandboxRuleFields {
  readonly image: string;
  readonly args?: readonly string[];
  readonly kind?: string;
  readonly expose?: boolean;
}

export function sandboxRules(s: SandboxRuleFields, report: Report): void {
  secretArgs(s.args, ['args'], report);
  pinnedImage(s.image, report, ['image']);
  if (s.expose === true && s.kind === 'SandboxTemplate')
    report(
      ['expose'],
      'a SandboxTemplate runs nothing until it is claimed, so it has nothing to route to',
      'remove expose, or declare kind: Sandbox; to reach the claims of templates, add sandboxRouter: {expose: true} to the tenant',
    );
}
