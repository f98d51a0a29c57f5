/** Environment variable names the compiler sets on tenant workloads, which tenants.yaml may not set. */

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
