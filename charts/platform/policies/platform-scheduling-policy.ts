import { Construct } from 'constructs';
import { ClusterPolicy } from '../../../imports/kyverno-clusterpolicies-kyverno.io';
import { CENTRAL_GATEWAY, LABELS, type NodeGroup } from '../../lib/constants';
import { ADMISSION_ONLY, choosesNoNode, placementRules, podsIn, policyMetadata } from './policy-parts';

export interface PlatformSchedulingPolicyProps {
  /** @default 'platform-scheduling' */
  readonly name?: string;
  /** Node group the platform's pods go to. @default 'platform' */
  readonly group?: NodeGroup;
  /** Argo CD sync wave of the ClusterPolicy. @default undefined (no sync-wave annotation) */
  readonly syncWave?: number;
}

/**
 * Puts the pods of platform components on the platform node group. A pod created in a namespace
 * labelled `platform.agentic.io/component` that has chosen no node (no nodeSelector, nodeName or
 * node affinity; DaemonSet pods carry node affinity) gets `node-role: <group>` and the group's
 * toleration. The central gateway's proxy pods, which agentgateway labels
 * `gateway.networking.k8s.io/gateway-name: agentgateway-proxy`, are left alone: they run on the
 * gateway group and say so themselves.
 *
 * failurePolicy Ignore: when Kyverno is unavailable platform pods are still admitted (Kyverno's
 * own among them); unplaced pods tolerate no node group's taint, so they wait in Pending rather
 * than land anywhere else.
 */
export class PlatformSchedulingPolicy extends Construct {
  public readonly resource: ClusterPolicy;

  constructor(scope: Construct, id: string, props: PlatformSchedulingPolicyProps = {}) {
    super(scope, id);
    const group = props.group ?? 'platform';
    this.resource = new ClusterPolicy(this, 'Resource', {
      metadata: policyMetadata({
        name: props.name ?? 'platform-scheduling',
        title: 'Platform pod placement',
        subject: 'Pod',
        description: `Pods in namespaces labelled ${LABELS.component} that choose no node get node-role ${group} and its toleration; the ${CENTRAL_GATEWAY.name} proxy pods are excluded.`,
        syncWave: props.syncWave,
      }),
      spec: {
        ...ADMISSION_ONLY,
        rules: placementRules({
          prefix: group,
          group,
          match: podsIn({ matchExpressions: [{ key: LABELS.component, operator: 'Exists' }] }),
          exclude: {
            any: [
              {
                resources: {
                  namespaces: [CENTRAL_GATEWAY.namespace],
                  selector: { matchLabels: { [LABELS.gatewayName]: CENTRAL_GATEWAY.name } },
                },
              },
            ],
          },
          when: choosesNoNode(),
        }),
      },
    });
  }
}
