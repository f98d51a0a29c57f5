import { Construct } from 'constructs';
import { ClusterPolicy } from '../../../imports/kyverno-clusterpolicies-kyverno.io';
import { LABELS, type NodeGroup } from '../../lib/constants';
import { ADMISSION_ONLY, placementRules, podsIn, policyMetadata } from './policy-parts';

export interface TenantSchedulingPolicyProps {
  /** @default 'tenant-scheduling' */
  readonly name?: string;
  /** Node group tenant pods go to. @default 'agents' */
  readonly group?: NodeGroup;
  /** Argo CD sync wave of the ClusterPolicy. @default undefined (no sync-wave annotation) */
  readonly syncWave?: number;
}

/**
 * Puts every pod created in a tenant namespace (labelled `platform.agentic.io/tenant: "true"`)
 * on the agents node group: the group's toleration is added when missing and `node-role` in the
 * nodeSelector is set to the group, replacing any node-role the pod asked for, so a tenant cannot
 * choose a platform or gateway node. Other nodeSelector keys and tolerations are kept. A pod that
 * names its node (spec.nodeName) skips the scheduler and its taints, but the kubelet still checks
 * the nodeSelector and refuses it on any node that is not in the agents group.
 *
 * failurePolicy Ignore: every node group is tainted, so a tenant pod admitted while Kyverno is
 * unavailable tolerates none of them (unless it says so itself) and stays Pending.
 */
export class TenantSchedulingPolicy extends Construct {
  public readonly resource: ClusterPolicy;

  constructor(scope: Construct, id: string, props: TenantSchedulingPolicyProps = {}) {
    super(scope, id);
    const group = props.group ?? 'agents';
    this.resource = new ClusterPolicy(this, 'Resource', {
      metadata: policyMetadata({
        name: props.name ?? 'tenant-scheduling',
        title: 'Tenant pod placement',
        subject: 'Pod',
        description: `Pods in namespaces labelled ${LABELS.tenant}=true get node-role ${group} and its toleration.`,
        syncWave: props.syncWave,
      }),
      spec: {
        ...ADMISSION_ONLY,
        rules: placementRules({ prefix: group, group, match: podsIn({ matchLabels: { [LABELS.tenant]: 'true' } }) }),
      },
    });
  }
}
