/**
 * kagent 0.9.12 rendered with our values: the tool server is read-only, the built-in agents with
 * cluster write tools are off, and the controller uses the external database through a mounted
 * URL file (kagent 0.9.12 helm/kagent/values.yaml, templates/controller-deployment.yaml,
 * templates/postgresql.yaml; kagent-dev/tools v0.2.1 helm/kagent-tools).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CHART_SERVICE_ACCOUNTS, RELEASES } from '../../charts/lib/chart-names';
import { PLATFORM_NAMESPACES } from '../../charts/lib/constants';
import { KAGENT_DATABASE_MOUNT, KAGENT_DATABASE_SECRET } from '../../charts/platform/components/kagent';
import {
  type K8sObject,
  loadEnvironment,
  namespaceOf,
  readPlatformApplication,
  renderApplication,
  renderComponent,
  type Rendered,
} from '../../scripts/upstream/render';
import { ENVIRONMENTS } from './chart-checks';

const ROOT = path.resolve(__dirname, '..', '..');
const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection', 'escalate', 'bind', 'impersonate', '*'];
const READ_VERBS = ['get', 'list', 'watch', '*'];

const objects = (r: Rendered) => r.objects.map((x) => x.object);

/** Rules of the roles bound to a ServiceAccount that write anything or read Secrets, each named. */
function powersOf(r: Rendered, namespace: string, sa: string): string[] {
  const all = objects(r);
  const bound = all.filter(
    (b) =>
      (b.kind === 'ClusterRoleBinding' || b.kind === 'RoleBinding') &&
      (b.subjects ?? []).some(
        (s: any) => s.kind === 'ServiceAccount' && s.name === sa && (s.namespace ?? namespaceOf(r, b)) === namespace,
      ),
  );
  const out: string[] = [];
  for (const b of bound) {
    const role = all.find(
      (o) =>
        o.kind === b.roleRef.kind &&
        o.metadata.name === b.roleRef.name &&
        (o.kind === 'ClusterRole' || namespaceOf(r, o) === namespaceOf(r, b)),
    );
    if (!role) {
      out.push(
        `${b.kind} ${b.metadata.name} binds ${b.roleRef.kind} ${b.roleRef.name}, which the chart does not render (a built-in role such as cluster-admin)`,
      );
      continue;
    }
    (role.rules ?? []).forEach((rule: any, i: number) => {
      const verbs: string[] = rule.verbs ?? [];
      const at = `${role.kind} ${role.metadata.name} rule ${i} (bound by ${b.kind} ${b.metadata.name})`;
      if (rule.nonResourceURLs) out.push(`${at}: nonResourceURLs ${rule.nonResourceURLs.join(', ')}`);
      const writes = verbs.filter((v) => WRITE_VERBS.includes(v));
      if (writes.length > 0)
        out.push(`${at}: ${writes.join(', ')} on ${(rule.resources ?? []).join(', ') || 'those URLs'}`);
      const core = (rule.apiGroups ?? []).some((g: string) => g === '' || g === '*');
      const secrets = (rule.resources ?? []).some((x: string) => x === 'secrets' || x === '*');
      if (core && secrets && verbs.some((v) => READ_VERBS.includes(v))) out.push(`${at}: reads Secrets`);
    });
  }
  return out;
}

function deployment(r: Rendered, name: string): K8sObject {
  const d = objects(r).find((o) => o.kind === 'Deployment' && o.metadata.name === name);
  if (!d) throw new Error(`${r.chart}: no Deployment ${name}`);
  return d;
}

/** Objects of the bundled PostgreSQL (kagent templates/postgresql.yaml and postgresql-secret.yaml). */
function bundledPostgres(r: Rendered): string[] {
  return objects(r)
    .filter(
      (o) =>
        o.metadata.name === `${RELEASES.kagent}-postgresql` ||
        o.metadata.labels?.['app.kubernetes.io/component'] === 'database' ||
        (o.kind === 'Secret' && o.data?.POSTGRES_PASSWORD !== undefined),
    )
    .map((o) => `${o.kind} ${o.metadata.name}`);
}

