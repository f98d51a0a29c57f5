/**
 * The platform section of an environment file: everything dev and prod may set differently
 * (images, replicas, sizes, retention, versions, domain). Nothing else differs between them.
 */
import { z } from 'zod';
import { UPSTREAM_NAMES } from '../lib/upstream';
import { platformGuardsSchema } from './guards-schema';

const image = z.strictObject({
  registry: z.string().min(1),
  repository: z.string().min(1),
  tag: z.string().regex(/^[\w][\w.-]{0,127}$/),
});

const replicas = z.int().min(1).max(20);
const quantity = z.string().regex(/^\d+(Mi|Gi|Ti)$/);

/** Which implementation runs the tenants' waypoints (the GatewayClass agentgateway-waypoint). */
export const WAYPOINT_KINDS = ['istio', 'agentgateway'] as const;
export type WaypointKind = (typeof WAYPOINT_KINDS)[number];

export const platformSettingsSchema = z.strictObject({
  /**
   * DNS domain of the environment's user-facing hosts: the external gateway answers at
   * gateway.<domain> and Keycloak at keycloak.<domain>.
   */
  domain: z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/),
  /** The external gateway's load balancer. */
  gateway: z.strictObject({
    /**
     * internet-facing: public addresses; internal: reachable only from the VPC and the networks
     * connected to it. Either way the load balancer terminates TLS and every API request needs a
     * platform token.
     */
    exposure: z.enum(['internet-facing', 'internal']),
  }),
  /**
   * Tenant waypoints: `istio` (Istio's Envoy waypoint, supported by the pinned Istio) or
   * `agentgateway` (needs an agentgateway build whose controller runs the proxy in waypoint mode;
   * no pinned release does).
   */
  waypoint: z.enum(WAYPOINT_KINDS),
  images: z.strictObject({
    /** The gateways' proxy (external and mesh gateway). */
    agentgatewayProxy: image,
    /** Tenant waypoints when platform.waypoint is agentgateway: a build with waypoint mode. */
    agentgatewayWaypoint: image,
    agentgatewayController: image,
    otelCollector: image,
    /** The Keycloak server (the keycloakx chart's image). */
    keycloak: image,
    /**
     * keycloak-config-cli, which applies the realm (groups of new tenants) on every sync. Its tag is
     * <cli version>-<Keycloak version>: the build for the Keycloak above.
     */
    keycloakConfigCli: image,
    /** prom-label-proxy in front of Prometheus, one per tenant (its Grafana datasource). */
    promLabelProxy: image,
    /** Node.js, which runs the access sync of Langfuse and Grafana (a program without dependencies). */
    accessSync: image,
    /**
     * agent-sandbox's sandbox-router, one per tenant that asks for it (tenants.yaml sandboxRouter).
     * Upstream publishes no image of it at the pinned release: build it from sandbox-router/ of
     * agent-sandbox v0.5.6 (docs/operator-runbook.md). Unset: no tenant may ask for a router.
     */
    sandboxRouter: image.optional(),
  }),
  replicas: z.strictObject({
    agentgatewayController: replicas,
    agentgatewayProxy: replicas,
    kagentController: replicas,
    keycloak: replicas,
    langfuseWeb: replicas,
    langfuseWorker: replicas,
    clickhouse: replicas,
    otelCollector: replicas,
    prometheus: replicas,
  }),
  storage: z.strictObject({ prometheus: quantity, clickhouse: quantity, grafana: quantity, alertmanager: quantity }),
  /**
   * What happens to a volume of the gp3 StorageClass when its claim is deleted: Delete, or Retain
   * (the volume and its data stay, to be reattached or removed by hand; production's choice).
   * @default 'Delete'
   */
  volumeReclaimPolicy: z.enum(['Delete', 'Retain']).default('Delete'),
  retention: z.strictObject({
    /** Prometheus TSDB retention, such as 15d. */
    prometheus: z.string().regex(/^\d+[hdwy]$/),
  }),
  llm: z.strictObject({
    /**
     * Model of the default ModelConfigs (kagent's and every tenant's). The platform backends pin no
     * model: the gateway sends the model each request names.
     */
    anthropicModel: z.string().min(1),
    /** Also install the OpenAI backend (its key must then exist in AWS Secrets Manager). */
    openai: z.boolean(),
    openaiModel: z.string().min(1),
  }),
  /**
   * Prompt guards on every LLM path: each tenant's model and backend routes and the platform's own
   * routes (kagent's agents). A tenant can add guards in tenants.yaml but not weaken these.
   */
  guards: platformGuardsSchema.default({}),
  /** Per-upstream version overrides (key: the Application name in charts/lib/upstream.ts). */
  versions: z
    .partialRecord(
      z.enum(UPSTREAM_NAMES as [string, ...string[]]),
      z.string().regex(/^v?\d+\.\d+\.\d+([-.+][\w.-]+)?$/),
    )
    .default({}),
});

export type PlatformSettings = z.infer<typeof platformSettingsSchema>;

/** How to fix each platform field (a trailing .* matches any key under that field). */
export const PLATFORM_FIXES: Record<string, string> = {
  platform: 'add the platform section (see charts/environments/dev.yaml)',
  'platform.domain': 'write a DNS domain such as dev.agentic.example.com',
  'platform.gateway': 'add gateway: {exposure: internet-facing} (or internal)',
  'platform.gateway.exposure': 'write internet-facing or internal',
  'platform.waypoint': 'write istio (Envoy waypoints of the pinned Istio) or agentgateway',
  'platform.images.*':
    'write {registry, repository, tag}, such as {registry: cr.agentgateway.dev, repository: agentgateway, tag: v1.4.1}',
  'platform.replicas.*': 'write a whole number from 1 to 20',
  'platform.storage.*': 'write a size in Mi, Gi or Ti, such as 20Gi',
  'platform.volumeReclaimPolicy': 'write Delete or Retain',
  'platform.retention.prometheus': 'write a duration such as 15d',
  'platform.llm.anthropicModel': 'write an Anthropic model ID such as claude-sonnet-4-20250514',
  'platform.llm.openai': 'write true or false',
  'platform.llm.openaiModel': 'write an OpenAI model ID such as gpt-4.1-mini',
  'platform.guards':
    'write {request: [...], response: [...], streaming: true|false}, or remove it for no platform guards',
  'platform.guards.*':
    'write a guard as {detect: [email, creditCard, phoneNumber, ssn, caSin, apiKey], action: reject} or {patterns: [<Rust regex>], action: mask}',
  'platform.versions': `use only these keys: ${UPSTREAM_NAMES.join(', ')}`,
  'platform.versions.*': 'write a version such as 1.30.3 or v1.4.1',
};
