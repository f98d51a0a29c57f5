/**
 * The simulated nodes of an environment: one kwok Node per instance that cluster/eksctl-config.ts
 * asks for (each node group, in each availability zone, desiredSize nodes), with the labels and
 * taint of its group from the same helpers the eksctl config and every pod template's placement
 * use, and the capacity of its EC2 instance type. kwok (sigs.k8s.io/kwok) manages the Nodes that
 * carry its annotation: it marks them Ready and runs the pods the real scheduler binds to them.
 */
import { type Environment, NODE_GROUPS, type NodeGroup, nodeGroupLabels, nodeGroupTaint } from '../../charts';
import { nodeGroupName } from '../../cluster/eksctl-config';

/** The annotation kwok selects the Nodes it manages by (its --manage-nodes-with-annotation-selector). */
export const KWOK_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;

/**
 * Capacity of the instance types the environments use: vCPUs and memory from the EC2 instance
 * type table, pods from amazon-eks-ami's eni-max-pods.txt (the VPC CNI's limit per instance
 * type). Allocatable is taken to be the capacity: the kubelet's reservations are not modelled.
 */
export const INSTANCE_TYPES: Readonly<Record<string, { cpu: string; memory: string; pods: number }>> = {
  't3.medium': { cpu: '2', memory: '4Gi', pods: 17 },
  't3.large': { cpu: '2', memory: '8Gi', pods: 35 },
  't3.xlarge': { cpu: '4', memory: '16Gi', pods: 58 },
  't3.2xlarge': { cpu: '8', memory: '32Gi', pods: 58 },
  'm5.large': { cpu: '2', memory: '8Gi', pods: 29 },
  'm5.xlarge': { cpu: '4', memory: '16Gi', pods: 58 },
  'm5.2xlarge': { cpu: '8', memory: '32Gi', pods: 58 },
};

/** A Node object as the cluster tier creates it. */
export interface SimulatedNode {
  readonly apiVersion: 'v1';
  readonly kind: 'Node';
  readonly metadata: {
    readonly name: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
  };
  readonly spec: { readonly taints: { key: string; value: string; effect: string }[] };
  readonly status: {
    readonly capacity: Record<string, string>;
    readonly allocatable: Record<string, string>;
  };
}

/** The node group a Node belongs to, from its labels (undefined for a Node of no group). */
export function groupOfNode(labels: Record<string, string> | undefined): NodeGroup | undefined {
  return NODE_GROUPS.find((g) => Object.entries(nodeGroupLabels(g)).every(([k, v]) => labels?.[k] === v));
}

/** The Nodes of an environment, in node group, zone and index order. */
export function simulatedNodes(env: Environment): SimulatedNode[] {
  const out: SimulatedNode[] = [];
  const unknown = NODE_GROUPS.map((g) => env.aws.nodeGroups[g].instanceType).filter((t) => !INSTANCE_TYPES[t]);
  if (unknown.length > 0)
    throw new Error(
      `cluster tier: charts/environments/${env.name}.yaml: aws.nodeGroups uses instance type(s) ${[...new Set(unknown)].join(', ')} that scripts/cluster-tier/nodes.ts INSTANCE_TYPES does not list; add their vCPUs, memory and max pods`,
    );
  for (const group of NODE_GROUPS) {
    const size = env.aws.nodeGroups[group];
    const capacity = INSTANCE_TYPES[size.instanceType];
    const resources = {
      cpu: capacity.cpu,
      memory: capacity.memory,
      pods: String(capacity.pods),
      'ephemeral-storage': `${size.volumeSize}Gi`,
    };
    for (const zone of env.aws.availabilityZones) {
      for (let i = 0; i < size.desiredSize; i++) {
        const name = `${nodeGroupName(group, zone)}-${i}`;
        out.push({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name,
            labels: {
              ...nodeGroupLabels(group),
              'kubernetes.io/hostname': name,
              'kubernetes.io/os': 'linux',
              'kubernetes.io/arch': 'amd64',
              'node.kubernetes.io/instance-type': size.instanceType,
              'topology.kubernetes.io/zone': zone,
              'topology.kubernetes.io/region': zone.replace(/[a-z]$/, ''),
              'eks.amazonaws.com/nodegroup': nodeGroupName(group, zone),
              type: 'kwok',
            },
            annotations: { [KWOK_ANNOTATION.key]: KWOK_ANNOTATION.value },
          },
          spec: { taints: [nodeGroupTaint(group)] },
          status: { capacity: resources, allocatable: resources },
        });
      }
    }
  }
  return out;
}
