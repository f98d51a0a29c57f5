/**
 * The tenant series, quota alerts and dashboard, evaluated with the PromQL engine of the
 * Prometheus release the platform runs (.tools/bin/promql-eval: github.com/prometheus/prometheus
 * v0.314.0 = v3.14.0, kube-prometheus-stack 88.5.3 values.yaml prometheus.prometheusSpec.image)
 * over series shaped as agentgateway v1.4.1 and kube-state-metrics expose them, for two tenants.
 * The dashboard's queries go through tenant alpha's prom-label-proxy as configured (pinned
 * v0.14.0), and what it sends to Prometheus is what is evaluated: nothing of beta comes back.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { metricsProxyArgs } from '../../charts/platform/constructs/tenant-metrics-proxy';
import {
  QUOTA_WARNING,
  quotaAlertRules,
  tenantDashboard,
  tenantRecordingRules,
} from '../../charts/platform/observability/tenant-metrics';
import { PROMETHEUS_MODULE_VERSION, requireTool } from '../../scripts/toolchain/tools';
import { fakePrometheus, type Proxy, startProxy, type Upstream } from './proxy-harness';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Labels = Record<string, string>;
interface Series {
  labels: Labels;
  samples: [number, number][];
}

/** Evaluates expressions at a time (seconds) over the series. */
function evaluate(
  series: readonly Series[],
  queries: readonly { expr: string; at: number }[],
): Promise<{ expr: string; result?: { labels: Labels; value: number }[]; error?: string }[]> {
  return new Promise((ok, ko) => {
    const p = spawn(requireTool('promql-eval'), [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? ok(JSON.parse(out)) : ko(new Error(`promql-eval exited ${code}: ${err}`))));
    p.stdin.end(JSON.stringify({ series, queries }));
  });
}

/** A counter growing by `perSecond` from 0 to 600 s, sampled every 30 s. */
const counter = (labels: Labels, perSecond: number): Series => ({
  labels,
  samples: Array.from({ length: 21 }, (_, i) => [i * 30, i * 30 * perSecond] as [number, number]),
});
const gauge = (labels: Labels, value: number): Series => ({
  labels,
  samples: Array.from({ length: 21 }, (_, i) => [i * 30, value] as [number, number]),
});
const AT = 600;
const GW = {
  namespace: 'agentgateway-system',
  pod: 'agentgateway-mesh-1',
  gateway: 'agentgateway-system/agentgateway-mesh',
};

/** Two tenants' traffic through the mesh gateway, their quotas and their pods; beta's numbers differ. */
function raw(): Series[] {
  const out: Series[] = [];
  for (const [t, rate, model] of [
    ['alpha', 1, 'model-a'],
    ['beta', 5, 'model-b'],
  ] as const) {
    const route = `tenant-${t}/a2a-agent-${t}-mesh`;
    out.push(
      counter(
        { __name__: 'agentgateway_requests_total', ...GW, route, status: '200', caller_namespace: `tenant-${t}` },
        rate,
      ),
    );
    out.push(
      counter(
        { __name__: 'agentgateway_requests_total', ...GW, route, status: '503', caller_namespace: `tenant-${t}` },
        rate / 10,
      ),
    );
    for (const le of ['0.1', '1', '+Inf'])
      out.push(
        counter(
          {
            __name__: 'agentgateway_request_duration_seconds_bucket',
            ...GW,
            route,
            le,
            caller_namespace: `tenant-${t}`,
          },
          le === '0.1' ? rate / 2 : rate,
        ),
      );
    // The tenant's model calls through the platform's model route: the caller label says whose.
    const llm = {
      ...GW,
      route: 'agentgateway-system/llm-default-anthropic',
      gen_ai_request_model: model,
      caller_namespace: `tenant-${t}`,
    };
    out.push(
      counter(
        { __name__: 'agentgateway_gen_ai_client_token_usage_sum', ...llm, gen_ai_token_type: 'input' },
        100 * rate,
      ),
    );
    out.push(counter({ __name__: 'agentgateway_gen_ai_client_cost_usd_total', ...llm }, 0.001 * rate));
    const ns = `tenant-${t}`;
    const quota = (resource: string, used: number, hard: number) => [
      gauge(
        { __name__: 'kube_resourcequota', namespace: ns, resourcequota: 'tenant-quota', resource, type: 'used' },
        used,
      ),
      gauge(
        { __name__: 'kube_resourcequota', namespace: ns, resourcequota: 'tenant-quota', resource, type: 'hard' },
        hard,
      ),
    ];
    out.push(
      ...quota('requests.cpu', t === 'alpha' ? 7.5 : 1, 8),
      ...quota('pods', t === 'alpha' ? 20 : 3, 20),
      ...quota('services.nodeports', 0, 0),
    );
    out.push(
      counter(
        { __name__: 'container_cpu_usage_seconds_total', namespace: ns, pod: `${t}-agent-0`, container: 'agent' },
        rate / 10,
      ),
    );
    out.push(
      gauge(
        { __name__: 'container_memory_working_set_bytes', namespace: ns, pod: `${t}-agent-0`, container: 'agent' },
        1e8 * rate,
      ),
    );
  }
  // An external-gateway request: no mesh identity, caller "unknown".
  out.push(
    counter(
      {
        __name__: 'agentgateway_gen_ai_client_cost_usd_total',
        ...GW,
        route: 'agentgateway-system/llm-default-anthropic',
        gen_ai_request_model: 'model-x',
        caller_namespace: 'unknown',
      },
      1,
    ),
  );
  return out;
}

