import { Construct } from 'constructs';
import { AgentgatewayPolicy } from '../../../imports/agentgateway-policies-agentgateway.dev';
import { HttpRoute } from '../../../imports/gateway-api-httproutes-gateway.networking.k8s.io';
import {
  ClusterPolicy,
  ClusterPolicySpecFailurePolicy,
  type ClusterPolicySpecRules,
  type ClusterPolicySpecRulesContext,
  type ClusterPolicySpecRulesGenerate,
  type ClusterPolicySpecRulesMatchAnyResourcesNamespaceSelector,
} from '../../../imports/kyverno-clusterpolicies-kyverno.io';
import { RESERVED_ALIASES } from '../../config/validate-workloads';
import {
  ANNOTATIONS,
  AUTO_EXPOSE_ROUTE_PREFIX,
  CENTRAL_GATEWAY,
  DNS_LABEL,
  KAGENT_AGENT_SERVICE,
  KEYCLOAK,
  LABELS,
  MANAGED_BY,
  ROUTE_PREFIXES,
  tenantNamespace,
} from '../../lib/constants';
import { groupOf } from '../../lib/gvk';
import { callersExpression, prefixRewriteRule, ROUTE_OBJECT_NAMES } from '../../config/routes';
import { centralGatewayParent } from '../constructs/central-gateway';
import { type Condition, objectValue, policyMetadata, sizeOf } from './policy-parts';

const NAME = '{{ request.object.metadata.name }}';
const NAMESPACE = '{{ request.object.metadata.namespace }}';

/** The kinds of route the policy generates, each for one kind of exposed resource. */
export const EXPOSED_KINDS = [
  {
    route: 'a2a',
    kind: 'kagent.dev/v1alpha2/Agent',
    /** The Service kagent creates for the Agent. */
    backendRef: { name: NAME, port: KAGENT_AGENT_SERVICE.port },
  },
  {
    route: 'llm',
    kind: 'agentgateway.dev/v1alpha1/AgentgatewayBackend',
    /** AI backends only. */
    specField: 'ai',
    backendRef: { group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: NAME },
  },
  {
    route: 'mcp',
    kind: 'agentgateway.dev/v1alpha1/AgentgatewayBackend',
    /** MCP backends only. */
    specField: 'mcp',
    backendRef: { group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: NAME },
  },
] as const satisfies readonly {
  route: keyof typeof ROUTE_PREFIXES;
  kind: string;
  specField?: string;
  backendRef: object;
}[];

type ExposedKind = (typeof EXPOSED_KINDS)[number];

/** Prefix of every tenant namespace; the rest is the tenant's name. */
const TENANT_PREFIX = tenantNamespace('');

/**
 * The API call that lists the tenant namespaces, and the JMESPath that turns the answer into every
 * segment a tenant owns or could own: its namespace, its name and its route segment (alias).
 * Kyverno sends urlPath as the request URI, query included (kyverno v1.19.0
 * pkg/clients/dclient/client.go RawAbsPath: RequestURI(path)).
 */
export const TENANT_SEGMENTS_CALL = {
  urlPath: `/api/v1/namespaces?labelSelector=${encodeURIComponent(`${LABELS.tenant}=true`)}`,
  jmesPath: `items[].[metadata.name, trim_prefix(metadata.name, '${TENANT_PREFIX}'), metadata.annotations."${ANNOTATIONS.routeSegment}"][]`,
} as const;

/** Rule variables of the rules for labelled namespaces. */
const SEGMENT = 'segment';
const TAKEN = 'tenantSegments';

/** Segments no labelled namespace may take for another namespace's objects: the platform's own. */
export const PLATFORM_SEGMENTS: readonly string[] = RESERVED_ALIASES;

export interface AutoExposePolicyProps {
  /** @default 'auto-expose' */
  readonly name?: string;
  /** Argo CD sync wave of the ClusterPolicy. @default undefined (no sync-wave annotation) */
  readonly syncWave?: number;
}

