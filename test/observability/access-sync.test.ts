/**
 * The access sync as shipped (the program of charts/platform/observability/access-sync-script.ts,
 * the per-tenant state files synth writes) run with Node.js against fakes of Keycloak, Langfuse
 * and Grafana (./access-fakes.ts, which cite the upstream handlers they answer as): who gets into
 * which project and organisation, and who loses access when a person leaves a group or a tenant
 * leaves tenants.yaml.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTenants, type Tenant } from '../../charts/config/load-tenants';
import { KEYCLOAK, OBSERVABILITY } from '../../charts/lib/constants';
import { grafanaTenantStateFile } from '../../charts/platform/components/monitoring';
import { langfuseTenantStateFile } from '../../charts/platform/components/langfuse';
import { ACCESS_SYNC_SCRIPT } from '../../charts/platform/observability/access-sync-script';
import {
  fakeGrafana,
  fakeKeycloak,
  fakeLangfuse,
  type FakeServer,
  type GrafanaState,
  type KeycloakUser,
  type LangfuseState,
} from './access-fakes';

const CLIENT = { id: OBSERVABILITY.accessSyncClient, secret: 'client-secret' };
const ADMIN_API_KEY = 'admin-api-key';
const GRAFANA_ADMIN = { user: 'admin', password: 'grafana-password' };

const TENANTS = loadTenants(`tenants:
  - name: alpha
    observability:
      viewers: [Support-Lead@example.com]
  - name: beta
`);

let dirs: string[] = [];
let servers: FakeServer[] = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  servers = [];
  dirs = [];
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'access-sync-'));
  dirs.push(d);
  return d;
}

/** Writes the program and the state files, as the CronJob mounts them. */
function mount(
  tenants: readonly Tenant[],
  state: (t: Tenant) => unknown,
  keys: Record<string, { publicKey: string; secretKey: string }> = {},
): { script: string; stateDir: string; keysDir: string } {
  const root = tmp();
  const script = path.join(root, 'access-sync.mjs');
  fs.writeFileSync(script, ACCESS_SYNC_SCRIPT);
  const stateDir = path.join(root, 'state');
  const keysDir = path.join(root, 'keys');
  fs.mkdirSync(stateDir);
  fs.mkdirSync(keysDir);
  for (const t of tenants) fs.writeFileSync(path.join(stateDir, `${t.name}.json`), JSON.stringify(state(t)));
  for (const [t, k] of Object.entries(keys)) {
    fs.writeFileSync(path.join(keysDir, `${t}.publicKey`), k.publicKey);
    fs.writeFileSync(path.join(keysDir, `${t}.secretKey`), k.secretKey);
  }
  return { script, stateDir, keysDir };
}

/** Runs the program (asynchronously: the fakes answer from this process). */
function run(
  script: string,
  target: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const p = spawn(process.execPath, [script, target], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => ok({ status, stdout, stderr }));
  });
}

function groups(members: Record<string, string[]>, disabled: string[] = []): Map<string, KeycloakUser[]> {
  return new Map(
    Object.entries(members).map(([g, emails]) => [
      g,
      emails.map((email) => ({ email, enabled: !disabled.includes(email) })),
    ]),
  );
}

const OPS = `/${OBSERVABILITY.operatorsGroup}`;
const group = (t: string) => `/${KEYCLOAK.tenantsGroup}/${t}`;
const KEYS = {
  alpha: { publicKey: 'pk-lf-alpha-1', secretKey: 'sk-lf-alpha-1' },
  beta: { publicKey: 'pk-lf-beta-1', secretKey: 'sk-lf-beta-1' },
};

