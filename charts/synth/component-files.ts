/**
 * What the output needs of a platform component's shared objects: each object's file name, its
 * name in the component's README, its file text and that text's SHA-256, and the HTTPRoutes the
 * route table reads. Computed once from the objects as built; a remembered component keeps these
 * and not the objects (synth/component-memo.ts).
 */
import type { ComponentFiles } from '../platform/build';
import { OBSERVABILITY, tenantNamespace } from '../lib/constants';
import { objectFileName, toYaml } from '../lib/serialize';
import { contentDigest } from './units';

/** An object's name in its component's README: a tenant's namespace in it written as <name>. */
export function readmeFileName(o: Record<string, unknown>): string {
  const name = objectFileName(o as { kind?: string; metadata?: { name?: string } });
  const tenant = (o as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.[
    OBSERVABILITY.accessTenantLabel
  ];
  return tenant ? name.replace(tenantNamespace(tenant), tenantNamespace('<name>')) : name;
}

/** The files of a component's objects, in the objects' order. */
export function componentFiles(objects: readonly Record<string, unknown>[]): ComponentFiles {
  const yaml = objects.map((o) => toYaml(o));
  return {
    names: objects.map((o) => objectFileName(o as { kind?: string; metadata?: { name?: string } })),
    readmeNames: objects.map(readmeFileName),
    yaml,
    digests: yaml.map(contentDigest),
    routes: objects.filter((o) => o.kind === 'HTTPRoute'),
  };
}