/**
 * Generates an HTTPRoute on the central gateway for every kagent Agent and every AI or MCP
 * AgentgatewayBackend annotated `platform.agentic.io/expose: "true"`, in tenant namespaces and in
 * namespaces labelled `platform.agentic.io/auto-expose: "true"` (none by default):
 * `/<a2a|llm|mcp>/<segment>/<name>`, rewritten to `/` before it reaches the backend.
 *
 * - In a tenant namespace the segment is the namespace, which no alias can take, and an
 *   AgentgatewayPolicy generated with the route admits only tokens whose `tenant` claim names the
 *   tenant, as the compiled routes' caller policies do. It is generated before the route, so the
 *   route never admits other tenants.
 * - In a labelled namespace `platform.agentic.io/expose-alias` may replace the namespace. The
 *   segment is checked as the compiler checks a tenant's alias: a DNS label, never a tenant's
 *   namespace, name or route segment (read from the tenant Namespaces through the API server),
 *   never `tenant-*`, never a platform segment or another platform namespace. A segment that fails
 *   gets no route.
 * - The objects live in the resource's namespace, are named `auto-expose-<a2a|llm|mcp>-<name>`
 *   (and `-callers`) and carry an ownerReference to the resource, so deleting the resource deletes
 *   them; synchronize keeps them equal to the policy and removes them when the annotation goes.
 * - Resources labelled `app.kubernetes.io/managed-by: agentic-platform` are skipped: the compiler
 *   emits the routes of the resources it declares itself, and never names a route `auto-expose-*`,
 *   so the policy and the compiler never write the same route.
 *
 * Kyverno's background controller creates the objects; the policies folder holds the ClusterRole
 * that lets it (HTTPRoutes, AgentgatewayPolicies, and reading the trigger kinds).
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
        description: `Agents and AI/MCP AgentgatewayBackends annotated ${ANNOTATIONS.expose}=true in tenant namespaces (callable by their tenant only) and in namespaces labelled ${LABELS.autoExpose}=true get an HTTPRoute on ${CENTRAL_GATEWAY.namespace}/${CENTRAL_GATEWAY.name}; resources labelled ${LABELS.managedBy}=${MANAGED_BY} are skipped.`,
        syncWave: props.syncWave,
      }),
      spec: {
        admission: true,
        background: true,
        failurePolicy: ClusterPolicySpecFailurePolicy.IGNORE,
        rules: EXPOSED_KINDS.flatMap((k) => [
          routeRule(name, k, 'labelled'),
          callersRule(name, k),
          routeRule(name, k, 'tenant'),
        ]),
      },
    });
  }
}

const TENANT_NAMESPACES: ClusterPolicySpecRulesMatchAnyResourcesNamespaceSelector = {
  matchLabels: { [LABELS.tenant]: 'true' },
};
const LABELLED_NAMESPACES: ClusterPolicySpecRulesMatchAnyResourcesNamespaceSelector = {
  matchLabels: { [LABELS.autoExpose]: 'true' },
  matchExpressions: [{ key: LABELS.tenant, operator: 'NotIn', values: ['true'] }],
};

/**
 * Conditions every rule checks. They are preconditions rather than match/exclude so that every
 * skipped resource gets a rule result (the Kyverno CLI suite asserts on them).
 */
function exposed(k: ExposedKind): Condition[] {
  return [
    { key: objectValue(`metadata.annotations."${ANNOTATIONS.expose}"`, "''"), operator: 'Equals', value: 'true' },
    { key: objectValue(`metadata.labels."${LABELS.managedBy}"`, "''"), operator: 'NotEquals', value: MANAGED_BY },
    ...('specField' in k
      ? [{ key: sizeOf(`spec.${k.specField}`, '`{}`'), operator: 'GreaterThan' as const, value: 0 }]
      : []),
  ];
}

/** Conditions on the segment a labelled namespace's resource asks for, as the compiler checks an alias. */
export function segmentChecks(): Condition[] {
  const yes = (expression: string): Condition => ({ key: `{{ ${expression} }}`, operator: 'Equals', value: true });
  return [
    yes(`regex_match('${DNS_LABEL.source}', ${SEGMENT}) && length(${SEGMENT}) <= \`63\``),
    yes(`!starts_with(${SEGMENT}, '${TENANT_PREFIX}')`),
    yes(`!contains(${TAKEN}, ${SEGMENT})`),
    yes(
      `${SEGMENT} == request.object.metadata.namespace || !contains(\`${JSON.stringify(PLATFORM_SEGMENTS)}\`, ${SEGMENT})`,
    ),
  ];
}

