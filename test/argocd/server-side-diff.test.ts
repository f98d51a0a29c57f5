/**
 * Every Application, and every Application an ApplicationSet generates, is compared server-side
 * (`argocd.argoproj.io/compare-options: ServerSideDiff=true`, read by argo-cd v3.5.3
 * controller/state.go). The cluster tier found the client-side diff leaving platform-policies
 * (ClusterPolicy's schema default `emitWarning: false`) and platform-kyverno (its CRDs) OutOfSync
 * after successful syncs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');

interface Obj {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
}

/** Applications and ApplicationSet templates that are not compared server-side. */
function withoutServerSideDiff(objects: readonly Obj[]): string[] {
  const ssd = (a?: Record<string, string>) =>
    (a?.['argocd.argoproj.io/compare-options'] ?? '').split(',').includes('ServerSideDiff=true');
  return objects.flatMap((o) => {
    if (o.kind === 'Application' && !ssd(o.metadata.annotations)) return [`Application ${o.metadata.name}`];
    if (o.kind === 'ApplicationSet' && !ssd(o.spec?.template?.metadata?.annotations))
      return [`ApplicationSet ${o.metadata.name} template`];
    return [];
  });
}

function argoObjects(env: string): Obj[] {
  const out: Obj[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml')) out.push(parse(fs.readFileSync(p, 'utf8')) as Obj);
    }
  };
  walk(path.join(ROOT, 'argocd', env));
  return out;
}

describe('server-side diff', () => {
  for (const env of ['dev', 'prod'])
    it(`${env}: every Application and ApplicationSet template asks for it`, () => {
      const objects = argoObjects(env);
      expect(objects.filter((o) => o.kind === 'Application').length).toBeGreaterThan(20);
      expect(objects.filter((o) => o.kind === 'ApplicationSet').length).toBe(3);
      expect(withoutServerSideDiff(objects)).toEqual([]);
    });

  it('planted faults: an Application and a template without it are named', () => {
    const [app] = argoObjects('dev').filter((o) => o.kind === 'Application');
    const [set] = argoObjects('dev').filter((o) => o.kind === 'ApplicationSet');
    const bareApp = { ...app!, metadata: { ...app!.metadata, annotations: { 'argocd.argoproj.io/sync-wave': '1' } } };
    const bareSet = { ...set!, spec: { template: { metadata: {} } } };
    expect(withoutServerSideDiff([bareApp, bareSet])).toEqual([
      `Application ${app!.metadata.name}`,
      `ApplicationSet ${set!.metadata.name} template`,
    ]);
  });
});
