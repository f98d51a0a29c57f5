import { Construct } from 'constructs';
import {
  ClusterPolicy,
  ClusterPolicySpecFailurePolicy,
  type ClusterPolicySpecRules,
} from '../../../imports/kyverno-clusterpolicies-kyverno.io';
import {
  ANNOTATIONS,
  AUTO_EXPOSE_ROUTE_PREFIX,
  CENTRAL_GATEWAY,
  KAGENT_AGENT_SERVICE,
  LABELS,
  MANAGED_BY,
  ROUTE_PREFIXES,
} from '../../lib/constants';
import { centralGatewayParent } from '../constructs/central-gateway';
import { type Condition, objectValue, policyMetadata, sizeOf } from './policy-parts';

/** The kinds of route the policy generates, each for one kind of exposed resource. */
export const EXPOSED_KINDS = [
  {
    route: 'a2a',
    kind: 'kagent.dev/v1alpha2/Agent',
    /** The Service kagent creates for the Agent. */
    backendRef: { name: '{{ request.object.metadata.name }}', port: KAGENT_AGENT_SERVICE.port },
  },
  {
    route: 'llm',
    kind: 'agentgateway.dev/v1alpha1/AgentgatewayBackend',
    /** AI backends only. */
    specField: 'ai',
    backendRef: { group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: '{{ request.object.metadata.name }}' },
  },
  {
    route: 'mcp',
    kind: 'agentgateway.dev/v1alpha1/AgentgatewayBackend',
    /** MCP backends only. */
    specField: 'mcp',
    backendRef: { group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: '{{ request.object.metadata.name }}' },
  },
] as const satisfies readonly { route: keyof typeof ROUTE_PREFIXES; kind: string; specField?: string; backendRef: object }[];

export interface AutoExposePolicyProps {
  /** @default 'auto-expose' */
  readonly name?: string;
  /** Argo CD sync wave of the ClusterPolicy. @default undefined (no sync-wave annotation) */
  readonly syncWave?: number;
}

/**
 * Generates an HTTPRoute on the central gateway for every kagent Agent and every AI or MCP
 * AgentgatewayBackend annotated `platform.agentic.io/expose: "true"`:
 * `/<a2a|llm|mcp>/<segment>/<name>`, rewritten to `/` before it reaches the backend.
 *
 * - The segment is the namespace. Outside tenant namespaces the annotation
 *   `platform.agentic.io/expose-alias` replaces it (the platform's default LLM backend is served at
 *   `/llm/default/<name>`). In tenant namespaces the alias is ignored: a tenant could otherwise
 *   claim a path under another tenant's or the platform's segment.
 * - The route lives in the resource's namespace, is named `auto-expose-<a2a|llm|mcp>-<name>` and
 *   carries an ownerReference to the resource, so deleting the resource deletes the route;
 *   synchronize keeps it equal to the policy and removes it when the annotation goes.
 * - Resources labelled `app.kubernetes.io/managed-by: agentic-platform` are skipped: the compiler
 *   emits the routes of the resources it declares itself, and never names a route `auto-expose-*`,
 *   so the policy and the compiler never write the same route.
 *
 * Kyverno's background controller creates the routes; the policies folder holds the ClusterRole
 * that lets it (HTTPRoutes, and reading the trigger kinds).
 */
export class AutoExposePolicy extends Construct {
  public readonly resource: ClusterPolicy;

  constructor(scope: Construct, id: string, props: AutoExposePolicyProps = {}) {
    super(scope, id);
    const name = props.name ?? 'auto-expose';
    this.resource = new ClusterPolicy(this, 'Resource', {
      metadata: policyMetadata({
        name,
        title: 'Routes for exposed agents and backends',
        subject: 'Agent, AgentgatewayBackend',
        description: `Agents and AI/MCP AgentgatewayBackends annotated ${ANNOTATIONS.expose}=true get an HTTPRoute on ${CENTRAL_GATEWAY.namespace}/${CENTRAL_GATEWAY.name}; resources labelled ${LABELS.managedBy}=${MANAGED_BY} are skipped.`,
        syncWave: props.syncWave,
      }),
      spec: {
        admission: true,
        background: true,
        failurePolicy: ClusterPolicySpecFailurePolicy.IGNORE,
        rules: EXPOSED_KINDS.flatMap((k) => [exposeRule(name, k, false), exposeRule(name, k, true)]),
      },
    });
  }
}

const ALIAS = `request.object.metadata.annotations."${ANNOTATIONS.exposeAlias}"`;

function exposeRule(policy: string, k: (typeof EXPOSED_KINDS)[number], tenant: boolean): ClusterPolicySpecRules {
  const segment = tenant ? '{{ request.object.metadata.namespace }}' : `{{ ${ALIAS} || request.object.metadata.namespace }}`;
  // Checked as preconditions rather than in match/exclude so that every skipped resource gets a
  // rule result (the Kyverno CLI suite asserts on them).
  const conditions: Condition[] = [
    { key: objectValue(`metadata.annotations."${ANNOTATIONS.expose}"`, "''"), operator: 'Equals', value: 'true' },
    { key: objectValue(`metadata.labels."${LABELS.managedBy}"`, "''"), operator: 'NotEquals', value: MANAGED_BY },
    ...('specField' in k ? [{ key: sizeOf(`spec.${k.specField}`, '`{}`'), operator: 'GreaterThan' as const, value: 0 }] : []),
  ];
  return {
    name: `${k.route}-route${tenant ? '-tenant-namespace' : ''}`,
    match: {
      any: [
        {
          resources: {
            kinds: [k.kind],
            namespaceSelector: tenant
              ? { matchLabels: { [LABELS.tenant]: 'true' } }
              : { matchExpressions: [{ key: LABELS.tenant, operator: 'NotIn', values: ['true'] }] },
          },
        },
      ],
    },
    preconditions: { all: conditions },
    generate: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      name: `${AUTO_EXPOSE_ROUTE_PREFIX}${k.route}-{{ request.object.metadata.name }}`,
      namespace: '{{ request.object.metadata.namespace }}',
      synchronize: true,
      generateExisting: true,
      data: {
        metadata: {
          labels: { [LABELS.partOf]: MANAGED_BY, [LABELS.exposedBy]: policy },
          ownerReferences: [
            {
              apiVersion: '{{ request.object.apiVersion }}',
              kind: '{{ request.object.kind }}',
              name: '{{ request.object.metadata.name }}',
              uid: '{{ request.object.metadata.uid }}',
            },
          ],
        },
        spec: {
          parentRefs: [centralGatewayParent()],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: `${ROUTE_PREFIXES[k.route]}/${segment}/{{ request.object.metadata.name }}` } }],
              filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
              backendRefs: [{ ...k.backendRef }],
            },
          ],
        },
      },
    },
  };
}
