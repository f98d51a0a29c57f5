/**
 * Rules over a tenant's workloads that span entries (names, references between agents, models,
 * MCP servers, tools and backends, guards, the tenant's quota) and rules over the whole registry
 * (aliases, cross-tenant calls, route paths). They read the schema's parsed values; the schema
 * (tenants-schema.ts) runs them, each when the fields it reads parsed.
 */
import {
  DNS_LABEL,
  PLATFORM_LLM_ALIAS,
  PLATFORM_NAMESPACES,
  SANDBOX_ROUTER,
  TENANT_OBJECTS,
  tenantNamespace,
} from '../lib/constants';
import { parseQuantity } from '../lib/quantity';
import { WAYPOINT_OBJECTS, WAYPOINT_RESOURCES } from '../lib/waypoint';
import { routeSegment, tenantRoutes, type RouteEntry } from './routes';
import type { FieldPath } from './source-errors';
import type { Broken, Message, Report } from './rules';
import { DEFAULT_LIMITS, DEFAULT_QUOTA } from './tenant-defaults';
import type { TenantFields } from './tenant-fields';
import { DEFAULT_MODEL_CONFIG, workloadsOf } from './workloads';
import { MAX_WORKLOAD_NAME } from './workloads-schema';
import { conflictIssues, guardsIssues, type GuardLevel } from './validate-guards';

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

const q = JSON.stringify;

type T = TenantFields;
const KINDS = ['agents', 'models', 'mcpServers', 'sandboxes', 'llmBackends'] as const;
type Kind = (typeof KINDS)[number];
const SINGULAR: Record<Kind, string> = {
  agents: 'agent',
  models: 'model',
  mcpServers: 'MCP server',
  sandboxes: 'sandbox',
  llmBackends: 'LLM backend',
};

const defined = (xs: Iterable<string>) => {
  const all = [...xs];
  return all.length ? `defined: ${all.join(', ')}` : 'none defined';
};

/**
 * Services of one namespace: kagent's per Agent, kmcp's per image MCP server, the sandbox
 * controller's and the compiler's per Sandbox, and the waypoint's.
 */
function serviceClaims(report: Report, router: boolean) {
  const services = new Map<string, { path: FieldPath; what: string }>([
    [TENANT_OBJECTS.waypoint, { path: ['name'], what: 'the waypoint' }],
  ]);
  // The sandbox router's Service, whose name a Sandbox named after its routes would also need.
  if (router) services.set(SANDBOX_ROUTER.name, { path: ['sandboxRouter'], what: 'the sandbox router' });
  return (service: string, path: FieldPath, what: string) => {
    const other = services.get(service);
    if (!other) {
      services.set(service, { path, what });
      return;
    }
    report(
      path,
      (line) =>
        `${what} needs the Service ${q(service)}, which ${other.what}${other.what === 'the waypoint' ? '' : ` (line ${line(other.path)})`} also needs`,
      'rename one of them: every agent, MCP server and sandbox gets a Service of its name (sandboxes also sandbox-<name>)',
    );
  };
}

/** The name of one entry: a DNS label, short enough, unique in its kind; whether it may claim Services. */
function entryName(kind: Kind, name: string, path: FieldPath, first: number | undefined, report: Report): boolean {
  if (!DNS_LABEL.test(name)) {
    report(
      path,
      `${q(name)} is not a DNS-1123 label`,
      "use lower-case letters, digits and '-', starting and ending with a letter or digit",
    );
    return false;
  }
  if (name.length > MAX_WORKLOAD_NAME)
    report(
      path,
      `${q(name)} is ${name.length} characters; the objects named after it must stay within 63`,
      `shorten the name to at most ${MAX_WORKLOAD_NAME} characters`,
    );
  if (first !== undefined) {
    report(
      path,
      (line) => `duplicate ${SINGULAR[kind]} name ${q(name)} (first declared at line ${line([kind, first, 'name'])})`,
      `give each ${SINGULAR[kind]} a unique name`,
    );
    return false;
  }
  if (kind === 'models' && name === DEFAULT_MODEL_CONFIG)
    report(
      path,
      `model name ${q(name)} is the platform default ModelConfig of every tenant`,
      'choose another name; agents that name no model use the default already',
    );
  return true;
}

