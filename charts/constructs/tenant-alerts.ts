import { Construct } from 'constructs';
import { ExternalSecret } from '../../imports/external-secrets-external-secrets.io';
import { secretFromStore } from './external-secret-parts';
import {
  AlertmanagerConfig,
  type AlertmanagerConfigSpecReceivers,
} from '../../imports/prometheus-alertmanagerconfigs-monitoring.coreos.com';
import { PrometheusRule } from '../../imports/prometheus-prometheusrules-monitoring.coreos.com';
import type { AlertReceiver } from '../config/observability';
import { TENANT_OBJECTS } from '../lib/constants';
import { tenantLabels } from '../lib/labels';
import { quotaAlertRules, typedRule } from '../platform/observability/tenant-metrics';

/** Fixed names of a tenant's alerting objects in its namespace. */
export const TENANT_ALERT_OBJECTS = {
  rules: 'tenant-quota',
  config: 'tenant-alerts',
  receiverSecret: 'alert-receiver',
} as const;

export interface TenantAlertsProps {
  readonly tenant: string;
  readonly namespace: string;
  /**
   * The tenant's receiver; its URL is read from the tenant's entry in AWS Secrets Manager through
   * its SecretStore.
   * @default - none: the alerts go to the platform's default receiver only
   */
  readonly receiver?: AlertReceiver;
}

/**
 * A tenant's quota alerts (PrometheusRule) and, when tenants.yaml names a receiver, where they
 * go: an AlertmanagerConfig in the tenant's namespace, which prometheus-operator restricts to
 * alerts whose namespace label is that namespace (alertmanagerConfigMatcherStrategy OnNamespace),
 * with the receiver's URL in a Secret from the tenant's own entry.
 */
export class TenantAlerts extends Construct {
  constructor(scope: Construct, id: string, props: TenantAlertsProps) {
    super(scope, id);
    const labels = tenantLabels(props.tenant);
    const namespace = props.namespace;
    new PrometheusRule(this, 'Rules', {
      metadata: { name: TENANT_ALERT_OBJECTS.rules, namespace, labels },
      spec: { groups: [{ name: TENANT_ALERT_OBJECTS.rules, rules: quotaAlertRules(props.tenant).map(typedRule) }] },
    });
    const r = props.receiver;
    if (!r) return;
    const secret = TENANT_ALERT_OBJECTS.receiverSecret;
    new ExternalSecret(this, 'ReceiverSecret', {
      metadata: { name: secret, namespace, labels },
      spec: secretFromStore({
        name: secret,
        store: { kind: 'SecretStore', name: TENANT_OBJECTS.secretStore },
        data: [{ secretKey: 'url', key: r.secret }],
      }),
    });
    const url = { name: secret, key: 'url' };
    const receiver: AlertmanagerConfigSpecReceivers =
      r.kind === 'slack'
        ? {
            name: props.tenant,
            slackConfigs: [{ apiUrl: url, ...(r.channel ? { channel: r.channel } : {}), sendResolved: true }],
          }
        : { name: props.tenant, webhookConfigs: [{ urlSecret: url, sendResolved: true }] };
    new AlertmanagerConfig(this, 'Config', {
      metadata: { name: TENANT_ALERT_OBJECTS.config, namespace, labels },
      spec: {
        route: {
          receiver: props.tenant,
          groupBy: ['alertname', 'resource'],
          groupWait: '30s',
          groupInterval: '5m',
          repeatInterval: '4h',
        },
        receivers: [receiver],
      },
    });
  }
}
