/** Scratch repository roots for synth tests: the real environments and cluster outputs, and what each wrote. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { existingFiles } from '../../charts/synth/write';

const ROOT = path.resolve(__dirname, '..', '..');

/** A scratch root with the repository's environments and cluster outputs, and `tenants` as tenants.yaml when given. */
export function scratchRoot(prefix: string, tenants?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(path.join(ROOT, 'charts', 'environments'), path.join(dir, 'charts', 'environments'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'cluster', 'outputs'), path.join(dir, 'cluster', 'outputs'), { recursive: true });
  if (tenants !== undefined) fs.writeFileSync(path.join(dir, 'tenants.yaml'), tenants);
  return dir;
}

/** path → sha256 of every file under dist/ and argocd/. */
export function outputTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of existingFiles(root, ['dist', 'argocd']))
    out[f] = createHash('sha256')
      .update(fs.readFileSync(path.join(root, f)))
      .digest('hex');
  return out;
}
