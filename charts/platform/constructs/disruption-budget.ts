import { Construct } from 'constructs';
import { IntOrString, KubePodDisruptionBudget } from '../../../imports/k8s';
import { platformLabels } from '../../lib/labels';

/** How many pods of a replicated platform workload a voluntary disruption may take at once. */
export const MAX_UNAVAILABLE = 1;

export interface DisruptionBudgetProps {
  readonly namespace: string;
  /** Name of the budget: the workload's. */
  readonly name: string;
  /** The platform.agentic.io/component label value. */
  readonly component: string;
  /** The workload's pod labels (a subset that selects its pods only). */
  readonly selector: Record<string, string>;
  /** The workload's replicas: below two there is nothing to keep available, and no budget. */
  readonly replicas: number;
}

/**
 * A PodDisruptionBudget for a platform workload whose chart offers none: node drains (cluster:upgrade's
 * node group updates, cluster-autoscaler's scale-down) evict one pod at a time, so the workload
 * keeps serving. A workload of one replica gets no budget, which would block every drain.
 */
export class DisruptionBudget extends Construct {
  public readonly resource?: KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    if (props.replicas < 2) return;
    // KubePodDisruptionBudget: cdk8s-plus-30 has no PodDisruptionBudget.
    this.resource = new KubePodDisruptionBudget(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: platformLabels(props.component) },
      spec: {
        maxUnavailable: IntOrString.fromNumber(MAX_UNAVAILABLE),
        selector: { matchLabels: { ...props.selector } },
      },
    });
  }
}
