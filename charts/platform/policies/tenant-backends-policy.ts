import { Construct } from 'constructs';
import {
  ClusterPolicy,
  ClusterPolicySpecFailurePolicy,
  ClusterPolicySpecRulesMatchAnyResourcesOperations as Operation,
  ClusterPolicySpecRulesValidateFailureAction as FailureAction,
  type ClusterPolicySpecRules,
  type ClusterPolicySpecRulesContext,
  type ClusterPolicySpecRulesMatch,
} from '../../../imports/kyverno-clusterpolicies-kyverno.io';
import { RemoteMcpServer } from '../../../imports/kagent-remotemcpservers-kagent.dev';
import { internalHostJmesPath, ownServiceHost, urlHostJmesPath } from '../../config/url-hosts';
import { CENTRAL_GATEWAY, LABELS, PLATFORM_NAMESPACES } from '../../lib/constants';
import { type Condition, policyMetadata } from './policy-parts';

/**
 * LLM providers whose upstream host agentgateway fixes itself (api.openai.com,
 * api.anthropic.com, generativelanguage.googleapis.com) and which have no field that names or
 * builds a host. The others are refused in tenant namespaces: `azureopenai.endpoint` is a host,
 * `azure.resourceName`, `bedrock.region` and `vertexai.projectId`/`region` are spliced into one,
 * and `custom` is served by a host/port or a Service of the tenant's choosing.
 */
export const FIXED_HOST_PROVIDERS = ['anthropic', 'openai', 'gemini'] as const;
export type FixedHostProvider = (typeof FIXED_HOST_PROVIDERS)[number];

/** Top-level fields an AgentgatewayBackend in a tenant namespace may set. */
export const TENANT_BACKEND_FIELDS = ['ai', 'mcp', 'policies'] as const;

/** Fields of an `ai.groups[].providers[]` entry besides its provider that name no destination. */
const GROUP_PROVIDER_FIELDS = ['name', 'policies'] as const;

const NAMESPACE = '{{ request.object.metadata.namespace }}';
const BACKEND_KIND = 'agentgateway.dev/v1alpha1/AgentgatewayBackend';
/** Rule variable: the host of the URL a rule judges. */
const URL_HOST_VARIABLE = 'urlHost';
const REMOTE_MCP_KIND = `${RemoteMcpServer.GVK.apiVersion}/${RemoteMcpServer.GVK.kind}`;
const OBJECT = `${NAMESPACE}/{{ request.object.metadata.name }}`;
const DEPUTY = `the central gateway (${CENTRAL_GATEWAY.namespace}) would call it under its own identity, which every tenant's network and authorization policies admit, bypassing the called tenant's allowCallsFrom`;
const DECLARE_CALL =
  'To call another tenant, declare it in tenants.yaml: `calls` on your agent, and that tenant lists you in `allowCallsFrom`.';
const DECLARE_LLM =
  'To use another LLM endpoint, declare an `llmBackends` entry in tenants.yaml or ask the platform team for a platform backend.';

export interface TenantBackendsPolicyProps {
  /** @default 'tenant-backends' */
  readonly name?: string;
  /**
   * LLM providers an `ai` backend in a tenant namespace may name, each with agentgateway's own
   * upstream host. Only providers of FIXED_HOST_PROVIDERS can be allowed.
   * @default ['anthropic', 'openai', 'gemini']
   */
  readonly allowedProviders?: readonly FixedHostProvider[];
  /** Argo CD sync wave of the ClusterPolicy. @default undefined (no sync-wave annotation) */
  readonly syncWave?: number;
}

