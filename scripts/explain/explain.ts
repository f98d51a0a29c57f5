/**
 * A tenant's effective configuration in one screen, read from the compiled output of one
 * environment (the objects of dist/<env>/ and argocd/<env>/ and the route table routes.json):
 * what the cluster will enforce, not what tenants.yaml asks for. Pure: objects in, lines out.
 */
import { QUOTA_KEYS, type QuotaKey } from '../../charts/config/tenants-schema';
import {
  ANNOTATIONS,
  KAGENT_WAYPOINT,
  LABELS,
  MESH_GATEWAY,
  OBSERVABILITY,
  PLATFORM_NAMESPACES,
  SANDBOX_ROUTER,
  TENANT_OBJECTS,
  tenantNamespace,
} from '../../charts/lib/constants';
import { ANY_TENANT, PLATFORM_OWNER } from '../../charts/config/routes';
import { refusingLayers } from '../flows/layers';
import { type FlowCheck, type FlowMatrix, problem } from '../flows/matrix';

/** A Kubernetes object as parsed from the output. */
export type K8sObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One route of dist/<env>/routes.json. */
export interface PublishedRoute {
  readonly path: string;
  readonly kind: string;
  readonly owner: string;
  /** The gateways it is on: mesh (inside the cluster), external (outside). */
  readonly gateways: readonly ('mesh' | 'external')[];
  /** namespace/name of the HTTPRoute on each gateway. */
  readonly routes: { readonly mesh: string; readonly external?: string };
  /** Kind/name of what the route reaches, such as Agent/triage. */
  readonly exposes: string;
  /** Tenants that may call the route; `*` for any tenant. */
  readonly callers: readonly string[];
  /** The prompt guards an LLM route enforces, summarized; absent: none. */
  readonly guards?: string;
  /** Request headers the gateways set and remove (a sandbox router's route). */
  readonly requestHeaders?: {
    readonly set: readonly { readonly name: string; readonly value: string }[];
    readonly remove: readonly string[];
  };
}

/** dist/<env>/routes.json. */
export interface RouteTable {
  readonly environment: string;
  readonly gateways: {
    readonly mesh: string;
    readonly external: {
      readonly gateway: string;
      readonly url: string;
      readonly exposure: 'internet-facing' | 'internal';
    };
  };
  readonly routes: readonly PublishedRoute[];
}

export interface ExplainInput {
  readonly tenant: string;
  readonly env: string;
  /** The other environments, named in a hint. @default [] */
  readonly otherEnvironments?: readonly string[];
  /** Every object of the environment's output (dist/<env>/ and argocd/<env>/). */
  readonly objects: readonly K8sObject[];
  readonly routes: RouteTable;
  /** The environment's flow matrix with this tenant in focus (scripts/flows/matrix.ts), if computed. */
  readonly flows?: FlowMatrix;
}

/** Tenants of an environment's output: the names on its tenant Namespaces, sorted. */
export function tenantsOf(objects: readonly K8sObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'Namespace' && o.metadata?.labels?.[LABELS.tenant] === 'true')
    .map((o) => String(o.metadata.labels[LABELS.tenantName]))
    .sort();
}

/** Label selector as text: `k=v`, `!k` (DoesNotExist), `k in (a,b)`; `all` when empty. */
export function selectorText(selector: K8sObject | undefined): string {
  const parts = [
    ...Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...((selector?.matchExpressions ?? []) as K8sObject[]).map((e) => {
      if (e.operator === 'DoesNotExist') return `!${e.key}`;
      if (e.operator === 'Exists') return e.key;
      return `${e.key} ${e.operator === 'NotIn' ? 'notin' : 'in'} (${(e.values ?? []).join(',')})`;
    }),
  ];
  return parts.length > 0 ? parts.join(',') : 'all';
}

/** A NetworkPolicy peer as text, such as `kube-system pods k8s-app=kube-dns`. */
export function peerText(peer: K8sObject, ownNamespace: string): string {
  if (peer.ipBlock) {
    const except = (peer.ipBlock.except ?? []) as string[];
    return `${peer.ipBlock.cidr}${except.length > 0 ? ` except ${except.join(',')}` : ''}`;
  }
  const nsSel = peer.namespaceSelector as K8sObject | undefined;
  const named = nsSel?.matchLabels?.[LABELS.namespaceName] as string | undefined;
  const onlyName =
    named !== undefined && Object.keys(nsSel?.matchLabels ?? {}).length === 1 && !(nsSel?.matchExpressions?.length > 0);
  const ns = nsSel === undefined ? ownNamespace : onlyName ? named : `namespaces ${selectorText(nsSel)}`;
  return peer.podSelector && selectorText(peer.podSelector) !== 'all'
    ? `${ns} pods ${selectorText(peer.podSelector)}`
    : ns;
}

