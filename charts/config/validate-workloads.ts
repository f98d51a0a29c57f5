/**
 * Rules over tenants' workloads that a schema cannot express: names, references between
 * agents, models, MCP servers, tools and backends, cross-tenant calls, route paths and aliases,
 * secret values, and the tenant's quota. Works on the raw data, so that every problem is
 * reported together with the schema's.
 */
import {
  DNS_LABEL,
  LLM_PROVIDER_HOSTS,
  PLATFORM_LLM_ALIAS,
  PLATFORM_NAMESPACES,
  SANDBOX_ROUTER,
  TENANT_OBJECTS,
  tenantNamespace,
} from '../lib/constants';
import { parseQuantity } from '../lib/quantity';
import { WAYPOINT_OBJECTS, WAYPOINT_RESOURCES } from '../lib/waypoint';
import { CALL_ENV_NAME, callEnvName, DECLARATIVE_AGENT_ENV, PLATFORM_ENV } from '../lib/workload-env';
import { routeSegment, tenantRoutes, type RouteEntry } from './routes';
import type { FieldPath, SourceError, SourceMap } from './source-errors';
import { DEFAULT_LIMITS, DEFAULT_QUOTA } from './tenant-defaults';
import { type TenantInput, tenantSchema } from './tenants-schema';
import { DEFAULT_MODEL_CONFIG, resolveWorkloads, type TenantWorkloads } from './workloads';
import { internalHost } from './url-hosts';
import { agentSchema, MAX_WORKLOAD_NAME } from './workloads-schema';
import { misspeltKeys } from '../lib/suggest';
import { conflictIssues, guardsIssues, type GuardLevel } from './validate-guards';

/** Path segments no tenant alias may take. */
/**
 * Path segments no tenant alias may take: the platform's own LLM alias and `platform`, and every
 * platform namespace (the auto-expose policy routes platform objects under their namespace).
 */
export const RESERVED_ALIASES: readonly string[] = [
  ...new Set([
    PLATFORM_LLM_ALIAS,
    'platform',
    'default',
    'kube-system',
    'kube-public',
    'kube-node-lease',
    'argocd',
    ...Object.values(PLATFORM_NAMESPACES),
  ]),
];

/** Keys that would hold a secret value; a backend names its key's location instead. */
const SECRET_VALUE_KEYS = ['apiKey', 'key', 'token', 'secret', 'password'];

/** Environment variable names that carry credentials. */
const SECRET_ENV_NAME = /(^|_)(API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET(_?KEY)?|TOKEN|PASSWORD|PASSWD|CREDENTIALS?)$/i;

/** Values that are credentials by their shape (API keys of common providers, AWS access keys, JWTs). */
const SECRET_VALUE =
  /^(sk-[A-Za-z0-9_-]{8,}|sk-ant-|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-|eyJ[A-Za-z0-9_-]{10,}\.)/;

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Raw[] => (Array.isArray(v) ? v.map((x) => (isRecord(x) ? x : {})) : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const q = JSON.stringify;

/** Environment variable names Kubernetes accepts. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** A DNS-1123 subdomain: what Kubernetes accepts as a Secret name. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when a string looks like a credential value. */
export function looksLikeSecret(value: string): boolean {
  return SECRET_VALUE.test(value);
}

/**
 * Problems of a field that names an entry below the tenant's prefix in AWS Secrets Manager: it
 * must be an entry name, never the value itself (`what` says what the entry holds).
 */
export function secretEntryErrors(src: SourceMap, ref: string, path: FieldPath, what: string): SourceError[] {
  const field = String(path[path.length - 1]);
  if (looksLikeSecret(ref)) {
    return [
      src.error(
        path,
        `${field} holds what looks like ${what} itself; tenants.yaml is in git and must hold no secret value`,
        `store ${what} in AWS Secrets Manager under agentic-platform/<env>/tenants/<tenant>/, name the entry here, and revoke the exposed ${what.replace(/^the /, '')}`,
      ),
    ];
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_+=.@/-]*$/.test(ref) || ref.includes('..')) {
    return [
      src.error(
        path,
        `${q(ref)} is not an AWS Secrets Manager entry name`,
        "use letters, digits and / _ + = . @ -, relative to the tenant's prefix",
      ),
    ];
  }
  return [];
}

/** Whether an unknown key of an llmBackends entry would hold the key itself. */
export function isSecretValueKey(key: string): boolean {
  return SECRET_VALUE_KEYS.includes(key);
}

interface TenantView {
  index: number;
  name: string;
  alias?: string;
  raw: Raw;
  /** Resolved workloads, when the entry passed the schema. */
  workloads?: TenantWorkloads;
}

/**
 * Every workload problem of the tenants list. `valid` is the list as the schema parsed it, when the
 * whole file passed; otherwise each tenant is parsed on its own, so that the routes of the valid
 * ones are still checked.
 */
export function workloadErrors(
  src: SourceMap,
  tenants: readonly unknown[],
  valid?: readonly TenantInput[],
): SourceError[] {
  const errors: SourceError[] = [];
  const views: TenantView[] = [];
  tenants.forEach((raw, index) => {
    if (!isRecord(raw) || typeof raw.name !== 'string') return;
    const parsed = valid ? { success: true as const, data: valid[index] } : tenantSchema.safeParse(raw);
    views.push({
      index,
      name: raw.name,
      alias: text(raw.alias),
      raw,
      workloads: parsed.success ? resolveWorkloads(parsed.data) : undefined,
    });
  });
  const byName = new Map(views.map((v) => [v.name, v]));
  for (const v of views) {
    const at = (...p: (string | number)[]): FieldPath => ['tenants', v.index, ...p];
    errors.push(...aliasErrors(src, v, views, at));
    errors.push(...nameErrors(src, v.raw, at));
    errors.push(...referenceErrors(src, v, byName, at));
    errors.push(...secretErrors(src, v.raw, at));
    errors.push(...envErrors(src, v.raw, at));
    errors.push(...providerHostErrors(src, v.raw, at));
    errors.push(...quotaErrors(src, v.raw, at));
    errors.push(...guardErrors(src, v, at));
  }
  errors.push(...routeErrors(src, views));
  return errors;
}

