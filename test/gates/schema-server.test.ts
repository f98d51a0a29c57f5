/**
 * The schema server of the kubectl-validate gate (scripts/gates/schemas.ts withSchemaServer)
 * answers while the thread that started it is busy: the other gates compute on that thread while
 * the tool asks for schemas.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withSchemaServer } from '../../scripts/gates/schemas';

/** A --local-schemas folder with one group-version document. */
function schemas(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-server-test-'));
  fs.mkdirSync(path.join(dir, 'apis', 'apps'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'apis', 'apps', 'v1.json'), '{"openapi":"3.0.0"}');
  return dir;
}

/** GETs each path from the kubeconfig's server in a child process, while this thread waits in spawnSync. */
function fetchBlocking(kubeconfig: string, urls: readonly string[]): { status: number | null; stdout: string } {
  const server = JSON.parse(fs.readFileSync(kubeconfig, 'utf8')).clusters[0].cluster.server as string;
  const script = `(async () => { for (const u of ${JSON.stringify(urls)}) { const r = await fetch(${JSON.stringify(server)} + u); console.log(r.status, await r.text()); } })()`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout };
}

describe('schema server', () => {
  it('serves the index and the documents, 404 for anything else, while this thread is blocked', async () => {
    const dir = schemas();
    try {
      const got = await withSchemaServer(dir, async (kubeconfig) =>
        fetchBlocking(kubeconfig, ['/openapi/v3', '/openapi/v3/apis/apps/v1', '/openapi/v3/apis/batch/v1', '/api']),
      );
      expect(got.status).toBe(0);
      expect(got.stdout.trim().split('\n')).toEqual([
        '200 {"paths":{"apis/apps/v1":{"serverRelativeURL":"/openapi/v3/apis/apps/v1"}}}',
        '200 {"openapi":"3.0.0"}',
        '404 {"kind":"Status","status":"Failure","code":404}',
        '404 {"kind":"Status","status":"Failure","code":404}',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