/** The controller reads its database URL from the mounted Secret file, and from nowhere else. */
function databaseProblems(r: Rendered): string[] {
  const problems: string[] = [];
  const pod = deployment(r, `${RELEASES.kagent}-controller`).spec.template.spec;
  const c = pod.containers.find((x: any) => x.name === 'controller') ?? pod.containers[0];
  const env = Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));
  const file = `${KAGENT_DATABASE_MOUNT.dir}/${KAGENT_DATABASE_MOUNT.file}`;
  if (env.POSTGRES_DATABASE_URL_FILE?.value !== file)
    problems.push(
      `controller: POSTGRES_DATABASE_URL_FILE is ${JSON.stringify(env.POSTGRES_DATABASE_URL_FILE?.value)}, not ${file}`,
    );
  for (const name of ['POSTGRES_DATABASE_URL', 'POSTGRES_PASSWORD'])
    if (env[name]) problems.push(`controller: sets ${name}`);
  const mount = (c.volumeMounts ?? []).find((m: any) => m.mountPath === KAGENT_DATABASE_MOUNT.dir);
  const volume = (pod.volumes ?? []).find((v: any) => v.name === mount?.name);
  if (!mount || mount.readOnly !== true)
    problems.push(`controller: mounts nothing read-only at ${KAGENT_DATABASE_MOUNT.dir}`);
  else if (
    volume?.secret?.secretName !== KAGENT_DATABASE_SECRET ||
    !(volume.secret.items ?? []).some(
      (i: any) => i.key === KAGENT_DATABASE_MOUNT.file && i.path === KAGENT_DATABASE_MOUNT.file,
    )
  ) {
    problems.push(
      `controller: ${KAGENT_DATABASE_MOUNT.dir} is not the key ${KAGENT_DATABASE_MOUNT.file} of the Secret ${KAGENT_DATABASE_SECRET}`,
    );
  }
  return problems;
}

