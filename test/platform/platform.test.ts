/**
 * The platform of the committed environments as synth emits it: every component present and
 * pinned, the wave order of the phases, node placement of every pod template and chart, the
 * gateway's authentication and the absence of default passwords.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { loadTenants } from '../../charts/config/load-tenants';
import { NODE_ROLE_LABEL, NODE_TAINT_KEY } from '../../charts/lib/constants';
import { buildPlatform } from '../../charts/platform/build';
import { readPath } from '../../charts/platform/values';
import { UPSTREAM } from '../../charts/lib/upstream';
import { synthesize } from '../../charts/synth/synthesize';
import * as fs from 'node:fs';

const ROOT = path.resolve(__dirname, '..', '..');
const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
const tenants = loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8'));
const infra = new Map(envs.map((e) => [e.name, loadInfraOutputs(ROOT, e.name)]));
const files = synthesize({ environments: envs, tenants, infra });
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
};
const objects = (prefix: string): [string, Obj][] =>
  [...files].filter(([f]) => f.startsWith(prefix) && f.endsWith('.yaml')).map(([f, text]) => [f, parse(text) as Obj]);

/** The pinned version of every upstream, as the closing note lists it. */
const PINS: Record<string, string> = {
  'istio-base': '1.30.3',
  istiod: '1.30.3',
  'istio-cni': '1.30.3',
  ztunnel: '1.30.3',
  'gateway-api-crds': 'v1.6.1',
  'agentgateway-crds': 'v1.4.1',
  agentgateway: 'v1.4.1',
  'kagent-crds': '0.9.12',
  kagent: '0.9.12',
  'agent-sandbox': 'v0.5.6',
  'external-secrets': '2.9.0',
  argocd: '10.1.1',
  kyverno: '3.9.0',
  'kube-prometheus-stack': '88.5.3',
  clickhouse: '9.4.3',
  langfuse: '1.5.19',
  keycloak: '7.1.8',
  kiali: '2.22.0',
};