function aliasErrors(
  src: SourceMap,
  v: TenantView,
  views: readonly TenantView[],
  at: (...p: (string | number)[]) => FieldPath,
): SourceError[] {
  if (v.alias === undefined) return [];
  const alias = v.alias;
  const e = (message: string, fix: string) => [src.error(at('alias'), message, fix)];
  if (!DNS_LABEL.test(alias) || alias.length > 63)
    return e(
      `${q(alias)} is not a DNS-1123 label`,
      "use lower-case letters, digits and '-', starting and ending with a letter or digit",
    );
  if (RESERVED_ALIASES.includes(alias)) {
    return e(
      `alias ${q(alias)} is reserved by the platform (its own routes use /<kind>/${alias}/...)`,
      'choose another alias',
    );
  }
  if (alias.startsWith('tenant-') && alias !== tenantNamespace(v.name)) {
    return e(
      `alias ${q(alias)} has the form of another tenant's namespace`,
      "choose an alias that does not start with 'tenant-'",
    );
  }
  for (const o of views) {
    if (o === v) continue;
    const line = src.valueAt(['tenants', o.index]).line;
    if (o.name === alias)
      return e(
        `alias ${q(alias)} is the name of tenant ${q(o.name)} (line ${line})`,
        'choose an alias that no other tenant uses as its name or alias',
      );
    if (o.alias === alias && o.index < v.index)
      return e(
        `alias ${q(alias)} is already the alias of tenant ${q(o.name)} (line ${line})`,
        'choose an alias that no other tenant uses as its name or alias',
      );
  }
  return [];
}

const KINDS = ['agents', 'models', 'mcpServers', 'sandboxes', 'llmBackends'] as const;
const SINGULAR: Record<(typeof KINDS)[number], string> = {
  agents: 'agent',
  models: 'model',
  mcpServers: 'MCP server',
  sandboxes: 'sandbox',
  llmBackends: 'LLM backend',
};

function nameErrors(src: SourceMap, raw: Raw, at: (...p: (string | number)[]) => FieldPath): SourceError[] {
  const errors: SourceError[] = [];
  // Services of one namespace: kagent's per Agent, kmcp's per image MCP server, the sandbox
  // controller's per Sandbox and the compiler's sandbox-<name>, and the waypoint's.
  const services = new Map<string, { path: FieldPath; what: string }>([
    [TENANT_OBJECTS.waypoint, { path: at('name'), what: 'the waypoint' }],
  ]);
  // The sandbox router's Service, whose name a Sandbox named after its routes would also need.
  if (raw.sandboxRouter !== undefined)
    services.set(SANDBOX_ROUTER.name, { path: at('sandboxRouter'), what: 'the sandbox router' });
  const claim = (service: string, path: FieldPath, what: string) => {
    const other = services.get(service);
    if (other) {
      errors.push(
        src.error(
          path,
          `${what} needs the Service ${q(service)}, which ${other.what}${other.what === 'the waypoint' ? '' : ` (line ${src.valueAt(other.path).line})`} also needs`,
          'rename one of them: every agent, MCP server and sandbox gets a Service of its name (sandboxes also sandbox-<name>)',
        ),
      );
    } else services.set(service, { path, what });
  };
  for (const kind of KINDS) {
    const seen = new Map<string, number>();
    list(raw[kind]).forEach((item, j) => {
      const name = text(item.name);
      if (name === undefined) return;
      const path = at(kind, j, 'name');
      if (!DNS_LABEL.test(name)) {
        errors.push(
          src.error(
            path,
            `${q(name)} is not a DNS-1123 label`,
            "use lower-case letters, digits and '-', starting and ending with a letter or digit",
          ),
        );
        return;
      }
      if (name.length > MAX_WORKLOAD_NAME) {
        errors.push(
          src.error(
            path,
            `${q(name)} is ${name.length} characters; the objects named after it must stay within 63`,
            `shorten the name to at most ${MAX_WORKLOAD_NAME} characters`,
          ),
        );
      }
      const first = seen.get(name);
      if (first !== undefined) {
        errors.push(
          src.error(
            path,
            `duplicate ${SINGULAR[kind]} name ${q(name)} (first declared at line ${src.valueAt(at(kind, first, 'name')).line})`,
            `give each ${SINGULAR[kind]} a unique name`,
          ),
        );
        return;
      }
      seen.set(name, j);
      if (kind === 'models' && name === DEFAULT_MODEL_CONFIG) {
        errors.push(
          src.error(
            path,
            `model name ${q(name)} is the platform default ModelConfig of every tenant`,
            'choose another name; agents that name no model use the default already',
          ),
        );
      }
      if (kind === 'agents' || (kind === 'mcpServers' && item.url === undefined))
        claim(name, path, `${SINGULAR[kind]} ${q(name)}`);
      if (kind === 'sandboxes' && item.kind !== 'SandboxTemplate') {
        claim(name, path, `sandbox ${q(name)}`);
        claim(`sandbox-${name}`, path, `sandbox ${q(name)}`);
      }
    });
  }
  return errors;
}

function names(raw: Raw, kind: (typeof KINDS)[number]): string[] {
  return list(raw[kind])
    .map((x) => text(x.name))
    .filter((x): x is string => x !== undefined);
}

