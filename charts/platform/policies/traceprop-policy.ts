import { Construct } from 'constructs';
import {
  ClusterPolicy,
  ClusterPolicySpecRulesMatchAnyResourcesOperations as Operation,
  ClusterPolicySpecRulesMutateForeachPreconditionsAllOperator as ForeachOperator,
} from '../../../imports/kyverno-clusterpolicies-kyverno.io';
import { DECLARATIVE_AGENT_ENV } from '../../constructs/workload-parts';
import { ADMISSION_ONLY, type Condition, notArgoSynced, objectValue, policyMetadata, sizeOf } from './policy-parts';

/**
 * The environment variable and value that make LiteLLM (inside kagent's Python agent runtime) use
 * httpx instead of aiohttp, whose instrumentation propagates the W3C traceparent header. The
 * compiler writes it into every declarative Agent it emits; the policy adds it to the others.
 */
export const TRACEPROP_ENV = DECLARATIVE_AGENT_ENV;

/** The Agent kind the policy matches (the kagent storage version; v1alpha1 has no Declarative type). */
export const KAGENT_AGENT_KIND = 'kagent.dev/v1alpha2/Agent';

export interface TracepropPolicyProps {
  /** @default 'traceprop' */
  readonly name?: string;
  /** Argo CD sync wave of the ClusterPolicy. @default undefined (no sync-wave annotation) */
  readonly syncWave?: number;
}

/** Path of the env list in a v1alpha2 Agent. */
const ENV = 'spec.declarative.deployment.env';

/**
 * Sets `DISABLE_AIOHTTP_TRANSPORT=True` in `spec.declarative.deployment.env` of Declarative kagent
 * Agents that no Argo CD Application syncs (agents a tenant creates by hand), so that the agent's
 * model and agent-to-agent calls carry the trace context and traces follow a request end to end.
 * Agents an Application syncs carry Argo CD's tracking annotation, and the compiler's carry the
 * managed-by label and the variable itself: changing them would fight Argo CD's self-heal. BYO
 * agents bring their own image and are left alone.
 *
 * Kyverno's strategic merge replaces a custom resource's lists whole, so the variable is added by
 * three rules that keep every other entry: create the list when there is none, append the entry
 * when the list lacks it, and set the value of an existing entry to "True" (unless the entry takes
 * its value from a source, valueFrom, which the policy leaves to the Agent's owner).
 */
export class TracepropPolicy extends Construct {
  public readonly resource: ClusterPolicy;

  constructor(scope: Construct, id: string, props: TracepropPolicyProps = {}) {
    super(scope, id);
    const match = {
      any: [{ resources: { kinds: [KAGENT_AGENT_KIND], operations: [Operation.CREATE, Operation.UPDATE] } }],
    };
    // Declarative Agents that no Application syncs: the compiler writes the variable into the ones it emits.
    const when: Condition[] = [
      { key: objectValue('spec.type', "''"), operator: 'Equals', value: 'Declarative' },
      ...notArgoSynced(),
    ];
    this.resource = new ClusterPolicy(this, 'Resource', {
      metadata: policyMetadata({
        name: props.name ?? 'traceprop',
        title: 'Trace propagation for declarative agents',
        subject: 'Agent',
        description: `Declarative kagent Agents that no Argo CD Application syncs get the environment variable ${TRACEPROP_ENV.name}=${TRACEPROP_ENV.value}; the compiler writes it into the Agents it emits.`,
        syncWave: props.syncWave,
      }),
      spec: {
        ...ADMISSION_ONLY,
        rules: [
          {
            name: 'add-env',
            match,
            preconditions: { all: [...when, { key: sizeOf(ENV, '`[]`'), operator: 'Equals', value: 0 }] },
            mutate: { patchStrategicMerge: { spec: { declarative: { deployment: { env: [{ ...TRACEPROP_ENV }] } } } } },
          },
          {
            name: 'append-env',
            match,
            preconditions: {
              all: [
                ...when,
                { key: sizeOf(`${ENV}[?name=='${TRACEPROP_ENV.name}']`, '`[]`'), operator: 'Equals', value: 0 },
              ],
            },
            mutate: {
              patchesJson6902: JSON.stringify([
                { op: 'add', path: `/${ENV.replaceAll('.', '/')}/-`, value: { ...TRACEPROP_ENV } },
              ]),
            },
          },
          {
            name: 'set-env-value',
            match,
            preconditions: { all: when },
            mutate: {
              foreach: [
                {
                  list: `request.object.${ENV}`,
                  preconditions: {
                    all: [
                      { key: '{{ element.name }}', operator: ForeachOperator.EQUALS, value: TRACEPROP_ENV.name },
                      {
                        key: "{{ element.value || '' }}",
                        operator: ForeachOperator.NOT_EQUALS,
                        value: TRACEPROP_ENV.value,
                      },
                      { key: '{{ length(element.valueFrom || `{}`) }}', operator: ForeachOperator.EQUALS, value: 0 },
                    ],
                  },
                  patchesJson6902: JSON.stringify([
                    {
                      op: 'add',
                      path: `/${ENV.replaceAll('.', '/')}/{{ elementIndex }}/value`,
                      value: TRACEPROP_ENV.value,
                    },
                  ]),
                },
              ],
            },
          },
        ],
      },
    });
  }
}
