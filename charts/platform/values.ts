/**
 * Building blocks of the zod schemas of Helm values, and the placement writer. Each chart's
 * schema lists exactly the keys the platform sets (strict objects): a misspelt key fails synth.
 */
import { z } from 'zod';
import { nodeSelectorFor, tolerateEveryGroup, tolerationsFor } from '../lib/placement';
import type { Placement, ValuesPlacement } from './component';

export const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Equal', 'Exists']),
  value: z.string().optional(),
  effect: z.literal('NoSchedule').optional(),
});

/** nodeSelector and tolerations of one pod spec in a chart's values. */
export const placementFields = {
  nodeSelector: z.record(z.string(), z.string()).optional(),
  tolerations: z.array(toleration).optional(),
};

const quantity = z.union([z.string(), z.number()]);
export const resources = z.strictObject({
  requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
});

export const secretKeyRef = z.strictObject({ name: z.string().min(1), key: z.string().min(1) });

/** The nodeSelector and tolerations a placement stands for. */
export function placementValues(placement: Placement, nodeSelectorKey = 'nodeSelector'): Record<string, unknown> {
  if (placement === 'every') return { tolerations: tolerateEveryGroup() };
  return { [nodeSelectorKey]: nodeSelectorFor(placement), tolerations: tolerationsFor(placement) };
}

/** Writes a placement at a dotted path of a values object (creating objects on the way). */
export function writePlacement(
  values: Record<string, unknown>,
  { path, placement, nodeSelectorKey }: ValuesPlacement,
): void {
  let at: Record<string, unknown> = values;
  for (const key of path === '' ? [] : path.split('.')) {
    const next = at[key];
    if (next === undefined) at[key] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new Error(`placement path ${path}: ${key} is not an object in the values; fix the component's placements`);
    }
    at = at[key] as Record<string, unknown>;
  }
  Object.assign(at, placementValues(placement, nodeSelectorKey));
}

/** Reads the value at a dotted path (the placement tests use it). */
export function readPath(values: unknown, path: string): unknown {
  let at = values;
  for (const key of path === '' ? [] : path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
