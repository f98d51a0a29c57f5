/**
 * A tenant's Grafana datasource is its prom-label-proxy. This runs the pinned prom-label-proxy
 * (.tools/bin/prom-label-proxy, v0.14.0) with the arguments the platform gives it, in front of a
 * fake Prometheus that records what reaches it, and sends what a Grafana user of tenant alpha
 * could send. What it relies on, at prometheus-community/prom-label-proxy v0.14.0:
 *
 * - main.go: -label-value is a static value (StaticLabelEnforcer, injectproxy/routes.go): nothing
 *   in the request names the value; -query-param and -header-name would take every value the
 *   request carries ("the union of values", README).
 * - injectproxy/enforce.go EnforceMatchers: every vector selector gets the enforced matcher; with
 *   -error-on-replace a matcher on the label that contradicts it is refused with 400
 *   (ErrIllegalLabelMatcher), one that can match it is kept beside it.
 * - injectproxy/routes.go NewRoutes: only the enforced Prometheus endpoints (and, with
 *   -enable-label-apis, the label endpoints) are routed; any other path gets 404 and never
 *   reaches Prometheus.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { metricsProxyArgs } from '../../charts/platform/constructs/tenant-metrics-proxy';
import { tenantDashboard } from '../../charts/platform/observability/tenant-metrics';
import { PROM_LABEL_PROXY_VERSION, requireTool } from '../../scripts/toolchain/tools';
import { fakePrometheus, type Proxy, startProxy, type Upstream } from './proxy-harness';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every vector selector's matchers of a PromQL expression as prom-label-proxy prints it (parser.Expr.String()). */
function selectors(expr: string): string[] {
  return [...expr.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
}

describe("a tenant's metrics proxy, run as the platform configures it", () => {
  let prometheus: Upstream;
  let proxy: Proxy;
  const get = (p: string, init?: RequestInit) => fetch(`${proxy.url}${p}`, init);
  const lastQuery = () =>
    prometheus.seen
      .at(-1)!
      .params.filter(([k]) => k === 'query' || k === 'match[]')
      .map(([, v]) => v);

  beforeAll(async () => {
    prometheus = await fakePrometheus();
    proxy = await startProxy(metricsProxyArgs('alpha'), prometheus.url);
  }, 30_000);
  afterAll(async () => {
    await proxy?.stop();
    await prometheus?.close();
  });

  it('is the release the environments run', () => {
    const out = spawnSync(requireTool('prom-label-proxy'), ['-h'], { encoding: 'utf8' });
    expect(out.stderr).toContain('-label-value');
    for (const e of loadEnvironments(path.resolve(__dirname, '..', '..', 'charts', 'environments'))) {
      expect(e.platform.images.promLabelProxy, e.name).toEqual({
        registry: 'quay.io',
        repository: 'prometheuscommunity/prom-label-proxy',
        tag: PROM_LABEL_PROXY_VERSION,
      });
    }
  });

  it('adds namespace="tenant-alpha" to every selector of a query, GET or POST', async () => {
    expect(
      (
        await get(
          `/api/v1/query?query=${encodeURIComponent('sum(rate(agentgateway_requests_total[5m])) / on() group_left count(up)')}`,
        )
      ).status,
    ).toBe(200);
    const [q] = lastQuery();
    expect(selectors(q).length).toBe(2);
    for (const s of selectors(q)) expect(s).toContain('namespace="tenant-alpha"');
    const post = await get('/api/v1/query_range', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: 'kube_pod_info', start: '1', end: '2', step: '1' }),
    });
    expect(post.status).toBe(200);
    expect(lastQuery()).toEqual(['kube_pod_info{namespace="tenant-alpha"}']);
  });

  it('refuses a selector of another namespace, or of every namespace but its own, before Prometheus sees it', async () => {
    const before = prometheus.seen.length;
    for (const q of [
      'up{namespace="tenant-beta"}',
      'sum(x{namespace!="tenant-alpha"})',
      'x{namespace=~"tenant-b.*"}',
      'x{namespace!~"tenant-a.+"}',
    ]) {
      const r = await get(`/api/v1/query?query=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(400);
      expect(await r.text(), q).toContain('conflicts with injected matcher');
    }
    expect(prometheus.seen.length).toBe(before);
  });

  it('replaces a matcher that can also match its own namespace by the enforced one', async () => {
    await get(`/api/v1/query?query=${encodeURIComponent('x{namespace=~".+"}')}`);
    expect(lastQuery()).toEqual(['x{namespace="tenant-alpha"}']);
  });

  it('takes no value from the request: a namespace parameter or header changes nothing', async () => {
    await get(`/api/v1/query?query=up&namespace=tenant-beta`, { headers: { 'X-Namespace': 'tenant-beta' } });
    expect(lastQuery()).toEqual(['up{namespace="tenant-alpha"}']);
    await get('/api/v1/query', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=up&namespace=tenant-beta&namespace=tenant-alpha',
    });
    expect(lastQuery()).toEqual(['up{namespace="tenant-alpha"}']);
  });

  // For series and the label APIs the enforced matcher is appended to each match[] selector
  // (routes.go injectMatcher), without the conflict check: a selector that names another namespace
  // then carries both values, and a series has one value per label, so it selects nothing.
  it('enforces series, labels and label values too', async () => {
    await get(`/api/v1/series?match[]=${encodeURIComponent('up')}`);
    expect(lastQuery()).toEqual(['{__name__="up",namespace="tenant-alpha"}']);
    await get(`/api/v1/series?match[]=${encodeURIComponent('up{namespace="tenant-beta"}')}`);
    expect(lastQuery()).toEqual(['{namespace="tenant-beta",__name__="up",namespace="tenant-alpha"}']);
    await get('/api/v1/labels');
    expect(lastQuery()).toEqual(['{namespace="tenant-alpha"}']);
    await get('/api/v1/label/__name__/values');
    expect(lastQuery()).toEqual(['{namespace="tenant-alpha"}']);
  });

  it('does not pass any other Prometheus endpoint', async () => {
    const before = prometheus.seen.length;
    for (const p of [
      '/api/v1/status/config',
      '/api/v1/targets',
      '/api/v1/status/tsdb',
      '/api/v1/admin/tsdb/snapshot',
      '/api/v1/metadata',
      '/graph',
    ]) {
      expect((await get(p, { method: p.includes('admin') ? 'POST' : 'GET' })).status, p).toBe(404);
    }
    expect(prometheus.seen.length).toBe(before);
  });

  it("answers every panel of the tenant dashboard, each with the tenant's namespace on every selector", async () => {
    const panels = (tenantDashboard('alpha') as Json).panels as Json[];
    for (const p of panels) {
      const expr = p.targets[0].expr as string;
      const r = await get(`/api/v1/query_range?query=${encodeURIComponent(expr)}&start=1&end=2&step=1`);
      expect(r.status, `${p.title}: ${await r.clone().text()}`).toBe(200);
      const sent = lastQuery()[0];
      expect(selectors(sent).length, p.title).toBeGreaterThan(0);
      for (const s of selectors(sent)) expect(s, `${p.title}: ${sent}`).toContain('namespace="tenant-alpha"');
    }
  });
});

describe('planted fault: the tenant taken from the request', () => {
  it('with -query-param instead of -label-value, a user adds another namespace and reads it', async () => {
    const prometheus = await fakePrometheus();
    const args = metricsProxyArgs('alpha').map((a) => (a.startsWith('-label-value=') ? '-query-param=namespace' : a));
    const proxy = await startProxy(args, prometheus.url);
    try {
      await fetch(`${proxy.url}/api/v1/query?query=up&namespace=tenant-alpha&namespace=tenant-beta`);
      expect(prometheus.seen.at(-1)!.params.find(([k]) => k === 'query')?.[1]).toBe(
        'up{namespace=~"tenant-alpha|tenant-beta"}',
      );
    } finally {
      await proxy.stop();
      await prometheus.close();
    }
  }, 30_000);
});
