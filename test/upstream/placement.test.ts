/**
 * Node placement of every pod a pinned chart creates, read from the charts rendered with our values:
 * each pod template (and each resource an operator turns into pods) carries the node-role
 * nodeSelector and the toleration of its component's node group, or tolerates every group where
 * the component runs a node agent on every node. Pods a chart cannot place are listed, with the
 * reason, in EXCEPTIONS; an exception that matches nothing fails.
 */
import { describe, expect, it } from 'vitest';
import { NODE_GROUPS, NODE_ROLE_LABEL, type NodeGroup } from '../../charts/lib/constants';
import { nodeGroupTaint } from '../../charts/lib/placement';
import type { Placement } from '../../charts/platform/component';
import { platformComponents } from '../../charts/platform/components';
import {
  type K8sObject,
  loadEnvironment,
  renderComponent,
  type Rendered,
  upstreamComponents,
} from '../../scripts/upstream/render';
import { describeObject, ENVIRONMENTS, podTemplate, renderable } from './chart-checks';

/** A pod spec's placement fields: a workload's pod template, or the spec of a resource an operator makes pods from. */
function podSpec(o: K8sObject): { nodeSelector?: Record<string, string>; tolerations?: any[] } | undefined {
  const t = podTemplate(o);
  if (t) return t.spec;
  // prometheus-operator v0.93.0 copies spec.nodeSelector and spec.tolerations of Prometheus and
  // Alertmanager into their StatefulSets (pkg/prometheus/server/statefulset.go, pkg/alertmanager/statefulset.go).
  if (o.apiVersion.startsWith('monitoring.coreos.com/') && (o.kind === 'Prometheus' || o.kind === 'Alertmanager'))
    return o.spec;
  // kagent v0.9.12: the controller builds each Agent's Deployment from spec.declarative.deployment or
  // spec.byo.deployment, placement included (go/core/internal/controller/translator/agent/deployments.go).
  if (o.apiVersion.startsWith('kagent.dev/') && o.kind === 'Agent')
    return o.spec.declarative?.deployment ?? o.spec.byo?.deployment ?? {};
  return undefined;
}

interface Exception {
  readonly component: string;
  readonly kind: string;
  readonly name: string;
  readonly reason: string;
}

/** Pods the chart cannot place, and what places them. */
const EXCEPTIONS: readonly Exception[] = [
  ...['observability-agent', 'promql-agent'].map((name) => ({
    component: 'kagent',
    kind: 'Agent',
    name,
    reason:
      'the controller creates its pods from the Agent; the built-in agent subcharts expose no placement (kagent 0.9.12 helm/agents/*/templates/_helpers.tpl agent.deploymentSpec), so the Kyverno platform-scheduling policy places them',
  })),
];

function tolerates(tolerations: any[], taint: { key: string; value: string; effect: string }): boolean {
  return tolerations.some(
    (t) =>
      (t.effect === undefined || t.effect === '' || t.effect === taint.effect) &&
      (t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && t.value === taint.value),
  );
}

/** Problems of one pod spec against where it must run. */
function placementProblems(
  spec: { nodeSelector?: Record<string, string>; tolerations?: any[] },
  placement: Placement,
): string[] {
  const tolerations = spec.tolerations ?? [];
  const problems: string[] = [];
  if (placement === 'every') {
    if (spec.nodeSelector?.[NODE_ROLE_LABEL] !== undefined)
      problems.push(`selects ${NODE_ROLE_LABEL}=${spec.nodeSelector[NODE_ROLE_LABEL]} but must run on every node`);
    for (const g of NODE_GROUPS)
      if (!tolerates(tolerations, nodeGroupTaint(g))) problems.push(`does not tolerate the taint of node group ${g}`);
    return problems;
  }
  if (spec.nodeSelector?.[NODE_ROLE_LABEL] !== placement)
    problems.push(`has nodeSelector ${JSON.stringify(spec.nodeSelector ?? {})}, not ${NODE_ROLE_LABEL}=${placement}`);
  if (!tolerates(tolerations, nodeGroupTaint(placement)))
    problems.push(`does not tolerate the taint of node group ${placement}`);
  for (const g of NODE_GROUPS)
    if (g !== placement && tolerates(tolerations, nodeGroupTaint(g))) problems.push(`also tolerates node group ${g}`);
  return problems;
}

/**
 * Where a component's pods run: DaemonSets of a component with an every-node placement everywhere, the rest on its
 * group.
 */
