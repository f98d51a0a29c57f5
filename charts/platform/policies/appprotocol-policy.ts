import { Construct } from 'constructs';
import {
  ClusterPolicy,
  ClusterPolicySpecRulesMatchAnyResourcesOperations as Operation,
  ClusterPolicySpecRulesMutateForeachPreconditionsAllOperator as ForeachOperator,
} from '../../../imports/kyverno-clusterpolicies-kyverno.io';
import { A2A_APP_PROTOCOL, ANNOTATIONS, KAGENT_AGENT_SERVICE } from '../../lib/constants';
import { ADMISSION_ONLY, type Condition, policyMetadata } from './policy-parts';

/** A label kagent puts on the Deployment and Service it creates for an Agent (kagent v0.9.12 manifest builder). */
export const KAGENT_AGENT_LABELS = { app: 'kagent' } as const;

/**
 * Precondition: the object is owned by a kagent Agent, i.e. kagent created it. No Argo CD
 * Application syncs such a Service (see test/mutating-policies.test.ts), so the rule needs no
 * exclusion of Argo-tracked objects.
 */
export const OWNED_BY_KAGENT_AGENT: Condition = {
  key: "{{ length(request.object.metadata.ownerReferences[?kind=='Agent' && starts_with(apiVersion, 'kagent.dev/')] || `[]`) }}",
  operator: 'GreaterThan',
  value: 0,
};

export interface AppProtocolPolicyProps {
  /** @default 'appprotocol' */
  readonly name?: string;
  /**
   * Names of the Service ports that serve A2A. kagent names the single port of an Agent's Service
   * `http` (port 8080).
   * @default ['http']
   */
  readonly portNames?: readonly string[];
  /** Argo CD sync wave of the ClusterPolicy. @default undefined (no sync-wave annotation) */
  readonly syncWave?: number;
}

/**
 * Sets `appProtocol: kgateway.dev/a2a` on the A2A port of every Service that kagent creates for
 * an exposed Agent, so that agentgateway speaks A2A to it. The port is found by name wherever it
 * is in the list; other ports are left alone.
 *
 * kagent (v0.9.12, manifest_builder.go objectMeta) copies the Agent's annotations onto the
 * Service it creates, and reconciles the Service when they change, so the Service of an exposed
 * Agent carries `platform.agentic.io/expose: "true"` itself: the policy matches Services labelled
 * `app: kagent` with that annotation and an Agent among their owners, and needs no lookup of the
 * Agent. kagent v0.9.12 already sets this appProtocol for declarative agents with an a2aConfig;
 * the policy covers BYO agents and the rest.
 */
export class AppProtocolPolicy extends Construct {
  public readonly resource: ClusterPolicy;

  constructor(scope: Construct, id: string, props: AppProtocolPolicyProps = {}) {
    super(scope, id);
    const portNames = [...(props.portNames ?? [KAGENT_AGENT_SERVICE.portName])];
    if (portNames.length === 0) {
      throw new Error('AppProtocolPolicy: portNames is empty; name at least one Service port (kagent names it "http")');
    }
    this.resource = new ClusterPolicy(this, 'Resource', {
      metadata: policyMetadata({
        name: props.name ?? 'appprotocol',
        title: 'A2A appProtocol on exposed agents',
        subject: 'Service',
        description: `Services owned by a kagent Agent annotated ${ANNOTATIONS.expose}=true get appProtocol ${A2A_APP_PROTOCOL} on the port named ${portNames.join(' or ')}.`,
        syncWave: props.syncWave,
      }),
      spec: {
        ...ADMISSION_ONLY,
        rules: [
          {
            name: 'a2a-app-protocol',
            match: {
              any: [
                {
                  resources: {
                    kinds: ['Service'],
                    operations: [Operation.CREATE, Operation.UPDATE],
                    selector: { matchLabels: { ...KAGENT_AGENT_LABELS } },
                    annotations: { [ANNOTATIONS.expose]: 'true' },
                  },
                },
              ],
            },
            preconditions: { all: [OWNED_BY_KAGENT_AGENT] },
            mutate: {
              foreach: [
                {
                  list: 'request.object.spec.ports',
                  preconditions: {
                    all: [{ key: '{{ element.name }}', operator: ForeachOperator.ANY_IN, value: portNames }],
                  },
                  patchesJson6902: JSON.stringify([
                    { op: 'add', path: '/spec/ports/{{ elementIndex }}/appProtocol', value: A2A_APP_PROTOCOL },
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
