/**
 * In-memory fakes of the three HTTP APIs the access sync calls, each answering as the cited
 * upstream handler does (status codes, bodies, the checks that refuse a call), so the shipped
 * program can be run against them:
 *
 * - Keycloak 26 (the realm's token endpoint; admin REST API GroupsResource.getGroupByPath,
 *   GroupResource.getMembers with first/max paging and briefRepresentation).
 * - Langfuse v3.150.0: web/src/pages/api/admin/organizations/[organizationId]/apiKeys (admin API,
 *   Bearer ADMIN_API_KEY); web/src/pages/api/public/organizations/{projects,memberships},
 *   projects/index.ts (POST: 409 on a taken name), projects/[projectId]/apiKeys (predefined keys
 *   need both, pk-lf-/sk-lf-), projects/[projectId]/memberships (PUT: 404 unless the user is a
 *   member of the organisation), scim/Users (POST: 409 when already a member; creates the user
 *   and its organisation membership with the role given, NONE by default). Organisation keys only.
 * - Grafana's HTTP API (orgs, org users, users/lookup, datasources by uid, dashboards/db), an org
 *   chosen by the X-Grafana-Org-Id header; an org's creator becomes its Admin.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = any;

export interface FakeServer {
  readonly url: string;
  /** Every request: method, path (with query) and body. */
  readonly calls: { method: string; path: string; body: Json }[];
  close(): Promise<void>;
}

