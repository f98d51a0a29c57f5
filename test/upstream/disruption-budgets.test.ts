/**
 * Every platform workload of more than one replica has a PodDisruptionBudget that selects its pods
 * and lets one of them go, so node drains (cluster:upgrade's node group updates, cluster-autoscaler's
 * scale-down) take one pod at a time and never stall. Read from the pinned charts rendered with our
 * values, our own objects in dist/, the proxies agentgateway makes from AgentgatewayParameters, and
 * the Prometheus that prometheus-operator makes from kube-prometheus-stack's values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { gatewayPods } from '../../charts/lib/constants';
import {
  type K8sObject,
  loadEnvironment,
  namespaceOf,
  readPlatformApplication,
  renderComponent,
  upstreamComponents,
} from '../../scripts/upstream/render';
import { ENVIRONMENTS, notRenderableHere, podTemplate, renderable } from './chart-checks';

const ROOT = path.resolve(__dirname, '..', '..');

interface Workload {
  readonly at: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly podLabels: Record<string, string>;
}
interface Budget {
  readonly at: string;
  readonly namespace: string;
  readonly spec: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: { matchLabels?: Record<string, string> };
  };
}

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? yamlFiles(path.join(dir, e.name)) : e.name.endsWith('.yaml') ? [path.join(dir, e.name)] : [],
    );
}

/** Workloads and budgets of an environment: rendered charts, dist/<env>/platform, and what controllers make. */
export function inventory(env: string): { workloads: Workload[]; budgets: Budget[] } {
  const workloads: Workload[] = [];
  const budgets: Budget[] = [];
  const distObjects = yamlFiles(path.join(ROOT, 'dist', env, 'platform')).flatMap((file) =>
    (loadAll(fs.readFileSync(file, 'utf8'), undefined, { schema: CORE_SCHEMA }) as K8sObject[])
      .filter((o) => o?.kind)
      .map((o) => ({ o, file })),
  );
  // The Gateways of each AgentgatewayParameters (spec.infrastructure.parametersRef).
  const gatewaysOf = (params: K8sObject) =>
    distObjects
      .filter(
        ({ o }) =>
          o.kind === 'Gateway' &&
          o.metadata.namespace === params.metadata.namespace &&
          o.spec.infrastructure?.parametersRef?.name === params.metadata.name,
      )
      .map(({ o }) => o.metadata.name as string);
  const add = (o: K8sObject, namespace: string, at: string) => {
    if (o.kind === 'PodDisruptionBudget') budgets.push({ at, namespace, spec: o.spec });
    const t = podTemplate(o);
    if (t && (o.kind === 'Deployment' || o.kind === 'StatefulSet'))
      workloads.push({ at, namespace, replicas: o.spec.replicas ?? 1, podLabels: t.metadata?.labels ?? {} });
    if (o.kind === 'HorizontalPodAutoscaler') {
      const target = workloads.find(
        (w) =>
          w.namespace === namespace &&
          w.at.startsWith(`${o.spec.scaleTargetRef.kind} ${namespace}/${o.spec.scaleTargetRef.name} `),
      );
      if (target)
        workloads[workloads.indexOf(target)] = {
          ...target,
          replicas: Math.max(target.replicas, o.spec.minReplicas ?? 1),
        };
    }
    // agentgateway v1.4.1: the controller makes each proxy Deployment from its AgentgatewayParameters
    // (spec.deployment overlays the generated one; spec.podDisruptionBudget makes a budget for it).
    if (o.kind === 'AgentgatewayParameters') {
      for (const gateway of gatewaysOf(o)) {
        const replicas = o.spec.deployment?.spec?.replicas ?? 1;
        workloads.push({
          at: `proxy ${namespace}/${gateway} (${at})`,
          namespace,
          replicas,
          podLabels: gatewayPods(gateway),
        });
        if (o.spec.podDisruptionBudget)
          budgets.push({
            at: `budget of ${at}`,
            namespace,
            spec: { ...o.spec.podDisruptionBudget.spec, selector: { matchLabels: gatewayPods(gateway) } },
          });
      }
    }
  };
  const e = loadEnvironment(env);
  for (const c of renderable(env, upstreamComponents(e))) {
    const r = renderComponent(env, c);
    for (const { template, object } of r.objects)
      add(
        object,
        namespaceOf(r, object),
        `${object.kind} ${namespaceOf(r, object)}/${object.metadata.name} (${r.chart}, ${template})`,
      );
  }
  for (const { o, file } of distObjects)
    add(
      o,
      o.metadata.namespace ?? '',
      `${o.kind} ${o.metadata.namespace}/${o.metadata.name} (${path.relative(ROOT, file)})`,
    );
  // kube-prometheus-stack (not renderable here): prometheus-operator makes the Prometheus pods
  // (labels PROMETHEUS_POD_LABELS plus the instance); the chart's budget,
  // templates/prometheus/podDisruptionBudget.yaml, exists when prometheus.podDisruptionBudget.enabled,
  // with minAvailable 1 and selector app.kubernetes.io/name=prometheus, prometheus=<the Prometheus>.
  const kps = readPlatformApplication(e, 'kube-prometheus-stack').source.helm?.valuesObject as any;
  const prometheusLabels = { 'app.kubernetes.io/name': 'prometheus', prometheus: 'kube-prometheus-stack-prometheus' };
  workloads.push({
    at: 'Prometheus monitoring/kube-prometheus-stack-prometheus (prometheus-operator)',
    namespace: 'monitoring',
    replicas: kps.prometheus.prometheusSpec.replicas,
    podLabels: prometheusLabels,
  });
  if (kps.prometheus.podDisruptionBudget?.enabled)
    budgets.push({
      at: 'kube-prometheus-stack values prometheus.podDisruptionBudget',
      namespace: 'monitoring',
      spec: { minAvailable: 1, selector: { matchLabels: prometheusLabels } },
    });
  return { workloads, budgets };
}

