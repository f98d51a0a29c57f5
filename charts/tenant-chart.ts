import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from './config/environment';
import type { Tenant } from './config/load-tenants';
import { TenantAuthorizationPolicy } from './constructs/tenant-authorization-policy';
import { TenantLimitRange } from './constructs/tenant-limit-range';
import { TenantNamespace } from './constructs/tenant-namespace';
import { TenantNetworkPolicies } from './constructs/tenant-network-policies';
import { TenantResourceQuota } from './constructs/tenant-resource-quota';
import { TenantRoleBinding } from './constructs/tenant-role-binding';
import { TenantModelConfig } from './constructs/tenant-model-config';
import { TenantWaypoint } from './constructs/tenant-waypoint';
import { platformLlmUrl } from './platform/constructs/llm-backend';
import { CHART_SERVICE_ACCOUNTS } from './lib/chart-names';
import { CENTRAL_GATEWAY, MESH_GATEWAY, PLATFORM_NAMESPACES } from './lib/constants';
import { type InfraOutputs, tenantSecretPrefix } from './config/infra-outputs';
import { TenantSecretStore } from './constructs/tenant-secret-store';
import { TenantLlmKey } from './constructs/tenant-llm-key';
import { TenantRoute } from './constructs/tenant-route';
import { TenantAlerts } from './constructs/tenant-alerts';
import { TenantSandboxRouter } from './constructs/tenant-sandbox-router';
import { routeSegment, tenantRoutes } from './config/routes';
import { platformGuards } from './config/guards';

export interface TenantChartProps {
  readonly tenant: Tenant;
  readonly environment: Environment;
  /**
   * Outputs of the cluster sidecar of the environment (region, the tenant-secrets role); needed
   * when the tenant has LLM backends.
   * @default - none (a tenant with llmBackends is then an error)
   */
  readonly infra?: InfraOutputs;
}

/**
 * Namespaces whose mesh identities may reach a tenant's pods (ztunnel layer): the gateways,
 * kagent's controller and Prometheus. Traffic through the tenant's waypoint arrives with the
 * waypoint's identity, a service account of the tenant's own namespace.
 */
export const TENANT_L4_ALLOWED = [
  PLATFORM_NAMESPACES.agentgateway,
  PLATFORM_NAMESPACES.kagent,
  PLATFORM_NAMESPACES.monitoring,
] as const;

/**
 * Platform workloads whose requests pass a tenant's waypoint besides the tenant's own: the two
 * gateways (their service accounts carry the Gateway's name, agentgateway v1.4.1
 * controller/pkg/helm/agentgateway/templates/_helpers.tpl podTemplate serviceAccountName) and
 * kagent's controller (the agents' A2A cards, the UI's chat).
 */
export const TENANT_WAYPOINT_CALLERS = [
  { namespace: PLATFORM_NAMESPACES.agentgateway, serviceAccount: CENTRAL_GATEWAY.name },
  { namespace: PLATFORM_NAMESPACES.agentgateway, serviceAccount: MESH_GATEWAY.name },
  { namespace: PLATFORM_NAMESPACES.kagent, serviceAccount: CHART_SERVICE_ACCOUNTS.kagentController.name },
] as const;

/**
 * Everything the platform owns in one tenant's namespace: the five isolation layers
 * (namespace with quota and limits, RBAC, NetworkPolicy, Istio AuthorizationPolicy, the
 * tenant waypoint with its own authorization), the default ModelConfig that reaches the
 * platform's LLM through the central gateway, the routes of the tenant's exposed objects with
 * the policies that admit their callers, and the SecretStore and ExternalSecrets of its own LLM
 * keys. What the tenant declares itself is in TenantWorkloadsChart.
 */
export class TenantChart extends Chart {
  constructor(scope: Construct, id: string, props: TenantChartProps) {
    super(scope, id);
    const { tenant, environment } = props;
    const base = { tenant: tenant.name, namespace: tenant.namespace };
    new TenantNamespace(this, 'Namespace', {
      ...base,
      kubernetesVersion: environment.kubernetesVersion,
      displayName: tenant.displayName,
      description: tenant.description,
      routeSegment: routeSegment(tenant),
    });
    new TenantResourceQuota(this, 'Quota', { ...base, hard: tenant.quota as Record<string, string> });
    new TenantLimitRange(this, 'Limits', { ...base, ...tenant.limits });
    new TenantRoleBinding(this, 'Developers', { ...base, subjects: tenant.subjects });
    const trustDomain = environment.cluster.trustDomain;
    new TenantNetworkPolicies(this, 'Network', base);
    new TenantAuthorizationPolicy(this, 'Mesh', { ...base, allowedNamespaces: TENANT_L4_ALLOWED, trustDomain });
    new TenantWaypoint(this, 'Waypoint', {
      ...base,
      kind: environment.platform.waypoint,
      allowedCallers: TENANT_WAYPOINT_CALLERS,
      trustDomain,
    });
    new TenantModelConfig(this, 'Model', {
      ...base,
      model: environment.platform.llm.anthropicModel,
      baseUrl: platformLlmUrl('anthropic'),
    });

    const { workloads } = tenant;
    for (const route of tenantRoutes(tenant, platformGuards(environment)))
      new TenantRoute(this, `Route-${route.routeNames.mesh}`, { tenant: tenant.name, route, trustDomain });
    if (workloads.sandboxRouter) {
      const image = environment.platform.images.sandboxRouter;
      if (!image)
        throw new Error(
          `TenantChart ${tenant.name}: sandboxRouter needs platform.images.sandboxRouter in ${environment.name}; set it in charts/environments/${environment.name}.yaml`,
        );
      new TenantSandboxRouter(this, 'SandboxRouter', {
        ...base,
        image,
        templates: workloads.sandboxes.filter((s) => s.kind === 'SandboxTemplate').map((s) => s.name),
      });
    }
    new TenantAlerts(this, 'Alerts', { ...base, receiver: tenant.observability.alerts });
    if (workloads.llmBackends.length > 0 || tenant.observability.alerts) {
      if (!props.infra)
        throw new Error(
          `TenantChart ${tenant.name}: infra is required for llmBackends and an alert receiver; pass the cluster outputs of ${environment.name}`,
        );
      new TenantSecretStore(this, 'SecretStore', {
        ...base,
        region: props.infra.region,
        roleArn: props.infra.roles.tenantSecrets,
        prefix: tenantSecretPrefix(environment.name, tenant.name),
      });
      for (const b of workloads.llmBackends) {
        new TenantLlmKey(this, `Key-${b.name}`, { ...base, backend: b.name, entry: b.apiKeySecret });
      }
    }
  }
}
