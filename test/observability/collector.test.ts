/**
 * The committed collector configuration (dist/dev/platform/otel-collector/), run by the pinned
 * collector against pods of three tenants, a gateway and kagent's controller: which Langfuse
 * project (which key) each span reaches, with which attributes. What it relies on, at
 * opentelemetry-collector-contrib v0.145.0:
 *
 * - connector/routingconnector/traces.go ConsumeTraces: the table is tried in order; a resource
 *   whose condition holds is moved to that route's pipelines (action move, router.go
 *   registerRouteConsumers; copy copies it and keeps trying); what no route took goes to
 *   default_pipelines, or nowhere.
 * - processor/k8sattributesprocessor/pod_association.go extractPodID: with pod_association
 *   `from: connection` only, the pod is the one whose IP is the connection's source address
 *   (client.Info.Addr, set by the OTLP receiver's HTTP and gRPC servers); without an association
 *   list the k8s.pod.ip resource attribute would win over the connection (extractPodIDNoAssociations).
 * - processor/k8sattributesprocessor/processor.go setResourceAttribute: an attribute that is
 *   already set is never overwritten, and getNamespace falls back to the sender's
 *   k8s.namespace.name when no pod matches; so the sender's k8s.* and tenant attributes are
 *   deleted before k8sattributes runs (transform/untrusted).
 * - processor/filterprocessor/telemetry.go: every span filter/unattributed drops is counted in
 *   otelcol_processor_filter_spans.filtered{filter="filter/unattributed"}.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEnvironments } from '../../charts/config/environment';
import { LABELS, OBSERVABILITY } from '../../charts/lib/constants';
import { collectorConfig, tenantAuthEnv, PLATFORM_AUTH_ENV } from '../../charts/platform/constructs/otel-collector';
import { OTELCOL_VERSION, requireTool } from '../../scripts/toolchain/tools';
import { byKey, type CollectorRun, type FakeNamespace, type FakePod, runCollector } from './collector-harness';
import { freePort } from './net';

const ROOT = path.resolve(__dirname, '..', '..');
type Json = any;

/** The configuration as the dev environment ships it. */
function shippedConfig(): Json {
  const cm = parse(
    fs.readFileSync(path.join(ROOT, 'dist/dev/platform/otel-collector/configmap-otel-collector.yaml'), 'utf8'),
  );
  return parse(cm.data['config.yaml']);
}

const TENANTS = ['alpha', 'beta', 'research'];
const POD = {
  alpha: '127.0.0.2',
  beta: '127.0.0.3',
  research: '127.0.0.5',
  gateway: '127.0.0.4',
  kagent: '127.0.0.6',
  stranger: '127.0.0.9',
} as const;

const pods: FakePod[] = [
  {
    name: 'triage-7d9f',
    namespace: 'tenant-alpha',
    ip: POD.alpha,
    labels: { [OBSERVABILITY.agentLabel]: 'triage', [OBSERVABILITY.modelLabel]: 'default-model-config' },
  },
  { name: 'planner-5c2a', namespace: 'tenant-beta', ip: POD.beta, labels: { [OBSERVABILITY.agentLabel]: 'planner' } },
  {
    name: 'analyst-1b3c',
    namespace: 'tenant-research',
    ip: POD.research,
    labels: { [OBSERVABILITY.agentLabel]: 'analyst' },
  },
  { name: 'agentgateway-mesh-6f7b', namespace: 'agentgateway-system', ip: POD.gateway },
  { name: 'kagent-controller-0', namespace: 'kagent-system', ip: POD.kagent },
];
const namespaces: FakeNamespace[] = [
  ...TENANTS.map((t) => ({ name: `tenant-${t}`, labels: { [LABELS.tenant]: 'true', [LABELS.tenantName]: t } })),
  { name: 'agentgateway-system', labels: {} },
  { name: 'kagent-system', labels: {} },
];
const KEY = {
  platform: 'Basic platform-key',
  alpha: 'Basic alpha-key',
  beta: 'Basic beta-key',
  research: 'Basic research-key',
} as const;
const env = {
  [PLATFORM_AUTH_ENV]: KEY.platform,
  ...Object.fromEntries(TENANTS.map((t) => [tenantAuthEnv(t), KEY[t as keyof typeof KEY]])),
};

/** Names of the spans each project received, sorted. */
function projects(run: CollectorRun): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, spans] of byKey(run.exports))
    out[Object.entries(KEY).find(([, v]) => v === key)?.[0] ?? `unknown key ${key}`] = spans.map((s) => s.name).sort();
  return out;
}