async function serve(
  handler: (method: string, url: URL, headers: http.IncomingHttpHeaders, body: Json) => [number, Json?],
): Promise<FakeServer> {
  const calls: FakeServer['calls'] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body =
        (req.headers['content-type'] ?? '').includes('json') && raw
          ? JSON.parse(raw)
          : raw
            ? Object.fromEntries(new URLSearchParams(raw))
            : undefined;
      calls.push({ method: req.method ?? 'GET', path: url.pathname + url.search, body });
      const [status, out] = handler(req.method ?? 'GET', url, req.headers, body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(out === undefined ? '' : JSON.stringify(out));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

export interface KeycloakUser {
  readonly email: string;
  readonly enabled?: boolean;
}

/** Keycloak: groups by path, their members; the client credentials grant of one client. */
export async function fakeKeycloak(
  realm: string,
  client: { id: string; secret: string },
  groups: Map<string, KeycloakUser[]>,
  failMembers = false,
): Promise<FakeServer> {
  const token = 'kc-token';
  const ids = new Map([...groups.keys()].map((p, i) => [`g${i}`, p]));
  return serve((method, url, headers, body) => {
    if (method === 'POST' && url.pathname === `/realms/${realm}/protocol/openid-connect/token`) {
      if (
        body?.grant_type !== 'client_credentials' ||
        body.client_id !== client.id ||
        body.client_secret !== client.secret
      )
        return [401, { error: 'unauthorized_client' }];
      return [200, { access_token: token, token_type: 'Bearer' }];
    }
    if (headers.authorization !== `Bearer ${token}`) return [401, { error: 'HTTP 401 Unauthorized' }];
    const byPath = url.pathname.match(new RegExp(`^/admin/realms/${realm}/group-by-path/(.+)$`));
    if (method === 'GET' && byPath) {
      const p = '/' + byPath[1].split('/').map(decodeURIComponent).join('/');
      const id = [...ids].find(([, path]) => path === p)?.[0];
      return id ? [200, { id, path: p }] : [404, { error: 'Group path does not exist' }];
    }
    const members = url.pathname.match(new RegExp(`^/admin/realms/${realm}/groups/([^/]+)/members$`));
    if (method === 'GET' && members) {
      if (failMembers) return [500, { error: 'unknown_error' }];
      const all = (groups.get(ids.get(members[1]) ?? '') ?? []).map((u, i) => ({
        id: `u-${u.email}`,
        username: `user${i}`,
        email: u.email,
        enabled: u.enabled ?? true,
      }));
      const first = Number(url.searchParams.get('first') ?? 0);
      const max = Number(url.searchParams.get('max') ?? 100);
      return [200, all.slice(first, first + max)];
    }
    return [404, { error: 'not found' }];
  });
}

export interface LangfuseState {
  users: { id: string; email: string }[];
  orgMembers: { userId: string; role: string }[];
  projects: { id: string; name: string; metadata: Json }[];
  projectMembers: { projectId: string; userId: string; role: string }[];
  keys: { id: string; scope: 'ORGANIZATION' | 'PROJECT'; entityId: string; publicKey: string; secretKey: string }[];
}

/** Langfuse's organisation and project APIs for one organisation. */
export async function fakeLangfuse(orgId: string, adminApiKey: string, state: LangfuseState): Promise<FakeServer> {
  let n = 0;
  const next = (p: string) => `${p}${++n}`;
  const emailOf = (userId: string) => state.users.find((u) => u.id === userId)?.email;
  return serve((method, url, headers, body) => {
    const p = url.pathname;
    const adminKeys = p.match(/^\/api\/admin\/organizations\/([^/]+)\/apiKeys(?:\/([^/]+))?$/);
    if (adminKeys) {
      if (headers.authorization !== `Bearer ${adminApiKey}`) return [401, { error: 'Unauthorized: Invalid token' }];
      if (adminKeys[1] !== orgId) return [404, { error: 'Organization not found' }];
      if (method === 'POST' && !adminKeys[2]) {
        const key = {
          id: next('key'),
          scope: 'ORGANIZATION' as const,
          entityId: orgId,
          publicKey: `pk-lf-${next('o')}`,
          secretKey: `sk-lf-${next('o')}`,
        };
        state.keys.push(key);
        return [201, { id: key.id, publicKey: key.publicKey, secretKey: key.secretKey }];
      }
      if (method === 'DELETE' && adminKeys[2]) {
        const i = state.keys.findIndex((k) => k.id === adminKeys[2] && k.scope === 'ORGANIZATION');
        if (i < 0) return [404, { error: 'API key not found' }];
        state.keys.splice(i, 1);
        return [200, { success: true }];
      }
    }
    // Public API: organisation keys only (Basic pk:sk).
    const basic = Buffer.from(String(headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    const key = state.keys.find((k) => `${k.publicKey}:${k.secretKey}` === basic);
    if (!key) return [401, { message: 'Invalid credentials' }];
    if (key.scope !== 'ORGANIZATION')
      return [403, { error: 'Invalid API key. Organization-scoped API key required for this operation.' }];
    if (method === 'GET' && p === '/api/public/organizations/projects')
      return [200, { projects: state.projects.map((x) => ({ ...x })) }];
    if (method === 'POST' && p === '/api/public/projects') {
      if (state.projects.some((x) => x.name === body.name))
        return [409, { message: 'A project with this name already exists in your organization' }];
      const project = { id: next('proj'), name: body.name, metadata: body.metadata };
      state.projects.push(project);
      return [201, { ...project }];
    }
    const pk = p.match(/^\/api\/public\/projects\/([^/]+)\/apiKeys(?:\/([^/]+))?$/);
    if (pk) {
      if (!state.projects.some((x) => x.id === pk[1])) return [404, { message: 'Project not found' }];
      if (method === 'GET')
        return [
          200,
          {
            apiKeys: state.keys
              .filter((k) => k.scope === 'PROJECT' && k.entityId === pk[1])
              .map((k) => ({ id: k.id, publicKey: k.publicKey, displaySecretKey: 'sk-lf-...' })),
          },
        ];
      if (method === 'POST') {
        if (!body.publicKey !== !body.secretKey)
          return [
            400,
            { message: 'Both publicKey and secretKey must be provided together when specifying predefined keys' },
          ];
        if (!String(body.publicKey).startsWith('pk-lf-') || !String(body.secretKey).startsWith('sk-lf-'))
          return [400, { message: "publicKey must start with 'pk-lf-'" }];
        const k = {
          id: next('key'),
          scope: 'PROJECT' as const,
          entityId: pk[1],
          publicKey: body.publicKey,
          secretKey: body.secretKey,
        };
        state.keys.push(k);
        return [201, { id: k.id, publicKey: k.publicKey, secretKey: k.secretKey }];
      }
      if (method === 'DELETE' && pk[2]) {
        const i = state.keys.findIndex((k) => k.id === pk[2] && k.entityId === pk[1]);
        if (i < 0) return [404, { message: 'API key not found' }];
        state.keys.splice(i, 1);
        return [200, { success: true }];
      }
    }
    if (p === '/api/public/organizations/memberships') {
      if (method === 'GET')
        return [
          200,
          {
            memberships: state.orgMembers.map((m) => ({
              userId: m.userId,
              role: m.role,
              email: emailOf(m.userId),
              name: null,
            })),
          },
        ];
      if (!state.users.some((u) => u.id === body.userId)) return [404, { error: 'User not found' }];
      if (method === 'PUT') {
        const m = state.orgMembers.find((x) => x.userId === body.userId);
        if (m) m.role = body.role;
        else state.orgMembers.push({ userId: body.userId, role: body.role });
        return [200, { userId: body.userId, role: body.role }];
      }
      if (method === 'DELETE') {
        state.orgMembers = state.orgMembers.filter((x) => x.userId !== body.userId);
        state.projectMembers = state.projectMembers.filter((x) => x.userId !== body.userId);
        return [200, { message: 'Membership deleted successfully', userId: body.userId }];
      }
    }
    if (method === 'POST' && p === '/api/public/scim/Users') {
      const email = String(body.userName).toLowerCase();
      const existing = state.users.find((u) => u.email === email);
      if (existing && state.orgMembers.some((m) => m.userId === existing.id))
        return [409, { detail: 'User with this userName already exists', status: 409 }];
      const user = existing ?? { id: next('user'), email };
      if (!existing) state.users.push(user);
      state.orgMembers.push({ userId: user.id, role: body.roles?.[0] ?? 'NONE' });
      return [201, { id: user.id, userName: email }];
    }
    const pm = p.match(/^\/api\/public\/projects\/([^/]+)\/memberships$/);
    if (pm) {
      if (method === 'GET')
        return [
          200,
          {
            memberships: state.projectMembers
              .filter((m) => m.projectId === pm[1])
              .map((m) => ({ userId: m.userId, role: m.role, email: emailOf(m.userId) })),
          },
        ];
      if (method === 'PUT') {
        if (!state.orgMembers.some((m) => m.userId === body.userId))
          return [404, { error: 'User is not a member of this organization' }];
        const m = state.projectMembers.find((x) => x.projectId === pm[1] && x.userId === body.userId);
        if (m) m.role = body.role;
        else state.projectMembers.push({ projectId: pm[1], userId: body.userId, role: body.role });
        return [200, { userId: body.userId, role: body.role }];
      }
      if (method === 'DELETE') {
        const before = state.projectMembers.length;
        state.projectMembers = state.projectMembers.filter((x) => !(x.projectId === pm[1] && x.userId === body.userId));
        return before === state.projectMembers.length
          ? [404, { error: 'Project membership not found' }]
          : [200, { message: 'Project membership deleted successfully' }];
      }
    }
    return [404, { message: 'not found' }];
  });
}

export interface GrafanaState {
  users: { id: number; login: string; email: string }[];
  orgs: { id: number; name: string }[];
  members: { orgId: number; userId: number; role: string }[];
  datasources: { orgId: number; uid: string; version: number; body: Json }[];
  dashboards: { orgId: number; uid: string; body: Json }[];
}

/** Grafana's HTTP API as the server admin sees it. */
export async function fakeGrafana(admin: { user: string; password: string }, state: GrafanaState): Promise<FakeServer> {
  return serve((method, url, headers, body) => {
    if (headers.authorization !== `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`)
      return [401, { message: 'Unauthorized' }];
    const p = url.pathname;
    const orgHeader = Number(headers['x-grafana-org-id'] ?? 1);
    const adminUser = state.users.find((u) => u.login === admin.user)!;
    if (method === 'GET' && p === '/api/orgs') return [200, state.orgs.map((o) => ({ ...o }))];
    if (method === 'POST' && p === '/api/orgs') {
      if (state.orgs.some((o) => o.name === body.name)) return [409, { message: 'Organization name taken' }];
      const id = Math.max(...state.orgs.map((o) => o.id)) + 1;
      state.orgs.push({ id, name: body.name });
      state.members.push({ orgId: id, userId: adminUser.id, role: 'Admin' });
      return [200, { orgId: id, message: 'Organization created' }];
    }
    const org = p.match(/^\/api\/orgs\/(\d+)$/);
    if (method === 'DELETE' && org) {
      state.orgs = state.orgs.filter((o) => o.id !== Number(org[1]));
      state.members = state.members.filter((m) => m.orgId !== Number(org[1]));
      state.dashboards = state.dashboards.filter((d) => d.orgId !== Number(org[1]));
      state.datasources = state.datasources.filter((d) => d.orgId !== Number(org[1]));
      return [200, { message: 'Organization deleted' }];
    }
    const users = p.match(/^\/api\/orgs\/(\d+)\/users(?:\/(\d+))?$/);
    if (users) {
      const orgId = Number(users[1]);
      if (!state.orgs.some((o) => o.id === orgId)) return [404, { message: 'Organization not found' }];
      if (method === 'GET') {
        return [
          200,
          state.members
            .filter((m) => m.orgId === orgId)
            .map((m) => {
              const u = state.users.find((x) => x.id === m.userId)!;
              return { orgId, userId: u.id, login: u.login, email: u.email, role: m.role };
            }),
        ];
      }
      if (method === 'POST') {
        const u = state.users.find((x) => x.login === body.loginOrEmail || x.email === body.loginOrEmail);
        if (!u) return [404, { message: 'User not found' }];
        if (state.members.some((m) => m.orgId === orgId && m.userId === u.id))
          return [409, { message: 'User is already member of this organization' }];
        state.members.push({ orgId, userId: u.id, role: body.role });
        return [200, { message: 'User added to organization', userId: u.id }];
      }
      const m = state.members.find((x) => x.orgId === orgId && x.userId === Number(users[2]));
      if (!m) return [404, { message: 'User not found' }];
      if (method === 'PATCH') {
        m.role = body.role;
        return [200, { message: 'Organization user updated' }];
      }
      if (method === 'DELETE') {
        state.members = state.members.filter((x) => x !== m);
        return [200, { message: 'User removed from organization' }];
      }
    }
    if (method === 'GET' && p === '/api/users/lookup') {
      const q = url.searchParams.get('loginOrEmail');
      const u = state.users.find((x) => x.login === q || x.email === q);
      return u ? [200, { id: u.id, login: u.login, email: u.email }] : [404, { message: 'user not found' }];
    }
    const ds = p.match(/^\/api\/datasources(?:\/uid\/([^/]+))?$/);
    if (ds) {
      const found = state.datasources.find((d) => d.orgId === orgHeader && d.uid === ds[1]);
      if (method === 'GET')
        return found ? [200, { ...found.body, version: found.version }] : [404, { message: 'Data source not found' }];
      if (method === 'POST') {
        if (state.datasources.some((d) => d.orgId === orgHeader && d.uid === body.uid))
          return [409, { message: 'data source with the same uid already exists' }];
        state.datasources.push({ orgId: orgHeader, uid: body.uid, version: 1, body });
        return [200, { message: 'Datasource added' }];
      }
      if (method === 'PUT') {
        if (!found) return [404, { message: 'Data source not found' }];
        if (body.version !== found.version) return [409, { message: 'version mismatch' }];
        found.body = body;
        found.version++;
        return [200, { message: 'Datasource updated' }];
      }
    }
    if (method === 'POST' && p === '/api/dashboards/db') {
      state.dashboards = state.dashboards.filter((d) => !(d.orgId === orgHeader && d.uid === body.dashboard.uid));
      state.dashboards.push({ orgId: orgHeader, uid: body.dashboard.uid, body: body.dashboard });
      return [200, { status: 'success', uid: body.dashboard.uid }];
    }
    return [404, { message: 'Not found' }];
  });
}
