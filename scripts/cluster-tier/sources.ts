/**
 * What the cluster tier's Argo CD reads, all local: the project's GitOps repository as a git
 * repository on disk (file://, a transport the repo-server accepts: Argo CD's own e2e tests use
 * it), each upstream Git source as a repository tagged at its pinned revision, and each upstream
 * Helm repository as a chart repository (`helm package` + `helm repo index`) served over HTTP on
 * loopback from the pinned chart copies in ../shared/charts.
 *
 * The only change to the generated objects: every repoURL (and AppProject sourceRepos entry)
 * naming a remote repository names its local copy instead. Nothing else is altered.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import type { Environment } from '../../charts';
import { DIRS } from '../../charts/lib/constants';
import { type ApplicationSource, chartDirName, chartDirectory } from '../upstream/render';
import { CHARTS_DIR, CRDS_DIR } from '../toolchain/paths';
import { requireTool } from '../toolchain/tools';

/** The upstream sources of an environment's platform Applications (every source outside the project repository). */
export function upstreamSources(env: Environment, root: string): ApplicationSource[] {
  const dir = path.join(root, DIRS.argocd, env.name, DIRS.platformApplications);
  const out: ApplicationSource[] = [];
  for (const f of fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.yaml'))
    .sort()) {
    const app = load(fs.readFileSync(path.join(dir, f), 'utf8'), { schema: CORE_SCHEMA }) as {
      spec: { source?: ApplicationSource; sources?: ApplicationSource[] };
    };
    for (const s of app.spec.sources ?? (app.spec.source ? [app.spec.source] : []))
      if (s.repoURL !== env.argocd.repoURL) out.push(s);
  }
  return out;
}

/** A remote repository URL as a path segment: `https://kiali.org/helm-charts` → `kiali.org-helm-charts`. */
export function repoSlug(url: string): string {
  return url
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\.git$/, '')
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Rewrites each YAML scalar that is exactly a mapped URL (a `repoURL:` value or a list entry such
 * as an AppProject's sourceRepos) to its local URL; every other byte is kept.
 */
export function rewriteRepoUrls(text: string, map: ReadonlyMap<string, string>): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*(?:- |repoURL: |- repoURL: ))("?)([^"\s]+)\2(\s*)$/.exec(line);
      const to = m && map.get(m[3]);
      return m && to !== undefined ? `${m[1]}${m[2]}${to}${m[2]}${m[4]}` : line;
    })
    .join('\n');
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'cluster tier',
      GIT_AUTHOR_EMAIL: 'cluster-tier@localhost',
      GIT_COMMITTER_NAME: 'cluster tier',
      GIT_COMMITTER_EMAIL: 'cluster-tier@localhost',
      GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
    },
  });
}

/** Makes `dir` (already holding its files) a git repository with one commit on `branch`, tagged `tag` if given. */
export function commitRepository(dir: string, branch: string, tag?: string): string {
  git(['init', '-q', '-b', branch], dir);
  git(['add', '-A'], dir);
  git(['commit', '-q', '-m', 'snapshot'], dir);
  if (tag) git(['tag', tag], dir);
  return git(['rev-parse', 'HEAD'], dir).trim();
}

/** A static file server on 127.0.0.1 (the chart repositories). */
export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

export function serveDirectory(dir: string): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(dir, path.normalize(rel));
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.yaml') ? 'text/yaml' : 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

/** The local sources of one environment. */
export interface LocalSources {
  /** The project's repository: file://<dir>. */
  readonly projectUrl: string;
  /** Its working directory (a planted fault edits it, then commits). */
  readonly projectDir: string;
  /** Remote URL → local URL, for every repository the environment names. */
  readonly urls: ReadonlyMap<string, string>;
  /** Charts packaged, as <repo slug>/<chart>-<version>.tgz. */
  readonly charts: readonly string[];
}

/**
 * Builds the local sources under `work` for an environment of the project at `root`: the Helm
 * repositories under `work/charts/<slug>/` (to be served at `chartsUrl`), the upstream Git
 * repositories under `work/git/<slug>/`, and the project repository at `work/git/project/`
 * holding argocd/ and dist/ of `root` with the repoURLs rewritten.
 */
