/**
 * The eksctl ClusterConfig of an environment: a pure function of charts/environments/<env>.yaml.
 * Node group names, labels and taints come from the same constants and helpers as every pod
 * template's placement (charts/lib/placement.ts), so the two cannot drift apart.
 */
import {
  CLUSTER_AUTOSCALER,
  clusterAutoscalerRoleName,
  type Environment,
  MANAGED_BY,
  NODE_GROUPS,
  type NodeGroup,
  nodeGroupLabels,
  nodeGroupTaint,
  nodeSelectorFor,
  tolerationsFor,
} from '../charts';
import { ADDONS, type AddonName, addonVersions } from './addon-versions';

/** The node group that runs cluster add-on controllers (CoreDNS, the EBS CSI controller, metrics-server). */
export const SYSTEM_NODE_GROUP = 'platform';

/** Control plane log types sent to CloudWatch. */
const CONTROL_PLANE_LOGS = ['api', 'audit', 'authenticator'];

/** IAM's limit on role names. */
const MAX_ROLE_NAME = 64;

/** Add-on configuration that puts its pods on the platform group, whose taint they tolerate. */
function onPlatformNodes(): { nodeSelector: Record<string, string>; tolerations: unknown[] } {
  return { nodeSelector: nodeSelectorFor(SYSTEM_NODE_GROUP), tolerations: tolerationsFor(SYSTEM_NODE_GROUP) };
}

/**
 * Configuration of each add-on: the ones that run a Deployment are placed on the platform group
 * (every group is tainted); the DaemonSets of vpc-cni, kube-proxy and the EBS CSI node tolerate
 * every taint already.
 */
const ADDON_CONFIG: Readonly<Record<AddonName, Record<string, unknown>>> = {
  // enableNetworkPolicy: the VPC CNI enforces the tenants' NetworkPolicies.
  'vpc-cni': {
    attachPolicyARNs: ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy'],
    configurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }),
  },
  coredns: { configurationValues: JSON.stringify(onPlatformNodes()) },
  'kube-proxy': {},
  'aws-ebs-csi-driver': {
    wellKnownPolicies: { ebsCSIController: true },
    configurationValues: JSON.stringify({ controller: onPlatformNodes() }),
  },
  // eksctl v0.230.0 installs metrics-server by default after the node groups and waits for it
  // (pkg/apis/eksctl.io/v1alpha5/known_addons.go): listed here so that it is pinned and placed.
  // Its configuration keys are the kubernetes-sigs/metrics-server chart's values (nodeSelector,
  // tolerations), which the EKS add-on's configuration schema takes (the add-on's values are quoted
  // in jupyter-infra/jupyter-k8s#289); EKS rejects a key outside the schema when eksctl creates it.
  'metrics-server': { configurationValues: JSON.stringify(onPlatformNodes()) },
};

/** Name of the managed node group of a group in one zone, such as platform-us-east-1a. */
export function nodeGroupName(group: NodeGroup, zone: string): string {
  return `${group}-${zone}`;
}

/**
 * The IAM policy of cluster-autoscaler's role: the read actions of the "Full Cluster Autoscaler
 * Features Policy" (kubernetes/autoscaler cluster-autoscaler-1.35.2
 * cluster-autoscaler/cloudprovider/aws/README.md), and the two that change a group only on the
 * Auto Scaling groups of this cluster (EKS tags a managed node group's ASG
 * k8s.io/cluster-autoscaler/<cluster>=owned).
 */
function clusterAutoscalerPolicy(clusterName: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities',
          'ec2:DescribeImages',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetInstanceTypesFromInstanceRequirements',
          'eks:DescribeNodegroup',
        ],
        Resource: ['*'],
      },
      {
        Effect: 'Allow',
        Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        Resource: ['*'],
        Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned' } },
      },
    ],
  };
}