const spanOf = (run: CollectorRun, key: string, name: string) =>
  byKey(run.exports)
    .get(key)
    ?.find((s) => s.name === name);

describe('the collector configuration, run by the pinned collector', () => {
  let run: CollectorRun;
  beforeAll(async () => {
    run = await runCollector(shippedConfig(), pods, namespaces, env);
    const sends: [string, Parameters<CollectorRun['send']>[1]][] = [
      [POD.alpha, { name: 'alpha: own span', resource: { 'service.name': 'triage' } }],
      // Everything a sender could claim about itself, claiming beta.
      [
        POD.alpha,
        {
          name: 'alpha: forged as beta',
          resource: {
            'service.name': 'triage',
            tenant: 'beta',
            'k8s.namespace.name': 'tenant-beta',
            'k8s.pod.ip': POD.beta,
            ip: POD.beta,
            'k8s.pod.name': 'planner-5c2a',
            agent: 'planner',
            model: 'gpt',
          },
        },
      ],
      // Span attributes that make a gateway span go to a tenant, from a tenant pod: ignored.
      [
        POD.alpha,
        {
          name: 'alpha: forged gateway attributes',
          attributes: { route: 'tenant-beta/a2a-planner', [OBSERVABILITY.callerAttribute]: 'tenant-beta' },
        },
      ],
      [POD.beta, { name: 'beta: own span', resource: { 'service.name': 'planner' } }],
      // A request research made to alpha's agent, through the mesh gateway.
      [
        POD.gateway,
        {
          name: 'gateway: research calls alpha',
          attributes: { route: 'tenant-alpha/a2a-triage-mesh', [OBSERVABILITY.callerAttribute]: 'tenant-research' },
        },
      ],
      // beta's call of the platform's model route.
      [
        POD.gateway,
        {
          name: 'gateway: beta calls the platform model',
          attributes: {
            route: 'agentgateway-system/llm-default-anthropic',
            [OBSERVABILITY.callerAttribute]: 'tenant-beta',
          },
        },
      ],
      [POD.kagent, { name: 'kagent: controller', resource: { 'service.name': 'kagent' } }],
      // No pod has this address: nobody's span, whatever it says.
      [
        POD.stranger,
        { name: 'stranger: claims alpha', resource: { tenant: 'alpha', 'k8s.namespace.name': 'tenant-alpha' } },
      ],
    ];
    for (const [from, span] of sends) expect(await run.send(from, span)).toBe(200);
    await run.waitForSpans(9);
  }, 60_000);
  afterAll(async () => run?.stop());

  it('runs the release the environments run', () => {
    const out = spawnSync(requireTool('otelcol'), ['--version'], { encoding: 'utf8' }).stdout;
    expect(out.trim()).toBe(`otelcol version ${OTELCOL_VERSION.slice(1)}`);
    for (const e of loadEnvironments(path.join(ROOT, 'charts', 'environments')))
      expect(e.platform.images.otelCollector, e.name).toMatchObject({
        repository: 'otel/opentelemetry-collector-contrib',
        tag: OTELCOL_VERSION.slice(1),
      });
  });

  it("sends a pod's spans to its tenant's project only, forged attributes or not; gateway spans to the platform and to the owner and the caller", () => {
    expect(projects(run)).toEqual({
      alpha: [
        'alpha: forged as beta',
        'alpha: forged gateway attributes',
        'alpha: own span',
        'gateway: research calls alpha',
      ],
      beta: ['beta: own span', 'gateway: beta calls the platform model'],
      research: ['gateway: research calls alpha'],
      platform: ['gateway: beta calls the platform model', 'gateway: research calls alpha', 'kagent: controller'],
    });
  });

  it('names tenant, agent and model from the sending pod and its namespace, never from the span', () => {
    const forged = spanOf(run, KEY.alpha, 'alpha: forged as beta')!;
    expect(forged.resource).toMatchObject({
      tenant: 'alpha',
      'k8s.namespace.name': 'tenant-alpha',
      'k8s.pod.name': 'triage-7d9f',
      agent: 'triage',
      model: 'default-model-config',
    });
    expect(forged.resource['k8s.pod.ip']).toBeUndefined();
    expect(spanOf(run, KEY.beta, 'beta: own span')!.resource).toMatchObject({ tenant: 'beta', agent: 'planner' });
    expect(spanOf(run, KEY.beta, 'beta: own span')!.resource.model).toBeUndefined();
  });

  it('drops a span of no known pod and counts it', async () => {
    expect(JSON.stringify(run.exports)).not.toContain('stranger');
    const metrics = await run.metrics();
    expect(metrics).toMatch(/^otelcol_processor_filter_spans_filtered_total\{filter="filter\/unattributed"[^}]*\} 1$/m);
  });
});