/** Names of every kind, and the Services they give the namespace. */
export function workloadNames(t: Pick<T, Kind | 'sandboxRouter'>, report: Report): void {
  const claim = serviceClaims(report, t.sandboxRouter !== undefined);
  for (const kind of KINDS) {
    const seen = new Map<string, number>();
    t[kind].forEach((item: { name: string; url?: string; kind?: string }, j: number) => {
      const path = [kind, j, 'name'];
      if (!entryName(kind, item.name, path, seen.get(item.name), report)) return;
      seen.set(item.name, j);
      const what = `${SINGULAR[kind]} ${q(item.name)}`;
      if (kind === 'agents' || (kind === 'mcpServers' && item.url === undefined)) claim(item.name, path, what);
      if (kind === 'sandboxes' && item.kind !== 'SandboxTemplate') {
        claim(item.name, path, what);
        claim(`sandbox-${item.name}`, path, what);
      }
    });
  }
}

/** An agent's model and tools name models, MCP servers, their tools and agents of the tenant. */
export function agentReferences(t: Pick<T, 'agents' | 'models' | 'mcpServers'>, report: Report): void {
  const models = t.models.map((m) => m.name);
  const agents = t.agents.map((a) => a.name);
  const servers = new Map(t.mcpServers.map((s) => [s.name, s]));
  t.agents.forEach((a, j) => {
    if (a.model !== undefined && !models.includes(a.model))
      report(
        ['agents', j, 'model'],
        `model ${q(a.model)} is not one of the tenant's models (${defined(models)})`,
        'define it under models, or remove the key to use the platform default model',
      );
    (a.tools ?? []).forEach((tool, k) => {
      const p = (...x: (string | number)[]) => ['agents', j, 'tools', k, ...x];
      if ((tool.mcpServer === undefined) === (tool.agent === undefined)) return; // the tool's own rule
      if (tool.agent !== undefined) {
        if (!agents.includes(tool.agent))
          report(
            p('agent'),
            `agent ${q(tool.agent)} is not one of the tenant's agents (${defined(agents)})`,
            'name an agent of this tenant; agents of other tenants are called over A2A through the gateway (calls on a BYO agent)',
          );
        else if (tool.agent === a.name)
          report(p('agent'), `agent ${q(tool.agent)} names itself as a tool`, 'name another agent');
        return;
      }
      const server = servers.get(tool.mcpServer!);
      if (!server)
        report(
          p('mcpServer'),
          `MCP server ${q(tool.mcpServer)} is not one of the tenant's mcpServers (${defined(servers.keys())})`,
          'define it under mcpServers or correct the name',
        );
      else if (!tool.toolNames || tool.toolNames.length === 0)
        report(
          p(),
          `tool of MCP server ${q(tool.mcpServer)} lists no toolNames`,
          'list the tools the agent may call under toolNames',
        );
      else
        tool.toolNames.forEach((n, m) => {
          if (!server.tools.includes(n))
            report(
              p('toolNames', m),
              `tool ${q(n)} is not offered by MCP server ${q(server.name)} (its tools: ${server.tools.join(', ') || 'none'})`,
              `use one of its tools, or add ${n} to the tools of ${server.name}`,
            );
        });
    });
  });
}

/** The sandbox router reaches the claims of the tenant's SandboxTemplates, so it needs one. */
export function sandboxRouterTemplates(t: Pick<T, 'sandboxRouter' | 'sandboxes'>, report: Report): void {
  if (t.sandboxRouter !== undefined && !t.sandboxes.some((s) => s.kind === 'SandboxTemplate'))
    report(
      ['sandboxRouter'],
      'the sandbox router reaches the claims of SandboxTemplates, and the tenant declares none',
      'declare a sandbox with kind: SandboxTemplate, or remove sandboxRouter',
    );
}

