import {
  NetworkPolicy,
  NetworkPolicyIpBlock,
  NetworkPolicyPort,
  NetworkPolicyTrafficDefault,
  Pods,
} from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import {
  type Container,
  IntOrString,
  KubeClusterRole,
  KubeClusterRoleBinding,
  KubeDeployment,
  KubeRole,
  KubeRoleBinding,
  KubeServiceAccount,
  Quantity,
} from '../../../imports/k8s';
import {
  ANY_IPV4,
  CLUSTER_AUTOSCALER,
  clusterAutoscalerRoleName,
  NODE_ROLE_LABEL,
  PLATFORM_NAMESPACES,
  PROMETHEUS_POD_LABELS,
} from '../../lib/constants';
import { dnsRule, podsIn } from './plus-network';
import { platformLabels } from '../../lib/labels';
import { nodeSelectorFor, tolerationsFor } from '../../lib/placement';

/**
 * The cluster-autoscaler release of each Kubernetes minor version: "We recommend using Cluster
 * Autoscaler with the Kubernetes control plane version for which it was meant ... versioning scheme
 * was changed to match Kubernetes minor releases exactly" (kubernetes/autoscaler
 * cluster-autoscaler-1.35.2 cluster-autoscaler/README.md, "Releases").
 */
export const CLUSTER_AUTOSCALER_RELEASES: Readonly<Record<string, string>> = {
  '1.35': 'v1.35.2',
};

/** Image registry and repository of cluster-autoscaler releases. */
export const CLUSTER_AUTOSCALER_IMAGE = 'registry.k8s.io/autoscaling/cluster-autoscaler';

/** Port of cluster-autoscaler's metrics and /health-check (its --address default :8085). */
const METRICS_PORT = 8085;

export interface ClusterAutoscalerProps {
  readonly clusterName: string;
  readonly region: string;
  readonly accountId: string;
  /** Kubernetes minor version of the cluster, such as "1.35": picks the matching release. */
  readonly kubernetesVersion: string;
}