for (const env of envs) {
  describe(`platform of ${env.name}`, () => {
    const apps = new Map(
      objects(`argocd/${env.name}/platform/`).map(([, o]) => [o.metadata.name.replace(/^platform-/, ''), o]),
    );
    const wave = (name: string) => Number(apps.get(name)!.metadata.annotations!['argocd.argoproj.io/sync-wave']);

    it('installs every component, each upstream at its pinned version', () => {
      for (const [name, version] of Object.entries(PINS)) {
        const app = apps.get(name);
        expect(app, name).toBeDefined();
        const source = app!.spec.sources[0];
        const up = UPSTREAM[name as keyof typeof UPSTREAM];
        expect(source.repoURL, name).toBe(up.repoURL);
        expect(source.targetRevision, name).toBe(version);
        if (up.type === 'helm') expect(source.chart, name).toBe(up.chart);
      }
      expect(Object.keys(PINS).sort()).toEqual(Object.keys(UPSTREAM).sort());
      for (const ours of ['namespaces', 'storage', 'tenancy', 'otel-collector', 'gateway', 'observability'])
        expect(apps.has(ours), ours).toBe(true);
    });

    it('orders the waves as the phases: Istio and CRDs, data and policy engines, agentgateway, kagent, post-install', () => {
      const chain = ['istio-base', 'istiod', 'istio-cni', 'ztunnel'];
      for (let i = 1; i < chain.length; i++) expect(wave(chain[i]), chain[i]).toBeGreaterThan(wave(chain[i - 1]));
      const crds = ['gateway-api-crds', 'istio-base', 'agentgateway-crds', 'kagent-crds'];
      const engines = ['clickhouse', 'langfuse', 'kube-prometheus-stack', 'keycloak', 'kyverno'];
      for (const e of engines) {
        expect(wave(e), e).toBeGreaterThan(wave('ztunnel'));
        for (const c of crds) expect(wave(e), `${e} after ${c}`).toBeGreaterThan(wave(c));
        expect(wave('agentgateway'), `agentgateway after ${e}`).toBeGreaterThan(wave(e));
      }
      expect(wave('langfuse')).toBeGreaterThan(wave('clickhouse'));
      expect(wave('kagent')).toBeGreaterThan(wave('agentgateway'));
      for (const post of ['gateway', 'observability']) expect(wave(post), post).toBeGreaterThan(wave('kagent'));
      // The admission policies come before the pods and Agents they place and mutate.
      expect(wave('policies')).toBeGreaterThan(wave('kyverno'));
      expect(wave('policies')).toBeLessThan(wave('agentgateway'));
      expect(wave('policies')).toBeLessThan(wave('kagent'));
    });

    it('places every pod template we emit on its node group', () => {
      const templates: [string, Obj, any][] = [];
      for (const [f, o] of objects(`dist/${env.name}/`)) {
        if (o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'DaemonSet')
          templates.push([f, o, o.spec.template.spec]);
        if (o.kind === 'Job') templates.push([f, o, o.spec.template.spec]);
        if (o.kind === 'AgentgatewayParameters') templates.push([f, o, o.spec.deployment.spec.template.spec]);
      }
      expect(templates.length).toBeGreaterThanOrEqual(4);
      for (const [f, o, spec] of templates) {
        const group =
          o.kind === 'AgentgatewayParameters'
            ? o.metadata.name === 'agentgateway-waypoint-config'
              ? 'agents'
              : 'gateway'
            : // A tenant's own Deployment (its sandbox router) runs with its sandboxes, on the agents group.
              f.includes('/tenants/')
              ? 'agents'
              : 'platform';
        expect(spec.nodeSelector, f).toEqual({ [NODE_ROLE_LABEL]: group });
        expect(spec.tolerations, f).toEqual([
          { key: NODE_TAINT_KEY, operator: 'Equal', value: group, effect: 'NoSchedule' },
        ]);
      }
    });

    it('places every chart through its values: platform components on platform, node agents everywhere', () => {
      const built = buildPlatform({ env, infra: infra.get(env.name)!, tenants });
      let checked = 0;
      for (const b of built) {
        const up = b.component.upstream;
        // CRD bundles (Istio base) run no pods.
        if (!up?.values || b.component.crdsOnly) continue;
        expect(up.placements?.length, `${b.component.name} declares where its pods run`).toBeGreaterThan(0);
        const values = apps.get(b.component.name)!.spec.sources[0].helm.valuesObject;
        for (const p of up.placements!) {
          const at = readPath(values, p.path) as Record<string, unknown>;
          if (p.placement === 'every') {
            // Every taint, as node agents need (and their upstream charts default to).
            expect(at.tolerations, `${b.component.name} ${p.path}`).toEqual([{ operator: 'Exists' }]);
            expect(at.nodeSelector, `${b.component.name} ${p.path}`).toBeUndefined();
          } else {
            expect(at[p.nodeSelectorKey ?? 'nodeSelector'], `${b.component.name} ${p.path}`).toEqual({
              [NODE_ROLE_LABEL]: p.placement,
            });
            expect(at.tolerations, `${b.component.name} ${p.path}`).toEqual([
              { key: NODE_TAINT_KEY, operator: 'Equal', value: p.placement, effect: 'NoSchedule' },
            ]);
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(20);
      const everywhere = built.flatMap((b) =>
        (b.component.upstream?.placements ?? [])
          .filter((p) => p.placement === 'every')
          .map((p) => `${b.component.name}:${p.path}`),
      );
      expect(everywhere.sort()).toEqual([
        'istio-cni:cni',
        'kube-prometheus-stack:prometheus-node-exporter',
        'ztunnel:',
      ]);
    });

    it("authenticates every route: a token on the external gateway's API listener, a mesh identity on the mesh gateway", () => {
      const all = objects(`dist/${env.name}/`).map(([, o]) => o);
      const platform = objects(`dist/${env.name}/platform/`).map(([, o]) => o);
      const gatewayPolicies = platform.filter(
        (o) => o.kind === 'AgentgatewayPolicy' && o.spec.targetRefs.some((r: any) => r.kind === 'Gateway'),
      );
      const jwt = gatewayPolicies.filter((o) => o.spec.traffic?.jwtAuthentication);
      expect(jwt).toHaveLength(1);
      expect(jwt[0].spec.targetRefs).toEqual([
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-proxy', sectionName: 'api' },
      ]);
      const external = platform.find((o) => o.kind === 'Gateway' && o.metadata.name === 'agentgateway-proxy')!;
      expect(external.spec.listeners.map((l: any) => l.name)).toContain('api');
      expect(jwt[0].spec.traffic.jwtAuthentication.mode).toBe('Strict');
      expect(jwt[0].spec.traffic.jwtAuthentication.providers[0].issuer).toBe(
        `https://keycloak.${env.platform.domain}/realms/agents`,
      );
      const claim = gatewayPolicies.find((o) => o.metadata.name === 'gateway-tenant-claim')!;
      expect(claim.spec.traffic.authorization).toEqual({
        action: 'Require',
        policy: { matchExpressions: ['has(jwt.tenant) && size(jwt.tenant) > 0'] },
      });
      const mesh = gatewayPolicies.find((o) => o.metadata.name === 'mesh-identity')!;
      expect(mesh.spec.targetRefs).toEqual([
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-mesh', sectionName: 'mesh' },
      ]);
      expect(mesh.spec.traffic.authorization).toEqual({
        action: 'Require',
        policy: { matchExpressions: [`source.identity.trustDomain == "${env.cluster.trustDomain}"`] },
      });
      // Every route on a gateway's route listener has a Require policy of its own, and only
      // Keycloak's public endpoints are reachable without a token.
      const routes = all.filter((o) => o.kind === 'HTTPRoute');
      expect(routes.length).toBeGreaterThan(0);
      for (const r of routes) {
        const parents = r.spec.parentRefs.map((p: any) => `${p.name}/${p.sectionName}`);
        if (r.metadata.name === 'keycloak-public') {
          expect(parents).toEqual(['agentgateway-proxy/keycloak']);
          continue;
        }
        expect(parents.length, r.metadata.name).toBe(1);
        expect(['agentgateway-proxy/api', 'agentgateway-mesh/mesh']).toContain(parents[0]);
        // Traffic policies only: a route's prompt guards are a backend policy.
        const own = all.filter(
          (o) =>
            o.kind === 'AgentgatewayPolicy' &&
            o.spec.traffic &&
            o.metadata.namespace === r.metadata.namespace &&
            o.spec.targetRefs.some((t: any) => t.kind === 'HTTPRoute' && t.name === r.metadata.name),
        );
        expect(
          own.map((o) => o.spec.traffic.authorization.action),
          `${r.metadata.namespace}/${r.metadata.name}`,
        ).toEqual(['Require']);
      }
    });

    it('injects the platform LLM key only in agentgateway-system, from AWS Secrets Manager', () => {
      const all = objects(`dist/${env.name}/`).map(([, o]) => o);
      const backend = all.find((o) => o.kind === 'AgentgatewayBackend' && o.metadata.name === 'anthropic')!;
      expect(backend.metadata.namespace).toBe('agentgateway-system');
      expect(backend.spec.policies.auth.secretRef.name).toBe('anthropic-api-secret');
      const es = all.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'anthropic-api-secret')!;
      expect(es.metadata.namespace).toBe('agentgateway-system');
      expect(es.spec.data).toEqual([
        { secretKey: 'apiKey', remoteRef: { key: infra.get(env.name)!.secrets.anthropicApiKey, property: 'apiKey' } },
      ]);
      const route = all.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'llm-default-anthropic')!;
      expect(route.spec.rules[0].matches[0].path).toEqual({ type: 'PathPrefix', value: '/llm/default/anthropic' });
      expect(route.spec.rules[0].filters[0].urlRewrite.path.replacePrefixMatch).toBe('/');
      // No ExternalSecret in a tenant namespace reads through the platform's store, and the store
      // refuses tenant namespaces: tenants' own keys come through their own SecretStore.
      for (const o of all.filter((x) => x.kind === 'ExternalSecret' && /^tenant-/.test(x.metadata.namespace ?? ''))) {
        expect(o.spec.secretStoreRef, `${o.metadata.namespace}/${o.metadata.name}`).toEqual({
          kind: 'SecretStore',
          name: 'tenant-secrets',
        });
      }
      const store = all.find((o) => o.kind === 'ClusterSecretStore')!;
      expect(store.spec.conditions).toEqual([
        { namespaceSelector: { matchExpressions: [{ key: 'platform.agentic.io/component', operator: 'Exists' }] } },
      ]);
      for (const t of tenants) {
        const mc = all.find((o) => o.kind === 'ModelConfig' && o.metadata.namespace === t.namespace)!;
        expect(mc.spec.anthropic.baseUrl).toBe(
          'http://agentgateway-mesh.agentgateway-system.svc.cluster.local/llm/default/anthropic',
        );
      }
    });

    it('gives keycloakx block-style YAML lists it can append to its own, without the env names it sets itself', () => {
      const values = apps.get('keycloak')!.spec.sources[0].helm.valuesObject;
      for (const key of ['extraEnv', 'extraVolumes', 'extraVolumeMounts']) {
        expect(values[key], key).toMatch(/^- name: /);
        expect(Array.isArray(parse(values[key])), key).toBe(true);
      }
      const names = parse(values.extraEnv).map((e: { name: string }) => e.name);
      expect(new Set(names).size).toBe(names.length);
      for (const own of ['KC_PROXY_HEADERS', 'KC_HTTP_ENABLED', 'KC_DB_PASSWORD']) expect(names).not.toContain(own);
    });

    it('exports traces only, to Langfuse, and sets no default password anywhere', () => {
      const all = objects(`dist/${env.name}/`).map(([, o]) => o);
      const config = parse(
        all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'otel-collector')!.data['config.yaml'],
      );
      // Traces only: one pipeline per tenant, the platform's, the gateways' copies and the drop.
      expect(Object.keys(config.service.pipelines).every((p) => p.startsWith('traces/'))).toBe(true);
      expect(Object.keys(config.service.pipelines)).toEqual(
        expect.arrayContaining(['traces/in', 'traces/platform', 'traces/unattributed', 'traces/tenant-alpha']),
      );
      expect(config.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
      expect(config.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
      for (const [name, e] of Object.entries(config.exporters as Record<string, any>)) {
        if (name !== 'nop')
          expect(e.endpoint, name).toBe('http://langfuse-web.langfuse.svc.cluster.local:3000/api/public/otel');
      }
      const text = [...files]
        .filter(([f]) => f.includes(`/${env.name}/`))
        .map(([, t]) => t)
        .join('\n');
      expect(text).not.toMatch(/adminPassword:\s|admin\/admin|password: ['"]?admin['"]?$|prom-operator/im);
      const grafana = apps.get('kube-prometheus-stack')!.spec.sources[0].helm.valuesObject.grafana;
      expect(grafana.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'username', passwordKey: 'password' });
      // The main organisation loads dashboards from platform namespaces only.
      expect(grafana.sidecar.dashboards.searchNamespace).toEqual(['monitoring', 'agentgateway-system']);
      const prom = apps.get('kube-prometheus-stack')!.spec.sources[0].helm.valuesObject.prometheus.prometheusSpec;
      expect(prom).toMatchObject({
        serviceMonitorNamespaceSelector: {},
        podMonitorNamespaceSelector: {},
        serviceMonitorSelector: {},
        podMonitorSelector: {},
      });
      const dashboards = all.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
      expect(dashboards.map((d) => d.metadata.name).sort()).toEqual([
        'dashboard-agent-activity',
        'dashboard-gateway-traffic',
      ]);
    });

    it('labels every platform namespace with its component and a Pod Security level, with a reason where looser than restricted', () => {
      const nss = objects(`dist/${env.name}/platform/namespaces/`).map(([, o]) => o);
      expect(nss.length).toBeGreaterThanOrEqual(12);
      for (const n of nss) {
        const l = n.metadata.labels!;
        expect(l['platform.agentic.io/component'], n.metadata.name).toBeTruthy();
        expect(['privileged', 'baseline', 'restricted']).toContain(l['pod-security.kubernetes.io/enforce']);
        if (l['pod-security.kubernetes.io/enforce'] !== 'restricted')
          expect(n.metadata.annotations!['platform.agentic.io/pod-security-reason'], n.metadata.name).toBeTruthy();
      }
      const privileged = nss
        .filter((n) => n.metadata.labels!['pod-security.kubernetes.io/enforce'] === 'privileged')
        .map((n) => n.metadata.name);
      expect(privileged.sort()).toEqual(['istio-system', 'monitoring']);
    });
  });
}

describe('environments', () => {
  it('dev and prod differ only through their configuration files', () => {
    const dev = objects('argocd/dev/platform/').map(([f, o]) => [f.replace('/dev/', '/ENV/'), o] as const);
    const prod = new Map(objects('argocd/prod/platform/').map(([f, o]) => [f.replace('/prod/', '/ENV/'), o]));
    expect(dev.map(([f]) => f).sort()).toEqual([...prod.keys()].sort());
    const replicas = (o: Obj) => o.spec.sources[0].helm?.valuesObject?.langfuse?.web?.replicas;
    expect(replicas(dev.find(([f]) => f.endsWith('application-platform-langfuse.yaml'))![1])).toBe(
      envs[0].platform.replicas.langfuseWeb,
    );
    expect(replicas(prod.get('argocd/ENV/platform/application-platform-langfuse.yaml')!)).toBe(
      envs[1].platform.replicas.langfuseWeb,
    );
  });
});
