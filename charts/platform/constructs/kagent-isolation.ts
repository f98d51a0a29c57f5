import { Construct } from 'constructs';
import {
  Gateway,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
} from '../../../imports/gateway-api-gateways-gateway.networking.k8s.io';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../../imports/istio-security.istio.io';
import { KubeNetworkPolicy } from '../../../imports/k8s';
import {
  gatewayPods,
  KAGENT_WAYPOINT,
  KUBELET_PROBE_CIDR,
  LABELS,
  PLATFORM_NAMESPACES,
  PLATFORM_SERVICES,
  PORTS,
  PROMETHEUS_POD_LABELS,
  tenantNamespace,
} from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import { platformLabels } from '../../lib/labels';
import { namespacePeer, tcp } from '../../lib/network';
import { namespacePrincipal } from '../../constructs/tenant-authorization-policy';

/**
 * What tenant agents call on kagent's controller, and nothing else: the session, task and memory
 * API that kagent's agent runtimes use through KAGENT_URL (kagent 0.9.12
 * python/packages/kagent-adk/src/kagent/adk/_session_service.py, kagent-core a2a/_task_store.py,
 * _memory_service.py; go/adk/pkg/session/session.go, taskstore/store.go). Paths in Istio's
 * syntax: `prefix*` is a prefix match (Istio 1.30 pilot/pkg/security/authz/matcher/string.go).
 */
export const KAGENT_AGENT_API = {
  paths: ['/api/sessions', '/api/sessions/*', '/api/tasks', '/api/tasks/*', '/api/memories/*'],
  methods: ['GET', 'POST', 'DELETE'],
} as const;

/** Names of the objects KagentIsolation creates. */
export const KAGENT_ISOLATION = {
  waypointPolicy: 'kagent-waypoint',
  tenantApiPolicy: 'kagent-controller-tenant-agents',
  meshPolicy: 'kagent-system-l4',
  networkPolicy: 'kagent-system-ingress',
  tenantNetworkPolicy: 'kagent-waypoint-tenant-agents',
} as const;

/**
 * Keeps tenants away from everything in kagent-system that can write cluster objects or reach
 * other tenants (the controller's API and A2A proxy, the tool server, the Grafana MCP server,
 * kmcp, the built-in agents): kagent 0.9.12 authorizes nothing itself (go/core/cmd/controller/
 * main.go NoopAuthorizer; the tool server has no caller authentication), so the platform does.
 *
 * - The namespace's Services are behind the Envoy waypoint `kagent-waypoint` (istio.io/use-waypoint
 *   on the namespace). Its policy admits kagent-system's own workloads to every Service, and a
 *   second policy, bound to the controller's Service, admits workloads of tenant namespaces to
 *   the agent API only (KAGENT_AGENT_API): not the A2A proxy (/api/a2a, which would bypass every
 *   callee's allowCallsFrom), the MCP endpoint (/mcp, invoke_agent) or the resource API that
 *   creates Agents in any namespace.
 * - ztunnel admits only kagent-system's and Prometheus's identities to the pods, so a tenant pod
 *   that addresses a pod directly (skipping the waypoint) is refused.
 * - NetworkPolicies: from tenant namespaces, only the waypoint's pods on 15008.
 */
export class KagentIsolation extends Construct {
  public readonly resource: Gateway;

  constructor(scope: Construct, id: string, props: { readonly trustDomain: string }) {
    super(scope, id);
    const ns = KAGENT_WAYPOINT.namespace;
    const labels = platformLabels('kagent');
    const metadata = (name: string) => ({ name, namespace: ns, labels });
    this.resource = new Gateway(this, 'Resource', {
      metadata: { ...metadata(KAGENT_WAYPOINT.name), labels: { ...labels, [LABELS.waypointFor]: 'service' } },
      spec: {
        gatewayClassName: KAGENT_WAYPOINT.className,
        listeners: [
          {
            name: 'mesh',
            port: PORTS.hbone,
            protocol: 'HBONE',
            allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
          },
        ],
      },
    });
    new AuthorizationPolicy(this, 'Waypoint', {
      metadata: metadata(KAGENT_ISOLATION.waypointPolicy),
      spec: {
        targetRefs: [{ group: groupOf(Gateway.GVK), kind: Gateway.GVK.kind, name: KAGENT_WAYPOINT.name }],
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [{ from: [{ source: { namespaces: [ns] } }] }],
      },
    });
    new AuthorizationPolicy(this, 'TenantAgents', {
      metadata: metadata(KAGENT_ISOLATION.tenantApiPolicy),
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: PLATFORM_SERVICES.kagentController }],
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [
          {
            from: [{ source: { namespaces: [`${tenantNamespace('')}*`] } }],
            to: [{ operation: { paths: [...KAGENT_AGENT_API.paths], methods: [...KAGENT_AGENT_API.methods] } }],
          },
        ],
      },
    });
    new AuthorizationPolicy(this, 'Mesh', {
      metadata: metadata(KAGENT_ISOLATION.meshPolicy),
      spec: {
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [
          {
            from: [
              {
                source: {
                  principals: [
                    namespacePrincipal(props.trustDomain, ns),
                    namespacePrincipal(props.trustDomain, PLATFORM_NAMESPACES.monitoring),
                  ],
                },
              },
            ],
          },
        ],
      },
    });
    this.networkPolicies(metadata);
  }

  /**
   * Ingress of kagent-system from itself, Prometheus and the kubelet; of the waypoint from
   * tenants (HBONE). KubeNetworkPolicy: cdk8s-plus-30 would add `ports: []` to rules without ports.
   */
  private networkPolicies(
    metadata: (name: string) => { name: string; namespace: string; labels: Record<string, string> },
  ): void {
    new KubeNetworkPolicy(this, 'Ingress', {
      metadata: metadata(KAGENT_ISOLATION.networkPolicy),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ podSelector: {} }] },
          { from: [namespacePeer(PLATFORM_NAMESPACES.monitoring, { ...PROMETHEUS_POD_LABELS })] },
          { from: [{ ipBlock: { cidr: KUBELET_PROBE_CIDR } }] },
        ],
      },
    });
    new KubeNetworkPolicy(this, 'TenantIngress', {
      metadata: metadata(KAGENT_ISOLATION.tenantNetworkPolicy),
      spec: {
        podSelector: { matchLabels: gatewayPods(KAGENT_WAYPOINT.name) },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { [LABELS.tenant]: 'true' } } }], ports: [tcp(PORTS.hbone)] },
        ],
      },
    });
  }
}
