/**
 * The cluster tier's tool group (`npm run tools -- --group cluster`): pinned, opt-in, and never
 * part of the default `npm run tools`, so main's cold build does not grow. No binary is needed.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARGOCD_VERSION } from '../../charts/lib/upstream';
import {
  CLUSTER_TOOLS,
  howBuilt,
  installCommand,
  KUBERNETES_VERSION,
  KYVERNO_VERSION,
  moduleDir,
  stampFor,
  tool,
  TOOLS,
  toolsOf,
} from '../../scripts/toolchain/tools';
import { ROOT } from '../gates/fixture';

interface GoMod {
  Require: { Path: string; Version: string; Indirect?: boolean }[];
  Replace: { Old: { Path: string }; New: { Path: string; Version?: string } }[];
}

function goMod(dir: string): GoMod {
  return JSON.parse(execFileSync('go', ['mod', 'edit', '-json'], { cwd: path.join(ROOT, dir), encoding: 'utf8' }));
}

describe('cluster tool group', () => {
  it('is opt-in: the default group holds none of its tools', () => {
    expect(CLUSTER_TOOLS.map((t) => t.name)).toEqual([
      'kube-scheduler',
      'kwok',
      'argocd',
      'miniredis',
      'kyverno-admission-controller',
      'kyverno-background-controller',
    ]);
    for (const t of CLUSTER_TOOLS) expect(t.group, t.name).toBe('cluster');
    expect(TOOLS.filter((t) => t.group !== undefined)).toEqual([]);
    expect(toolsOf()).toBe(TOOLS);
    expect(toolsOf('cluster')).toEqual(CLUSTER_TOOLS);
    expect(installCommand('cluster')).toBe('npm run tools -- --group cluster');
  });

  it('pins every tool to an exact release', () => {
    for (const t of CLUSTER_TOOLS) expect(t.version, t.name).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('requires each wrapped tool at its pinned version, with every dependency in go.sum', () => {
    for (const t of CLUSTER_TOOLS) {
      if (t.kind !== 'wrapper') continue;
      expect(
        goMod(t.dir).Require.find((r) => r.Path === t.module),
        t.dir,
      ).toEqual({ Path: t.module, Version: t.version });
      expect(fs.readFileSync(path.join(ROOT, t.dir, 'go.sum'), 'utf8'), t.dir).toContain(
        `${t.module} ${t.version} h1:`,
      );
    }
  });

  it('builds kube-scheduler from the same wrapper, release and version stamp as kube-apiserver', () => {
    const scheduler = tool('kube-scheduler');
    const apiserver = tool('kube-apiserver');
    expect(scheduler.kind === 'wrapper' && scheduler.dir).toBe(apiserver.kind === 'wrapper' && apiserver.dir);
    expect(scheduler.version).toBe(KUBERNETES_VERSION);
    expect(scheduler.ldflags).toBe(apiserver.ldflags);
  });

  it("repeats Argo CD v3.5.3's replace directives and maps ./gitops-engine to the published commit of the tag", () => {
    // argo-cd v3.5.3 go.mod: 37 module replaces, then `github.com/argoproj/argo-cd/gitops-engine => ./gitops-engine`;
    // the proxy serves the gitops-engine pseudo-version whose commit time equals the tag's.
    const t = tool('argocd');
    expect(t.version).toBe(ARGOCD_VERSION);
    // argo-cd v3.5.3 Makefile: VERSION=$(cat VERSION) is 3.5.3; LDFLAGS += -X common.gitTag=$(GIT_TAG).
    expect(t.ldflags).toBe(
      '-X github.com/argoproj/argo-cd/v3/common.version=3.5.3 -X github.com/argoproj/argo-cd/v3/common.gitTag=v3.5.3',
    );
    const mod = goMod('tools/argocd');
    expect(mod.Replace).toHaveLength(38);
    expect(mod.Replace.find((r) => r.Old.Path === 'github.com/argoproj/argo-cd/gitops-engine')?.New).toEqual({
      Path: 'github.com/argoproj/argo-cd/gitops-engine',
      Version: 'v0.0.0-20260914071520-c9c369efcc5b',
    });
    for (const r of mod.Replace.filter((x) => x.Old.Path.startsWith('k8s.io/')))
      expect(r.New, r.Old.Path).toEqual({ Path: r.Old.Path, Version: 'v0.36.1' });
    // No local directory replaces: everything comes through the module proxy, checked by go.sum.
    for (const r of mod.Replace) expect(r.New.Version, r.Old.Path).toBeDefined();
  });

  it('dispatches the Argo CD binary on its name to the components the tier runs, as upstream cmd/main.go does', () => {
    const main = fs.readFileSync(path.join(ROOT, 'tools/argocd/main.go'), 'utf8');
    for (const c of [
      'CommandApplicationController',
      'CommandRepoServer',
      'CommandApplicationSetController',
      'CommandGitAskPass',
    ])
      expect(main).toContain(`case common.${c}:`);
    expect(main).toContain('os.Getenv(binaryNameEnv)');
  });
});

describe("Kyverno's controllers, built inside the module's own directory", () => {
  const controllers = ['kyverno-admission-controller', 'kyverno-background-controller'].map(tool);

  it('builds cmd/kyverno and cmd/background-controller of the release the kyverno CLI is, stamped as its Makefile does', () => {
    const cli = tool('kyverno');
    expect(cli.version).toBe(KYVERNO_VERSION);
    expect(controllers.map((t) => [t.kind, t.kind === 'module' && t.pkg, t.module, t.version, t.ldflags])).toEqual([
      ['module', 'cmd/kyverno', cli.module, KYVERNO_VERSION, cli.ldflags],
      ['module', 'cmd/background-controller', cli.module, KYVERNO_VERSION, cli.ldflags],
    ]);
    // kyverno v1.19.0 Makefile: LD_FLAGS := "-s -w -X $(PACKAGE)/pkg/version.BuildVersion=$(VERSION)".
    expect(cli.ldflags).toBe('-X github.com/kyverno/kyverno/pkg/version.BuildVersion=v1.19.0');
    expect(howBuilt(controllers[0]!)).toBe(
      'go build ./cmd/kyverno in a copy of github.com/kyverno/kyverno@v1.19.0: cmd/kyverno imports github.com/kyverno/kyverno/cmd/internal, which only its own module may import',
    );
    expect(stampFor(controllers[1]!)).toBe(
      'module cmd/background-controller github.com/kyverno/kyverno@v1.19.0\nldflags -X github.com/kyverno/kyverno/pkg/version.BuildVersion=v1.19.0\n',
    );
  });

  it("needs the module's own directory: both commands import its internal package, and its one replace is a published version", () => {
    const dir = moduleDir(controllers[0]!);
    for (const t of controllers) {
      if (t.kind !== 'module') throw new Error(`${t.name} is built inside its module`);
      expect(fs.readFileSync(path.join(dir, t.pkg, 'main.go'), 'utf8'), t.pkg).toContain(
        '"github.com/kyverno/kyverno/cmd/internal"',
      );
    }
    const mod = JSON.parse(
      execFileSync('go', ['mod', 'edit', '-json', path.join(dir, 'go.mod')], { encoding: 'utf8' }),
    ) as GoMod;
    expect(mod.Replace.map((r) => [r.Old.Path, r.New.Path, r.New.Version])).toEqual([
      [
        'k8s.io/pod-security-admission',
        'github.com/kyverno/pod-security-admission',
        'v0.0.0-20251031094455-46f20778634f',
      ],
    ]);
    // The kyverno CLI's wrapper repeats the same replace (test/gates/tools.test.ts).
    expect(goMod('tools/kyverno').Replace.map((r) => [r.Old.Path, r.New.Path, r.New.Version])).toEqual(
      mod.Replace.map((r) => [r.Old.Path, r.New.Path, r.New.Version]),
    );
  });
});

describe('the cluster tier in CI', () => {
  it('is opt-in: .ci/run runs npm run test:cluster only when CLUSTER_TIER=1, after the integration tier', () => {
    const lines = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8').split('\n');
    const guard = lines.indexOf('if [ "${CLUSTER_TIER:-0}" = 1 ]; then');
    expect(guard).toBeGreaterThan(lines.indexOf('npm run test:integration'));
    expect(lines[guard + 1].trim()).toBe('npm run test:cluster');
    expect(lines.filter((l) => l.includes('test:cluster'))).toHaveLength(1);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts['test:cluster']).toBe(
      'npm run tools && npm run tools -- --group cluster && vitest run --config vitest.cluster.config.ts',
    );
    expect(pkg.scripts.tools).not.toContain('--group');
  });
});

describe("the platform's Argo CD", () => {
  it('runs the release the cluster tier builds and proves (global.image.tag of every environment)', () => {
    const argocd = tool('argocd');
    for (const env of ['dev', 'prod']) {
      const app = fs.readFileSync(
        path.join(ROOT, 'argocd', env, 'platform', 'application-platform-argocd.yaml'),
        'utf8',
      );
      const tag = /\n {10}global:\n(?: {12}.*\n)*? {12}image:\n {14}tag: (\S+)\n/.exec(app)?.[1];
      expect(tag, env).toBe(argocd.version);
    }
  });
});
