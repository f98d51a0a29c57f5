import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../charts/main';
import { loadTenants } from '../../charts/config/load-tenants';
import { tenantValueDigest } from '../../charts/config/tenants-cache';
import { outputTree, scratchRoot } from './scratch-root';
import {
  existingFiles,
  lockOutput,
  recoverInterruptedSwap,
  SWAP_JOURNAL,
  writeAtomically,
} from '../../charts/synth/write';

const ROOT = path.resolve(__dirname, '..', '..');

const scratch = (tenants: string) => scratchRoot('synth-', tenants);
const tree = outputTree;

const TWO = 'tenants:\n  - name: alpha\n  - name: beta\n';

describe('npm run synth', () => {
  let root: string;
  let stderr: string[];
  let stdout: string[];

  beforeEach(() => {
    root = scratch(TWO);
    stderr = [];
    stdout = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
    vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ')));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('writes every environment and is byte-identical when run again', async () => {
    expect(await main(['--root', root])).toBe(0);
    const first = tree(root);
    expect(Object.keys(first).some((f) => f.startsWith('dist/dev/tenants/alpha/'))).toBe(true);
    expect(Object.keys(first).some((f) => f.startsWith('dist/prod/tenants/beta/'))).toBe(true);
    expect(Object.keys(first).some((f) => f.startsWith('argocd/prod/applicationsets/'))).toBe(true);
    expect(await main(['--root', root])).toBe(0);
    expect(tree(root)).toEqual(first);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.dist-'))).toEqual([]);
  });

  // The tenant's own files: its folder, its projects, and the objects of its observability in
  // platform namespaces (its Langfuse key, state and metrics proxy), named after its namespace.
  const ONLY_GAMMA =
    /^(dist\/(dev|prod)\/tenants\/gamma\/|argocd\/(dev|prod)\/projects\/appproject-(tenant|guardrails|namespace)-gamma\.yaml$|dist\/(dev|prod)\/platform\/(otel-collector|langfuse|observability)\/[a-z]+-([a-z]+-)?tenant-gamma\.yaml$)/;

  const edits: Record<string, string> = {
    'appended at the end': `${TWO}  - name: gamma\n`,
    'inserted first, with a comment': 'tenants:\n  # the new team\n  - name: gamma\n  - name: alpha\n  - name: beta\n',
    'inserted in the middle': 'tenants:\n  - name: alpha\n  - name: gamma\n    displayName: Gamma\n  - name: beta\n',
  };
  for (const [how, text] of Object.entries(edits)) {
    it(`adding a tenant (${how}) adds only that tenant's files and changes none`, async () => {
      await main(['--root', root]);
      const before = tree(root);
      fs.writeFileSync(path.join(root, 'tenants.yaml'), text);
      expect(await main(['--root', root])).toBe(0);
      const after = tree(root);
      const added = Object.keys(after).filter((f) => !(f in before));
      const changed = Object.keys(before).filter((f) => after[f] !== before[f]);
      // The shared files a new tenant changes, per environment: Keycloak imports a realm as one
      // document, so the realm's tenant groups live in one ConfigMap; the collector's routing
      // table is one configuration file, and its Deployment carries the new key and restarts
      // for it; each access sync mounts the new tenant's state (and key).
      const shared = [
        'keycloak/configmap-keycloak-realm-agents.yaml',
        'langfuse/cronjob-langfuse-access-sync.yaml',
        'observability/cronjob-grafana-access-sync.yaml',
        'otel-collector/configmap-otel-collector.yaml',
        'otel-collector/deployment-otel-collector.yaml',
      ];
      expect(changed).toEqual(['dev', 'prod'].flatMap((e) => shared.map((f) => `dist/${e}/platform/${f}`)));
      expect(added.length).toBeGreaterThan(0);
      for (const f of added) expect(f).toMatch(ONLY_GAMMA);
    });
  }

  it('editing comments, blank lines and tenant order changes no file', async () => {
    await main(['--root', root]);
    const before = tree(root);
    fs.writeFileSync(
      path.join(root, 'tenants.yaml'),
      '# registry\n\ntenants:\n\n  # team b\n  - name: beta\n\n  - name: alpha # team a\n',
    );
    expect(await main(['--root', root])).toBe(0);
    expect(tree(root)).toEqual(before);
  });

  it('completes a swap that was killed between its renames, so dist/ and argocd/ are both new', async () => {
    await main(['--root', root]);
    fs.writeFileSync(path.join(root, 'tenants.yaml'), `${TWO}  - name: gamma\n`);
    await main(['--root', root]);
    const fresh = tree(root);
    // Rebuild the moment after argocd/ was swapped in and dist/ moved away, before dist/ followed.
    fs.writeFileSync(path.join(root, 'tenants.yaml'), TWO);
    await main(['--root', root]);
    fs.mkdirSync(path.join(root, '.dist-stage-k'));
    fs.mkdirSync(path.join(root, '.dist-old-k'));
    fs.cpSync(path.join(root, 'dist'), path.join(root, '.dist-stage-k', 'dist'), { recursive: true });
    fs.renameSync(path.join(root, 'dist'), path.join(root, '.dist-old-k', 'dist'));
    fs.writeFileSync(path.join(root, 'tenants.yaml'), `${TWO}  - name: gamma\n`);
    const newer = scratch(`${TWO}  - name: gamma\n`);
    await main(['--root', newer]);
    fs.rmSync(path.join(root, '.dist-stage-k', 'dist'), { recursive: true });
    fs.cpSync(path.join(newer, 'dist'), path.join(root, '.dist-stage-k', 'dist'), { recursive: true });
    fs.rmSync(path.join(root, 'argocd'), { recursive: true });
    fs.cpSync(path.join(newer, 'argocd'), path.join(root, 'argocd'), { recursive: true });
    fs.writeFileSync(
      path.join(root, '.dist-swap.json'),
      JSON.stringify({ stage: '.dist-stage-k', old: '.dist-old-k', dirs: ['argocd', 'dist'] }),
    );
    stderr.length = 0;
    expect(await main(['--root', root, '--check'])).toBe(1);
    expect(stderr).toEqual(['synth --check: an earlier synth was interrupted; run npm run synth to finish it']);
    expect(recoverInterruptedSwap(root)).toEqual(['argocd', 'dist']);
    expect(tree(root)).toEqual(fresh);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.dist'))).toEqual([]);
    fs.rmSync(newer, { recursive: true, force: true });
  });

  it('restores an output directory that an interrupted swap left behind', async () => {
    await main(['--root', root]);
    const before = tree(root);
    fs.mkdirSync(path.join(root, '.dist-old-x'));
    fs.renameSync(path.join(root, 'dist'), path.join(root, '.dist-old-x', 'dist'));
    expect(await main(['--root', root])).toBe(0);
    expect(stderr).toContain('synth: finished dist/ of an interrupted earlier run');
    expect(tree(root)).toEqual(before);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.dist-'))).toEqual([]);
  });

  it('removing a tenant deletes its files and warns that the cluster keeps its namespace', async () => {
    await main(['--root', root]);
    fs.writeFileSync(path.join(root, 'tenants.yaml'), 'tenants:\n  - name: alpha\n');
    expect(await main(['--root', root])).toBe(0);
    const files = Object.keys(tree(root));
    expect(files.some((f) => f.includes('/beta/') || f.includes('-beta.yaml'))).toBe(false);
    expect(stderr.join('\n')).toContain('synth: tenant folders removed: dev/beta, prod/beta.');
    expect(stderr.join('\n')).toContain('offboard them explicitly (docs/operator-runbook.md, "Offboard a tenant")');
  });

  it('--check passes on fresh output and lists changed, missing and extra files', async () => {
    await main(['--root', root]);
    expect(await main(['--root', root, '--check'])).toBe(0);
    fs.appendFileSync(path.join(root, 'dist/dev/tenants/alpha/networkpolicy-default-deny.yaml'), '# edited\n');
    fs.rmSync(path.join(root, 'dist/prod/tenants/beta/resourcequota-tenant-quota.yaml'));
    fs.writeFileSync(path.join(root, 'argocd/dev/stray.yaml'), 'x: 1\n');
    stderr.length = 0;
    expect(await main(['--root', root, '--check'])).toBe(1);
    expect(stderr).toEqual([
      'synth --check: 3 generated files differ from a fresh synth; run npm run synth and commit the result',
      '  changed: dist/dev/tenants/alpha/networkpolicy-default-deny.yaml',
      '  missing: dist/prod/tenants/beta/resourcequota-tenant-quota.yaml',
      '  extra:   argocd/dev/stray.yaml',
    ]);
  });

  const bad: Record<string, string> = {
    'duplicate name': `${TWO}  - name: beta\n`,
    'bad name': 'tenants:\n  - name: Beta!\n',
    'unknown key': 'tenants:\n  - name: alpha\n    quotaa: {}\n',
    'wrong type': 'tenants:\n  - name: alpha\n    quota: 5\n',
    'bad quantity': 'tenants:\n  - name: alpha\n    quota: {limits.cpu: lots}\n',
    'YAML syntax error': 'tenants:\n  - name: "alpha\n',
    'duplicate key': 'tenants:\n  - name: alpha\n    quota: {pods: 1, pods: 2}\n',
  };
  for (const [kind, text] of Object.entries(bad)) {
    it(`rejects ${kind} with tenants.yaml:LINE:COL and leaves dist/ and argocd/ byte-identical`, async () => {
      await main(['--root', root]);
      const before = tree(root);
      fs.writeFileSync(path.join(root, 'tenants.yaml'), text);
      stderr.length = 0;
      expect(await main(['--root', root])).toBe(1);
      const errors = stderr.slice(0, -1);
      expect(errors.length).toBeGreaterThan(0);
      for (const line of errors) expect(line).toMatch(/^.*tenants\.yaml:\d+:\d+: .+\. Fix: .+/);
      expect(stderr[stderr.length - 1]).toMatch(/^synth: \d+ errors?; dist\/ and argocd\/ were not changed$/);
      expect(tree(root)).toEqual(before);
    });
  }

  it('reports an invalid environment file with its path and position', async () => {
    fs.appendFileSync(path.join(root, 'charts/environments/dev.yaml'), 'replicas: 3\n');
    expect(await main(['--root', root])).toBe(1);
    expect(stderr[0]).toMatch(
      /charts\/environments\/dev\.yaml:\d+:1: replicas: unknown key "replicas"\. Fix: remove it or check the spelling$/,
    );
  });

  it('reports errors of the environment files and of tenants.yaml in the same run', async () => {
    fs.appendFileSync(path.join(root, 'charts/environments/prod.yaml'), 'replicas: 3\n');
    fs.writeFileSync(path.join(root, 'tenants.yaml'), 'tenants:\n  - name: Bad\n');
    expect(await main(['--root', root])).toBe(1);
    expect(stderr.some((l) => /charts\/environments\/prod\.yaml:\d+:1: replicas: unknown key/.test(l))).toBe(true);
    expect(stderr.some((l) => l.includes('tenants.yaml:2:11: tenants[0].name: "Bad" is not a DNS-1123 label'))).toBe(
      true,
    );
    expect(stderr[stderr.length - 1]).toBe('synth: 2 errors; dist/ and argocd/ were not changed');
  });

  it("planted fault: refuses a tenant guard that weakens an environment's platform guards, naming both files", async () => {
    const backend =
      '    llmBackends:\n      - {name: openai, provider: openai, model: gpt-4.1-mini, apiKeySecret: openai}\n';
    fs.writeFileSync(
      path.join(root, 'tenants.yaml'),
      `tenants:\n  - name: alpha\n    guards: {request: [{detect: [ssn], action: mask}]}\n${backend}`,
    );
    expect(await main(['--root', root])).toBe(1);
    // dev.yaml and prod.yaml both reject ssn on the request: one error for each, at the tenant's guard.
    const envs = path.relative(process.cwd(), path.join(root, 'charts/environments'));
    const line = (env: string) =>
      `${rel('tenants.yaml')}:3:24: tenants[0].guards.request[0]: masks ssn, which the platform default of ${envs}/${env}.yaml rejects on the request. Fix: use action: reject for ssn, or leave it out: the platform default of ${envs}/${env}.yaml applies anyway`;
    expect(stderr).toEqual([line('dev'), line('prod'), 'synth: 2 errors; dist/ and argocd/ were not changed']);
  });

  // Guards are checked only for tenants whose entries changed since a run that found no issue
  // (charts/main.ts, guardErrors): the errors must be those of a check of every tenant.
  it('checks the guards of changed tenants only, reporting what a check of all reports', async () => {
    const backend =
      '    llmBackends:\n      - {name: openai, provider: openai, model: gpt-4.1-mini, apiKeySecret: openai}\n';
    const registry = (alphaGuards: string, ssn = 'ssn') =>
      `tenants:\n  - name: alpha\n${alphaGuards}${backend}  - name: beta\n    guards: {request: [{detect: [${ssn}], action: mask}]}\n${backend}`;
    const envFile = path.join(root, 'charts/environments/dev.yaml');
    const dev = fs.readFileSync(envFile, 'utf8');
    // beta masks ssn, which neither environment rejects once both reject only creditCard.
    for (const env of ['dev', 'prod']) {
      const f = path.join(root, `charts/environments/${env}.yaml`);
      fs.writeFileSync(
        f,
        fs.readFileSync(f, 'utf8').replace('[creditCard, ssn], action: reject', '[creditCard], action: reject'),
      );
    }
    fs.writeFileSync(path.join(root, 'tenants.yaml'), registry(''));
    expect(await main(['--root', root]), stderr.join('\n')).toBe(0);
    const errorsOf = async (args: string[]) => {
      stderr.length = 0;
      expect(await main(['--root', root, ...args])).toBe(1);
      return [...stderr];
    };
    // alpha's edit is checked; beta, unchanged and known to be fine, is not.
    fs.writeFileSync(
      path.join(root, 'tenants.yaml'),
      registry('    guards: {request: [{detect: [creditCard], action: mask}]}\n'),
    );
    const incremental = await errorsOf([]);
    expect(incremental).toHaveLength(3);
    expect(incremental[0]).toContain('tenants[0].guards.request[0]: masks creditCard');
    fs.rmSync(path.join(root, '.synth-record/tenants.json'));
    expect(await errorsOf([])).toEqual(incremental);
    // New platform defaults check every tenant again: beta's mask of ssn is now refused too.
    fs.writeFileSync(path.join(root, 'tenants.yaml'), registry(''));
    expect(await main(['--root', root, '--fresh'])).toBe(0);
    const cacheFile = path.join(root, '.synth-record/tenants.json');
    const cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { guardsChecked: { ok: string[] } };
    expect(cache.guardsChecked.ok).toHaveLength(2);
    // Planted: a cache that calls alpha's weakening guard fine hides its error (what the
    // comparison with a check of every tenant above would find).
    const bad = registry('    guards: {request: [{detect: [creditCard], action: mask}]}\n');
    const badAlpha = tenantValueDigest(loadTenants(bad)[0]);
    fs.writeFileSync(
      cacheFile,
      JSON.stringify({ ...cache, guardsChecked: { ...cache.guardsChecked, ok: [badAlpha] } }),
    );
    fs.writeFileSync(path.join(root, 'tenants.yaml'), bad);
    expect(await main(['--root', root])).toBe(0);
    fs.writeFileSync(path.join(root, 'tenants.yaml'), registry(''));
    expect(await main(['--root', root, '--fresh'])).toBe(0);
    fs.writeFileSync(envFile, dev);
    const refused = await errorsOf([]);
    expect(refused.some((l) => l.includes('tenants[1].guards.request[0]: masks ssn'))).toBe(true);
    fs.rmSync(path.join(root, '.synth-record/tenants.json'), { force: true });
    expect(await errorsOf([])).toEqual(refused);
  });

  /** How synth names a file of the scratch root (relative to the working directory). */
  const rel = (f: string) => path.relative(process.cwd(), path.join(root, f));

  it('reports a missing infrastructure outputs file as one error with the command that writes it', async () => {
    await main(['--root', root]);
    const before = tree(root);
    fs.rmSync(path.join(root, 'cluster/outputs/prod.json'));
    stderr.length = 0;
    expect(await main(['--root', root])).toBe(1);
    expect(stderr).toEqual([
      `${rel('cluster/outputs/prod.json')}:1:1: the infrastructure outputs of environment prod are missing. Fix: run npm run infra:outputs -- prod (after npm run infra:apply -- prod)`,
      'synth: 1 error; dist/ and argocd/ were not changed',
    ]);
    expect(tree(root)).toEqual(before);
  });

  it('reports an invalid outputs file with file:line:col together with tenants.yaml errors, and leaves dist/ untouched', async () => {
    await main(['--root', root]);
    const before = tree(root);
    const file = path.join(root, 'cluster/outputs/dev.json');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace('"port": 6379', '"port": "6379"')
        .replace('"agentic-platform/dev/redis-auth"', '"agentic-platform/prod/redis-auth"'),
    );
    fs.writeFileSync(path.join(root, 'tenants.yaml'), 'tenants:\n  - name: Bad\n');
    stderr.length = 0;
    expect(await main(['--root', root])).toBe(1);
    expect(stderr).toEqual([
      expect.stringContaining('tenants.yaml:2:11: tenants[0].name: "Bad" is not a DNS-1123 label'),
      `${rel('cluster/outputs/dev.json')}:15:13: redis.port: Invalid input: expected number, received string. Fix: write a port number from 1 to 65535`,
      'synth: 2 errors; dist/ and argocd/ were not changed',
    ]);
    fs.writeFileSync(path.join(root, 'tenants.yaml'), TWO);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"port": "6379"', '"port": 6379'));
    stderr.length = 0;
    expect(await main(['--root', root])).toBe(1);
    expect(stderr).toEqual([
      `${rel('cluster/outputs/dev.json')}:33:18: secrets.redisAuth: "agentic-platform/prod/redis-auth" is outside agentic-platform/dev/, which is all external-secrets may read. Fix: write agentic-platform/dev/redis-auth`,
      'synth: 1 error; dist/ and argocd/ were not changed',
    ]);
    expect(tree(root)).toEqual(before);
    const r = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'charts', 'main.ts'), '--root', root],
      { encoding: 'utf8', cwd: root },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cluster/outputs/dev.json:33:18: secrets.redisAuth:');
    expect(r.stderr).not.toContain('    at ');
  });

  it('rejects unknown arguments with usage and exit code 2', async () => {
    expect(await main(['--frobnicate'])).toBe(2);
    expect(stderr[0]).toContain('synth: unknown argument --frobnicate');
  });

  it('exits 1 with a process exit code and a one-line message when run as a program', async () => {
    fs.writeFileSync(path.join(root, 'tenants.yaml'), 'tenants:\n  - name: UPPER\n');
    const r = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'charts', 'main.ts'), '--root', root],
      { encoding: 'utf8', cwd: root },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('tenants.yaml:2:11: tenants[0].name: "UPPER" is not a DNS-1123 label.');
    expect(r.stderr).not.toContain('    at ');
  });
});

