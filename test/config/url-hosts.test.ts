/**
 * One rule for in-cluster URL hosts, applied twice: by the compiler to remote MCP servers in
 * tenants.yaml (internalHost) and by the Kyverno policy tenant-backends to RemoteMCPServers written
 * in tenant namespaces (rule remote-mcp-url, run here by the pinned Kyverno CLI on the synthesized
 * policy). Both must agree on every host of the table; the policy also admits the namespace's own
 * Services, which the compiler has no use for (it runs in-cluster servers from images).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { internalHost, urlHost } from '../../charts/config/url-hosts';
import { DIRS } from '../../charts/lib/constants';
import { ROOT, runSuite } from '../kyverno-suite';

const NS = 'tenant-beta';
const POLICY = `${DIRS.dist}/dev/${DIRS.platform}/${DIRS.policies}/clusterpolicy-tenant-backends.yaml`;

/** URL, whether its host is internal, and why. `own`: a Service of NS, which the policy admits. */
const TABLE: readonly { url: string; internal: boolean; why: string; own?: true }[] = [
  { url: 'https://mcp.papers.example.com/mcp', internal: false, why: 'public DNS name' },
  { url: 'https://MCP.Example.COM:8443/mcp', internal: false, why: 'upper case and a port' },
  { url: 'https://user@mcp.example.com/mcp', internal: false, why: 'user info before the host' },
  { url: 'https://xn--bcher-kva.example/mcp', internal: false, why: 'punycode' },
  { url: 'https://mcp.example.xn--p1ai/mcp', internal: false, why: 'punycode top-level domain' },
  { url: 'https://10.example.com/mcp', internal: false, why: 'a name that starts with digits' },
  { url: 'https://a.b.c.d.e.f.example.com/mcp', internal: false, why: 'many labels' },
  { url: 'https://foo.svc.cluster.local.example.com/', internal: false, why: 'cluster suffix inside a public name' },
  { url: 'http://8.8.8.8/mcp', internal: false, why: 'public IPv4' },
  { url: 'http://11.0.0.1/', internal: false, why: 'next to 10/8' },
  { url: 'http://100.128.0.1/', internal: false, why: 'next to CGNAT 100.64/10' },
  { url: 'http://172.32.0.1/', internal: false, why: 'next to 172.16/12' },
  {
    url: 'http://\u0130nternal.example.com/',
    internal: false,
    why: 'U+0130 lower-cases to i (Go and the compiler alike)',
  },
  { url: 'http://kb.tenant-beta.svc.cluster.local:3000/mcp', internal: true, own: true, why: 'own Service, full name' },
  { url: 'http://kb.tenant-beta.svc/mcp', internal: true, own: true, why: 'own Service, short name' },
  {
    url: 'http://kb.tenant-beta/mcp',
    internal: true,
    why: 'own Service through the search domain (not the written form)',
  },
  { url: 'http://kb.tenant-b.svc.cluster.local/mcp', internal: true, why: "another tenant's Service" },
  { url: 'http://kb.tenant-b.svc/mcp', internal: true, why: "another tenant's Service, short name" },
  { url: 'http://kb.tenant-b:3000/mcp', internal: true, why: 'resolved through the search domain svc.cluster.local' },
  {
    url: 'http://kagent-tools.kagent-system:8084/mcp',
    internal: true,
    why: 'platform Service through the search domain',
  },
  { url: 'http://keycloak-http.keycloak/', internal: true, why: 'platform namespace without a hyphen' },
  { url: 'http://langfuse-web.LANGFUSE.svc.cluster.local:3000/', internal: true, why: 'cluster DNS, upper case' },
  { url: 'http://\u212Aeycloak-http.\u212Aeycloak/', internal: true, why: 'Kelvin sign lower-cases to k' },
  { url: 'http://10-0-0-5.tenant-b.pod/', internal: true, why: 'pod record through the search domain cluster.local' },
  { url: 'http://10-0-0-5.tenant-b.pod.cluster.local/', internal: true, why: 'pod record' },
  { url: 'http://kb/mcp', internal: true, why: 'single label' },
  { url: 'http://localhost:8080/', internal: true, why: 'loopback name' },
  { url: 'http://ip-10-0-0-1.ec2.internal/', internal: true, why: 'VPC DNS' },
  { url: 'http://printer.local/', internal: true, why: 'mDNS' },
  { url: 'http://api.example.com./', internal: true, why: 'trailing dot' },
  { url: 'http://api.example.com%2f.10.0.0.1/', internal: true, why: 'percent-encoding in the host' },
  { url: 'http://127.0.0.1/', internal: true, why: 'loopback' },
  { url: 'http://0.0.0.0:80/', internal: true, why: 'this network' },
  { url: 'http://127.1/', internal: true, why: 'short numeric form' },
  { url: 'http://2130706433/', internal: true, why: 'decimal form' },
  { url: 'http://0x7f.0.0.1/', internal: true, why: 'hexadecimal form' },
  { url: 'http://0177.0.0.1/', internal: true, why: 'octal form' },
  { url: 'http://10.0.0.5/', internal: true, why: 'private 10/8' },
  { url: 'http://172.16.0.1/', internal: true, why: 'private 172.16/12, low end' },
  { url: 'http://172.31.255.255/', internal: true, why: 'private 172.16/12, high end' },
  { url: 'http://192.168.1.1/', internal: true, why: 'private 192.168/16' },
  { url: 'http://169.254.169.254/latest/meta-data', internal: true, why: 'instance metadata service' },
  { url: 'http://100.64.0.1/', internal: true, why: 'CGNAT, low end' },
  { url: 'http://100.127.255.255/', internal: true, why: 'CGNAT, high end' },
  { url: 'http://[::1]/', internal: true, why: 'IPv6 loopback' },
  { url: 'http://[::ffff:10.0.0.1]/', internal: true, why: 'IPv4-mapped IPv6' },
  { url: 'http://[2001:db8::1]/', internal: true, why: 'any IPv6 literal' },
  { url: 'http://evil.example.com@10.0.0.1/', internal: true, why: 'the host follows the last @' },
  { url: 'http://10.0.0.1#@evil.example.com/', internal: true, why: 'the authority ends at #' },
  { url: 'http://10.0.0.1?@evil.example.com/', internal: true, why: 'the authority ends at ?' },
  { url: 'kb.tenant-b.svc.cluster.local:80/mcp', internal: true, why: 'not an absolute URL' },
  { url: 'http://kb.tenant-b.svc.cluster.local\n.example.com/', internal: true, why: 'a line break in the URL' },
];

