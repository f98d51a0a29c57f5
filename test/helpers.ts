/**
 * Shared test helpers: build constructs inside a throw-away chart and read back the manifests,
 * plus a sample Environment and Tenant.
 */
import { App, Chart } from 'cdk8s';
import { vi } from 'vitest';
import type { PlatformSettings } from '../charts/config/platform-settings';
import type { Environment } from '../charts/config/environment';
import { type InfraOutputs, SECRET_PROPERTIES, type SecretKey, secretName } from '../charts/config/infra-outputs';
import { loadTenants, type Tenant } from '../charts/config/load-tenants';
import { ConfigError } from '../charts/config/source-errors';

/** A synthesized Kubernetes object, as Chart.toJson() returns it. */
export type K8sObject = Record<string, any>;

/** Builds constructs inside `new Chart(new App(), 'test')` and returns the chart's manifests. */
export function synth(build: (chart: Chart) => void): K8sObject[] {
  const chart = new Chart(new App({ outdir: '.' }), 'test');
  build(chart);
  return chart.toJson() as K8sObject[];
}

/** Like synth(), for a chart class built on its own App. */
export function synthChart(build: (app: App) => Chart): K8sObject[] {
  return build(new App({ outdir: '.' })).toJson() as K8sObject[];
}

/** Objects of one kind. */
export function ofKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The only object of a kind; fails when there are zero or several. */
export function only(objects: readonly K8sObject[], kind: string): K8sObject {
  const found = ofKind(objects, kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, found ${found.length}`);
  return found[0];
}

/** Every value found under `key` anywhere inside `value` (depth first). */
export function collect(value: unknown, key: string): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === key) out.push(x);
        walk(x);
      }
    }
  };
  walk(value);
  return out;
}

/** Every object key used anywhere inside `value`. */
export function allKeys(value: unknown): Set<string> {
  const keys = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        keys.add(k);
        walk(x);
      }
    }
  };
  walk(value);
  return keys;
}

/** A sample environment whose values differ from the shipped dev/prod files. */
export function sampleEnvironment(overrides: Partial<Environment> = {}): Environment {
  return {
    name: 'test',
    kubernetesVersion: '1.35',
    cluster: { server: 'https://kubernetes.example.test:6443', trustDomain: 'mesh.example.test' },
    argocd: { namespace: 'argocd', repoURL: 'https://git.example.test/platform/gitops.git', targetRevision: 'main' },
    platform: samplePlatformSettings(),
    aws: sampleAws(),
    ...overrides,
  };
}

/** A sample aws section: every node group sized differently, so that a mix-up shows. */
export function sampleAws(overrides: Partial<Environment['aws']> = {}): Environment['aws'] {
  return {
    region: 'eu-west-1',
    clusterName: 'agentic-test',
    hostedZoneId: 'Z0TEST0ZONE',
    natGateway: 'Single',
    supportType: 'STANDARD',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    nodeGroups: {
      platform: { instanceType: 'm6i.large', minSize: 1, maxSize: 4, desiredSize: 2, volumeSize: 60 },
      agents: { instanceType: 'm6i.xlarge', minSize: 2, maxSize: 5, desiredSize: 3, volumeSize: 70 },
      gateway: { instanceType: 't3.small', minSize: 1, maxSize: 2, desiredSize: 1, volumeSize: 30 },
    },
    ...overrides,
  };
}

/** Platform settings whose values differ from the shipped dev/prod files. */
export function samplePlatformSettings(): PlatformSettings {
  const img = (repository: string, tag: string) => ({ registry: 'registry.example.test', repository, tag });
  return {
    domain: 'test.example.test',
    gateway: { exposure: 'internal' },
    waypoint: 'istio',
    images: {
      agentgatewayProxy: img('agentgateway', 'v9.9.9'),
      agentgatewayWaypoint: img('agentgateway', 'v9.9.9-waypoint'),
      agentgatewayController: img('controller', 'v9.9.9'),
      otelCollector: img('otelcol', '9.9.9'),
      keycloak: img('keycloak', '26.5.4'),
      keycloakConfigCli: img('kcc', '6.5.0-26.5.4'),
      promLabelProxy: img('prom-label-proxy', 'v9.9.9'),
      accessSync: img('node', '99.0.0-alpine'),
    },
    replicas: {
      agentgatewayController: 1,
      agentgatewayProxy: 3,
      kagentController: 1,
      keycloak: 1,
      langfuseWeb: 1,
      langfuseWorker: 1,
      clickhouse: 1,
      otelCollector: 2,
      prometheus: 1,
    },
    storage: { prometheus: '7Gi', clickhouse: '9Gi', grafana: '1Gi', alertmanager: '1Gi' },
    volumeReclaimPolicy: 'Delete',
    retention: { prometheus: '3d' },
    llm: { anthropicModel: 'claude-test-model', openai: true, openaiModel: 'gpt-test' },
    guards: {},
    versions: {},
  };
}

/** A sample tenant with the platform defaults applied, as loadTenants() returns it. */
export function sampleTenant(name = 'alpha', overrides: Partial<Tenant> = {}): Tenant {
  return { ...loadTenants(`tenants:\n  - name: ${name}\n`)[0], ...overrides };
}

/** Cluster outputs of an environment, with example values. */
export function sampleInfra(env: string, overrides: Partial<InfraOutputs> = {}): InfraOutputs {
  const secrets = Object.fromEntries(
    Object.keys(SECRET_PROPERTIES).map((k) => [k, secretName(env, k as SecretKey)]),
  ) as InfraOutputs['secrets'];
  return {
    environment: env,
    region: 'eu-west-1',
    accountId: '210987654321',
    clusterName: `agentic-${env}`,
    postgres: {
      host: `pg.${env}.example.test`,
      port: 5432,
      langfuseDatabase: 'langfuse',
      keycloakDatabase: 'keycloak',
      kagentDatabase: 'kagent',
    },
    redis: { host: `redis.${env}.example.test`, port: 6379 },
    s3: { bucket: `agentic-platform-langfuse-${env}`, region: 'eu-west-1' },
    roles: {
      langfuse: `arn:aws:iam::210987654321:role/${env}-langfuse`,
      externalSecrets: `arn:aws:iam::210987654321:role/${env}-external-secrets`,
      tenantSecrets: `arn:aws:iam::210987654321:role/${env}-tenant-secrets`,
    },
    gateway: { certificateArn: 'arn:aws:acm:eu-west-1:210987654321:certificate/11111111-2222-4333-8444-555555555555' },
    secrets,
    ...overrides,
  };
}

/** sampleInfra for each environment, keyed by name (SynthInput.infra). */
export function infraFor(envs: readonly Environment[]): Map<string, InfraOutputs> {
  return new Map(envs.map((e) => [e.name, sampleInfra(e.name)]));
}

/** The formatted error lines of a tenants.yaml text (fails when it loads). */
export function tenantErrors(text: string): string[] {
  try {
    loadTenants(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected the file to be rejected');
}

/**
 * Sends console.log lines to `out` and console.error and console.warn lines to `err` (restored by vi.restoreAllMocks).
 */
export function captureConsole(out: string[], err: string[]): void {
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
}
