/**
 * ClickHouse's Keepers keep a quorum through a zone outage only when each runs in a zone of its
 * own: the rendered StatefulSet must spread them over the zones (DoNotSchedule), and the environment
 * must list at least as many zones as Keepers.
 */
import { describe, expect, it } from 'vitest';
import { type K8sObject, loadEnvironment, renderComponent } from '../../scripts/upstream/render';

const ZONE = 'topology.kubernetes.io/zone';

/** Why the Keepers of a render could share a zone, one line each. */
function keeperSpreadProblems(objects: readonly K8sObject[], zones: readonly string[]): string[] {
  const keeper = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'clickhouse-keeper');
  if (!keeper) return [];
  const labels: Record<string, string> = keeper.spec.template.metadata.labels;
  const spread = (keeper.spec.template.spec.topologySpreadConstraints ?? []).find(
    (c: any) =>
      c.topologyKey === ZONE &&
      c.whenUnsatisfiable === 'DoNotSchedule' &&
      c.maxSkew === 1 &&
      Object.entries(c.labelSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v),
  );
  const problems: string[] = [];
  if (!spread) problems.push('the Keepers have no DoNotSchedule zone spread that selects them');
  if (zones.length < keeper.spec.replicas)
    problems.push(`${keeper.spec.replicas} Keepers in ${zones.length} zones: a zone outage can take the quorum`);
  return problems;
}

describe('ClickHouse Keepers', () => {
  it('prod: three Keepers, each in a zone of its own', () => {
    const env = loadEnvironment('prod');
    const objects = renderComponent('prod', 'clickhouse').objects.map((x) => x.object);
    expect(
      objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'clickhouse-keeper')?.spec.replicas,
    ).toBe(3);
    expect(keeperSpreadProblems(objects, env.aws.availabilityZones)).toEqual([]);
  });

  it('planted faults: two zones, and a spread that selects no Keeper', () => {
    const objects = renderComponent('prod', 'clickhouse').objects.map((x) => structuredClone(x.object) as K8sObject);
    expect(keeperSpreadProblems(objects, ['us-east-1a', 'us-east-1b'])).toEqual([
      '3 Keepers in 2 zones: a zone outage can take the quorum',
    ]);
    const keeper = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'clickhouse-keeper')!;
    keeper.spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels['app.kubernetes.io/component'] =
      'clickhouse';
    expect(keeperSpreadProblems(objects, ['us-east-1a', 'us-east-1b', 'us-east-1c'])).toEqual([
      'the Keepers have no DoNotSchedule zone spread that selects them',
    ]);
  });
});
