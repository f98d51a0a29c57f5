/**
 * The Terraform of the AWS data services, parsed (no provider, no cloud call) and checked for
 * the security properties it must keep and the contract with synth (SECRET_PROPERTIES, outputs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_NAMESPACES } from '../../charts/lib/constants';
import { EXTERNAL_SECRETS_SERVICE_ACCOUNT } from '../../charts/platform/components/engines';
import { LANGFUSE_SERVICE_ACCOUNT } from '../../charts/platform/components/langfuse';
import { infraOutputsSchema, OUT_OF_BAND_SECRETS, SECRET_PROPERTIES, secretName, type SecretKey } from '../../charts/config/infra-outputs';
import { collect } from '../helpers';

const DIR = path.resolve(__dirname, '..', '..', 'cluster', 'terraform');
const ENVS = fs.readdirSync(path.resolve(__dirname, '..', '..', 'charts', 'environments')).map((f) => path.basename(f, '.yaml'));
type Block = Record<string, any>;
let files: Record<string, Block>;
let tf: { resource: Record<string, Record<string, Block>>; data: Record<string, Record<string, Block>>; variable: Record<string, Block>; output: Record<string, Block>; locals: Block };

/** The one body of a block (hcl2json wraps every block body in a list). */
const one = (b: Block[] | undefined): Block => {
  expect(b).toHaveLength(1);
  return b![0];
};
const resource = (type: string, name: string): Block => one(tf.resource[type]?.[name] as unknown as Block[]);
const data = (type: string, name: string): Block => one(tf.data[type]?.[name] as unknown as Block[]);
const variableDefault = (name: string) => one(tf.variable[name] as unknown as Block[]).default;

/** Keys of the object literal in `${jsonencode({ a = ..., b = ... })}`. */
function jsonencodeKeys(expr: string): string[] {
  const m = /^\$\{jsonencode\(\{([\s\S]*)\}\)\}$/.exec(expr);
  if (!m) throw new Error(`not a jsonencode of an object literal: ${expr}`);
  return [...m[1].matchAll(/(?:^|[\n{,])\s*([A-Za-z_]\w*)\s*=(?!=)/g)].map((x) => x[1]);
}

beforeAll(async () => {
  files = {};
  for (const f of fs.readdirSync(DIR).filter((f) => f.endsWith('.tf')).sort()) files[f] = (await parse(f, fs.readFileSync(path.join(DIR, f), 'utf8'))) as Block;
  for (const f of fs.readdirSync(path.join(DIR, 'env')).sort()) files[`env/${f}`] = (await parse(f, fs.readFileSync(path.join(DIR, 'env', f), 'utf8'))) as Block;
  tf = { resource: {}, data: {}, variable: {}, output: {}, locals: {} };
  for (const [name, body] of Object.entries(files)) {
    if (name.startsWith('env/')) continue;
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((body[kind] ?? {}) as Record<string, Block>)) {
        for (const [n, b] of Object.entries(byName)) {
          expect(tf[kind][type]?.[n], `${kind} ${type}.${n} declared twice`).toBeUndefined();
          (tf[kind][type] ??= {})[n] = b;
        }
      }
    }
    Object.assign(tf.variable, body.variable ?? {});
    Object.assign(tf.output, body.output ?? {});
    for (const l of body.locals ?? []) Object.assign(tf.locals, l);
  }
});

