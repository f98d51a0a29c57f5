/**
 * The published routing table of an environment, dist/<env>/routes.md and its JSON twin
 * routes.json: every path on the gateways, what it reaches, its owner, who may call it and from
 * where (inside the cluster through the mesh gateway, outside through the external gateway),
 * sorted by path, so that a pull request's diff shows route changes at a glance.
 */
import { guardSummary, type Guards, hasGuards, mergeGuards, NO_GUARDS } from '../config/guards';
import type { Tenant } from '../config/load-tenants';
import {
  ANY_TENANT,
  externalUrl,
  gatewayUrl,
  PLATFORM_OWNER,
  type RouteEntry,
  type RouteKind,
  sortRoutes,
  tenantRoutes,
} from '../config/routes';
import { CENTRAL_GATEWAY, MESH_GATEWAY, ROUTE_PREFIXES, SANDBOX_ROUTER } from '../lib/constants';

/** What the published table needs of an environment. */
export interface RouteTableEnvironment {
  readonly name: string;
  /** Domain of the external gateway's host gateway.<domain>. */
  readonly domain: string;
  /** Whether the external gateway's load balancer has public addresses. */
  readonly exposure: 'internet-facing' | 'internal';
}

interface K8sObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: Record<string, unknown>;
}

/** The platform's own routes, read from its HTTPRoute objects on the gateways: one entry per path. */
export function platformRoutes(objects: readonly K8sObject[]): RouteEntry[] {
  const byPath = new Map<
    string,
    { entry: Omit<RouteEntry, 'routeNames' | 'external'>; mesh?: string; external?: string }
  >();
  for (const o of objects) {
    if (o.kind !== 'HTTPRoute' || !o.apiVersion?.startsWith('gateway.networking.k8s.io/')) continue;
    const spec = o.spec as {
      parentRefs?: { name?: string }[];
      rules?: {
        matches?: { path?: { value?: string } }[];
        backendRefs?: { kind?: string; name?: string; namespace?: string; port?: number }[];
      }[];
    };
    const gateway = spec.parentRefs?.some((p) => p.name === CENTRAL_GATEWAY.name)
      ? 'external'
      : spec.parentRefs?.some((p) => p.name === MESH_GATEWAY.name)
        ? 'mesh'
        : undefined;
    if (!gateway) continue;
    for (const rule of spec.rules ?? []) {
      const b = rule.backendRefs?.[0];
      for (const m of rule.matches ?? []) {
        const path = m.path?.value;
        if (!path || !b?.name) continue;
        const kind = (Object.keys(ROUTE_PREFIXES) as RouteKind[]).find((k) => path.startsWith(`${ROUTE_PREFIXES[k]}/`));
        if (!kind) continue;
        const ns = b.namespace ?? o.metadata?.namespace ?? '';
        const seen = byPath.get(path) ?? {
          entry: {
            path,
            kind,
            owner: PLATFORM_OWNER,
            namespace: o.metadata?.namespace ?? '',
            exposes: { kind: b.kind ?? 'Service', name: b.name },
            backend: {
              kind: b.kind === 'AgentgatewayBackend' ? 'AgentgatewayBackend' : 'Service',
              namespace: ns,
              name: b.name,
              ...(b.port ? { port: b.port } : {}),
              createdBy: 'platform',
            },
            callers: [ANY_TENANT],
            field: [],
          },
        };
        seen[gateway] = o.metadata?.name ?? '';
        byPath.set(path, seen);
      }
    }
  }
  return [...byPath.values()].map(({ entry, mesh, external }) => ({
    ...entry,
    routeNames: { mesh: mesh ?? '', ...(external ? { external } : {}) },
    external: external !== undefined,
  }));
}

/** The platform's own routes, each LLM route with the environment's default prompt guards. */
export function ownRoutes(platformObjects: readonly K8sObject[], platform: Guards = NO_GUARDS): RouteEntry[] {
  const merged = mergeGuards([platform]);
  return platformRoutes(platformObjects).map((r) =>
    r.kind === 'llm' && hasGuards(merged) ? { ...r, guards: merged } : r,
  );
}

/**
 * Every route of an environment, sorted by path; throws when two routes share a path. `platform`:
 * the environment's default prompt guards, which every LLM route enforces.
 */
export function environmentRoutes(
  tenants: readonly Tenant[],
  platformObjects: readonly K8sObject[],
  platform: Guards = NO_GUARDS,
): RouteEntry[] {
  const own = ownRoutes(platformObjects, platform);
  const all = sortRoutes([...own, ...tenants.flatMap((t) => tenantRoutes(t, platform))]);
  for (let i = 1; i < all.length; i++) {
    if (all[i].path === all[i - 1].path) {
      throw new Error(
        `synth: route ${all[i].path} is claimed by ${all[i - 1].owner} and ${all[i].owner}; give one of them another alias or name`,
      );
    }
  }
  return all;
}

