/**
 * NetworkPolicy peers and rules in cdk8s-plus-30 terms, written as the Kube* policies write them:
 * a peer in another namespace always names its pods (cdk8s-plus-30 adds `podSelector: {}` to a
 * namespace-only peer), and every rule names its ports (it adds `ports: []` otherwise).
 */
import { Namespaces, NetworkPolicyPort, type NetworkPolicyRule, Pods } from 'cdk8s-plus-30';
import type { Construct } from 'constructs';
import { DNS_POD_LABELS, LABELS, PLATFORM_NAMESPACES, PORTS } from '../../lib/constants';

/** Pods with some labels in one namespace (by its kubernetes.io/metadata.name label). */
export function podsIn(scope: Construct, id: string, namespace: string, labels: Record<string, string>): Pods {
  return Pods.select(scope, id, {
    labels: { ...labels },
    namespaces: Namespaces.select(scope, `${id}Namespace`, { labels: { [LABELS.namespaceName]: namespace } }),
  });
}

/** Egress to the cluster DNS (CoreDNS in kube-system) on UDP and TCP 53, as lib/network.ts dnsEgress. */
export function dnsRule(scope: Construct): NetworkPolicyRule {
  return {
    peer: podsIn(scope, 'Dns', PLATFORM_NAMESPACES.kubeSystem, DNS_POD_LABELS),
    ports: [NetworkPolicyPort.udp(PORTS.dns), NetworkPolicyPort.tcp(PORTS.dns)],
  };
}