/** A model's backend is one of the tenant's. */
export function modelReferences(t: Pick<T, 'models' | 'llmBackends'>, report: Report): void {
  const backends = t.llmBackends.map((b) => b.name);
  t.models.forEach((m, j) => {
    if (m.backend !== undefined && !backends.includes(m.backend))
      report(
        ['models', j, 'backend'],
        `LLM backend ${q(m.backend)} is not one of the tenant's llmBackends (${defined(backends)})`,
        'define it under llmBackends, or remove the key to use the platform default backend',
      );
  });
}

type GuardFields = Pick<T, 'guards' | 'agents' | 'models' | 'mcpServers' | 'llmBackends' | 'name'>;

/**
 * The tenant's, its models' and its backends' guards: each block on its own (guardsIssues), and
 * no lower level weakening a higher one: a model neither its tenant's nor its backend's guards, a
 * backend not its tenant's (the platform's defaults are checked per environment by
 * environmentGuardErrors in load-tenants.ts).
 */
export function tenantGuards(t: GuardFields, report: Report): void {
  const targets = {
    services: [...t.agents.map((a) => a.name), ...t.mcpServers.filter((s) => s.url === undefined).map((s) => s.name)],
  };
  const issues = [...guardsIssues(t.guards, ['guards'], targets)];
  t.models.forEach((m, j) => issues.push(...guardsIssues(m.guards, ['models', j, 'guards'], targets)));
  t.llmBackends.forEach((b, j) => issues.push(...guardsIssues(b.guards, ['llmBackends', j, 'guards'], targets)));
  // Guards are enforced on the routes of the tenant's LLM backends; the platform's own LLM route
  // is shared by every tenant and enforces the platform defaults only.
  t.models.forEach((m, j) => {
    if (m.guards !== undefined && m.backend === undefined)
      issues.push({
        path: ['models', j, 'guards'],
        message:
          "a model without backend uses the platform's LLM route, which every tenant shares and which enforces only the platform's default guards",
        fix: 'set backend to one of your llmBackends, or remove guards',
      });
  });
  if (t.guards !== undefined && t.llmBackends.length === 0)
    issues.push({
      path: ['guards'],
      message:
        "tenant guards are enforced on the routes of the tenant's llmBackends, and it declares none (models without backend use the platform's route, which enforces only the platform's default guards)",
      fix: 'declare an llmBackends entry and use it from your models, or remove guards',
    });
  issues.push(...guardLevelConflicts(t));
  for (const i of issues) report(i.path, i.message, i.fix);
}

/** No model weakens its tenant's or its backend's guards, no backend its tenant's. */
function guardLevelConflicts(t: GuardFields) {
  const w = workloadsOf({ ...t, sandboxes: [] });
  const tenant: GuardLevel = { guards: w.guards, name: `tenant ${t.name}'s guards` };
  const backends = new Map(
    w.llmBackends.map((b, j) => [
      b.name,
      { guards: b.guards, path: ['llmBackends', j, 'guards'], name: `LLM backend ${b.name}'s guards` },
    ]),
  );
  const issues = [...backends.values()].flatMap((b) => conflictIssues(tenant, b));
  w.models.forEach((m, j) => {
    const level = { guards: m.guards, path: ['models', j, 'guards'], name: '' };
    issues.push(...conflictIssues(tenant, level));
    const b = m.backend ? backends.get(m.backend) : undefined;
    if (b) issues.push(...conflictIssues(b, level));
  });
  return issues;
}

type Res = 'cpu' | 'memory';
type Side = 'requests' | 'limits';
type Amounts = Record<Side, Record<Res, number>>;
const RES = ['cpu', 'memory'] as const;
const SIDES = ['requests', 'limits'] as const;
type Quantities = { cpu?: string | number; memory?: string | number } | undefined;
type QuotaFields = Pick<
  T,
  'quota' | 'limits' | 'agents' | 'mcpServers' | 'sandboxes' | 'sandboxRouter' | 'llmBackends' | 'observability'
