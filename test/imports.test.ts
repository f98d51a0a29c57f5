import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { existingFiles } from '../charts/synth/write';
import { DEFAULT_CRDS, readImports } from '../scripts/toolchain/imports';

const ROOT = path.resolve(__dirname, '..');

describe('imports/', () => {
  it('has one generated module per cdk8s.yaml import and each lists its upstream URL', () => {
    const entries = readImports();
    expect(entries[0]).toEqual({ module: 'k8s', source: 'k8s@1.30.0' });
    const files = fs.readdirSync(path.join(ROOT, 'imports'));
    for (const e of entries.slice(1)) {
      expect(e.source).toMatch(/^https:\/\/raw\.githubusercontent\.com\/.+\.yaml$/);
      expect(
        files.some((f) => f.startsWith(`${e.module}-`)),
        e.module,
      ).toBe(true);
    }
  });

  it('has a generated class for every custom resource kind that dist/ and argocd/ contain', () => {
    const generated = fs
      .readdirSync(path.join(ROOT, 'imports'))
      .map((f) => fs.readFileSync(path.join(ROOT, 'imports', f), 'utf8'))
      .join('\n');
    const gvks = new Set<string>();
    for (const f of existingFiles(ROOT, ['dist', 'argocd']).filter((x) => x.endsWith('.yaml'))) {
      const o = parse(fs.readFileSync(path.join(ROOT, f), 'utf8')) as { apiVersion: string; kind: string };
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
      // Built-in groups are served by the API server itself (k8s.ts); the rest come from CRDs.
      if ((group.includes('.') && !group.endsWith('.k8s.io')) || group === 'gateway.networking.k8s.io')
        gvks.add(`${o.apiVersion} ${o.kind}`);
    }
    expect(gvks.size).toBeGreaterThan(10);
    for (const gvk of gvks) {
      const [apiVersion, kind] = gvk.split(' ');
      // The generated class of exactly this version (a CRD's other versions get other classes).
      expect(generated, gvk).toContain(`apiVersion: '${apiVersion}',\n    kind: '${kind}',\n  }`);
    }
  });

  // Regenerating needs the CRD copies (../shared/crds) and the Go module proxy.
  it.runIf(fs.existsSync(DEFAULT_CRDS))(
    'is exactly what npm run import generates from the local CRD copies',
    () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'imports-'));
      execFileSync(
        path.join(ROOT, 'node_modules', '.bin', 'tsx'),
        [path.join(ROOT, 'scripts', 'cli', 'import.ts'), '--out', out],
        { cwd: ROOT, stdio: 'pipe' },
      );
      const committed = fs.readdirSync(path.join(ROOT, 'imports')).sort();
      expect(fs.readdirSync(out).sort()).toEqual(committed);
      for (const f of committed)
        expect(
          fs.readFileSync(path.join(out, f), 'utf8') === fs.readFileSync(path.join(ROOT, 'imports', f), 'utf8'),
          f,
        ).toBe(true);
      fs.rmSync(out, { recursive: true, force: true });
    },
    120_000,
  );
});