/**
 * The ClusterConfig (eksctl.io/v1alpha5) of one environment.
 *
 * - Kubernetes version and EKS support policy (upgradePolicy.supportType) from the environment;
 *   cluster/kubernetes-versions.ts keeps the version inside Istio's and EKS's support.
 * - The zones are listed; each node group gets one managed node group per zone, which
 *   cluster-autoscaler scales (its IAM role is created here, its Deployment is a platform component).
 * - IAM roles for service accounts (OIDC provider on): the EBS CSI controller's and
 *   cluster-autoscaler's roles are created here; the roles of Langfuse and external-secrets come
 *   from cluster/terraform, because their policies name the bucket and secrets Terraform creates.
 * - Add-ons pinned per Kubernetes version (cluster/addon-versions.ts), every Deployment among them
 *   on the platform group.
 * - The API endpoint is private, and public only for the operators' CIDRs.
 * - Nodes live in private subnets, with encrypted gp3 root volumes, IMDSv2 only and no instance
 *   metadata for pods (every pod that calls AWS has an IAM role of its own); updates replace one
 *   node at a time.
 */
export function eksctlConfig(env: Environment): Record<string, unknown> {
  const tags = { environment: env.name, 'app.kubernetes.io/managed-by': MANAGED_BY };
  const { clusterName } = env.aws;
  const zones = env.aws.availabilityZones;
  const roleName = clusterAutoscalerRoleName(clusterName);
  if (roleName.length > MAX_ROLE_NAME) {
    throw new Error(
      `aws.clusterName ${clusterName} is too long: the IAM role ${roleName} would exceed ${MAX_ROLE_NAME} characters; shorten the cluster name`,
    );
  }
  const versions = addonVersions(env.kubernetesVersion);
  const cidrs = env.aws.apiEndpoint?.publicAccessCIDRs ?? [];
  return {
    apiVersion: 'eksctl.io/v1alpha5',
    kind: 'ClusterConfig',
    metadata: { name: clusterName, region: env.aws.region, version: env.kubernetesVersion, tags },
    upgradePolicy: { supportType: env.aws.supportType },
    availabilityZones: [...zones],
    iam: {
      withOIDC: true,
      serviceAccounts: [
        {
          metadata: { name: CLUSTER_AUTOSCALER.name, namespace: CLUSTER_AUTOSCALER.namespace },
          roleName,
          // The ServiceAccount itself is a platform object (dist/<env>/platform/cluster-autoscaler/).
          roleOnly: true,
          attachPolicy: clusterAutoscalerPolicy(clusterName),
        },
      ],
    },
    vpc: {
      nat: { gateway: env.aws.natGateway },
      clusterEndpoints: { privateAccess: true, publicAccess: cidrs.length > 0 },
      ...(cidrs.length > 0 ? { publicAccessCIDRs: [...cidrs] } : {}),
    },
    addons: ADDONS.map((name) => ({ name, version: versions[name], ...ADDON_CONFIG[name] })),
    cloudWatch: { clusterLogging: { enableTypes: CONTROL_PLANE_LOGS, logRetentionInDays: 30 } },
    managedNodeGroups: NODE_GROUPS.flatMap((group) =>
      zones.map((zone) => {
        const size = env.aws.nodeGroups[group];
        return {
          name: nodeGroupName(group, zone),
          amiFamily: 'AmazonLinux2023',
          instanceType: size.instanceType,
          availabilityZones: [zone],
          minSize: size.minSize,
          maxSize: size.maxSize,
          desiredCapacity: size.desiredSize,
          volumeSize: size.volumeSize,
          volumeType: 'gp3',
          volumeEncrypted: true,
          privateNetworking: true,
          disableIMDSv1: true,
          disablePodIMDS: true,
          // Labels and taints as ASG tags: cluster-autoscaler can scale a zone's group up from zero.
          propagateASGTags: true,
          updateConfig: { maxUnavailable: 1 },
          labels: nodeGroupLabels(group),
          taints: [nodeGroupTaint(group)],
          tags: { ...tags, ...nodeGroupLabels(group) },
        };
      }),
    ),
  };
}