function referenceErrors(
  src: SourceMap,
  v: TenantView,
  byName: ReadonlyMap<string, TenantView>,
  at: (...p: (string | number)[]) => FieldPath,
): SourceError[] {
  const errors: SourceError[] = [];
  const { raw } = v;
  const models = names(raw, 'models');
  const backends = new Map(list(raw.llmBackends).map((b) => [text(b.name), b]));
  const servers = new Map(list(raw.mcpServers).map((s) => [text(s.name), s]));
  const agentNames = names(raw, 'agents');
  const defined = (xs: Iterable<string | undefined>) => {
    const all = [...xs].filter((x): x is string => x !== undefined);
    return all.length ? `defined: ${all.join(', ')}` : 'none defined';
  };

  list(raw.agents).forEach((a, j) => {
    const declarative = a.systemMessage !== undefined;
    const byo = a.image !== undefined;
    // Neither, with one of them misspelt: the unknown key's error says to rename it.
    const misspelt = misspeltKeys(a, Object.keys(agentSchema.shape));
    if (declarative === byo && (declarative || !(misspelt.has('systemMessage') || misspelt.has('image')))) {
      errors.push(
        src.error(
          at('agents', j),
          declarative
            ? 'an agent has either systemMessage (declarative) or image (BYO), not both'
            : 'an agent needs systemMessage (declarative) or image (BYO)',
          'keep exactly one of systemMessage and image',
        ),
      );
    }
    for (const key of byo ? ['model', 'tools', 'skills'] : declarative ? ['args', 'calls'] : []) {
      if (a[key] === undefined) continue;
      if (key === 'calls') {
        // kagent 0.9.12 runs an agent tool by calling the agent's Service directly
        // (go/core/internal/controller/translator/agent/compiler.go toolAgentURL), which the platform
        // keeps inside the namespace; only the mesh gateway enforces the callee's allowCallsFrom.
        errors.push(
          src.error(
            at('agents', j, key),
            "a declarative agent cannot call another tenant's agent: its agent tools reach agents of its own tenant only",
            "remove calls; to call another tenant's agent, declare a BYO agent (image) with calls, which gets the agent's URL on the mesh gateway",
          ),
        );
      } else {
        errors.push(
          src.error(
            at('agents', j, key),
            `${key} applies to ${byo ? 'declarative' : 'BYO'} agents only`,
            byo
              ? 'remove it: a BYO agent brings its own model, tools and agent card'
              : 'remove it, or make the agent BYO with image',
          ),
        );
      }
    }
    const skillIds = new Set<string>();
    list(a.skills).forEach((sk, k) => {
      const id = text(sk.id);
      if (id === undefined) return;
      if (skillIds.has(id))
        errors.push(
          src.error(
            at('agents', j, 'skills', k, 'id'),
            `duplicate skill id ${q(id)}`,
            'give each skill of the agent a unique id',
          ),
        );
      skillIds.add(id);
    });
    list(a.env).forEach((e, k) => {
      const n = text(e.name);
      if (n !== undefined && !ENV_NAME.test(n))
        errors.push(
          src.error(
            at('agents', j, 'env', k, 'name'),
            `${q(n)} is not a valid environment variable name`,
            "use letters, digits, '_', '-' and '.', not starting with a digit",
          ),
        );
      const ref = isRecord(e.secretKeyRef) ? text(e.secretKeyRef.name) : undefined;
      if (ref !== undefined && !DNS_SUBDOMAIN.test(ref))
        errors.push(
          src.error(
            at('agents', j, 'env', k, 'secretKeyRef', 'name'),
            `${q(ref)} is not a Secret name`,
            "use lower-case letters, digits, '-' and '.'",
          ),
        );
    });
    const model = text(a.model);
    if (model !== undefined && !models.includes(model)) {
      errors.push(
        src.error(
          at('agents', j, 'model'),
          `model ${q(model)} is not one of the tenant's models (${defined(models)})`,
          'define it under models, or remove the key to use the platform default model',
        ),
      );
    }
    list(a.tools).forEach((tool, k) => {
      const p = (...x: string[]) => at('agents', j, 'tools', k, ...x);
      const server = text(tool.mcpServer);
      const agent = text(tool.agent);
      if ((server === undefined) === (agent === undefined)) {
        errors.push(
          src.error(p(), 'a tool names either mcpServer or agent', 'keep exactly one of mcpServer and agent'),
        );
        return;
      }
      if (agent !== undefined) {
        if (tool.toolNames !== undefined)
          errors.push(src.error(p('toolNames'), 'toolNames applies to MCP server tools only', 'remove toolNames'));
        if (!agentNames.includes(agent))
          errors.push(
            src.error(
              p('agent'),
              `agent ${q(agent)} is not one of the tenant's agents (${defined(agentNames)})`,
              'name an agent of this tenant; agents of other tenants are called over A2A through the gateway (calls on a BYO agent)',
            ),
          );
        else if (agent === text(a.name))
          errors.push(src.error(p('agent'), `agent ${q(agent)} names itself as a tool`, 'name another agent'));
        return;
      }
      const s = servers.get(server);
      if (!s) {
        errors.push(
          src.error(
            p('mcpServer'),
            `MCP server ${q(server)} is not one of the tenant's mcpServers (${defined(servers.keys())})`,
            'define it under mcpServers or correct the name',
          ),
        );
        return;
      }
      const toolNames = Array.isArray(tool.toolNames)
        ? tool.toolNames.filter((x): x is string => typeof x === 'string')
        : undefined;
      if (!toolNames || toolNames.length === 0) {
        errors.push(
          src.error(
            p(),
            `tool of MCP server ${q(server)} lists no toolNames`,
            'list the tools the agent may call under toolNames',
          ),
        );
        return;
      }
      const offered = Array.isArray(s.tools) ? s.tools.filter((x): x is string => typeof x === 'string') : [];
      toolNames.forEach((n, m) => {
        if (!offered.includes(n))
          errors.push(
            src.error(
              at('agents', j, 'tools', k, 'toolNames', m),
              `tool ${q(n)} is not offered by MCP server ${q(server)} (its tools: ${offered.join(', ') || 'none'})`,
              `use one of its tools, or add ${n} to the tools of ${server}`,
            ),
          );
      });
    });
    list(a.calls).forEach((c, k) => {
      const p = (...x: string[]) => at('agents', j, 'calls', k, ...x);
      const tn = text(c.tenant);
      const an = text(c.agent);
      if (tn === undefined || an === undefined) return;
      if (tn === v.name) {
        errors.push(
          src.error(
            p('tenant'),
            `calls names the agent's own tenant ${q(tn)}`,
            'call agents of the same tenant inside the namespace; calls is for other tenants',
          ),
        );
        return;
      }
      const target = byName.get(tn);
      if (!target) {
        errors.push(src.error(p('tenant'), `unknown tenant ${q(tn)}`, 'name a tenant of tenants.yaml'));
        return;
      }
      const ta = list(target.raw.agents).find((x) => x.name === an);
      const tline = src.valueAt(['tenants', target.index]).line;
      if (!ta) {
        errors.push(
          src.error(
            p('agent'),
            `tenant ${q(tn)} (line ${tline}) has no agent ${q(an)}`,
            `name one of its agents: ${names(target.raw, 'agents').join(', ') || 'it has none'}`,
          ),
        );
      } else if (ta.expose !== true) {
        errors.push(
          src.error(
            p('agent'),
            `agent ${q(an)} of tenant ${q(tn)} is not exposed`,
            `tenant ${tn} must set expose: true on it and list ${v.name} in its allowCallsFrom`,
          ),
        );
      } else if (!(Array.isArray(ta.allowCallsFrom) && ta.allowCallsFrom.includes(v.name))) {
        errors.push(
          src.error(
            p('agent'),
            `agent ${q(an)} of tenant ${q(tn)} does not allow calls from ${q(v.name)}`,
            `tenant ${tn} must add ${v.name} to the allowCallsFrom of ${an}`,
          ),
        );
      }
    });
  });

  list(raw.models).forEach((m, j) => {
    const b = text(m.backend);
    if (b === undefined) return;
    if (m.model !== undefined) {
      errors.push(
        src.error(
          at('models', j, 'model'),
          `the backend ${q(b)} pins its model, so model would be ignored`,
          `remove model, or set the model on backend ${b}`,
        ),
      );
    }
    const backend = backends.get(b);
    if (!backend) {
      errors.push(
        src.error(
          at('models', j, 'backend'),
          `LLM backend ${q(b)} is not one of the tenant's llmBackends (${defined(backends.keys())})`,
          'define it under llmBackends, or remove the key to use the platform default backend',
        ),
      );
    }
  });

  list(raw.mcpServers).forEach((s, j) => {
    const image = s.image !== undefined;
    const remote = s.url !== undefined;
    if (image === remote) {
      errors.push(
        src.error(
          at('mcpServers', j),
          image
            ? 'an MCP server has either image or url, not both'
            : 'an MCP server needs image (run it here) or url (a remote server)',
          'keep exactly one of image and url',
        ),
      );
      return;
    }
    const only = remote ? ['transport', 'port', 'path', 'args', 'env', 'secretRefs', 'resources'] : ['protocol'];
    for (const key of only) {
      if (s[key] !== undefined)
        errors.push(
          src.error(
            at('mcpServers', j, key),
            `${key} applies to ${remote ? 'image' : 'remote'} MCP servers only`,
            'remove it',
          ),
        );
    }
    if (image && s.transport === 'stdio') {
      for (const key of ['path', 'port']) {
        if (s[key] !== undefined)
          errors.push(
            src.error(
              at('mcpServers', j, key),
              `${key} applies to the http transport only`,
              'remove it: kmcp serves a stdio server on its own port and path',
            ),
          );
      }
    }
    if (remote) {
      const url = text(s.url) ?? '';
      if (!/^https?:\/\/[^/\s]+/.test(url))
        errors.push(
          src.error(
            at('mcpServers', j, 'url'),
            `${q(url)} is not an http(s) URL`,
            'write the full URL of the MCP endpoint, such as https://mcp.example.com/mcp',
          ),
        );
      else if (internalHost(url)) {
        errors.push(
          src.error(
            at('mcpServers', j, 'url'),
            `${q(url)} points inside the cluster or the node's network; kagent would connect to it from the platform`,
            'run an in-cluster server as an image MCP server of the tenant; remote servers are for hosts outside the cluster',
          ),
        );
      }
      if (s.expose === true)
        errors.push(
          src.error(
            at('mcpServers', j, 'expose'),
            'a remote MCP server cannot be exposed: the gateway would become a proxy to a host outside the cluster',
            'remove expose; callers can reach the remote server directly',
          ),
        );
    }
    if (isRecord(s.env)) {
      for (const n of Object.keys(s.env)) {
        if (!ENV_NAME.test(n))
          errors.push(
            src.error(
              at('mcpServers', j, 'env', n),
              `${q(n)} is not a valid environment variable name`,
              "use letters, digits, '_', '-' and '.', not starting with a digit",
            ),
          );
      }
    }
    if (Array.isArray(s.secretRefs)) {
      s.secretRefs.forEach((r, k) => {
        if (typeof r === 'string' && !DNS_SUBDOMAIN.test(r))
          errors.push(
            src.error(
              at('mcpServers', j, 'secretRefs', k),
              `${q(r)} is not a Secret name`,
              "use lower-case letters, digits, '-' and '.'",
            ),
          );
      });
    }
    const path = text(s.path);
    if (path !== undefined && !path.startsWith('/'))
      errors.push(
        src.error(
          at('mcpServers', j, 'path'),
          `${q(path)} does not start with /`,
          'write an absolute path such as /mcp',
        ),
      );
    if (Array.isArray(s.tools) && s.tools.length === 0)
      errors.push(src.error(at('mcpServers', j, 'tools'), 'the list is empty', 'list the tools the server offers'));
    if (image) errors.push(...imageErrors(src, text(s.image), at('mcpServers', j, 'image')));
  });
  list(raw.agents).forEach((a, j) => {
    if (a.image !== undefined) errors.push(...imageErrors(src, text(a.image), at('agents', j, 'image')));
  });
  if (isRecord(raw.sandboxRouter) && !list(raw.sandboxes).some((s) => s.kind === 'SandboxTemplate')) {
    errors.push(
      src.error(
        at('sandboxRouter'),
        'the sandbox router reaches the claims of SandboxTemplates, and the tenant declares none',
        'declare a sandbox with kind: SandboxTemplate, or remove sandboxRouter',
      ),
    );
  }
  list(raw.sandboxes).forEach((s, j) => {
    errors.push(...imageErrors(src, text(s.image), at('sandboxes', j, 'image')));
    if (s.expose === true && s.kind === 'SandboxTemplate') {
      errors.push(
        src.error(
          at('sandboxes', j, 'expose'),
          'a SandboxTemplate runs nothing until it is claimed, so it has nothing to route to',
          'remove expose, or declare kind: Sandbox; to reach the claims of templates, add sandboxRouter: {expose: true} to the tenant',
        ),
      );
    }
  });

  // allowCallsFrom: exposed objects only, known tenants, not the owner.
  for (const kind of ['agents', 'mcpServers', 'llmBackends'] as const) {
    list(raw[kind]).forEach((item, j) => {
      if (!Array.isArray(item.allowCallsFrom)) return;
      if (item.expose !== true && item.allowCallsFrom.length > 0) {
        errors.push(
          src.error(
            at(kind, j, 'allowCallsFrom'),
            `allowCallsFrom needs a route, but ${SINGULAR[kind]} ${q(text(item.name) ?? '')} is not exposed`,
            'set expose: true, or remove allowCallsFrom',
          ),
        );
      }
      const seen = new Set<string>();
      item.allowCallsFrom.forEach((caller, k) => {
        if (typeof caller !== 'string') return;
        const p = at(kind, j, 'allowCallsFrom', k);
        if (caller === v.name)
          errors.push(src.error(p, `${q(caller)} is the owner, which may always call`, 'remove it'));
        else if (!byName.has(caller))
          errors.push(
            src.error(
              p,
              `unknown tenant ${q(caller)}`,
              `name a tenant of tenants.yaml (${[...byName.keys()].filter((x) => x !== v.name).join(', ') || 'there is no other'})`,
            ),
          );
        else if (seen.has(caller)) errors.push(src.error(p, `${q(caller)} is listed twice`, 'remove the duplicate'));
        seen.add(caller);
      });
    });
  }
  return errors;
}

