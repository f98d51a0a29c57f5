/**
 * npm run fetch-upstream against the upstream bytes themselves: every pinned file is fetched from
 * its source in scripts/upstream/sources.ts, served by a loopback mirror from the upstream Git
 * repositories (`git cat-file blob <commit>:<path>` on the clones in $UPSTREAM_GIT_MIRRORS, default
 * ../.mirror/<owner>+<repo>/repo beside the shared folder) and the Go module cache (the substrate
 * v0.0.6 module zip of proxy.golang.org), never from the copies. Every digest must match, and the
 * folder written is complete: kube-prometheus-stack 88.5.3 renders with its dependency charts,
 * which the shared copy lacks. Skipped where those clones are not present.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchUpstream, PINS_FILE, readPins, resolvePin, sourceUrl } from '../../scripts/upstream/fetch';
import { SHARED_DIR } from '../../scripts/toolchain/paths';
import { requireTool } from '../../scripts/toolchain/tools';

const MIRRORS = process.env.UPSTREAM_GIT_MIRRORS ?? path.join(SHARED_DIR, '..', '.mirror');
const PINS = readPins(fs.readFileSync(PINS_FILE, 'utf8'));
const RAW = /^raw\.githubusercontent\.com\/([^/]+)\/([^/]+)\/([0-9a-f]{40})\/(.+)$/;
const GO_PROXY = /^proxy\.golang\.org\/(.+)$/;

/** The Git repositories the pins come from, owner/name. */
const repos = [
  ...new Set(
    PINS.map((p) => new URL(sourceUrl(((r) => (r.kind === 'made' ? r.input : r))(resolvePin(p.path))))).flatMap((u) => {
      const m = RAW.exec(u.host + u.pathname);
      return m ? [`${m[1]}/${m[2]}`] : [];
    }),
  ),
].sort();
const gitDir = (repo: string) => path.join(MIRRORS, repo.replace('/', '+'), 'repo');
const haveMirrors = repos.every((r) => fs.existsSync(gitDir(r)));
const goModCache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout?.trim() ?? '';

describe.skipIf(!haveMirrors)('fetch-upstream from the upstream Git objects', () => {
  let server: http.Server;
  let base = '';
  const misses: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const key = decodeURIComponent(req.url ?? '').replace(/^\//, '');
      const raw = RAW.exec(key);
      const go = GO_PROXY.exec(key);
      const reply = (body: Buffer | undefined) => {
        if (body) res.writeHead(200).end(body);
        else {
          misses.push(key);
          res.writeHead(404).end();
        }
      };
      if (raw) {
        execFile(
          'git',
          ['-C', gitDir(`${raw[1]}/${raw[2]}`), 'cat-file', 'blob', `${raw[3]}:${raw[4]}`],
          { encoding: 'buffer', maxBuffer: 1e9 },
          (err, stdout) => reply(err ? undefined : stdout),
        );
      } else if (go && goModCache) {
        const file = path.join(goModCache, 'cache', 'download', go[1]);
        reply(fs.existsSync(file) ? fs.readFileSync(file) : undefined);
      } else reply(undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetches every pinned file with its pinned digest, and the charts folder it writes renders kube-prometheus-stack', async () => {
    expect(repos.length).toBeGreaterThan(20);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-all-'));
    try {
      const report = await fetchUpstream({ dir, pins: PINS, mirror: base, helm: () => requireTool('helm'), jobs: 4 });
      expect(report.failed).toEqual([]);
      expect(misses).toEqual([]);
      expect(report.fetched.length).toBe(PINS.length);
      // The dependency charts the shared copy lacks are among them, and helm renders the chart.
      for (const d of ['grafana', 'kube-state-metrics', 'prometheus-node-exporter', 'prometheus-windows-exporter']) {
        expect(report.fetched).toContain(`charts/kube-prometheus-stack-88.5.3/charts/${d}/Chart.yaml`);
      }
      const home = path.join(dir, 'helm-home');
      const r = spawnSync(
        requireTool('helm'),
        ['template', 'kps', path.join(dir, 'charts', 'kube-prometheus-stack-88.5.3'), '--namespace', 'monitoring'],
        {
          encoding: 'utf8',
          maxBuffer: 1e9,
          env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
        },
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('# Source: kube-prometheus-stack/charts/grafana/templates/deployment.yaml');
      expect(r.stdout).toContain('# Source: kube-prometheus-stack/charts/kube-state-metrics/templates/deployment.yaml');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