describe('in-cluster URL hosts', () => {
  it('the compiler judges every host of the table as listed', () => {
    const wrong = TABLE.filter((r) => internalHost(r.url) !== r.internal).map(
      (r) => `${JSON.stringify(r.url)} (${r.why}): ${!r.internal ? 'internal' : 'external'}`,
    );
    expect(wrong).toEqual([]);
  });

  // The kagent controller dials RemoteMCPServer.spec.url for tool discovery (kagent v0.9.12
  // go/core/internal/controller/reconciler/reconciler.go:1109-1123 createMcpTransport), as Go 1.26
  // net/url parses it (src/net/url/url.go: Parse cuts the fragment at the first # (line 401) and the query at the first
  // ?
  // (461); parseAuthority takes the host after the last @ of the authority (512-513)).
  it('reads the host as Go net/url does: after the last @, up to the port, path, query or fragment', () => {
    expect(urlHost('http://a@b@Kb.Example.com:80/x?y#z')).toBe('kb.example.com');
    expect(urlHost('http://[::1]:8080/')).toBe('[::1]');
    expect(urlHost('no-scheme')).toBe('no-scheme');
  });

  const name = (i: number) => `url-${i}`;
  const suite = (policy: string) =>
    runSuite({
      policies: [policy],
      resources: TABLE.map((r, i) => ({
        apiVersion: 'kagent.dev/v1alpha2',
        kind: 'RemoteMCPServer',
        metadata: { name: name(i), namespace: NS },
        spec: { description: r.why, url: r.url },
      })),
      values: {
        apiVersion: 'cli.kyverno.io/v1alpha1',
        kind: 'Value',
        metadata: { name: 'values' },
        namespaceSelector: [{ name: NS, labels: { 'platform.agentic.io/tenant': 'true' } }],
      },
      results: (['pass', 'fail'] as const).map((result) => ({
        policy: 'tenant-backends',
        rule: 'remote-mcp-url',
        kind: 'RemoteMCPServer',
        resources: TABLE.flatMap((r, i) => ((r.internal && !r.own ? 'fail' : 'pass') === result ? [name(i)] : [])),
        result,
      })),
    });
  const urlOf = (failure: string) => TABLE[Number(/url-(\d+)/.exec(failure)?.[1])]?.url;

  it('tenant-backends refuses exactly the internal hosts, except the namespace own Services', () => {
    const run = suite(POLICY);
    expect(run.failures.map((f) => `${f} (${JSON.stringify(urlOf(f))})`)).toEqual([]);
    expect(run.passed).toBe(TABLE.length);
  });

  it('planted fault: a policy that forgot 192.168/16 disagrees on exactly that host', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'url-hosts-'));
    try {
      const planted = path.join(dir, 'policy.yaml');
      const text = fs.readFileSync(path.join(ROOT, POLICY), 'utf8');
      const range = '|192\\\\.168(\\\\.[0-9]+){2}';
      expect(text).toContain(range);
      fs.writeFileSync(planted, text.replace(range, ''));
      const run = suite(planted);
      expect(run.failures.map(urlOf)).toEqual(['http://192.168.1.1/']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
