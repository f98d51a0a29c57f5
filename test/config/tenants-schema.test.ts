import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
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
