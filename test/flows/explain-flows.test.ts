/** `npm run explain` shows the tenant's flows as the flow gate decides them, and its problems. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainTenant, type RouteTable } from '../../scripts/explain/explain';
import { readIntent } from '../../scripts/flows/gate';
import { flowMatrix } from '../../scripts/flows/matrix';
import { readOutput } from '../../scripts/kube/manifests';

const ROOT = path.resolve(__dirname, '..', '..');
const dev = readOutput(ROOT).environments.find((e) => e.name === 'dev')!;
const intent = readIntent(ROOT);
const routes = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'dev', 'routes.json'), 'utf8')) as RouteTable;

const lines = (objects: Record<string, any>[], tenant: string) =>
  explainTenant({
    tenant,
    env: 'dev',
    objects,
    routes,
    flows: flowMatrix(
      { ...dev, manifests: objects.map((object) => ({ file: 'x', env: 'dev', object })) },
      intent,
      tenant,
    ),
  });

describe('explain: the flows of a tenant', () => {
  it('lists what is allowed by kind and which layers refuse the rest', () => {
    const out = lines(
      dev.manifests.map((m) => m.object),
      'research',
    );
    const allowed = out.find((l) => l.trimStart().startsWith('allowed'))!;
    for (const kind of ['own model', 'cluster DNS', "kagent's agent API", 'alpha allows research (allowCallsFrom)'])
      expect(allowed).toContain(kind);
    const refused = out.find((l) => l.trimStart().startsWith('refused'))!;
    expect(refused).toMatch(/another tenant, addressed directly: network\+waypoint \(\d+\)/);
    expect(refused).toMatch(/a platform component tenants do not call: network \(\d+\)/);
    expect(out).toContain('  checked by the flow gate: no problem');
  });

  it('names the failing flows of the tenant (a planted NetworkPolicy without DNS)', () => {
    const objects = dev.manifests
      .map((m) => m.object)
      .filter(
        (o) =>
          !(
            o.kind === 'NetworkPolicy' &&
            o.metadata.namespace === 'tenant-research' &&
            o.metadata.name === 'allow-dns'
          ),
      );
    const out = lines(objects, 'research');
    expect(out).toContain(
      '  checked by the flow gate: 4 problems (npm run validate -- --only flows prints every layer)',
    );
    expect(out).toContain(
      '    tenant-research/Agent analyst → kube-system/coredns:53 (cluster DNS): expected allowed, got denied by network',
    );
    // The router resolves <X-Sandbox-ID>.<namespace>.svc by DNS (sandbox-router proxy/resolve.go).
    expect(out).toContain(
      '    tenant-research/SandboxRouter sandbox-router → kube-system/coredns:53 (cluster DNS): expected allowed, got denied by network',
    );
  });
});
