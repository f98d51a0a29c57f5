/**
 * `npm run diff` on a temporary git repository holding a copy of dist/ and argocd/: the git side
 * (ls-tree + cat-file), the default base, the working tree side and the command's output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIFF_COMMAND, runDiff } from '../../scripts/cli/diff';
import { isApplicationFile, needsPlatformApplications } from '../../scripts/diff/applications';
import {
  changedPaths,
  filesAtCommit,
  filesInWorkingTree,
  parseCatFileBatch,
  resolveCommit,
} from '../../scripts/diff/git';
import { runCommand } from '../../scripts/lib/cli';
import { diffReport } from '../../scripts/diff/report';
import { loadEnvironments } from '../../charts/config/environment';

const ROOT = path.resolve(__dirname, '..', '..');
const POLICY = 'dist/dev/tenants/alpha/networkpolicy-allow-platform-ingress.yaml';

let repo: string;
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });

/** Runs the command in the temporary repository; resolves exit code, standard output and errors. */
async function diff(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const stderrWrite = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runCommand(DIFF_COMMAND, (args) => runDiff(args, repo, (t) => (stdout += t)), argv);
    return {
      code,
      stdout,
      stderr: [...err.mock.calls.map((c) => String(c[0])), ...stderrWrite.mock.calls.map((c) => String(c[0]))].join(
        '\n',
      ),
    };
  } finally {
    err.mockRestore();
    stderrWrite.mockRestore();
  }
}

beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-'));
  for (const d of ['dist', 'argocd']) fs.cpSync(path.join(ROOT, d), path.join(repo, d), { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'output');
  git('checkout', '-q', '-b', 'change');
  const file = path.join(repo, POLICY);
  fs.writeFileSync(
    file,
    fs
      .readFileSync(file, 'utf8')
      .replace('kubernetes.io/metadata.name: kagent-system', 'kubernetes.io/metadata.name: tenant-beta'),
  );
  // A change that is not isolation-relevant, in a file sorted before the policy.
  const gw = path.join(repo, 'dist/dev/platform/gateway/agentgatewayparameters-agentgateway-config.yaml');
  fs.writeFileSync(
    gw,
    fs
      .readFileSync(gw, 'utf8')
      .replace('  name: agentgateway-config\n', '  name: agentgateway-config\n  annotations:\n    note: x\n'),
  );
  git('commit', '-q', '-am', 'open a tenant to another');
});

afterAll(() => {
  fs.rmSync(repo, { recursive: true, force: true });
});

