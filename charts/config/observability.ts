/**
 * What a tenant says about its observability in tenants.yaml (`observability:`): where its quota
 * alerts go and who else may read its traces and dashboards. Everything else (its Langfuse
 * project and keys, its Grafana organisation, datasource and dashboard, its alert rules) is
 * derived from the tenant's name.
 */
import type { ObservabilityInput } from './tenant-fields';

/** Where the tenant's alerts go. */
export type AlertReceiver =
  | { readonly kind: 'slack'; readonly secret: string; readonly channel?: string }
  | { readonly kind: 'webhook'; readonly secret: string };

/** The resolved observability settings of a tenant. */
export interface TenantObservability {
  /** @default - none: alerts are only visible in Grafana and Alertmanager */
  readonly alerts?: AlertReceiver;
  /** Keycloak users (e-mail), lower-cased, sorted, who read the tenant's traces and dashboards. */
  readonly viewers: readonly string[];
}

/** The settings with defaults applied (input already accepted by the schema and the rules below). */
export function resolveObservability(input: ObservabilityInput | undefined): TenantObservability {
  const viewers = [...new Set((input?.viewers ?? []).map((v) => v.toLowerCase()))].sort();
  const a = input?.alerts;
  const alerts: AlertReceiver | undefined = a?.slack
    ? { kind: 'slack', secret: a.slack.webhookSecret, ...(a.slack.channel ? { channel: a.slack.channel } : {}) }
    : a?.webhook
      ? { kind: 'webhook', secret: a.webhook.urlSecret }
      : undefined;
  return { ...(alerts ? { alerts } : {}), viewers };
}
