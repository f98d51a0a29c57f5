/**
 * Pieces shared by the tenant workload constructs: placement on the agents node group,
 * container resources, environment variables and the tracing attributes that name the tenant.
 */
import type { EnvVar, Resources } from '../config/workloads';
import { OTEL_TENANT_ATTRIBUTE } from '../lib/constants';
import { nodeSelectorFor, tolerationsFor } from '../lib/placement';
import { PLATFORM_ENV } from '../lib/workload-env';

export { CALL_ENV_NAME, callEnvName, DECLARATIVE_AGENT_ENV, PLATFORM_ENV } from '../lib/workload-env';

/** nodeSelector and tolerations of every tenant workload: the agents node group. */
export function agentsPlacement(): {
  nodeSelector: Record<string, string>;
  tolerations: { key?: string; operator: string; value?: string; effect?: string }[];
} {
  return { nodeSelector: nodeSelectorFor('agents'), tolerations: tolerationsFor('agents').map((t) => ({ ...t })) };
}

/** Container resources as Kubernetes writes them (only the keys that are set). */
export function containerResources(
  r: Resources | undefined,
): { requests?: Record<string, string>; limits?: Record<string, string> } | undefined {
  if (!r) return undefined;
  const side = (s: { cpu?: string; memory?: string } | undefined) =>
    s && Object.keys(s).length ? ({ ...s } as Record<string, string>) : undefined;
  const requests = side(r.requests);
  const limits = side(r.limits);
  if (!requests && !limits) return undefined;
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

/** A quantity in the form of the typed imports (their int-or-string classes hold it in `value`). */
type TypedQuantity = { readonly value: string };

/** Container resources in the form of the typed imports of kagent's CRDs. */
export function typedResources(
  r: Resources | undefined,
): { requests?: Record<string, TypedQuantity>; limits?: Record<string, TypedQuantity> } | undefined {
  const c = containerResources(r);
  if (!c) return undefined;
  const typed = (q: Record<string, string>) =>
    Object.fromEntries(Object.entries(q).map(([k, value]) => [k, { value }]));
  return { ...(c.requests ? { requests: typed(c.requests) } : {}), ...(c.limits ? { limits: typed(c.limits) } : {}) };
}

/** Environment variables as Kubernetes writes them. */
export function envVars(
  env: readonly EnvVar[],
): { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[] {
  return env.map((e) =>
    e.secretKeyRef
      ? { name: e.name, valueFrom: { secretKeyRef: { ...e.secretKeyRef } } }
      : { name: e.name, value: e.value ?? '' },
  );
}

/**
 * Tracing variables of a tenant workload: resource attributes that name the tenant (so Langfuse
 * and Grafana filter by it) and W3C trace-context propagation, so that a trace continues across
 * A2A and MCP calls.
 */
export function tracingEnv(tenant: string, namespace: string): { name: string; value: string }[] {
  return [
    { name: PLATFORM_ENV.propagators, value: 'tracecontext,baggage' },
    {
      name: PLATFORM_ENV.resourceAttributes,
      value: `${OTEL_TENANT_ATTRIBUTE}=${tenant},k8s.namespace.name=${namespace}`,
    },
  ];
}

/** Restricted-profile container security context for the pod templates the compiler writes. */
export function restrictedContainer(): {
  allowPrivilegeEscalation: false;
  capabilities: { drop: string[] };
  runAsNonRoot: true;
  seccompProfile: { type: string };
} {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
