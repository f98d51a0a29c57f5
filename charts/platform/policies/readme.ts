import {
  ANNOTATIONS,
  AUTO_EXPOSE_ROUTE_PREFIX,
  CENTRAL_GATEWAY,
  LABELS,
  MANAGED_BY,
  NODE_ROLE_LABEL,
} from '../../lib/constants';
import { DECLARATIVE_AGENT_ENV } from '../../lib/workload-env';
import { FIXED_HOST_PROVIDERS } from './tenant-backends-policy';

/** Further README text of the policies folder, after the component summary. */
export function policiesReadme(): string {
  return `Kyverno ClusterPolicies (\`kyverno.io/v1\`), one per file, each tested by the Kyverno CLI suite
\`test/kyverno/<policy>/\` against the file in \`dist/dev/\`. All but \`tenant-backends\` use failurePolicy
Ignore: Kyverno being down never blocks admission, and every node group is tainted, so a pod that
missed its placement waits in Pending instead of landing on the wrong nodes; the
ValidatingAdmissionPolicy \`tenant-pod-restrictions\` (\`platform/tenancy/\`, no webhook) refuses tenant
pods that would tolerate or select the platform or gateway nodes, with or without Kyverno.
\`tenant-backends\` is a security boundary and uses Fail: while no Kyverno admission controller runs,
Services, AgentgatewayBackends and RemoteMCPServers cannot be created or updated (running workloads
are unaffected).

| Policy | Acts on | Does |
|---|---|---|
| \`platform-scheduling\` | Pods created in namespaces labelled \`${LABELS.component}\` | Pods that choose no node (no nodeSelector, nodeName or node affinity) get \`${NODE_ROLE_LABEL}: platform\` and its toleration. The central gateway's proxy pods (\`${LABELS.gatewayName}: ${CENTRAL_GATEWAY.name}\` in \`${CENTRAL_GATEWAY.namespace}\`) are left alone. |
| \`tenant-scheduling\` | Pods created in namespaces labelled \`${LABELS.tenant}: "true"\` | \`${NODE_ROLE_LABEL}: agents\` (replacing any node-role the pod asked for) and its toleration. |
| \`auto-expose\` | kagent Agents and AI/MCP AgentgatewayBackends annotated \`${ANNOTATIONS.expose}: "true"\` in tenant namespaces and in namespaces labelled \`${LABELS.autoExpose}: "true"\` (none by default) | Generates an HTTPRoute on \`${CENTRAL_GATEWAY.namespace}/${CENTRAL_GATEWAY.name}\` (listener \`${CENTRAL_GATEWAY.listener}\`); in a tenant namespace also an AgentgatewayPolicy that admits only the tenant's callers. |
| \`traceprop\` | Declarative kagent Agents that no Argo CD Application syncs | Sets \`${DECLARATIVE_AGENT_ENV.name}=${DECLARATIVE_AGENT_ENV.value}\` in \`spec.declarative.deployment.env\`. The compiler writes it into the Agents it emits. |
| \`appprotocol\` | Services kagent creates for an exposed Agent (kagent copies the Agent's annotations onto them) | Sets \`appProtocol: kgateway.dev/a2a\` on the port named \`http\`, wherever it is in the list. |
| \`tenant-backends\` | AgentgatewayBackends, RemoteMCPServers and Services created or updated in namespaces labelled \`${LABELS.tenant}: "true"\` | Refuses what would let the central gateway or the kagent controller call another namespace under its own identity: backends other than \`ai\` (${FIXED_HOST_PROVIDERS.join(', ')}, no host, port, path or pathPrefix) and \`mcp\` (static targets on a Service of the backend's namespace, no selector), any reference naming a namespace, RemoteMCPServer URLs inside the cluster or the node's network (except the namespace's own Services; the compiler's rule for remote MCP servers), ExternalName Services. |

## Mutating policies and Argo CD

A mutating rule that changed an object an Application syncs would be undone by self-heal and
applied again, forever. Every mutating rule either leaves out objects that carry Argo CD's tracking
annotation \`${ANNOTATIONS.argocdTrackingId}\` (Argo CD's default tracking method) or the label
\`${LABELS.managedBy}: ${MANAGED_BY}\`, or matches only objects no Application syncs: Pods as they are
created, and the Services kagent creates for its Agents. What the platform wants in a compiled
object is compiled in. \`test/mutating-policies.test.ts\` checks every mutating rule in \`dist/\`.

## Routes for exposed resources

Path \`/<a2a|llm|mcp>/<segment>/<name>\`, rewritten to \`/\` on the way to the backend (the Agent's
Service on port 8080, or the AgentgatewayBackend).

- **Tenant namespaces.** The segment is the namespace (\`${ANNOTATIONS.exposeAlias}\` is ignored), and
  the AgentgatewayPolicy \`${AUTO_EXPOSE_ROUTE_PREFIX}<a2a|llm|mcp>-<name>-callers\`, generated before the
  route, admits only tokens whose tenant claim names the namespace's tenant.
- **Namespaces labelled \`${LABELS.autoExpose}: "true"\`.** The segment is \`${ANNOTATIONS.exposeAlias}\` or
  the namespace, checked as the compiler checks a tenant's alias: a DNS label; not a tenant's
  namespace, name or route segment (the policy lists the tenant Namespaces and reads their
  \`${ANNOTATIONS.routeSegment}\` annotation); not \`tenant-*\`; not a platform segment or another platform
  namespace. A segment that fails gets no route.
- **Any other namespace.** No route.

The policy and the compiler never manage the same route:

- it skips every resource labelled \`${LABELS.managedBy}: ${MANAGED_BY}\`: the compiler emits the routes
  of the resources it declares itself;
- its objects are named \`${AUTO_EXPOSE_ROUTE_PREFIX}<a2a|llm|mcp>-<name>\` (and \`-callers\`) and labelled
  \`${LABELS.exposedBy}: auto-expose\`, a prefix no compiler object uses;
- each has an ownerReference to its resource (deleting the resource deletes them) and is
  synchronized (removing the annotation removes them).

## Permissions

\`clusterrole-kyverno-agentic-platform-background.yaml\` aggregates into Kyverno's background
controller role: it may manage HTTPRoutes and AgentgatewayPolicies and read Agents and
AgentgatewayBackends (auto-expose); the chart's own role already lets it list the tenant
Namespaces. The other policies only mutate or validate objects as they are admitted and need
nothing more of it. \`clusterrole-kyverno-agentic-platform-admission.yaml\` lets the admission controller
get and list the kinds auto-expose generates with synchronize, and
\`clusterrole-kyverno-agentic-platform-reports.yaml\` lets the reports controller read the custom
kinds the policies match (Agents, RemoteMCPServers, AgentgatewayBackends): Kyverno checks both
when it admits a policy and warns otherwise.
`;
}
