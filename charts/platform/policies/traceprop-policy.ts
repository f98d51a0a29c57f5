import { Construct } from 'constructs';
import {
  ClusterPolicy,
  ClusterPolicySpecRulesMatchAnyResourcesOperations as Operation,
} from '../../../imports/kyverno-clusterpolicies-kyverno.io';
import { ADMISSION_ONLY, objectValue, policyMetadata } from './policy-parts';

/**
 * The environment variable and value that make LiteLLM (inside kagent's Python agent runtime) use
 * httpx instead of aiohttp, whose instrumentation propagates the W3C traceparent header.
 */
export const TRACEPROP_ENV = { name: 'DISABLE_AIOHTTP_TRANSPORT', value: 'True' } as const;

/** The Agent kind the policy matches (the kagent storage version; v1alpha1 has no Declarative type). */
export const KAGENT_AGENT_KIND = 'kagent.dev/v1alpha2/Agent';

export interface TracepropPolicyProps {
  /** @default 'traceprop' */
  readonly name?: string;
  /** Argo CD sync wave of the ClusterPolicy. @default undefined (no sync-wave annotation) */
  readonly syncWave?: number;
}

/**
 * Sets `DISABLE_AIOHTTP_TRANSPORT=True` in `spec.declarative.deployment.env` of every Declarative
 * kagent Agent, so that the agent's model and agent-to-agent calls carry the trace context and
 * traces follow a request end to end. BYO agents bring their own image and are left alone. The env list is
 * merged by name: other variables are kept, and an entry of that name is set to "True" unless it
 * takes its value from a source (valueFrom), which the policy does not override.
 */
export class TracepropPolicy extends Construct {
  public readonly resource: ClusterPolicy;

  constructor(scope: Construct, id: string, props: TracepropPolicyProps = {}) {
    super(scope, id);
    this.resource = new ClusterPolicy(this, 'Resource', {
      metadata: policyMetadata({
        name: props.name ?? 'traceprop',
        title: 'Trace propagation for declarative agents',
        subject: 'Agent',
        description: `Declarative kagent Agents get the environment variable ${TRACEPROP_ENV.name}=${TRACEPROP_ENV.value}.`,
        syncWave: props.syncWave,
      }),
      spec: {
        ...ADMISSION_ONLY,
        rules: [
          {
            name: 'disable-aiohttp-transport',
            match: { any: [{ resources: { kinds: [KAGENT_AGENT_KIND], operations: [Operation.CREATE, Operation.UPDATE] } }] },
            preconditions: {
              all: [
                { key: objectValue('spec.type', "''"), operator: 'Equals', value: 'Declarative' },
                {
                  key: `{{ length(request.object.spec.declarative.deployment.env[?name=='${TRACEPROP_ENV.name}' && valueFrom] || \`[]\`) }}`,
                  operator: 'Equals',
                  value: 0,
                },
              ],
            },
            mutate: { patchStrategicMerge: { spec: { declarative: { deployment: { env: [{ ...TRACEPROP_ENV }] } } } } },
          },
        ],
      },
    });
  }
}
