/**
 * npm run fetch-upstream: every pinned file has an upstream source, and the fetch writes a file
 * only when its bytes have the pinned sha256. Run against a loopback HTTP server that serves the
 * upstream URLs (as a mirror, <server>/<host>/<path>) from the copies this machine has, with a
 * planted wrong file and a missing one.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTgz, readZip } from '../../scripts/upstream/archives';
import {
  fetchUpstream,
  folderOf,
  mirrored,
  PINS_FILE,
  type Pin,
  readPins,
  resolvePin,
  sha256,
  sourceUrl,
} from '../../scripts/upstream/fetch';
import { copyPath } from '../../scripts/toolchain/paths';
import {
  chartDirName,
  loadEnvironment,
  readPlatformApplication,
  upstreamComponents,
} from '../../scripts/upstream/render';
import { envsubst } from '../../scripts/upstream/recipes';
import { FOLDERS, MADE } from '../../scripts/upstream/sources';
import { requireTool } from '../../scripts/toolchain/tools';

const ROOT = path.resolve(__dirname, '..', '..');
const PINS = readPins(fs.readFileSync(PINS_FILE, 'utf8'));

describe('the pins and their sources', () => {
  it('pins every file once, sorted, below crds/, charts/ or schemas/', () => {
    const paths = PINS.map((p) => p.path);
    expect(paths).toEqual([...paths].sort());
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.filter((p) => !/^(crds|charts|schemas)\//.test(p))).toEqual([]);
    expect(PINS.length).toBeGreaterThan(2000);
  });

  it('gives every pinned file a source, and every source and recipe a pinned file', () => {
    const unresolved = PINS.flatMap((p) => {
      try {
        resolvePin(p.path);
        return [];
      } catch (e) {
        return [(e as Error).message];
      }
    });
    expect(unresolved).toEqual([]);
    const used = new Set(PINS.map((p) => folderOf(p.path)?.dir));
    expect(FOLDERS.filter((f) => !used.has(f.dir)).map((f) => f.dir)).toEqual([]);
    const pinned = new Set(PINS.map((p) => p.path));
    expect(MADE.filter((m) => !pinned.has(m.file)).map((m) => m.file)).toEqual([]);
    // Pinned by commit, never by a moving ref.
    for (const p of PINS) {
      const url = sourceUrl(((r) => (r.kind === 'made' ? r.input : r))(resolvePin(p.path)));
      expect(url, p.path).toMatch(
        /^https:\/\/(raw\.githubusercontent\.com\/[^/]+\/[^/]+\/[0-9a-f]{40}\/|proxy\.golang\.org\/)/,
      );
    }
  });

  it('pins the chart of every platform Application, so that a chart upgrade without new pins fails here', () => {
    /** The chart folders of Applications whose Chart.yaml no pin holds. */
    const unpinned = (dirs: readonly string[], pins: readonly Pin[]) => {
      const pinned = new Set(pins.map((p) => p.path));
      return dirs.filter(
        (d) => !pinned.has(`charts/${d}/Chart.yaml`) && !pinned.has(`charts/_release-stamped/${d}/Chart.yaml`),
      );
    };
    const dirs = ['dev', 'prod'].flatMap((name) => {
      const env = loadEnvironment(name);
      return upstreamComponents(env)
        .map((c) => readPlatformApplication(env, c).source)
        .filter((s) => s.chart !== undefined)
        .map(chartDirName);
    });
    expect(dirs).toEqual(expect.arrayContaining(['kagent-0.9.12', 'kube-prometheus-stack-88.5.3', 'istiod-1.30.3']));
    expect(unpinned(dirs, PINS)).toEqual([]);
    // Planted: an upgraded chart whose files are not pinned yet.
    expect(unpinned([...dirs, 'keycloakx-7.2.0'], PINS)).toEqual(['keycloakx-7.2.0']);
  });

  it('resolves a file to the raw URL of its folder at the pinned commit, and a recipe to its input', () => {
    expect(resolvePin('charts/keycloakx-7.1.8/templates/statefulset.yaml')).toEqual({
      kind: 'url',
      url: 'https://raw.githubusercontent.com/codecentric/helm-charts/62235b0554c6384b7e948b7f6fc5e54068f5b798/charts/keycloakx/templates/statefulset.yaml',
    });
    expect(resolvePin('crds/istio/crd-all.gen.yaml')).toEqual({
      kind: 'url',
      url: 'https://raw.githubusercontent.com/istio/istio/56df41f63e513f834c9a3af33d8aed82d1d961f2/manifests/charts/base/files/crd-all.gen.yaml',
    });
    const made = resolvePin('charts/kagent-0.9.12/Chart.yaml');
    expect(made.kind).toBe('made');
    expect(made.kind === 'made' && made.input).toEqual({
      kind: 'url',
      url: 'https://raw.githubusercontent.com/kagent-dev/kagent/b45990582595acea5f6e765b86a10b251c50d5c9/helm/kagent/Chart-template.yaml',
    });
    expect(resolvePin('charts/kiali-server-2.22.0/values.yaml')).toMatchObject({
      kind: 'member',
      member: 'kiali-server/values.yaml',
    });
    expect(mirrored('https://raw.githubusercontent.com/a/b/c', 'http://127.0.0.1:9/m/')).toBe(
      'http://127.0.0.1:9/m/raw.githubusercontent.com/a/b/c',
    );
  });
});