function imageErrors(src: SourceMap, image: string | undefined, path: FieldPath): SourceError[] {
  if (image === undefined) return [];
  const last = image.split('/').pop() ?? '';
  if (image.includes('@sha256:')) return [];
  if (!last.includes(':') || last.endsWith(':'))
    return [
      src.error(path, `image ${q(image)} has no tag`, 'pin a version tag or a digest, such as example/agent:1.2.3'),
    ];
  if (last.endsWith(':latest'))
    return [
      src.error(
        path,
        `image ${q(image)} uses the tag latest, which changes under the same name`,
        'pin a version tag or a digest',
      ),
    ];
  return [];
}

function secretErrors(src: SourceMap, raw: Raw, at: (...p: (string | number)[]) => FieldPath): SourceError[] {
  const errors: SourceError[] = [];
  const envValue = (name: string | undefined, value: unknown, path: FieldPath) => {
    if (typeof value !== 'string' || value === '') return;
    if (looksLikeSecret(value) || (name !== undefined && SECRET_ENV_NAME.test(name))) {
      errors.push(
        src.error(
          path,
          `${name ?? 'the value'} looks like a secret; tenants.yaml is in git and must hold no secret value`,
          'store the value in a Secret of the tenant namespace, reference it with secretKeyRef (agents) or secretRefs (MCP servers), and revoke it if it was ever committed',
        ),
      );
    }
  };
  // Arguments: a credential as a flag value (--api-key=..., or the value after --token).
  const args = (items: unknown, path: (k: number) => FieldPath) => {
    if (!Array.isArray(items)) return;
    items.forEach((arg, k) => {
      if (typeof arg !== 'string') return;
      const prev = k > 0 && typeof items[k - 1] === 'string' ? (items[k - 1] as string) : '';
      const flagValue =
        /^--?[\w-]*(key|token|secret|password)[\w-]*=./i.test(arg) ||
        (/^--?[\w-]*(key|token|secret|password)[\w-]*$/i.test(prev) && !arg.startsWith('-'));
      if (looksLikeSecret(arg.replace(/^[^=]*=/, '')) || flagValue) {
        errors.push(
          src.error(
            path(k),
            'the argument carries what looks like a credential; tenants.yaml is in git and must hold no secret value',
            'read the credential from an environment variable filled by secretKeyRef and pass its name instead, and revoke it if it was ever committed',
          ),
        );
      }
    });
  };
  list(raw.agents).forEach((a, j) => args(a.args, (k) => at('agents', j, 'args', k)));
  list(raw.mcpServers).forEach((s, j) => args(s.args, (k) => at('mcpServers', j, 'args', k)));
  list(raw.sandboxes).forEach((s, j) => args(s.args, (k) => at('sandboxes', j, 'args', k)));
  list(raw.mcpServers).forEach((s, j) => {
    const url = text(s.url);
    if (url === undefined) return;
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      return; // reported as not an http(s) URL
    }
    if (parsed.username || parsed.password) {
      errors.push(
        src.error(
          at('mcpServers', j, 'url'),
          'the URL carries a user name or password; tenants.yaml is in git and must hold no secret value',
          'remove the credentials from the URL (a remote server that needs them is reached through a BYO agent or an image server holding a secretRefs Secret), and revoke them if they were ever committed',
        ),
      );
    } else if (
      [...parsed.searchParams].some(([k, v]) => looksLikeSecret(v) || SECRET_ENV_NAME.test(k.replace(/-/g, '_')))
    ) {
      errors.push(
        src.error(
          at('mcpServers', j, 'url'),
          'the URL query carries what looks like a credential; tenants.yaml is in git and must hold no secret value',
          'remove it from the URL, and revoke it if it was ever committed',
        ),
      );
    }
  });
  list(raw.agents).forEach((a, j) => {
    list(a.env).forEach((e, k) => {
      const hasValue = e.value !== undefined;
      const hasRef = e.secretKeyRef !== undefined;
      if (hasValue === hasRef) {
        errors.push(
          src.error(
            at('agents', j, 'env', k),
            'an environment variable has either value or secretKeyRef',
            'keep exactly one of value and secretKeyRef',
          ),
        );
      }
      envValue(text(e.name), e.value, at('agents', j, 'env', k, 'value'));
    });
  });
  list(raw.mcpServers).forEach((s, j) => {
    if (isRecord(s.env))
      for (const [k, value] of Object.entries(s.env)) envValue(k, value, at('mcpServers', j, 'env', k));
  });
  list(raw.llmBackends).forEach((b, j) => {
    const ref = text(b.apiKeySecret);
    if (ref !== undefined) errors.push(...secretEntryErrors(src, ref, at('llmBackends', j, 'apiKeySecret'), 'the key'));
  });
  return errors;
}

