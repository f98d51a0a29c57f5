/**
 * Kyverno v1.19.0 for real: its admission and background controllers (scripts/cluster-tier/kyverno.ts,
 * built by `npm run tools -- --group cluster`) run against the real kube-apiserver with the kyverno
 * chart 3.9.0's objects as our values render them, register their webhooks by the chart's Service,
 * and the API server calls them through the egress proxy. Then our ClusterPolicies of dist/dev:
 * every object of dist/dev is admitted through them, a planted object that breaks an Enforce rule
 * is denied naming the policy, and what the mutating and generating rules do is shown on planted
 * objects. Skipped, naming the command, when the cluster group's Kyverno binaries are not built
 * (`npm run test:cluster` builds them and runs this file too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderComponent } from '../../scripts/upstream/render';
import { applyPlan, crdFiles, FIELD_MANAGER, installCrds, kubectl } from '../../scripts/kube/apply';
import { readOutput } from '../../scripts/kube/manifests';
import { syncPlan } from '../../scripts/kube/sync-plan';
import { type ControlPlane, freePort, startControlPlane } from '../../scripts/integration/control-plane';
import { type EgressProxy, type Route, startEgressProxy } from '../../scripts/cluster-tier/egress';
import { type StandIns, startStandIns } from '../../scripts/cluster-tier/stand-ins';
import {
  KYVERNO_CONTROLLERS,
  type Kyverno,
  kyvernoRequirements,
  kyvernoServed,
  startKyverno,
} from '../../scripts/cluster-tier/kyverno';
import { CRDS_DIR } from '../../scripts/toolchain/schemas';
import { installCommand, isInstalled, tool } from '../../scripts/toolchain/tools';
import { ROOT } from '../gates/fixture';

const built = KYVERNO_CONTROLLERS.every((c) => isInstalled(tool(c.tool)));
if (!built) console.log(`kyverno: skipped: Kyverno's controllers are not built; run: ${installCommand('cluster')}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dev = readOutput(ROOT).environments.find((e) => e.name === 'dev')!;
const policies = dev.manifests.filter((m) => m.file.startsWith('dist/dev/platform/policies/'));

/** A tenant namespace of dist/dev and a platform one (labelled platform.agentic.io/component). */
const TENANT_NS = 'tenant-alpha';
const PLATFORM_NS = 'kagent-system';

