/**
 * Building blocks of the NetworkPolicies the constructs emit: peers by namespace name, ports,
 * and the egress rule to the cluster DNS that every policed workload needs.
 */
import { IntOrString, type NetworkPolicyEgressRule, type NetworkPolicyPeer } from '../../imports/k8s';
import { DNS_POD_LABELS, LABELS, PLATFORM_NAMESPACES, PORTS } from './constants';

/** Pods of one namespace (by its kubernetes.io/metadata.name label), optionally only some. */
export function namespacePeer(namespace: string, pods?: Record<string, string>): NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { [LABELS.namespaceName]: namespace } },
    ...(pods ? { podSelector: { matchLabels: { ...pods } } } : {}),
  };
}

/** A port of a NetworkPolicy rule. */
export function port(protocol: 'TCP' | 'UDP', n: number): { protocol: 'TCP' | 'UDP'; port: IntOrString } {
  return { protocol, port: IntOrString.fromNumber(n) };
}

export const tcp = (n: number) => port('TCP', n);

/** Egress to the cluster DNS (CoreDNS in kube-system) on UDP and TCP 53. */
export function dnsEgress(): NetworkPolicyEgressRule {
  return {
    to: [namespacePeer(PLATFORM_NAMESPACES.kubeSystem, { ...DNS_POD_LABELS })],
    ports: [port('UDP', PORTS.dns), tcp(PORTS.dns)],
  };
}
