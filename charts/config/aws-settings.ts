/**
 * The aws section of an environment file: the AWS account, region, EKS cluster and node group
 * sizes that cluster/ (eksctl config, Terraform variables, npm scripts) builds the environment with.
 */
import { z } from 'zod';
import { NODE_GROUPS, type NodeGroup } from '../lib/constants';

/** Size of one EKS managed node group (eksctl managedNodeGroups). */
const nodeGroupSchema = z
  .strictObject({
    instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/),
    minSize: z.int().min(0).max(100),
    maxSize: z.int().min(1).max(100),
    desiredSize: z.int().min(0).max(100),
    /** Root volume in GiB (gp3, encrypted). */
    volumeSize: z.int().min(20).max(16384),
  })
  .superRefine((g, ctx) => {
    if (g.minSize > g.desiredSize || g.desiredSize > g.maxSize) {
      ctx.addIssue({ code: 'custom', path: ['desiredSize'], message: `desiredSize ${g.desiredSize} is outside minSize ${g.minSize} to maxSize ${g.maxSize}` });
    }
  });

export const awsSettingsSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/),
  /** When set, the cluster scripts and Terraform refuse to run against any other account. */
  accountId: z.string().regex(/^\d{12}$/).optional(),
  clusterName: z.string().regex(/^[a-zA-Z][-a-zA-Z0-9]{0,99}$/),
  /**
   * Route 53 public hosted zone of platform.domain: Terraform validates the external gateway's
   * certificate in it.
   */
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/),
  /** NAT gateways of the cluster VPC: one for all zones, or one per zone (survives a zone outage). */
  natGateway: z.enum(['Single', 'HighlyAvailable']).default('Single'),
  nodeGroups: z.strictObject(Object.fromEntries(NODE_GROUPS.map((g) => [g, nodeGroupSchema])) as Record<NodeGroup, typeof nodeGroupSchema>),
});

export type AwsSettings = z.infer<typeof awsSettingsSchema>;

/** How to fix each field of the aws section; node group fields once for every group. */
export const AWS_FIXES: Record<string, string> = {
  aws: 'add aws: {region, clusterName, nodeGroups} (see charts/environments/dev.yaml)',
  'aws.region': 'write an AWS region such as us-east-1',
  'aws.accountId': 'write the 12-digit AWS account ID in quotes, or remove the key',
  'aws.clusterName': 'write the EKS cluster name: a letter, then letters, digits and hyphens',
  'aws.hostedZoneId': 'write the ID of the Route 53 hosted zone of platform.domain, such as Z0123456789ABCDEFGHIJ',
  'aws.natGateway': 'write Single (one NAT gateway) or HighlyAvailable (one per zone)',
  'aws.nodeGroups': `add one entry per node group: ${NODE_GROUPS.join(', ')}`,
  ...Object.fromEntries(NODE_GROUPS.map((g) => [`aws.nodeGroups.${g}`, 'add {instanceType, minSize, maxSize, desiredSize, volumeSize}'])),
  ...Object.fromEntries(
    NODE_GROUPS.flatMap((g) => [
      [`aws.nodeGroups.${g}.instanceType`, 'write an EC2 instance type such as t3.large'],
      [`aws.nodeGroups.${g}.minSize`, 'write a whole number of nodes from 0 to 100'],
      [`aws.nodeGroups.${g}.maxSize`, 'write a whole number of nodes from 1 to 100'],
      [`aws.nodeGroups.${g}.desiredSize`, 'choose minSize <= desiredSize <= maxSize'],
      [`aws.nodeGroups.${g}.volumeSize`, 'write the root volume size in GiB, from 20 to 16384'],
    ]),
  ),
};
