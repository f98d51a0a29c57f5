import { Construct } from 'constructs';
import { KubeNetworkPolicy, type LabelSelector, type NetworkPolicyEgressRule, type NetworkPolicyIngressRule } from '../../imports/k8s';
import { ANY_IPV4, ISTIOD_POD_LABELS, KUBELET_PROBE_CIDR, NON_PUBLIC_IPV4, PLATFORM_NAMESPACES, PORTS, PROMETHEUS_POD_LABELS, SANDBOX_POD_LABEL } from '../lib/constants';
import { dnsEgress, namespacePeer, tcp } from '../lib/network';
import { tenantLabels } from '../lib/labels';

export interface TenantNetworkPoliciesProps {
  readonly tenant: string;
  readonly namespace: string;
  /**
   * Namespaces whose pods may open connections to any pod of the tenant (gateway, agent
   * controller, mesh control plane).
   * @default agentgateway-system, kagent-system, istio-system
   */
  readonly ingressNamespaces?: readonly string[];
  /**
   * Namespaces the tenant's pods may open connections to on any port.
   * @default agentgateway-system, kagent-system
   */
  readonly egressNamespaces?: readonly string[];
  /** @default 'monitoring' */
  readonly monitoringNamespace?: string;
  /** @default 'otel' */
  readonly otelNamespace?: string;
}


/**
 * NetworkPolicies of a tenant namespace: deny everything (the `Resource`), then one policy per
 * allowance so that each reads on its own in a review. Nothing admits another tenant: every
 * peer is either this namespace or a named platform namespace.
 *
 * Under Istio ambient, meshed traffic arrives as HBONE on TCP 15008 of the destination pod,
 * from the source pod's address; the namespace allowances cover all ports and therefore HBONE,
 * and the OTEL allowance names 15008 next to the OTLP ports.
 */
export class TenantNetworkPolicies extends Construct {
  public readonly resource: KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: TenantNetworkPoliciesProps) {
    super(scope, id);
    const { namespace } = props;
    const labels = tenantLabels(props.tenant);
    const ingressNs = props.ingressNamespaces ?? [PLATFORM_NAMESPACES.agentgateway, PLATFORM_NAMESPACES.kagent, PLATFORM_NAMESPACES.istio];
    const egressNs = props.egressNamespaces ?? [PLATFORM_NAMESPACES.agentgateway, PLATFORM_NAMESPACES.kagent];
    const policy = (cid: string, name: string, types: ('Ingress' | 'Egress')[], ingress?: NetworkPolicyIngressRule[], egress?: NetworkPolicyEgressRule[], podSelector: LabelSelector = {}) =>
      new KubeNetworkPolicy(this, cid, {
        metadata: { name, namespace, labels },
        spec: { podSelector, policyTypes: types, ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) },
      });

    this.resource = policy('Resource', 'default-deny', ['Ingress', 'Egress']);

    // Pods of the namespace talk to each other, except sandboxes: code that runs in a sandbox
    // (untrusted, or written by a model) reaches no agent or MCP server of the tenant, and no
    // agent reaches it except through the central gateway (its route admits the owner only).
    const notSandbox: LabelSelector = { matchExpressions: [{ key: SANDBOX_POD_LABEL, operator: 'DoesNotExist' }] };
    policy('SameNamespace', 'allow-same-namespace', ['Ingress', 'Egress'], [{ from: [{ podSelector: notSandbox }] }], [{ to: [{ podSelector: notSandbox }] }], notSandbox);

    policy('Dns', 'allow-dns', ['Egress'], undefined, [dnsEgress()]);

    policy('PlatformIngress', 'allow-platform-ingress', ['Ingress'], [
      { from: ingressNs.map((ns) => namespacePeer(ns)) },
      // Prometheus scrapes pod metrics on whatever port a workload exposes.
      { from: [namespacePeer(props.monitoringNamespace ?? PLATFORM_NAMESPACES.monitoring, { ...PROMETHEUS_POD_LABELS })] },
    ]);

    policy('PlatformEgress', 'allow-platform-egress', ['Egress'], undefined, [
      { to: egressNs.map((ns) => namespacePeer(ns)) },
      { to: [namespacePeer(props.otelNamespace ?? PLATFORM_NAMESPACES.otelCollector)], ports: [tcp(PORTS.otlpGrpc), tcp(PORTS.otlpHttp), tcp(PORTS.hbone)] },
      // The tenant's waypoint obtains its mesh certificate from istiod.
      { to: [namespacePeer(PLATFORM_NAMESPACES.istio, { ...ISTIOD_POD_LABELS })], ports: [tcp(PORTS.istiodXds)] },
    ]);

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