function expected(placements: readonly Placement[], o: K8sObject): Placement | string {
  if (o.kind === 'DaemonSet' && placements.includes('every')) return 'every';
  const groups = [...new Set(placements.filter((p): p is NodeGroup => p !== 'every'))];
  if (groups.length === 1) return groups[0];
  return groups.length === 0
    ? 'its component declares no node group'
    : `its component declares several node groups (${groups.join(', ')}); say which pods go where`;
}

/** Every placement problem of the rendered charts of an environment, and the exceptions used. */
function problemsOf(env: string, renders: readonly Rendered[], exceptions: readonly Exception[]): string[] {
  const components = new Map(platformComponents(loadEnvironment(env)).map((c) => [c.name, c]));
  const used = new Set<Exception>();
  const problems: string[] = [];
  for (const r of renders) {
    const placements = (components.get(r.component)?.upstream?.placements ?? []).map((p) => p.placement);
    for (const { template, object: o } of r.objects) {
      const spec = podSpec(o);
      if (!spec) continue;
      const exception = exceptions.find(
        (x) => x.component === r.component && x.kind === o.kind && x.name === o.metadata.name,
      );
      if (exception) {
        used.add(exception);
        continue;
      }
      const want = expected(placements, o);
      const found =
        NODE_GROUPS.includes(want as NodeGroup) || want === 'every'
          ? placementProblems(spec, want as Placement)
          : [want];
      for (const p of found) problems.push(`${env}: platform-${r.component}: ${describeObject(r, o, template)} ${p}`);
    }
  }
  for (const x of exceptions)
    if (!used.has(x))
      problems.push(`${env}: the exception for ${x.kind} ${x.name} of ${x.component} matches nothing; remove it`);
  return problems;
}

const rendersOf = (env: string) =>
  renderable(env, upstreamComponents(loadEnvironment(env))).map((c) => renderComponent(env, c));

describe.each(ENVIRONMENTS)("placement of every chart's pods (%s)", (env) => {
  it('every pod template and operator-made pod runs on its node group, save the listed exceptions', () => {
    expect(problemsOf(env, rendersOf(env), EXCEPTIONS)).toEqual([]);
  });
});

describe('placement: planted faults', () => {
  it('an unplaced pod, a node agent pinned to one group and an unused exception are named', () => {
    const renders = rendersOf('dev').map((r) => {
      if (r.component !== 'keycloak' && r.component !== 'ztunnel') return r;
      return {
        ...r,
        objects: r.objects.map((x) => {
          const o = structuredClone(x.object) as any;
          const spec = podTemplate(o)?.spec;
          if (spec && r.component === 'keycloak') delete spec.nodeSelector;
          if (spec && r.component === 'ztunnel') spec.nodeSelector = { [NODE_ROLE_LABEL]: 'platform' };
          return { template: x.template, object: o };
        }),
      };
    });
    const stale = { component: 'kagent', kind: 'Agent', name: 'k8s-agent', reason: 'disabled' };
    expect(problemsOf('dev', renders, [...EXCEPTIONS, stale])).toEqual([
      'dev: platform-keycloak: StatefulSet keycloak/keycloak (keycloakx 7.1.8, keycloakx/templates/statefulset.yaml) has nodeSelector {}, not node-role=platform',
      'dev: platform-ztunnel: DaemonSet istio-system/ztunnel (ztunnel 1.30.3, ztunnel/templates/daemonset.yaml) selects node-role=platform but must run on every node',
      'dev: the exception for Agent k8s-agent of kagent matches nothing; remove it',
    ]);
  });

  it('the built-in agents would be named without their exceptions', () => {
    expect(problemsOf('dev', rendersOf('dev'), [])).toEqual([
      'dev: platform-kagent: Agent kagent-system/observability-agent (kagent 0.9.12, kagent/charts/observability-agent/templates/agent.yaml) has nodeSelector {}, not node-role=platform',
      'dev: platform-kagent: Agent kagent-system/observability-agent (kagent 0.9.12, kagent/charts/observability-agent/templates/agent.yaml) does not tolerate the taint of node group platform',
      'dev: platform-kagent: Agent kagent-system/promql-agent (kagent 0.9.12, kagent/charts/promql-agent/templates/agent.yaml) has nodeSelector {}, not node-role=platform',
      'dev: platform-kagent: Agent kagent-system/promql-agent (kagent 0.9.12, kagent/charts/promql-agent/templates/agent.yaml) does not tolerate the taint of node group platform',
    ]);
  });
});