/** The provider whose public API host (or a subdomain of it) a value names, as a host name. */
export function providerHostIn(value: string): { provider: keyof typeof LLM_PROVIDER_HOSTS; host: string } | undefined {
  for (const [provider, host] of Object.entries(LLM_PROVIDER_HOSTS) as [keyof typeof LLM_PROVIDER_HOSTS, string][]) {
    const pattern = new RegExp(`(^|[^a-z0-9-])${host.replace(/\./g, '\\.')}\\.?(?![a-z0-9.-])`, 'i');
    if (pattern.test(value)) return { provider, host };
  }
  return undefined;
}

/**
 * Workloads configured to call an LLM provider's public host directly. Such a call leaves with
 * whatever key the pod holds: the tenant waypoint cannot add the platform's key to it (see
 * docs/architecture.md, "Credentials on egress"), so LLM traffic goes through the model routes.
 */
function providerHostErrors(src: SourceMap, raw: Raw, at: (...p: (string | number)[]) => FieldPath): SourceError[] {
  const errors: SourceError[] = [];
  const check = (value: unknown, path: FieldPath) => {
    if (typeof value !== 'string') return;
    const hit = providerHostIn(value);
    if (hit === undefined) return;
    errors.push(
      src.error(
        path,
        `names ${hit.host}, the public API host of ${hit.provider}: a direct call leaves the cluster with whatever key the pod holds, and no key is added on the way out`,
        `declare a model under models (its ModelConfig reaches ${hit.provider} through the mesh gateway's /llm route, which adds the key; with your own key, an llmBackends entry with apiKeySecret) and call that instead`,
      ),
    );
  };
  list(raw.agents).forEach((a, j) => {
    list(a.env).forEach((e, k) => check(e.value, at('agents', j, 'env', k, 'value')));
    if (Array.isArray(a.args)) a.args.forEach((arg, k) => check(arg, at('agents', j, 'args', k)));
  });
  list(raw.mcpServers).forEach((s, j) => {
    check(s.url, at('mcpServers', j, 'url'));
    if (isRecord(s.env)) for (const [k, value] of Object.entries(s.env)) check(value, at('mcpServers', j, 'env', k));
    if (Array.isArray(s.args)) s.args.forEach((arg, k) => check(arg, at('mcpServers', j, 'args', k)));
  });
  return errors;
}

