/**
 * Stand-ins for the webhooks of controllers the cluster tier does not run (istiod, the
 * external-secrets webhook, the agent-sandbox controller...). Their charts register admission
 * and conversion webhooks by Service with failurePolicy Fail and leave `caBundle` empty for the
 * controller to fill in; without an answer the API server rejects every object those webhooks
 * match, and Argo CD's sync stops there. A stand-in does what the controller's webhook part does
 * to the API server and no more: it writes its CA into `caBundle` (as istiod's
 * pkg/webhooks/webhookpatch.go and external-secrets' pkg/controllers/webhookconfig do), admits
 * every request unchanged and converts custom resources by renaming their apiVersion. It never
 * validates: schema validation is the API server's own (structural schemas, CEL) and our gates'.
 * Which Services were stood in, and how many calls each answered, is printed by the tier.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { servingCertificate } from '../integration/control-plane';
import type { Destination, Route } from './egress';

/** A Service a webhook names, with the port the API server calls (443 unless it says). */
export interface ServiceKey {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
}

/** One webhook of a live object: the object, the JSON pointer of its caBundle, its Service. */
export interface WebhookRef {
  readonly kind: string;
  readonly object: string;
  readonly caBundlePath: string;
  readonly caBundle: string;
  readonly service: ServiceKey;
}

interface LiveObject {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: Record<string, unknown>;
  readonly webhooks?: readonly Record<string, unknown>[];
}

export const serviceKeyString = (s: ServiceKey) => `${s.namespace}/${s.name}:${s.port}`;

interface ClientConfig {
  service?: { namespace?: string; name?: string; port?: number };
  caBundle?: string;
}

function serviceOf(cc: ClientConfig | undefined): ServiceKey | undefined {
  const s = cc?.service;
  if (s?.namespace === undefined || s.name === undefined) return undefined;
  // admissionregistration/v1 and apiextensions/v1 both default the port to 443.
  return { namespace: s.namespace, name: s.name, port: s.port ?? 443 };
}

/**
 * Every webhook addressed by Service in validating and mutating webhook configurations and in
 * CustomResourceDefinitions' conversion settings.
 */
export function webhookRefs(objects: readonly LiveObject[]): WebhookRef[] {
  const refs: WebhookRef[] = [];
  for (const o of objects) {
    const name = o.metadata?.name ?? '';
    if (o.kind === 'ValidatingWebhookConfiguration' || o.kind === 'MutatingWebhookConfiguration') {
      (o.webhooks ?? []).forEach((w, i) => {
        const cc = w.clientConfig as ClientConfig | undefined;
        const service = serviceOf(cc);
        if (service)
          refs.push({
            kind: o.kind!,
            object: `${name}#${String(w.name)}`,
            caBundlePath: `/webhooks/${i}/clientConfig/caBundle`,
            caBundle: cc?.caBundle ?? '',
            service,
          });
      });
    } else if (o.kind === 'CustomResourceDefinition') {
      const conversion = o.spec?.conversion as
        { strategy?: string; webhook?: { clientConfig?: ClientConfig } } | undefined;
      const cc = conversion?.webhook?.clientConfig;
      const service = conversion?.strategy === 'Webhook' ? serviceOf(cc) : undefined;
      if (service)
        refs.push({
          kind: o.kind,
          object: name,
          caBundlePath: '/spec/conversion/webhook/clientConfig/caBundle',
          caBundle: cc?.caBundle ?? '',
          service,
        });
    }
  }
  return refs;
}

/** JSON patches that set `caBundle` to `ca` (base64 PEM) where a stood-in webhook lacks it, per object. */
export function caBundlePatches(
  refs: readonly WebhookRef[],
  ca: string,
  stoodIn: (s: ServiceKey) => boolean,
): Map<string, { kind: string; name: string; patch: { op: 'add'; path: string; value: string }[] }> {
  const out = new Map<string, { kind: string; name: string; patch: { op: 'add'; path: string; value: string }[] }>();
  for (const r of refs) {
    if (r.caBundle === ca || !stoodIn(r.service)) continue;
    const name = r.object.split('#')[0]!;
    const key = `${r.kind}/${name}`;
    const entry = out.get(key) ?? { kind: r.kind, name, patch: [] };
    entry.patch.push({ op: 'add', path: r.caBundlePath, value: ca });
    out.set(key, entry);
  }
  return out;
}