>;

/** A quantity that parses to 0 or more, else undefined (its own rule reports it). */
const amount = (v: string | number | undefined) => {
  const n = v === undefined ? undefined : parseQuantity(v);
  return n !== undefined && n >= 0 ? n : undefined;
};

/** One container's resources: requests ≤ limits, limits ≤ the tenant's maximum; returns its effective amounts. */
function container(
  r: { requests?: Quantities; limits?: Quantities } | undefined,
  path: FieldPath,
  tenant: { fallback: Record<Side, Record<Res, string | number>>; max: Quantities },
  report: Report,
): Amounts {
  const eff: Amounts = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };
  for (const side of SIDES)
    for (const res of RES) {
      const own = r?.[side]?.[res];
      if (own !== undefined && amount(own) === undefined) continue;
      eff[side][res] = amount(own ?? tenant.fallback[side][res]) ?? 0;
    }
  for (const res of RES) {
    const rq = r?.requests?.[res];
    const lm = r?.limits?.[res];
    if ((rq !== undefined || lm !== undefined) && eff.requests[res] > eff.limits[res] + 1e-12)
      report(
        [...path, 'resources', rq !== undefined ? 'requests' : 'limits', res],
        `requests.${res} ${String(rq ?? tenant.fallback.requests[res])} exceeds limits.${res} ${String(lm ?? tenant.fallback.limits[res])}${lm === undefined ? ' (container default)' : ''}`,
        `lower requests.${res} or raise limits.${res}`,
      );
    const max = tenant.max?.[res];
    const m = amount(max);
    if (lm !== undefined && m !== undefined && eff.limits[res] > m + 1e-12)
      report(
        [...path, 'resources', 'limits', res],
        `limits.${res} ${String(lm)} exceeds the tenant's container maximum limits.max.${res} ${String(max)}`,
        `lower it to at most ${String(max)}, or raise limits.max.${res}`,
      );
  }
  return eff;
}

/** Declared workloads must fit the tenant's quota (requests, limits and pods) and container limits. */
export function workloadQuota(t: QuotaFields, report: Report): void {
  const limits = t.limits ?? {};
  const fallback = {
    requests: { ...DEFAULT_LIMITS.defaultRequest, ...limits.defaultRequest },
    limits: { ...DEFAULT_LIMITS.default, ...limits.default },
  };
  const tenant = { fallback, max: limits.max };
  const totals: Amounts = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };
  let pods = 0;
  const add = (
    kind: 'agents' | 'mcpServers' | 'sandboxes',
    counted: boolean,
    r: Parameters<typeof container>[0],
    j: number,
  ) => {
    const eff = container(r, [kind, j], tenant, report);
    if (!counted) return;
    pods++;
    for (const side of SIDES) for (const res of RES) totals[side][res] += eff[side][res];
  };
  t.agents.forEach((a, j) => add('agents', true, a.resources, j));
  t.mcpServers.forEach((s, j) => {
    if (s.url === undefined) add('mcpServers', true, s.resources, j);
  });
  // A SandboxTemplate runs nothing until claimed; its claims are counted by the quota at run time.
  t.sandboxes.forEach((s, j) => add('sandboxes', s.kind !== 'SandboxTemplate', s.resources, j));
  // The tenant's waypoint runs in its namespace too, whatever the tenant declares, and so does its
  // sandbox router when it asks for one.
  const router = t.sandboxRouter ? SANDBOX_ROUTER.replicas : 0;
  pods += router;
  for (const side of SIDES)
    for (const res of RES)
      totals[side][res] +=
        (parseQuantity(WAYPOINT_RESOURCES[side][res]) ?? 0) +
        router * (parseQuantity(SANDBOX_ROUTER.resources[side][res]) ?? 0);
  quotaTotals(t.quota ?? {}, totals, pods, report);
  quotaCounts(t, pods, report);
}

