/**
 * What kept cluster/ from getting a team from an empty account to a running platform, one test per
 * break: the eksctl config, the Terraform (parsed with @cdktf/hcl2json) and the commands (with their
 * tools stubbed). Each reads only what these files have always exported, so the same file can run
 * against an older cluster/ and show which breaks it has.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { main } from '../../cluster/cli';
import { eksctlConfig } from '../../cluster/eksctl-config';
import { kubernetesVersionProblems } from '../../cluster/kubernetes-versions';
import { unplacedAddonDeployments } from './eksctl-addons';

const ROOT = path.resolve(__dirname, '..', '..');
const TF = path.join(ROOT, 'cluster', 'terraform');
const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
type Block = Record<string, any>;
const hcl = async (file: string): Promise<Block> =>
  (await parse(path.basename(file), fs.readFileSync(path.join(TF, file), 'utf8'))) as Block;

describe('1. the Kubernetes version can be created today', () => {
  for (const env of envs) {
    it(`${env.name}: the eksctl config asks for a version inside the pinned Istio's range and EKS support`, () => {
      const version = (eksctlConfig(env).metadata as { version: string }).version;
      expect(kubernetesVersionProblems({ ...env, kubernetesVersion: version }, new Date())).toEqual([]);
    });
  }

  describe('cluster:create with its tools stubbed', () => {
    let tmp: string;
    let savedPath: string | undefined;
    const stderr: string[] = [];
    beforeEach(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'breaking-'));
      savedPath = process.env.PATH;
      stderr.length = 0;
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
      vi.spyOn(console, 'log').mockImplementation(() => undefined);
    });
    afterEach(() => {
      process.env.PATH = savedPath;
      vi.restoreAllMocks();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('refuses Kubernetes 1.31 (EKS extended support ended 2026-11-26; Istio 1.30 needs 1.32 or newer) before eksctl runs', async () => {
      const root = path.join(tmp, 'repo');
      fs.cpSync(path.join(ROOT, 'charts', 'environments'), path.join(root, 'charts', 'environments'), {
        recursive: true,
      });
      const dev = path.join(root, 'charts', 'environments', 'dev.yaml');
      fs.writeFileSync(
        dev,
        fs.readFileSync(dev, 'utf8').replace(/^kubernetesVersion: .*$/m, 'kubernetesVersion: "1.31"'),
      );
      const bin = path.join(tmp, 'bin');
      fs.mkdirSync(bin);
      const log = path.join(tmp, 'log');
      for (const t of ['aws', 'eksctl']) {
        fs.writeFileSync(
          path.join(bin, t),
          `#!/bin/sh\nprintf '%s\\n' "${t} $*" >> '${log}'\ncase "${t} $1" in "aws sts") printf '123456789012\\n' ;; esac\nexit 0\n`,
          { mode: 0o755 },
        );
      }
      process.env.PATH = bin;
      expect(await main(['cluster:create', 'dev'], root)).toBe(1);
      expect(stderr.join('\n')).toMatch(/Kubernetes 1\.31/);
      const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
      expect(calls).not.toMatch(/^eksctl create cluster/m);
    });
  });
});

describe('2. metrics-server (and every other add-on Deployment) runs on the tainted nodes', () => {
  for (const env of envs) {
    it(`${env.name}: every Deployment of every add-on eksctl v0.230.0 installs, its default add-ons included, is placed on the platform group`, () => {
      expect(unplacedAddonDeployments(eksctlConfig(env))).toEqual([]);
    });
  }
});

describe('3. the Kubernetes provider keeps its access during a long apply', () => {
  it('fetches a token with aws eks get-token for every call instead of a 15-minute token read once', async () => {
    // terraform-provider-kubernetes v2.38.0 docs/index.md "Exec plugins".
    const kubernetes = (await hcl('providers.tf')).provider.kubernetes[0];
    expect(kubernetes.token).toBeUndefined();
    expect(kubernetes.exec?.[0]).toMatchObject({ api_version: 'client.authentication.k8s.io/v1beta1', command: 'aws' });
    expect(kubernetes.exec[0].args.slice(0, 2)).toEqual(['eks', 'get-token']);
  });
});

describe('4. the Langfuse bucket name is free for every adopter', () => {
  it('names the bucket after the account and region, as the state bucket', async () => {
    const s3 = await hcl('s3.tf');
    const bucket: string = s3.resource.aws_s3_bucket.langfuse[0].bucket;
    const name =
      bucket === '${local.langfuse_bucket}'
        ? (s3.locals as Block[]).find((l) => l.langfuse_bucket)!.langfuse_bucket
        : bucket;
    expect(name).toContain('${data.aws_caller_identity.current.account_id}');
    expect(name).toContain('${var.region}');
  });
});

describe('5. dev infra:destroy completes with a used bucket', () => {
  it('dev lets destroy empty the versioned bucket; the default and prod do not', async () => {
    const s3 = await hcl('s3.tf');
    const force: string | undefined = s3.resource.aws_s3_bucket.langfuse[0].force_destroy;
    expect(typeof force, 'aws_s3_bucket.langfuse.force_destroy').toBe('string');
    expect(force).toMatch(/^\$\{var\.(\w+)\}$/);
    const variable = force!.slice('${var.'.length, -1);
    const variables = await hcl('variables.tf');
    expect(variables.variable[variable][0].default).toBe(false);
    const tfvars = async (env: string) =>
      (await parse(`${env}.tfvars`, fs.readFileSync(path.join(TF, 'env', `${env}.tfvars`), 'utf8'))) as Block;
    expect((await tfvars('dev'))[variable]).toBe(true);
    expect((await tfvars('prod'))[variable] ?? false).toBe(false);
  });
});
