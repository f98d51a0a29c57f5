import { describe, expect, it } from 'vitest';
import { computeWaves, DependencyError } from '../../charts/platform/graph';
import { platformComponents } from '../../charts/platform/components';
import { sampleEnvironment } from '../helpers';

describe('computeWaves', () => {
  it('puts roots at wave 0 and every component one wave after its latest dependency', () => {
    const waves = computeWaves([
      { name: 'c', dependsOn: ['a', 'b'] },
      { name: 'a', dependsOn: [] },
      { name: 'b', dependsOn: ['a'] },
      { name: 'd', dependsOn: [] },
    ]);
    expect(Object.fromEntries(waves)).toEqual({ a: 0, b: 1, c: 2, d: 0 });
  });

  it('refuses a cycle and names it', () => {
    expect(() =>
      computeWaves([
        { name: 'a', dependsOn: ['c'] },
        { name: 'b', dependsOn: ['a'] },
        { name: 'c', dependsOn: ['b'] },
      ]),
    ).toThrow(
      new DependencyError(
        'platform components depend on each other in a cycle: a -> c -> b -> a; remove one of these dependencies',
      ),
    );
    expect(() => computeWaves([{ name: 'a', dependsOn: ['a'] }])).toThrow('cycle: a -> a;');
  });

  it('refuses a dependency on an unknown component and a duplicate name', () => {
    expect(() => computeWaves([{ name: 'a', dependsOn: ['ghost'] }])).toThrow(
      'platform component "a" depends on "ghost", which is not a component; declare it or remove the dependency',
    );
    expect(() =>
      computeWaves([
        { name: 'a', dependsOn: [] },
        { name: 'a', dependsOn: [] },
      ]),
    ).toThrow('platform component "a" is declared twice');
  });

  it('gives every real component a wave, and every dependency a lower one', () => {
    const components = platformComponents(sampleEnvironment());
    const waves = computeWaves(components);
    for (const c of components)
      for (const d of c.dependsOn) expect(waves.get(d)!, `${d} before ${c.name}`).toBeLessThan(waves.get(c.name)!);
  });
});
