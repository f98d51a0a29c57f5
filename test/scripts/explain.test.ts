import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { explainCommand, spec } from '../../scripts/explain';
import { explainTenant } from '../../scripts/explain/explain';
import { readOutput } from '../../scripts/gates/manifests';
import { runCommand } from '../../scripts/lib/cli';

const ROOT = path.resolve(__dirname, '..', '..');
const output = readOutput(ROOT, ROOT);
const TENANT_LABEL = 'platform.agentic.io/tenant-name';

/** Output lines of `npm run explain -- <args>` on the committed dist/ and argocd/. */
async function explain(...args: string[]): Promise<{ code: number; lines: string[]; err: string[] }> {
  const lines: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(...a.join(' ').split('\n')));
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

        // One screen.
        expect(lines.length).toBeLessThanOrEqual(55);
        const ns = one('Namespace');
        expect(lines[0]).toBe(`Tenant ${tenant}${ns.metadata.annotations?.['platform.agentic.io/display-name'] ? ` (${ns.metadata.annotations['platform.agentic.io/display-name']})` : ''} in ${env.name}${ns.metadata.annotations?.['platform.agentic.io/description'] ? `: ${ns.metadata.annotations['platform.agentic.io/description']}` : ''}`);

        // Namespace labels: pod security levels, ambient mode, waypoint.
        const nsLine = lines.find((l) => l.startsWith('Namespace'))!;
        const labels = ns.metadata.labels;
        expect(nsLine).toContain(`${ns.metadata.name}:`);
        for (const mode of ['enforce', 'warn', 'audit']) expect(nsLine).toContain(`${mode} ${labels[`pod-security.kubernetes.io/${mode}`]}`);
        expect(nsLine).toContain(labels['pod-security.kubernetes.io/enforce-version']);
        expect(nsLine).toContain(`Istio ${labels['istio.io/dataplane-mode']}`);
        expect(nsLine).toContain(`waypoint ${labels['istio.io/use-waypoint']}`);

        // Quota: exactly the ResourceQuota's hard limits.
        const quota = lines.find((l) => l.startsWith('Quota'))!.replace(/^Quota\s+/, '').split(', ');
        expect(quota.sort()).toEqual(Object.entries(one('ResourceQuota').spec.hard).map(([k, v]) => `${k} ${v}`).sort());

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
        const routes = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', env.name, 'routes.json'), 'utf8')).routes as { path: string; kind: string; owner: string; callers: string[]; exposes: string; guards?: string }[];
        const owned = section(lines, 'Routes', 'May call');
        // Each LLM route also lists the prompt guards it enforces.
        const tail = (r: (typeof routes)[number]) => `callers ${r.callers.join(', ')}${r.kind === 'llm' ? `  guards ${r.guards ?? 'none'}` : ''}`;
        for (const r of routes.filter((x) => x.owner === tenant)) {
          expect(owned.some((l) => l.includes(r.path) && l.includes(r.exposes) && l.endsWith(tail(r))), r.path).toBe(true);
        }
        expect(owned.filter((l) => l.startsWith('  /'))).toHaveLength(routes.filter((x) => x.owner === tenant).length);
        const callable = section(lines, 'May call', 'Flows');
        for (const r of routes.filter((x) => x.owner !== tenant && (x.callers.includes(tenant) || x.callers.includes('*')))) {
          expect(callable.some((l) => l.includes(r.path) && (r.guards === undefined || l.endsWith(`guards ${r.guards}`))), r.path).toBe(true);
        }
        for (const r of routes.filter((x) => x.owner !== tenant && !x.callers.includes(tenant) && !x.callers.includes('*'))) {
          expect(text).not.toContain(r.path);
        }

        // NetworkPolicies: every peer namespace, CIDR and port, in the right direction, with its policy.
        const egress = section(lines, '  egress to', '  ingress from');
        const ingress = section(lines, '  ingress from', 'Mesh');
        const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
        expect(policies.length).toBeGreaterThan(0);
        for (const p of policies) {
          for (const [dir, rows, key] of [['egress', egress, 'to'], ['ingress', ingress, 'from']] as const) {
            for (const rule of p.spec[dir] ?? []) {
              const ports = (rule.ports ?? []).map((x: { port: number; protocol: string }) => `${x.port}/${x.protocol}`);
              for (const peer of rule[key] ?? []) {
                const where = peer.ipBlock?.cidr ?? peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? ns.metadata.name;
                const row = rows.find((l) => l.includes(p.metadata.name) && l.includes(where) && ports.every((x: string) => l.includes(x)));
                expect(row, `${p.metadata.name} ${dir} ${where}`).toBeDefined();
              }
            }
          }
        }
        expect(lines.find((l) => l.startsWith('Network'))).toContain('default-deny');

        // Istio AuthorizationPolicies: ztunnel's (Mesh) and the waypoint's (Waypoint), every principal's namespace.
        for (const ap of objects.filter((o) => o.kind === 'AuthorizationPolicy')) {
          const line = lines.find((l) => l.startsWith(ap.spec.targetRefs ? 'Waypoint' : 'Mesh') && l.includes(`AuthorizationPolicy ${ap.metadata.name}`))!;
          expect(line, ap.metadata.name).toContain(`: ${ap.spec.action}`);
          if (ap.spec.targetRefs) expect(line).toContain(`on Gateway ${ap.spec.targetRefs[0].name}`);
          for (const rule of ap.spec.rules) for (const f of rule.from) for (const pr of f.source.principals) expect(line).toContain(pr.split('/')[2]);
        }

        // Flows: the policies that admit callers from outside (token) and inside (workload identity).
        const flows = section(lines, 'Flows', 'Network');
        for (const p of objects.filter((o) => o.kind === 'AgentgatewayPolicy' && o.metadata.name.endsWith('-callers'))) {
          const row = flows.find((l) => l.trimStart().startsWith(p.metadata.name.endsWith('-mesh-callers') ? 'from inside' : 'from outside'))!;
          expect(row, p.metadata.name).toContain(p.metadata.name);
        }
        expect(flows.find((l) => l.trimStart().startsWith('to kagent'))).toContain('kagent-waypoint:15008');

        // Where the external gateway answers, and whether it is reachable from the internet.
        const table = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', env.name, 'routes.json'), 'utf8'));
        const routesLine = lines.find((l) => l.startsWith('Routes'))!;
        expect(routesLine).toContain(table.gateways.external.url);
        expect(routesLine).toContain(table.gateways.external.exposure === 'internal' ? 'internal load balancer' : 'internet-facing load balancer');

        // Argo CD projects: destinations and every allowed kind.
        const argo = section(lines, 'Argo CD', 'Workloads');
        const projects = objects.filter((o) => o.kind === 'AppProject');
        expect(projects.map((p) => p.metadata.name).sort()).toEqual([`guardrails-${tenant}`, `namespace-${tenant}`, `tenant-${tenant}`]);
        for (const p of projects) {
          const row = argo.find((l) => l.trimStart().startsWith(`${p.metadata.name} `))!;
          for (const d of p.spec.destinations) expect(row).toContain(d.namespace || 'cluster scope');
          for (const k of [...(p.spec.namespaceResourceWhitelist ?? []), ...(p.spec.clusterResourceWhitelist ?? [])]) expect(row).toContain(k.kind);
        }

        // Workloads: every object the tenant declares (dist/<env>/tenants/<tenant>/workloads/).
        const workloads = section(lines, 'Workloads', 'Secrets');
        const declared = env.manifests.filter((m) => m.file.startsWith(`dist/${env.name}/tenants/${tenant}/workloads/`) && m.object.kind !== 'Service');
        expect(declared.length).toBeGreaterThan(0);
        for (const m of declared) expect(workloads.some((l) => l.trimStart().startsWith(`${m.object.kind} ${m.object.metadata.name} `)), m.file).toBe(true);

        // Secrets read from AWS Secrets Manager.
        for (const es of objects.filter((o) => o.kind === 'ExternalSecret')) {
          expect(text).toContain(`Secret ${es.spec.target.name} <- AWS Secrets Manager`);
          for (const d of es.spec.data) expect(text).toContain(`/${tenant}/${d.remoteRef.key}`);
        }
      });
    }
  }

  it('says so when an environment keeps its external gateway internal', () => {
    const env = output.environments[0];
    const routes = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', env.name, 'routes.json'), 'utf8'));
    const internal = { ...routes, gateways: { ...routes.gateways, external: { ...routes.gateways.external, exposure: 'internal' } } };
    const lines = explainTenant({ tenant: 'alpha', env: env.name, objects: env.manifests.map((m) => m.object), routes: internal });
    expect(lines.find((l) => l.startsWith('Routes'))).toContain(`outside at ${routes.gateways.external.url} (internal load balancer: the VPC and networks connected to it only)`);
  });

  it('defaults to the first environment and names the others', async () => {
    const { lines } = await explain('alpha');
    expect(lines[0]).toBe(`Tenant alpha (Team Alpha) in ${output.environments[0].name}: Customer-support agents.`);
    expect(lines[1]).toBe(`  other environments: ${output.environments.slice(1).map((e) => e.name).join(', ')} (--env ${output.environments.length === 2 ? output.environments[1].name : '<env>'})`);
  });

  it('refuses an unknown tenant or environment in one line, listing the known ones', async () => {
    expect(await explain('zeta')).toEqual({ code: 1, lines: [], err: [`explain: unknown tenant "zeta" in ${output.environments[0].name}; tenants: alpha, beta, research`] });
    expect(await explain('alpha', '--env', 'qa')).toEqual({ code: 1, lines: [], err: [`explain: unknown environment "qa"; environments: ${output.environments.map((e) => e.name).join(', ')}`] });
    expect((await explain()).code).toBe(2);
  });

  it('shows where the tenant\'s traces and dashboards are, who sees them and where its alerts go', async () => {
    const { lines } = await explain('research');
    expect(section(lines, 'Traces', 'Workloads')).toEqual([
      "Traces     Langfuse project research at https://langfuse.dev.agentic.example.com: spans of the pods of tenant-research, and of the gateways' requests to its routes or from its workloads",
      "           key <- AWS Secrets Manager agentic-platform/dev/langfuse-projects/research (the collector's langfuse-tenant-research)",
      'Dashboards Grafana organisation tenant-research at https://grafana.dev.agentic.example.com: "Tenant research" (uid tenant-overview); datasource http://tenant-research.monitoring.svc.cluster.local:8080 sees namespace tenant-research only',
      'Access     Keycloak group /tenants/research (project member, organisation viewer); viewers reviewer@example.com; operators: /platform-operators',
      'Alerts     TenantQuotaNearlyUsed, TenantQuotaExhausted -> Slack #research-alerts (AlertmanagerConfig tenant-alerts, URL in Secret alert-receiver)',
    ]);
    expect(section((await explain('alpha')).lines, 'Alerts', 'Workloads')).toEqual(["Alerts     TenantQuotaNearlyUsed, TenantQuotaExhausted -> the platform's Alertmanager receivers (observability.alerts names none)"]);
  });
});
