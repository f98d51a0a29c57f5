/**
 * No platform Application waits for a route whose Gateway comes later. Argo CD's HTTPRoute and
 * GRPCRoute health (argo-cd v3.5.3 resource_customizations/gateway.networking.k8s.io/HTTPRoute/
 * health.lua) is Progressing until the parent's controller writes status.parents, and the root
 * Application waits for each wave's Applications to be Healthy (our Application health check,
 * charts/platform/components/engines.ts) before it creates the next wave. A route in wave w
 * attached to a Gateway of wave > w therefore stops the bootstrap: the cluster tier found
 * Keycloak's public route (wave 5) waiting for the external gateway (wave 9).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute']);

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { parentRefs?: { kind?: string; name: string; namespace?: string }[]; sources?: { path?: string }[] };
}

/** The platform folders of an environment with the wave of the Application that syncs each, and their objects. */
function platformFolders(root: string, env: string): { folder: string; wave: number; objects: Obj[] }[] {
  const appsDir = path.join(root, 'argocd', env, 'platform');
  const out: { folder: string; wave: number; objects: Obj[] }[] = [];
  for (const f of fs
    .readdirSync(appsDir)
    .filter((x) => x.startsWith('application-'))
    .sort()) {
    const app = parseAllDocuments(fs.readFileSync(path.join(appsDir, f), 'utf8'))[0]!.toJS() as Obj;
    const wave = Number(app.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    for (const s of app.spec?.sources ?? []) {
      if (!s.path?.startsWith(`dist/${env}/platform/`)) continue;
      const dir = path.join(root, s.path);
      const objects = fs
        .readdirSync(dir)
        .filter((x) => x.endsWith('.yaml'))
        .flatMap((x) => parseAllDocuments(fs.readFileSync(path.join(dir, x), 'utf8')).map((d) => d.toJS() as Obj));
      out.push({ folder: s.path, wave, objects });
    }
  }
  return out;
}

/** Routes attached to a platform Gateway synced in a later wave than the route. */
export function routeWaveProblems(folders: { folder: string; wave: number; objects: Obj[] }[]): string[] {
  const gatewayWave = new Map<string, number>();
  for (const f of folders)
    for (const o of f.objects)
      if (o.kind === 'Gateway') gatewayWave.set(`${o.metadata.namespace}/${o.metadata.name}`, f.wave);
  const problems: string[] = [];
  for (const f of folders)
    for (const o of f.objects) {
      if (!ROUTE_KINDS.has(o.kind)) continue;
      for (const p of o.spec?.parentRefs ?? []) {
        if ((p.kind ?? 'Gateway') !== 'Gateway') continue;
        const key = `${p.namespace ?? o.metadata.namespace}/${p.name}`;
        const w = gatewayWave.get(key);
        if (w !== undefined && w > f.wave)
          problems.push(
            `${o.kind} ${o.metadata.namespace}/${o.metadata.name} in ${f.folder} (wave ${f.wave}) waits for Gateway ${key} (wave ${w})`,
          );
      }
    }
  return problems;
}

describe('platform routes and the waves of their Gateways', () => {
  for (const env of ['dev', 'prod'])
    it(`${env}: every platform route is synced with or after its Gateway`, () => {
      const folders = platformFolders(ROOT, env);
      expect(folders.some((f) => f.objects.some((o) => ROUTE_KINDS.has(o.kind)))).toBe(true);
      expect(routeWaveProblems(folders)).toEqual([]);
    });

  it("planted fault: Keycloak's route back in Keycloak's folder is found", () => {
    const folders = platformFolders(ROOT, 'dev');
    const gateway = folders.find((f) => f.folder.endsWith('/gateway'))!;
    const keycloak = folders.find((f) => f.folder.endsWith('/keycloak'))!;
    const route = gateway.objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'keycloak-public')!;
    expect(route).toBeDefined();
    const planted = folders.map((f) =>
      f === keycloak
        ? { ...f, objects: [...f.objects, route] }
        : f === gateway
          ? { ...f, objects: f.objects.filter((o) => o !== route) }
          : f,
    );
    expect(routeWaveProblems(planted)).toEqual([
      `HTTPRoute keycloak/keycloak-public in dist/dev/platform/keycloak (wave ${keycloak.wave}) waits for Gateway agentgateway-system/agentgateway-proxy (wave ${gateway.wave})`,
    ]);
  });
});