/**
 * Keeps the central gateway and the kagent controller from becoming confused deputies for
 * tenants. Both are admitted into every tenant's pods (NetworkPolicy, AuthorizationPolicy,
 * waypoint), and tenant developers may write AgentgatewayBackends, RemoteMCPServers and Services
 * in their namespace, so without this policy a tenant could point a backend (or an ExternalName
 * Service) at another tenant's Service, get it routed (auto-expose, or by patching a compiled
 * backend that already has a route) and have the gateway call the other tenant on its behalf, or
 * have the kagent controller call any in-cluster URL through a RemoteMCPServer. In namespaces
 * labelled `platform.agentic.io/tenant: "true"` it refuses, on CREATE and UPDATE:
 *
 * - AgentgatewayBackends other than `ai` and `mcp` (`static`, `dynamicForwardProxy`, `aws`, `a2a`);
 * - `ai` providers (in `ai.provider` or any `ai.groups[].providers[]`) other than the allowed
 *   named providers, and any host, port, path or pathPrefix override;
 * - `mcp` targets that select Services by label (`selector`, which may select other namespaces)
 *   or whose static host is not `<service>.<own namespace>.svc[.cluster.local]` (a bare name
 *   would resolve in the gateway's own namespace);
 * - a `namespace` field anywhere in the spec: every backendRef (extAuth, tunnel, prompt-guard
 *   webhooks, JWKS, guardrail processors, token exchange) must stay in the backend's namespace;
 * - RemoteMCPServers whose `spec.url` host is inside the cluster or the node's network
 *   (charts/config/url-hosts.ts, the rule the compiler applies to remote MCP servers in
 *   tenants.yaml), except a Service of the own namespace written `<service>.<namespace>.svc[.cluster.local]`;
 * - Services of type ExternalName;
 * - a `promptGuard` anywhere in the spec: an AgentgatewayBackend's inline policies come before
 *   the route's, and the first promptGuard replaces the others whole (agentgateway v1.4.1
 *   crates/agentgateway/src/store/binds.rs internal_backend_policies, merge_llm_policies), so it
 *   would remove the guards the compiler puts on the tenant's LLM routes.
 *
 * test/tenant-url-fields.test.ts walks the CRDs of every kind tenants may write and requires each
 * URL or host field to be covered by a rule here or exempted with its reason.
 *
 * Unlike the other platform policies it uses failurePolicy Fail: it is a security boundary, and
 * Ignore would let exactly the writes it refuses through whenever Kyverno is unavailable. The cost:
 * Kyverno's webhook for these kinds cannot be narrowed to tenant namespaces (the namespace
 * selector is evaluated by Kyverno, and webhookConfiguration.matchConditions, which would narrow
 * it, makes the pinned Kyverno CLI v1.19.0 panic in `kyverno test`, kyverno/kyverno#15833), so
 * while all admission controller replicas (three) are down, CREATE and UPDATE of Services,
 * AgentgatewayBackends and RemoteMCPServers are refused outside Kyverno's excluded namespaces
 * too; running workloads are unaffected. allowExistingViolations is off, so a violating object
 * cannot be updated either.
 * It validates at admission only (no background scan): the policies are synced before any tenant
 * namespace exists, and admission needs no extra permissions.
 */
export class TenantBackendsPolicy extends Construct {
  public readonly resource: ClusterPolicy;

  constructor(scope: Construct, id: string, props: TenantBackendsPolicyProps = {}) {
    super(scope, id);
    const providers = [...(props.allowedProviders ?? FIXED_HOST_PROVIDERS)];
    const bad = providers.filter((p) => !(FIXED_HOST_PROVIDERS as readonly string[]).includes(p));
    if (providers.length === 0 || bad.length > 0) {
      throw new Error(
        `TenantBackendsPolicy: allowedProviders ${JSON.stringify(providers)} ${providers.length === 0 ? 'is empty' : `names ${bad.join(', ')}, whose upstream host the backend chooses`}; allow one or more of ${FIXED_HOST_PROVIDERS.join(', ')}`,
      );
    }
    this.resource = new ClusterPolicy(this, 'Resource', {
      metadata: policyMetadata({
        name: props.name ?? 'tenant-backends',
        title: 'Tenant backends stay in their namespace',
        subject: 'AgentgatewayBackend, RemoteMCPServer, Service',
        description: `In namespaces labelled ${LABELS.tenant}=true, AgentgatewayBackends may only be ai backends of ${providers.join(', ')} without host overrides or mcp backends of the namespace's own Services, RemoteMCPServer URLs may not point inside the cluster or the node's network (except the namespace's own Services), and Services may not be ExternalName: the central gateway and the kagent controller must not reach another tenant on a tenant's behalf.`,
        syncWave: props.syncWave,
      }),
      spec: {
        admission: true,
        background: false,
        failurePolicy: ClusterPolicySpecFailurePolicy.FAIL,
        rules: [...backendRules(providers), ...referenceRules()],
      },
    });
  }
}

/** AgentgatewayBackends: ai backends of the allowed providers without overrides, mcp backends of own Services. */
function backendRules(providers: readonly string[]): ClusterPolicySpecRules[] {
  return [
    deny(
      'backend-type',
      BACKEND_KIND,
      [{ key: '{{ keys(request.object.spec) }}', operator: 'AnyNotIn', value: [...TENANT_BACKEND_FIELDS] }],
      `AgentgatewayBackend ${OBJECT}: only ai backends of a named LLM provider and mcp backends of this namespace's Services are allowed in a tenant namespace; static, dynamicForwardProxy, aws and a2a backends can point at any host, such as another tenant's Service, and ${DEPUTY}. ${DECLARE_CALL} ${DECLARE_LLM}`,
    ),
    deny(
      'ai-provider',
      BACKEND_KIND,
      [
        { key: '{{ keys(request.object.spec.ai.provider || `{}`) }}', operator: 'AnyNotIn', value: providers },
        {
          key: '{{ request.object.spec.ai.groups[].providers[].keys(@)[] || `[]` }}',
          operator: 'AnyNotIn',
          value: [...providers, ...GROUP_PROVIDER_FIELDS],
        },
      ],
      `AgentgatewayBackend ${OBJECT}: spec.ai.provider and every spec.ai.groups[].providers[] must name one of ${providers.join(', ')} and set no host, port, path or pathPrefix; other providers (azure, azureopenai, bedrock, vertexai, custom) and these overrides send requests to a host the backend chooses, such as another tenant's Service, and ${DEPUTY}. ${DECLARE_LLM}`,
    ),
    deny(
      'mcp-selector',
      BACKEND_KIND,
      [
        {
          key: '{{ length(request.object.spec.mcp.targets[?selector] || `[]`) }}',
          operator: 'GreaterThan',
          value: 0,
        },
      ],
      `AgentgatewayBackend ${OBJECT}: spec.mcp.targets[].selector is refused in a tenant namespace: it can select Services of other namespaces, and ${DEPUTY}. Name each MCP Service of this namespace in a static target. ${DECLARE_CALL}`,
    ),
    deny(
      'mcp-host',
      BACKEND_KIND,
      [
        {
          key: `{{ length(request.object.spec.mcp.targets[?static.host && !regex_match('${ownServiceHost(NAMESPACE)}', static.host)] || \`[]\`) }}`,
          operator: 'GreaterThan',
          value: 0,
        },
      ],
      `AgentgatewayBackend ${OBJECT}: every spec.mcp.targets[].static.host must be a Service of this namespace, written <service>.{{ request.object.metadata.namespace }}.svc.cluster.local (a bare name would resolve in the gateway's namespace); another host, such as another tenant's Service, is refused because ${DEPUTY}. ${DECLARE_CALL}`,
    ),
  ];
}

