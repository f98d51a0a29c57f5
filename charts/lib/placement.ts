/**
 * Node placement: the nodeSelector and tolerations that put a pod on one node group, and the
 * toleration that lets node agents (ztunnel, istio-cni, node-exporter) run on every group.
 */
import { NODE_GROUPS, NODE_ROLE_LABEL, NODE_TAINT_KEY, type NodeGroup } from './constants';

export interface Toleration {
  readonly key?: string;
  readonly operator: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect?: 'NoSchedule';
}

/** The taint every node of a group carries. */
export function nodeGroupTaint(group: NodeGroup): { key: string; value: string; effect: 'NoSchedule' } {
  return { key: NODE_TAINT_KEY, value: group, effect: 'NoSchedule' };
}

/** The labels every node of a group carries. */
export function nodeGroupLabels(group: NodeGroup): Record<string, string> {
  return { [NODE_ROLE_LABEL]: group };
}

/** nodeSelector that pins a pod to a node group. */
export function nodeSelectorFor(group: NodeGroup): Record<string, string> {
  return nodeGroupLabels(group);
}

/** Tolerations that let a pod onto a node group (and no other tainted group). */
export function tolerationsFor(group: NodeGroup): Toleration[] {
  return [{ key: NODE_TAINT_KEY, operator: 'Equal', value: group, effect: 'NoSchedule' }];
}

/**
 * Toleration for node agents that must run on every node (ztunnel, istio-cni, node-exporter):
 * every taint of every group, and any other taint a node may carry, as their upstream charts do.
 */
export function tolerateEveryGroup(): Toleration[] {
  return [{ operator: 'Exists' }];
}

export { NODE_GROUPS };

/** Affinity that prefers the replicas of one workload on different nodes: a node loss keeps one running. */
export function spreadOverNodes(matchLabels: Record<string, string>) {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels } } },
      ],
    },
  };
}