describe('the Langfuse access sync', () => {
  async function setup(members: Map<string, KeycloakUser[]>, state: LangfuseState, failMembers = false) {
    const kc = await fakeKeycloak(KEYCLOAK.realm, CLIENT, members, failMembers);
    const lf = await fakeLangfuse(OBSERVABILITY.langfuseOrg, ADMIN_API_KEY, state);
    servers.push(kc, lf);
    const env = (m: ReturnType<typeof mount>) => ({
      STATE_DIR: m.stateDir,
      KEYS_DIR: m.keysDir,
      KEYCLOAK_URL: kc.url,
      KEYCLOAK_REALM: KEYCLOAK.realm,
      KEYCLOAK_CLIENT_ID: CLIENT.id,
      KEYCLOAK_CLIENT_SECRET: CLIENT.secret,
      OPERATORS_GROUP: OPS,
      LANGFUSE_URL: lf.url,
      LANGFUSE_ORG_ID: OBSERVABILITY.langfuseOrg,
      LANGFUSE_ADMIN_API_KEY: ADMIN_API_KEY,
    });
    return { kc, lf, env };
  }
  const emptyState = (): LangfuseState => ({
    users: [{ id: 'owner', email: 'admin@dev.example.test' }],
    orgMembers: [{ userId: 'owner', role: 'OWNER' }],
    projects: [{ id: 'platform', name: 'Platform', metadata: {} }],
    projectMembers: [],
    keys: [],
  });
  /** Who is what where: organisation role, and each tenant project's members. */
  const view = (s: LangfuseState) => {
    const email = (id: string) => s.users.find((u) => u.id === id)!.email;
    const project = (tenant: string) => s.projects.find((p) => p.metadata?.tenant === tenant);
    return {
      org: Object.fromEntries(s.orgMembers.map((m) => [email(m.userId), m.role])),
      projects: Object.fromEntries(
        s.projects
          .filter((p) => p.metadata?.tenant)
          .map((p) => [
            p.metadata.tenant,
            Object.fromEntries(
              s.projectMembers.filter((m) => m.projectId === p.id).map((m) => [email(m.userId), m.role]),
            ),
          ]),
      ),
      keys: Object.fromEntries(
        ['alpha', 'beta'].map((t) => [t, s.keys.filter((k) => k.entityId === project(t)?.id).map((k) => k.publicKey)]),
      ),
      orgKeys: s.keys.filter((k) => k.scope === 'ORGANIZATION').length,
    };
  };

  it('gives each tenant a project with its key, its group members and viewers, and operators every project', async () => {
    const state = emptyState();
    const { env, lf } = await setup(
      groups(
        {
          [OPS]: ['olga@ops.example.com'],
          [group('alpha')]: ['alice@alpha.example.com', 'gone@alpha.example.com'],
          [group('beta')]: ['bob@beta.example.com'],
        },
        ['gone@alpha.example.com'],
      ),
      state,
    );
    const m = mount(TENANTS, langfuseTenantStateFile, { alpha: KEYS.alpha });
    const r = await run(m.script, 'langfuse', env(m));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(view(state)).toEqual({
      org: {
        'admin@dev.example.test': 'OWNER',
        'olga@ops.example.com': 'ADMIN',
        'alice@alpha.example.com': 'NONE',
        'bob@beta.example.com': 'NONE',
        'support-lead@example.com': 'NONE',
      },
      projects: {
        alpha: { 'alice@alpha.example.com': 'MEMBER', 'support-lead@example.com': 'VIEWER' },
        beta: { 'bob@beta.example.com': 'MEMBER' },
      },
      // beta's key is not in AWS Secrets Manager yet: its project exists, without a key.
      keys: { alpha: ['pk-lf-alpha-1'], beta: [] },
      orgKeys: 0,
    });
    expect(state.projects.find((p) => p.metadata?.tenant === 'alpha')?.name).toBe('alpha');
    // A second run changes nothing: only the run's own organisation key is created and deleted.
    const before = lf.calls.length;
    const again = await run(m.script, 'langfuse', env(m));
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('');
    expect(
      lf.calls
        .slice(before)
        .filter((c) => c.method !== 'GET')
        .map((c) => `${c.method} ${c.path.replace(/\/apiKeys\/.*/, '/apiKeys/<id>')}`),
    ).toEqual([
      'POST /api/admin/organizations/platform-org/apiKeys',
      'DELETE /api/admin/organizations/platform-org/apiKeys/<id>',
    ]);
  });

  it("removes a person who left the group, replaces a rotated key, and leaves a removed tenant's project without key or member", async () => {
    const state = emptyState();
    const members = groups({
      [OPS]: [],
      [group('alpha')]: ['alice@alpha.example.com', 'al@alpha.example.com'],
      [group('beta')]: ['bob@beta.example.com'],
    });
    const first = await setup(members, state);
    const m = mount(TENANTS, langfuseTenantStateFile, KEYS);
    expect((await run(m.script, 'langfuse', first.env(m))).status).toBe(0);
    await first.kc.close();
    servers = servers.filter((s) => s !== first.kc);
    // al leaves alpha's group; alpha's key is rotated; beta is removed from tenants.yaml.
    const kc = await fakeKeycloak(
      KEYCLOAK.realm,
      CLIENT,
      groups({ [OPS]: [], [group('alpha')]: ['alice@alpha.example.com'], [group('beta')]: ['bob@beta.example.com'] }),
    );
    servers.push(kc);
    const m2 = mount([TENANTS[0]], langfuseTenantStateFile, {
      alpha: { publicKey: 'pk-lf-alpha-2', secretKey: 'sk-lf-alpha-2' },
    });
    const r = await run(m2.script, 'langfuse', { ...first.env(m2), KEYCLOAK_URL: kc.url });
    expect(r.stderr).toBe('');
    expect(view(state)).toEqual({
      org: { 'admin@dev.example.test': 'OWNER', 'alice@alpha.example.com': 'NONE', 'support-lead@example.com': 'NONE' },
      projects: { alpha: { 'alice@alpha.example.com': 'MEMBER', 'support-lead@example.com': 'VIEWER' }, beta: {} },
      keys: { alpha: ['pk-lf-alpha-2'], beta: [] },
      orgKeys: 0,
    });
    expect(r.stdout).toContain('langfuse: removed every key and member of beta (no longer a tenant)');
  });

  it('changes nothing when Keycloak cannot say who is in a group', async () => {
    const state = emptyState();
    state.users.push({ id: 'u-alice', email: 'alice@alpha.example.com' });
    state.orgMembers.push({ userId: 'u-alice', role: 'NONE' });
    const { env, lf } = await setup(groups({ [OPS]: [], [group('alpha')]: ['alice@alpha.example.com'] }), state, true);
    const m = mount(TENANTS, langfuseTenantStateFile, KEYS);
    const r = await run(m.script, 'langfuse', env(m));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^langfuse: GET \/admin\/realms\/agents\/groups\/g\d\/members\?briefRepresentation=true&first=0&max=100: HTTP 500/,
    );
    expect(lf.calls).toEqual([]);
    expect(state.orgMembers).toHaveLength(2);
  });

  it('gives nobody access to a tenant whose group does not exist yet', async () => {
    const state = emptyState();
    const { env } = await setup(groups({ [OPS]: [] }), state);
    const m = mount([TENANTS[1]], langfuseTenantStateFile, { beta: KEYS.beta });
    expect((await run(m.script, 'langfuse', env(m))).status).toBe(0);
    expect(view(state).projects).toEqual({ beta: {} });
  });
});