/** The containers' requests and limits in total, against the quota. */
function quotaTotals(quota: NonNullable<T['quota']>, totals: Amounts, pods: number, report: Report): void {
  const fmt = (res: Res, n: number) =>
    res === 'cpu' ? `${Math.round(n * 1000) / 1000}` : `${Math.round((n / 2 ** 20) * 100) / 100}Mi`;
  for (const side of SIDES)
    for (const res of RES) {
      const key = `${side}.${res}` as const;
      const hard = quota[key] ?? DEFAULT_QUOTA[key];
      const h = hard === undefined ? undefined : parseQuantity(hard);
      if (h === undefined || totals[side][res] <= h + 1e-9) continue;
      report(
        quota[key] !== undefined ? ['quota', key] : ['name'],
        `the declared workloads ${side === 'requests' ? 'request' : 'are limited to'} ${fmt(res, totals[side][res])} ${res} in total (${pods} pods and the waypoint, unset values from the container defaults), more than the quota ${key} ${String(hard)}${quota[key] === undefined ? ' (platform default)' : ''}`,
        `raise quota.${key} to at least ${fmt(res, totals[side][res])}, or lower the workloads' resources`,
      );
    }
}

/**
 * Object counts: Services (one per agent and image MCP server, two per sandbox, the waypoint's),
 * Secrets (one per backend key, the alert receiver's URL, the placeholder key) and pods.
 */
function quotaCounts(t: QuotaFields, pods: number, report: Report): void {
  const quota = t.quota ?? {};
  const router = t.sandboxRouter ? 1 : 0;
  const alertSecret = t.observability?.alerts ? 1 : 0;
  const servers = t.mcpServers.filter((s) => s.url === undefined).length;
  const sandboxes = t.sandboxes.filter((s) => s.kind !== 'SandboxTemplate').length;
  const counts = [
    {
      key: 'services',
      need: t.agents.length + servers + 2 * sandboxes + WAYPOINT_OBJECTS.services + router,
      what: `Services (one per agent and image MCP server, two per sandbox, ${router ? 'the sandbox router ' : ''}and the waypoint)`,
    },
    {
      key: 'secrets',
      need: t.llmBackends.length + alertSecret + 1,
      what: `Secrets (one per LLM backend key, ${alertSecret ? "the alert receiver's URL, " : ''}and the placeholder key)`,
    },
  ] as const;
  for (const c of counts) {
    const hard = quota[c.key] ?? DEFAULT_QUOTA[c.key];
    if (typeof hard === 'number' && c.need > hard)
      report(
        quota[c.key] !== undefined ? ['quota', c.key] : ['name'],
        `the declared workloads need ${c.need} ${c.what}, more than the quota ${c.key} ${hard}${quota[c.key] === undefined ? ' (platform default)' : ''}`,
        `raise quota.${c.key} to at least ${c.need}, leaving room for the tenant's own`,
      );
  }
  const hardPods = quota.pods ?? DEFAULT_QUOTA.pods;
  const needPods = pods + WAYPOINT_OBJECTS.pods;
  if (typeof hardPods === 'number' && hardPods >= 0 && needPods > hardPods)
    report(
      quota.pods !== undefined ? ['quota', 'pods'] : ['name'],
      `the declared workloads need ${needPods} pods (with the waypoint${router ? ' and the sandbox router' : ''}), more than the quota pods ${hardPods}`,
      `raise quota.pods to at least ${needPods}`,
    );
}

/** A tenant entry of the registry, with the keys that parsed (see listRule). */
type Entry = Partial<T> | undefined;

/** Named tenants of the registry, by name (the last of duplicates), with their index. */
function byName(tenants: readonly Entry[]): Map<string, { t: Partial<T>; index: number }> {
  const out = new Map<string, { t: Partial<T>; index: number }>();
  tenants.forEach((t, index) => {
    if (t?.name !== undefined) out.set(t.name, { t, index });
  });
  return out;
}