/** References out of the namespace: in backend specs, prompt guards, RemoteMCPServer URLs, ExternalName Services. */
function referenceRules(): ClusterPolicySpecRules[] {
  return [
    deny(
      'same-namespace-references',
      BACKEND_KIND,
      [
        {
          key: `{{ contains(to_string(request.object.spec), '"namespace":') }}`,
          operator: 'Equals',
          value: true,
        },
      ],
      `AgentgatewayBackend ${OBJECT}: a backendRef in the spec names a namespace (extAuth, tunnel, prompt-guard webhook, JWKS, guardrail processor or token exchange); references from a tenant namespace must omit namespace and stay in it, because a Service of another namespace would be called by the central gateway under its own identity. ${DECLARE_CALL}`,
    ),
    deny(
      'no-prompt-guard',
      BACKEND_KIND,
      [
        {
          key: `{{ contains(to_string(request.object.spec), '"promptGuard":') }}`,
          operator: 'Equals',
          value: true,
        },
      ],
      `AgentgatewayBackend ${OBJECT}: promptGuard is refused in a tenant namespace: a backend's own prompt guards replace those of the routes that reach it, the platform's defaults included. Declare guards in tenants.yaml (guards: on the tenant, an llmBackends entry or a model); they add to the platform's.`,
    ),
    deny(
      'remote-mcp-url',
      REMOTE_MCP_KIND,
      [{ key: `{{ ${internalHostJmesPath(URL_HOST_VARIABLE, NAMESPACE)} }}`, operator: 'Equals', value: true }],
      `RemoteMCPServer ${OBJECT}: spec.url must name a host outside the cluster and the node's network, or a Service of this namespace written <service>.${NAMESPACE}.svc.cluster.local. The kagent controller (${PLATFORM_NAMESPACES.kagent}) connects to the URL to discover its tools, and every tenant's network and authorization policies admit it, so another in-cluster host, such as another tenant's or a platform Service, would be called under its own identity. Refused: cluster DNS names (*.svc, *.cluster.local, <service>.<namespace>), single-label names, names ending in .internal or .local, private, loopback, link-local and CGNAT addresses, IPv6 literals and numeric host forms. ${DECLARE_CALL} To run an MCP server in the cluster, declare it with an image in tenants.yaml.`,
      [{ name: URL_HOST_VARIABLE, variable: { jmesPath: urlHostJmesPath('request.object.spec.url') } }],
    ),
    deny(
      'no-external-name',
      'Service',
      [{ key: "{{ request.object.spec.type || '' }}", operator: 'Equals', value: 'ExternalName' }],
      `Service ${OBJECT}: type ExternalName is refused in a tenant namespace: it aliases any DNS name, such as another tenant's Service, and the central gateway or the mesh would call that name under their own identity, bypassing the called tenant's allowCallsFrom. Select pods of this namespace instead. ${DECLARE_CALL}`,
    ),
  ];
}

function inTenantNamespaces(kind: string): ClusterPolicySpecRulesMatch {
  return {
    any: [
      {
        resources: {
          kinds: [kind],
          operations: [Operation.CREATE, Operation.UPDATE],
          namespaceSelector: { matchLabels: { [LABELS.tenant]: 'true' } },
        },
      },
    ],
  };
}

/** A rule that refuses the object when any of the conditions holds, after loading `context`. */
function deny(
  name: string,
  kind: string,
  any: Condition[],
  message: string,
  context?: ClusterPolicySpecRulesContext[],
): ClusterPolicySpecRules {
  return {
    name,
    match: inTenantNamespaces(kind),
    ...(context ? { context } : {}),
    validate: {
      failureAction: FailureAction.ENFORCE,
      allowExistingViolations: false,
      message,
      deny: { conditions: { any } },
    },
  };
}
