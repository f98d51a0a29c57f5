/**
 * cluster-autoscaler as compiled into dist/, checked against the eksctl config that creates its IAM
 * role and node groups: the same role, the same cluster tag, a release for the cluster's version.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { CLUSTER_AUTOSCALER } from '../../charts/lib/constants';
import {
  CLUSTER_AUTOSCALER_RELEASES,
  clusterAutoscalerImage,
} from '../../charts/platform/constructs/cluster-autoscaler';
import { eksctlConfig } from '../../cluster/eksctl-config';

const ROOT = path.resolve(__dirname, '..', '..');
const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
const read = (env: string, file: string) =>
  load(fs.readFileSync(path.join(ROOT, 'dist', env, 'platform', 'cluster-autoscaler', file), 'utf8')) as any;

describe('cluster-autoscaler', () => {
  for (const env of envs) {
    it(`${env.name}: runs the release of Kubernetes ${env.kubernetesVersion} on the platform nodes, as the ServiceAccount whose role eksctl creates`, () => {
      const deployment = read(env.name, 'deployment-cluster-autoscaler.yaml');
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      // kubernetes/autoscaler cluster-autoscaler-1.35.2 cluster-autoscaler/README.md: the CA minor
      // version matches the Kubernetes minor version it was meant for.
      expect(container.image).toBe(
        `registry.k8s.io/autoscaling/cluster-autoscaler:${CLUSTER_AUTOSCALER_RELEASES[env.kubernetesVersion]}`,
      );
      expect(CLUSTER_AUTOSCALER_RELEASES[env.kubernetesVersion]).toMatch(
        new RegExp(`^v${env.kubernetesVersion.replace('.', '\\.')}\\.\\d+$`),
      );
      expect(pod).toMatchObject({
        serviceAccountName: CLUSTER_AUTOSCALER.name,
        nodeSelector: { 'node-role': 'platform' },
      });
      expect(deployment.metadata.namespace).toBe(CLUSTER_AUTOSCALER.namespace);

      const eksctl = eksctlConfig(env) as Record<string, any>;
      const [sa] = eksctl.iam.serviceAccounts;
      expect(sa.metadata).toEqual({ name: CLUSTER_AUTOSCALER.name, namespace: CLUSTER_AUTOSCALER.namespace });
      const serviceAccount = read(env.name, 'serviceaccount-cluster-autoscaler.yaml');
      expect(serviceAccount.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(
        `arn:aws:iam::${env.aws.accountId}:role/${sa.roleName}`,
      );

      // It finds the node groups by the tag its IAM policy limits changes to.
      const discovery = container.command.find((a: string) => a.startsWith('--node-group-auto-discovery='));
      expect(discovery).toBe(
        `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${env.aws.clusterName}`,
      );
      expect(Object.keys(sa.attachPolicy.Statement[1].Condition.StringEquals)).toEqual([
        `aws:ResourceTag/k8s.io/cluster-autoscaler/${env.aws.clusterName}`,
      ]);
      // One node group per group and zone, balanced by their node role.
      expect(container.command).toEqual(
        expect.arrayContaining(['--balance-similar-node-groups', '--balancing-label=node-role']),
      );
      expect(
        new Set(
          (eksctl.managedNodeGroups as { labels: Record<string, string> }[]).map((g) => Object.keys(g.labels).join()),
        ),
      ).toEqual(new Set(['node-role']));
    });
  }

  it('names the missing release for a Kubernetes version without one', () => {
    expect(() => clusterAutoscalerImage('1.99')).toThrow(
      'Kubernetes 1.99 has no cluster-autoscaler release; add one to CLUSTER_AUTOSCALER_RELEASES in charts/platform/constructs/cluster-autoscaler.ts (its minor version must match)',
    );
  });
});
