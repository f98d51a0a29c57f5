/**
 * Adding a tenant gives it its Langfuse project and key, its collector pipeline, its Grafana
 * organisation with datasource and dashboard, its metrics proxy, its alerts and the access sync's
 * state; removing it takes all of them out of the output, and the access syncs (access-sync.test.ts)
 * then take its people and keys out of Langfuse and Grafana.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadTenants } from '../../charts/config/load-tenants';
import { platformObjects } from '../../charts/platform/build';
import { TenantChart } from '../../charts/tenant-chart';
import { type K8sObject, sampleEnvironment, sampleInfra, synthChart } from '../helpers';

const env = sampleEnvironment();
const infra = sampleInfra(env.name);

function platform(text: string): K8sObject[] {
  return platformObjects({ env, infra, tenants: loadTenants(text) }) as K8sObject[];
}

const find = (objects: readonly K8sObject[], kind: string, name: string, namespace?: string) =>
  objects.find(
    (o) =>
      o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
  );

/** Everything of gamma's in the platform's output, by kind/namespace/name. */
function gammas(objects: readonly K8sObject[]): string[] {
  const collector = parse(find(objects, 'ConfigMap', 'otel-collector')!.data['config.yaml']);
  const env = find(objects, 'Deployment', 'otel-collector')!.spec.template.spec.containers[0].env.map(
    (e: K8sObject) => e.name,
  );
  const cronMounts = (name: string) =>
    JSON.stringify(find(objects, 'CronJob', name)!.spec.jobTemplate.spec.template.spec.volumes);
  const realm = JSON.parse(find(objects, 'ConfigMap', 'keycloak-realm-agents')!.data['agents-realm.json']);
  return [
    ...objects
      .filter((o) => JSON.stringify(o.metadata).includes('tenant-gamma'))
      .map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
    ...(collector.service.pipelines['traces/tenant-gamma'] ? ['collector pipeline traces/tenant-gamma'] : []),
    ...(env.includes('LANGFUSE_TENANT_AUTH_GAMMA') ? ['collector env LANGFUSE_TENANT_AUTH_GAMMA'] : []),
    ...(cronMounts('langfuse-access-sync').includes('gamma') ? ['langfuse-access-sync mounts gamma'] : []),
    ...(cronMounts('grafana-access-sync').includes('gamma') ? ['grafana-access-sync mounts gamma'] : []),
    ...(realm.groups[1].subGroups.some((g: K8sObject) => g.name === 'gamma') ? ['Keycloak group /tenants/gamma'] : []),
  ].sort();
}

describe('a tenant added and removed', () => {
  const before = platform('tenants:\n  - name: alpha\n');
  const after = platform(
    'tenants:\n  - name: alpha\n  - name: gamma\n    observability:\n      viewers: [gail@example.com]\n',
  );

  it('adding gamma adds its project key, pipeline, organisation, dashboard, proxy and access', () => {
    expect(gammas(before)).toEqual([]);
    expect(gammas(after)).toEqual([
      'ConfigMap langfuse/langfuse-tenant-gamma',
      'ConfigMap monitoring/grafana-tenant-gamma',
      'Deployment monitoring/tenant-gamma',
      'ExternalSecret langfuse/langfuse-tenant-gamma',
      'ExternalSecret otel/langfuse-tenant-gamma',
      'Keycloak group /tenants/gamma',
      'PodDisruptionBudget monitoring/tenant-gamma',
      'Service monitoring/tenant-gamma',
      'collector env LANGFUSE_TENANT_AUTH_GAMMA',
      'collector pipeline traces/tenant-gamma',
      'grafana-access-sync mounts gamma',
      'langfuse-access-sync mounts gamma',
    ]);
    // Its key from its own entry, its project, group and viewers, its organisation's datasource and dashboard.
    expect(find(after, 'ExternalSecret', 'langfuse-tenant-gamma', 'otel')!.spec.data[0].remoteRef.key).toBe(
      `agentic-platform/${env.name}/langfuse-projects/gamma`,
    );
    expect(JSON.parse(find(after, 'ConfigMap', 'langfuse-tenant-gamma')!.data['tenant.json'])).toEqual({
      tenant: 'gamma',
      project: 'gamma',
      group: '/tenants/gamma',
      viewers: ['gail@example.com'],
    });
    const grafana = JSON.parse(find(after, 'ConfigMap', 'grafana-tenant-gamma')!.data['tenant.json']);
    expect(grafana).toMatchObject({
      tenant: 'gamma',
      org: 'tenant-gamma',
      group: '/tenants/gamma',
      viewers: ['gail@example.com'],
      datasource: { uid: 'tenant-metrics', url: 'http://tenant-gamma.monitoring.svc.cluster.local:8080' },
    });
    expect(grafana.dashboard.uid).toBe('tenant-overview');
    expect(find(after, 'Deployment', 'tenant-gamma')!.spec.template.spec.containers[0].args).toContain(
      '-label-value=tenant-gamma',
    );
  });

  it("removing it takes all of that out again, and leaves alpha's untouched", () => {
    const removed = platform('tenants:\n  - name: alpha\n');
    expect(gammas(removed)).toEqual([]);
    const alpha = (objects: readonly K8sObject[]) =>
      objects
        .filter((o) => JSON.stringify(o.metadata).includes('tenant-alpha'))
        .map((o) => JSON.stringify(o))
        .sort();
    expect(alpha(after)).toEqual(alpha(before));
  });

  it('gives the tenant its quota alerts, and its receiver when it names one', () => {
    const [plain, paging] = loadTenants(
      'tenants:\n  - name: gamma\n  - name: delta\n    observability:\n      alerts:\n        webhook: {urlSecret: pager}\n',
    );
    const of = (t: typeof plain) =>
      synthChart((app) => new TenantChart(app, t.name, { tenant: t, environment: env, infra }));
    const kinds = (objects: K8sObject[]) =>
      objects
        .filter((o) => ['PrometheusRule', 'AlertmanagerConfig', 'ExternalSecret', 'SecretStore'].includes(o.kind))
        .map((o) => `${o.kind} ${o.metadata.name}`)
        .sort();
    expect(kinds(of(plain))).toEqual(['PrometheusRule tenant-quota']);
    const d = of(paging);
    expect(kinds(d)).toEqual([
      'AlertmanagerConfig tenant-alerts',
      'ExternalSecret alert-receiver',
      'PrometheusRule tenant-quota',
      'SecretStore tenant-secrets',
    ]);
    expect(find(d, 'ExternalSecret', 'alert-receiver')!.spec).toMatchObject({
      secretStoreRef: { kind: 'SecretStore', name: 'tenant-secrets' },
      data: [{ secretKey: 'url', remoteRef: { key: 'pager' } }],
    });
    expect(find(d, 'AlertmanagerConfig', 'tenant-alerts')!.spec.receivers).toEqual([
      { name: 'delta', webhookConfigs: [{ urlSecret: { name: 'alert-receiver', key: 'url' }, sendResolved: true }] },
    ]);
  });
});