/** The recorded series, as Prometheus would hold them after evaluating the rules every 30 s. */
async function recorded(series: readonly Series[]): Promise<Series[]> {
  const rules = tenantRecordingRules();
  const times = Array.from({ length: 11 }, (_, i) => 300 + i * 30);
  const results = await evaluate(
    series,
    rules.flatMap((r) => times.map((at) => ({ expr: r.expr, at }))),
  );
  const out = new Map<string, Series>();
  results.forEach((res, i) => {
    const rule = rules[Math.floor(i / times.length)];
    expect(res.error, rule.record).toBeUndefined();
    for (const s of res.result!) {
      const labels = { __name__: rule.record, ...s.labels };
      const key = JSON.stringify(labels);
      if (!out.has(key)) out.set(key, { labels, samples: [] });
      out.get(key)!.samples.push([times[i % times.length], s.value]);
    }
  });
  return [...out.values()];
}

describe('tenant series, alerts and dashboard, evaluated by the pinned Prometheus engine', () => {
  let all: Series[];
  beforeAll(async () => {
    const base = raw();
    all = [...base, ...(await recorded(base))];
  });

  it('evaluates with the Prometheus release kube-prometheus-stack runs', () => {
    const values = fs.readFileSync(
      path.join(__dirname, '..', '..', '..', 'shared', 'charts', 'kube-prometheus-stack-88.5.3', 'values.yaml'),
      'utf8',
    );
    const tag = (parse(values) as Json).prometheus.prometheusSpec.image.tag as string;
    // Prometheus v3.<minor>.<patch> is published as the Go module version v0.3<minor, two digits>.<patch>.
    expect(tag).toBe('v3.14.0-distroless');
    expect(PROMETHEUS_MODULE_VERSION).toBe('v0.314.0');
  });

  it("records each tenant's gateway series under its own namespace: by route owner, and by caller; nothing of the platform's own or an unknown caller", () => {
    const rec = all.filter((s) => s.labels.__name__.startsWith('tenant:'));
    const by = (name: string) =>
      rec
        .filter((s) => s.labels.__name__ === name)
        .map((s) => `${s.labels.namespace} ${s.labels.route ?? s.labels.gen_ai_request_model}`)
        .sort();
    expect(by('tenant:agentgateway_requests:rate5m')).toEqual([
      'tenant-alpha tenant-alpha/a2a-agent-alpha-mesh',
      'tenant-alpha tenant-alpha/a2a-agent-alpha-mesh',
      'tenant-beta tenant-beta/a2a-agent-beta-mesh',
      'tenant-beta tenant-beta/a2a-agent-beta-mesh',
    ]);
    expect(by('tenant:agentgateway_gen_ai_client_cost_usd:rate5m')).toEqual([
      'tenant-alpha model-a',
      'tenant-beta model-b',
    ]);
    expect(by('tenant:agentgateway_gen_ai_client_token_usage_sum:rate5m')).toEqual([
      'tenant-alpha model-a',
      'tenant-beta model-b',
    ]);
    expect(rec.every((s) => /^tenant-(alpha|beta)$/.test(s.labels.namespace))).toBe(true);
  });

  it('warns at 90% of a quota and again at 100%, per tenant, never for a quota of 0', async () => {
    const fired = async (tenant: string) => {
      const rules = quotaAlertRules(tenant);
      const res = await evaluate(
        all,
        rules.map((r) => ({ expr: r.expr as string, at: AT })),
      );
      return Object.fromEntries(
        rules.map((r, i) => [r.alert, res[i].result!.map((s) => `${s.labels.namespace} ${s.labels.resource}`).sort()]),
      );
    };
    expect(QUOTA_WARNING).toBe(0.9);
    expect(await fired('alpha')).toEqual({
      TenantQuotaNearlyUsed: ['tenant-alpha pods', 'tenant-alpha requests.cpu'],
      TenantQuotaExhausted: ['tenant-alpha pods'],
    });
    expect(await fired('beta')).toEqual({ TenantQuotaNearlyUsed: [], TenantQuotaExhausted: [] });
  });

  describe('the dashboard of tenant alpha, through its datasource', () => {
    let upstream: Upstream;
    let proxy: Proxy;
    beforeAll(async () => {
      upstream = await fakePrometheus();
      proxy = await startProxy(metricsProxyArgs('alpha'), upstream.url);
    }, 30_000);
    afterAll(async () => {
      await proxy?.stop();
      await upstream?.close();
    });

    it("shows every panel with alpha's data and nothing of beta's", async () => {
      const panels = (tenantDashboard('alpha') as Json).panels as Json[];
      for (const p of panels) {
        const r = await fetch(`${proxy.url}/api/v1/query?query=${encodeURIComponent(p.targets[0].expr)}&time=${AT}`);
        expect(r.status, p.title).toBe(200);
      }
      // What reached Prometheus: each panel's query as the proxy rewrote it.
      const rewritten = upstream.seen.map((q) => q.params.find(([k]) => k === 'query')![1]);
      expect(rewritten).toHaveLength(panels.length);
      const results = await evaluate(
        all,
        rewritten.map((expr) => ({ expr, at: AT })),
      );
      results.forEach((res, i) => {
        const title = panels[i].title;
        expect(res.error, title).toBeUndefined();
        expect(res.result!.length, `${title} shows data`).toBeGreaterThan(0);
        const text = JSON.stringify(res.result);
        expect(text, title).not.toMatch(/beta|model-b/);
      });
      // Without the proxy, the same panel would show beta too.
      const [direct] = await evaluate(all, [{ expr: panels[0].targets[0].expr, at: AT }]);
      expect(JSON.stringify(direct.result)).toContain('tenant-beta');
    });
  });
});
