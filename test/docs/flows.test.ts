/**
 * The flow table of docs/architecture.md is the one charts/routing/flows.ts renders, and every
 * compiled object it names exists in the committed output of every environment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FLOW_KINDS, flowTableMarkdown } from '../../charts/routing/flows';
import { existingFiles } from '../../charts/synth/write';

const ROOT = path.resolve(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');

/** Object names a flow cell names in backticks, such as `gateway-jwt` (templates and URLs left out). */
function namedObjects(text: string): string[] {
  return [...text.matchAll(/`([a-z0-9][-a-z0-9]*[a-z0-9])`/g)].map((m) => m[1]);
}

/** Words in backticks that are not object names: fields, claims, listeners, realms. */
const NOT_OBJECTS = new Set(['allowCallsFrom', 'calls', 'api', 'keycloak', 'mesh', 'agents', 'agent-gateway']);

describe('the flow table', () => {
  it('is in docs/architecture.md exactly as charts/routing/flows.ts renders it', () => {
    expect(doc).toContain(flowTableMarkdown());
  });

  it('covers every flow the platform promises or refuses, each with an outcome', () => {
    expect(FLOW_KINDS.map((f) => f.id)).toEqual([
      'external-route',
      'external-keycloak',
      'agent-platform-model',
      'agent-own-backend',
      'agent-own-service',
      'agent-other-allowed',
      'agent-other-refused',
      'sandbox',
      'sandbox-router',
      'provider-host',
      'tenant-kagent',
      'tenant-platform',
      'tenant-observability',
    ]);
    for (const f of FLOW_KINDS) expect(f.outcome, f.id).toMatch(/allowed|denied/);
  });

  for (const env of ['dev', 'prod']) {
    it(`names only objects that exist in dist/${env}`, () => {
      const names = new Set(
        existingFiles(ROOT, [`dist/${env}`])
          .filter((f) => f.endsWith('.yaml'))
          .map(
            (f) => (parse(fs.readFileSync(path.join(ROOT, f), 'utf8')) as { metadata: { name: string } }).metadata.name,
          ),
      );
      const named = FLOW_KINDS.flatMap((f) => [f.network, f.mesh, f.waypoint, f.gateway].flatMap(namedObjects)).filter(
        (n) => !NOT_OBJECTS.has(n),
      );
      expect(named.length).toBeGreaterThan(8);
      for (const n of named) expect(names.has(n), `${n} (docs/architecture.md, Flows)`).toBe(true);
    });
  }
});
