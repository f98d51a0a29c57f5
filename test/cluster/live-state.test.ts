/**
 * The cluster tier's checks over the live state (scripts/cluster-tier/live-*.ts), on a stand-in
 * for `kubectl get -A -o json` of a synced environment: dist/<env>/ plus the platform charts
 * rendered with our values (live-fixture.ts; kube-prometheus-stack, which the charts folder here
 * cannot render, by a stub of the Services and ServiceAccount the platform names). Each check
 * catches a planted fault, and our own output gives exactly the findings listed here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CORE_SCHEMA, load } from 'js-yaml';
import { WAYPOINT_RESOURCES } from '../../charts/lib/waypoint';
import {
  type K8sObject,
  LiveIndex,
  liveObjects,
  withControllerObjects,
  withoutSecretValues,
} from '../../scripts/cluster-tier/live-state';
import { referenceProblems } from '../../scripts/cluster-tier/live-references';
import { admittedResources, limitRangeDefaults, quotaProblems } from '../../scripts/cluster-tier/live-quota';
import { reachFindings, reachProblems, staleReachExceptions } from '../../scripts/cluster-tier/live-reach';
import { liveFixture } from './live-fixture';

const parse = (s: string) => load(s, { schema: CORE_SCHEMA });
const ENVS = ['dev', 'prod'] as const;

/**
 * What the checks find in our output (the same in dev and prod). References: tenants.yaml names
 * Secrets and a ServiceAccount that the tenant teams create themselves (docs/tenant-guide.md);
 * nothing the platform deploys creates them, so until a team does, the pods fail to start and the
 * binding names nobody. Reach: every tenant waypoint is an Envoy proxy that takes its
 * configuration and certificate from istiod on 15012, and istiod's ServiceAccount writes
 * cluster-scoped objects and reads Secrets cluster-wide.
 */
const FINDINGS = {
  references: [
    'Agent tenant-beta/planner spec.byo.deployment.env[5].valueFrom.secretKeyRef: Secret tenant-beta/planner-github does not exist',
    'Deployment tenant-alpha/kb spec.template.spec.containers[0].envFrom[0].secretRef: Secret tenant-alpha/kb-credentials does not exist',
    'Deployment tenant-beta/planner spec.template.spec.containers[0].env[5].valueFrom.secretKeyRef: Secret tenant-beta/planner-github does not exist',
    'RoleBinding tenant-research/tenant-agent-developer-binding subjects[2]: ServiceAccount tenant-research/ci-deployer does not exist',
  ],
  reach: ['alpha', 'beta', 'research'].map(
    (t) =>
      `Deployment istio-system/istiod runs as ServiceAccount istio-system/istiod, which writes cluster-scoped gatewayclasses.gateway.networking.k8s.io, mutatingwebhookconfigurations.admissionregistration.k8s.io, validatingwebhookconfigurations.admissionregistration.k8s.io; reads Secrets cluster-wide (ClusterRole istiod-clusterrole-istio-system by ClusterRoleBinding istiod-clusterrole-istio-system); reads Secrets in istio-system (Role istiod by RoleBinding istio-system/istiod), and tenant pod Deployment tenant-${t}/agentgateway-waypoint on TCP 15012 reaches it through the NetworkPolicies`,
  ),
};

const fixtures = new Map<string, K8sObject[]>();
/** The live objects of an environment with a change, and what controllers make of them. */
function live(env: string, change: (objects: K8sObject[]) => K8sObject[] = (o) => o): K8sObject[] {
  return withControllerObjects(change(structuredClone(fixtures.get(env)!)), parse);
}

const find = (objects: K8sObject[], kind: string, ns: string | undefined, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata?.namespace === ns && x.metadata?.name === name);
  if (!o) throw new Error(`fixture has no ${kind} ${ns}/${name}`);
  return o;
};

beforeAll(() => {
  for (const env of ENVS) fixtures.set(env, liveFixture(env).objects);
}, 120_000);