/** Tenant names are unique. */
export function uniqueTenantNames(tenants: readonly Entry[], report: Report): void {
  const first = new Map<string, number>();
  tenants.forEach((t, i) => {
    if (t?.name === undefined) return;
    const f = first.get(t.name);
    if (f !== undefined)
      report(
        [i, 'name'],
        (line) => `duplicate tenant name ${q(t.name)} (first declared at line ${line([f, 'name'])})`,
        'give each tenant a unique name, or merge the two entries',
      );
    else first.set(t.name, i);
  });
}

/** The problem of an alias on its own: a DNS label, not reserved, not another tenant's namespace. */
function aliasProblem(alias: string, name: string): { message: string; fix: string } | undefined {
  if (!DNS_LABEL.test(alias) || alias.length > 63)
    return {
      message: `${q(alias)} is not a DNS-1123 label`,
      fix: "use lower-case letters, digits and '-', starting and ending with a letter or digit",
    };
  if (RESERVED_ALIASES.includes(alias))
    return {
      message: `alias ${q(alias)} is reserved by the platform (its own routes use /<kind>/${alias}/...)`,
      fix: 'choose another alias',
    };
  if (alias.startsWith('tenant-') && alias !== tenantNamespace(name))
    return {
      message: `alias ${q(alias)} has the form of another tenant's namespace`,
      fix: "choose an alias that does not start with 'tenant-'",
    };
  return undefined;
}

/** Aliases: valid on their own, and neither another tenant's name nor an earlier tenant's alias. */
export function tenantAliases(tenants: readonly Entry[], report: Report): void {
  // The first two entries of each name, and the first named entry of each alias.
  const withName = new Map<string, number[]>();
  const withAlias = new Map<string, number>();
  tenants.forEach((o, k) => {
    if (o?.name === undefined) return;
    const at = withName.get(o.name) ?? [];
    if (at.length < 2) withName.set(o.name, [...at, k]);
    if (o.alias !== undefined && !withAlias.has(o.alias)) withAlias.set(o.alias, k);
  });
  tenants.forEach((t, i) => {
    if (t?.alias === undefined || t.name === undefined) return;
    const alias = t.alias;
    const problem = aliasProblem(alias, t.name);
    if (problem) return report([i, 'alias'], problem.message, problem.fix);
    const fix = 'choose an alias that no other tenant uses as its name or alias';
    // The first other entry named `alias`, or an earlier one with the same alias.
    const byItsName = (withName.get(alias) ?? []).find((k) => k !== i) ?? -1;
    const earlier = withAlias.get(alias) ?? -1;
    const other = earlier >= 0 && earlier < i && (byItsName < 0 || earlier < byItsName) ? earlier : byItsName;
    if (other < 0) return;
    const o = tenants[other]!;
    report(
      [i, 'alias'],
      (line) =>
        o.name === alias
          ? `alias ${q(alias)} is the name of tenant ${q(o.name)} (line ${line([other])})`
          : `alias ${q(alias)} is already the alias of tenant ${q(o.name)} (line ${line([other])})`,
      fix,
    );
  });
}

/** An agent's calls name an exposed agent of another tenant that admits the caller. */
export function crossTenantCalls(tenants: readonly Entry[], report: Report): void {
  const named = byName(tenants);
  tenants.forEach((t, i) => {
    if (t?.name === undefined || t.agents === undefined) return;
    t.agents.forEach((a, j) =>
      (a.calls ?? []).forEach((c, k) => {
        const p = (x: string) => [i, 'agents', j, 'calls', k, x];
        if (c.tenant === t.name)
          return report(
            p('tenant'),
            `calls names the agent's own tenant ${q(c.tenant)}`,
            'call agents of the same tenant inside the namespace; calls is for other tenants',
          );
        const target = named.get(c.tenant);
        if (!target) return report(p('tenant'), `unknown tenant ${q(c.tenant)}`, 'name a tenant of tenants.yaml');
        if (target.t.agents === undefined) return;
        const problem = callProblem(target.t.agents, c, t.name!, target.index);
        if (problem) report(p('agent'), problem.message, problem.fix);
      }),
    );
  });
}