/**
 * Environment variables the compiler writes itself: the tracing variables that name the tenant,
 * the URLs of called agents, and on declarative agents the switch that propagates trace context.
 * A tenant's value would override them (the last of two equal names wins), so its workloads could
 * report spans under another tenant.
 */
function envErrors(src: SourceMap, raw: Raw, at: (...p: (string | number)[]) => FieldPath): SourceError[] {
  const errors: SourceError[] = [];
  const platform: readonly string[] = Object.values(PLATFORM_ENV);
  const reserved = (name: string, path: FieldPath) => {
    if (platform.includes(name)) {
      errors.push(
        src.error(
          path,
          `${name} is set by the platform (the collector, the service name and the tracing attributes that name the tenant)`,
          'remove it; the platform sets it on every tenant workload',
        ),
      );
    } else if (CALL_ENV_NAME.test(name)) {
      errors.push(
        src.error(
          path,
          `${name} has the form A2A_<TENANT>_<AGENT>_URL, which the platform gives the agents listed in calls`,
          'rename the variable; list the agent under calls to get its URL',
        ),
      );
    }
  };
  list(raw.agents).forEach((a, j) => {
    const seen = new Map<string, number>();
    const declarative = a.image === undefined;
    list(a.env).forEach((e, k) => {
      const name = text(e.name);
      if (name === undefined) return;
      const path = at('agents', j, 'env', k, 'name');
      reserved(name, path);
      if (name === SANDBOX_ROUTER.urlEnv) {
        errors.push(
          src.error(
            path,
            `${name} is set by the platform on the agents of a tenant with a sandboxRouter (the mesh gateway URL of its route)`,
            'rename the variable; add sandboxRouter to the tenant to get the URL',
          ),
        );
      }
      if (declarative && name === DECLARATIVE_AGENT_ENV.name) {
        errors.push(
          src.error(
            path,
            `${name} is set by the platform on declarative agents (${name}=${DECLARATIVE_AGENT_ENV.value} makes kagent's runtime propagate the trace context)`,
            'remove it; the platform sets it on every declarative agent',
          ),
        );
      }
      const first = seen.get(name);
      if (first !== undefined) {
        errors.push(
          src.error(
            path,
            `${name} is set twice (also line ${src.valueAt(at('agents', j, 'env', first, 'name')).line}); the last value would silently win`,
            'keep one entry',
          ),
        );
      } else seen.set(name, k);
    });
    const calls = new Map<string, string>();
    list(a.calls).forEach((c, k) => {
      const tn = text(c.tenant);
      const an = text(c.agent);
      if (tn === undefined || an === undefined) return;
      const name = callEnvName(tn, an);
      const other = calls.get(name);
      if (other === `${tn}/${an}`) {
        errors.push(src.error(at('agents', j, 'calls', k), `${tn}/${an} is listed twice`, 'keep one entry'));
      } else if (other !== undefined) {
        errors.push(
          src.error(
            at('agents', j, 'calls', k),
            `${tn}/${an} and ${other} would both get the URL variable ${name}`,
            'call one of them only, or ask one tenant to rename the agent',
          ),
        );
      } else calls.set(name, `${tn}/${an}`);
    });
  });
  list(raw.mcpServers).forEach((s, j) => {
    if (isRecord(s.env)) for (const name of Object.keys(s.env)) reserved(name, at('mcpServers', j, 'env', name));
  });
  return errors;
}