/** Context of the rules for labelled namespaces: the segment asked for, and those tenants own. */
function segmentContext(): ClusterPolicySpecRulesContext[] {
  return [
    { name: TAKEN, apiCall: { ...TENANT_SEGMENTS_CALL } },
    {
      name: SEGMENT,
      variable: {
        jmesPath: `request.object.metadata.annotations."${ANNOTATIONS.exposeAlias}" || request.object.metadata.namespace`,
      },
    },
  ];
}

/**
 * An object generated in the resource's namespace, owned by the resource (deleting it deletes the
 * object) and synchronized (changes and the annotation's removal reach it), for existing resources too.
 */
function generated(
  policy: string,
  gvk: { apiVersion: string; kind: string },
  name: string,
  spec: Record<string, unknown>,
): ClusterPolicySpecRulesGenerate {
  return {
    apiVersion: gvk.apiVersion,
    kind: gvk.kind,
    name,
    namespace: NAMESPACE,
    synchronize: true,
    generateExisting: true,
    data: {
      metadata: {
        labels: { [LABELS.partOf]: MANAGED_BY, [LABELS.exposedBy]: policy },
        ownerReferences: [
          {
            apiVersion: '{{ request.object.apiVersion }}',
            kind: '{{ request.object.kind }}',
            name: NAME,
            uid: '{{ request.object.metadata.uid }}',
          },
        ],
      },
      spec,
    },
  };
}

const routeName = (k: ExposedKind) => `${AUTO_EXPOSE_ROUTE_PREFIX}${ROUTE_OBJECT_NAMES.route(k.route, NAME)}`;

function routeRule(policy: string, k: ExposedKind, where: 'tenant' | 'labelled'): ClusterPolicySpecRules {
  const tenant = where === 'tenant';
  const segment = tenant ? NAMESPACE : `{{ ${SEGMENT} }}`;
  return {
    name: `${k.route}-route${tenant ? '-tenant-namespace' : ''}`,
    match: {
      any: [{ resources: { kinds: [k.kind], namespaceSelector: tenant ? TENANT_NAMESPACES : LABELLED_NAMESPACES } }],
    },
    ...(tenant ? {} : { context: segmentContext() }),
    preconditions: { all: [...exposed(k), ...(tenant ? [] : segmentChecks())] },
    generate: generated(policy, HttpRoute.GVK, routeName(k), {
      parentRefs: [centralGatewayParent()],
      rules: [prefixRewriteRule(`${ROUTE_PREFIXES[k.route]}/${segment}/${NAME}`, { ...k.backendRef })],
    }),
  };
}

/** The route's caller policy in a tenant namespace: tokens whose tenant claim names the tenant. */
function callersRule(policy: string, k: ExposedKind): ClusterPolicySpecRules {
  return {
    name: `${k.route}-callers-tenant-namespace`,
    match: { any: [{ resources: { kinds: [k.kind], namespaceSelector: TENANT_NAMESPACES } }] },
    preconditions: { all: exposed(k) },
    generate: generated(
      policy,
      AgentgatewayPolicy.GVK,
      `${AUTO_EXPOSE_ROUTE_PREFIX}${ROUTE_OBJECT_NAMES.callers(k.route, NAME)}`,
      {
        targetRefs: [{ group: groupOf(HttpRoute.GVK), kind: HttpRoute.GVK.kind, name: routeName(k) }],
        traffic: {
          authorization: {
            action: 'Require',
            policy: {
              matchExpressions: [
                callersExpression(KEYCLOAK.tenantClaim, [
                  `{{ trim_prefix(request.object.metadata.namespace, '${TENANT_PREFIX}') }}`,
                ]),
              ],
            },
          },
        },
      },
    ),
  };
}