describe('liveObjects', () => {
  it('reads kubectl lists, single objects and arrays of them', () => {
    const list = JSON.stringify({ kind: 'List', items: [{ kind: 'Pod', metadata: { name: 'a' } }] });
    expect(liveObjects(list, [{ kind: 'Service', metadata: { name: 'b' } }]).map((o) => o.kind)).toEqual([
      'Pod',
      'Service',
    ]);
  });
});

describe.each(ENVS)('references resolve in the live state (%s)', (env) => {
  it('finds exactly the references our output leaves to the tenant teams', () => {
    expect(referenceProblems(live(env))).toEqual(FINDINGS.references);
  });

  it('counts the objects controllers make: ExternalSecret targets, waypoints, kagent and kmcp Services', () => {
    const index = new LiveIndex(live(env));
    expect(index.get('Secret', 'otel', 'otel-collector-auth')).toBeDefined();
    expect(
      index.get('Service', 'tenant-alpha', 'agentgateway-waypoint')?.spec.ports.map((p: K8sObject) => p.port),
    ).toEqual([15021, 15008]);
    expect(index.get('Service', 'tenant-alpha', 'kb')?.spec.ports[0].port).toBe(3000);
    expect(
      index.get('Service', 'agentgateway-system', 'agentgateway-mesh')?.spec.ports.map((p: K8sObject) => p.port),
    ).toEqual([80, 15008]);
  });

  it('catches a Secret no ExternalSecret produces any more', () => {
    const objects = live(env, (o) =>
      o.filter((x) => !(x.kind === 'ExternalSecret' && x.metadata.name === 'otel-collector-auth')),
    );
    expect(referenceProblems(objects).filter((p) => !FINDINGS.references.includes(p))).toEqual([
      'Deployment otel/otel-collector spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef: Secret otel/otel-collector-auth does not exist',
    ]);
  });

  it('catches a backendRef port, a URL host and a ServiceMonitor port that name nothing', () => {
    const objects = live(env, (o) => {
      find(o, 'HTTPRoute', 'tenant-alpha', 'mcp-kb').spec.rules[0].backendRefs[0].port = 3001;
      const mc = find(o, 'ModelConfig', 'tenant-alpha', 'default-model-config');
      mc.spec.anthropic.baseUrl = mc.spec.anthropic.baseUrl.replace('agentgateway-mesh.', 'agentgateway-mesch.');
      find(o, 'ServiceMonitor', 'monitoring', 'otel-collector').spec.endpoints[0].port = 'metricz';
      return o;
    });
    expect(referenceProblems(objects).filter((p) => !FINDINGS.references.includes(p))).toEqual([
      'HTTPRoute tenant-alpha/mcp-kb spec.rules[0].backendRefs[0]: Service tenant-alpha/kb has no port 3001 (ports 3000)',
      'ModelConfig tenant-alpha/default-model-config spec.anthropic.baseUrl: Service agentgateway-system/agentgateway-mesch does not exist',
      'ServiceMonitor monitoring/otel-collector spec.endpoints[0].port: no Service matching selector {"matchLabels":{"app.kubernetes.io/name":"otel-collector"}} has a port named metricz',
    ]);
  });
});