describe('recipes and archives', () => {
  it('envsubst replaces every $NAME and ${NAME}, an unset one by nothing', () => {
    expect(envsubst('version: ${VERSION}\nappVersion: $VERSION\nx: ${UNSET}y $$', { VERSION: '0.9.12' })).toBe(
      'version: 0.9.12\nappVersion: 0.9.12\nx: y $$',
    );
  });

  it('reads the files of a tgz (long names too) and of a zip (stored and deflated)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archives-'));
    const long = `chart/${'d'.repeat(120)}/values.yaml`;
    fs.mkdirSync(path.join(dir, path.dirname(long)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'chart', 'Chart.yaml'), 'name: chart\n');
    fs.writeFileSync(path.join(dir, long), 'a: 1\n');
    const tar = spawnSync('tar', ['-cf', '-', '-C', dir, 'chart'], { maxBuffer: 1e8 });
    expect(tar.status).toBe(0);
    const files = readTgz(gzipSync(tar.stdout));
    expect(files.get('chart/Chart.yaml')?.toString()).toBe('name: chart\n');
    expect(files.get(long)?.toString()).toBe('a: 1\n');
    expect([...files.keys()].sort()).toEqual([long, 'chart/Chart.yaml'].sort());
    expect(readZip(zipOf({ 'm@v1/LICENSE': 'text', 'm@v1/dir/': '', 'm@v1/big.txt': 'x'.repeat(1000) }))).toEqual(
      new Map([
        ['m@v1/LICENSE', Buffer.from('text')],
        ['m@v1/big.txt', Buffer.from('x'.repeat(1000))],
      ]),
    );
  });
});

