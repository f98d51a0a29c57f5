/**
 * Runs the platform's collector configuration with the pinned collector (.tools/bin/otelcol, built
 * by `npm run tools` from tools/otelcol at the otelcol-contrib release of images.otelCollector),
 * against a fake Kubernetes API that serves pods and namespaces (what k8sattributes watches) and a
 * fake Langfuse that records every export with its Authorization header. Spans are sent over
 * OTLP/HTTP from loopback addresses, each the IP of one pod of the fake API, so the collector sees
 * each sender's address as it sees a pod's in the cluster (ztunnel delivers inbound traffic with
 * the original source address: istio/ztunnel 1.30.3 src/proxy/inbound.rs enable_original_source).
 *
 * What the test changes in the configuration, and nothing else: k8sattributes' auth_type (a
 * kubeconfig for the fake API instead of the in-cluster service account), the exporters' endpoint
 * (the fake Langfuse) and encoding (JSON, to read the spans back), and the listen addresses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { stringify } from 'yaml';
import { requireTool } from '../../scripts/toolchain/tools';
import { freePort } from './net';

export interface FakePod {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
  readonly labels?: Record<string, string>;
}

export interface FakeNamespace {
  readonly name: string;
  readonly labels: Record<string, string>;
}

/** One export the fake Langfuse received: the key it came with and the spans, flattened. */
export interface Export {
  readonly authorization: string | undefined;
  readonly spans: readonly ExportedSpan[];
}

export interface ExportedSpan {
  readonly name: string;
  readonly resource: Record<string, string>;
  readonly attributes: Record<string, string>;
}

type Json = any;

const kv = (list: readonly Json[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((a: Json) => [a.key, a.value?.stringValue ?? JSON.stringify(a.value)]));

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return (server.address() as AddressInfo).port;
}

/** The Kubernetes API as client-go's informers use it for two resources: list, then a watch that stays open. */
function fakeKubeApi(pods: readonly FakePod[], namespaces: readonly FakeNamespace[], watches: string[]): http.Server {
  const pod = (p: FakePod, i: number) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, uid: `pod-${i}`, resourceVersion: '1', labels: p.labels ?? {} },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'example.test/app:1' }] },
    status: { phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }], startTime: '2026-01-01T00:00:00Z' },
  });
  const ns = (n: FakeNamespace) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: n.name, uid: `ns-${n.name}`, resourceVersion: '1', labels: n.labels },
  });
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const lists: Record<string, [string, Json[]]> = {
      '/api/v1/pods': ['PodList', pods.map(pod)],
      '/api/v1/namespaces': ['NamespaceList', namespaces.map(ns)],
    };
    const found = lists[url.pathname];
    if (!found) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
      return;
    }
    const [kind, items] = found;
    if (url.searchParams.get('watch') !== 'true') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind, apiVersion: 'v1', metadata: { resourceVersion: '1' }, items }));
      return;
    }
    watches.push(url.pathname);
    // Nothing changes: the watch stays open until the collector goes.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
  });
}

/** Langfuse's OTLP endpoint: records each export (OTLP/JSON) and its Authorization header. */
function fakeLangfuse(exports: Export[]): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // The exporter compresses with gzip by default (confighttp compression).
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw;
      const data = JSON.parse(body.toString('utf8') || '{}');
      const spans: ExportedSpan[] = [];
      for (const rs of data.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? [])
            spans.push({ name: s.name, resource: kv(rs.resource?.attributes), attributes: kv(s.attributes) });
      }
      exports.push({ authorization: req.headers.authorization, spans });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
}

/** The collector exited because a port it was given was taken meanwhile. */
class PortTakenError extends Error {}

interface Ports {
  readonly otlpGrpc: number;
  readonly otlpHttp: number;
  readonly health: number;
  readonly metrics: number;
}

interface Started {
  readonly c: Json;
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly ports: Ports;
}