/**
 * The tenant's, its models' and its backends' guards: each block on its own (guardsIssues), and
 * no lower level weakening a higher one: a model neither its tenant's nor its backend's guards, a
 * backend not its tenant's (the platform's defaults are checked per environment by
 * environmentGuardErrors in load-tenants.ts).
 */
function guardErrors(src: SourceMap, v: TenantView, at: (...p: (string | number)[]) => FieldPath): SourceError[] {
  const { raw } = v;
  const targets = {
    services: [
      ...names(raw, 'agents'),
      ...list(raw.mcpServers)
        .filter((s) => s.url === undefined)
        .map((s) => text(s.name))
        .filter((x): x is string => x !== undefined),
    ],
  };
  const issues = [...guardsIssues(raw.guards, at('guards'), targets)];
  list(raw.models).forEach((m, j) => issues.push(...guardsIssues(m.guards, at('models', j, 'guards'), targets)));
  list(raw.llmBackends).forEach((b, j) =>
    issues.push(...guardsIssues(b.guards, at('llmBackends', j, 'guards'), targets)),
  );
  const w = v.workloads;
  // Guards are enforced on the routes of the tenant's LLM backends; the platform's own LLM route
  // is shared by every tenant and enforces the platform defaults only.
  list(raw.models).forEach((m, j) => {
    if (m.guards !== undefined && m.backend === undefined) {
      issues.push({
        path: at('models', j, 'guards'),
        message:
          "a model without backend uses the platform's LLM route, which every tenant shares and which enforces only the platform's default guards",
        fix: 'set backend to one of your llmBackends, or remove guards',
      });
    }
  });
  if (raw.guards !== undefined && list(raw.llmBackends).length === 0) {
    issues.push({
      path: at('guards'),
      message:
        "tenant guards are enforced on the routes of the tenant's llmBackends, and it declares none (models without backend use the platform's route, which enforces only the platform's default guards)",
      fix: 'declare an llmBackends entry and use it from your models, or remove guards',
    });
  }
  if (w) {
    const tenant: GuardLevel = { guards: w.guards, name: `tenant ${v.name}'s guards` };
    const backends = new Map(
      w.llmBackends.map((b, j) => [
        b.name,
        { guards: b.guards, path: at('llmBackends', j, 'guards'), name: `LLM backend ${b.name}'s guards` },
      ]),
    );
    for (const b of backends.values()) issues.push(...conflictIssues(tenant, b));
    w.models.forEach((m, j) => {
      const level = { guards: m.guards, path: at('models', j, 'guards'), name: '' };
      issues.push(...conflictIssues(tenant, level));
      const b = m.backend ? backends.get(m.backend) : undefined;
      if (b) issues.push(...conflictIssues(b, level));
    });
  }
  return issues.map((i) => src.error(i.path, i.message, i.fix));
}

