import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { eksctlConfig } from '../../cluster/eksctl-config';
import { loadEnvironments } from '../../charts/config/environment';
import { NODE_GROUPS } from '../../charts/lib/constants';
import { type Toleration, nodeSelectorFor, tolerationsFor, tolerateEveryGroup } from '../../charts/lib/placement';
import { sampleEnvironment } from '../helpers';
import { copyPath } from '../../scripts/upstream/paths';

const ROOT = path.resolve(__dirname, '..', '..');
// Pinned in scripts/upstream/pinned.sha256 (eksctl v0.230.0 pkg/apis/eksctl.io/v1alpha5/assets/schema.json); npm run fetch-upstream.
const SCHEMA = copyPath('schemas/eksctl-clusterconfig-v1alpha5.schema.json');
// The schema carries eksctl's editor keywords (preferredOrder, x-intellij-html-description): not strict.
const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
type Taint = { key: string; value: string; effect: string };

/** Whether a pod with these tolerations may run on a node with these taints (NoSchedule only). */
/** Kubernetes' rule: an empty key (with Exists) matches every key, an empty effect every effect. */
function tolerates(tolerations: readonly Toleration[], taints: Taint[]): boolean {
  return taints.every((t) =>
    tolerations.some((x) => (x.key === undefined ? x.operator === 'Exists' : x.key === t.key) && (x.effect === undefined || x.effect === t.effect) && (x.operator === 'Exists' || x.value === t.value)),
  );
}

describe('eksctl ClusterConfig', () => {
  for (const env of envs) {
    it(`${env.name}: is valid against eksctl's published JSON Schema (v1alpha5)`, () => {
      const config = eksctlConfig(env);
      expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
      expect(config).toMatchObject({ apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: { name: env.aws.clusterName, region: env.aws.region, version: env.kubernetesVersion } });
    });
  }

  it('the schema check can fail: a misspelled node group field is rejected', () => {
    const config = eksctlConfig(sampleEnvironment()) as { managedNodeGroups: Record<string, unknown>[] };
    config.managedNodeGroups[0].desiredSize = 2;
    expect(validate(config)).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/managedNodeGroups/0' && e.keyword === 'additionalProperties')).toBe(true);
  });

  it('has one managed node group per placement group, sized, labelled and tainted from the environment', () => {
    const env = sampleEnvironment();
    const groups = eksctlConfig(env).managedNodeGroups as Record<string, any>[];
    expect(groups.map((g) => g.name)).toEqual([...NODE_GROUPS]);
    for (const g of groups) {
      const size = env.aws.nodeGroups[g.name as (typeof NODE_GROUPS)[number]];
      expect(g).toMatchObject({ instanceType: size.instanceType, minSize: size.minSize, maxSize: size.maxSize, desiredCapacity: size.desiredSize, volumeSize: size.volumeSize });
      expect(g.labels).toEqual({ 'node-role': g.name });
      expect(g.taints).toEqual([{ key: 'workload', value: g.name, effect: 'NoSchedule' }]);
      expect(g).toMatchObject({ volumeType: 'gp3', volumeEncrypted: true, privateNetworking: true, disableIMDSv1: true });
    }
  });

  it('the placement rules put each group\'s pods on its nodes, and on no other group', () => {
    const groups = eksctlConfig(sampleEnvironment()).managedNodeGroups as { name: (typeof NODE_GROUPS)[number]; labels: Record<string, string>; taints: Taint[] }[];
    for (const pod of NODE_GROUPS) {
      const fits = groups.filter((g) => Object.entries(nodeSelectorFor(pod)).every(([k, v]) => g.labels[k] === v) && tolerates(tolerationsFor(pod), g.taints));
      expect(fits.map((g) => g.name)).toEqual([pod]);
      expect(groups.filter((g) => tolerates(tolerationsFor(pod), g.taints)).map((g) => g.name)).toEqual([pod]);
    }
    for (const g of groups) expect(tolerates(tolerateEveryGroup(), g.taints), g.name).toBe(true);
  });

  it('enables the add-ons with network policy enforcement, and keeps add-on controllers schedulable on tainted nodes', () => {
    const addons = eksctlConfig(sampleEnvironment()).addons as { name: string; configurationValues?: string; wellKnownPolicies?: object }[];
    expect(addons.map((a) => a.name)).toEqual(['vpc-cni', 'coredns', 'kube-proxy', 'aws-ebs-csi-driver']);
    const config = (name: string) => JSON.parse(addons.find((a) => a.name === name)!.configurationValues ?? '{}');
    expect(config('vpc-cni')).toEqual({ enableNetworkPolicy: 'true' });
    const platform = { nodeSelector: { 'node-role': 'platform' }, tolerations: [{ key: 'workload', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }] };
    expect(config('coredns')).toEqual(platform);
    expect(config('aws-ebs-csi-driver')).toEqual({ controller: platform });
    expect(addons.find((a) => a.name === 'aws-ebs-csi-driver')!.wellKnownPolicies).toEqual({ ebsCSIController: true });
  });

  it('turns on IAM roles for service accounts and control plane audit logs', () => {
    const config = eksctlConfig(sampleEnvironment()) as Record<string, any>;
    expect(config.iam).toEqual({ withOIDC: true });
    expect(config.cloudWatch.clusterLogging.enableTypes).toContain('audit');
  });

  it('takes the NAT gateways from the environment: one per zone in the committed prod, one in dev', () => {
    const nat = (env: (typeof envs)[number]) => (eksctlConfig(env) as Record<string, any>).vpc.nat.gateway;
    expect(envs.map(nat)).toEqual(['Single', 'HighlyAvailable']);
    expect(nat(sampleEnvironment({ aws: { ...sampleEnvironment().aws, natGateway: 'HighlyAvailable' } }))).toBe('HighlyAvailable');
  });
});
