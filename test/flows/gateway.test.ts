/**
 * The gateway model on copies of the committed output with a fault planted: each fault opens or
 * closes a path, and the model says so, which is what test/paths.test.ts relies on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { existingFiles } from '../../charts/synth/write';
import { meshSource } from '../../scripts/flows/cel';
import { decide, type K8sObject } from '../../scripts/flows/gateway';

const ROOT = path.resolve(__dirname, '..', '..');
const load = (): K8sObject[] =>
  existingFiles(ROOT, ['dist/dev'])
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(fs.readFileSync(path.join(ROOT, f), 'utf8')));
const meshGw = { name: 'agentgateway-mesh', namespace: 'agentgateway-system' };
const extGw = { name: 'agentgateway-proxy', namespace: 'agentgateway-system' };
const fromBeta = {
  gateway: meshGw,
  port: 80,
  path: '/a2a/support/triage/',
  source: meshSource('cluster.local', 'tenant-beta'),
};

describe('gateway model, planted faults', () => {
  it("refuses another tenant on the mesh route, and admits it once the route's caller policy is gone", () => {
    const objects = load();
    expect(decide(objects, fromBeta)).toMatchObject({ status: 403, route: 'tenant-alpha/a2a-triage-mesh' });
    const without = objects.filter(
      (o) => !(o.kind === 'AgentgatewayPolicy' && o.metadata.name === 'a2a-triage-mesh-callers'),
    );
    expect(decide(without, fromBeta).status).toBe(200);
  });

  it('refuses a request without a mesh identity only while mesh-identity requires one', () => {
    const objects = load();
    const anonymous = { gateway: meshGw, port: 80, path: '/llm/default/anthropic/v1/messages' };
    expect(decide(objects, anonymous).status).toBe(403);
    // The platform route's own policy still needs an identity too.
    const withoutGatewayRule = objects.filter((o) => o.metadata.name !== 'mesh-identity');
    expect(decide(withoutGatewayRule, anonymous).status).toBe(403);
  });

  it('answers 401 to a request without a token, and 200 once the JWT requirement is gone', () => {
    const objects = load();
    const noToken = { gateway: extGw, port: 443, host: 'gateway.dev.agentic.example.com', path: '/mcp/support/kb/mcp' };
    expect(decide(objects, noToken).status).toBe(401);
    const gone = objects.filter(
      (o) =>
        o.metadata.name !== 'gateway-jwt' &&
        o.metadata.name !== 'gateway-tenant-claim' &&
        o.metadata.name !== 'mcp-kb-callers',
    );
    expect(decide(gone, noToken).status).toBe(200);
  });

  it("keeps a route-level Permissive JWT policy from switching off the gateway's Strict one (inheritance Override)", () => {
    const objects = load();
    const permissive = {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayPolicy',
      metadata: { name: 'loosen', namespace: 'tenant-alpha' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'mcp-kb' }],
        traffic: { jwtAuthentication: { mode: 'Permissive', providers: [] } },
      },
    };
    const req = { gateway: extGw, port: 443, host: 'gateway.dev.agentic.example.com', path: '/mcp/support/kb/mcp' };
    expect(decide([...objects, permissive], req).status).toBe(401);
    const unlocked = objects.map((o) =>
      o.metadata.name === 'gateway-jwt' ? { ...o, spec: { ...o.spec, strategy: undefined } } : o,
    );
    expect(decide([...unlocked, permissive], req).status).toBe(403);
  });

  it('prefers the longest path prefix, so a route cannot shadow a longer one', () => {
    const objects = load();
    const shadow = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'shadow', namespace: 'tenant-beta' },
      spec: {
        parentRefs: [{ name: 'agentgateway-mesh', namespace: 'agentgateway-system', sectionName: 'mesh' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/a2a/support' } }],
            backendRefs: [{ kind: 'Service', name: 'x', port: 80 }],
          },
        ],
      },
    };
    expect(
      decide([...objects, shadow], { ...fromBeta, source: meshSource('cluster.local', 'tenant-research') }),
    ).toMatchObject({ status: 200, route: 'tenant-alpha/a2a-triage-mesh' });
    expect(decide([...objects, shadow], { ...fromBeta, path: '/a2a/support/other' })).toMatchObject({
      route: 'tenant-beta/shadow',
    });
  });
});