/** Declared workloads must fit the tenant's quota (requests, limits and pods) and container limits. */
function quotaErrors(src: SourceMap, raw: Raw, at: (...p: (string | number)[]) => FieldPath): SourceError[] {
  const quota = isRecord(raw.quota) ? raw.quota : {};
  const limits = isRecord(raw.limits) ? raw.limits : {};
  const group = (g: string): Raw => (isRecord(limits[g]) ? (limits[g] as Raw) : {});
  const fallback = {
    requests: {
      cpu: group('defaultRequest').cpu ?? DEFAULT_LIMITS.defaultRequest.cpu,
      memory: group('defaultRequest').memory ?? DEFAULT_LIMITS.defaultRequest.memory,
    },
    limits: {
      cpu: group('default').cpu ?? DEFAULT_LIMITS.default.cpu,
      memory: group('default').memory ?? DEFAULT_LIMITS.default.memory,
    },
  };
  const totals = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };
  let pods = 0;
  const errors: SourceError[] = [];
  const max = group('max');
  const num = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? parseQuantity(v) : undefined);
  /** One container's resources: each must parse, requests ≤ limits, limits ≤ the tenant's maximum. */
  const container = (item: Raw, path: FieldPath, counted: boolean) => {
    const r = isRecord(item.resources) ? item.resources : {};
    const eff = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };
    for (const side of ['requests', 'limits'] as const) {
      const s = isRecord(r[side]) ? (r[side] as Raw) : {};
      for (const res of ['cpu', 'memory'] as const) {
        const own = s[res];
        if (own !== undefined && (num(own) === undefined || (num(own) as number) < 0)) {
          errors.push(
            src.error(
              [...path, 'resources', side, res],
              `${q(own)} is not a Kubernetes quantity`,
              'write a number with an optional suffix, such as 500m, 2, 512Mi or 16Gi',
            ),
          );
          continue;
        }
        const n = num(own ?? fallback[side][res]) ?? 0;
        eff[side][res] = n;
        if (counted) totals[side][res] += n;
      }
    }
    for (const res of ['cpu', 'memory'] as const) {
      const rq = isRecord(r.requests) ? (r.requests as Raw)[res] : undefined;
      const lm = isRecord(r.limits) ? (r.limits as Raw)[res] : undefined;
      if ((rq !== undefined || lm !== undefined) && eff.requests[res] > eff.limits[res] + 1e-12) {
        errors.push(
          src.error(
            [...path, 'resources', rq !== undefined ? 'requests' : 'limits', res],
            `requests.${res} ${String(rq ?? fallback.requests[res])} exceeds limits.${res} ${String(lm ?? fallback.limits[res])}${lm === undefined ? ' (container default)' : ''}`,
            `lower requests.${res} or raise limits.${res}`,
          ),
        );
      }
      const m = num(max[res]);
      if (lm !== undefined && m !== undefined && eff.limits[res] > m + 1e-12) {
        errors.push(
          src.error(
            [...path, 'resources', 'limits', res],
            `limits.${res} ${String(lm)} exceeds the tenant's container maximum limits.max.${res} ${String(max[res])}`,
            `lower it to at most ${String(max[res])}, or raise limits.max.${res}`,
          ),
        );
      }
    }
  };
  const add = (kind: string) => (item: Raw, j: number) => {
    // A SandboxTemplate runs nothing until claimed; its claims are counted by the quota at run time.
    const counted =
      !(kind === 'mcpServers' && item.url !== undefined) && !(kind === 'sandboxes' && item.kind === 'SandboxTemplate');
    if (counted) pods++;
    if (kind !== 'mcpServers' || item.url === undefined) container(item, at(kind, j), counted);
  };
  list(raw.agents).forEach(add('agents'));
  list(raw.mcpServers).forEach(add('mcpServers'));
  list(raw.sandboxes).forEach(add('sandboxes'));
  // The tenant's waypoint runs in its namespace too, whatever the tenant declares, and so does its
  // sandbox router when it asks for one.
  const router = isRecord(raw.sandboxRouter) ? 1 : 0;
  pods += router;
  for (const side of ['requests', 'limits'] as const)
    for (const res of ['cpu', 'memory'] as const)
      totals[side][res] +=
        (parseQuantity(WAYPOINT_RESOURCES[side][res]) ?? 0) +
        router * (parseQuantity(SANDBOX_ROUTER.resources[side][res]) ?? 0);
  const fmt = (res: 'cpu' | 'memory', n: number) =>
    res === 'cpu' ? `${Math.round(n * 1000) / 1000}` : `${Math.round((n / 2 ** 20) * 100) / 100}Mi`;
  for (const side of ['requests', 'limits'] as const) {
    for (const res of ['cpu', 'memory'] as const) {
      const key = `${side}.${res}` as const;
      const hard = quota[key] ?? DEFAULT_QUOTA[key];
      const h = typeof hard === 'string' || typeof hard === 'number' ? parseQuantity(hard) : undefined;
      if (h === undefined || totals[side][res] <= h + 1e-9) continue;
      const path = quota[key] !== undefined ? at('quota', key) : at('name');
      errors.push(
        src.error(
          path,
          `the declared workloads ${side === 'requests' ? 'request' : 'are limited to'} ${fmt(res, totals[side][res])} ${res} in total (${pods} pods and the waypoint, unset values from the container defaults), more than the quota ${key} ${String(hard)}${quota[key] === undefined ? ' (platform default)' : ''}`,
          `raise quota.${key} to at least ${fmt(res, totals[side][res])}, or lower the workloads' resources`,
        ),
      );
    }
  }
  // Object counts: Services (one per agent and image MCP server, two per sandbox, the waypoint's)
  // and Secrets (one per backend key, the alert receiver's URL, the placeholder key).
  const agents = list(raw.agents).length;
  const alertSecret = isRecord(raw.observability) && isRecord(raw.observability.alerts) ? 1 : 0;
  const servers = list(raw.mcpServers).filter((s) => s.url === undefined).length;
  const sandboxes = list(raw.sandboxes).filter((s) => s.kind !== 'SandboxTemplate').length;
  const counts = [
    {
      key: 'services',
      need: agents + servers + 2 * sandboxes + WAYPOINT_OBJECTS.services + router,
      what: `Services (one per agent and image MCP server, two per sandbox, ${router ? 'the sandbox router ' : ''}and the waypoint)`,
    },
    {
      key: 'secrets',
      need: list(raw.llmBackends).length + alertSecret + 1,
      what: `Secrets (one per LLM backend key, ${alertSecret ? "the alert receiver's URL, " : ''}and the placeholder key)`,
    },
  ] as const;
  for (const c of counts) {
    const hard = quota[c.key] ?? DEFAULT_QUOTA[c.key];
    if (typeof hard === 'number' && c.need > hard) {
      errors.push(
        src.error(
          quota[c.key] !== undefined ? at('quota', c.key) : at('name'),
          `the declared workloads need ${c.need} ${c.what}, more than the quota ${c.key} ${hard}${quota[c.key] === undefined ? ' (platform default)' : ''}`,
          `raise quota.${c.key} to at least ${c.need}, leaving room for the tenant's own`,
        ),
      );
    }
  }
  const hardPods = quota.pods ?? DEFAULT_QUOTA.pods;
  const needPods = pods + WAYPOINT_OBJECTS.pods;
  if (typeof hardPods === 'number' && hardPods >= 0 && needPods > hardPods) {
    errors.push(
      src.error(
        quota.pods !== undefined ? at('quota', 'pods') : at('name'),
        `the declared workloads need ${needPods} pods (with the waypoint${router ? ' and the sandbox router' : ''}), more than the quota pods ${hardPods}`,
        `raise quota.pods to at least ${needPods}`,
      ),
    );
  }
  return errors;
}

/** Two routes with one path: the later declaration is the error, naming the first. */
function routeErrors(src: SourceMap, views: readonly TenantView[]): SourceError[] {
  const errors: SourceError[] = [];
  const seen = new Map<string, RouteEntry>();
  for (const v of views) {
    if (!v.workloads || (v.alias !== undefined && !DNS_LABEL.test(v.alias))) continue;
    for (const r of tenantRoutes({ name: v.name, alias: v.alias, workloads: v.workloads, index: v.index })) {
      const first = seen.get(r.path);
      if (first) {
        errors.push(
          src.error(
            r.field,
            `route ${r.path} is also the route of ${first.exposes.kind} ${q(first.exposes.name)} of tenant ${q(first.owner)} (line ${src.valueAt(first.field).line})`,
            `give one of the tenants another alias (this one's segment is ${q(routeSegment(v))}), or rename one of the two`,
          ),
        );
      } else seen.set(r.path, r);
    }
  }
  return errors;
}
