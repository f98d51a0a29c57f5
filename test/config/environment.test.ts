import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments, parseEnvironment } from '../../charts/config/environment';
import { ConfigError } from '../../charts/config/source-errors';

const ROOT = path.resolve(__dirname, '..', '..');
const GOOD = `name: dev
kubernetesVersion: "1.31"
cluster: {server: https://kubernetes.default.svc, trustDomain: cluster.local}
argocd: {namespace: argocd, repoURL: https://example.com/r.git, targetRevision: main}
`;

function errors(text: string, file = 'charts/environments/dev.yaml'): string[] {
  try {
    parseEnvironment(text, file);
  } catch (e) {
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected an error');
}

describe('environment files', () => {
  it('the committed environments are dev and prod and differ only in their settings', () => {
    const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
    expect(envs.map((e) => e.name)).toEqual(['dev', 'prod']);
    expect(envs[0].argocd.targetRevision).not.toBe(envs[1].argocd.targetRevision);
  });

  it('parses a valid file', () => {
    expect(parseEnvironment(GOOD, 'dev.yaml').argocd.repoURL).toBe('https://example.com/r.git');
  });

  it('requires the name to match the file', () => {
    expect(errors(GOOD, 'charts/environments/prod.yaml')).toEqual([
      'charts/environments/prod.yaml:1:7: name: name "dev" does not match the file name. Fix: set name: prod',
    ]);
  });

  it('rejects unknown keys with their position', () => {
    expect(errors(`${GOOD}replicas: 2\n`)).toEqual(['charts/environments/dev.yaml:5:1: replicas: unknown key "replicas". Fix: remove it or check the spelling']);
  });

  it('rejects aliases and empty files with their position', () => {
    expect(errors(`${GOOD.replace('name: dev', 'name: &n dev')}x: *n\n`)[0]).toBe('charts/environments/dev.yaml:5:4: YAML alias *n is not allowed. Fix: write the value out in full');
    expect(errors('# nothing yet\n')).toEqual(['charts/environments/dev.yaml:1:1: the file is empty. Fix: write the settings of the environment (see charts/environments/dev.yaml)']);
  });

  it('rejects a Kubernetes version that is not 1.<minor>', () => {
    expect(errors(GOOD.replace('"1.31"', '"v1.31"'))[0]).toMatch(/^charts\/environments\/dev\.yaml:2:20: kubernetesVersion: /);
  });
});