/** A zip of the given entries: names ending in / are directories, files over 100 bytes are deflated. */
function zipOf(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const raw = Buffer.from(text);
    const deflate = raw.length > 100;
    const data = deflate ? deflateRawSync(raw) : raw;
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(deflate ? 8 : 0, 10);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(raw.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    central.push(c, n);
    offset += 30 + n.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

describe('fetching from a loopback mirror', () => {
  /**
   * Served from the copies this machine has: each upstream Git URL whose bytes a pinned file holds
   * as it is. The fetch of the CRDs, the schema, kagent's chart and the stamped istiod (recipes
   * among them) is checked, where their upstream file is so served.
   * test/upstream/fetch-sources.test.ts fetches every pin from the upstream Git objects.
   */
  const keyOf = (pin: Pin) => {
    const url = new URL(sourceUrl(((r) => (r.kind === 'made' ? r.input : r))(resolvePin(pin.path))));
    return url.host + url.pathname;
  };
  // Every upstream URL whose bytes are a pinned file as it is (Git trees): recipe inputs among them.
  const served = new Map<string, Buffer>();
  for (const p of PINS) {
    const r = resolvePin(p.path);
    if (r.kind === 'url' && fs.existsSync(copyPath(p.path)))
      served.set(new URL(r.url).host + new URL(r.url).pathname, fs.readFileSync(copyPath(p.path)));
  }
  const chosen = PINS.filter(
    (p) =>
      (/^(crds|schemas)\//.test(p.path) ||
        p.path.startsWith('charts/kagent-0.9.12/') ||
        p.path.startsWith('charts/_release-stamped/istiod-1.30.3/')) &&
      served.has(keyOf(p)),
  );
  let server: http.Server;
  let base = '';
  const requests: string[] = [];
  const plant = new Map<string, Buffer | null>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const key = decodeURIComponent(req.url ?? '').replace(/^\//, '');
      requests.push(key);
      const body = plant.has(key) ? plant.get(key) : served.get(key);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('writes every file with its pinned digest, recipes included, and keeps them on the next run', async () => {
    expect(chosen.length).toBeGreaterThan(250);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-'));
    const first = await fetchUpstream({ dir, pins: chosen, mirror: base, helm: () => requireTool('helm') });
    expect(first.failed).toEqual([]);
    expect(first.fetched.length).toBe(chosen.length);
    for (const p of chosen) expect(sha256(fs.readFileSync(path.join(dir, p.path))), p.path).toBe(p.sha256);
    // The recipes ran: kagent's Chart.yaml (envsubst), an agent's (helm package), istiod's stamped values.
    for (const f of [
      'charts/kagent-0.9.12/Chart.yaml',
      'charts/kagent-0.9.12/charts/k8s-agent/Chart.yaml',
      'charts/_release-stamped/istiod-1.30.3/values.yaml',
    ]) {
      expect(first.fetched).toContain(f);
      expect(resolvePin(f).kind).toBe('made');
    }
    const before = requests.length;
    const again = await fetchUpstream({ dir, pins: chosen, mirror: base });
    expect(again).toEqual({ kept: chosen.length, fetched: [], failed: [], downloads: 0 });
    expect(requests.length).toBe(before);
    expect((await fetchUpstream({ dir, pins: chosen, check: true })).failed).toEqual([]);
  });

  it('planted: a file with another digest is refused and not written, a missing one is named, and the rest is written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-'));
    const crds = chosen.filter((p) => p.path.startsWith('crds/'));
    const wrong = crds.find((p) => p.path === 'crds/kagent/kagent.dev_agents.yaml')!;
    const gone = crds.find((p) => p.path === 'crds/kyverno/kyverno.io_policies.yaml')!;
    plant.set(keyOf(wrong), Buffer.concat([served.get(keyOf(wrong))!, Buffer.from('# changed\n')]));
    plant.set(keyOf(gone), null);
    try {
      const r = await fetchUpstream({ dir, pins: crds, mirror: base });
      const bad = sha256(plant.get(keyOf(wrong))!);
      expect(r.failed).toEqual([
        {
          path: wrong.path,
          reason: `sha256 ${bad}, pinned ${wrong.sha256} (from https://raw.githubusercontent.com/kagent-dev/kagent/b45990582595acea5f6e765b86a10b251c50d5c9/go/api/config/crd/bases/kagent.dev_agents.yaml)`,
        },
        {
          path: gone.path,
          reason:
            'HTTP 404 (from https://raw.githubusercontent.com/kyverno/kyverno/ee97ce09538b09b6f1b03853cc41a62654d6a58f/config/crds/kyverno/kyverno.io_policies.yaml)',
        },
      ]);
      expect(fs.existsSync(path.join(dir, wrong.path))).toBe(false);
      expect(fs.existsSync(path.join(dir, gone.path))).toBe(false);
      expect(r.fetched.length).toBe(crds.length - 2);
      expect(fs.readdirSync(path.join(dir, 'crds', 'kagent')).filter((f) => f.endsWith('.part'))).toEqual([]);
      const check = await fetchUpstream({ dir, pins: crds, check: true });
      expect(check.failed).toEqual([
        { path: wrong.path, reason: 'missing' },
        { path: gone.path, reason: 'missing' },
      ]);
    } finally {
      plant.clear();
    }
    // With the upstream right again, the next run fetches only those two.
    const r = await fetchUpstream({ dir, pins: crds, mirror: base });
    expect(r).toMatchObject({ kept: crds.length - 2, fetched: [gone.path, wrong.path].sort(), failed: [] });
  });

  it('as a command: --only, --dir and --mirror; a wrong file exits 1 naming it and the digests; --check verifies', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-cli-'));
    // Asynchronously: the loopback server runs in this process.
    const run = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', path.join(ROOT, 'scripts', 'cli', 'fetch-upstream.ts'), ...args],
          { cwd: ROOT },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    const ok = await run('--only', 'crds,schemas', '--dir', dir, '--mirror', base);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const n = PINS.filter((p) => /^(crds|schemas)\//.test(p.path)).length;
    expect(ok.stdout).toMatch(
      new RegExp(
        `^fetch-upstream: ${n} pinned files \\(crds, schemas\\) in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 0 already there, ${n} fetched and checked \\(${n} downloads\\) in [\\d.]+s\\n$`,
      ),
    );
    const check = await run('--only', 'crds,schemas', '--dir', dir, '--check');
    expect(check.status).toBe(0);
    expect(check.stdout).toBe(
      `fetch-upstream --check: ${n} pinned files (crds, schemas) in ${dir}: ${n} as pinned, 0 missing or different\n`,
    );
    fs.appendFileSync(path.join(dir, 'schemas', 'eksctl-clusterconfig-v1alpha5.schema.json'), ' ');
    const bad = await run('--only', 'schemas', '--dir', dir, '--check');
    expect(bad.status).toBe(1);
    expect(bad.stderr.split('\n')[0]).toMatch(
      /^fetch-upstream: schemas\/eksctl-clusterconfig-v1alpha5\.schema\.json: sha256 [0-9a-f]{64}, pinned [0-9a-f]{64}$/,
    );
    expect(bad.stderr.split('\n')[1]).toBe(
      `fetch-upstream: 1 file missing or not as pinned; run npm run fetch-upstream -- --dir ${dir}`,
    );
    // A folder without copies: ten named, the rest counted, one line of advice.
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-empty-'));
    const none = await run('--only', 'crds', '--dir', empty, '--check');
    const crds = PINS.filter((p) => p.path.startsWith('crds/')).length;
    expect(none.status).toBe(1);
    expect(none.stderr.split('\n').slice(10)).toEqual([
      `fetch-upstream: ... and ${crds - 10} more files`,
      `fetch-upstream: ${crds} files missing or not as pinned; run npm run fetch-upstream -- --dir ${empty}`,
      '',
    ]);
    expect(
      none.stderr
        .split('\n')
        .slice(0, 10)
        .every((l) => /^fetch-upstream: crds\/\S+: missing$/.test(l)),
    ).toBe(true);
  });
});
