/**
 * The platform: every component, its dependencies and its install. The sync waves follow from
 * the dependencies (charts/platform/graph.ts); nothing here numbers a wave by hand.
 */
import type { Environment } from '../../config/environment';
import type { PlatformComponent } from '../component';
import { agentgateway, agentgatewayCrds, gatewayConfig } from './agentgateway';
import { clusterAutoscaler, storage, tenancy } from './cluster';
import { agentSandbox, argocd, externalSecrets, kiali, kyverno, otelCollector } from './engines';
import { gatewayApiCrds, istioBase, istioCni, istiod, ztunnel } from './istio';
import { kagent, kagentCrds } from './kagent';
import { keycloak } from './keycloak';
import { clickhouse, langfuse } from './langfuse';
import { kubePrometheusStack, observability } from './monitoring';
import { namespaces } from './namespaces';
import { policies } from './policies';

/** Every platform component of an environment, sorted by name. */
export function platformComponents(env: Environment): PlatformComponent[] {
  return [
    namespaces,
    storage,
    tenancy,
    clusterAutoscaler,
    gatewayApiCrds,
    istioBase,
    istiod,
    istioCni,
    ztunnel,
    agentgatewayCrds,
    kagentCrds,
    externalSecrets,
    { ...argocd, namespace: env.argocd.namespace },
    kyverno,
    kubePrometheusStack,
    clickhouse,
    langfuse,
    keycloak,
    otelCollector,
    agentSandbox,
    kiali,
    agentgateway,
    kagent,
    gatewayConfig,
    observability,
    policies,
  ].sort((a, b) => a.name.localeCompare(b.name));
}
