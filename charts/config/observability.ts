/**
 * What a tenant says about its observability in tenants.yaml (`observability:`): where its quota
 * alerts go and who else may read its traces and dashboards. Everything else (its Langfuse
 * project and keys, its Grafana organisation, datasource and dashboard, its alert rules) is
 * derived from the tenant's name.
 */
import type { Report } from './rules';
import type { FieldPath } from './source-errors';
import type { ObservabilityInput } from './tenants-schema';
import { secretEntryProblem } from './workload-rules';

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

/** An e-mail address as Keycloak stores it for a user (one @, a dotted domain, no spaces). */
const EMAIL = /^[^\s@]+@[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/i;

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

/** Rules the field types cannot say: one receiver, entry names that are names, viewers that are e-mail addresses. */
export function observabilityRules(o: Pick<ObservabilityInput, 'alerts' | 'viewers'>, report: Report): void {
  const alerts = o.alerts;
  if (alerts) {
    const kinds = (['slack', 'webhook'] as const).filter((k) => alerts[k] !== undefined);
    if (kinds.length !== 1)
      report(
        ['alerts'],
        kinds.length === 0
          ? 'alerts names no receiver'
          : `alerts names ${kinds.join(' and ')}; the alerts go to one receiver`,
        'keep exactly one of slack or webhook',
      );
    if (alerts.slack) receiverEntry(alerts.slack.webhookSecret, ['alerts', 'slack', 'webhookSecret'], report);
    if (alerts.webhook) receiverEntry(alerts.webhook.urlSecret, ['alerts', 'webhook', 'urlSecret'], report);
  }
  const seen = new Map<string, number>();
  (o.viewers ?? []).forEach((v, i) => {
    if (!EMAIL.test(v))
      return report(
        ['viewers', i],
        `${JSON.stringify(v)} is not an e-mail address`,
        'name the Keycloak user by e-mail, such as jane@example.com',
      );
    const first = seen.get(v.toLowerCase());
    if (first !== undefined)
      report(
        ['viewers', i],
        `${JSON.stringify(v)} is listed twice (first at viewers[${first}])`,
        'remove the duplicate',
      );
    else seen.set(v.toLowerCase(), i);
  });
}

/** A webhook URL carries its own credential (Slack's does): it is the value, never the name. */
function receiverEntry(ref: string, path: FieldPath, report: Report): void {
  const field = String(path[path.length - 1]);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref))
    return report(
      path,
      `${field} holds the webhook URL itself; tenants.yaml is in git and must hold no secret value`,
      'store the URL in AWS Secrets Manager under agentic-platform/<env>/tenants/<tenant>/, name the entry here, and replace the exposed webhook',
    );
  const p = secretEntryProblem(ref, field, 'the webhook URL');
  if (p) report(path, p.message, p.fix);
}