function callProblem(
  agents: T['agents'],
  c: { tenant: string; agent: string },
  caller: string,
  index: number,
): { message: Message; fix: string } | undefined {
  const ta = agents.find((x) => x.name === c.agent);
  if (!ta)
    return {
      message: (line) => `tenant ${q(c.tenant)} (line ${line([index])}) has no agent ${q(c.agent)}`,
      fix: `name one of its agents: ${agents.map((x) => x.name).join(', ') || 'it has none'}`,
    };
  if (!ta.expose)
    return {
      message: `agent ${q(c.agent)} of tenant ${q(c.tenant)} is not exposed`,
      fix: `tenant ${c.tenant} must set expose: true on it and list ${caller} in its allowCallsFrom`,
    };
  if (!ta.allowCallsFrom.includes(caller))
    return {
      message: `agent ${q(c.agent)} of tenant ${q(c.tenant)} does not allow calls from ${q(caller)}`,
      fix: `tenant ${c.tenant} must add ${caller} to the allowCallsFrom of ${c.agent}`,
    };
  return undefined;
}

/** allowCallsFrom names other tenants of the registry, once each. */
export function allowedCallers(tenants: readonly Entry[], report: Report): void {
  const named = byName(tenants);
  const names = [...named.keys()];
  // Built only for a message: the list of every other tenant is as long as the registry.
  const others = (name: string) => names.filter((x) => x !== name).join(', ') || 'there is no other';
  tenants.forEach((t, i) => {
    if (t?.name === undefined) return;
    for (const kind of ['agents', 'mcpServers', 'llmBackends'] as const)
      (t[kind] ?? []).forEach((item, j) => {
        const seen = new Set<string>();
        item.allowCallsFrom.forEach((caller, k) => {
          const p = [i, kind, j, 'allowCallsFrom', k];
          if (caller === t.name) report(p, `${q(caller)} is the owner, which may always call`, 'remove it');
          else if (!named.has(caller))
            report(p, `unknown tenant ${q(caller)}`, `name a tenant of tenants.yaml (${others(t.name!)})`);
          else if (seen.has(caller)) report(p, `${q(caller)} is listed twice`, 'remove the duplicate');
          seen.add(caller);
        });
      });
  });
}

/** Two routes with one path: the later declaration is the error, naming the first. */
export function uniqueRoutes(tenants: readonly Entry[], report: Report, broken: Broken): void {
  const seen = new Map<string, RouteEntry>();
  tenants.forEach((t, index) => {
    if (t?.name === undefined || !hasWorkloads(t) || broken(index, 'alias')) return;
    if (t.alias !== undefined && !DNS_LABEL.test(t.alias)) return;
    const v = { name: t.name, alias: t.alias, workloads: workloadsOf(t), index };
    for (const r of tenantRoutes(v)) {
      const first = seen.get(r.path);
      if (!first) {
        seen.set(r.path, r);
        continue;
      }
      report(
        r.field.slice(1),
        (line) =>
          `route ${r.path} is also the route of ${first.exposes.kind} ${q(first.exposes.name)} of tenant ${q(first.owner)} (line ${line(first.field.slice(1))})`,
        `give one of the tenants another alias (this one's segment is ${q(routeSegment(v))}), or rename one of the two`,
      );
    }
  });
}

/**
 * The paths of the routes of an entry that parsed, as `uniqueRoutes` compares them: two entries
 * whose paths are all distinct pass it.
 */
export function routePaths(t: T): string[] {
  return tenantRoutes({ name: t.name, alias: t.alias, workloads: workloadsOf(t), index: 0 }).map((r) => r.path);
}

/** Whether every workload key of an entry parsed (and its alias, when it has one). */
function hasWorkloads(t: Partial<T>): t is Partial<T> & Pick<T, Kind | 'guards'> {
  return KINDS.every((k) => t[k] !== undefined);
}
