import { describe, expect, it } from 'vitest';
import { GrafanaDashboard } from '../../../charts/platform/constructs/grafana-dashboard';
import { only, synth } from '../../helpers';

describe('GrafanaDashboard', () => {
  it('is a ConfigMap in monitoring labelled for the dashboard sidecar, holding the dashboard JSON', () => {
    const cm = only(
      synth(
        (c) =>
          new GrafanaDashboard(c, 'd', {
            uid: 'demo',
            title: 'Demo',
            panels: [{ title: 'Requests', expr: 'sum(rate(x[5m]))', legend: 'all' }],
          }),
      ),
      'ConfigMap',
    );
    expect(cm.metadata).toMatchObject({ name: 'dashboard-demo', namespace: 'monitoring' });
    expect(cm.metadata.labels!.grafana_dashboard).toBe('1');
    const model = JSON.parse(cm.data['demo.json']);
    expect(model).toMatchObject({ uid: 'demo', title: 'Demo', editable: false });
    expect(model.panels[0].targets).toEqual([{ refId: 'A', expr: 'sum(rate(x[5m]))', legendFormat: 'all' }]);
  });

  it('refuses a dashboard without panels', () => {
    expect(() => synth((c) => new GrafanaDashboard(c, 'd', { uid: 'empty', title: 'E', panels: [] }))).toThrow(
      'GrafanaDashboard empty: panels is empty; add at least one panel',
    );
  });
});
