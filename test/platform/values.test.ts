import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { componentValues } from '../../charts/platform/build';
import type { PlatformComponent } from '../../charts/platform/component';
import { placementFields, readPath, writePlacement } from '../../charts/platform/values';
import { sampleEnvironment, sampleInfra, sampleTenant } from '../helpers';

const ctx = { env: sampleEnvironment(), infra: sampleInfra('test'), tenants: [sampleTenant()] };

const component = (values: Record<string, unknown>): PlatformComponent => ({
  name: 'demo',
  component: 'demo',
  namespace: 'demo',
  description: 'demo',
  dependsOn: [],
  upstream: {
    name: 'kyverno',
    valuesSchema: z.strictObject({ replicas: z.int(), controller: z.strictObject({ ...placementFields }) }),
    values: () => values,
    placements: [{ path: 'controller', placement: 'platform' }],
  },
});

describe('component values', () => {
  it('writes the placement at each declared path and checks the schema', () => {
    const values = componentValues(component({ replicas: 2, controller: {} }), ctx)!;
    expect(readPath(values, 'controller')).toEqual({
      nodeSelector: { 'node-role': 'platform' },
      tolerations: [{ key: 'workload', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
    });
  });

  it('fails synth on a misspelt key or a wrong type, naming the component, the path and the fix', () => {
    expect(() => componentValues(component({ replicas: 2, controler: {} }), ctx)).toThrow(
      /^platform component demo: Helm values do not match the schema of kyverno: .*controler.*; fix the values or the schema in charts\/platform\/components$/,
    );
    expect(() => componentValues(component({ replicas: 'two', controller: {} }), ctx)).toThrow(
      'platform component demo: Helm values do not match the schema of kyverno: replicas: Invalid input: expected number, received string; fix the values or the schema in charts/platform/components',
    );
  });

  it('does not share state between calls (values are copied before placement)', () => {
    const shared = { replicas: 1, controller: {} };
    componentValues(component(shared), ctx);
    expect(shared.controller).toEqual({});
  });

  it('refuses a placement path that runs through a non-object', () => {
    expect(() => writePlacement({ controller: 'x' }, { path: 'controller.pod', placement: 'agents' })).toThrow(
      'placement path controller.pod: controller is not an object',
    );
  });

  it('writes a snake-case selector key where the chart wants one, and only tolerations for every group', () => {
    const v: Record<string, unknown> = {};
    writePlacement(v, { path: 'deployment', placement: 'gateway', nodeSelectorKey: 'node_selector' });
    writePlacement(v, { path: 'agent', placement: 'every' });
    expect(v).toEqual({
      deployment: {
        node_selector: { 'node-role': 'gateway' },
        tolerations: [{ key: 'workload', operator: 'Equal', value: 'gateway', effect: 'NoSchedule' }],
      },
      agent: { tolerations: [{ operator: 'Exists' }] },
    });
  });
});