export function buildLocalSources(env: Environment, root: string, work: string, chartsUrl: string): LocalSources {
  const helm = requireTool('helm');
  const urls = new Map<string, string>();
  const charts: string[] = [];
  const helmEnv = {
    ...process.env,
    HELM_CACHE_HOME: path.join(work, 'helm', 'cache'),
    HELM_CONFIG_HOME: path.join(work, 'helm', 'config'),
    HELM_DATA_HOME: path.join(work, 'helm', 'data'),
  };
  const seen = new Set<string>();
  for (const s of upstreamSources(env, root)) {
    const key = `${s.repoURL} ${s.chart ?? s.path} ${s.targetRevision}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const slug = repoSlug(s.repoURL);
    if (s.chart !== undefined) {
      const dir = chartDirectory(s, CHARTS_DIR);
      if (!dir) throw new Error(`cluster tier: no copy of chart ${chartDirName(s)} (${s.repoURL}) in ${CHARTS_DIR}`);
      const repo = path.join(work, 'charts', slug);
      fs.mkdirSync(repo, { recursive: true });
      // A chart archive is the chart directory as <name>/ in a gzipped tar (what helm package
      // writes); made with tar because helm package refuses a chart whose dependencies are not
      // all unpacked beside it, which Argo CD's helm template then reports as the sync error.
      const meta = load(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8'), { schema: CORE_SCHEMA }) as {
        name: string;
        version: string;
      };
      if (meta.name !== s.chart || String(meta.version) !== s.targetRevision)
        throw new Error(
          `cluster tier: ${dir}/Chart.yaml is ${meta.name} ${meta.version}, not the pinned ${s.chart} ${s.targetRevision}`,
        );
      const tgz = `${s.chart}-${s.targetRevision}.tgz`;
      execFileSync(
        'tar',
        [
          '-czf',
          path.join(repo, tgz),
          '-C',
          path.dirname(dir),
          `--transform=s,^${path.basename(dir)},${s.chart},`,
          path.basename(dir),
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      charts.push(`${slug}/${tgz}`);
      urls.set(s.repoURL, `${chartsUrl}/${slug}`);
    } else {
      // A Git path: a chart directory (agent-sandbox's helm/) or plain YAML (the Gateway API CRDs).
      const repo = path.join(work, 'git', slug);
      const target = path.join(repo, s.path ?? '.');
      fs.mkdirSync(target, { recursive: true });
      const chart = chartDirectory(s, CHARTS_DIR);
      const plain = path.join(CRDS_DIR, path.basename(s.repoURL).replace(/\.git$/, ''));
      const from = chart ?? (fs.existsSync(plain) ? plain : undefined);
      if (!from)
        throw new Error(
          `cluster tier: no copy of ${s.repoURL} ${s.path} at ${s.targetRevision} in ${CHARTS_DIR} or ${CRDS_DIR}`,
        );
      fs.cpSync(from, target, { recursive: true });
      commitRepository(repo, 'main', s.targetRevision);
      urls.set(s.repoURL, `file://${repo}`);
    }
  }
  for (const d of fs.existsSync(path.join(work, 'charts')) ? fs.readdirSync(path.join(work, 'charts')) : [])
    execFileSync(helm, ['repo', 'index', path.join(work, 'charts', d)], {
      env: helmEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  const projectDir = path.join(work, 'git', 'project');
  const projectUrl = `file://${projectDir}`;
  urls.set(env.argocd.repoURL, projectUrl);
  for (const top of [DIRS.argocd, DIRS.dist])
    fs.cpSync(path.join(root, top), path.join(projectDir, top), { recursive: true });
  rewriteTree(path.join(projectDir, DIRS.argocd), urls);
  commitRepository(projectDir, env.argocd.targetRevision);
  return { projectUrl, projectDir, urls, charts };
}

/** Rewrites the repoURLs of every YAML file under a directory. */
export function rewriteTree(dir: string, urls: ReadonlyMap<string, string>): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) rewriteTree(p, urls);
    else if (e.name.endsWith('.yaml')) {
      const text = fs.readFileSync(p, 'utf8');
      const out = rewriteRepoUrls(text, urls);
      if (out !== text) fs.writeFileSync(p, out);
    }
  }
}

/** Commits every change in the project repository (after a planted fault), returning the new commit. */
export function commitChanges(projectDir: string, message: string): string {
  git(['add', '-A'], projectDir);
  git(['commit', '-q', '-m', message], projectDir);
  return git(['rev-parse', 'HEAD'], projectDir).trim();
}