/** Starts the collector on `ports` and waits until it is healthy and both informers watch (they listed first). */
async function startCollector(
  binary: string,
  config: Json,
  dir: string,
  langfusePort: number,
  ports: Ports,
  env: Record<string, string>,
  watches: string[],
): Promise<Started> {
  const c = structuredClone(config);
  c.processors.k8sattributes.auth_type = 'kubeConfig';
  for (const [name, e] of Object.entries(c.exporters as Record<string, Json>)) {
    if (!name.startsWith('otlp_http/')) continue;
    e.endpoint = String(e.endpoint).replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${langfusePort}`);
    e.encoding = 'json';
  }
  c.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${ports.otlpGrpc}`;
  // Every loopback address: the spans come from 127.0.0.x.
  c.receivers.otlp.protocols.http.endpoint = `0.0.0.0:${ports.otlpHttp}`;
  c.extensions.health_check.endpoint = `127.0.0.1:${ports.health}`;
  c.service.telemetry.metrics.readers[0].pull.exporter.prometheus = { host: '127.0.0.1', port: ports.metrics };
  fs.writeFileSync(path.join(dir, 'config.yaml'), stringify(c));
  watches.length = 0;
  const log: string[] = [];
  const proc: ChildProcess = spawn(binary, [`--config=${path.join(dir, 'config.yaml')}`], {
    env: { PATH: process.env.PATH, KUBECONFIG: path.join(dir, 'kubeconfig'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d) => log.push(String(d)));
  proc.stderr?.on('data', (d) => log.push(String(d)));
  const exited = new Promise<number | null>((ok) => proc.on('exit', (code) => ok(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await exited;
      const text = log.join('');
      if (/address already in use/.test(text)) throw new PortTakenError(text);
      throw new Error(`the collector exited with ${proc.exitCode}:\n${text}`);
    }
    const healthy = await fetch(`http://127.0.0.1:${ports.health}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy && watches.includes('/api/v1/pods') && watches.includes('/api/v1/namespaces'))
      return { c, proc, exited, ports };
    if (Date.now() > deadline) {
      proc.kill('SIGTERM');
      await exited;
      throw new Error(`the collector did not become ready:\n${log.join('')}`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

export interface CollectorRun {
  /** Sends one span over OTLP/HTTP from a source address. */
  send(
    from: string,
    span: { name: string; resource?: Record<string, string>; attributes?: Record<string, string> },
  ): Promise<number>;
  /** Every export Langfuse received so far. */
  readonly exports: Export[];
  /** Waits until `n` spans were exported (or the timeout passes), then a little longer for strays. */
  waitForSpans(n: number, timeoutMs?: number): Promise<void>;
  /** The collector's own metrics (Prometheus text). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
  /** The configuration the collector ran. */
  readonly config: Json;
}

/** Starts the pinned collector with `config` (as the ConfigMap holds it), the test changes applied. */
export async function runCollector(
  config: Json,
  pods: readonly FakePod[],
  namespaces: readonly FakeNamespace[],
  env: Record<string, string>,
  pickPort: () => Promise<number> = freePort,
): Promise<CollectorRun> {
  const binary = requireTool('otelcol');
  const exports: Export[] = [];
  const watches: string[] = [];
  const kube = fakeKubeApi(pods, namespaces, watches);
  const langfuse = fakeLangfuse(exports);
  const kubePort = await listen(kube);
  const langfusePort = await listen(langfuse);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otelcol-'));
  fs.writeFileSync(
    path.join(dir, 'kubeconfig'),
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${kubePort}` } }],
      users: [{ name: 'fake', user: {} }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
      'current-context': 'fake',
    }),
  );
  const closeFakes = async () => {
    kube.closeAllConnections();
    langfuse.closeAllConnections();
    await Promise.all([new Promise((ok) => kube.close(ok)), new Promise((ok) => langfuse.close(ok))]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // A port found free can be taken by a parallel test before the collector binds it: start again
  // on new ports when that is why it exited.
  let started: Started | undefined;
  for (let attempt = 1; !started; attempt++) {
    const ports = {
      otlpGrpc: await pickPort(),
      otlpHttp: await pickPort(),
      health: await pickPort(),
      metrics: await pickPort(),
    };
    try {
      started = await startCollector(binary, config, dir, langfusePort, ports, env, watches);
    } catch (e) {
      if (e instanceof PortTakenError && attempt < 5) continue;
      await closeFakes();
      throw e;
    }
  }
  const { c, proc, exited, ports } = started;
  const { otlpHttp, metrics: metricsPort } = ports;
  const stop = async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    await exited;
    await closeFakes();
  };
  const count = () => exports.reduce((n, e) => n + e.spans.length, 0);
  return {
    config: c,
    exports,
    send: (from, span) =>
      new Promise((ok, ko) => {
        const attrs = (o: Record<string, string> | undefined) =>
          Object.entries(o ?? {}).map(([key, value]) => ({ key, value: { stringValue: value } }));
        const body = JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: attrs(span.resource) },
              scopeSpans: [
                {
                  scope: { name: 'test' },
                  spans: [
                    {
                      traceId: '0102030405060708090a0b0c0d0e0f10',
                      spanId: '0102030405060708',
                      name: span.name,
                      kind: 2,
                      startTimeUnixNano: '1767225600000000000',
                      endTimeUnixNano: '1767225601000000000',
                      attributes: attrs(span.attributes),
                    },
                  ],
                },
              ],
            },
          ],
        });
        const req = http.request(
          {
            host: '127.0.0.1',
            port: otlpHttp,
            path: '/v1/traces',
            method: 'POST',
            localAddress: from,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => ok(res.statusCode ?? 0));
          },
        );
        req.on('error', ko);
        req.end(body);
      }),
    waitForSpans: async (n, timeoutMs = 20_000) => {
      const end = Date.now() + timeoutMs;
      while (count() < n && Date.now() < end) await new Promise((ok) => setTimeout(ok, 100));
      // The batch processor flushes every 5 s; anything misrouted would arrive by then too.
      await new Promise((ok) => setTimeout(ok, 500));
    },
    metrics: () => fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()),
    stop,
  };
}

/** The spans of each project, by the Authorization header they were exported with. */
export function byKey(exports: readonly Export[]): Map<string, ExportedSpan[]> {
  const out = new Map<string, ExportedSpan[]>();
  for (const e of exports) out.set(e.authorization ?? '', [...(out.get(e.authorization ?? '') ?? []), ...e.spans]);
  return out;
}