interface Review {
  apiVersion?: string;
  kind?: string;
  request?: { uid?: string; desiredAPIVersion?: string; objects?: Record<string, unknown>[] };
}

/**
 * The stand-in's answer to an AdmissionReview (admission/v1: response.uid echoes the request's,
 * allowed true, no patch) or a ConversionReview (apiextensions/v1: every object with
 * apiVersion set to desiredAPIVersion, result Success), or undefined for anything else.
 */
export function standInAnswer(review: Review): Record<string, unknown> | undefined {
  const uid = review.request?.uid;
  if (uid === undefined) return undefined;
  if (review.kind === 'AdmissionReview')
    return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid, allowed: true } };
  if (review.kind === 'ConversionReview') {
    const desired = review.request?.desiredAPIVersion;
    if (desired === undefined) return undefined;
    return {
      apiVersion: review.apiVersion,
      kind: 'ConversionReview',
      response: {
        uid,
        convertedObjects: (review.request?.objects ?? []).map((o) => ({ ...o, apiVersion: desired })),
        result: { status: 'Success' },
      },
    };
  }
  return undefined;
}

/** Services by ClusterIP, from `kubectl get services -A -o json`. */
export function servicesByClusterIp(json: string): Map<string, { namespace: string; name: string }> {
  const out = new Map<string, { namespace: string; name: string }>();
  const items = (
    JSON.parse(json) as { items: { metadata: { namespace: string; name: string }; spec?: { clusterIPs?: string[] } }[] }
  ).items;
  for (const s of items)
    for (const ip of s.spec?.clusterIPs ?? [])
      if (ip !== 'None') out.set(ip, { namespace: s.metadata.namespace, name: s.metadata.name });
  return out;
}

export interface StandIns {
  /** The egress proxy's route: real processes first, then the stand-in for a webhook's Service. */
  readonly route: Route;
  /** Calls answered per Service (namespace/name:port), and the webhooks that name it. */
  report(): string[];
  stop(): Promise<void>;
}

export interface StandInOptions {
  /** The run's directory, holding the CA (ca.crt, ca.key) the API server trusts. */
  readonly dir: string;
  /** kubectl against the cluster: stdout, or throws. */
  readonly kubectl: (args: readonly string[], input?: string) => Promise<string>;
  /** Services served by real processes on this machine: namespace/name:port → 127.0.0.1 port. */
  readonly served?: ReadonlyMap<string, number>;
  readonly log: (line: string) => void;
  /** Milliseconds between scans for webhooks to fill in. @default 3000 */
  readonly intervalMs?: number;
}