describe('planted faults: the same spans with a weakened configuration', () => {
  const forged = {
    name: 'forged',
    resource: { tenant: 'beta', 'k8s.namespace.name': 'tenant-beta', 'k8s.pod.ip': POD.beta },
  };

  it("without the removal of the sender's attributes, a forged namespace reaches the other tenant (k8sattributes keeps set attributes)", async () => {
    const c = shippedConfig();
    c.service.pipelines['traces/in'].processors = c.service.pipelines['traces/in'].processors.filter(
      (p: string) => p !== 'transform/untrusted',
    );
    const r = await runCollector(c, pods, namespaces, env);
    try {
      await r.send(POD.alpha, forged);
      await r.waitForSpans(1);
      expect(projects(r)).toEqual({ beta: ['forged'] });
    } finally {
      await r.stop();
    }
  }, 60_000);

  it("with no pod_association, the sender's `ip` attribute picks the pod (extractPodIDNoAssociations reads k8s.pod.ip, then ip, then the connection)", async () => {
    const c = shippedConfig();
    delete c.processors.k8sattributes.pod_association;
    const r = await runCollector(c, pods, namespaces, env);
    try {
      await r.send(POD.alpha, { name: 'forged', resource: { ip: POD.beta } });
      await r.waitForSpans(1);
      expect(projects(r)).toEqual({ beta: ['forged'] });
    } finally {
      await r.stop();
    }
  }, 60_000);

  it('without default_pipelines, a span of no known pod is dropped uncounted', async () => {
    const c = shippedConfig();
    delete c.connectors['routing/namespace'].default_pipelines;
    delete c.service.pipelines['traces/unattributed'];
    delete c.processors['filter/unattributed'];
    const r = await runCollector(c, pods, namespaces, env);
    try {
      await r.send(POD.stranger, forged);
      await r.waitForSpans(1, 6000);
      expect(r.exports).toEqual([]);
      expect(await r.metrics()).not.toContain('otelcol_processor_filter_spans_filtered_total');
    } finally {
      await r.stop();
    }
  }, 60_000);
});

describe('the harness', () => {
  it('starts again on new ports when a port it picked is taken before the collector binds it', async () => {
    // What a parallel test does between freePort() and the collector's bind.
    const holder = net.createServer();
    await new Promise<void>((ok) => holder.listen(0, '0.0.0.0', ok));
    const held = (holder.address() as net.AddressInfo).port;
    let picks = 0;
    const pickPort = () => (picks++ === 1 ? Promise.resolve(held) : freePort());
    try {
      const r = await runCollector(shippedConfig(), pods, namespaces, env, pickPort);
      await r.stop();
      // Four ports an attempt: the first attempt holds the taken port; another test's process may
      // take a port of a later attempt too, which is what the harness starts again for.
      expect(picks).toBeGreaterThanOrEqual(8);
      expect(picks % 4).toBe(0);
      expect(r.config.receivers.otlp.protocols.http.endpoint).not.toBe(`0.0.0.0:${held}`);
    } finally {
      await new Promise((ok) => holder.close(ok));
    }
  }, 60_000);
});

describe('collectorConfig', () => {
  it('routes each tenant by its namespace, once, before the platform namespaces', () => {
    const table = collectorConfig(['beta', 'alpha'])['connectors'] as Json;
    expect(table['routing/namespace'].table.map((r: Json) => r.condition)).toEqual([
      'attributes["k8s.namespace.name"] == "tenant-alpha"',
      'attributes["k8s.namespace.name"] == "tenant-beta"',
      'attributes["k8s.namespace.name"] == "agentgateway-system"',
      'attributes["k8s.namespace.name"] == "kagent-system"',
    ]);
    // router.go registerRouteConsumers: a repeated statement keeps the first route's pipelines.
    const all = [...table['routing/namespace'].table, ...table['routing/gateway'].table].map(
      (r: Json) => `${r.context ?? 'resource'} ${r.condition}`,
    );
    expect(new Set(all).size).toBe(all.length);
  });

  it('with no tenant, has no gateway router (an empty routing table is invalid: config.go errNoTableItems)', () => {
    const c = collectorConfig([]) as Json;
    expect(Object.keys(c.connectors)).toEqual(['routing/namespace']);
    expect(c.service.pipelines['traces/gateway']).toBeUndefined();
  });
});
