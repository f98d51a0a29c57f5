/**
 * A tenant's prom-label-proxy (.tools/bin/prom-label-proxy, the pinned release) started with the
 * platform's arguments, in front of a fake Prometheus that records each request it receives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { requireTool } from '../../scripts/toolchain/tools';
import { freePort } from './net';

export interface Upstream {
  readonly url: string;
  /** Requests that reached Prometheus: path and every query or form parameter. */
  readonly seen: { path: string; params: [string, string][] }[];
  close(): Promise<void>;
}

/** Prometheus as far as the proxy can tell: it records each request and answers an empty result. */
export async function fakePrometheus(): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://prometheus');
      seen.push({ path: url.pathname, params: [...url.searchParams, ...new URLSearchParams(body)] });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

export interface Proxy {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the pinned prom-label-proxy with `args`, its listen address and upstream replaced by the test's. */
export async function startProxy(args: readonly string[], upstream: string): Promise<Proxy> {
  // A port found free can be taken by a parallel test before the proxy binds it: start again on
  // a new port when that is why it exited.
  for (let attempt = 1; ; attempt++) {
    const started = await startProxyOn(await freePort(), args, upstream);
    if (started !== 'port taken') return started;
    if (attempt === 5) throw new Error('prom-label-proxy: every port picked was taken before it could bind it');
  }
}

async function startProxyOn(port: number, args: readonly string[], upstream: string): Promise<Proxy | 'port taken'> {
  const adapted = args.map((a) =>
    a.startsWith('-insecure-listen-address=')
      ? `-insecure-listen-address=127.0.0.1:${port}`
      : a.startsWith('-upstream=')
        ? `-upstream=${upstream}`
        : a,
  );
  const proc: ChildProcess = spawn(requireTool('prom-label-proxy'), adapted, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr?.on('data', (d) => (log += d));
  const exited = new Promise((ok) => proc.on('exit', ok));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (proc.exitCode !== null && /address already in use/.test(log)) return 'port taken';
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
