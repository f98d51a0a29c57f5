/**
 * The published route table against the committed dist/: it lists exactly the HTTPRoutes on the
 * mesh gateway and those of the external gateway, every exposed object of tenants.yaml is on the
 * external gateway and every LLM backend on the mesh gateway, paths are unique, every route's
 * backend exists (or is created by a controller from an object that exists), and every route
 * admits exactly the callers tenants.yaml names, on each gateway in its own way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadTenants } from '../../charts/config/load-tenants';
import { CENTRAL_GATEWAY, KEYCLOAK, MESH_GATEWAY } from '../../charts/lib/constants';
import { environmentRoutes, routeTableJson, routeTableMarkdown } from '../../charts/routing/route-table';
import { mergeGuards, NO_GUARDS, resolveGuards } from '../../charts/config/guards';
import { callersExpression, meshCallersExpression, routeSegment } from '../../charts/config/routes';
import { existingFiles } from '../../charts/synth/write';
import { sampleTenant } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: any;
};
const tenants = loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8'));
/** The trust domain of both shipped environments (charts/environments/*.yaml). */
const TRUST_DOMAIN = 'cluster.local';

for (const env of ['dev', 'prod']) {
  describe(`routes of ${env}`, () => {
    const objects = existingFiles(ROOT, [`dist/${env}`])
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => parse(fs.readFileSync(path.join(ROOT, f), 'utf8')) as Obj);
    const find = (kind: string, namespace: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
    const table = JSON.parse(fs.readFileSync(path.join(ROOT, `dist/${env}/routes.json`), 'utf8'));
    const routesOn = (gateway: string) =>
      objects
        .filter(
          (o) =>
            o.kind === 'HTTPRoute' &&
            o.spec.parentRefs.some(
              (p: any) =>
                p.name === gateway && [CENTRAL_GATEWAY.listener, MESH_GATEWAY.listener].includes(p.sectionName),
            ),
        )
        .flatMap((o) =>
          o.spec.rules.flatMap((r: any) =>
            r.matches.map((m: any) => ({
              path: m.path.value,
              route: `${o.metadata.namespace}/${o.metadata.name}`,
              backend: r.backendRefs[0],
            })),
          ),
        )
        .sort((a: any, b: any) => (a.path < b.path ? -1 : 1));

    it('lists exactly the HTTPRoutes on the mesh gateway, path by path, sorted, and those of the external gateway beside them', () => {
      const mesh = routesOn(MESH_GATEWAY.name);
      expect(table.routes.map((r: any) => r.path)).toEqual(mesh.map((r: any) => r.path));
      for (const [i, r] of table.routes.entries()) {
        expect(r.routes.mesh).toBe(mesh[i].route);
        expect(r.backend.name).toBe(mesh[i].backend.name);
        expect(r.backend.kind).toBe(mesh[i].backend.kind);
        if (mesh[i].backend.port) expect(r.backend.port).toBe(mesh[i].backend.port);
      }
      const external = routesOn(CENTRAL_GATEWAY.name);
      expect(
        table.routes.filter((r: any) => r.gateways.includes('external')).map((r: any) => [r.path, r.routes.external]),
      ).toEqual(external.map((r: any) => [r.path, r.route]));
      const paths = table.routes.map((r: any) => r.path);
      expect(new Set(paths).size).toBe(paths.length);
      expect([...paths].sort()).toEqual(paths);
    });

    it('has a Markdown twin with one row per route, in the same order', () => {
      const md = fs.readFileSync(path.join(ROOT, `dist/${env}/routes.md`), 'utf8');
      const rows = md.split('\n').filter((l) => l.startsWith('| `/'));
      expect(rows.map((l) => /^\| `([^`]+)`/.exec(l)![1])).toEqual(table.routes.map((r: any) => r.path));
    });

    it('puts every exposed object on the external gateway, and every LLM backend on the mesh gateway, nothing else', () => {
      const external: string[] = [];
      const mesh: string[] = [];
      for (const t of tenants) {
        const seg = routeSegment(t);
        const w = t.workloads;
        for (const a of w.agents.filter((x) => x.expose)) external.push(`/a2a/${seg}/${a.name}`);
        for (const b of w.llmBackends.filter((x) => x.expose)) external.push(`/llm/${seg}/${b.name}`);
        for (const s of w.mcpServers.filter((x) => x.expose)) external.push(`/mcp/${seg}/${s.name}`);
        for (const s of w.sandboxes.filter((x) => x.expose)) external.push(`/sandbox/${seg}/${s.name}`);
        for (const b of w.llmBackends) mesh.push(`/llm/${seg}/${b.name}`);
        // The sandbox router's route: on the mesh gateway always, on the external one with expose.
        if (w.sandboxRouter) (w.sandboxRouter.expose ? external : mesh).push(`/sandbox/${seg}`);
      }
      expect(external.length).toBeGreaterThanOrEqual(4);
      const tenantRows = table.routes.filter((r: any) => r.owner !== 'platform');
      expect(
        tenantRows
          .filter((r: any) => r.gateways.includes('external'))
          .map((r: any) => r.path)
          .sort(),
      ).toEqual([...external].sort());
      expect(tenantRows.map((r: any) => r.path).sort()).toEqual([...new Set([...external, ...mesh])].sort());
      // The platform's key serves workloads only: its routes are never on the external gateway.
      for (const r of table.routes.filter((x: any) => x.owner === 'platform')) expect(r.gateways).toEqual(['mesh']);
    });

    it('reaches a backend that exists in dist/ or that a controller creates from an object in dist/', () => {
      const creator: Record<string, string> = { kagent: 'Agent', kmcp: 'MCPServer' };
      for (const r of table.routes) {
        const b = r.backend;
        if (b.createdBy in creator) {
          expect(
            find(creator[b.createdBy], b.namespace, b.name),
            `${r.path}: ${creator[b.createdBy]} ${b.namespace}/${b.name}`,
          ).toBeDefined();
        } else {
          expect(find(b.kind, b.namespace, b.name), `${r.path}: ${b.kind} ${b.namespace}/${b.name}`).toBeDefined();
        }
      }
    });

    it('admits on each route exactly the owner and the tenants it allows: by token outside, by workload identity inside', () => {
      const policyOn = (ref: string) => {
        const [ns, name] = ref.split('/');
        const policies = objects.filter(
          (o) =>
            o.kind === 'AgentgatewayPolicy' &&
            o.spec.traffic &&
            o.metadata.namespace === ns &&
            o.spec.targetRefs?.some((t: any) => t.kind === 'HTTPRoute' && t.name === name),
        );
        expect(policies, ref).toHaveLength(1);
        return policies[0].spec.traffic.authorization;
      };
      for (const r of table.routes) {
        expect(policyOn(r.routes.mesh)).toEqual({
          action: 'Require',
          policy: { matchExpressions: [meshCallersExpression(TRUST_DOMAIN, r.callers)] },
        });
        if (r.routes.external)
          expect(policyOn(r.routes.external)).toEqual({
            action: 'Require',
            policy: { matchExpressions: [callersExpression(KEYCLOAK.tenantClaim, r.callers)] },
          });
        if (r.owner !== 'platform') {
          expect(r.routes.mesh.split('/')[0]).toBe(`tenant-${r.owner}`);
          expect(r.callers[0]).toBe(r.owner);
        }
      }
      const triage = table.routes.find((r: any) => r.path === '/a2a/support/triage');
      expect(triage.callers).toEqual(['alpha', 'research']);
      const sandbox = table.routes.find((r: any) => r.path.startsWith('/sandbox/'));
      expect(sandbox.callers).toEqual([sandbox.owner]);
    });
  });
}

describe('environmentRoutes', () => {
  it('refuses two routes with one path, naming both owners', () => {
    const a = {
      ...sampleTenant('a'),
      alias: 'x',
      workloads: {
        guards: NO_GUARDS,
        agents: [],
        models: [],
        mcpServers: [],
        sandboxes: [{ name: 's', kind: 'Sandbox' as const, image: 'i:1', args: [], port: 1, expose: true }],
        llmBackends: [],
      },
    };
    const b = { ...a, name: 'b', namespace: 'tenant-b' };
    expect(() => environmentRoutes([a, b], [])).toThrow(
      'synth: route /sandbox/x/s is claimed by a and b; give one of them another alias or name',
    );
  });

  it('lists the prompt guards of each LLM route, the platform defaults on the platform route, none elsewhere', () => {
    const guards = mergeGuards([resolveGuards({ request: [{ detect: ['ssn'], action: 'reject' }] })]);
    const platform = {
      path: '/llm/default/anthropic',
      kind: 'llm' as const,
      owner: 'platform',
      namespace: 'agentgateway-system',
      routeNames: { mesh: 'r' },
      external: false,
      exposes: { kind: 'AgentgatewayBackend', name: 'anthropic' },
      backend: {
        kind: 'AgentgatewayBackend' as const,
        namespace: 'agentgateway-system',
        name: 'anthropic',
        createdBy: 'platform' as const,
      },
      callers: ['*'],
      field: [],
    };
    const md = routeTableMarkdown({ name: 'dev', domain: 'dev.example.test', exposure: 'internal' }, [
      { ...platform, guards },
      { ...platform, path: '/llm/default/openai' },
    ]);
    expect(md).toContain('| any tenant | request: reject ssn |');
    expect(md).toContain(
      '| `/llm/default/openai` | llm | platform | mesh | AgentgatewayBackend agentgateway-system/anthropic | any tenant | none |',
    );
    const json = JSON.parse(
      routeTableJson({ name: 'dev', domain: 'dev.example.test', exposure: 'internal' }, [{ ...platform, guards }]),
    );
    expect(json.routes[0].guards).toBe('request: reject ssn');
  });

  it('renders callers of platform routes as any tenant', () => {
    const md = routeTableMarkdown({ name: 'dev', domain: 'dev.example.test', exposure: 'internal' }, [
      {
        path: '/llm/default/anthropic',
        kind: 'llm',
        owner: 'platform',
        namespace: 'agentgateway-system',
        routeNames: { mesh: 'r' },
        external: false,
        exposes: { kind: 'AgentgatewayBackend', name: 'anthropic' },
        backend: {
          kind: 'AgentgatewayBackend',
          namespace: 'agentgateway-system',
          name: 'anthropic',
          createdBy: 'platform',
        },
        callers: ['*'],
        field: [],
      },
    ]);
    expect(md).toContain(
      '| `/llm/default/anthropic` | llm | platform | mesh | AgentgatewayBackend agentgateway-system/anthropic | any tenant | none |',
    );
    expect(md).toContain('`https://gateway.dev.example.test<path>`');
    expect(md).toContain('an internal load balancer, reachable only from the VPC');
  });
});
