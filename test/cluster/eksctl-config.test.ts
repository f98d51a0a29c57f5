import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { eksctlConfig, nodeGroupName } from '../../cluster/eksctl-config';
import { ADDON_VERSIONS, ADDONS } from '../../cluster/addon-versions';
import { loadEnvironments } from '../../charts/config/environment';
import { CLUSTER_AUTOSCALER, NODE_GROUPS } from '../../charts/lib/constants';
import { type Toleration, nodeSelectorFor, tolerationsFor, tolerateEveryGroup } from '../../charts/lib/placement';
import { sampleAws, sampleEnvironment } from '../helpers';
import { unplacedAddonDeployments } from './eksctl-addons';
import { copyPath } from '../../scripts/toolchain/paths';

const ROOT = path.resolve(__dirname, '..', '..');
// Pinned in scripts/upstream/pinned.sha256 (eksctl v0.230.0 pkg/apis/eksctl.io/v1alpha5/assets/schema.json); npm run fetch-upstream.
const SCHEMA = copyPath('schemas/eksctl-clusterconfig-v1alpha5.schema.json');
// The schema carries eksctl's editor keywords (preferredOrder, x-intellij-html-description): not strict.
const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
type Taint = { key: string; value: string; effect: string };
type Group = {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
  availabilityZones: string[];
  [k: string]: unknown;
};

/** Whether a pod with these tolerations may run on a node with these taints (NoSchedule only). */
/** Kubernetes' rule: an empty key (with Exists) matches every key, an empty effect every effect. */
function tolerates(tolerations: readonly Toleration[], taints: Taint[]): boolean {
  return taints.every((t) =>
    tolerations.some(
      (x) =>
        (x.key === undefined ? x.operator === 'Exists' : x.key === t.key) &&
        (x.effect === undefined || x.effect === t.effect) &&
        (x.operator === 'Exists' || x.value === t.value),
    ),
  );
}

const groupsOf = (config: Record<string, unknown>) => config.managedNodeGroups as Group[];

