/**
 * Checks over rendered charts (scripts/upstream/render.ts) that the upstream tests share: finding
 * the objects charts/lib/chart-names.ts names, and walking pod templates.
 */
import type { ChartService, ChartServiceAccount } from '../../charts/lib/chart-names';
import {
  chartDirectory,
  type K8sObject,
  loadEnvironment,
  MissingDependenciesError,
  missingDependencies,
  namespaceOf,
  readPlatformApplication,
  type Rendered,
  renderComponent,
  upstreamComponents,
} from '../../scripts/upstream/render';

export const ENVIRONMENTS = ['dev', 'prod'] as const;

/**
 * The charts a copy of the charts folder may lack dependencies of: the shared copy on this
 * project's machines has kube-prometheus-stack 88.5.3 without its dependency charts, which
 * `npm run fetch-upstream` fetches. test/upstream/shared-charts.test.ts checks that nothing else
 * is missing and that every missing file is pinned.
 */
export const MAY_LACK_DEPENDENCIES = ['kube-prometheus-stack'] as const;

/**
 * The components whose chart the charts folder in use cannot render, because it lacks
 * dependencies of the pinned release. The render tests check every other chart; these are named
 * in their reports, never passed silently.
 */
export function notRenderableHere(env: string): string[] {
  const e = loadEnvironment(env);
  return upstreamComponents(e).filter((c) => {
    const dir = chartDirectory(readPlatformApplication(e, c).source);
    return dir !== undefined && missingDependencies(dir).length > 0;
  });
}

/** The render of a component, or undefined when its chart's dependencies are not in the charts folder. */
export function renderIfComplete(env: string, component: string): Rendered | undefined {
  try {
    return renderComponent(env, component);
  } catch (e) {
    if (e instanceof MissingDependenciesError) return undefined;
    throw e;
  }
}

/** The components of a list that render here (the others are notRenderableHere). */
export function renderable<T extends string>(env: string, components: readonly T[]): T[] {
  return components.filter((c) => renderIfComplete(env, c) !== undefined);
}

/** Kinds with a pod template, and where it is. */
export const POD_TEMPLATE_KINDS: Readonly<Record<string, (o: K8sObject) => any>> = {
  Deployment: (o) => o.spec.template,
  StatefulSet: (o) => o.spec.template,
  DaemonSet: (o) => o.spec.template,
  Job: (o) => o.spec.template,
  CronJob: (o) => o.spec.jobTemplate.spec.template,
};

/** The pod template of a workload, or undefined for other kinds. */
export function podTemplate(o: K8sObject): any {
  return POD_TEMPLATE_KINDS[o.kind]?.(o);
}

/** A short name for an object of a render: Kind namespace/name (chart, template). */
export function describeObject(r: Rendered, o: K8sObject, template?: string): string {
  return `${o.kind} ${namespaceOf(r, o)}/${o.metadata.name} (${r.chart}${template ? `, ${template}` : ''})`;
}

function find(r: Rendered, kind: string, name: string): { template: string; object: K8sObject } | undefined {
  return r.objects.find(
    ({ object: o }) => o.kind === kind && o.metadata.name === name && namespaceOf(r, o) === r.namespace,
  );
}

function names(r: Rendered, kind: string): string {
  return (
    r.objects
      .filter(({ object: o }) => o.kind === kind)
      .map(({ object: o }) => `${namespaceOf(r, o)}/${o.metadata.name}`)
      .sort()
      .join(', ') || 'none'
  );
}

/** The container port a Service port reaches in the pods its selector matches, when the chart renders them. */
function podPortsBehind(r: Rendered, svc: K8sObject, port: any): number[] {
  const selector: Record<string, string> = svc.spec.selector ?? {};
  const out: number[] = [];
  for (const { object: o } of r.objects) {
    const t = podTemplate(o);
    if (!t || namespaceOf(r, o) !== namespaceOf(r, svc)) continue;
    const labels: Record<string, string> = t.metadata?.labels ?? {};
    if (Object.keys(selector).length === 0 || !Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    const target = port.targetPort ?? port.port;
    for (const c of t.spec.containers ?? []) {
      for (const p of c.ports ?? []) if (p.name === target || p.containerPort === target) out.push(p.containerPort);
    }
  }
  return out;
}

/** Problems finding a named Service (with its port, and the container port behind it) in a render. */
export function serviceProblems(r: Rendered, key: string, s: ChartService): string[] {
  const at = `${key}: Service ${r.namespace}/${s.name} (${r.chart}, ${s.template}, release ${r.release})`;
  const found = find(r, 'Service', s.name);
  if (!found) return [`${at} is not rendered; the chart renders the Services ${names(r, 'Service')}`];
  const port = (found.object.spec.ports ?? []).find((p: any) => p.port === s.port);
  if (!port)
    return [
      `${at} has no port ${s.port}; it has ${(found.object.spec.ports ?? []).map((p: any) => p.port).join(', ')}`,
    ];
  if (s.podPort !== undefined) {
    const behind = podPortsBehind(r, found.object, port);
    if (!behind.includes(s.podPort))
      return [`${at} port ${s.port} reaches container port ${behind.join(', ') || 'none'}, not ${s.podPort}`];
  }
  return [];
}

/** Problems finding a named ServiceAccount in a render. */
export function serviceAccountProblems(r: Rendered, key: string, s: ChartServiceAccount): string[] {
  if (find(r, 'ServiceAccount', s.name)) return [];
  return [
    `${key}: ServiceAccount ${r.namespace}/${s.name} (${r.chart}, ${s.template}, release ${r.release}) is not rendered; the chart renders ${names(r, 'ServiceAccount')}`,
  ];
}

/** Problems finding a workload whose pods carry the given labels. */
export function podLabelProblems(
  r: Rendered,
  key: string,
  w: { kind: string; name: string; labels: Record<string, string>; template: string },
): string[] {
  const at = `${key}: ${w.kind} ${r.namespace}/${w.name} (${r.chart}, ${w.template}, release ${r.release})`;
  const found = find(r, w.kind, w.name);
  if (!found) return [`${at} is not rendered; the chart renders the ${w.kind}s ${names(r, w.kind)}`];
  const labels: Record<string, string> = podTemplate(found.object)?.metadata?.labels ?? {};
  const wrong = Object.entries(w.labels).filter(([k, v]) => labels[k] !== v);
  return wrong.length === 0 ? [] : [`${at}: its pods lack the labels ${wrong.map(([k, v]) => `${k}=${v}`).join(', ')}`];
}
