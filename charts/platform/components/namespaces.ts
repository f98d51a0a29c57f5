import { KAGENT_WAYPOINT, PLATFORM_NAMESPACES } from '../../lib/constants';
import type { PlatformComponent, PlatformContext } from '../component';
import { PlatformNamespace, type PlatformNamespaceProps } from '../constructs/platform-namespace';

const UNVERIFIED_CHART =
  'third-party chart whose pods are not known to meet restricted; warn and audit report every violation';

/** Every namespace a platform component runs in, with why it enforces what it enforces. */
export function platformNamespaces(ctx: PlatformContext): Omit<PlatformNamespaceProps, 'kubernetesVersion'>[] {
  const ns = PLATFORM_NAMESPACES;
  return [
    // istio-system: agentgateway reads the mesh configuration there (its trust domain), through
    // the same namespace filter as everything else (v1.4.1 controller/pkg/agentgateway/plugins/collection.go).
    {
      name: ns.istio,
      component: 'istio',
      podSecurity: 'privileged',
      reason: 'istio-cni and ztunnel program pod networking: host network, host paths and privileged containers',
      gatewayDiscovery: true,
    },
    {
      name: ns.agentgateway,
      component: 'agentgateway',
      podSecurity: 'baseline',
      reason: UNVERIFIED_CHART,
      ambient: true,
      gatewayDiscovery: true,
    },
    // kagent's Services are behind its waypoint, where tenants reach the controller's session API only.
    {
      name: ns.kagent,
      component: 'kagent',
      podSecurity: 'baseline',
      reason: UNVERIFIED_CHART,
      ambient: true,
      gatewayDiscovery: true,
      useWaypoint: KAGENT_WAYPOINT.name,
    },
    // keycloak: the external gateway's Keycloak route and its JWKS Service.
    {
      name: ns.keycloak,
      component: 'keycloak',
      podSecurity: 'baseline',
      reason: UNVERIFIED_CHART,
      ambient: true,
      gatewayDiscovery: true,
    },
    { name: ns.langfuse, component: 'langfuse', podSecurity: 'baseline', reason: UNVERIFIED_CHART, ambient: true },
    {
      name: ns.monitoring,
      component: 'monitoring',
      podSecurity: 'privileged',
      reason: 'node-exporter reads host metrics: host network, host PID and host paths',
      ambient: true,
    },
    // Not in the mesh: the API server calls its admission webhooks directly.
    { name: ns.kyverno, component: 'kyverno', podSecurity: 'baseline', reason: UNVERIFIED_CHART },
    // otel: the gateways' tracing policy names its collector Service.
    {
      name: ns.otelCollector,
      component: 'otel-collector',
      podSecurity: 'restricted',
      ambient: true,
      gatewayDiscovery: true,
    },
    { name: ns.agentSandbox, component: 'agent-sandbox', podSecurity: 'restricted' },
    { name: ns.kiali, component: 'kiali', podSecurity: 'baseline', reason: UNVERIFIED_CHART, ambient: true },
    // Not in the mesh: the API server calls its admission webhook directly.
    { name: ns.externalSecrets, component: 'external-secrets', podSecurity: 'baseline', reason: UNVERIFIED_CHART },
    { name: ctx.env.argocd.namespace, component: 'argocd', podSecurity: 'baseline', reason: UNVERIFIED_CHART },
  ];
}

export const namespaces: PlatformComponent = {
  name: 'namespaces',
  component: 'platform',
  namespace: 'default',
  description: 'Every platform namespace, with its Pod Security level and mesh enrolment.',
  dependsOn: [],
  manifests: (scope, ctx) => {
    for (const props of platformNamespaces(ctx)) {
      new PlatformNamespace(scope, props.name, { ...props, kubernetesVersion: ctx.env.kubernetesVersion });
    }
  },
};