/** The IAM partition of a region (GovCloud regions are in aws-us-gov). */
function partitionOf(region: string): string {
  return region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** The image of the cluster-autoscaler release for a Kubernetes version; throws naming the fix. */
export function clusterAutoscalerImage(kubernetesVersion: string): string {
  const release = CLUSTER_AUTOSCALER_RELEASES[kubernetesVersion];
  if (!release) {
    throw new Error(
      `Kubernetes ${kubernetesVersion} has no cluster-autoscaler release; add one to CLUSTER_AUTOSCALER_RELEASES in charts/platform/constructs/cluster-autoscaler.ts (its minor version must match)`,
    );
  }
  return `${CLUSTER_AUTOSCALER_IMAGE}:${release}`;
}

/**
 * cluster-autoscaler for the managed node groups eksctl creates (one per group and zone): it finds
 * them by the tags EKS puts on their Auto Scaling groups, keeps the zones of a group balanced, and
 * acts through an IAM role that eksctl creates for this ServiceAccount (limited to this cluster's
 * groups). Objects and RBAC as kubernetes/autoscaler cluster-autoscaler-1.35.2
 * cluster-autoscaler/cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml, on the platform
 * nodes, without the host path the example mounts for CA certificates (the image carries its own).
 */
export class ClusterAutoscaler extends Construct {
  public readonly deployment: KubeDeployment;

  constructor(scope: Construct, id: string, props: ClusterAutoscalerProps) {
    super(scope, id);
    const { name, namespace } = CLUSTER_AUTOSCALER;
    const labels = platformLabels('cluster-autoscaler');
    const selector = { 'app.kubernetes.io/name': name };
    // Kube* classes: cdk8s-plus-30 would add `automountServiceAccountToken: false` to the
    // ServiceAccount and `apiGroup: ''` to binding subjects, split ClusterRole rules per resource,
    // and leave out the resourceNames of Role rules.
    this.rbac(name, namespace, labels, props);
    this.deployment = new KubeDeployment(this, 'Resource', {
      metadata: { name, namespace, labels },
      spec: {
        // One replica: it elects a leader anyway, and scaling waits for it only while it restarts.
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: {
            priorityClassName: 'system-cluster-critical',
            serviceAccountName: name,
            nodeSelector: nodeSelectorFor('platform'),
            tolerations: tolerationsFor('platform'),
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65534,
              runAsGroup: 65534,
              fsGroup: 65534,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [autoscalerContainer(name, props)],
          },
        },
      },
    });
    this.network(name, namespace, labels, selector);
  }

  /** Its ServiceAccount (with the IAM role), and what it may read and change in the cluster. */
  private rbac(name: string, namespace: string, labels: Record<string, string>, props: ClusterAutoscalerProps): void {
    const roleArn = `arn:${partitionOf(props.region)}:iam::${props.accountId}:role/${clusterAutoscalerRoleName(props.clusterName)}`;
    new KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace, labels, annotations: { 'eks.amazonaws.com/role-arn': roleArn } },
    });
    new KubeClusterRole(this, 'ClusterRole', {
      metadata: { name, labels },
      rules: [
        { apiGroups: [''], resources: ['events', 'endpoints'], verbs: ['create', 'patch'] },
        { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods/status'], verbs: ['update'] },
        { apiGroups: [''], resources: ['endpoints'], resourceNames: [name], verbs: ['get', 'update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['watch', 'list', 'get', 'update'] },
        {
          apiGroups: [''],
          resources: [
            'namespaces',
            'pods',
            'services',
            'replicationcontrollers',
            'persistentvolumeclaims',
            'persistentvolumes',
          ],
          verbs: ['watch', 'list', 'get'],
        },
        { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['watch', 'list'] },
        {
          apiGroups: ['apps'],
          resources: ['statefulsets', 'replicasets', 'daemonsets'],
          verbs: ['watch', 'list', 'get'],
        },
        {
          apiGroups: ['storage.k8s.io'],
          resources: ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'],
          verbs: ['watch', 'list', 'get'],
        },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'patch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [name], verbs: ['get', 'update'] },
      ],
    });
    new KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
    new KubeRole(this, 'Role', {
      metadata: { name, namespace, labels },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'list', 'watch'] },
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: ['cluster-autoscaler-status', 'cluster-autoscaler-priority-expander'],
          verbs: ['delete', 'get', 'update', 'watch'],
        },
      ],
    });
    new KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
  }

  /** Metrics to Prometheus; out to DNS and HTTPS (the Kubernetes and AWS APIs). */
  private network(
    name: string,
    namespace: string,
    labels: Record<string, string>,
    selector: Record<string, string>,
  ): void {
    new NetworkPolicy(this, 'Network', {
      metadata: { name, namespace, labels },
      selector: Pods.select(this, 'Pods', { labels: selector }),
      // Ingress first in policyTypes: cdk8s-plus-30 2.4.10 (lib/network-policy.js) lists the types
      // as the defaults and then the egress and ingress rules add them; DENY adds no rule.
      ingress: {
        default: NetworkPolicyTrafficDefault.DENY,
        rules: [
          {
            peer: podsIn(this, 'Prometheus', PLATFORM_NAMESPACES.monitoring, PROMETHEUS_POD_LABELS),
            ports: [NetworkPolicyPort.tcp(METRICS_PORT)],
          },
        ],
      },
      // The Kubernetes API (the EKS endpoint's addresses in the VPC) and the AWS APIs, both HTTPS.
      egress: {
        rules: [
          dnsRule(this),
          { peer: NetworkPolicyIpBlock.ipv4(this, 'Any', ANY_IPV4), ports: [NetworkPolicyPort.tcp(443)] },
        ],
      },
    });
  }
}

/** The autoscaler container: auto-discovered node groups, balanced zones, no privileges. */
function autoscalerContainer(name: string, props: ClusterAutoscalerProps): Container {
  return {
    name,
    image: clusterAutoscalerImage(props.kubernetesVersion),
    imagePullPolicy: 'Always',
    command: [
      './cluster-autoscaler',
      '--cloud-provider=aws',
      `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${props.clusterName}`,
      // One managed node group per group and zone: keep each group's zones level, and
      // compare groups by their node role only (their other labels name the zone).
      '--balance-similar-node-groups',
      `--balancing-label=${NODE_ROLE_LABEL}`,
      '--expander=least-waste',
      // Most platform pods mount an emptyDir; they may move to another node.
      '--skip-nodes-with-local-storage=false',
      '--stderrthreshold=info',
      '--v=2',
    ],
    env: [{ name: 'AWS_REGION', value: props.region }],
    ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
    livenessProbe: {
      httpGet: { path: '/health-check', port: IntOrString.fromNumber(METRICS_PORT) },
      initialDelaySeconds: 30,
      periodSeconds: 30,
    },
    resources: {
      requests: {
        cpu: Quantity.fromString('100m'),
        memory: Quantity.fromString('600Mi'),
        'ephemeral-storage': Quantity.fromString('64Mi'),
      },
      limits: {
        cpu: Quantity.fromString('100m'),
        memory: Quantity.fromString('600Mi'),
        'ephemeral-storage': Quantity.fromString('256Mi'),
      },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}