describe.each(ENVIRONMENTS)('kagent as rendered (%s)', (env) => {
  const r = () => renderComponent(env, RELEASES.kagent);

  // kagent-dev/tools v0.2.1 helm/kagent-tools/templates/clusterrole.yaml: rbac.readOnly renders <fullname>-read-role
  // (get/list/watch, Secrets only with allowSecrets) instead of <fullname>-cluster-admin-role (*/*/* and
  // nonResourceURLs *).
  it("binds the tool server's ServiceAccount to no role that writes cluster objects or reads Secrets", () => {
    const sa = CHART_SERVICE_ACCOUNTS.kagentTools.name;
    const bindings = objects(r()).filter((b) => (b.subjects ?? []).some((s: any) => s.name === sa));
    expect(bindings.map((b) => `${b.kind} ${b.metadata.name}`)).toEqual([
      'ClusterRoleBinding kagent-tools-read-rolebinding',
    ]);
    expect(powersOf(r(), PLATFORM_NAMESPACES.kagent, sa)).toEqual([]);
  });

  // kagent-dev/tools v0.2.1 cmd/main.go: --read-only registers no write tool (k8s apply/patch/delete/exec, helm
  // upgrade, shell, ...); helm/kagent-tools/templates/deployment.yaml appends tools.args.
  it('runs the tool server with --read-only and the resources we set', () => {
    const c = deployment(r(), `${RELEASES.kagent}-tools`).spec.template.spec.containers[0];
    expect(c.args).toContain('--read-only');
    expect(c.resources).toEqual({
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
  });

  it('renders no bundled PostgreSQL (fixed credentials, sslmode=disable, no placement)', () => {
    expect(bundledPostgres(r())).toEqual([]);
    expect(JSON.stringify(objects(r()))).not.toContain('sslmode=disable');
  });

  // kagent 0.9.12 templates/controller-deployment.yaml: database.postgres.urlFile → POSTGRES_DATABASE_URL_FILE (taking
  // precedence over url and the bundled instance); go/core/internal/database/connect.go reads and trims the file.
  it('the controller reads the database URL from the mounted Secret file', () => {
    expect(databaseProblems(r())).toEqual([]);
  });

  // kagent 0.9.12 helm/agents/k8s and helm/agents/helm call k8s_apply_manifest, k8s_patch_resource,
  // k8s_execute_command, helm_upgrade, ...; observability-agent calls promql-agent as a tool.
  it('creates only the observability and PromQL agents', () => {
    expect(
      objects(r())
        .filter((o) => o.kind === 'Agent')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['observability-agent', 'promql-agent']);
  });

  it('the Secret the controller mounts is the ExternalSecret with the TLS connection URL, and no password is in the values or dist', () => {
    const file = path.join(ROOT, 'dist', env, 'platform', 'kagent', `externalsecret-${KAGENT_DATABASE_SECRET}.yaml`);
    const es = load(fs.readFileSync(file, 'utf8')) as any;
    expect(es.spec.target.name).toBe(KAGENT_DATABASE_SECRET);
    const infra = JSON.parse(fs.readFileSync(path.join(ROOT, 'cluster', 'outputs', `${env}.json`), 'utf8'));
    expect(es.spec.target.template.data).toEqual({
      [KAGENT_DATABASE_MOUNT.file]: `postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@${infra.postgres.host}:${infra.postgres.port}/${infra.postgres.kagentDatabase}?sslmode=require`,
    });
    expect(es.spec.data.map((d: any) => [d.remoteRef.key, d.remoteRef.property])).toEqual([
      [infra.secrets.kagentDatabase, 'username'],
      [infra.secrets.kagentDatabase, 'password'],
    ]);
    const values = JSON.stringify(
      readPlatformApplication(loadEnvironment(env), RELEASES.kagent).source.helm?.valuesObject,
    );
    expect(values).not.toMatch(/postgres(ql)?:\/\/|password/i);
  });
});

describe('kagent: planted faults', () => {
  const e = loadEnvironment('dev');
  const withValues = (edit: (v: any) => void) => {
    const app = readPlatformApplication(e, RELEASES.kagent);
    const values = structuredClone(app.source.helm!.valuesObject!) as any;
    edit(values);
    return renderApplication(
      { ...app, source: { ...app.source, helm: { ...app.source.helm, valuesObject: values } } },
      e.kubernetesVersion,
    );
  };

  it('the chart default (readOnly false) binds cluster-admin powers, and each is named', () => {
    const r = withValues((v) => delete v['kagent-tools'].rbac);
    expect(powersOf(r, PLATFORM_NAMESPACES.kagent, CHART_SERVICE_ACCOUNTS.kagentTools.name)).toEqual([
      'ClusterRole kagent-tools-cluster-admin-role rule 0 (bound by ClusterRoleBinding kagent-tools-cluster-admin-rolebinding): * on *',
      'ClusterRole kagent-tools-cluster-admin-role rule 0 (bound by ClusterRoleBinding kagent-tools-cluster-admin-rolebinding): reads Secrets',
      'ClusterRole kagent-tools-cluster-admin-role rule 1 (bound by ClusterRoleBinding kagent-tools-cluster-admin-rolebinding): nonResourceURLs *',
      'ClusterRole kagent-tools-cluster-admin-role rule 1 (bound by ClusterRoleBinding kagent-tools-cluster-admin-rolebinding): * on those URLs',
    ]);
  });

  it('the bundled PostgreSQL and an inline URL are named', () => {
    const bundled = withValues((v) => {
      delete v.database;
      delete v.controller.volumes;
      delete v.controller.volumeMounts;
    });
    expect(bundledPostgres(bundled).sort()).toEqual([
      'Deployment kagent-postgresql',
      'PersistentVolumeClaim kagent-postgresql',
      'Secret kagent-postgresql',
      'Service kagent-postgresql',
      'ServiceAccount kagent-postgresql',
    ]);
    expect(databaseProblems(bundled)).toEqual([
      'controller: POSTGRES_DATABASE_URL_FILE is undefined, not /etc/kagent/database/url',
      'controller: sets POSTGRES_DATABASE_URL',
      'controller: sets POSTGRES_PASSWORD',
      'controller: mounts nothing read-only at /etc/kagent/database',
    ]);
  });
});
