import { Construct } from 'constructs';
import { KubeConfigMap } from '../../../imports/k8s';
import { GRAFANA_DASHBOARD_LABEL, PLATFORM_NAMESPACES } from '../../lib/constants';
import { platformLabels } from '../../lib/labels';

/** One time-series panel of a dashboard. */
export interface DashboardPanel {
  readonly title: string;
  /** PromQL; `legend` names the series. */
  readonly expr: string;
  readonly legend: string;
  readonly unit?: string;
}

export interface GrafanaDashboardProps {
  /** Stable dashboard UID (also the ConfigMap name suffix). */
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
  /**
   * Dashboard variables (label_values queries), such as the tenant namespace.
   * @default - none
   */
  readonly variables?: readonly { readonly name: string; readonly query: string }[];
  /**
   * uid of the Prometheus datasource the panels query.
   * @default 'prometheus' (kube-prometheus-stack's, in the main organisation)
   */
  readonly datasourceUid?: string;
}

/** The dashboard JSON model Grafana imports. */
export function dashboardModel(props: GrafanaDashboardProps): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: props.datasourceUid ?? 'prometheus' };
  return {
    uid: props.uid,
    title: props.title,
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: (props.variables ?? []).map((v) => ({
        name: v.name,
        type: 'query',
        datasource,
        query: { query: v.query, refId: v.name },
        includeAll: true,
        multi: true,
        refresh: 2,
      })),
    },
    panels: props.panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
      targets: [{ refId: 'A', expr: p.expr, legendFormat: p.legend }],
    })),
  };
}

/** A Grafana dashboard as a ConfigMap that Grafana's sidecar loads (it searches every namespace). */
export class GrafanaDashboard extends Construct {
  public readonly resource: KubeConfigMap;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    if (props.panels.length === 0)
      throw new Error(`GrafanaDashboard ${props.uid}: panels is empty; add at least one panel`);
    // KubeConfigMap: cdk8s-plus-30 adds `immutable: false`.
    this.resource = new KubeConfigMap(this, 'Resource', {
      metadata: {
        name: `dashboard-${props.uid}`,
        namespace: PLATFORM_NAMESPACES.monitoring,
        labels: { ...platformLabels('monitoring'), [GRAFANA_DASHBOARD_LABEL]: '1' },
      },
      data: { [`${props.uid}.json`]: JSON.stringify(dashboardModel(props), null, 2) + '\n' },
    });
  }
}
