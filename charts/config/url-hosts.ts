/**
 * Which URL hosts are inside the cluster or the node's network. One rule for the compiler (remote
 * MCP servers in tenants.yaml) and the Kyverno policy `tenant-backends` (URLs written in tenant
 * namespaces), written as regular expressions in the syntax JavaScript and Go's RE2 share, so both
 * judge a URL alike.
 */
import { PLATFORM_NAMESPACES } from '../lib/constants';

/**
 * An absolute URL; group 2 is its host as Go's net/url reads it: after the last `@` of the
 * authority, up to the port, path, query or fragment (an IPv6 literal keeps its brackets).
 */
export const URL_HOST = '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]*@)?(\\[[^\\]]*\\]|[^:/?#]*)';

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

/**
 * Hosts the rule can judge: a DNS name of two or more labels whose last label is a possible
 * top-level domain (letters, or `xn--` punycode), or an IPv4 address in dotted-decimal form. Any
 * other host is treated as internal: single-label names and names ending in a namespace
 * (`kb.tenant-b`) resolve through the cluster's DNS search domains, numeric forms such as
 * `0x7f.1` or `2130706433` can reach loopback, and IPv6 literals (`[::ffff:10.0.0.1]`) can carry
 * an IPv4 address.
 */
export const JUDGED_HOST = `^(([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)+([a-z]+|xn--[a-z0-9]+)|${OCTET}(\\.${OCTET}){3})$`;

/**
 * Last labels that name something inside the cluster or the VPC, even though they look like a
 * top-level domain: cluster DNS (`svc`, `pod`, `cluster.local`), node and VPC DNS (`internal`,
 * `local`, `localhost`), and namespaces (`<service>.<namespace>` resolves through the search
 * domain `svc.cluster.local`; namespaces with a `-` fail JUDGED_HOST already).
 */
export const INTERNAL_LAST_LABELS: readonly string[] = [
  ...new Set([
    'svc',
    'pod',
    'local',
    'internal',
    'localhost',
    'default',
    'argocd',
    ...Object.values(PLATFORM_NAMESPACES),
  ]),
].filter((l) => /^[a-z]+$/.test(l));

/** IPv4 ranges inside the cluster or the node's network: this network, private, loopback, link-local (IMDS), CGNAT. */
export const INTERNAL_IPV4 = [
  '(0|10|127)(\\.[0-9]+){3}',
  '169\\.254(\\.[0-9]+){2}',
  '172\\.(1[6-9]|2[0-9]|3[01])(\\.[0-9]+){2}',
  '192\\.168(\\.[0-9]+){2}',
  '100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])(\\.[0-9]+){2}',
] as const;

/** A judged host that is internal all the same: an internal last label, or an internal IPv4 address. */
export const INTERNAL_HOST = `(^|\\.)(${INTERNAL_LAST_LABELS.join('|')})$|^(${INTERNAL_IPV4.join('|')})$`;

/**
 * A Service of one namespace, written `<service>.<namespace>.svc[.cluster.local]`. `namespace` is
 * inserted as is (a namespace name, or a Kyverno variable that yields one).
 */
export function ownServiceHost(namespace: string): string {
  return `^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.${namespace}\\.svc(\\.cluster\\.local)?$`;
}

/** URL_HOST followed by the rest of the URL; a URL with a line break does not match (RE2 and JavaScript alike). */
const WHOLE_URL = `${URL_HOST}.*$`;

/**
 * The host of a URL, lower-cased as Kyverno's to_lower (Go's strings.ToLower) does; the whole
 * string, lower-cased, when it is not an absolute URL. Go maps U+0130 to `i` where JavaScript
 * writes `i` and a combining dot; that is the one character whose lower case differs.
 */
export function urlHost(url: string): string {
  const m = new RegExp(WHOLE_URL).exec(url);
  return (m ? m[2] : url).replaceAll('\u0130', 'i').toLowerCase();
}

/**
 * Whether a URL's host is inside the cluster or the node's network: loopback, private,
 * link-local (the instance metadata service among them), CGNAT, a cluster or VPC DNS name, a name
 * the cluster's DNS search domains would resolve, or a host the rule cannot judge.
 */
export function internalHost(url: string): boolean {
  const host = urlHost(url);
  return !new RegExp(JUDGED_HOST).test(host) || new RegExp(INTERNAL_HOST).test(host);
}

/** JMESPath (Kyverno) for urlHost() of the URL that `url` yields (a string). */
export function urlHostJmesPath(url: string): string {
  return `to_lower(regex_replace_all('${WHOLE_URL}', ${url}, '\${2}'))`;
}

/**
 * JMESPath (Kyverno) for the verdict of internalHost() on a host that `host` yields (see
 * urlHostJmesPath), except that the Services of `namespace` (see ownServiceHost) are allowed.
 */
export function internalHostJmesPath(host: string, namespace: string): string {
  return `!regex_match('${ownServiceHost(namespace)}', ${host}) && (!regex_match('${JUDGED_HOST}', ${host}) || regex_match('${INTERNAL_HOST}', ${host}))`;
}
