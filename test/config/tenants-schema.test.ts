import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { tenantsFileSchema } from '../../charts/config/tenants-schema';
import { DIRS, TENANTS_FILE } from '../../charts/lib/constants';
import { schemaText } from '../../scripts/cli/schema';

const ROOT = path.resolve(__dirname, '..', '..');
const committed = fs.readFileSync(path.join(ROOT, DIRS.tenantsSchema), 'utf8');
const validate = new Ajv({ strict: false }).compile(JSON.parse(committed));

describe('tenants.yaml JSON Schema', () => {
  it('is committed and up to date with the zod schema (npm run schema)', () => {
    expect(committed).toBe(schemaText());
  });

  it('is referenced from the first line of tenants.yaml for editors', () => {
    const first = fs.readFileSync(path.join(ROOT, TENANTS_FILE), 'utf8').split('\n')[0];
    expect(first).toBe(`# yaml-language-server: $schema=./${DIRS.tenantsSchema}`);
  });

  it('accepts the example registry', () => {
    expect(validate(parse(fs.readFileSync(path.join(ROOT, TENANTS_FILE), 'utf8')))).toBe(true);
  });

  it('rejects unknown keys, wrong types and bad enum values, like the compiler', () => {
    expect(validate({ tenants: [{ name: 'a', colour: 'red' }] })).toBe(false);
    expect(validate({ tenants: [{ name: 'a', quota: { pods: 'many' } }] })).toBe(false);
    expect(validate({ tenants: [{ name: 'a', podSecurity: 'restricted' }] })).toBe(false);
    expect(validate({ tenants: [{ name: 'a', owners: [{ kind: 'Robot', name: 'x' }] }] })).toBe(false);
    expect(validate({ tenants: [{ name: 'Team_A' }] })).toBe(false);
    expect(validate({ tenants: [{ name: 'a'.repeat(57) }] })).toBe(false);
    expect(validate({ tenants: [{ name: 'a', quota: { 'requests.cpu': '2', pods: 3 } }] })).toBe(true);
  });
});

/** Paths of the transforms and pipes inside a zod schema. */
function transformsIn(schema: z.ZodType, at = ''): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === 'pipe' || def.type === 'transform') return [at || '(root)'];
  const child = (s: unknown, p: string) => transformsIn(s as z.ZodType, p);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, s]) => child(s, `${at}.${k}`));
    case 'array':
      return child(def.element, `${at}[]`);
    case 'optional':
    case 'default':
      return child(def.innerType, at);
    case 'union':
      return (def.options as z.ZodType[]).flatMap((s, i) => child(s, `${at}|${i}`));
    case 'record':
      return [...child(def.keyType, `${at}{key}`), ...child(def.valueType, `${at}{}`)];
    default:
      return [];
  }
}

// charts/config/rules.ts: a rule trusts the types of the fields it reads only while no transform
// can leave an input in place (zod 4 handlePipeResult stops a pipe after any issue).
describe('tenants.yaml zod schema', () => {
  it('has no transform, so that every rule sees values of the schema types', () => {
    expect(transformsIn(tenantsFileSchema)).toEqual([]);
  });

  it('planted fault: a transform inside an entry is found', () => {
    const planted = z.strictObject({ tenants: z.array(z.strictObject({ port: z.string().transform(Number) })) });
    expect(transformsIn(planted)).toEqual(['.tenants[].port']);
  });
});