interface StandInServer {
  readonly port: number;
  /** Requests answered per server name (<name>.<namespace>.svc). */
  readonly calls: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/**
 * The stand-in's HTTPS server on 127.0.0.1: a serving certificate per Service name the API server
 * asks for (ServerName <name>.<namespace>.svc), signed by the run's CA, and standInAnswer's answers.
 */
async function startStandInServer(dir: string): Promise<StandInServer> {
  const contexts = new Map<string, tls.SecureContext>();
  const contextFor = (servername: string): tls.SecureContext => {
    let c = contexts.get(servername);
    if (c === undefined) {
      c = tls.createSecureContext(servingCertificate(dir, servername));
      contexts.set(servername, c);
    }
    return c;
  };
  const calls = new Map<string, number>();
  const sni = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
    try {
      cb(null, contextFor(servername));
    } catch (e) {
      cb(e as Error);
    }
  };
  const server = https.createServer({ SNICallback: sni }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sn = (req.socket as tls.TLSSocket).servername;
      const host = typeof sn === 'string' ? sn : '?';
      let answer: Record<string, unknown> | undefined;
      try {
        answer = standInAnswer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review);
      } catch {
        answer = undefined;
      }
      calls.set(host, (calls.get(host) ?? 0) + 1);
      if (answer === undefined) res.writeHead(400).end('not an AdmissionReview or ConversionReview\n');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  return {
    port,
    calls,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/**
 * The CustomResourceDefinitions, read cheaply: they are large (megabytes each as JSON), so each
 * call lists their names and resource versions only and reads in full the new and changed ones.
 */
function crdReader(kubectl: StandInOptions['kubectl']): {
  read(): Promise<LiveObject[]>;
  /** Reads this one again next time (it was just patched). */
  forget(name: string): void;
} {
  const crds = new Map<string, { version: string; object: LiveObject }>();
  const forget = (name: string) => void crds.delete(name);
  const read = async () => {
    const listed = new Map(
      (
        await kubectl([
          'get',
          'customresourcedefinitions',
          '-o',
          'custom-columns=NAME:.metadata.name,VERSION:.metadata.resourceVersion',
          '--no-headers',
        ])
      )
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length === 2)
        .map(([name, version]) => [name!, version!]),
    );
    const wanted = [...listed].filter(([n, v]) => crds.get(n)?.version !== v).map(([n]) => n);
    const got =
      wanted.length === 0
        ? { items: [] }
        : (JSON.parse(await kubectl(['get', 'customresourcedefinitions', ...wanted, '-o', 'json'])) as
            LiveObject | { items: LiveObject[] });
    for (const c of 'items' in got ? got.items : [got]) {
      const name = c.metadata?.name ?? '';
      crds.set(name, { version: listed.get(name) ?? '', object: c });
    }
    for (const n of [...crds.keys()]) if (!listed.has(n)) crds.delete(n);
    return [...crds.values()].map((c) => c.object);
  };
  return { read, forget };
}

/** Starts the stand-in webhook server and the loop that fills in caBundle of the webhooks it stands in for. */
export async function startStandIns(o: StandInOptions): Promise<StandIns> {
  const served = o.served ?? new Map<string, number>();
  const ca = Buffer.from(fs.readFileSync(path.join(o.dir, 'ca.crt'))).toString('base64');
  const { port, calls, stop: stopServer } = await startStandInServer(o.dir);

  let refs: WebhookRef[] = [];
  let byIp = new Map<string, { namespace: string; name: string }>();
  const isServed = (s: ServiceKey) => served.has(serviceKeyString(s));
  const named = (s: { namespace: string; name: string }, port: number) =>
    refs.some((r) => r.service.namespace === s.namespace && r.service.name === s.name && r.service.port === port);

  const crds = crdReader(o.kubectl);

  const scan = async () => {
    const json = await o.kubectl([
      'get',
      'validatingwebhookconfigurations,mutatingwebhookconfigurations',
      '-o',
      'json',
    ]);
    const objects = [...(JSON.parse(json) as { items: LiveObject[] }).items, ...(await crds.read())];
    refs = webhookRefs(objects);
    for (const { kind, name, patch } of caBundlePatches(refs, ca, (s) => !isServed(s)).values()) {
      try {
        await o.kubectl(['patch', kind.toLowerCase(), name, '--type=json', '-p', JSON.stringify(patch)]);
        if (kind === 'CustomResourceDefinition') crds.forget(name);
        o.log(`stand-in: caBundle of ${kind} ${name} filled in (${patch.length} webhook(s))`);
      } catch (e) {
        o.log(`stand-in: ${kind} ${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    try {
      await scan();
    } catch (e) {
      if (!stopped) o.log(`stand-in: scan failed: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!stopped) timer = setTimeout(() => void loop(), o.intervalMs ?? 3000);
  };
  await loop();

  const route: Route = async (host, p): Promise<Destination> => {
    if (host === '127.0.0.1' || host === 'localhost') return { host: '127.0.0.1', port: p };
    let svc = byIp.get(host);
    if (svc === undefined) {
      byIp = servicesByClusterIp(await o.kubectl(['get', 'services', '-A', '-o', 'json']));
      svc = byIp.get(host);
    }
    if (svc === undefined) return { refused: `${host} is no Service's ClusterIP` };
    const key = serviceKeyString({ ...svc, port: p });
    const real = served.get(key);
    if (real !== undefined) return { host: '127.0.0.1', port: real };
    if (named(svc, p)) return { host: '127.0.0.1', port };
    await scan();
    if (named(svc, p)) return { host: '127.0.0.1', port };
    return { refused: `Service ${key} is served by nothing on this machine and named by no webhook` };
  };

  return {
    route,
    report: () => {
      const bySvc = new Map<string, string[]>();
      for (const r of refs)
        if (!isServed(r.service)) {
          const k = serviceKeyString(r.service);
          bySvc.set(k, [...(bySvc.get(k) ?? []), `${r.kind} ${r.object}`]);
        }
      return [...bySvc]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, where]) => {
          const [ns, rest] = k.split('/');
          const n = calls.get(`${rest!.split(':')[0]}.${ns}.svc`) ?? 0;
          return `${k}: ${n} call(s) answered; named by ${where.sort().join(', ')}`;
        });
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await stopServer();
    },
  };
}
