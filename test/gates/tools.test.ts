/**
 * The pinned tool table and the installer's bookkeeping. The installed binaries are read back
 * with `go version -m`, so a stamp cannot claim a version the binary was not built from.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { binaryPath, isInstalled, requireTool, stampFor, tool, TOOLS } from '../../scripts/toolchain/tools';
import { ROOT } from './fixture';

describe('pinned tools', () => {
  it('pins every tool to an exact release, never a moving target', () => {
    for (const t of TOOLS) {
      expect(t.version, t.name).toMatch(/^v\d+\.\d+\.\d+$/);
    }
  });

  it('has the tools the gates need', () => {
    expect(TOOLS.map((t) => t.name).sort()).toEqual([
      'chainsaw',
      'etcd',
      'gitleaks',
      'helm',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-score',
      'kubeconform',
      'kubectl',
      'kubectl-validate',
      'kubectl-validate-upstream',
      'kyverno',
      'netpol-analyzer',
      'otelcol',
      'prom-label-proxy',
      'promql-eval',
    ]);
  });

  it('requires each wrapped tool at its pinned version, with every dependency in go.sum', () => {
    for (const t of TOOLS.filter((x) => x.kind === 'wrapper')) {
      const gomod = JSON.parse(
        execFileSync('go', ['mod', 'edit', '-json'], { cwd: path.join(ROOT, t.dir), encoding: 'utf8' }),
      ) as { Require: { Path: string; Version: string; Indirect?: boolean }[] };
      expect(
        gomod.Require.find((r) => r.Path === t.module),
        t.dir,
      ).toEqual({ Path: t.module, Version: t.version });
      const sum = fs.readFileSync(path.join(ROOT, t.dir, 'go.sum'), 'utf8');
      expect(sum, t.dir).toContain(`${t.module} ${t.version} h1:`);
    }
  });

  it('repeats the replace directive of kyverno v1.19.0 in its wrapper', () => {
    const gomod = fs.readFileSync(path.join(ROOT, 'tools/kyverno/go.mod'), 'utf8');
    expect(gomod).toContain(
      'replace k8s.io/pod-security-admission => github.com/kyverno/pod-security-admission v0.0.0-20251031094455-46f20778634f',
    );
  });

  it('built every installed binary from the pinned module version', () => {
    for (const t of TOOLS) {
      const info = execFileSync('go', ['version', '-m', binaryPath(t)], { encoding: 'utf8' });
      const line =
        t.kind === 'install'
          ? new RegExp(`^\\s+mod\\s+${t.module}\\s+${t.version}\\s`, 'm')
          : new RegExp(`^\\s+dep\\s+${t.module}\\s+${t.version}\\s`, 'm');
      expect(info, t.name).toMatch(line);
    }
  });

  it('fails a gate whose tool is missing, naming the command that installs it', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-'));
    try {
      expect(isInstalled(tool('kubeconform'), empty)).toBe(false);
      expect(() => requireTool('kubeconform', empty)).toThrow(
        'kubeconform v0.8.0 is not installed in .tools/bin (or was built from other inputs); run: npm run tools',
      );
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('treats a binary with a stale stamp as missing', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-'));
    try {
      const t = tool('gitleaks');
      fs.mkdirSync(path.join(home, 'bin'));
      fs.mkdirSync(path.join(home, 'stamps'));
      fs.writeFileSync(path.join(home, 'bin', t.binary), '');
      fs.writeFileSync(path.join(home, 'stamps', t.name), stampFor(t).replace(t.version, 'v8.0.0'));
      expect(isInstalled(t, home)).toBe(false);
      fs.writeFileSync(path.join(home, 'stamps', t.name), stampFor(t));
      expect(isInstalled(t, home)).toBe(true);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("rebuilds a wrapped tool when its module's sources change", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-'));
    try {
      const t = tool('kyverno');
      if (t.kind !== 'wrapper') throw new Error('kyverno is a wrapped tool');
      fs.cpSync(path.join(ROOT, t.dir), path.join(root, t.dir), { recursive: true });
      const before = stampFor(t, root);
      expect(before).toBe(stampFor(t, ROOT));
      fs.appendFileSync(path.join(root, t.dir, 'main.go'), '\n// changed\n');
      expect(stampFor(t, root)).not.toBe(before);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('builds kube-apiserver, kube-controller-manager and kubectl from one wrapper that maps every staging module to the same release', () => {
    const gomod = JSON.parse(
      execFileSync('go', ['mod', 'edit', '-json'], { cwd: path.join(ROOT, 'tools/kubernetes'), encoding: 'utf8' }),
    ) as {
      Require: { Path: string; Version: string }[];
      Replace: { Old: { Path: string }; New: { Path: string; Version: string } }[];
    };
    const kubernetes = tool('kube-apiserver');
    const staging = gomod.Replace.map((r) => r.Old.Path);
    expect(staging.length).toBeGreaterThan(30);
    for (const r of gomod.Replace)
      expect(r.New, r.Old.Path).toEqual({ Path: r.Old.Path, Version: kubernetes.version.replace(/^v1\./, 'v0.') });
    for (const name of ['kube-apiserver', 'kube-controller-manager', 'kubectl']) {
      const t = tool(name);
      expect(t.kind === 'wrapper' && t.dir, name).toBe('tools/kubernetes');
      expect(t.ldflags, name).toContain(`-X k8s.io/component-base/version.gitVersion=${kubernetes.version}`);
    }
  });

  it("stamps helm's default Kubernetes version from the client-go it is built with, as upstream's Makefile does", () => {
    // helm v3.22.0 Makefile: K8S_MODULES_VER from go.mod's k8s.io/client-go → -X .../chartutil.k8sVersionMinor.
    const helm = tool('helm');
    const info = execFileSync('go', ['version', '-m', binaryPath(helm)], { encoding: 'utf8' });
    const minor = /^\s+dep\s+k8s\.io\/client-go\s+v0\.(\d+)\.\d+\s/m.exec(info)?.[1];
    expect(minor, 'client-go in helm').toBeDefined();
    for (const pkg of ['pkg/lint/rules', 'pkg/chartutil']) {
      expect(helm.ldflags).toContain(
        `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1 -X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${minor}`,
      );
    }
    expect(execFileSync(binaryPath(helm), ['version', '--short'], { encoding: 'utf8' }).trim()).toBe(helm.version);
  });

  it('names an unknown tool and the known ones', () => {
    expect(() => tool('kind')).toThrow(
      'no tool named kind in scripts/toolchain/tools.ts (known: kubeconform, kubectl-validate, kubectl-validate-upstream, kyverno, netpol-analyzer, gitleaks, chainsaw, etcd, kube-apiserver, kube-controller-manager, kubectl, helm, otelcol, prom-label-proxy, promql-eval, kube-score; group cluster: kube-scheduler, kwok, argocd, miniredis, kyverno-admission-controller, kyverno-background-controller)',
    );
  });
});

describe('CI for users', () => {
  it('sets up Go, installs the same pinned tools and runs the drift check, the gates and the tests', () => {
    const workflow = parse(fs.readFileSync(path.join(ROOT, '.github/workflows/ci.yaml'), 'utf8'));
    const steps = workflow.jobs.test.steps as { uses?: string; run?: string; with?: Record<string, unknown> }[];
    const runs = steps.map((s) => s.run).filter(Boolean);
    // kubeconform v0.8.0 and kyverno v1.19.0 need Go 1.26; chainsaw's runner is not built.
    expect(String(steps.find((s) => s.uses?.startsWith('actions/setup-go@'))?.with?.['go-version'])).toMatch(
      /^1\.2[6-9]\.\d+$/,
    );
    const order = [
      'npm ci --no-audit --no-fund',
      'npm run tools',
      'npm run typecheck',
      'npm run synth -- --check',
      'npm run validate',
      'npx vitest run',
    ];
    expect(runs.filter((r) => order.includes(r!))).toEqual(order);
  });

  it('has .ci/run install the tools before the test command', () => {
    const lines = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8').split('\n');
    expect(lines.indexOf('npm run tools')).toBeGreaterThan(lines.indexOf('npm ci --no-audit --no-fund'));
    expect(lines.indexOf('npm test')).toBeGreaterThan(lines.indexOf('npm run tools'));
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toBe(
      'npm run tools && npm run typecheck && npm run lint && npm run layers && npm run synth -- --check && npm run validate && vitest run',
    );
  });
});
