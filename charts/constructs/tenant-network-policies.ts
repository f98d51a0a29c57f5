import { Construct } from 'constructs';
import {
  KubeNetworkPolicy,
  type LabelSelector,
  type NetworkPolicyEgressRule,
  type NetworkPolicyIngressRule,
} from '../../imports/k8s';
import {
  ANY_IPV4,
  CENTRAL_GATEWAY,
  gatewayPods,
  ISTIOD_POD_LABELS,
  KAGENT_WAYPOINT,
  KUBELET_PROBE_CIDR,
  LABELS,
  MESH_GATEWAY,
  NON_PUBLIC_IPV4,
  OTEL_COLLECTOR_POD_LABELS,
  PLATFORM_NAMESPACES,
  PORTS,
  PROMETHEUS_POD_LABELS,
  SANDBOX_POD_LABEL,
  TENANT_OBJECTS,
} from '../lib/constants';
import { dnsEgress, namespacePeer, tcp } from '../lib/network';
import { tenantLabels } from '../lib/labels';

export interface TenantNetworkPoliciesProps {
  readonly tenant: string;
  readonly namespace: string;
}

/** Pods of the platform's two agentgateway proxies (external and mesh gateway). */
export function gatewayProxyPods(): LabelSelector {
  return {
    matchExpressions: [{ key: LABELS.gatewayName, operator: 'In', values: [CENTRAL_GATEWAY.name, MESH_GATEWAY.name] }],
  };
}

/**
 * NetworkPolicies of a tenant namespace: deny everything (the `Resource`), then one policy per
 * allowance so that each reads on its own in a review. Nothing admits another tenant: every
 * peer is this namespace or named pods of a platform namespace, on named ports.
 *
 * Under Istio ambient a meshed connection leaves the pod as HBONE to TCP 15008 of the pod it is
 * tunnelled to (the destination's waypoint, the mesh gateway, the destination pod) and arrives
 * on 15008 (Istio 1.30 ztunnel src/proxy/outbound.rs; docs ambient/usage/networkpolicy): the
 * platform allowances name 15008 and nothing else, so a plaintext connection that bypassed the
 * mesh is dropped.
 */
export class TenantNetworkPolicies extends Construct {
  public readonly resource: KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: TenantNetworkPoliciesProps) {
    super(scope, id);
    const { namespace } = props;
    const labels = tenantLabels(props.tenant);
    const policy = (
      cid: string,
      name: string,
      types: ('Ingress' | 'Egress')[],
      ingress?: NetworkPolicyIngressRule[],
      egress?: NetworkPolicyEgressRule[],
      podSelector: LabelSelector = {},
    ) =>
      // KubeNetworkPolicy: cdk8s-plus-30 adds `podSelector: {}` to namespace peers and
      // `ports: []` to rules without ports.
      new KubeNetworkPolicy(this, cid, {
        metadata: { name, namespace, labels },
        spec: { podSelector, policyTypes: types, ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) },
      });
    const hbone = [tcp(PORTS.hbone)];

    this.resource = policy('Resource', 'default-deny', ['Ingress', 'Egress']);

    // Pods of the namespace talk to each other, except sandboxes: code that runs in a sandbox
    // (untrusted, or written by a model) reaches no agent or MCP server of its tenant, and no
    // agent reaches it except through a gateway route (which admits the owner only).
    const notSandbox: LabelSelector = { matchExpressions: [{ key: SANDBOX_POD_LABEL, operator: 'DoesNotExist' }] };
    policy(
      'SameNamespace',
      'allow-same-namespace',
      ['Ingress', 'Egress'],
      [{ from: [{ podSelector: notSandbox }] }],
      [{ to: [{ podSelector: notSandbox }] }],
      notSandbox,
    );

    policy('Dns', 'allow-dns', ['Egress'], undefined, [dnsEgress()]);

    policy(
      'PlatformIngress',
      'allow-platform-ingress',
      ['Ingress'],
      [
        // The gateways' requests for the tenant's routes, and kagent's controller (the agents'
        // A2A cards and the UI's chat), tunnelled to the waypoint or the pods.
        {
          from: [
            {
              namespaceSelector: namespacePeer(PLATFORM_NAMESPACES.agentgateway).namespaceSelector,
              podSelector: gatewayProxyPods(),
            },
            namespacePeer(PLATFORM_NAMESPACES.kagent),
          ],
          ports: hbone,
        },
        // Prometheus scrapes pod metrics on whatever port a workload exposes.
        { from: [namespacePeer(PLATFORM_NAMESPACES.monitoring, { ...PROMETHEUS_POD_LABELS })] },
      ],
    );

    // Not for sandboxes: the routes of the mesh gateway admit the whole namespace, so code in a
    // sandbox would call the tenant's models and agents with the tenant's identity.
    policy(
      'PlatformEgress',
      'allow-platform-egress',
      ['Egress'],
      undefined,
      [
        // The mesh gateway: the tenant's models, sandboxes, and the agents of other tenants it may call.
        { to: [namespacePeer(PLATFORM_NAMESPACES.agentgateway, gatewayPods(MESH_GATEWAY.name))], ports: hbone },
        // kagent's waypoint: the agents' session, task and memory API (and nothing else of kagent).
        { to: [namespacePeer(KAGENT_WAYPOINT.namespace, gatewayPods(KAGENT_WAYPOINT.name))], ports: hbone },
      ],
      notSandbox,
    );
    // Traces and metrics of every pod, sandboxes included, to the collector's pods.
    policy('OtelEgress', 'allow-otel-egress', ['Egress'], undefined, [
      {
        to: [namespacePeer(PLATFORM_NAMESPACES.otelCollector, { ...OTEL_COLLECTOR_POD_LABELS })],
        ports: [tcp(PORTS.otlpGrpc), tcp(PORTS.otlpHttp), tcp(PORTS.hbone)],
      },
    ]);

    // The waypoint obtains its configuration and mesh certificate from istiod; no other pod needs it.
    policy(
      'Waypoint',
      'allow-waypoint-istiod',
      ['Egress'],
      undefined,
      [{ to: [namespacePeer(PLATFORM_NAMESPACES.istio, { ...ISTIOD_POD_LABELS })], ports: [tcp(PORTS.istiodXds)] }],
      { matchLabels: gatewayPods(TENANT_OBJECTS.waypoint) },
    );

    // istio-cni rewrites kubelet probes to come from this link-local address in ambient mode.
    policy('Ambient', 'allow-kubelet-probes', ['Ingress'], [{ from: [{ ipBlock: { cidr: KUBELET_PROBE_CIDR } }] }]);

    policy('ExternalHttps', 'allow-external-https', ['Egress'], undefined, [
      {
        // IPv4 only: on an IPv6 cluster pods have global addresses, so ::/0 would include other tenants.
        to: [{ ipBlock: { cidr: ANY_IPV4, except: [...NON_PUBLIC_IPV4] } }],
        ports: [tcp(PORTS.https)],
      },
    ]);
  }
}