describe('the Grafana access sync', () => {
  const baseState = (): GrafanaState => ({
    users: [
      { id: 1, login: 'admin', email: 'admin@localhost' },
      { id: 2, login: 'alice@alpha.example.com', email: 'alice@alpha.example.com' },
      { id: 3, login: 'olga@ops.example.com', email: 'olga@ops.example.com' },
      { id: 4, login: 'support-lead@example.com', email: 'support-lead@example.com' },
      // bob has never signed in: Grafana has no user for him yet.
    ],
    orgs: [{ id: 1, name: 'Main Org.' }],
    // Everyone who signed in landed in the main organisation; alice with a role she must not keep.
    members: [
      { orgId: 1, userId: 1, role: 'Admin' },
      { orgId: 1, userId: 2, role: 'Viewer' },
      { orgId: 1, userId: 3, role: 'None' },
      { orgId: 1, userId: 4, role: 'None' },
    ],
    datasources: [],
    dashboards: [],
  });
  async function setup(members: Map<string, KeycloakUser[]>, state: GrafanaState) {
    const kc = await fakeKeycloak(KEYCLOAK.realm, CLIENT, members);
    const gf = await fakeGrafana(GRAFANA_ADMIN, state);
    servers.push(kc, gf);
    return (m: ReturnType<typeof mount>) => ({
      STATE_DIR: m.stateDir,
      KEYCLOAK_URL: kc.url,
      KEYCLOAK_REALM: KEYCLOAK.realm,
      KEYCLOAK_CLIENT_ID: CLIENT.id,
      KEYCLOAK_CLIENT_SECRET: CLIENT.secret,
      OPERATORS_GROUP: OPS,
      GRAFANA_URL: gf.url,
      GRAFANA_USER: GRAFANA_ADMIN.user,
      GRAFANA_PASSWORD: GRAFANA_ADMIN.password,
      TENANT_ORG_PREFIX: 'tenant-',
    });
  }
  const view = (s: GrafanaState) =>
    Object.fromEntries(
      s.orgs.map((o) => [
        o.name,
        Object.fromEntries(
          s.members.filter((m) => m.orgId === o.id).map((m) => [s.users.find((u) => u.id === m.userId)!.login, m.role]),
        ),
      ]),
    );
  const members = groups({
    [OPS]: ['olga@ops.example.com'],
    [group('alpha')]: ['alice@alpha.example.com'],
    [group('beta')]: ['bob@beta.example.com'],
  });

  it('gives each tenant an organisation with its datasource (its proxy) and dashboard, its people as viewers, operators as admins', async () => {
    const state = baseState();
    const env = await setup(members, state);
    const m = mount(TENANTS, grafanaTenantStateFile);
    const r = await run(m.script, 'grafana', env(m));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(view(state)).toEqual({
      'Main Org.': {
        admin: 'Admin',
        'alice@alpha.example.com': 'None',
        'olga@ops.example.com': 'Admin',
        'support-lead@example.com': 'None',
      },
      'tenant-alpha': {
        admin: 'Admin',
        'alice@alpha.example.com': 'Viewer',
        'support-lead@example.com': 'Viewer',
        'olga@ops.example.com': 'Admin',
      },
      // bob gets in on the first run after his first sign-in.
      'tenant-beta': { admin: 'Admin', 'olga@ops.example.com': 'Admin' },
    });
    const alpha = state.orgs.find((o) => o.name === 'tenant-alpha')!.id;
    expect(state.datasources.filter((d) => d.orgId === alpha).map((d) => [d.uid, d.body.url])).toEqual([
      [OBSERVABILITY.tenantDatasourceUid, 'http://tenant-alpha.monitoring.svc.cluster.local:8080'],
    ]);
    expect(state.dashboards.filter((d) => d.orgId === alpha).map((d) => d.uid)).toEqual([
      OBSERVABILITY.tenantDashboardUid,
    ]);
    // Nothing of a tenant's is in the main organisation, which holds the unrestricted datasource.
    expect(state.datasources.some((d) => d.orgId === 1) || state.dashboards.some((d) => d.orgId === 1)).toBe(false);
  });

  it('deletes the organisation of a tenant no longer listed, and removes a person who left the group', async () => {
    const state = baseState();
    const env = await setup(members, state);
    const m1 = mount(TENANTS, grafanaTenantStateFile);
    expect((await run(m1.script, 'grafana', env(m1))).status).toBe(0);
    const kc = await fakeKeycloak(
      KEYCLOAK.realm,
      CLIENT,
      groups({ [OPS]: ['olga@ops.example.com'], [group('alpha')]: [] }),
    );
    servers.push(kc);
    const m = mount([TENANTS[0]], grafanaTenantStateFile);
    const r = await run(m.script, 'grafana', { ...env(m), KEYCLOAK_URL: kc.url });
    expect(r.status).toBe(0);
    expect(view(state)).toEqual({
      'Main Org.': {
        admin: 'Admin',
        'alice@alpha.example.com': 'None',
        'olga@ops.example.com': 'Admin',
        'support-lead@example.com': 'None',
      },
      'tenant-alpha': { admin: 'Admin', 'support-lead@example.com': 'Viewer', 'olga@ops.example.com': 'Admin' },
    });
    expect(r.stdout).toContain('grafana: deleted organisation tenant-beta (no longer a tenant)');
  });
});

