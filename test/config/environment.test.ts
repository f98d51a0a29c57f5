import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments, parseEnvironment } from '../../charts/config/environment';
import { ConfigError } from '../../charts/config/source-errors';

const ROOT = path.resolve(__dirname, '..', '..');
/** A valid platform section on one line (flow style), so that line numbers below stay simple. */
const img = (repository: string) => `{registry: r.example.test, repository: ${repository}, tag: v1.0.0}`;
const PLATFORM = [
  'platform: {domain: dev.example.test, gateway: {exposure: internal}, waypoint: istio',
  `images: {agentgatewayProxy: ${img('p')}, agentgatewayWaypoint: ${img('w')}, agentgatewayController: ${img('c')}, otelCollector: ${img('o')}, keycloak: ${img('kc')}, keycloakConfigCli: ${img('k')}, promLabelProxy: ${img('pl')}, accessSync: ${img('n')}}`,
  'replicas: {agentgatewayController: 1, agentgatewayProxy: 1, kagentController: 1, keycloak: 1, langfuseWeb: 1, langfuseWorker: 1, clickhouse: 1, otelCollector: 1, prometheus: 1}',
  'storage: {prometheus: 1Gi, clickhouse: 1Gi, grafana: 1Gi, alertmanager: 1Gi}',
  'retention: {prometheus: 1d}',
  'llm: {anthropicModel: claude-x, openai: false, openaiModel: gpt-x}}',
].join(', ');
const GOOD = `name: dev
kubernetesVersion: "1.31"
cluster: {server: https://kubernetes.default.svc, trustDomain: cluster.local}
argocd: {namespace: argocd, repoURL: https://example.com/r.git, targetRevision: main}
${PLATFORM}
aws:
  region: us-east-1
  clusterName: agentic-platform-dev
  nodeGroups:
    platform: {instanceType: t3.large, minSize: 1, maxSize: 3, desiredSize: 2, volumeSize: 50}
    agents: {instanceType: t3.large, minSize: 1, maxSize: 3, desiredSize: 2, volumeSize: 50}
    gateway: {instanceType: t3.medium, minSize: 1, maxSize: 2, desiredSize: 1, volumeSize: 30}
  hostedZoneId: Z0TEST0ZONE
  availabilityZones: [us-east-1a, us-east-1b]
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
    expect(errors(`${GOOD}replicas: 2\n`)).toEqual([
      'charts/environments/dev.yaml:15:1: replicas: unknown key "replicas". Fix: remove it or check the spelling',
    ]);
  });

  it('names the key a misspelt one is closest to', () => {
    expect(errors(GOOD.replace('hostedZoneId', 'hostedZoneID'))).toEqual([
      'charts/environments/dev.yaml:13:3: aws.hostedZoneID: unknown key "hostedZoneID" (did you mean "hostedZoneId"?). Fix: rename it to hostedZoneId',
    ]);
    const bad = GOOD.replace('retention: {prometheus: 1d}', 'retention: {prometheus: 1d}, versions: {istoid: 1.31.0}');
    expect(errors(bad)).toEqual([
      `charts/environments/dev.yaml:5:${bad.split('\n')[4].indexOf('istoid') + 1}: platform.versions.istoid: unknown key "istoid" (did you mean "istiod"?). Fix: rename it to istiod`,
    ]);
  });

  it('rejects aliases and empty files with their position', () => {
    expect(errors(`${GOOD.replace('name: dev', 'name: &n dev')}x: *n\n`)[0]).toBe(
      'charts/environments/dev.yaml:15:4: YAML alias *n is not allowed. Fix: write the value out in full',
    );
    expect(errors('# nothing yet\n')).toEqual([
      'charts/environments/dev.yaml:1:1: the file is empty. Fix: write the settings of the environment (see charts/environments/dev.yaml)',
    ]);
  });

  it('names the platform field, the bad value and the fix', () => {
    const bad = GOOD.replace('kagentController: 1', 'kagentController: 0')
      .replace('tag: v1.0.0}, otelCollector', 'tag: "bad tag"}, otelCollector')
      .replace('retention: {prometheus: 1d}', 'retention: {prometheus: 1d}, versions: {istiod: 1.2.3, helm: 3.0.0}');
    const got = errors(bad);
    expect(got).toHaveLength(3);
    const col = (needle: string) => bad.split('\n')[4].indexOf(needle) + 1;
    expect(got).toEqual([
      `charts/environments/dev.yaml:5:${col('"bad tag"')}: platform.images.agentgatewayController.tag: Invalid string: must match pattern /^[\\w][\\w.-]{0,127}$/ (got "bad tag"). Fix: write {registry, repository, tag}, such as {registry: cr.agentgateway.dev, repository: agentgateway, tag: v1.4.1}`,
      `charts/environments/dev.yaml:5:${col('0, keycloak')}: platform.replicas.kagentController: Too small: expected number to be >=1 (got 0). Fix: write a whole number from 1 to 20`,
      `charts/environments/dev.yaml:5:${col('helm:')}: platform.versions.helm: unknown key "helm". Fix: remove it or check the spelling`,
    ]);
  });

  it('accepts a version override for a known upstream only', () => {
    const env = parseEnvironment(
      GOOD.replace('retention: {prometheus: 1d}', 'retention: {prometheus: 1d}, versions: {istiod: 1.31.0}'),
      'dev.yaml',
    );
    expect(env.platform.versions).toEqual({ istiod: '1.31.0' });
  });

  it('rejects a Kubernetes version that is not 1.<minor>', () => {
    expect(errors(GOOD.replace('"1.31"', '"v1.31"'))[0]).toMatch(
      /^charts\/environments\/dev\.yaml:2:20: kubernetesVersion: /,
    );
  });

  it('reads the aws section: region, cluster name and one size per node group', () => {
    const env = parseEnvironment(GOOD, 'dev.yaml');
    expect(env.aws.clusterName).toBe('agentic-platform-dev');
    expect(env.aws.nodeGroups.gateway).toEqual({
      instanceType: 't3.medium',
      minSize: 1,
      maxSize: 2,
      desiredSize: 1,
      volumeSize: 30,
    });
  });

  it('the committed environments size every node group per zone as the product describes', () => {
    const [dev, prod] = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
    expect(
      Object.fromEntries(
        Object.entries(dev.aws.nodeGroups).map(([g, s]) => [g, `${s.instanceType} ${s.minSize}-${s.maxSize}`]),
      ),
    ).toEqual({
      platform: 't3.large 1-2',
      agents: 't3.large 1-2',
      gateway: 't3.medium 1-1',
    });
    expect(prod.aws.clusterName).not.toBe(dev.aws.clusterName);
    // Production: three zones listed explicitly, a NAT gateway per zone, EKS never upgrades it by itself.
    expect(prod.aws).toMatchObject({
      availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      natGateway: 'HighlyAvailable',
      supportType: 'EXTENDED',
    });
    expect(dev.aws).toMatchObject({ availabilityZones: ['us-east-1a', 'us-east-1b'], supportType: 'STANDARD' });
    for (const env of [dev, prod]) {
      expect(env.aws.accountId, env.name).toMatch(/^\d{12}$/);
      expect(env.aws.apiEndpoint?.publicAccessCIDRs.length, env.name).toBeGreaterThan(0);
    }
  });

  it('rejects zones outside the region or listed twice, and an API endpoint open to the internet', () => {
    const bad = GOOD.replace(
      '  availabilityZones: [us-east-1a, us-east-1b]',
      '  availabilityZones: [us-east-1a, eu-west-1b, us-east-1a]\n  apiEndpoint: {publicAccessCIDRs: ["0.0.0.0/0"]}',
    );
    expect(errors(bad)).toEqual([
      'charts/environments/dev.yaml:14:35: aws.availabilityZones[1]: zone eu-west-1b is not in region us-east-1 (got "eu-west-1b"). Fix: write a zone of the region, such as us-east-1a, once',
      'charts/environments/dev.yaml:14:47: aws.availabilityZones[2]: zone us-east-1a is listed twice (got "us-east-1a"). Fix: write a zone of the region, such as us-east-1a, once',
      'charts/environments/dev.yaml:15:37: aws.apiEndpoint.publicAccessCIDRs[0]: a prefix shorter than /8 opens the API endpoint to a large part of the internet (got "0.0.0.0/0"). Fix: write an IPv4 CIDR of the operators\' network with a prefix of /8 or longer, such as 203.0.113.0/24',
    ]);
  });

  it('rejects bad aws values with their position, field and fix, all at once', () => {
    const bad = GOOD.replace('us-east-1', 'US East')
      .replace(
        'gateway: {instanceType: t3.medium, minSize: 1, maxSize: 2, desiredSize: 1',
        'gateway: {instanceType: t3.medium, minSize: 1, maxSize: 2, desiredSize: 5',
      )
      .replace('agents: {instanceType: t3.large', 'agents: {instanceType: large');
    expect(errors(bad)).toEqual([
      'charts/environments/dev.yaml:7:11: aws.region: Invalid string: must match pattern /^[a-z]{2}(-gov)?-[a-z]+-\\d$/ (got "US East"). Fix: write an AWS region such as us-east-1',
      'charts/environments/dev.yaml:11:28: aws.nodeGroups.agents.instanceType: Invalid string: must match pattern /^[a-z][a-z0-9-]*\\.[a-z0-9]+$/ (got "large"). Fix: write an EC2 instance type such as t3.large',
      'charts/environments/dev.yaml:12:77: aws.nodeGroups.gateway.desiredSize: desiredSize 5 is outside minSize 1 to maxSize 2 (got 5). Fix: choose minSize <= desiredSize <= maxSize',
    ]);
  });

  it('requires a size for every node group', () => {
    expect(errors(GOOD.replace(/ {4}gateway:.*\n/, ''))).toEqual([
      'charts/environments/dev.yaml:10:5: aws.nodeGroups.gateway: Invalid input: expected object, received undefined. Fix: add {instanceType, minSize, maxSize, desiredSize, volumeSize}',
    ]);
  });
});
