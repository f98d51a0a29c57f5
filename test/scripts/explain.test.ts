import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { explainCommand, EXPLAIN_COMMAND as spec } from '../../scripts/cli/explain';
import { explainTenant, underPrefix } from '../../scripts/explain/explain';
import { readOutput } from '../../scripts/kube/manifests';
import { runCommand } from '../../scripts/lib/cli';

const ROOT = path.resolve(__dirname, '..', '..');
const output = readOutput(ROOT, ROOT);
const TENANT_LABEL = 'platform.agentic.io/tenant-name';

/** Output lines of `npm run explain -- <args>` on the committed dist/ and argocd/. */
async function explain(...args: string[]): Promise<{ code: number; lines: string[]; err: string[] }> {
  const lines: string[] = [];
  const err: string[] = [];
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void lines.push(...a.join(' ').split('\n')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const code = await runCommand(spec, explainCommand, [...args, '--root', ROOT]);
  log.mockRestore();
  error.mockRestore();
  return { code, lines, err };
}

/** The lines from the one starting with `from` up to (not including) the next one starting with `to`. */
function section(lines: readonly string[], from: string, to: string): string[] {
  const a = lines.findIndex((l) => l.startsWith(from));
  const b = lines.findIndex((l, i) => i > a && l.startsWith(to));
  expect(a, `section ${from}`).toBeGreaterThanOrEqual(0);
  return lines.slice(a, b < 0 ? undefined : b);
}

describe('npm run explain', () => {
  const cwd = process.cwd();
  beforeEach(() => process.chdir(ROOT));
  afterEach(() => process.chdir(cwd));

  for (const env of output.environments) {
    for (const tenant of ['alpha', 'beta', 'research']) {
      it(`shows what dist/${env.name} holds for ${tenant}`, async () => {
        const args = env.name === output.environments[0].name ? [tenant] : [tenant, '--env', env.name];
        const { code, lines, err } = await explain(...args);
        expect(err).toEqual([]);
        expect(code).toBe(0);
        const text = lines.join('\n');
        const objects = env.manifests.map((m) => m.object).filter((o) => o.metadata?.labels?.[TENANT_LABEL] === tenant);
        const one = (kind: string) => {
          const found = objects.filter((o) => o.kind === kind);
          expect(found, kind).toHaveLength(1);
          return found[0];
        };

        // One screen, for a tenant that uses every feature (research: a router, alerts, calls, BYO).
        expect(lines.length).toBeLessThanOrEqual(60);
        const ns = one('Namespace');
        expect(lines[0]).toBe(
          `Tenant ${tenant}${ns.metadata.annotations?.['platform.agentic.io/display-name'] ? ` (${ns.metadata.annotations['platform.agentic.io/display-name']})` : ''} in ${env.name}${ns.metadata.annotations?.['platform.agentic.io/description'] ? `: ${ns.metadata.annotations['platform.agentic.io/description']}` : ''}`,
        );

        // Namespace labels: pod security levels, ambient mode, waypoint.
        const nsLine = lines.find((l) => l.startsWith('Namespace'))!;
        const labels = ns.metadata.labels;
        expect(nsLine).toContain(`${ns.metadata.name}:`);
        for (const mode of ['enforce', 'warn', 'audit'])
          expect(nsLine).toContain(`${mode} ${labels[`pod-security.kubernetes.io/${mode}`]}`);
        expect(nsLine).toContain(labels['pod-security.kubernetes.io/enforce-version']);
        expect(nsLine).toContain(`Istio ${labels['istio.io/dataplane-mode']}`);
        expect(nsLine).toContain(`waypoint ${labels['istio.io/use-waypoint']}`);

        // Quota: exactly the ResourceQuota's hard limits.
        const quota = lines
          .find((l) => l.startsWith('Quota'))!
          .replace(/^Quota\s+/, '')
          .split(', ');
        expect(quota.sort()).toEqual(
          Object.entries(one('ResourceQuota').spec.hard)
            .map(([k, v]) => `${k} ${v}`)
            .sort(),
        );

        // LimitRange values.
        const limits = lines.find((l) => l.startsWith('Limits'))!;
        for (const l of one('LimitRange').spec.limits) {
          for (const group of ['default', 'defaultRequest', 'max']) {
            if (l[group]) expect(limits).toContain(`${group} cpu ${l[group].cpu} memory ${l[group].memory}`);
          }
        }

        // RBAC subjects.
        const rbac = lines.find((l) => l.startsWith('RBAC'))!;
        for (const s of one('RoleBinding').subjects) expect(rbac).toContain(`${s.kind} ${s.name}`);

        // Routes of routes.json that it owns, each with its callers; the others' routes it may call.
        const routes = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', env.name, 'routes.json'), 'utf8')).routes as {
          path: string;
          kind: string;
          owner: string;
          callers: string[];
          exposes: string;
          guards?: string;
          requestHeaders?: { set: { name: string; value: string }[]; remove: string[] };
        }[];
        const owned = section(lines, 'Routes', 'May call');
        // Each LLM route also lists the prompt guards it enforces.
        // A sandbox router's route also names the headers the gateways set and remove.
        const headers = (r: (typeof routes)[number]) =>
          r.requestHeaders
            ? `  X-Sandbox-ID picks the sandbox; sets ${r.requestHeaders.set.map((h) => `${h.name}: ${h.value}`).join(', ')}, removes ${r.requestHeaders.remove.join(', ')}`
            : '';
        const tail = (r: (typeof routes)[number]) =>
          `callers ${r.callers.join(', ')}${r.kind === 'llm' ? `  guards ${r.guards ?? 'none'}` : ''}${headers(r)}`;
        for (const r of routes.filter((x) => x.owner === tenant)) {
          expect(
            owned.some((l) => l.includes(r.path) && l.includes(r.exposes) && l.endsWith(tail(r))),
            r.path,
          ).toBe(true);
        }
        expect(owned.filter((l) => l.startsWith('  /'))).toHaveLength(routes.filter((x) => x.owner === tenant).length);
        const callable = section(lines, 'May call', 'Flows');
        for (const r of routes.filter(
          (x) => x.owner !== tenant && (x.callers.includes(tenant) || x.callers.includes('*')),
        )) {
          expect(
            callable.some((l) => l.includes(r.path) && (r.guards === undefined || l.endsWith(`guards ${r.guards}`))),
            r.path,
          ).toBe(true);
        }
        for (const r of routes.filter(
          (x) => x.owner !== tenant && !x.callers.includes(tenant) && !x.callers.includes('*'),
        )) {
          expect(text).not.toContain(r.path);
        }

        // NetworkPolicies: every peer namespace, CIDR and port, in the right direction, with its policy.
        const egress = section(lines, '  egress to', '  ingress from');
        const ingress = section(lines, '  ingress from', 'Mesh');
        const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
        expect(policies.length).toBeGreaterThan(0);
        for (const p of policies) {
          for (const [dir, rows, key] of [
            ['egress', egress, 'to'],
            ['ingress', ingress, 'from'],
          ] as const) {
            for (const rule of p.spec[dir] ?? []) {
              const ports = (rule.ports ?? []).map(
                (x: { port: number; protocol: string }) => `${x.port}/${x.protocol}`,
              );
              for (const peer of rule[key] ?? []) {
                const where =
                  peer.ipBlock?.cidr ??
                  peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ??
                  ns.metadata.name;
                const row = rows.find(
                  (l) => l.includes(p.metadata.name) && l.includes(where) && ports.every((x: string) => l.includes(x)),
                );
                expect(row, `${p.metadata.name} ${dir} ${where}`).toBeDefined();
              }
            }
          }
        }
        expect(lines.find((l) => l.startsWith('Network'))).toContain('default-deny');

        // Istio AuthorizationPolicies: ztunnel's (Mesh) and the waypoint's (Waypoint), every principal's namespace.
        for (const ap of objects.filter((o) => o.kind === 'AuthorizationPolicy')) {
          const line = lines.find(
            (l) =>
              l.startsWith(ap.spec.targetRefs ? 'Waypoint' : 'Mesh') &&
              l.includes(`AuthorizationPolicy ${ap.metadata.name}`),
          )!;
          expect(line, ap.metadata.name).toContain(`: ${ap.spec.action}`);
          if (ap.spec.targetRefs) expect(line).toContain(`on Gateway ${ap.spec.targetRefs[0].name}`);
          for (const rule of ap.spec.rules)
            for (const f of rule.from) for (const pr of f.source.principals) expect(line).toContain(pr.split('/')[2]);
        }

        // Flows: the policies that admit callers from outside (token) and inside (workload identity).
        const flows = section(lines, 'Flows', 'Network');
        for (const p of objects.filter(
          (o) => o.kind === 'AgentgatewayPolicy' && o.metadata.name.endsWith('-callers'),
        )) {
          const row = flows.find((l) =>
            l.trimStart().startsWith(p.metadata.name.endsWith('-mesh-callers') ? 'from inside' : 'from outside'),
          )!;
          expect(row, p.metadata.name).toContain(p.metadata.name);
        }
        expect(flows.find((l) => l.trimStart().startsWith('to kagent'))).toContain('kagent-waypoint:15008');

        // Where the external gateway answers, and whether it is reachable from the internet.
        const table = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', env.name, 'routes.json'), 'utf8'));
        const routesLine = lines.find((l) => l.startsWith('Routes'))!;
        expect(routesLine).toContain(table.gateways.external.url);
        expect(routesLine).toContain(
          table.gateways.external.exposure === 'internal' ? 'internal load balancer' : 'internet-facing load balancer',
        );

        // Argo CD projects: destinations and every allowed kind.
        const argo = section(lines, 'Argo CD', 'Workloads');
        const projects = objects.filter((o) => o.kind === 'AppProject');
        expect(projects.map((p) => p.metadata.name).sort()).toEqual([
          `guardrails-${tenant}`,
          `namespace-${tenant}`,
          `tenant-${tenant}`,
        ]);
        for (const p of projects) {
          const row = argo.find((l) => l.trimStart().startsWith(`${p.metadata.name} `))!;
          for (const d of p.spec.destinations) expect(row).toContain(d.namespace || 'cluster scope');
          for (const k of [...(p.spec.namespaceResourceWhitelist ?? []), ...(p.spec.clusterResourceWhitelist ?? [])])
            expect(row).toContain(k.kind);
        }

        // Workloads: every object the tenant declares (dist/<env>/tenants/<tenant>/workloads/), its
        // ModelConfigs once each, on the Models lines.
        const workloads = section(lines, 'Workloads', 'Models');
        const modelLines = section(lines, 'Models', 'Secrets').slice(1);
        const declared = env.manifests.filter(
          (m) => m.file.startsWith(`dist/${env.name}/tenants/${tenant}/workloads/`) && m.object.kind !== 'Service',
        );
        expect(declared.length).toBeGreaterThan(0);
        for (const m of declared) {
          const shown =
            m.object.kind === 'ModelConfig'
              ? modelLines.some((l) => l.trimStart().startsWith(`${m.object.metadata.name} `))
              : workloads.some((l) => l.trimStart().startsWith(`${m.object.kind} ${m.object.metadata.name} `));
          expect(shown, m.file).toBe(true);
        }
        expect(workloads.filter((l) => l.trimStart().startsWith('ModelConfig '))).toEqual([]);

        // Secrets read from AWS Secrets Manager.
        for (const es of objects.filter((o) => o.kind === 'ExternalSecret')) {
          expect(text).toContain(`Secret ${es.spec.target.name} <- AWS Secrets Manager`);
          for (const d of es.spec.data) expect(text).toContain(`/${tenant}/${d.remoteRef.key}`);
        }
      });
    }
  }

  // What a ModelConfig's requests reach is read from the compiled objects: the HTTPRoute on the mesh
  // gateway with the longest matching PathPrefix (gateway-api v1.6.1 HTTPRouteRule precedence; a
  // PathPrefix matches whole path elements) and the AgentgatewayBackend behind it, whose provider
  // model, when set, replaces the request's (agentgateway v1.4.1 crates/llm/src/openai.rs and
  // anthropic.rs: "Model ID to send ..., overriding the model in the client request";
  // crates/agentgateway/src/llm/mod.rs set_provider_request_model).
  describe('Models: what each ModelConfig actually sends', () => {
    const env = output.environments[0];
    const objects = env.manifests.map((m) => m.object);
    const routes = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', env.name, 'routes.json'), 'utf8'));
    const models = (lines: readonly string[]) =>
      section(lines, 'Models', 'Secrets')
        .slice(1)
        .map((l) => l.trim().replace(/\s{2,}/g, '  '));
    /** The objects with one of them replaced. */
    const edited = (kind: string, namespace: string, name: string, edit: (o: any) => void) =>
      objects.map((o) => {
        if (o.kind !== kind || o.metadata.namespace !== namespace || o.metadata.name !== name) return o;
        const copy = structuredClone(o);
        edit(copy);
        return copy;
      });

    it('follows the committed output: the platform backend pins no model, a tenant backend pins its own', () => {
      expect(models(explainTenant({ tenant: 'alpha', env: env.name, objects, routes }))).toEqual([
        'default-model-config  Anthropic claude-sonnet-4-20250514  -> /llm/default/anthropic -> AgentgatewayBackend agentgateway-system/anthropic (anthropic, pins no model): sends claude-sonnet-4-20250514',
      ]);
      expect(models(explainTenant({ tenant: 'beta', env: env.name, objects, routes }))).toEqual([
        'default-model-config  Anthropic claude-sonnet-4-20250514  -> /llm/default/anthropic -> AgentgatewayBackend agentgateway-system/anthropic (anthropic, pins no model): sends claude-sonnet-4-20250514',
        'gpt  OpenAI gpt-4.1-mini  -> /llm/tenant-beta/openai -> AgentgatewayBackend tenant-beta/openai (openai, pins gpt-4.1-mini): sends gpt-4.1-mini',
      ]);
      const research = explainTenant({ tenant: 'research', env: env.name, objects, routes });
      expect(research.find((l) => l.startsWith('  Agent librarian '))).toMatch(
        /^ {2}Agent librarian +declarative, ModelConfig claude-haiku \(sends claude-haiku-4-5\)$/,
      );
    });

    it('planted: a backend that pins another model shows that model as sent, on the model and on the agent', () => {
      const pinned = edited(
        'AgentgatewayBackend',
        'agentgateway-system',
        'anthropic',
        (o) => (o.spec.ai.provider.anthropic = { model: 'claude-opus-4-1' }),
      );
      const lines = explainTenant({ tenant: 'alpha', env: env.name, objects: pinned, routes });
      expect(models(lines)).toEqual([
        'default-model-config  Anthropic claude-sonnet-4-20250514  -> /llm/default/anthropic -> AgentgatewayBackend agentgateway-system/anthropic (anthropic, pins claude-opus-4-1, which overrides claude-sonnet-4-20250514): sends claude-opus-4-1',
      ]);
      expect(lines.find((l) => l.includes('Agent triage'))).toContain(
        'declarative, ModelConfig default-model-config (sends claude-opus-4-1)',
      );
    });

    it('planted: the longest matching prefix takes the requests, a missing route fails, one that does not admit the tenant is refused, a direct URL bypasses the gateway', () => {
      // A route at /llm (shorter) to a backend that pins a model: /llm/default/anthropic still takes
      // the default model's requests; a baseUrl only /llm matches goes to the catch-all.
      const catchAll = structuredClone(
        objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'llm-default-anthropic')!,
      );
      catchAll.metadata.name = 'llm-catch-all';
      catchAll.spec.rules[0].matches[0].path.value = '/llm';
      catchAll.spec.rules[0].backendRefs[0].name = 'catch-all';
      const backend = structuredClone(
        objects.find((o) => o.kind === 'AgentgatewayBackend' && o.metadata.name === 'anthropic')!,
      );
      backend.metadata.name = 'catch-all';
      backend.spec.ai.provider.anthropic = { model: 'claude-x' };
      const both = [catchAll, ...objects, backend];
      expect(models(explainTenant({ tenant: 'alpha', env: env.name, objects: both, routes }))[0]).toContain(
        '-> /llm/default/anthropic -> AgentgatewayBackend agentgateway-system/anthropic (anthropic, pins no model): sends claude-sonnet-4-20250514',
      );
      const other = both.map((o) =>
        o.kind === 'ModelConfig' && o.metadata.namespace === 'tenant-alpha'
          ? {
              ...o,
              spec: {
                ...o.spec,
                anthropic: { baseUrl: 'http://agentgateway-mesh.agentgateway-system.svc.cluster.local/llm/other' },
              },
            }
          : o,
      );
      expect(models(explainTenant({ tenant: 'alpha', env: env.name, objects: other, routes }))[0]).toContain(
        '-> /llm -> AgentgatewayBackend agentgateway-system/catch-all (anthropic, pins claude-x, which overrides claude-sonnet-4-20250514): sends claude-x',
      );

      const elsewhere = edited(
        'ModelConfig',
        'tenant-alpha',
        'default-model-config',
        (o) =>
          (o.spec.anthropic.baseUrl =
            'http://agentgateway-mesh.agentgateway-system.svc.cluster.local/llm/default/anthropicx'),
      );
      expect(models(explainTenant({ tenant: 'alpha', env: env.name, objects: elsewhere, routes }))).toEqual([
        'default-model-config  Anthropic claude-sonnet-4-20250514  -> /llm/default/anthropicx: no route of agentgateway-mesh matches; every request fails (404)',
      ]);

      const closed = {
        ...routes,
        routes: routes.routes.map((r: any) => (r.path === '/llm/default/anthropic' ? { ...r, callers: ['beta'] } : r)),
      };
      expect(models(explainTenant({ tenant: 'alpha', env: env.name, objects, routes: closed }))[0]).toContain(
        '(anthropic, pins no model) (the route admits beta, not alpha: 403): sends claude-sonnet-4-20250514',
      );

      const direct = edited(
        'ModelConfig',
        'tenant-alpha',
        'default-model-config',
        (o) => (o.spec.anthropic.baseUrl = 'https://api.anthropic.com'),
      );
      expect(models(explainTenant({ tenant: 'alpha', env: env.name, objects: direct, routes }))).toEqual([
        'default-model-config  Anthropic claude-sonnet-4-20250514  -> https://api.anthropic.com, not through the mesh gateway: sends claude-sonnet-4-20250514',
      ]);
    });

    it('matches a PathPrefix by whole path elements', () => {
      expect(underPrefix('/llm/default/anthropic', '/llm/default/anthropic')).toBe(true);
      expect(underPrefix('/llm/default/anthropic/v1', '/llm/default/anthropic/')).toBe(true);
      expect(underPrefix('/llm/default/anthropicx', '/llm/default/anthropic')).toBe(false);
      expect(underPrefix('/anything', '/')).toBe(true);
    });
  });

  it('says so when an environment keeps its external gateway internal', () => {
    const env = output.environments[0];
    const routes = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', env.name, 'routes.json'), 'utf8'));
    const internal = {
      ...routes,
      gateways: { ...routes.gateways, external: { ...routes.gateways.external, exposure: 'internal' } },
    };
    const lines = explainTenant({
      tenant: 'alpha',
      env: env.name,
      objects: env.manifests.map((m) => m.object),
      routes: internal,
    });
    expect(lines.find((l) => l.startsWith('Routes'))).toContain(
      `outside at ${routes.gateways.external.url} (internal load balancer: the VPC and networks connected to it only)`,
    );
  });

  it('defaults to the first environment and names the others', async () => {
    const { lines } = await explain('alpha');
    expect(lines[0]).toBe(`Tenant alpha (Team Alpha) in ${output.environments[0].name}: Customer-support agents.`);
    expect(lines[1]).toBe(
      `  other environments: ${output.environments
        .slice(1)
        .map((e) => e.name)
        .join(', ')} (--env ${output.environments.length === 2 ? output.environments[1].name : '<env>'})`,
    );
  });

  it('refuses an unknown tenant or environment in one line, listing the known ones', async () => {
    expect(await explain('zeta')).toEqual({
      code: 1,
      lines: [],
      err: [`explain: unknown tenant "zeta" in ${output.environments[0].name}; tenants: alpha, beta, research`],
    });
    expect(await explain('alpha', '--env', 'qa')).toEqual({
      code: 1,
      lines: [],
      err: [`explain: unknown environment "qa"; environments: ${output.environments.map((e) => e.name).join(', ')}`],
    });
    expect((await explain()).code).toBe(2);
  });

  it("shows where the tenant's traces and dashboards are, who sees them and where its alerts go", async () => {
    const { lines } = await explain('research');
    expect(section(lines, 'Traces', 'Workloads')).toEqual([
      "Traces     Langfuse project research at https://langfuse.dev.agentic.example.com: spans of the pods of tenant-research, and of the gateways' requests to its routes or from its workloads",
      "           key <- AWS Secrets Manager agentic-platform/dev/langfuse-projects/research (the collector's langfuse-tenant-research)",
      'Dashboards Grafana organisation tenant-research at https://grafana.dev.agentic.example.com: "Tenant research" (uid tenant-overview); datasource http://tenant-research.monitoring.svc.cluster.local:8080 sees namespace tenant-research only',
      'Access     Keycloak group /tenants/research (project member, organisation viewer); viewers reviewer@example.com; operators: /platform-operators',
      'Alerts     TenantQuotaNearlyUsed, TenantQuotaExhausted -> Slack #research-alerts (AlertmanagerConfig tenant-alerts, URL in Secret alert-receiver)',
    ]);
    expect(section((await explain('alpha')).lines, 'Alerts', 'Workloads')).toEqual([
      "Alerts     TenantQuotaNearlyUsed, TenantQuotaExhausted -> the platform's Alertmanager receivers (observability.alerts names none)",
    ]);
  });
});