describe.skipIf(!built)('Kyverno v1.19.0 admission and background controllers with our ClusterPolicies', () => {
  let cp: ControlPlane;
  let egress: EgressProxy;
  let standIns: StandIns | undefined;
  let kyverno: Kyverno | undefined;
  let route: Route = async () => ({ refused: 'the control plane is starting' });
  const log: string[] = [];
  const run = async (args: readonly string[], input?: string) => {
    const r = await kubectl(cp, args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const apply = (objects: readonly object[]) =>
    run(
      ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', '-o', 'name'],
      objects.map((o) => stringify(o)).join('---\n'),
    );

  beforeAll(async () => {
    const started = Date.now();
    const phases: string[] = [];
    let last = started;
    const phase = (name: string) => {
      phases.push(`${name} ${((Date.now() - last) / 1000).toFixed(1)}s`);
      last = Date.now();
    };
    egress = await startEgressProxy(
      (h, p) => route(h, p),
      (l) => log.push(l),
    );
    cp = await startControlPlane({ egressProxy: egress.socket });
    const webhookPort = await freePort();
    standIns = await startStandIns({
      dir: cp.dir,
      kubectl: run,
      served: kyvernoServed(webhookPort),
      log: (l) => log.push(l),
      // Nothing here is stood in: kyverno-svc is served by the process. A rare scan keeps the
      // stand-ins' listing of every CRD off the API server while CRDs are installed.
      intervalMs: 60_000,
    });
    route = standIns.route;
    phase('control plane');
    const steps = syncPlan(dev);
    await applyPlan(cp, steps.slice(0, 1));
    await installCrds(cp, crdFiles(CRDS_DIR));
    phase('namespaces and CRDs');
    // The chart as Argo CD syncs it (hooks and tests run only around a Helm install).
    const chart = renderComponent('dev', 'kyverno')
      .objects.map((o) => o.object)
      .filter((o) => o.metadata.annotations?.['helm.sh/hook'] === undefined);
    await apply(chart.filter((o) => o.kind === 'CustomResourceDefinition'));
    await apply(chart.filter((o) => o.kind !== 'CustomResourceDefinition'));
    phase('chart');
    kyverno = await startKyverno({
      cp,
      kubectl: run,
      webhookPort,
      requires: kyvernoRequirements(chart),
      waitSeconds: 60,
      log: (l) => log.push(l),
    });
    phase('controllers');
    // Our ClusterRoles aggregate into the chart's (rbac.kyverno.io/aggregate-to-*): Kyverno's
    // policy webhook checks that the background controller may create what the generate rules do.
    await apply(policies.filter((m) => m.object.kind === 'ClusterRole').map((m) => m.object));
    for (let i = 0; ; i++) {
      const rules = await run(['get', 'clusterrole', 'kyverno:background-controller', '-o', 'jsonpath={.rules}']);
      if (rules.includes('httproutes') && rules.includes('agentgatewaypolicies')) break;
      if (i > 60) throw new Error('kyverno:background-controller did not aggregate our ClusterRole');
      await sleep(500);
    }
    await apply(policies.filter((m) => m.object.kind === 'ClusterPolicy').map((m) => m.object));
    const ready = await kubectl(cp, ['wait', '--for=condition=Ready', 'clusterpolicy', '--all', '--timeout=120s']);
    if (ready.code !== 0)
      throw new Error(
        `ClusterPolicies not Ready: ${ready.stderr}\n${await run(['get', 'clusterpolicy', '-o', 'yaml'])}\n${kyverno.log('kyverno-admission-controller')}`,
      );
    phase('policies Ready');
    console.log(
      `kyverno: ${policies.filter((m) => m.object.kind === 'ClusterPolicy').length} ClusterPolicies Ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${phases.join(', ')})`,
    );
  }, 300_000);

  afterAll(async () => {
    await kyverno?.stop();
    await standIns?.stop();
    await cp?.stop();
    await egress?.close();
  });

  it('registers its webhooks by the chart Service, which the API server reaches through the proxy', async () => {
    const webhooks = JSON.parse(
      await run(['get', 'validatingwebhookconfigurations,mutatingwebhookconfigurations', '-o', 'json']),
    ) as { items: { metadata: { name: string }; webhooks?: { clientConfig: { service?: object; url?: string } }[] }[] };
    const kyvernos = webhooks.items.filter((w) => w.metadata.name.startsWith('kyverno-'));
    expect(kyvernos.map((w) => w.metadata.name)).toEqual(
      expect.arrayContaining(['kyverno-resource-validating-webhook-cfg', 'kyverno-resource-mutating-webhook-cfg']),
    );
    for (const w of kyvernos)
      for (const h of w.webhooks ?? [])
        expect(h.clientConfig.service, w.metadata.name).toMatchObject({
          namespace: 'kyverno',
          name: 'kyverno-svc',
          port: 443,
        });
    // The stand-ins answer none of them: kyverno-svc is served by the process.
    expect(standIns!.report().filter((l) => l.startsWith('kyverno/'))).toEqual([]);
  });

  it('admits every object of dist/dev, each judged by the policies that match it', async () => {
    const started = Date.now();
    const report = await applyPlan(cp, syncPlan(dev));
    console.log(
      `kyverno: ${report.accepted} of ${dev.manifests.length} objects of dist/dev and argocd/dev admitted in ${((Date.now() - started) / 1000).toFixed(1)}s; ${report.problems.length} problems`,
    );
    // Kyverno v1.19.0 warns on every kyverno.io policy it admits (pkg/webhooks/policy/handlers.go,
    // text from pkg/deprecations/deprecations.go); nothing else may be said.
    const deprecated = (kind: string) =>
      `${kind} (kyverno.io) is deprecated and will be removed in a future release; migrate to ValidatingPolicy, MutatingPolicy, GeneratingPolicy or ImageValidatingPolicy (policies.kyverno.io), see https://kyverno.io/docs/guides/migration-to-cel/`;
    const isDeprecation = (p: string) =>
      p.startsWith('warning: ClusterPolicy ') && p.endsWith(`: ${deprecated('ClusterPolicy')}`);
    expect(report.problems.filter((p) => !isDeprecation(p))).toEqual([]);
    expect(report.problems.filter(isDeprecation)).toHaveLength(
      policies.filter((m) => m.object.kind === 'ClusterPolicy').length,
    );
    expect(report.accepted).toBe(dev.manifests.length);
    // The Enforce policy judged every tenant object it matches: each has an admission report
    // (kyverno v1.19.0 pkg/utils/report/new.go NewAdmissionReport, the resource named by the
    // audit.kyverno.io/resource.* annotations of pkg/utils/report/metadata.go) with its result.
    const backends = policies.find((m) => m.object.metadata.name === 'tenant-backends')!.object;
    const kinds = new Set<string>(
      backends.spec.rules.flatMap((r: { match: { any: { resources: { kinds: string[] } }[] } }) =>
        r.match.any.flatMap((m) => m.resources.kinds.map((k) => k.split('/').pop()!)),
      ),
    );
    const tenantNamespaces = new Set(
      dev.manifests
        .filter(
          (m) => m.object.kind === 'Namespace' && m.object.metadata.labels?.['platform.agentic.io/tenant'] === 'true',
        )
        .map((m) => m.object.metadata.name as string),
    );
    const matched = dev.manifests
      .filter((m) => kinds.has(m.object.kind) && tenantNamespaces.has(m.object.metadata.namespace))
      .map((m) => `${m.object.kind} ${m.object.metadata.namespace}/${m.object.metadata.name}`)
      .sort();
    const reports = JSON.parse(await run(['get', 'ephemeralreports', '-A', '-o', 'json'])) as {
      items: {
        metadata: { annotations: Record<string, string>; labels: Record<string, string> };
        spec: { results?: { policy: string; rule: string; result: string }[] };
      }[];
    };
    const judged = new Map<string, Set<string>>();
    for (const r of reports.items) {
      const a = r.metadata.annotations;
      const key = `${a['audit.kyverno.io/resource.namespace']}/${a['audit.kyverno.io/resource.name']}`;
      for (const x of r.spec.results ?? [])
        if (x.policy === 'tenant-backends') judged.set(key, (judged.get(key) ?? new Set()).add(x.result));
    }
    console.log(`kyverno: tenant-backends judged ${matched.length} objects of dist/dev: ${matched.join(', ')}`);
    expect(matched.length).toBeGreaterThan(0);
    expect(matched.map((m) => `${m}: ${[...(judged.get(m.split(' ')[1]!) ?? [])].sort().join(',')}`)).toEqual(
      matched.map((m) => `${m}: pass`),
    );
  });

  it('planted fault: denies an ExternalName Service in a tenant namespace, naming the policy and rule', async () => {
    const r = await kubectl(
      cp,
      ['create', '-o', 'name'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'alias', namespace: TENANT_NS },
        spec: { type: 'ExternalName', externalName: 'kb.tenant-beta.svc.cluster.local' },
      }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('admission webhook "validate.kyverno.svc-fail" denied the request');
    expect(r.stderr).toContain('tenant-backends');
    expect(r.stderr).toContain(`no-external-name: 'Service ${TENANT_NS}/alias: type ExternalName is refused`);
  });

  it('mutates a pod of a tenant and of a platform namespace onto their node groups', async () => {
    const pod = (namespace: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'probe', namespace },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'c',
              image: 'registry.example/probe:1',
              resources: { limits: { cpu: '100m', memory: '64Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      });
    const mutated = async (namespace: string) =>
      JSON.parse(await run(['create', '--dry-run=server', '-o', 'json'], pod(namespace))) as {
        spec: { nodeSelector?: Record<string, string>; tolerations?: object[] };
      };
    for (const [namespace, group] of [
      [TENANT_NS, 'agents'],
      [PLATFORM_NS, 'platform'],
    ] as const) {
      const m = await mutated(namespace);
      console.log(
        `kyverno: pod in ${namespace} mutated to ${JSON.stringify({ nodeSelector: m.spec.nodeSelector, tolerations: m.spec.tolerations })}`,
      );
      expect(m.spec.nodeSelector).toEqual({ 'node-role': group });
      expect(m.spec.tolerations).toContainEqual({
        key: 'workload',
        operator: 'Equal',
        value: group,
        effect: 'NoSchedule',
      });
    }
  });

  it('generates the route and callers policy of an exposed Agent through the background controller', async () => {
    const agent = {
      apiVersion: 'kagent.dev/v1alpha2',
      kind: 'Agent',
      metadata: { name: 'helper', namespace: TENANT_NS, annotations: { 'platform.agentic.io/expose': 'true' } },
      spec: {
        type: 'Declarative',
        description: 'planted',
        declarative: { systemMessage: 'You help.', modelConfig: 'default-model-config' },
      },
    };
    const created = JSON.parse(await run(['create', '-o', 'json'], JSON.stringify(agent))) as {
      spec: { declarative: { deployment?: { env?: { name: string; value?: string }[] } } };
    };
    // traceprop: a Declarative Agent no Argo CD Application syncs gets DISABLE_AIOHTTP_TRANSPORT.
    console.log(
      `kyverno: planted Agent's env after admission: ${JSON.stringify(created.spec.declarative.deployment?.env)}`,
    );
    expect(created.spec.declarative.deployment?.env).toContainEqual({
      name: 'DISABLE_AIOHTTP_TRANSPORT',
      value: 'True',
    });
    let generated = '';
    for (let i = 0; i < 60; i++) {
      generated = await run([
        'get',
        'httproutes.gateway.networking.k8s.io,agentgatewaypolicies.agentgateway.dev',
        '-n',
        TENANT_NS,
        '-l',
        'platform.agentic.io/exposed-by=auto-expose',
        '-o',
        'name',
      ]);
      if (generated.split('\n').filter(Boolean).length === 2) break;
      await sleep(1000);
    }
    console.log(`kyverno: generated for the planted Agent:\n${generated}`);
    expect(generated.split('\n').filter(Boolean).sort(), kyverno!.log('kyverno-background-controller')).toEqual([
      'agentgatewaypolicy.agentgateway.dev/auto-expose-a2a-helper-callers',
      'httproute.gateway.networking.k8s.io/auto-expose-a2a-helper',
    ]);
    const route = JSON.parse(
      await run(['get', 'httproute', 'auto-expose-a2a-helper', '-n', TENANT_NS, '-o', 'json']),
    ) as { spec: { rules: { matches: { path: { value: string } }[] }[] } };
    expect(route.spec.rules[0]!.matches[0]!.path.value).toBe(`/a2a/${TENANT_NS}/helper`);
  });

  it('planted fault: without our reports ClusterRole, Kyverno warns that its reports controller cannot read the kinds', async () => {
    await run(['delete', 'clusterrole', 'kyverno-agentic-platform-reports']);
    try {
      for (let i = 0; ; i++) {
        const rules = await run(['get', 'clusterrole', 'kyverno:reports-controller', '-o', 'jsonpath={.rules}']);
        if (!rules.includes('remotemcpservers')) break;
        if (i > 60) throw new Error('kyverno:reports-controller kept our rules');
        await sleep(500);
      }
      const traceprop = policies.find((m) => m.object.metadata.name === 'traceprop')!.object;
      const r = await kubectl(
        cp,
        ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--dry-run=server', '-o', 'name'],
        stringify(traceprop),
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(
        'system:serviceaccount:kyverno:kyverno-reports-controller requires permissions get,list,watch for resource kagent.dev/v1alpha2/Agent',
      );
    } finally {
      await apply(
        policies.filter((m) => m.object.metadata.name === 'kyverno-agentic-platform-reports').map((m) => m.object),
      );
    }
  });
});