const backendText = (r: RouteEntry) =>
  `${r.backend.kind} ${r.backend.namespace}/${r.backend.name}${r.backend.port ? `:${r.backend.port}` : ''}`;
const callersText = (r: RouteEntry) => (r.callers.includes(ANY_TENANT) ? 'any tenant' : r.callers.join(', '));
const guardsText = (r: RouteEntry) => (r.guards ? guardSummary(r.guards) : r.kind === 'llm' ? 'none' : '');

/** The gateways a route is on: always the mesh gateway, the external one when exposed. */
export function routeGateways(r: RouteEntry): ('mesh' | 'external')[] {
  return r.external ? ['mesh', 'external'] : ['mesh'];
}

/** routes.json: the table as data. */
export function routeTableJson(env: RouteTableEnvironment, routes: readonly RouteEntry[]): string {
  const rows = routes.map((r) => ({
    path: r.path,
    kind: r.kind,
    owner: r.owner,
    gateways: routeGateways(r),
    routes: {
      mesh: `${r.namespace}/${r.routeNames.mesh}`,
      ...(r.routeNames.external ? { external: `${r.namespace}/${r.routeNames.external}` } : {}),
    },
    url: { mesh: gatewayUrl(r.path), ...(r.external ? { external: externalUrl(env.domain, r.path) } : {}) },
    exposes: `${r.exposes.kind}/${r.exposes.name}`,
    backend: {
      kind: r.backend.kind,
      namespace: r.backend.namespace,
      name: r.backend.name,
      ...(r.backend.port ? { port: r.backend.port } : {}),
      createdBy: r.backend.createdBy,
    },
    callers: [...r.callers],
    ...(r.guards ? { guards: guardSummary(r.guards) } : {}),
    ...(r.requestHeaders
      ? { requestHeaders: { set: r.requestHeaders.set.map((h) => ({ ...h })), remove: [...r.requestHeaders.remove] } }
      : {}),
  }));
  const gateways = {
    mesh: `${MESH_GATEWAY.namespace}/${MESH_GATEWAY.name}`,
    external: {
      gateway: `${CENTRAL_GATEWAY.namespace}/${CENTRAL_GATEWAY.name}`,
      url: externalUrl(env.domain, ''),
      exposure: env.exposure,
    },
  };
  return `${JSON.stringify({ environment: env.name, gateways, routes: rows }, null, 2)}\n`;
}

/** The paragraph on sandbox routers, when the table has one. */
function routers(routes: readonly RouteEntry[]): string {
  const r = routes.find((x) => x.requestHeaders);
  if (!r) return '';
  const H = SANDBOX_ROUTER.headers;
  return `
A \`/sandbox/<segment>\` path without a name is a tenant's sandbox router: the \`${H.id}\` header
names the sandbox (a SandboxClaim of one of its templates), \`${H.port}\` its port. The gateways
set \`${H.namespace}\` to the owner's namespace and remove ${r.requestHeaders!.remove.map((h) => `\`${h}\``).join(' and ')}, whatever the client sends.
`;
}

/** routes.md: the table for reviewers. */
export function routeTableMarkdown(env: RouteTableEnvironment, routes: readonly RouteEntry[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = routes.map(
    (r) =>
      `| \`${r.path}\` | ${r.kind} | ${esc(r.owner)} | ${routeGateways(r).join(', ')} | ${esc(backendText(r))} | ${esc(callersText(r))} | ${esc(guardsText(r))} |`,
  );
  const where =
    env.exposure === 'internal'
      ? 'an internal load balancer, reachable only from the VPC and the networks connected to it'
      : 'an internet-facing load balancer';
  return `# Routes of ${env.name}

_Generated by \`npm run synth\`; do not edit. Change \`tenants.yaml\` and synthesize again._

Every path on the platform's gateways, sorted. Each path's prefix is rewritten to \`/\` before it
reaches its backend, and callers other than the listed ones get 403.

- **mesh**: inside the cluster, \`${gatewayUrl('')}<path>\` (\`${MESH_GATEWAY.namespace}/${MESH_GATEWAY.name}\`).
  A caller is admitted by its workload's mesh identity: a pod of a listed tenant's namespace.
- **external**: outside the cluster, \`${externalUrl(env.domain, '')}<path>\` (\`${CENTRAL_GATEWAY.namespace}/${CENTRAL_GATEWAY.name}\`,
  ${where}). A caller needs a platform token whose \`tenant\` claim names a listed tenant.

Guards: the prompt guards of an LLM route (the platform's defaults and the owner's, merged), on
the prompt (request) and on the provider's answer (response).

Routes that the auto-expose policy creates at run time for objects outside tenants.yaml are not listed.
${routers(routes)}
| Path | Kind | Owner | Gateways | Backend | Callers | Guards |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}
