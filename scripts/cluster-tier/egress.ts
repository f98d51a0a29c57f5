/**
 * The API server's way into the simulated cluster. No kube-proxy runs and no pod has a network,
 * so a webhook the API server calls by Service (ClusterIP:port, k8s.io/apiserver v0.36.3
 * pkg/util/webhook/client.go with kube-aggregator's ResolveCluster) would leave the machine.
 * The control plane's egress selector sends that traffic to this HTTP CONNECT proxy instead, and
 * a route decides where each connection goes: a process on 127.0.0.1 that serves the Service,
 * or a refusal that names it.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where a connection goes: an address on this machine, or why it is refused. */
export type Destination = { readonly host: string; readonly port: number } | { readonly refused: string };

/** Decides the destination of a CONNECT to `host:port`. */
export type Route = (host: string, port: number) => Promise<Destination>;

export interface EgressProxy {
  /** The Unix socket it listens on, for the egress selector configuration. */
  readonly socket: string;
  close(): Promise<void>;
}

/** `host:port` of a CONNECT request line, or undefined when it is not one. */
export function connectTarget(target: string | undefined): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(target ?? '');
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1]!, port } : undefined;
}

/**
 * Starts the proxy on a Unix socket in a new temporary directory. The API server's tunnel (k8s.io/apiserver v0.36.3
 * pkg/server/egressselector/egress_selector.go, tunnelHTTPConnect) sends
 * `CONNECT <addr> HTTP/1.1`, expects status 200 and no bytes after the response head.
 */
export function startEgressProxy(route: Route, log: (line: string) => void): Promise<EgressProxy> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end('CONNECT only\n');
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = connectTarget(req.url);
    const refuse = (status: number, reason: string) => {
      log(`egress: CONNECT ${req.url ?? ''} refused: ${reason}`);
      client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: text/plain\r\n\r\n${reason}\n`);
    };
    if (target === undefined) return refuse(400, 'not host:port');
    route(target.host, target.port).then(
      (d) => {
        if ('refused' in d) return refuse(503, d.refused);
        const upstream = net.connect(d.port, d.host, () => {
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          if (head.length > 0) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', (e) => refuse(502, `${d.host}:${d.port}: ${e.message}`));
      },
      (e: Error) => refuse(502, e.message),
    );
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egress-'));
  const socket = path.join(dir, 'proxy.sock');
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(socket, () => {
      resolve({
        socket,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => {
              fs.rmSync(dir, { recursive: true, force: true });
              done();
            });
          }),
      });
    });
  });
}