describe('eksctl ClusterConfig', () => {
  for (const env of envs) {
    it(`${env.name}: is valid against eksctl's published JSON Schema (v1alpha5)`, () => {
      const config = eksctlConfig(env);
      expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
      expect(config).toMatchObject({
        apiVersion: 'eksctl.io/v1alpha5',
        kind: 'ClusterConfig',
        metadata: { name: env.aws.clusterName, region: env.aws.region, version: env.kubernetesVersion },
        upgradePolicy: { supportType: env.aws.supportType },
        availabilityZones: env.aws.availabilityZones,
      });
    });
  }

  it('the schema check can fail: a misspelled node group field is rejected', () => {
    const config = eksctlConfig(sampleEnvironment()) as { managedNodeGroups: Record<string, unknown>[] };
    config.managedNodeGroups[0].desiredSize = 2;
    expect(validate(config)).toBe(false);
    expect(
      validate.errors?.some((e) => e.instancePath === '/managedNodeGroups/0' && e.keyword === 'additionalProperties'),
    ).toBe(true);
  });

  it('has one managed node group per placement group and zone, sized, labelled and tainted from the environment', () => {
    const env = sampleEnvironment();
    const groups = groupsOf(eksctlConfig(env));
    const zones = env.aws.availabilityZones;
    expect(groups.map((g) => g.name)).toEqual(NODE_GROUPS.flatMap((g) => zones.map((z) => `${g}-${z}`)));
    for (const group of NODE_GROUPS) {
      const size = env.aws.nodeGroups[group];
      for (const zone of zones) {
        const g = groups.find((x) => x.name === nodeGroupName(group, zone))!;
        expect(g).toMatchObject({
          instanceType: size.instanceType,
          minSize: size.minSize,
          maxSize: size.maxSize,
          desiredCapacity: size.desiredSize,
          volumeSize: size.volumeSize,
          availabilityZones: [zone],
        });
        expect(g.labels).toEqual({ 'node-role': group });
        expect(g.taints).toEqual([{ key: 'workload', value: group, effect: 'NoSchedule' }]);
        expect(g).toMatchObject({
          volumeType: 'gp3',
          volumeEncrypted: true,
          privateNetworking: true,
          disableIMDSv1: true,
        });
      }
    }
  });

  it('gives pods no instance metadata, propagates labels and taints to the Auto Scaling groups, and replaces one node at a time', () => {
    for (const g of groupsOf(eksctlConfig(sampleEnvironment()))) {
      // eksctl v0.230.0: disablePodIMDS "blocks all IMDS requests from non-host networking pods"
      // (schema description); no platform pod reads instance metadata: every pod that calls AWS has
      // an IAM role of its own (IRSA), and the EBS CSI node falls back to the Kubernetes API for its
      // node's metadata (kubernetes-sigs/aws-ebs-csi-driver#1060).
      expect(g, g.name).toMatchObject({
        disablePodIMDS: true,
        propagateASGTags: true,
        updateConfig: { maxUnavailable: 1 },
      });
      expect(g.iam, g.name).toBeUndefined();
    }
  });

  it("the placement rules put each group's pods on its nodes, and on no other group", () => {
    const groups = groupsOf(eksctlConfig(sampleEnvironment()));
    for (const pod of NODE_GROUPS) {
      const fits = groups.filter(
        (g) =>
          Object.entries(nodeSelectorFor(pod)).every(([k, v]) => g.labels[k] === v) &&
          tolerates(tolerationsFor(pod), g.taints),
      );
      expect(fits.map((g) => g.labels['node-role'])).toEqual(sampleEnvironment().aws.availabilityZones.map(() => pod));
      expect(
        new Set(groups.filter((g) => tolerates(tolerationsFor(pod), g.taints)).map((g) => g.labels['node-role'])),
      ).toEqual(new Set([pod]));
    }
    for (const g of groups) expect(tolerates(tolerateEveryGroup(), g.taints), g.name).toBe(true);
  });

  it("pins every add-on to the version of the environment's Kubernetes version, with network policy enforcement", () => {
    for (const env of envs) {
      const addons = eksctlConfig(env).addons as {
        name: string;
        version: string;
        configurationValues?: string;
        wellKnownPolicies?: object;
      }[];
      expect(addons.map((a) => a.name)).toEqual([...ADDONS]);
      for (const a of addons)
        expect(a.version, `${env.name} ${a.name}`).toBe(
          ADDON_VERSIONS[env.kubernetesVersion][a.name as (typeof ADDONS)[number]],
        );
      expect(JSON.parse(addons.find((a) => a.name === 'vpc-cni')!.configurationValues!)).toEqual({
        enableNetworkPolicy: 'true',
      });
      expect(addons.find((a) => a.name === 'aws-ebs-csi-driver')!.wellKnownPolicies).toEqual({
        ebsCSIController: true,
      });
    }
    expect(() => eksctlConfig(sampleEnvironment({ kubernetesVersion: '1.99' }))).toThrow(
      'Kubernetes 1.99 has no pinned add-on versions; add a row to ADDON_VERSIONS in cluster/addon-versions.ts (aws eks describe-addon-versions --kubernetes-version 1.99 lists them)',
    );
  });

  it('places every Deployment of every add-on eksctl installs, its default add-ons included, on the platform group', () => {
    for (const env of envs) expect(unplacedAddonDeployments(eksctlConfig(env)), env.name).toEqual([]);
    const platform = {
      nodeSelector: { 'node-role': 'platform' },
      tolerations: [{ key: 'workload', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
    };
    const addons = eksctlConfig(sampleEnvironment()).addons as { name: string; configurationValues?: string }[];
    const config = (name: string) => JSON.parse(addons.find((a) => a.name === name)!.configurationValues ?? '{}');
    expect(config('coredns')).toEqual(platform);
    expect(config('metrics-server')).toEqual(platform);
    expect(config('aws-ebs-csi-driver')).toEqual({ controller: platform });
  });

  it('planted faults: a default add-on left to eksctl, or one without placement, is reported', () => {
    const withoutMetrics = eksctlConfig(sampleEnvironment()) as {
      addons: { name: string; configurationValues?: string }[];
    };
    withoutMetrics.addons = withoutMetrics.addons.filter((a) => a.name !== 'metrics-server');
    expect(unplacedAddonDeployments(withoutMetrics)).toEqual([
      'metrics-server: installed by eksctl as a default add-on without configuration; its Deployment stays Pending on tainted nodes',
    ]);
    const unplaced = eksctlConfig(sampleEnvironment()) as { addons: { name: string; configurationValues?: string }[] };
    unplaced.addons.find((a) => a.name === 'coredns')!.configurationValues = '{}';
    expect(unplacedAddonDeployments(unplaced)).toEqual([
      'coredns: nodeSelector {} does not select the platform group',
      "coredns: its tolerations do not admit the platform group's taint",
    ]);
  });

  it("turns on IAM roles for service accounts, cluster-autoscaler's role limited to this cluster's Auto Scaling groups, and control plane audit logs", () => {
    const config = eksctlConfig(sampleEnvironment()) as Record<string, any>;
    expect(config.iam.withOIDC).toBe(true);
    expect(config.iam.serviceAccounts).toEqual([
      expect.objectContaining({
        metadata: { name: CLUSTER_AUTOSCALER.name, namespace: 'kube-system' },
        roleName: 'agentic-test-cluster-autoscaler',
        roleOnly: true,
      }),
    ]);
    const [read, change] = config.iam.serviceAccounts[0].attachPolicy.Statement;
    expect(read.Action).not.toContain('autoscaling:SetDesiredCapacity');
    expect(change).toEqual({
      Effect: 'Allow',
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      Resource: ['*'],
      Condition: { StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/agentic-test': 'owned' } },
    });
    expect(config.cloudWatch.clusterLogging.enableTypes).toContain('audit');
    expect(() => eksctlConfig(sampleEnvironment({ aws: sampleAws({ clusterName: `c${'x'.repeat(50)}` }) }))).toThrow(
      /the IAM role cx+-cluster-autoscaler would exceed 64 characters/,
    );
  });

  it("opens the API endpoint outside the VPC only to the operators' CIDRs, and keeps it private without them", () => {
    for (const env of envs) {
      const vpc = (eksctlConfig(env) as Record<string, any>).vpc;
      expect(vpc.clusterEndpoints, env.name).toEqual({ privateAccess: true, publicAccess: true });
      expect(vpc.publicAccessCIDRs, env.name).toEqual(env.aws.apiEndpoint!.publicAccessCIDRs);
      expect(vpc.publicAccessCIDRs, env.name).not.toContain('0.0.0.0/0');
    }
    const privateOnly = (
      eksctlConfig(sampleEnvironment({ aws: sampleAws({ apiEndpoint: undefined }) })) as Record<string, any>
    ).vpc;
    expect(privateOnly.clusterEndpoints).toEqual({ privateAccess: true, publicAccess: false });
    expect(privateOnly.publicAccessCIDRs).toBeUndefined();
  });

  it('takes the NAT gateways and zones from the environment: three zones with one NAT gateway each in prod', () => {
    const nat = (env: (typeof envs)[number]) => (eksctlConfig(env) as Record<string, any>).vpc.nat.gateway;
    expect(envs.map(nat)).toEqual(['Single', 'HighlyAvailable']);
    const prod = envs.find((e) => e.name === 'prod')!;
    expect((eksctlConfig(prod) as Record<string, any>).availabilityZones).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
    ]);
    expect(
      new Set(
        groupsOf(eksctlConfig(prod))
          .filter((g) => g.labels['node-role'] === 'platform')
          .map((g) => g.availabilityZones[0]),
      ).size,
    ).toBe(3);
  });
});
