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
import { spawn, type ChildProcess, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { metricsProxyArgs } from '../../charts/platform/constructs/tenant-metrics-proxy';
import { tenantDashboard } from '../../charts/platform/observability/tenant-metrics';
import { PROM_LABEL_PROXY_VERSION, requireTool } from '../../scripts/tools';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Upstream {
  readonly url: string;
  /** Requests that reached Prometheus: path and every query or form parameter. */
  readonly seen: { path: string; params: [string, string][] }[];
  close(): Promise<void>;
}

/** Prometheus as far as the proxy can tell: it records each request and answers an empty result. */
async function fakePrometheus(): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://prometheus');
      seen.push({ path: url.pathname, params: [...url.searchParams, ...new URLSearchParams(body)] });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((ok) => server.close(() => ok())) };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

interface Proxy {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the pinned prom-label-proxy with `args`, its listen address and upstream replaced by the test's. */
async function startProxy(args: readonly string[], upstream: string): Promise<Proxy> {
  const port = await freePort();
  const adapted = args.map((a) => (a.startsWith('-insecure-listen-address=') ? `-insecure-listen-address=127.0.0.1:${port}` : a.startsWith('-upstream=') ? `-upstream=${upstream}` : a));
  const proc: ChildProcess = spawn(requireTool('prom-label-proxy'), adapted, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr?.on('data', (d) => (log += d));
  const exited = new Promise((ok) => proc.on('exit', ok));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (proc.exitCode !== null || i > 100) throw new Error(`prom-label-proxy did not start: ${log}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return {
    url,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Every vector selector's matchers of a PromQL expression as prom-label-proxy prints it (parser.Expr.String()). */
function selectors(expr: string): string[] {
  return [...expr.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
}

describe('a tenant\'s metrics proxy, run as the platform configures it', () => {
  let prometheus: Upstream;
  let proxy: Proxy;
  const get = (p: string, init?: RequestInit) => fetch(`${proxy.url}${p}`, init);
  const lastQuery = () => prometheus.seen.at(-1)!.params.filter(([k]) => k === 'query' || k === 'match[]').map(([, v]) => v);

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
      expect(e.platform.images.promLabelProxy, e.name).toEqual({ registry: 'quay.io', repository: 'prometheuscommunity/prom-label-proxy', tag: PROM_LABEL_PROXY_VERSION });
    }
  });

  it('adds namespace="tenant-alpha" to every selector of a query, GET or POST', async () => {
    expect((await get(`/api/v1/query?query=${encodeURIComponent('sum(rate(agentgateway_requests_total[5m])) / on() group_left count(up)')}`)).status).toBe(200);
    const [q] = lastQuery();
    expect(selectors(q).length).toBe(2);
    for (const s of selectors(q)) expect(s).toContain('namespace="tenant-alpha"');
    const post = await get('/api/v1/query_range', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query: 'kube_pod_info', start: '1', end: '2', step: '1' }) });
    expect(post.status).toBe(200);
    expect(lastQuery()).toEqual(['kube_pod_info{namespace="tenant-alpha"}']);
  });

  it('refuses a selector of another namespace, or of every namespace but its own, before Prometheus sees it', async () => {
    const before = prometheus.seen.length;
    for (const q of ['up{namespace="tenant-beta"}', 'sum(x{namespace!="tenant-alpha"})', 'x{namespace=~"tenant-b.*"}', 'x{namespace!~"tenant-a.+"}']) {
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
    await get('/api/v1/query', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=up&namespace=tenant-beta&namespace=tenant-alpha' });
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
    for (const p of ['/api/v1/status/config', '/api/v1/targets', '/api/v1/status/tsdb', '/api/v1/admin/tsdb/snapshot', '/api/v1/metadata', '/graph']) {
      expect((await get(p, { method: p.includes('admin') ? 'POST' : 'GET' })).status, p).toBe(404);
    }
    expect(prometheus.seen.length).toBe(before);
  });

  it('answers every panel of the tenant dashboard, each with the tenant\'s namespace on every selector', async () => {
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
      expect(prometheus.seen.at(-1)!.params.find(([k]) => k === 'query')?.[1]).toBe('up{namespace=~"tenant-alpha|tenant-beta"}');
    } finally {
      await proxy.stop();
      await prometheus.close();
    }
  }, 30_000);
});