const selects = (b: Budget, w: Workload) =>
  b.namespace === w.namespace &&
  Object.entries(b.spec.selector?.matchLabels ?? { '': '' }).every(([k, v]) => w.podLabels[k] === v);

/** How many pods of a workload a budget lets a drain evict at once. */
function allowed(b: Budget, w: Workload): number {
  const n = (v: number | string, base: number) =>
    typeof v === 'string' && v.endsWith('%') ? Math.floor((base * Number(v.slice(0, -1))) / 100) : Number(v);
  if (b.spec.maxUnavailable !== undefined) return n(b.spec.maxUnavailable, w.replicas);
  if (b.spec.minAvailable !== undefined)
    return (
      w.replicas -
      Math.ceil(
        Number(String(b.spec.minAvailable).replace('%', '')) *
          (String(b.spec.minAvailable).endsWith('%') ? w.replicas / 100 : 1),
      )
    );
  return w.replicas;
}

/** Workloads of two or more replicas without a budget, and budgets that let no pod go. */
export function budgetProblems(
  env: string,
  { workloads, budgets }: { workloads: Workload[]; budgets: Budget[] },
): string[] {
  const problems: string[] = [];
  for (const w of workloads) {
    const mine = budgets.filter((b) => selects(b, w));
    if (w.replicas >= 2 && mine.length === 0)
      problems.push(`${env}: ${w.at} has ${w.replicas} replicas and no PodDisruptionBudget`);
    for (const b of mine)
      if (allowed(b, w) < 1)
        problems.push(
          `${env}: ${b.at} lets no pod of ${w.at} (${w.replicas} replicas) go: every node drain would stall`,
        );
  }
  return problems;
}

describe.each(ENVIRONMENTS)('disruption budgets (%s)', (env) => {
  it('every workload of two or more replicas has a budget that selects it and lets one pod go at a time', () => {
    const inv = inventory(env);
    expect(budgetProblems(env, inv)).toEqual([]);
    expect(inv.workloads.length).toBeGreaterThan(20);
  });
});

describe('disruption budgets: planted faults', () => {
  it('names a replicated workload without a budget and a budget that blocks every drain', () => {
    const inv = inventory('prod');
    const withoutKagent = {
      ...inv,
      budgets: inv.budgets.filter((b) => !b.at.includes('poddisruptionbudget-kagent-controller')),
    };
    expect(budgetProblems('prod', withoutKagent)).toEqual([
      'prod: Deployment kagent-system/kagent-controller (kagent 0.9.12, kagent/templates/controller-deployment.yaml) has 2 replicas and no PodDisruptionBudget',
    ]);
    const blocking = {
      ...inv,
      budgets: inv.budgets.map((b) =>
        b.at.includes('poddisruptionbudget-langfuse-web')
          ? { ...b, spec: { ...b.spec, maxUnavailable: undefined, minAvailable: 2 } }
          : b,
      ),
    };
    expect(budgetProblems('prod', blocking)).toEqual([
      'prod: PodDisruptionBudget langfuse/langfuse-web (dist/prod/platform/langfuse/poddisruptionbudget-langfuse-web.yaml) lets no pod of Deployment langfuse/langfuse-web (langfuse 1.5.19, langfuse/templates/web/deployment.yaml) (2 replicas) go: every node drain would stall',
    ]);
  });

  it('counts the proxies agentgateway makes and the Prometheus of the chart it cannot render here', () => {
    expect(notRenderableHere('prod')).toEqual(['kube-prometheus-stack']);
    const { workloads } = inventory('prod');
    expect(workloads.find((w) => w.at.startsWith('Prometheus '))?.replicas).toBe(2);
    expect(
      workloads.filter((w) => w.at.startsWith('proxy ')).map((w) => `${w.at.split(' ')[1]} ${w.replicas}`),
    ).toEqual(['agentgateway-system/agentgateway-proxy 2', 'agentgateway-system/agentgateway-mesh 2']);
    const withoutProxyBudgets = {
      workloads,
      budgets: inventory('prod').budgets.filter((b) => !b.at.startsWith('budget of AgentgatewayParameters')),
    };
    expect(budgetProblems('prod', withoutProxyBudgets)).toHaveLength(2);
  });
});
