/**
 * Remembered route tables (charts/synth/route-memo.ts): a run computes the routes only of tenants
 * whose entry changed, and renders the table only when a route, the platform's own routes or the
 * environment changed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTenants, type Tenant } from '../../charts/config/load-tenants';
import { type RouteEntry, tenantRoutes } from '../../charts/config/routes';
import { RouteTableMemo } from '../../charts/synth/route-memo';
import { contentOf, type RouteTableFiles, type SharedContent } from '../../charts/synth/synthesize';
import { contentDigest } from '../../charts/synth/units';

const ROOT = path.resolve(__dirname, '..', '..');
const TENANTS = loadTenants(fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8'));

describe('RouteTableMemo', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
  });

  /** One synth run's use of the memo: how many tenants' routes were computed, whether the table was rendered. */
  function run(root: string, tenants: readonly Tenant[], envKey = 'env-1', own: RouteEntry[] = []) {
    const memo = new RouteTableMemo(root);
    let routed = 0;
    let rendered = 0;
    const render = (): RouteTableFiles => {
      rendered++;
      const all = tenants.flatMap((t) => tenantRoutes(t)).map((r) => r.path);
      return { md: `${all.join('\n')}\n`, json: `${JSON.stringify(all)}\n` };
    };
    const files = memo.forEnvironment('dev', envKey)(
      {
        tenants,
        own: () => own,
        routes: (t) => {
          routed++;
          return tenantRoutes(t);
        },
      },
      render,
    );
    memo.save();
    return { routed, rendered, files, render };
  }

  const digestOf = (c: SharedContent) => (typeof c === 'string' ? contentDigest(c) : c.digest);

  it('computes the routes of changed tenants only, and renders only when a route changed', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'route-memo-'));
    roots.push(root);
    const first = run(root, TENANTS);
    expect([first.routed, first.rendered]).toEqual([TENANTS.length, 1]);

    // Nothing changed: no tenant's routes, no render; the files are known by their digests.
    const again = run(root, TENANTS);
    expect([again.routed, again.rendered]).toEqual([0, 0]);
    expect(digestOf(again.files.md)).toBe(digestOf(first.files.md));
    expect(contentOf(again.files.json)).toBe(contentOf(first.files.json));

    // A display name is no route: that tenant's routes are computed, the table is not rendered.
    const renamed = TENANTS.map((t, i) => (i === 1 ? { ...t, displayName: 'Renamed' } : t));
    const display = run(root, renamed);
    expect([display.routed, display.rendered]).toEqual([1, 0]);
    // A few such tenants are not written back (STALE_ENTRIES): their routes are computed again.
    const display2 = run(root, renamed);
    expect([display2.routed, display2.rendered]).toEqual([1, 0]);

    // A route changed: the table is rendered, with new digests.
    const fewer = renamed.map((t, i) =>
      i === 1 ? { ...t, workloads: { ...t.workloads, sandboxes: [], sandboxRouter: undefined } } : t,
    );
    const routes = run(root, fewer);
    expect(tenantRoutes(fewer[1])).not.toEqual(tenantRoutes(renamed[1]));
    expect([routes.routed, routes.rendered]).toEqual([1, 1]);
    expect(digestOf(routes.files.md)).not.toBe(digestOf(first.files.md));

    // A new environment key: every tenant's routes again.
    const env = run(root, fewer, 'env-2');
    expect([env.routed, env.rendered]).toEqual([fewer.length, 1]);
  });
});
