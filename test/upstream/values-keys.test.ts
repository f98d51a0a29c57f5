/**
 * Every values key of every platform chart Application is one the chart knows (its values.yaml,
 * a dependency's, or a template that reads it). helm v3.22.0 keeps unknown keys when it merges
 * values (pkg/chart/util/coalesce.go) and validates them only against a chart's values schema
 * (pkg/chart/util/jsonschema.go), and no pinned chart's schema forbids additional properties; the
 * cluster tier's misspelt-value fault shows a schema catching a wrong type, never a wrong key. So a
 * misspelt key would be dropped silently, leaving the chart's default in its place.
 */
import { describe, expect, it } from 'vitest';
import { unknownValuesKeys } from '../../scripts/upstream/values-keys';
import {
  chartDirectory,
  loadEnvironment,
  readPlatformApplication,
  upstreamComponents,
} from '../../scripts/upstream/render';
import { MAY_LACK_DEPENDENCIES } from './chart-checks';

type Values = Record<string, any>;

function valuesOf(env: string, component: string): { values: Values; dir: string } {
  const app = readPlatformApplication(loadEnvironment(env), component);
  return { values: structuredClone(app.source.helm?.valuesObject ?? {}) as Values, dir: chartDirectory(app.source)! };
}

describe('values keys of the platform charts', () => {
  for (const env of ['dev', 'prod']) {
    it(`${env}: every key we set is one the chart knows`, () => {
      const e = loadEnvironment(env);
      let checked = 0;
      for (const component of upstreamComponents(e)) {
        const app = readPlatformApplication(e, component);
        const dir = chartDirectory(app.source);
        if (!dir || !app.source.helm?.valuesObject) continue;
        checked++;
        const { unknown, unchecked } = unknownValuesKeys(app.source.helm.valuesObject, dir);
        expect(unknown, component).toEqual([]);
        // Only a chart the charts folder may lack dependencies of leaves keys unchecked, named.
        if (unchecked.length > 0) expect(MAY_LACK_DEPENDENCIES as readonly string[], component).toContain(component);
      }
      expect(checked).toBeGreaterThan(10);
    });
  }

  it('planted: misspelt keys at the top, nested, in a dependency and under a structured default are named with the key meant', () => {
    const cases: [string, (v: Values) => void, string, string][] = [
      ['external-secrets', (v) => ((v.installCRD = v.installCRDs), delete v.installCRDs), 'installCRD', 'installCRDs'],
      [
        'kyverno',
        (v) => ((v.admissionController.replica = 3), delete v.admissionController.replicas),
        'admissionController.replica',
        'replicas',
      ],
      ['keycloak', (v) => ((v.databse = v.database), delete v.database), 'databse', 'database'],
      [
        'kube-prometheus-stack',
        (v) => (v.prometheus.prometheusSpec.retension = '7d'),
        'prometheus.prometheusSpec.retension',
        'retention',
      ],
      ['langfuse', (v) => (v.clickhouse.deplyo = false), 'clickhouse.deplyo', 'deploy'],
    ];
    for (const [component, plant, path, closest] of cases) {
      const { values, dir } = valuesOf('dev', component);
      plant(values);
      expect(
        unknownValuesKeys(values, dir).unknown.map((u) => [u.path, u.closest]),
        component,
      ).toEqual([[path, closest]]);
    }
  });

  it('takes any key below a map the templates pass on whole (agentgateway renders resources with toYaml)', () => {
    const { values, dir } = valuesOf('dev', 'agentgateway');
    values.resources = { ...(values.resources ?? {}), limits: { memory: '1Gi' }, anything: 1 };
    expect(unknownValuesKeys(values, dir).unknown).toEqual([]);
  });
});