describe.each(ENVS)('tenant namespaces fit their quota in the live state (%s)', (env) => {
  it('our output fits', () => {
    expect(quotaProblems(live(env))).toEqual([]);
  });

  it("sizes the waypoint as istiod's values say (the render's istio-sidecar-injector ConfigMap)", () => {
    const dep = find(live(env), 'Deployment', 'tenant-alpha', 'agentgateway-waypoint');
    expect(dep.spec.template.spec.containers[0].resources).toEqual(WAYPOINT_RESOURCES);
    // The class defaults overlay (gatewayClasses values) places it on the agents group.
    expect(dep.spec.template.spec.nodeSelector).toEqual({ 'node-role': 'agents' });
  });

  it('catches requests over the quota, counting the waypoint (100m) with the agent (250m) and MCP server (100m)', () => {
    const objects = live(env, (o) => {
      find(o, 'ResourceQuota', 'tenant-alpha', 'tenant-quota').spec.hard['requests.cpu'] = '400m';
      find(o, 'ResourceQuota', 'tenant-alpha', 'tenant-quota').spec.hard.services = '2';
      return o;
    });
    expect(quotaProblems(objects)).toEqual([
      'tenant-alpha ResourceQuota tenant-alpha/tenant-quota: requests.cpu used 450m of hard 400m',
      'tenant-alpha ResourceQuota tenant-alpha/tenant-quota: services used 3 of hard 2',
    ]);
  });

  it("sizes the waypoint by its class's defaults and its Gateway's parametersRef ConfigMap", () => {
    const classDefaults = (o: K8sObject[]) =>
      o.find(
        (x) =>
          x.kind === 'ConfigMap' &&
          x.metadata.labels?.['gateway.istio.io/defaults-for-class'] === 'agentgateway-waypoint',
      )!;
    const bigger = live(env, (o) => {
      classDefaults(o).data.deployment =
        'spec:\n  template:\n    spec:\n      containers:\n      - name: istio-proxy\n        resources:\n          limits:\n            cpu: "20"\n';
      return o;
    });
    expect(quotaProblems(bigger)).toEqual([
      'tenant-alpha ResourceQuota tenant-alpha/tenant-quota: limits.cpu used 21500m of hard 16',
      'tenant-beta ResourceQuota tenant-beta/tenant-quota: limits.cpu used 22000m of hard 16',
    ]);
    const replicated = live(env, (o) => {
      find(o, 'Gateway', 'tenant-alpha', 'agentgateway-waypoint').spec.infrastructure = {
        parametersRef: { group: '', kind: 'ConfigMap', name: 'waypoint-parameters' },
      };
      return [
        ...o,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'waypoint-parameters', namespace: 'tenant-alpha' },
          data: { deployment: 'spec:\n  replicas: 30\n' },
        },
      ];
    });
    expect(quotaProblems(replicated)).toEqual([
      'tenant-alpha ResourceQuota tenant-alpha/tenant-quota: limits.cpu used 16500m of hard 16',
      'tenant-alpha ResourceQuota tenant-alpha/tenant-quota: pods used 32 of hard 20',
    ]);
  });

  it('catches a LoadBalancer Service where the quota allows none (and its node port)', () => {
    const objects = live(env, (o) => [
      ...o,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'planted-lb', namespace: 'tenant-beta' },
        spec: { type: 'LoadBalancer', ports: [{ port: 443 }] },
      },
    ]);
    expect(quotaProblems(objects)).toEqual([
      'tenant-beta ResourceQuota tenant-beta/tenant-quota: services.loadbalancers used 1 of hard 0',
      'tenant-beta ResourceQuota tenant-beta/tenant-quota: services.nodeports used 1 of hard 0',
    ]);
  });

  it('gives a container without resources the LimitRange defaults (50m for kb instead of 100m)', () => {
    const objects = live(env, (o) => {
      delete find(o, 'MCPServer', 'tenant-alpha', 'kb').spec.deployment.resources;
      find(o, 'ResourceQuota', 'tenant-alpha', 'tenant-quota').spec.hard['requests.cpu'] = '399m';
      return o;
    });
    expect(quotaProblems(objects)).toEqual([
      'tenant-alpha ResourceQuota tenant-alpha/tenant-quota: requests.cpu used 400m of hard 399m',
    ]);
  });
});

describe('the LimitRanger model (plugin/pkg/admission/limitranger/admission.go)', () => {
  const lr = {
    spec: { limits: [{ type: 'Container', default: { cpu: '200m', memory: '256Mi' }, max: { cpu: '1' } }] },
  };
  it('fills missing limits from default and missing requests from defaultRequest, which defaults to default', () => {
    expect(admittedResources({ name: 'c' }, limitRangeDefaults([lr]))).toEqual({
      requests: { cpu: '200m', memory: '256Mi' },
      limits: { cpu: '200m', memory: '256Mi' },
    });
  });
  it('takes a set limit as the request first (SetDefaults_Pod), and never overrides what is set', () => {
    expect(admittedResources({ resources: { limits: { cpu: '2' } } }, limitRangeDefaults([lr]))).toEqual({
      requests: { cpu: '2', memory: '256Mi' },
      limits: { cpu: '2', memory: '256Mi' },
    });
  });
});