/** Ports of a NetworkPolicy rule, such as `53/UDP 53/TCP`; `any port` when unrestricted. */
export function portsText(ports: readonly K8sObject[] | undefined): string {
  if (!ports || ports.length === 0) return 'any port';
  return ports.map((p) => `${p.port ?? 'any'}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`).join(' ');
}

/** Rows of a table, the columns padded to the widest cell. */
function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    (indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).trimEnd(),
  );
}

const byName = (a: K8sObject, b: K8sObject) => String(a.metadata?.name).localeCompare(String(b.metadata?.name));

/** Namespaces named in Istio principals such as `cluster.local/ns/tenant-alpha/sa/*`. */
function principalText(principal: string): string {
  const m = /^[^/]+\/ns\/([^/]+)\/sa\/(.+)$/.exec(principal);
  if (!m) return principal;
  return m[2] === '*' ? m[1] : `${m[1]}/${m[2]}`;
}

/** Namespaces listed in a CEL `source.identity.namespace in [...]`, or the expression itself. */
function celSources(expr: string): string {
  const m = /source\.identity\.namespace in \[([^\]]*)\]/.exec(expr);
  return m
    ? m[1]
        .replace(/['"\s]/g, '')
        .split(',')
        .join(', ')
    : expr;
}

function workloadText(o: K8sObject, models: readonly ModelPath[], rest: readonly K8sObject[] = []): string {
  const s = o.spec ?? {};
  switch (o.kind) {
    case 'Agent': {
      if (s.type === 'BYO') return `BYO, image ${s.byo?.deployment?.image}`;
      const m = models.find((x) => x.modelConfig === s.declarative?.modelConfig);
      return `declarative, ModelConfig ${s.declarative?.modelConfig}${m ? ` (sends ${m.sent})` : ' (not in the output)'}`;
    }
    case 'MCPServer':
      return `image ${s.deployment?.image}, port ${s.deployment?.port}`;
    case 'RemoteMCPServer':
      return `remote ${s.url}`;
    case 'Sandbox':
      return `image ${s.podTemplate?.spec?.containers?.[0]?.image}`;
    case 'SandboxTemplate':
      return `image ${s.podTemplate?.spec?.containers?.[0]?.image}${s.service ? ', claims get a headless Service (sandbox router)' : ''}`;
    case 'Deployment': {
      const reach = (rest as K8sObject[]).find(
        (p) => p.kind === 'NetworkPolicy' && p.metadata?.name === SANDBOX_ROUTER.name,
      );
      const templates = (reach?.spec?.egress?.[0]?.to?.[0]?.podSelector?.matchExpressions?.[0]?.values ??
        []) as string[];
      return `sandbox router, image ${s.template?.spec?.containers?.[0]?.image}: X-Sandbox-ID picks a claim of ${templates.join(', ') || '(no template)'}; no service account token`;
    }
    case 'AgentgatewayBackend': {
      const provider = Object.entries(s.ai?.provider ?? {})[0] as [string, K8sObject] | undefined;
      return provider ? `${provider[0]} ${provider[1]?.model ?? ''}`.trim() : 'backend';
    }
    case 'Service':
      return `ports ${(s.ports ?? []).map((p: K8sObject) => p.port).join(',')}`;
    default:
      return '';
  }
}

/**
 * Whether a request path falls under a PathPrefix: Gateway API matches whole path elements, a
 * trailing `/` of the prefix ignored (gateway-api v1.6.1 HTTPPathMatch, PathPrefix).
 */
export function underPrefix(requestPath: string, prefix: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  return p === '' || requestPath === p || requestPath.startsWith(`${p}/`);
}

/** What a model config's requests come to at the mesh gateway. */
export interface ModelPath {
  readonly modelConfig: string;
  /** ModelConfig spec.provider and spec.model: what the tenant asked for. */
  readonly provider: string;
  readonly asked: string;
  /** The mesh gateway path it calls (the baseUrl's path), or undefined when its baseUrl is not the mesh gateway. */
  readonly path?: string;
  /** The baseUrl, when it is not the mesh gateway. */
  readonly direct?: string;
  /** namespace/name of the HTTPRoute that takes it, its matching prefix, and the tenants it admits. */
  readonly route?: string;
  readonly prefix?: string;
  readonly callers?: readonly string[];
  /** namespace/name of the AgentgatewayBackend, its provider and the model it pins (if any). */
  readonly backend?: string;
  readonly backendProvider?: string;
  readonly pinned?: string;
  /** The model the provider is sent: the backend's pin, else the ModelConfig's. */
  readonly sent: string;
}

/**
 * Follows each of the tenant's ModelConfigs through the compiled objects: its baseUrl on the mesh
 * gateway, the HTTPRoute with the longest matching PathPrefix on that gateway (Gateway API v1.6.1
 * HTTPRouteRule precedence: the prefix with the largest number of characters), the
 * AgentgatewayBackend it sends to, and the model that backend pins. agentgateway v1.4.1 replaces
 * the request's model with the backend's when the backend sets one (crates/llm/src/openai.rs and
 * anthropic.rs `model`: "overriding the model in the client request"; set_provider_request_model),
 * and otherwise sends the request's, which kagent fills from the ModelConfig's spec.model.
 */
function modelPaths(tenant: string, objects: readonly K8sObject[], routes: RouteTable): ModelPath[] {
  const ns = tenantNamespace(tenant);
  const meshHosts = new Set([
    MESH_GATEWAY.name,
    `${MESH_GATEWAY.name}.${MESH_GATEWAY.namespace}`,
    `${MESH_GATEWAY.name}.${MESH_GATEWAY.namespace}.svc`,
    `${MESH_GATEWAY.name}.${MESH_GATEWAY.namespace}.svc.cluster.local`,
  ]);
  const onMesh = (r: K8sObject) =>
    ((r.spec?.parentRefs ?? []) as K8sObject[]).some(
      (p) =>
        (p.kind ?? 'Gateway') === 'Gateway' &&
        p.name === MESH_GATEWAY.name &&
        (p.namespace ?? r.metadata.namespace) === MESH_GATEWAY.namespace,
    );
  const meshRules = objects
    .filter((o) => o.kind === 'HTTPRoute' && onMesh(o))
    .flatMap((r) =>
      ((r.spec?.rules ?? []) as K8sObject[]).flatMap((rule) =>
        ((rule.matches ?? []) as K8sObject[])
          .filter((m) => m.path?.type === 'PathPrefix')
          .map((m) => ({ route: r, rule, prefix: String(m.path.value) })),
      ),
    );
  const configs = objects.filter((o) => o.kind === 'ModelConfig' && o.metadata?.namespace === ns).sort(byName);
  return configs.map((mc) => {
    const spec = mc.spec ?? {};
    const provider = String(spec.provider ?? '');
    const asked = String(spec.model ?? '');
    const block = Object.entries(spec).find(
      ([k, v]) => k.toLowerCase() === provider.toLowerCase() && typeof v === 'object',
    ) as [string, K8sObject] | undefined;
    const base: ModelPath = { modelConfig: mc.metadata.name, provider, asked, sent: asked };
    const baseUrl = block?.[1]?.baseUrl as string | undefined;
    let url: URL | undefined;
    try {
      url = baseUrl ? new URL(baseUrl) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || !meshHosts.has(url.hostname)) return { ...base, direct: baseUrl ?? `the ${provider} default endpoint` };
    const requestPath = url.pathname;
    const match = meshRules
      .filter((r) => underPrefix(requestPath, r.prefix))
      .sort((a, b) => b.prefix.replace(/\/+$/, '').length - a.prefix.replace(/\/+$/, '').length)[0];
    if (!match) return { ...base, path: requestPath };
    const route = `${match.route.metadata.namespace}/${match.route.metadata.name}`;
    const published = routes.routes.find((r) => r.routes.mesh === route);
    const ref = ((match.rule.backendRefs ?? []) as K8sObject[]).find((b) => b.kind === 'AgentgatewayBackend');
    const withRoute = { ...base, path: requestPath, route, prefix: match.prefix, callers: published?.callers };
    if (!ref) return withRoute;
    const backendNs = ref.namespace ?? match.route.metadata.namespace;
    const backend = objects.find(
      (o) => o.kind === 'AgentgatewayBackend' && o.metadata?.name === ref.name && o.metadata?.namespace === backendNs,
    );
    const [backendProvider, cfg] = (Object.entries(backend?.spec?.ai?.provider ?? {})[0] ?? []) as [
      string | undefined,
      K8sObject | undefined,
    ];
    const pinned = typeof cfg?.model === 'string' && cfg.model !== '' ? cfg.model : undefined;
    return {
      ...withRoute,
      backend: `${backendNs}/${ref.name}`,
      backendProvider,
      pinned,
      sent: backend ? (pinned ?? asked) : asked,
    };
  });
}

/** One line per ModelConfig: what it asks for, the way its requests take, and the model sent. */
function modelLine(m: ModelPath, tenant: string): string[] {
  const asked = `${m.provider} ${m.asked}`;
  if (m.direct !== undefined)
    return [m.modelConfig, asked, `-> ${m.direct}, not through the mesh gateway: sends ${m.sent}`];
  if (m.route === undefined)
    return [m.modelConfig, asked, `-> ${m.path}: no route of ${MESH_GATEWAY.name} matches; every request fails (404)`];
  const admitted = m.callers === undefined || m.callers.includes(tenant) || m.callers.includes(ANY_TENANT);
  const refused = admitted ? '' : ` (the route admits ${m.callers!.join(', ')}, not ${tenant}: 403)`;
  if (m.backend === undefined)
    return [m.modelConfig, asked, `-> ${m.prefix} (${m.route})${refused}: no AgentgatewayBackend behind it`];
  const pin =
    m.pinned === undefined
      ? 'pins no model'
      : m.pinned === m.asked
        ? `pins ${m.pinned}`
        : `pins ${m.pinned}, which overrides ${m.asked}`;
  return [
    m.modelConfig,
    asked,
    `-> ${m.prefix} -> AgentgatewayBackend ${m.backend} (${m.backendProvider ?? 'no provider'}, ${pin})${refused}: sends ${m.sent}`,
  ];
}

/**
 * How the tenant's flows are authenticated and authorized, naming the compiled objects that
 * decide (docs/architecture.md "Flows" has every layer of each).
 */
function flowLines(mine: readonly K8sObject[], tenant: string, flows?: FlowMatrix): string[] {
  const names = (kind: string) => mine.filter((o) => o.kind === kind).map((o) => String(o.metadata.name));
  const policies = names('AgentgatewayPolicy');
  const external = policies.filter((n) => n.endsWith('-callers') && !n.endsWith('-mesh-callers'));
  const mesh = policies.filter((n) => n.endsWith('-mesh-callers'));
  const waypoint = mine.find((o) => o.metadata?.name === TENANT_OBJECTS.waypointAuthorizationPolicy);
  return [
    'Flows      (every layer of each: docs/architecture.md, Flows)',
    ...table([
      [
        'from outside',
        `a token of a caller: gateway-jwt, gateway-tenant-claim, then ${external.join(', ') || 'no route of its own'}`,
      ],
      [
        'from inside',
        `the workload identity of a caller's namespace: mesh-identity, then ${mesh.join(', ') || 'no route of its own'}`,
      ],
      [
        'into its Services',
        waypoint
          ? `through its waypoint: ${waypoint.kind} ${TENANT_OBJECTS.waypointAuthorizationPolicy}`
          : 'no waypoint policy',
      ],
      ['to kagent', `${KAGENT_WAYPOINT.name}:15008 only: the agents' session, task and memory API`],
      ['anything else', "refused: default-deny, tenant-isolation, and the callee's waypoint and routes"],
      ...(flows ? checkedRows(flows, tenant) : []),
    ]),
    ...(flows ? problemRows(flows, tenant) : []),
  ];
}

/** The value of a Helm value of a platform Application in the output, by its dotted path. */
function helmValue(objects: readonly K8sObject[], application: string, dotted: string): unknown {
  const app = objects.find((o) => o.kind === 'Application' && o.metadata?.name === `platform-${application}`);
  let v: unknown = (app?.spec?.sources ?? [app?.spec?.source]).find((x: K8sObject | undefined) => x?.helm?.valuesObject)
    ?.helm?.valuesObject;
  for (const k of dotted.split('|')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/**
 * Where the tenant's traces and dashboards are, who sees them and where its alerts go: read from
 * the access sync's state of the tenant (in the langfuse and monitoring namespaces), the
 * collector's key, the UIs' URLs in their values, and the tenant's alerting objects.
 */
function observabilityLines(input: ExplainInput, tenant: string, mine: readonly K8sObject[]): string[] {
  const ofTenant = input.objects.filter((o) => o.metadata?.labels?.[OBSERVABILITY.accessTenantLabel] === tenant);
  const state = (namespace: string) => {
    const cm = ofTenant.find((o) => o.kind === 'ConfigMap' && o.metadata?.namespace === namespace);
    return cm ? (JSON.parse(String(Object.values(cm.data ?? {})[0])) as K8sObject) : undefined;
  };
  const langfuse = state(PLATFORM_NAMESPACES.langfuse);
  const grafana = state(PLATFORM_NAMESPACES.monitoring);
  if (!langfuse && !grafana) return ['Traces     none (no observability state of this tenant in the output)'];
  const out: string[] = [];
  const key = ofTenant.find(
    (o) => o.kind === 'ExternalSecret' && o.metadata?.namespace === PLATFORM_NAMESPACES.otelCollector,
  );
  if (langfuse) {
    const url = helmValue(input.objects, 'langfuse', 'langfuse|nextauth|url');
    out.push(
      `Traces     Langfuse project ${langfuse.project} at ${url ?? 'Langfuse'}: spans of the pods of ${tenantNamespace(tenant)}, and of the gateways' requests to its routes or from its workloads`,
    );
    if (key)
      out.push(
        `           key <- AWS Secrets Manager ${key.spec?.data?.[0]?.remoteRef?.key} (the collector's ${key.metadata.name})`,
      );
  }
  if (grafana) {
    const url = helmValue(input.objects, 'kube-prometheus-stack', 'grafana|grafana.ini|server|root_url');
    out.push(
      `Dashboards Grafana organisation ${grafana.org} at ${url ?? 'Grafana'}: "${grafana.dashboard?.title}" (uid ${grafana.dashboard?.uid}); datasource ${grafana.datasource?.url} sees namespace ${tenantNamespace(tenant)} only`,
    );
  }
  const viewers = (langfuse ?? grafana)?.viewers as string[] | undefined;
  out.push(
    `Access     Keycloak group ${(langfuse ?? grafana)?.group} (project member, organisation viewer)${viewers?.length ? `; viewers ${viewers.join(', ')}` : ''}; operators: /${OBSERVABILITY.operatorsGroup}`,
  );
  const rules = mine.find((o) => o.kind === 'PrometheusRule');
  const config = mine.find((o) => o.kind === 'AlertmanagerConfig');
  const receiver = config?.spec?.receivers?.[0];
  const slack = receiver?.slackConfigs?.[0];
  const hook = receiver?.webhookConfigs?.[0];
  const target = slack ? `Slack${slack.channel ? ` ${slack.channel}` : ''}` : hook ? 'a webhook' : undefined;
  const secret = slack?.apiURL?.name ?? hook?.urlSecret?.name;
  const alerts = ((rules?.spec?.groups ?? []) as K8sObject[])
    .flatMap((g) => (g.rules ?? []).map((r: K8sObject) => r.alert))
    .join(', ');
  const to = target
    ? `${target} (AlertmanagerConfig ${config!.metadata.name}, URL in Secret ${secret})`
    : "the platform's Alertmanager receivers (observability.alerts names none)";
  out.push(`Alerts     ${alerts || 'none'} -> ${to}`);
  return out;
}

/** The checks of a matrix that start or end in the tenant. */
const touching = (flows: FlowMatrix, tenant: string): FlowCheck[] =>
  flows.checks.filter((c) => c.sourceTenant === tenant || c.targetTenant === tenant);

/**
 * The tenant's flows as the flow gate decided them: what is allowed, by kind, and which layers
 * refuse the rest.
 */
function checkedRows(flows: FlowMatrix, tenant: string): string[][] {
  const mine = touching(flows, tenant);
  const allowed = new Map<string, number>();
  const refused = new Map<string, number>();
  for (const c of mine) {
    const n = c.sourceTenant === tenant ? 1 : c.members;
    if (c.actual === 'allowed') allowed.set(c.why, (allowed.get(c.why) ?? 0) + n);
    else {
      const key = `${c.why}: ${refusingLayers(c.layers).join('+') || 'cannot tell'}`;
      refused.set(key, (refused.get(key) ?? 0) + n);
    }
  }
  const list = (m: Map<string, number>) => [...m].map(([k, n]) => `${k} (${n})`).join('; ');
  return [
    ['allowed', list(allowed) || 'nothing'],
    ['refused', list(refused) || 'nothing'],
  ];
}

/** The tenant's failing flows, as the flow gate prints them (five at most). */
function problemRows(flows: FlowMatrix, tenant: string): string[] {
  const failing = touching(flows, tenant).filter((c) => problem(c) !== undefined);
  const misrouted = flows.misrouted.filter((l) => l.includes(tenantNamespace(tenant)) || l.includes(`(${tenant}'s `));
  const lines = [...failing.map((c) => `${c.source} → ${c.target}: ${problem(c)}`), ...misrouted];
  if (lines.length === 0) return ['  checked by the flow gate: no problem'];
  return [
    `  checked by the flow gate: ${lines.length} problem${lines.length === 1 ? '' : 's'} (npm run validate -- --only flows prints every layer)`,
    ...lines.slice(0, 5).map((l) => `    ${l}`),
  ];
}

/** The lines of `npm run explain -- <tenant>` for one environment. */
export function explainTenant(input: ExplainInput): string[] {
  const { tenant, env } = input;
  const ns = tenantNamespace(tenant);
  const mine = input.objects.filter((o) => o.metadata?.labels?.[LABELS.tenantName] === tenant);
  const namespace = mine.find((o) => o.kind === 'Namespace');
  if (!namespace) throw new Error(`no Namespace ${ns} in the output of ${env}`);
  const of = (kind: string) => mine.filter((o) => o.kind === kind).sort(byName);
  const out: string[] = [];
  const labels = (namespace.metadata.labels ?? {}) as Record<string, string>;
  const annotations = (namespace.metadata.annotations ?? {}) as Record<string, string>;
  const display = annotations[ANNOTATIONS.displayName];
  const description = annotations[ANNOTATIONS.description];

  out.push(`Tenant ${tenant}${display ? ` (${display})` : ''} in ${env}${description ? `: ${description}` : ''}`);
  const others = input.otherEnvironments ?? [];
  if (others.length > 0)
    out.push(`  other environments: ${others.join(', ')} (--env ${others.length === 1 ? others[0] : '<env>'})`);

  // Namespace, RBAC, quota and limits.
  const psa = (['enforce', 'warn', 'audit'] as const)
    .filter((m) => labels[`pod-security.kubernetes.io/${m}`])
    .map((m) => `${m} ${labels[`pod-security.kubernetes.io/${m}`]}`)
    .join(', ');
  const psaVersion = labels[LABELS.psaEnforceVersion];
  const mesh = [
    labels[LABELS.dataplaneMode] ? `Istio ${labels[LABELS.dataplaneMode]}` : 'no mesh',
    labels[LABELS.useWaypoint]
      ? `waypoint ${labels[LABELS.useWaypoint]}${labels[LABELS.ingressUseWaypoint] === 'true' ? ' (ingress too)' : ''}`
      : 'no waypoint',
  ].join(', ');
  out.push(`Namespace  ${ns}: pod security ${psa || 'none'}${psaVersion ? ` (${psaVersion})` : ''}; ${mesh}`);
  for (const rb of of('RoleBinding')) {
    const subjects = (rb.subjects ?? []).map((s: K8sObject) => `${s.kind} ${s.name}`).join(', ');
    out.push(`RBAC       ${subjects} -> ${rb.roleRef?.kind} ${rb.roleRef?.name} (${rb.metadata.name})`);
  }
  for (const q of of('ResourceQuota')) {
    const hard = Object.entries((q.spec?.hard ?? {}) as Record<string, string>);
    const rank = (k: string) =>
      (QUOTA_KEYS as readonly string[]).includes(k) ? QUOTA_KEYS.indexOf(k as QuotaKey) : QUOTA_KEYS.length;
    hard.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
    out.push(`Quota      ${hard.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  for (const lr of of('LimitRange')) {
    for (const l of lr.spec?.limits ?? []) {
      const group = (g: string) =>
        l[g]
          ? `${g} ${['cpu', 'memory']
              .filter((r) => l[g][r] !== undefined)
              .map((r) => `${r} ${l[g][r]}`)
              .join(' ')}`
          : undefined;
      out.push(
        `Limits     ${l.type}: ${['default', 'defaultRequest', 'max', 'min'].map(group).filter(Boolean).join('; ')}${l.max ? '' : '; no max'}`,
      );
    }
  }

  // Routes: owned, with their gateways and callers, and the others' routes it may call.
  const gw = input.routes.gateways;
  const owned = input.routes.routes.filter((r) => r.owner === tenant);
  const where =
    gw.external.exposure === 'internal'
      ? 'internal load balancer: the VPC and networks connected to it only'
      : 'internet-facing load balancer';
  out.push(
    `Routes     inside the cluster on ${gw.mesh}; outside at ${gw.external.url} (${where}) (dist/${env}/routes.json)${owned.length === 0 ? ': none' : ''}`,
  );
  const gateways = (r: PublishedRoute) => (r.gateways.includes('external') ? 'inside+outside' : 'inside');
  const guards = (r: PublishedRoute) => [
    ...(r.kind === 'llm' ? [`guards ${r.guards ?? 'none'}`] : []),
    ...(r.requestHeaders
      ? [
          `${SANDBOX_ROUTER.headers.id} picks the sandbox; sets ${r.requestHeaders.set.map((h) => `${h.name}: ${h.value}`).join(', ')}, removes ${r.requestHeaders.remove.join(', ')}`,
        ]
      : []),
  ];
  out.push(
    ...table(owned.map((r) => [r.path, r.exposes, gateways(r), `callers ${r.callers.join(', ')}`, ...guards(r)])),
  );
  const callable = input.routes.routes.filter(
    (r) => r.owner !== tenant && (r.callers.includes(tenant) || r.callers.includes(ANY_TENANT)),
  );
  if (callable.length > 0) {
    out.push('May call');
    out.push(
      ...table(
        callable.map((r) => [
          r.path,
          r.owner === PLATFORM_OWNER ? 'platform' : `tenant ${r.owner}`,
          r.exposes,
          gateways(r),
          r.callers.includes(ANY_TENANT) ? 'any tenant' : `callers ${r.callers.join(', ')}`,
          ...guards(r),
        ]),
      ),
    );
  }
  out.push(...flowLines(mine, tenant, input.flows));

  // NetworkPolicies: who may be reached and who may reach in, per policy.
  const policies = of('NetworkPolicy');
  const deny = policies
    .filter((p) => !p.spec?.ingress && !p.spec?.egress && selectorText(p.spec?.podSelector) === 'all')
    .map((p) => `${p.metadata.name} (${(p.spec?.policyTypes ?? []).join(', ')})`);
  const rows = (dir: 'egress' | 'ingress') =>
    policies.flatMap((p) =>
      ((p.spec?.[dir] ?? []) as K8sObject[]).flatMap((rule) => {
        const peers = (rule[dir === 'egress' ? 'to' : 'from'] ?? []) as K8sObject[];
        const scope = selectorText(p.spec?.podSelector);
        const applies = scope === 'all' ? '' : ` (for pods ${scope})`;
        return (peers.length > 0 ? peers : [undefined]).map((peer) => [
          p.metadata.name,
          portsText(rule.ports),
          `${peer ? peerText(peer, ns) : 'anywhere'}${applies}`,
        ]);
      }),
    );
  out.push(`Network    ${deny.length > 0 ? `${deny.join('; ')} denies all traffic; ` : ''}NetworkPolicies allow:`);
  out.push('  egress to');
  out.push(...table(rows('egress'), '    '));
  out.push('  ingress from');
  out.push(...table(rows('ingress'), '    '));

  // Mesh authorization: the namespace's AuthorizationPolicies and the waypoint's policy.
  for (const ap of of('AuthorizationPolicy')) {
    const rules = ((ap.spec?.rules ?? []) as K8sObject[]).map((r) => {
      const from = ((r.from ?? []) as K8sObject[]).flatMap((f) => [
        ...(f.source?.principals ?? []).map(principalText),
        ...(f.source?.namespaces ?? []),
      ]);
      const to = ((r.to ?? []) as K8sObject[]).flatMap((t) => [
        ...(t.operation?.ports ?? []).map((p: string) => `port ${p}`),
        ...(t.operation?.paths ?? []),
      ]);
      return `${from.length > 0 ? `from ${from.join(', ')}` : 'from anyone'}${to.length > 0 ? ` to ${to.join(', ')}` : ''}`;
    });
    const targets = ((ap.spec?.targetRefs ?? []) as K8sObject[]).map((t) => `${t.kind} ${t.name}`);
    // A policy bound by targetRefs acts at a waypoint; one without acts at ztunnel, for every pod.
    const at =
      targets.length > 0
        ? `Waypoint   AuthorizationPolicy ${ap.metadata.name} on ${targets.join(', ')}`
        : `Mesh       AuthorizationPolicy ${ap.metadata.name}`;
    out.push(`${at}: ${ap.spec?.action ?? 'ALLOW'} ${rules.join('; ') || '(no rules: nothing)'}`);
  }
  for (const gp of of('AgentgatewayPolicy').filter((p) => p.spec?.frontend?.networkAuthorization)) {
    const auth = gp.spec.frontend.networkAuthorization;
    const target = (gp.spec.targetRefs ?? []).map((t: K8sObject) => `${t.kind} ${t.name}`).join(', ');
    out.push(
      `Waypoint   ${target}: ${auth.action} sources in ${(auth.policy?.matchExpressions ?? []).map(celSources).join(' or ')} (${gp.metadata.name})`,
    );
  }

  // Argo CD projects.
  const projects = of('AppProject');
  out.push('Argo CD    projects');
  out.push(
    ...table(
      projects.map((p) => {
        const dest = ((p.spec?.destinations ?? []) as K8sObject[])
          .map((d) => (d.namespace ? d.namespace : 'cluster scope'))
          .join(', ');
        const cluster = ((p.spec?.clusterResourceWhitelist ?? []) as K8sObject[]).map(
          (k) => `${k.kind}${k.name ? ` ${k.name}` : ''}`,
        );
        const kinds = ((p.spec?.namespaceResourceWhitelist ?? []) as K8sObject[]).map((k) => k.kind);
        const allowed = [
          ...(cluster.length > 0 ? [`cluster: ${cluster.join(', ')}`] : []),
          ...(kinds.length > 0 ? [`${kinds.length} kinds: ${kinds.join(', ')}`] : []),
        ];
        return [p.metadata.name, `-> ${dest}`, allowed.join('; ') || 'nothing'];
      }),
    ),
  );

  out.push(...observabilityLines(input, tenant, mine));

  // What runs: the tenant's declared workloads (its ModelConfigs are the Models lines) and its secrets.
  const [routerKey, routerValue] = Object.entries(SANDBOX_ROUTER.podLabels)[0];
  const isRouter = (o: K8sObject) =>
    o.kind === 'Deployment' && o.spec?.template?.metadata?.labels?.[routerKey] === routerValue;
  const workloads = mine.filter(
    (o) =>
      ['Agent', 'MCPServer', 'RemoteMCPServer', 'Sandbox', 'SandboxTemplate', 'AgentgatewayBackend'].includes(o.kind) ||
      isRouter(o),
  );
  const kindOrder = [
    'Agent',
    'MCPServer',
    'RemoteMCPServer',
    'Sandbox',
    'SandboxTemplate',
    'Deployment',
    'AgentgatewayBackend',
  ];
  workloads.sort((a, b) => kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) || byName(a, b));
  const models = modelPaths(tenant, input.objects, input.routes);
  out.push(`Workloads${workloads.length === 0 ? '  none' : ''}`);
  out.push(...table(workloads.map((o) => [`${o.kind} ${o.metadata.name}`, workloadText(o, models, mine)])));
  out.push(
    `Models     what each ModelConfig's requests reach and the model the provider is sent${models.length === 0 ? ': none' : ''}`,
  );
  out.push(...table(models.map((m) => modelLine(m, tenant))));
  const stores = of('SecretStore');
  for (const es of of('ExternalSecret')) {
    const store = stores.find((s) => s.metadata.name === es.spec?.secretStoreRef?.name);
    const prefix = store?.spec?.provider?.aws?.prefix ?? '';
    const keys = ((es.spec?.data ?? []) as K8sObject[]).map((d) => `${prefix}${d.remoteRef?.key}`).join(', ');
    out.push(`Secrets    Secret ${es.spec?.target?.name ?? es.metadata.name} <- AWS Secrets Manager ${keys}`);
  }
  return out;
}
