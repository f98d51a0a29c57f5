import { Construct } from 'constructs';
import { KubeNamespace } from '../../../imports/k8s';
import { LABELS } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';

/** Pod Security Standard levels. */
export type PodSecurityStandard = 'privileged' | 'baseline' | 'restricted';

/** Annotation that records why a namespace enforces less than `restricted`. */
export const POD_SECURITY_REASON = 'platform.agentic.io/pod-security-reason';

export interface PlatformNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /** Value of the platform.agentic.io/component label. */
  readonly component: string;
  /** Pod Security Standard enforced. warn and audit are always `restricted`. */
  readonly podSecurity: PodSecurityStandard;
  /**
   * Why the namespace enforces less than `restricted`; required for `baseline` and `privileged`.
   * @default - none (only allowed with `restricted`)
   */
  readonly reason?: string;
  /**
   * Enrol the namespace in the ambient mesh (ztunnel mTLS).
   * @default false
   */
  readonly ambient?: boolean;
  /**
   * Let agentgateway discover Gateways and routes here.
   * @default false
   */
  readonly gatewayDiscovery?: boolean;
  /**
   * Name of the waypoint (a Gateway of the namespace) that the namespace's Services use.
   * @default - no waypoint
   */
  readonly useWaypoint?: string;
  /** Kubernetes minor version the Pod Security labels pin, such as "1.31". */
  readonly kubernetesVersion: string;
}

/** A namespace a platform component runs in, with Pod Security labels and mesh enrolment. */
export class PlatformNamespace extends Construct {
  public readonly resource: KubeNamespace;

  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    if (props.podSecurity !== 'restricted' && !props.reason) {
      throw new Error(
        `PlatformNamespace ${props.name}: podSecurity "${props.podSecurity}" is looser than restricted, so reason must say why; set reason or use restricted`,
      );
    }
    const version = `v${props.kubernetesVersion}`;
    const labels: Record<string, string> = {
      ...platformLabels(props.component),
      [LABELS.psaEnforce]: props.podSecurity,
      [LABELS.psaEnforceVersion]: version,
      [LABELS.psaWarn]: 'restricted',
      [LABELS.psaWarnVersion]: version,
      [LABELS.psaAudit]: 'restricted',
      [LABELS.psaAuditVersion]: version,
    };
    if (props.ambient) labels[LABELS.dataplaneMode] = 'ambient';
    if (props.gatewayDiscovery) labels[LABELS.gatewayDiscovery] = 'true';
    if (props.useWaypoint) {
      if (!props.ambient)
        throw new Error(
          `PlatformNamespace ${props.name}: useWaypoint needs ambient: a waypoint serves meshed traffic only`,
        );
      labels[LABELS.useWaypoint] = props.useWaypoint;
    }
    // KubeNamespace: cdk8s-plus-30 adds `spec: {}`.
    this.resource = new KubeNamespace(this, 'Resource', {
      metadata: {
        name: props.name,
        labels,
        // Platform namespaces hold data (PVCs, secrets): never pruned or deleted by a sync.
        annotations: {
          'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false',
          ...(props.reason ? { [POD_SECURITY_REASON]: props.reason } : {}),
        },
      },
    });
  }
}