describe('npm run diff', () => {
  it('reads a commit with ls-tree and cat-file exactly as the files are on disk', () => {
    const atHead = filesAtCommit(repo, resolveCommit(repo, 'HEAD'));
    const onDisk = filesInWorkingTree(repo);
    expect(atHead.size).toBe(onDisk.size);
    expect(atHead.size).toBeGreaterThan(100);
    expect([...atHead].every(([f, t]) => onDisk.get(f) === t)).toBe(true);
  });

  it("names a commit's change to one tenant's network policy first", async () => {
    const r = await diff('HEAD~1');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[2]).toMatch(/^Compared `HEAD~1` \([0-9a-f]{12}\) with the working tree/);
    const firstItem = lines.find((l) => l.startsWith('- '));
    expect(firstItem).toBe(
      `- **changed** NetworkPolicy tenant-alpha/allow-platform-ingress (Application \`guardrails-alpha\`, \`${POLICY}\`)`,
    );
    expect(r.stdout).toContain(
      '`spec.ingress[0].from[1].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]`: `"kagent-system"` → `"tenant-beta"`',
    );
  });

  it('defaults to the merge base with main and includes uncommitted changes of the working tree', async () => {
    const extra = path.join(repo, 'dist/dev/tenants/beta/resourcequota-tenant-quota.yaml');
    const before = fs.readFileSync(extra, 'utf8');
    fs.writeFileSync(extra, before.replace(/pods: "\d+"/, 'pods: "99"'));
    try {
      const r = await diff();
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[2]).toMatch(/^Compared the merge base of HEAD and `main` \([0-9a-f]{12}\)/);
      expect(r.stdout).toContain('- **changed** NetworkPolicy tenant-alpha/allow-platform-ingress');
      expect(r.stdout).toContain('- **changed** ResourceQuota tenant-beta/tenant-quota');
      expect(r.stdout).toContain('`spec.hard.pods`: ');
    } finally {
      fs.writeFileSync(extra, before);
    }
  });

  it('writes the report to --out and prints the summary line', async () => {
    const out = path.join(repo, 'diff.md');
    const r = await diff('main', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(out, 'utf8')).toContain('## Review first: isolation and routes');
    expect(r.stderr).toBe(
      `diff: 0 added, 0 removed, 2 changed objects in dev; 1 isolation change and 0 route changes to review first. Report written to ${out}\n`,
    );
    fs.rmSync(out);
  });

  it('reads only the files git finds changed, and reports what comparing every file reports, flows included', async () => {
    const envs = path.join(repo, 'charts/environments');
    fs.cpSync(path.join(ROOT, 'charts/environments'), envs, { recursive: true });
    const added = path.join(repo, 'dist/dev/tenants/beta/networkpolicy-planted.yaml');
    const removed = path.join(repo, 'dist/dev/tenants/beta/networkpolicy-allow-dns.yaml');
    const kept = fs.readFileSync(removed, 'utf8');
    fs.writeFileSync(
      added,
      kept.replace(/name: allow-dns/, 'name: planted').replace(/egress:[\s\S]*$/, 'ingress:\n    - {}\n'),
    );
    fs.rmSync(removed);
    const memory = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-memory-'));
    const before = process.env.VALIDATE_CACHE_DIR;
    process.env.VALIDATE_CACHE_DIR = memory;
    try {
      const commit = resolveCommit(repo, 'main');
      const full = diffReport(filesAtCommit(repo, commit), filesInWorkingTree(repo), {
        trustDomains: new Map(loadEnvironments(envs).map((e) => [e.name, e.cluster.trustDomain])),
      });
      expect(full.flows.length).toBeGreaterThan(0);
      const body = (md: string) => md.split('\n').slice(3).join('\n');
      const first = await diff('main');
      // The second run takes both sides' flows from memory.
      const second = await diff('main');
      expect(fs.readdirSync(path.join(memory, 'diff-flows')).length).toBe(2);
      expect(body(first.stdout)).toBe(body(full.markdown));
      expect(second.stdout).toBe(first.stdout);
    } finally {
      if (before === undefined) delete process.env.VALIDATE_CACHE_DIR;
      else process.env.VALIDATE_CACHE_DIR = before;
      fs.rmSync(memory, { recursive: true, force: true });
      fs.rmSync(added);
      fs.writeFileSync(removed, kept);
      fs.rmSync(path.join(repo, 'charts'), { recursive: true, force: true });
    }
  });

  it('runs from its bundle (scripts/launch.cjs) with --root, as npm run diff does, printing what runDiff prints', async () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts', 'launch.cjs'), 'scripts/cli/diff.ts', '--root', repo, 'main'],
      {
        cwd: os.tmpdir(),
        encoding: 'utf8',
        env: { ...process.env, VALIDATE_CACHE: 'off' },
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe((await diff('main')).stdout);
  });

  it('finds every path that may differ from the base: committed since, staged, changed, deleted, untracked, ignored', () => {
    const base = resolveCommit(repo, 'main');
    const rel = (f: string) => path.join(repo, f);
    const staged = 'dist/dev/tenants/alpha/networkpolicy-allow-dns.yaml';
    const edited = 'dist/prod/tenants/alpha/networkpolicy-allow-dns.yaml';
    const deleted = 'dist/prod/tenants/beta/README.md';
    const untracked = 'dist/dev/tenants/alpha/untracked.yaml';
    const ignored = 'argocd/dev/ignored.yaml';
    const kept = [staged, edited, deleted].map((f) => fs.readFileSync(rel(f), 'utf8'));
    try {
      fs.appendFileSync(rel(staged), '# staged\n');
      git('add', staged);
      fs.appendFileSync(rel(edited), '# edited\n');
      fs.rmSync(rel(deleted));
      fs.writeFileSync(rel(untracked), 'x: 1\n');
      fs.writeFileSync(path.join(repo, '.gitignore'), 'ignored.yaml\n');
      fs.writeFileSync(rel(ignored), 'x: 1\n');
      expect([...changedPaths(repo, base)].sort()).toEqual(
        [
          POLICY,
          'dist/dev/platform/gateway/agentgatewayparameters-agentgateway-config.yaml',
          staged,
          edited,
          deleted,
          untracked,
          ignored,
        ].sort(),
      );
      // Against HEAD itself: only what the index and the working tree change.
      expect([...changedPaths(repo, resolveCommit(repo, 'HEAD'))].sort()).toEqual(
        [staged, edited, deleted, untracked, ignored].sort(),
      );
    } finally {
      git('reset', '-q', '--', staged);
      [staged, edited, deleted].forEach((f, i) => fs.writeFileSync(rel(f), kept[i]));
      for (const f of [untracked, ignored, '.gitignore']) fs.rmSync(rel(f));
    }
  });

  it('reads argocd/ for the platform Applications only by their file names, which hold every Application', () => {
    const argocd = filesInWorkingTree(ROOT, (f) => f.startsWith('argocd/'));
    const holding = [...argocd].filter(([, text]) => /^kind: Application$/m.test(text)).map(([f]) => f);
    expect(holding.length).toBeGreaterThan(2);
    for (const f of holding) expect(isApplicationFile(f), f).toBe(true);
    expect(isApplicationFile('argocd/dev/projects/appproject-tenant-alpha.yaml')).toBe(false);
    expect(needsPlatformApplications('dist/dev/platform/gateway/gateway-x.yaml')).toBe(true);
    expect(needsPlatformApplications('dist/dev/tenants/alpha/networkpolicy-x.yaml')).toBe(false);
    expect(needsPlatformApplications('dist/dev/tenants/alpha/README.md')).toBe(false);
    expect(needsPlatformApplications('argocd/dev/platform/application-platform-gateway.yaml')).toBe(false);
  });

  it('exits 0 with no changes, and 1 with one line for a ref that names nothing', async () => {
    expect((await diff('HEAD')).stdout).toContain('**No changes in dist/ or argocd/.**');
    const bad = await diff('no-such-branch');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'diff: no-such-branch names no commit in this repository; give a branch, tag or commit, such as origin/main (git fetch first for a remote branch)',
    );
    const two = await diff('a', 'b');
    expect(two.code).toBe(2);
    expect(two.stderr.split('\n')[0]).toBe('diff: one ref at most, got 2: a b');
  });

  it('says what to do when neither main nor origin/main exists', async () => {
    git('branch', '-q', '-m', 'main', 'trunk');
    try {
      const r = await diff();
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'diff: no base to compare with: neither main nor origin/main exists here with history shared with HEAD; name one: npm run diff -- <ref>',
      );
    } finally {
      git('branch', '-q', '-m', 'trunk', 'main');
    }
  });

  it('parses cat-file output with binary-safe sizes and refuses a short stream', () => {
    const blob = Buffer.from('é\n');
    const out = Buffer.concat([Buffer.from(`abc blob ${blob.length}\n`), blob, Buffer.from('\n')]);
    expect(parseCatFileBatch(out, 1)).toEqual(['é\n']);
    expect(() => parseCatFileBatch(out, 2)).toThrow('git cat-file --batch ended after 1 of 2 objects');
  });
});