describe.each(ENVS)('powerful ServiceAccounts out of tenant reach in the live state (%s)', (env) => {
  it('finds exactly istiod, which every tenant waypoint must reach, and excepts it with its reason', () => {
    expect(reachFindings(live(env))).toEqual(FINDINGS.reach);
    expect(reachProblems(live(env))).toEqual([]);
    expect(staleReachExceptions(live(env))).toEqual([]);
  });

  it('planted fault: an exception naming other connections than the finding excepts nothing and is reported stale', () => {
    const wider = [{ serviceAccount: 'istio-system/istiod', connections: 'TCP 15012, 15017', reason: 'x' }];
    expect(reachProblems(live(env), wider)).toEqual(FINDINGS.reach);
    expect(staleReachExceptions(live(env), wider)).toEqual(wider);
  });

  it('catches a cluster-wide Secret reader bound to a ServiceAccount whose pods tenants reach (the OTEL collector)', () => {
    const objects = live(env, (o) => [
      ...o,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'planted-secret-reader' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'planted-secret-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'planted-secret-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'otel-collector', namespace: 'otel' }],
      },
    ]);
    const found = reachFindings(objects).filter((p) => !FINDINGS.reach.includes(p));
    expect(found.length).toBeGreaterThan(0);
    for (const p of found)
      expect(p).toMatch(
        /^Deployment otel\/otel-collector runs as ServiceAccount otel\/otel-collector, which reads Secrets cluster-wide \(ClusterRole planted-secret-reader by ClusterRoleBinding planted-secret-reader\), and tenant pod .* tenant-(alpha|beta|research)\/.* on TCP 4317/,
      );
    expect(new Set(found.map((p) => /tenant pod \S+ (tenant-[a-z]+)/.exec(p)![1]))).toEqual(
      new Set(['tenant-alpha', 'tenant-beta', 'tenant-research']),
    );
  });

  it('catches a writer of cluster objects reached once NetworkPolicies open its namespace (the kagent controller)', () => {
    const objects = live(env, (o) => [
      ...o,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'planted-open', namespace: 'kagent-system' },
        spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'planted-open', namespace: 'tenant-alpha' },
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] },
      },
    ]);
    const found = reachFindings(objects).filter((p) => !FINDINGS.reach.includes(p));
    expect(
      found.some((p) =>
        /^Deployment kagent-system\/kagent-controller .* writes cluster-scoped .*namespaces.* tenant pod \S+ tenant-alpha\//.test(
          p,
        ),
      ),
    ).toBe(true);
  });
});

describe('reading a live cluster', () => {
  it('drops Secret values and checks a template once, in the workload that owns it', () => {
    const ours = { 'app.kubernetes.io/managed-by': 'agentic-platform' };
    const template = {
      metadata: { labels: ours },
      spec: {
        containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }],
      },
    };
    const objects = withoutSecretValues(
      liveObjects(
        JSON.stringify({
          kind: 'List',
          items: [
            { kind: 'Namespace', metadata: { name: 'n', labels: ours } },
            { kind: 'Secret', metadata: { name: 's', namespace: 'n' }, data: { k: 'dmFsdWU=' } },
            { kind: 'Deployment', metadata: { name: 'd', namespace: 'n', labels: ours }, spec: { template } },
            {
              kind: 'ReplicaSet',
              metadata: {
                name: 'd-1',
                namespace: 'n',
                labels: ours,
                ownerReferences: [{ kind: 'Deployment', name: 'd' }],
              },
              spec: { template },
            },
            {
              kind: 'Pod',
              metadata: {
                name: 'd-1-a',
                namespace: 'n',
                labels: ours,
                ownerReferences: [{ kind: 'ReplicaSet', name: 'd-1' }],
              },
              spec: template.spec,
            },
          ],
        }),
      ),
    );
    expect(objects.find((o) => o.kind === 'Secret')).toEqual({
      kind: 'Secret',
      metadata: { name: 's', namespace: 'n' },
    });
    expect(referenceProblems(withControllerObjects(objects, parse))).toEqual([
      'Deployment n/d spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef: Secret n/gone does not exist',
    ]);
  });
});
