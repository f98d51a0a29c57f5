/**
 * What must hold of every tenant's sandbox router in the output, whatever the flows show: it
 * never calls the Kubernetes API (no token, no binding, the Pod-IP cache and the tokenreview
 * authorizer off), so it cannot learn or reach another namespace's pods by itself; and every route
 * to it rewrites the headers that choose the sandbox, so a client cannot name another namespace
 * or a pod's address (agent-sandbox v0.5.6 sandbox-router/proxy/resolve.go Resolve dials
 * X-Sandbox-Pod-IP first, then the cache by X-Sandbox-UID, then <id>.<X-Sandbox-Namespace>.svc;
 * cmd/main.go builds a Kubernetes client only for --cache-enabled or --authz-mode=tokenreview).
 */
import { SANDBOX_ROUTER } from '../../charts/lib/constants';
import type { EnvironmentOutput } from '../kube/manifests';
import type { K8sObject } from './actors';

const lower = (s: string) => s.toLowerCase();

/** Whether a route rule's filters set the namespace header to `namespace` and remove the address and UID headers. */
function rewritesHeaders(rule: K8sObject, namespace: string): string | undefined {
  const H = SANDBOX_ROUTER.headers;
  const mods = ((rule.filters ?? []) as K8sObject[])
    .filter((f) => f.type === 'RequestHeaderModifier')
    .map((f) => f.requestHeaderModifier ?? {});
  const set = new Map<string, string>();
  const removed = new Set<string>();
  for (const m of mods) {
    for (const h of (m.set ?? []) as { name: string; value: string }[]) set.set(lower(h.name), h.value);
    for (const n of (m.remove ?? []) as string[]) removed.add(lower(n));
  }
  const missing = [
    ...(set.get(lower(H.namespace)) === namespace ? [] : [`set ${H.namespace}: ${namespace}`]),
    ...[H.podIp, H.uid].filter((h) => !removed.has(lower(h))).map((h) => `remove ${h}`),
  ];
  return missing.length ? missing.join(', ') : undefined;
}

/** Problems of the sandbox routers of one environment, one line each. */
export function sandboxRouterProblems(env: EnvironmentOutput): string[] {
  const objects = env.manifests.map((m) => m.object);
  const [labelKey, labelValue] = Object.entries(SANDBOX_ROUTER.podLabels)[0];
  const routers = objects.filter(
    (o) => o.kind === 'Deployment' && o.spec?.template?.metadata?.labels?.[labelKey] === labelValue,
  );
  const out: string[] = [];
  for (const d of routers) {
    const ns = d.metadata.namespace as string;
    const at = `${env.name}: ${ns}/Deployment ${d.metadata.name}`;
    const pod = d.spec.template.spec ?? {};
    const sa = (pod.serviceAccountName ?? 'default') as string;
    if (pod.automountServiceAccountToken !== false)
      out.push(`${at}: its pods mount a service account token; set automountServiceAccountToken: false`);
    const account = objects.find(
      (o) => o.kind === 'ServiceAccount' && o.metadata?.namespace === ns && o.metadata?.name === sa,
    );
    if (account?.automountServiceAccountToken !== false)
      out.push(`${at}: ServiceAccount ${sa} does not set automountServiceAccountToken: false`);
    for (const b of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
      const subjects = (b.subjects ?? []) as K8sObject[];
      if (
        subjects.some(
          (s) => s.kind === 'ServiceAccount' && s.name === sa && (s.namespace ?? b.metadata?.namespace) === ns,
        )
      )
        out.push(
          `${at}: ${b.kind} ${b.metadata?.namespace ? `${b.metadata.namespace}/` : ''}${b.metadata?.name} binds ${b.roleRef?.kind} ${b.roleRef?.name} to its service account ${sa}; the router needs no access to the Kubernetes API`,
        );
    }
    const args = ((pod.containers ?? []) as K8sObject[]).flatMap(
      (c) => [...(c.command ?? []), ...(c.args ?? [])] as string[],
    );
    for (const a of args)
      if (/^--cache-enabled(=true)?$/.test(a) || /^--authz-mode=tokenreview$/.test(a))
        out.push(
          `${at}: argument ${a} makes the router call the Kubernetes API (pods of every namespace, or TokenReviews); remove it`,
        );
    const services = objects.filter(
      (o) =>
        o.kind === 'Service' &&
        o.metadata?.namespace === ns &&
        Object.entries((o.spec?.selector ?? {}) as Record<string, string>).length > 0 &&
        Object.entries((o.spec?.selector ?? {}) as Record<string, string>).every(
          ([k, v]) => d.spec.template.metadata?.labels?.[k] === v,
        ),
    );
    for (const r of objects.filter((o) => o.kind === 'HTTPRoute')) {
      const rns = r.metadata?.namespace as string;
      ((r.spec?.rules ?? []) as K8sObject[]).forEach((rule, i) => {
        const toRouter = ((rule.backendRefs ?? []) as K8sObject[]).some(
          (b) =>
            (b.kind ?? 'Service') === 'Service' &&
            (b.namespace ?? rns) === ns &&
            services.some((s) => s.metadata.name === b.name),
        );
        if (!toRouter) return;
        const missing = rewritesHeaders(rule, ns);
        if (missing)
          out.push(
            `${env.name}: ${rns}/HTTPRoute ${r.metadata.name} rules[${i}] sends to the sandbox router of ${ns} without a RequestHeaderModifier that does: ${missing}; a client could name another namespace's sandbox or a pod's address`,
          );
      });
    }
  }
  return out;
}