describe('writeAtomically', () => {
  it('rolls back a swap whose rename fails, leaving every directory as it was', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    await writeAtomically(
      root,
      new Map([
        ['argocd/a.yaml', 'old-a\n'],
        ['dist/d.yaml', 'old-d\n'],
      ]),
    );
    // The swap moves argocd/b.yaml in whole, replaces argocd/a.yaml, deletes dist/d.yaml; moving
    // the new dist/e.yaml in then fails.
    const refuse = (from: string, to: string) => {
      if (to === path.join(root, 'dist', 'e.yaml')) throw new Error('EPERM: rename refused');
      fs.renameSync(from, to);
    };
    const next = new Map([
      ['argocd/a.yaml', 'new-a\n'],
      ['argocd/b.yaml', 'new-b\n'],
      ['dist/e.yaml', 'new-e\n'],
      ['new/n.yaml', 'n\n'],
    ]);
    await expect(writeAtomically(root, next, refuse)).rejects.toThrow(
      'EPERM: rename refused; dist/ and argocd/ were left as they were',
    );
    expect(existingFiles(root, ['argocd', 'dist', 'new'])).toEqual(['argocd/a.yaml', 'dist/d.yaml']);
    expect(fs.readFileSync(path.join(root, 'argocd/a.yaml'), 'utf8')).toBe('old-a\n');
    expect(fs.readFileSync(path.join(root, 'dist/d.yaml'), 'utf8')).toBe('old-d\n');
    expect(fs.readdirSync(root).sort()).toEqual(['argocd', 'dist']);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('writes only new and changed files into an existing directory and reports the counts', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    expect(
      await writeAtomically(
        root,
        new Map([
          ['dist/a.yaml', 'a\n'],
          ['dist/t/b.yaml', 'b\n'],
          ['dist/t/c.yaml', 'c\n'],
        ]),
      ),
    ).toEqual({ written: 3, unchanged: 0, deleted: 0 });
    const inode = fs.statSync(path.join(root, 'dist/a.yaml')).ino;
    expect(
      await writeAtomically(
        root,
        new Map([
          ['dist/a.yaml', 'a\n'],
          ['dist/t/b.yaml', 'B\n'],
          ['dist/u/d.yaml', 'd\n'],
        ]),
      ),
    ).toEqual({ written: 2, unchanged: 1, deleted: 1 });
    expect(fs.statSync(path.join(root, 'dist/a.yaml')).ino, 'an unchanged file is left alone').toBe(inode);
    expect(existingFiles(root, ['dist'])).toEqual(['dist/a.yaml', 'dist/t/b.yaml', 'dist/u/d.yaml']);
    expect(fs.readFileSync(path.join(root, 'dist/t/b.yaml'), 'utf8')).toBe('B\n');
    expect(await writeAtomically(root, new Map([['dist/a.yaml', 'a\n']]))).toEqual({
      written: 0,
      unchanged: 1,
      deleted: 2,
    });
    expect(fs.readdirSync(path.join(root, 'dist')), 'folders left empty are removed').toEqual(['a.yaml']);
    expect(fs.readdirSync(root)).toEqual(['dist']);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('completes a file-by-file swap that was killed part-way', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    await writeAtomically(
      root,
      new Map([
        ['dist/a.yaml', 'a\n'],
        ['dist/b.yaml', 'b\n'],
        ['argocd/x.yaml', 'x\n'],
      ]),
    );
    // Killed after dist/a.yaml was moved aside, before its new version was moved in.
    let renames = 0;
    const kill = (from: string, to: string) => {
      if (++renames === 2) throw new Error('killed');
      fs.renameSync(from, to);
    };
    const next = new Map([
      ['dist/a.yaml', 'A\n'],
      ['argocd/x.yaml', 'X\n'],
    ]);
    const swap = writeAtomically(root, next, kill);
    await expect(swap).rejects.toThrow('killed');
    // The rollback ran; now replay the crash: journal and staging as the kill left them.
    const stage = fs.mkdtempSync(path.join(root, '.dist-stage-'));
    const old = fs.mkdtempSync(path.join(root, '.dist-old-'));
    fs.mkdirSync(path.join(stage, 'dist'));
    fs.mkdirSync(path.join(stage, 'argocd'));
    fs.mkdirSync(path.join(old, 'dist'));
    fs.writeFileSync(path.join(stage, 'dist/a.yaml'), 'A\n');
    fs.writeFileSync(path.join(stage, 'argocd/x.yaml'), 'X\n');
    fs.renameSync(path.join(root, 'dist/b.yaml'), path.join(old, 'dist/b.yaml'));
    fs.renameSync(path.join(root, 'dist/a.yaml'), path.join(old, 'dist/a.yaml'));
    fs.writeFileSync(
      path.join(root, SWAP_JOURNAL),
      JSON.stringify({
        stage: path.basename(stage),
        old: path.basename(old),
        dirs: [],
        files: ['argocd/x.yaml', 'dist/a.yaml'],
        deletes: ['dist/b.yaml'],
      }),
    );
    expect(recoverInterruptedSwap(root)).toEqual(['argocd', 'dist']);
    expect(existingFiles(root, ['argocd', 'dist'])).toEqual(['argocd/x.yaml', 'dist/a.yaml']);
    expect(fs.readFileSync(path.join(root, 'dist/a.yaml'), 'utf8')).toBe('A\n');
    expect(fs.readFileSync(path.join(root, 'argocd/x.yaml'), 'utf8')).toBe('X\n');
    expect(fs.readdirSync(root).sort()).toEqual(['argocd', 'dist']);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses a journal naming a path outside the output', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    for (const bad of ['../etc/passwd', '/etc/passwd', 'dist/../../x', 'dist', '.git/config']) {
      fs.writeFileSync(
        path.join(root, SWAP_JOURNAL),
        JSON.stringify({ stage: '.dist-stage-x', old: '.dist-old-x', dirs: [], files: [bad] }),
      );
      expect(() => recoverInterruptedSwap(root), bad).toThrow(`${SWAP_JOURNAL} is damaged`);
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses a damaged journal instead of following its paths', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    fs.mkdirSync(path.join(root, 'dist'));
    fs.writeFileSync(
      path.join(root, SWAP_JOURNAL),
      JSON.stringify({ stage: '.dist-stage-x', old: '', dirs: ['dist'] }),
    );
    expect(() => recoverInterruptedSwap(root)).toThrow(`${SWAP_JOURNAL} is damaged`);
    expect(fs.existsSync(path.join(root, 'dist'))).toBe(true);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('lets one synth at a time write the output, and takes over a lock whose process is gone', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));
    const release = lockOutput(root);
    expect(() => lockOutput(root)).toThrow(`another synth (pid ${process.pid}) is writing dist/ and argocd/`);
    release();
    fs.writeFileSync(path.join(root, '.dist-lock'), '999999999');
    const again = lockOutput(root);
    expect(fs.readFileSync(path.join(root, '.dist-lock'), 'utf8')).toBe(String(process.pid));
    again();
    expect(fs.existsSync(path.join(root, '.dist-lock'))).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('keeps the previous output intact when writing fails part-way', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    await writeAtomically(root, new Map([['dist/a.yaml', 'old\n']]));
    // dist/x is both a file and a directory: the second write fails after the first succeeded.
    const broken = new Map([
      ['dist/x', 'file\n'],
      ['dist/x/y.yaml', 'child\n'],
    ]);
    await expect(writeAtomically(root, broken)).rejects.toThrow();
    expect(fs.readFileSync(path.join(root, 'dist/a.yaml'), 'utf8')).toBe('old\n');
    expect(fs.existsSync(path.join(root, 'dist/x'))).toBe(false);
    expect(fs.readdirSync(root)).toEqual(['dist']);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('replaces the whole directory, so files no longer produced disappear', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    await writeAtomically(
      root,
      new Map([
        ['dist/a.yaml', '1\n'],
        ['dist/b/c.yaml', '2\n'],
      ]),
    );
    await writeAtomically(root, new Map([['dist/a.yaml', '1\n']]));
    expect(existingFiles(root, ['dist'])).toEqual(['dist/a.yaml']);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('the committed output', () => {
  it('is what synth produces from the committed tenants.yaml (drift check)', async () => {
    const out = execFileSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'charts', 'main.ts'), '--check'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(out).toMatch(/^synth --check: \d+ files up to date/);
  });
});
