/**
 * Pieces shared by the tenant workload constructs: placement on the agents node group,
 * container resources, environment variables and the tracing attributes that name the tenant.
 */
import type { EnvVar, Resources } from '../config/workloads';
import { OTEL_TENANT_ATTRIBUTE } from '../lib/constants';
import { nodeSelectorFor, tolerationsFor } from '../lib/placement';

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
 * Environment variables the compiler sets on tenant workloads: the collector, the service name
 * and the tracing attributes that name the tenant. tenants.yaml may not set them, so that no
 * workload reports its spans under another tenant.
 */
export const PLATFORM_ENV = {
  otlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  serviceName: 'OTEL_SERVICE_NAME',
  propagators: 'OTEL_PROPAGATORS',
  resourceAttributes: 'OTEL_RESOURCE_ATTRIBUTES',
} as const;

/**
 * Set on every declarative agent: LiteLLM (inside kagent's Python agent runtime) then uses httpx
 * instead of aiohttp, and httpx's instrumentation propagates the W3C traceparent header, so a
 * trace continues through the agent's model and agent-to-agent calls. tenants.yaml may not set it
 * on a declarative agent; BYO agents bring their own runtime.
 */
export const DECLARATIVE_AGENT_ENV = { name: 'DISABLE_AIOHTTP_TRANSPORT', value: 'True' } as const;

/** Environment variable that carries the gateway URL of an agent a BYO agent calls. */
export function callEnvName(tenant: string, agent: string): string {
  return `A2A_${tenant}_${agent}_URL`.toUpperCase().replace(/-/g, '_');
}

/** Names of the shape callEnvName() writes; tenants.yaml may not set them. */
export const CALL_ENV_NAME = /^A2A_.+_URL$/;

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