describe('cluster/terraform', () => {
  it('every .tf and .tfvars file parses as HCL', async () => {
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['versions.tf', 'postgres.tf', 'redis.tf', 's3.tf', 'iam.tf', 'secrets.tf', 'outputs.tf']));
    await expect(parse('broken.tf', 'resource "x" "y" {\n  a = \n')).rejects.toThrow();
  });

  it('has variables per environment: one tfvars file per environment, setting only declared variables', () => {
    expect(ENVS.map((e) => `env/${e}.tfvars`).every((f) => f in files)).toBe(true);
    for (const e of ENVS) for (const k of Object.keys(files[`env/${e}.tfvars`])) expect(tf.variable, `${e}.tfvars sets ${k}`).toHaveProperty(k);
    expect(one(files['versions.tf'].terraform).backend).toEqual({ s3: [{}] });
  });

  it('RDS: PostgreSQL 17 on db.t4g.small, 20 GB gp3, encrypted, private, with automated backups', () => {
    const db = resource('aws_db_instance', 'postgres');
    expect(db).toMatchObject({ engine: 'postgres', engine_version: '17', storage_type: 'gp3', storage_encrypted: true, publicly_accessible: false });
    expect(db.instance_class).toBe('${var.postgres_instance_class}');
    expect(variableDefault('postgres_instance_class')).toBe('db.t4g.small');
    expect(variableDefault('postgres_allocated_storage')).toBe(20);
    expect(db.backup_retention_period).toBe('${var.backup_retention_days}');
    expect(one(one(tf.variable.backup_retention_days as unknown as Block[]).validation).condition).toBe('${var.backup_retention_days >= 1}');
    expect(resource('aws_db_subnet_group', 'postgres').subnet_ids).toBe('${data.aws_subnets.private.ids}');
    expect(data('aws_subnets', 'private').tags).toEqual({ 'kubernetes.io/role/internal-elb': '1' });
  });

  it('RDS: deletion protection and a final snapshot in prod (and by default)', () => {
    const db = resource('aws_db_instance', 'postgres');
    expect(db.deletion_protection).toBe('${var.deletion_protection}');
    expect(db.skip_final_snapshot).toBe('${!var.deletion_protection}');
    expect(db.final_snapshot_identifier).toBe('${local.name}-final');
    expect(variableDefault('deletion_protection')).toBe(true);
    expect(files['env/prod.tfvars'].deletion_protection).toBe(true);
    for (const e of ENVS) expect(files[`env/${e}.tfvars`].backup_retention_days).toBeGreaterThanOrEqual(1);
  });

  it('ElastiCache Redis: cache.t4g.small, TLS in transit, encrypted at rest, AUTH token, private', () => {
    const redis = resource('aws_elasticache_replication_group', 'redis');
    expect(redis).toMatchObject({ engine: 'redis', transit_encryption_enabled: true, at_rest_encryption_enabled: true, auth_token: '${random_password.redis_auth.result}' });
    expect(variableDefault('redis_node_type')).toBe('cache.t4g.small');
    expect(resource('aws_elasticache_subnet_group', 'redis').subnet_ids).toBe('${data.aws_subnets.private.ids}');
  });

  it('security groups admit only the VPC CIDR, on 5432 and 6379; no rule anywhere is open to the internet', () => {
    for (const [sg, port] of [['postgres', 5432], ['redis', 6379]] as const) {
      const ingress = resource('aws_security_group', sg).ingress as Block[];
      expect(ingress).toEqual([expect.objectContaining({ from_port: port, to_port: port, protocol: 'tcp', cidr_blocks: ['${local.vpc_cidr}'] })]);
    }
    expect(tf.locals.vpc_cidr).toBe('${data.aws_vpc.cluster.cidr_block}');
    const text = Object.keys(files).filter((f) => f.endsWith('.tf')).map((f) => fs.readFileSync(path.join(DIR, f), 'utf8')).join('\n');
    expect(text).not.toMatch(/0\.0\.0\.0\/0|::\/0/);
    for (const kind of ['aws_security_group_rule', 'aws_vpc_security_group_ingress_rule']) expect(tf.resource[kind], kind).toBeUndefined();
    expect(collect(tf.resource, 'publicly_accessible')).toEqual([false]);
  });

  it('S3: agentic-platform-langfuse-<env>, encrypted, versioned, all four public access blocks, TLS only', () => {
    expect(resource('aws_s3_bucket', 'langfuse').bucket).toBe('agentic-platform-langfuse-${var.environment}');
    expect(resource('aws_s3_bucket_public_access_block', 'langfuse')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    const sse = one(one(resource('aws_s3_bucket_server_side_encryption_configuration', 'langfuse').rule).apply_server_side_encryption_by_default);
    expect(sse.sse_algorithm).toBe('aws:kms');
    expect(one(resource('aws_s3_bucket_versioning', 'langfuse').versioning_configuration).status).toBe('Enabled');
    const deny = one(data('aws_iam_policy_document', 'langfuse_bucket').statement);
    expect(deny).toMatchObject({ effect: 'Deny', actions: ['s3:*'] });
    expect(one(deny.condition)).toEqual({ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] });
    expect(resource('aws_s3_bucket_policy', 'langfuse').policy).toBe('${data.aws_iam_policy_document.langfuse_bucket.json}');
  });

  it('IAM: Langfuse\'s role is bound to langfuse/langfuse-web and langfuse-worker and may use only its bucket', () => {
    const trust = data('aws_iam_policy_document', 'trust');
    expect(trust.for_each).toBe('${local.irsa_subjects}');
    const statement = one(trust.statement);
    expect(statement.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(statement.condition).toEqual([
      { test: 'StringEquals', variable: '${local.oidc}:aud', values: ['sts.amazonaws.com'] },
      { test: 'StringEquals', variable: '${local.oidc}:sub', values: '${each.value}' },
    ]);
    expect(tf.locals.irsa_subjects.langfuse).toEqual(['system:serviceaccount:langfuse:langfuse-web', 'system:serviceaccount:langfuse:langfuse-worker']);
    // The service account the Langfuse chart runs under is one the role trusts.
    expect(tf.locals.irsa_subjects.langfuse).toContain(`system:serviceaccount:${PLATFORM_NAMESPACES.langfuse}:${LANGFUSE_SERVICE_ACCOUNT}`);
    expect(resource('aws_iam_role', 'langfuse').assume_role_policy).toBe('${data.aws_iam_policy_document.trust["langfuse"].json}');
    const statements = data('aws_iam_policy_document', 'langfuse_s3').statement as Block[];
    for (const s of statements) for (const r of s.resources) expect(r).toMatch(/^\$\{aws_s3_bucket\.langfuse\.arn\}/);
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
  });

  it('IAM: external-secrets may only read and describe agentic-platform/<env>/* from external-secrets/external-secrets', () => {
    expect(tf.locals.irsa_subjects.external_secrets).toEqual(['system:serviceaccount:external-secrets:external-secrets']);
    expect(tf.locals.irsa_subjects.external_secrets).toEqual([`system:serviceaccount:${PLATFORM_NAMESPACES.externalSecrets}:${EXTERNAL_SECRETS_SERVICE_ACCOUNT}`]);
    expect(Object.keys(tf.locals.irsa_subjects).sort()).toEqual(['external_secrets', 'langfuse']);
    expect(resource('aws_iam_role', 'external_secrets').assume_role_policy).toBe('${data.aws_iam_policy_document.trust["external_secrets"].json}');
    const [read, denyTenants, assume] = data('aws_iam_policy_document', 'external_secrets_read').statement;
    const prefix = 'arn:${data.aws_partition.current.partition}:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:agentic-platform/${var.environment}';
    expect(tf.locals.secret_arn_prefix).toBe(prefix);
    expect(read.actions).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    expect(read.resources).toEqual(['${local.secret_arn_prefix}/*']);
    // Tenants' own entries: never directly, only by assuming tenant-secrets.
    expect(denyTenants).toMatchObject({ effect: 'Deny', actions: read.actions, resources: ['${local.secret_arn_prefix}/tenants/*'] });
    expect(assume).toMatchObject({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: ['${aws_iam_role.tenant_secrets.arn}'] });
  });

  it('IAM: tenant-secrets reads only the entries of the tenant named by its session tag, assumed only by external-secrets', () => {
    const trust = one(data('aws_iam_policy_document', 'tenant_secrets_trust').statement);
    expect(trust.actions).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(one(trust.principals)).toEqual({ type: 'AWS', identifiers: ['${aws_iam_role.external_secrets.arn}'] });
    expect(one(trust.condition)).toEqual({ test: 'StringLike', variable: 'aws:RequestTag/tenant', values: ['?*'] });
    const read = one(data('aws_iam_policy_document', 'tenant_secrets_read').statement);
    expect(read.actions).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    // HCL escapes the IAM variable as $${...}; the policy AWS receives reads ${aws:PrincipalTag/tenant}.
    expect(read.resources).toEqual(['${local.secret_arn_prefix}/tenants/$${aws:PrincipalTag/tenant}/*']);
    expect(resource('aws_iam_role', 'tenant_secrets').assume_role_policy).toBe('${data.aws_iam_policy_document.tenant_secrets_trust.json}');
  });

  it('Secrets Manager: one entry per key of SECRET_PROPERTIES, named as the outputs expect', () => {
    const names = tf.locals.secret_names as Record<string, string>;
    expect(Object.keys(names).sort()).toEqual(Object.keys(SECRET_PROPERTIES).sort());
    for (const [k, v] of Object.entries(names)) expect(`agentic-platform/dev/${v}`).toBe(secretName('dev', k as SecretKey));
    const secret = resource('aws_secretsmanager_secret', 'this');
    expect(secret).toMatchObject({ for_each: '${local.secret_names}', name: 'agentic-platform/${var.environment}/${each.value}' });
  });

  it('Secrets Manager: the JSON of every generated secret has exactly the properties of SECRET_PROPERTIES; the out-of-band ones get no value', () => {
    const written = new Map<string, string[]>();
    for (const [name, body] of Object.entries(tf.resource.aws_secretsmanager_secret_version ?? {})) {
      const v = one(body as unknown as Block[]);
      const key = /^\$\{aws_secretsmanager_secret\.this\["(\w+)"\]\.id\}$/.exec(v.secret_id)?.[1];
      expect(key, name).toBeDefined();
      expect(written.has(key!), `${key} written twice`).toBe(false);
      written.set(key!, jsonencodeKeys(v.secret_string));
    }
    const generated = Object.keys(SECRET_PROPERTIES).filter((k) => !OUT_OF_BAND_SECRETS.includes(k as SecretKey));
    expect([...written.keys()].sort()).toEqual(generated.sort());
    for (const [key, props] of written) expect(props, key).toEqual([...SECRET_PROPERTIES[key as SecretKey]]);
    expect(OUT_OF_BAND_SECRETS).toEqual(['grafanaMcpToken', 'anthropicApiKey', 'openaiApiKey']);
  });

  it('no secret value is written in the code: every password and key comes from a random_* resource', () => {
    for (const body of Object.values(tf.resource.aws_secretsmanager_secret_version ?? {})) {
      const v = one(body as unknown as Block[]).secret_string as string;
      const values = [...v.matchAll(/=\s*("[^"\n]*"|[^\s,}]+)/g)].map((m) => m[1]);
      for (const value of values) {
        if (value === '"langfuse"' || value === '"keycloak"' || value === '"kagent"' || value === '"admin"') continue; // user names
        expect(value, v).toMatch(/^("(pk|sk)-lf-\$\{)?random_(password|id|uuid)\.\w+\.(result|hex)/);
      }
    }
  });

  it('db-init creates every database of the outputs with an owner of the same name, whose password is the one its Secrets Manager entry holds', () => {
    const value = one(tf.output.platform as unknown as Block[]).value as Block;
    const databases = Object.entries(value.postgres as Block).filter(([k]) => k.endsWith('Database')) as [string, string][];
    expect(databases.map(([, db]) => db).sort()).toEqual(['kagent', 'keycloak', 'langfuse']);
    const script = tf.locals.db_init_script as string;
    const loop = /for app in ([\w ]+); do/.exec(script)?.[1].split(' ');
    expect(loop?.sort()).toEqual(databases.map(([, db]) => db).sort());
    // A changed script (a new database) renames the Job, so Terraform runs it again.
    expect(one(resource('kubernetes_job_v1', 'db_init').metadata).name).toBe('db-init-${substr(sha256(local.db_init_script), 0, 10)}');
    const env = resource('kubernetes_secret_v1', 'db_init').data as Block;
    for (const [key, db] of databases) {
      const password = `${db.toUpperCase()}_PASSWORD`;
      expect(script, db).toContain(`${db}) pw="$${password}" ;;`);
      expect(env[password], db).toBe(`\${random_password.${db}_database.result}`);
      // The entry the platform reads (outputs secrets.<key>) holds that same password for user <db>.
      const version = resource('aws_secretsmanager_secret_version', `${db}_database`);
      expect(version.secret_id, db).toBe(`\${aws_secretsmanager_secret.this["${key}"].id}`);
      expect(version.secret_string, db).toBe(`\${jsonencode({ username = "${db}", password = random_password.${db}_database.result })}`);
    }
  });

  it('outputs exactly the shape of cluster/outputs/<env>.json', () => {
    const value = one(tf.output.platform as unknown as Block[]).value as Block;
    // Every key but the stand-in marker of `npm run environment -- add`, which real outputs never carry.
    expect(Object.keys(value).sort()).toEqual(Object.keys(infraOutputsSchema.shape).filter((k) => k !== 'placeholder').sort());
    for (const [k, schema] of Object.entries(infraOutputsSchema.shape)) {
      if ('shape' in schema && k !== 'secrets') expect(Object.keys(value[k]).sort(), k).toEqual(Object.keys(schema.shape).sort());
    }
    expect(value.secrets).toBe('${{ for key, secret in aws_secretsmanager_secret.this : key => secret.name }}');
  });
});
