/**
 * The aws section of an environment file: the AWS account, region, EKS cluster and node group
 * sizes that cluster/ (eksctl config, Terraform variables, npm scripts) builds the environment with.
 */
import { z } from 'zod';
import { NODE_GROUPS, type NodeGroup } from '../lib/constants';

/**
 * Size of one node group in each availability zone: eksctl creates one managed node group per group
 * and zone (cluster-autoscaler scales each zone's group on its own, so zonal EBS volumes always find
 * a node in their zone).
 */
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
      ctx.addIssue({
        code: 'custom',
        path: ['desiredSize'],
        message: `desiredSize ${g.desiredSize} is outside minSize ${g.minSize} to maxSize ${g.maxSize}`,
      });
    }
  });

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(\d|[12]\d|3[0-2])$/;

/** A CIDR the public API endpoint admits: an operator network, never the whole internet. */
const operatorCidr = z
  .string()
  .regex(IPV4_CIDR)
  .refine((c) => Number(c.split('/')[1]) >= 8, {
    message: 'a prefix shorter than /8 opens the API endpoint to a large part of the internet',
  });

export const SUPPORT_TYPES = ['STANDARD', 'EXTENDED'] as const;

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

export const awsSettingsSchema = z
  .strictObject({
    region: z.string().regex(REGION),
    /**
     * The account the environment lives in. Every cluster command that touches AWS requires it and
     * refuses credentials of another account; Terraform's provider refuses too (allowed_account_ids).
     */
    accountId: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    clusterName: z.string().regex(/^[a-zA-Z][-a-zA-Z0-9]{0,99}$/),
    /**
     * Route 53 public hosted zone of platform.domain: Terraform validates the external gateway's
     * certificate in it.
     */
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/),
    /** NAT gateways of the cluster VPC: one for all zones, or one per zone (survives a zone outage). */
    natGateway: z.enum(['Single', 'HighlyAvailable']).default('Single'),
    /**
     * What EKS does when standard support of the version ends: STANDARD upgrades the control plane by
     * itself; EXTENDED keeps the version and bills extended support.
     * @default 'STANDARD'
     */
    supportType: z.enum(SUPPORT_TYPES).default('STANDARD'),
    /**
     * The availability zones of the VPC and of every node group (one managed node group per group and
     * zone), listed so that replicas spread deliberately: three zones for three ClickHouse Keepers.
     */
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/))
      .min(2)
      .max(6),
    /**
     * The Kubernetes API endpoint: always reachable from inside the VPC; from outside only from
     * publicAccessCIDRs (the operators' networks). Without them the endpoint is private only.
     */
    apiEndpoint: z.strictObject({ publicAccessCIDRs: z.array(operatorCidr).min(1) }).optional(),
    nodeGroups: z.strictObject(
      Object.fromEntries(NODE_GROUPS.map((g) => [g, nodeGroupSchema])) as Record<NodeGroup, typeof nodeGroupSchema>,
    ),
  })
  .superRefine((aws, ctx) => {
    const zones = aws.availabilityZones;
    zones.forEach((zone, i) => {
      if (REGION.test(aws.region) && !zone.startsWith(aws.region))
        ctx.addIssue({
          code: 'custom',
          path: ['availabilityZones', i],
          message: `zone ${zone} is not in region ${aws.region}`,
        });
      if (zones.indexOf(zone) !== i)
        ctx.addIssue({ code: 'custom', path: ['availabilityZones', i], message: `zone ${zone} is listed twice` });
    });
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
  'aws.supportType':
    'write STANDARD (EKS upgrades the control plane when standard support ends) or EXTENDED (keeps it, billed as extended support)',
  'aws.availabilityZones': 'list two to six zones of the region, such as [us-east-1a, us-east-1b, us-east-1c]',
  'aws.availabilityZones.*': 'write a zone of the region, such as us-east-1a, once',
  'aws.apiEndpoint':
    'write apiEndpoint: {publicAccessCIDRs: [<operator network CIDR>]}, or remove it for a private endpoint',
  'aws.apiEndpoint.publicAccessCIDRs': "list the operators' networks as CIDRs, such as 203.0.113.0/24",
  'aws.apiEndpoint.publicAccessCIDRs.*':
    "write an IPv4 CIDR of the operators' network with a prefix of /8 or longer, such as 203.0.113.0/24",
  'aws.nodeGroups': `add one entry per node group: ${NODE_GROUPS.join(', ')} (sizes per availability zone)`,
  ...Object.fromEntries(
    NODE_GROUPS.map((g) => [`aws.nodeGroups.${g}`, 'add {instanceType, minSize, maxSize, desiredSize, volumeSize}']),
  ),
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