describe('planted fault: a sync that forgets removed tenants', () => {
  // bob is in both groups: when beta goes he stays in the organisation (for alpha), so only the
  // removal of beta's project members takes his access to beta's traces away.
  async function removeBeta(script: string): Promise<LangfuseState> {
    const state: LangfuseState = { users: [], orgMembers: [], projects: [], projectMembers: [], keys: [] };
    const kc = await fakeKeycloak(
      KEYCLOAK.realm,
      CLIENT,
      groups({ [OPS]: [], [group('alpha')]: ['bob@both.example.com'], [group('beta')]: ['bob@both.example.com'] }),
    );
    const lf = await fakeLangfuse(OBSERVABILITY.langfuseOrg, ADMIN_API_KEY, state);
    servers.push(kc, lf);
    const env = (m: ReturnType<typeof mount>) => ({
      STATE_DIR: m.stateDir,
      KEYS_DIR: m.keysDir,
      KEYCLOAK_URL: kc.url,
      KEYCLOAK_REALM: KEYCLOAK.realm,
      KEYCLOAK_CLIENT_ID: CLIENT.id,
      KEYCLOAK_CLIENT_SECRET: CLIENT.secret,
      OPERATORS_GROUP: OPS,
      LANGFUSE_URL: lf.url,
      LANGFUSE_ORG_ID: OBSERVABILITY.langfuseOrg,
      LANGFUSE_ADMIN_API_KEY: ADMIN_API_KEY,
    });
    const m = mount(TENANTS, langfuseTenantStateFile, KEYS);
    expect((await run(m.script, 'langfuse', env(m))).status).toBe(0);
    const m2 = mount([TENANTS[0]], langfuseTenantStateFile, KEYS);
    fs.writeFileSync(m2.script, script);
    expect((await run(m2.script, 'langfuse', env(m2))).status).toBe(0);
    return state;
  }
  const betaMembers = (state: LangfuseState) =>
    state.projectMembers.filter((m) => m.projectId === state.projects.find((p) => p.metadata?.tenant === 'beta')!.id)
      .length;

  it("the shipped sync takes a person in another tenant out of the removed tenant's project; without that step he keeps reading it", async () => {
    expect(betaMembers(await removeBeta(ACCESS_SYNC_SCRIPT))).toBe(0);
    const faulty = ACCESS_SYNC_SCRIPT.replace(
      'await syncProjectMembers(base, auth, p.id, new Map(), userId, p.metadata.tenant);',
      '',
    );
    expect(faulty).not.toBe(ACCESS_SYNC_SCRIPT);
    expect(betaMembers(await removeBeta(faulty))).toBe(1);
  });
});
