/**
 * The eksctl ClusterConfig of an environment: a pure function of charts/environments/<env>.yaml.
 * Node group names, labels and taints come from the same constants and helpers as every pod
 * template's placement (charts/lib/placement.ts), so the two cannot drift apart.
 */
import type { Environment } from '../charts/config/environment';
import { MANAGED_BY, NODE_GROUPS } from '../charts/lib/constants';
import { nodeGroupLabels, nodeGroupTaint, nodeSelectorFor, tolerationsFor } from '../charts/lib/placement';

/** The node group that runs cluster add-on controllers (CoreDNS, the EBS CSI controller). */
export const SYSTEM_NODE_GROUP = 'platform';

/** Control plane log types sent to CloudWatch. */
const CONTROL_PLANE_LOGS = ['api', 'audit', 'authenticator'];

/** Add-on configuration that puts its pods on the platform group, whose taint they tolerate. */
function onPlatformNodes(): { nodeSelector: Record<string, string>; tolerations: unknown[] } {
  return { nodeSelector: nodeSelectorFor(SYSTEM_NODE_GROUP), tolerations: tolerationsFor(SYSTEM_NODE_GROUP) };
}

/**
 * The ClusterConfig (eksctl.io/v1alpha5) of one environment.
 *
 * - IAM roles for service accounts (OIDC provider on): the EBS CSI controller's role is created
 *   here through the add-on; the roles of Langfuse and external-secrets come from
 *   cluster/terraform, because their policies name the bucket and secrets that Terraform creates.
 * - Every node group is tainted, so the add-ons that run Deployments (CoreDNS, the EBS CSI
 *   controller) are pinned to the platform group; the DaemonSets of vpc-cni, kube-proxy and the
 *   EBS CSI node tolerate every taint already.
 * - Nodes live in private subnets, with encrypted gp3 root volumes and IMDSv2 only; their
 *   egress leaves through the NAT gateways of aws.natGateway.
 */
export function eksctlConfig(env: Environment): Record<string, unknown> {
  const tags = { environment: env.name, 'app.kubernetes.io/managed-by': MANAGED_BY };
  return {
    apiVersion: 'eksctl.io/v1alpha5',
    kind: 'ClusterConfig',
    metadata: { name: env.aws.clusterName, region: env.aws.region, version: env.kubernetesVersion, tags },
    iam: { withOIDC: true },
    vpc: {
      nat: { gateway: env.aws.natGateway },
      clusterEndpoints: { privateAccess: true, publicAccess: true },
    },
    addons: [
      // enableNetworkPolicy: the VPC CNI enforces the tenants' NetworkPolicies.
      { name: 'vpc-cni', attachPolicyARNs: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'], configurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }) },
      { name: 'coredns', configurationValues: JSON.stringify(onPlatformNodes()) },
      { name: 'kube-proxy' },
      { name: 'aws-ebs-csi-driver', wellKnownPolicies: { ebsCSIController: true }, configurationValues: JSON.stringify({ controller: onPlatformNodes() }) },
    ],
    cloudWatch: { clusterLogging: { enableTypes: CONTROL_PLANE_LOGS, logRetentionInDays: 30 } },
    managedNodeGroups: NODE_GROUPS.map((group) => {
      const size = env.aws.nodeGroups[group];
      return {
        name: group,
        amiFamily: 'AmazonLinux2023',
        instanceType: size.instanceType,
        minSize: size.minSize,
        maxSize: size.maxSize,
        desiredCapacity: size.desiredSize,
        volumeSize: size.volumeSize,
        volumeType: 'gp3',
        volumeEncrypted: true,
        privateNetworking: true,
        disableIMDSv1: true,
        labels: nodeGroupLabels(group),
        taints: [nodeGroupTaint(group)],
        tags: { ...tags, ...nodeGroupLabels(group) },
      };
    }),
  };
}
