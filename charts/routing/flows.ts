/**
 * Every kind of flow the platform allows or refuses, with how it is authenticated and authorized
 * at each layer it crosses. One source for the table in docs/architecture.md ("Flows") and the
 * flow section of `npm run explain`; the objects each layer names are checked against the
 * compiled output by tests.
 */

/** A kind of flow and its decision at each layer, in the order the request meets them. */
export interface FlowKind {
  readonly id: string;
  /** Who calls what. */
  readonly flow: string;
  /** Where the caller sends it. */
  readonly via: string;
  /** NetworkPolicies: the caller's egress and the callee's ingress. */
  readonly network: string;
  /** ztunnel: mTLS with SPIFFE identities and the namespace's L4 AuthorizationPolicy. */
  readonly mesh: string;
  /** The waypoint in front of the callee's Services, when there is one. */
  readonly waypoint: string;
  /** The gateway: listener, token or identity, and the route's caller policy. */
  readonly gateway: string;
  readonly outcome: string;
}

const NONE = '(not on this path)';

export const FLOW_KINDS: readonly FlowKind[] = [
  {
    id: 'external-route',
    flow: "Client outside the cluster → a tenant's exposed agent, MCP server, sandbox or LLM backend",
    via: '`https://gateway.<domain>/<a2a|mcp|sandbox|llm>/<segment>/<name>`',
    network: 'load balancer (TLS) → external gateway; the tenant admits the gateway pods on 15008',
    mesh: "gateway → the tenant's waypoint with the gateway's identity; waypoint → pod with its own (tenant namespace): admitted",
    waypoint: "admits the gateway's service account (`waypoint-isolation`)",
    gateway:
      'listener `api`: token of realm `agents`, audience `agent-gateway`, Strict (`gateway-jwt`); a tenant claim (`gateway-tenant-claim`); the claim names the owner or a tenant of `allowCallsFrom` (`<kind>-<name>-callers`)',
    outcome: 'allowed for the owner and `allowCallsFrom`; 401 without a valid token, 403 for other tenants',
  },
  {
    id: 'external-keycloak',
    flow: 'Client outside the cluster → Keycloak, to get a token',
    via: '`https://keycloak.<domain>/realms/agents/...`',
    network: 'load balancer (TLS) → external gateway → Keycloak',
    mesh: 'gateway → Keycloak over HBONE',
    waypoint: NONE,
    gateway: 'listener `keycloak`: no token; only `/realms/agents/` and `/resources/` (`keycloak-public`)',
    outcome: 'allowed; the admin console and other realms are not reachable',
  },
  {
    id: 'agent-platform-model',
    flow: "Agent → its models on the platform's LLM backend",
    via: '`http://agentgateway-mesh.agentgateway-system.svc.cluster.local/llm/default/<provider>`',
    network: "the tenant's egress admits the mesh gateway pods on 15008 (`allow-platform-egress`)",
    mesh: "the agent's ztunnel tunnels (HBONE) straight to the mesh gateway pod with the agent's identity",
    waypoint: NONE,
    gateway:
      "listener `mesh`: an identity of the trust domain (`mesh-identity`); the route admits every tenant namespace and kagent (`llm-default-<provider>-callers`); the backend replaces the placeholder key with the platform's",
    outcome: 'allowed; the model the ModelConfig names is used',
  },
  {
    id: 'agent-own-backend',
    flow: "Agent → its tenant's own LLM backend",
    via: '`http://agentgateway-mesh.../llm/<segment>/<backend>`',
    network: 'as for the platform backend',
    mesh: 'as for the platform backend',
    waypoint: NONE,
    gateway:
      "listener `mesh`: the route admits the owner's namespace and those of `allowCallsFrom` (`llm-<name>-mesh-callers`); the backend adds the tenant's key from its Secrets Manager entry",
    outcome: 'allowed for the owner and `allowCallsFrom`, 403 for other tenants',
  },
  {
    id: 'agent-own-service',
    flow: 'Agent → an MCP server or agent of its own tenant',
    via: '`http://<name>.tenant-<tenant>:<port>`',
    network: 'same-namespace allowance (sandboxes excepted)',
    mesh: "tunnelled to the tenant's waypoint, then to the pod with the waypoint's identity; the namespace policy admits it (`tenant-isolation`)",
    waypoint: "admits the tenant's own namespace (`waypoint-isolation`)",
    gateway: NONE,
    outcome: 'allowed',
  },
  {
    id: 'agent-other-allowed',
    flow: "BYO agent → another tenant's agent that allows it (`calls`, the callee's `allowCallsFrom`)",
    via: '`$A2A_<TENANT>_<AGENT>_URL` = `http://agentgateway-mesh.../a2a/<segment>/<agent>`',
    network: 'caller: mesh gateway on 15008; callee: the gateway pods on 15008',
    mesh: "caller → gateway with the caller's identity; gateway → the callee's waypoint with the gateway's",
    waypoint: "the callee's admits the mesh gateway's service account",
    gateway:
      "listener `mesh`: the route admits the caller's namespace only if the callee lists the caller in `allowCallsFrom` (`a2a-<agent>-mesh-callers`)",
    outcome: 'allowed; no token needed, nothing secret in the caller',
  },
  {
    id: 'agent-other-refused',
    flow: "Pod → another tenant's agent, MCP server or sandbox it may not call",
    via: "the mesh gateway route, or the other namespace's Service or pod directly",
    network: 'directly: no egress rule of the caller and no ingress rule of the callee admits it',
    mesh: "directly: the callee's `tenant-isolation` refuses the caller's identity",
    waypoint: "the callee's `waypoint-isolation` refuses the caller's identity",
    gateway: "through the gateway: the route's caller policy refuses it (403)",
    outcome: 'denied: by the route policy through the gateway; by four layers directly',
  },
  {
    id: 'sandbox',
    flow: 'Pod ↔ a sandbox of its own tenant',
    via: "the sandbox's Service or pod, or its route `/sandbox/<segment>/<name>` on the mesh gateway",
    network:
      'the same-namespace allowance leaves sandboxes out, both ways; a sandbox reaches only DNS and the collector (`allow-platform-egress` leaves sandboxes out)',
    mesh: NONE,
    waypoint: NONE,
    gateway:
      "the sandbox's mesh route admits its owner's workloads (`sandbox-<name>-mesh-callers`); exposed, its external route a token of the owner",
    outcome:
      "allowed for the owner's agents through the route; denied directly; the sandbox reaches nothing of its tenant",
  },
  {
    id: 'sandbox-router',
    flow: 'Agent, or client outside the cluster, → a sandbox that a SandboxClaim of its tenant created at run time (tenants.yaml `sandboxRouter`)',
    via: "`/sandbox/<segment>/...` with header `X-Sandbox-ID: <claim>`, on the mesh gateway (the agents' `$SANDBOX_ROUTER_URL`) or, exposed, the external gateway",
    network:
      "the gateway pods → the tenant's sandbox router on 15008; the router → only the pods of the tenant's SandboxTemplates, on 15008 (NetworkPolicies sandbox-router, sandbox-router-claims); no pod of the namespace reaches the router",
    mesh: "gateway → router and router → claim: the tenant's own namespace policy admits both; another tenant's pods refuse the router's identity",
    waypoint: NONE,
    gateway:
      "the route admits the owner only, by workload identity or token (sandbox-router-mesh-callers, sandbox-router-callers), and sets X-Sandbox-Namespace to the owner's namespace and removes X-Sandbox-Pod-IP and X-Sandbox-UID; the router then dials <claim>.<namespace>.svc",
    outcome:
      "allowed for the owner's agents and tokens; headers naming another tenant's sandbox reach nothing (denied by the header rewrite, the NetworkPolicies and ztunnel); 403 for other tenants",
  },
  {
    id: 'provider-host',
    flow: "Agent or MCP server → an LLM provider's public host (`api.anthropic.com`, `api.openai.com`)",
    via: '`https://api.<provider>`',
    network: 'public IPv4 on 443 (`allow-external-https`; sandboxes excepted)',
    mesh: 'leaves the mesh: TLS from the pod to the provider',
    waypoint:
      "not on this path: a waypoint serves the tenant's Services, and a TLS call has no header it could rewrite",
    gateway: NONE,
    outcome:
      "denied at compile time when tenants.yaml configures it (an agent's env value or argument, an MCP server's URL, env or argument); a call an image makes on its own leaves with the key the pod holds, never the platform's",
  },
  {
    id: 'tenant-kagent',
    flow: 'Tenant pod → kagent (controller, tool server, Grafana MCP, built-in agents)',
    via: "`http://kagent-controller.kagent-system:8083` (the agents' `KAGENT_URL`) or any kagent Service or pod",
    network:
      'tenant egress: the kagent waypoint pods on 15008 only; kagent-system admits tenants only there (`kagent-waypoint-tenant-agents`)',
    mesh: "kagent-system admits only its own and Prometheus's identities (`kagent-system-l4`): a pod addressed directly is refused",
    waypoint:
      "`kagent-waypoint`: tenants reach the controller's session, task and memory API only (`kagent-controller-tenant-agents`); not the A2A proxy, MCP, the resource API, the tool server or the Grafana MCP server",
    gateway: NONE,
    outcome: 'agent API allowed, everything else denied',
  },
  {
    id: 'tenant-platform',
    flow: 'Tenant pod → any other platform component',
    via: 'its Service or pod',
    network:
      "no egress rule but cluster DNS (53), the OTEL collector's pods (4317, 4318, 15008; `allow-otel-egress`) and, for the waypoint only, istiod (15012)",
    mesh: NONE,
    waypoint: NONE,
    gateway: NONE,
    outcome: 'denied',
  },
  {
    id: 'tenant-observability',
    flow: 'Tenant pod → its traces and metrics (the collector; a metrics proxy, Grafana or Langfuse in the cluster)',
    via: '`otel-collector.otel.svc.cluster.local:4317` (OTLP); a `tenant-<name>` Service in `monitoring`, Grafana or Langfuse',
    network:
      "tenant egress: the collector's pods (`allow-otel-egress`), nothing of `monitoring` or `langfuse`; the proxies admit Grafana only (`prom-label-proxy`)",
    mesh: NONE,
    waypoint: NONE,
    gateway: NONE,
    outcome:
      "spans allowed, attributed by the sending pod and routed to the tenant's Langfuse project; proxies, Grafana and Langfuse denied (people read them signed in with Keycloak, in their group's project and organisation)",
  },
];

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The flow table of docs/architecture.md. */
export function flowTableMarkdown(): string {
  const rows = FLOW_KINDS.map(
    (f) => `| ${[f.flow, f.via, f.network, f.mesh, f.waypoint, f.gateway, f.outcome].map(cell).join(' | ')} |`,
  );
  return [
    '| Flow | Sent to | NetworkPolicy | ztunnel (L4) | Waypoint | Gateway | Outcome |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
