/**
 * The Terraform of the AWS data services, parsed (no provider, no cloud call) and checked for
 * the security properties it must keep and the contract with synth (SECRET_PROPERTIES, outputs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_TAGS, PLATFORM_NAMESPACES } from '../../charts/lib/constants';
import { EXTERNAL_SECRETS_SERVICE_ACCOUNT } from '../../charts/platform/components/engines';
import { LANGFUSE_SERVICE_ACCOUNT } from '../../charts/platform/components/langfuse';
import {
  infraOutputsSchema,
  LANGFUSE_PROJECT_KEY_PROPERTIES,
  langfuseProjectSecretName,
  OBSERVABILITY_SECRET_PROPERTIES,
  type ObservabilitySecretKey,
  observabilitySecretName,
  OUT_OF_BAND_OBSERVABILITY_SECRETS,
  OUT_OF_BAND_SECRETS,
  SECRET_PROPERTIES,
  secretName,
  type SecretKey,
} from '../../charts/config/infra-outputs';
import { collect } from '../helpers';

const DIR = path.resolve(__dirname, '..', '..', 'cluster', 'terraform');
const ENVS = fs
  .readdirSync(path.resolve(__dirname, '..', '..', 'charts', 'environments'))
  .map((f) => path.basename(f, '.yaml'));
type Block = Record<string, any>;
let files: Record<string, Block>;
let tf: {
  resource: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
  ephemeral: Record<string, Record<string, Block>>;
  variable: Record<string, Block>;
  output: Record<string, Block>;
  provider: Record<string, Block[]>;
  locals: Block;
};

/** The one body of a block (hcl2json wraps every block body in a list). */
const one = (b: Block[] | undefined): Block => {
  expect(b).toHaveLength(1);
  return b![0];
};
const resource = (type: string, name: string): Block => one(tf.resource[type]?.[name] as unknown as Block[]);
const data = (type: string, name: string): Block => one(tf.data[type]?.[name] as unknown as Block[]);
const variable = (name: string): Block => one(tf.variable[name] as unknown as Block[]);
const tfvars = (env: string): Block => files[`env/${env}.tfvars`];
const variableDefault = (name: string) => one(tf.variable[name] as unknown as Block[]).default;

/** Keys of the object literal in `${jsonencode({ a = ..., b = ... })}`. */
function jsonencodeKeys(expr: string): string[] {
  const m = /^\$\{jsonencode\(\{([\s\S]*)\}\)\}$/.exec(expr);
  if (!m) throw new Error(`not a jsonencode of an object literal: ${expr}`);
  return [...m[1].matchAll(/(?:^|[\n{,])\s*([A-Za-z_]\w*)\s*=(?!=)/g)].map((x) => x[1]);
}

beforeAll(async () => {
  files = {};
  for (const f of fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.tf'))
    .sort())
    files[f] = (await parse(f, fs.readFileSync(path.join(DIR, f), 'utf8'))) as Block;
  for (const f of fs.readdirSync(path.join(DIR, 'env')).sort())
    files[`env/${f}`] = (await parse(f, fs.readFileSync(path.join(DIR, 'env', f), 'utf8'))) as Block;
  tf = { resource: {}, data: {}, ephemeral: {}, variable: {}, output: {}, provider: {}, locals: {} };
  for (const [name, body] of Object.entries(files)) {
    if (name.startsWith('env/')) continue;
    for (const kind of ['resource', 'data', 'ephemeral'] as const) {
      for (const [type, byName] of Object.entries((body[kind] ?? {}) as Record<string, Block>)) {
        for (const [n, b] of Object.entries(byName)) {
          expect(tf[kind][type]?.[n], `${kind} ${type}.${n} declared twice`).toBeUndefined();
          (tf[kind][type] ??= {})[n] = b;
        }
      }
    }
    Object.assign(tf.variable, body.variable ?? {});
    for (const [type, blocks] of Object.entries((body.provider ?? {}) as Record<string, Block[]>))
      (tf.provider[type] ??= []).push(...blocks);
    Object.assign(tf.output, body.output ?? {});
    for (const l of body.locals ?? []) Object.assign(tf.locals, l);
  }
});

describe('cluster/terraform', () => {
  it('every .tf and .tfvars file parses as HCL', async () => {
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['versions.tf', 'postgres.tf', 'redis.tf', 's3.tf', 'iam.tf', 'secrets.tf', 'outputs.tf']),
    );
    await expect(parse('broken.tf', 'resource "x" "y" {\n  a = \n')).rejects.toThrow();
  });

  it('has variables per environment: one tfvars file per environment, setting only declared variables', () => {
    expect(ENVS.map((e) => `env/${e}.tfvars`).every((f) => f in files)).toBe(true);
    for (const e of ENVS)
      for (const k of Object.keys(files[`env/${e}.tfvars`]))
        expect(tf.variable, `${e}.tfvars sets ${k}`).toHaveProperty(k);
    expect(one(files['versions.tf'].terraform).backend).toEqual({ s3: [{}] });
  });

  it('RDS: PostgreSQL 17 on db.t4g.small, 20 GB gp3, encrypted, private, with automated backups', () => {
    const db = resource('aws_db_instance', 'postgres');
    expect(db).toMatchObject({
      engine: 'postgres',
      engine_version: '17',
      storage_type: 'gp3',
      storage_encrypted: true,
      publicly_accessible: false,
    });
    expect(db.instance_class).toBe('${var.postgres_instance_class}');
    expect(variableDefault('postgres_instance_class')).toBe('db.t4g.small');
    expect(variableDefault('postgres_allocated_storage')).toBe(20);
    expect(db.backup_retention_period).toBe('${var.backup_retention_days}');
    expect(one(one(tf.variable.backup_retention_days as unknown as Block[]).validation).condition).toBe(
      '${var.backup_retention_days >= 1}',
    );
    expect(resource('aws_db_subnet_group', 'postgres').subnet_ids).toBe('${data.aws_subnets.private.ids}');
    expect(data('aws_subnets', 'private').tags).toEqual({ 'kubernetes.io/role/internal-elb': '1' });
  });

  it('RDS and Redis: deletion protection and final snapshots in prod (and by default), named apart from earlier snapshots', () => {
    const db = resource('aws_db_instance', 'postgres');
    expect(db.deletion_protection).toBe('${var.deletion_protection}');
    // Turning deletion protection off to destroy prod keeps the final snapshot: a variable of its own.
    expect(db.skip_final_snapshot).toBe('${!var.final_snapshot}');
    expect(db.final_snapshot_identifier).toBe('${local.name}-final-${random_id.final_snapshot.hex}');
    expect(resource('aws_elasticache_replication_group', 'redis').final_snapshot_identifier).toBe(
      '${var.final_snapshot ? "${local.name}-redis-final-${random_id.final_snapshot.hex}" : null}',
    );
    expect([variableDefault('deletion_protection'), variableDefault('final_snapshot')]).toEqual([true, true]);
    expect(tfvars('prod')).toMatchObject({ deletion_protection: true, final_snapshot: true });
    expect(tfvars('dev')).toMatchObject({ deletion_protection: false, final_snapshot: false });
    for (const e of ENVS) expect(tfvars(e).backup_retention_days).toBeGreaterThanOrEqual(1);
  });

  it('RDS: the master password is managed by RDS in Secrets Manager, never in the configuration or the state', () => {
    // hashicorp/aws website/docs/r/db_instance.html.markdown: manage_master_user_password "Set to
    // true to allow RDS to manage the master user password in Secrets Manager. Cannot be set if
    // password or password_wo is provided."
    const db = resource('aws_db_instance', 'postgres');
    expect(db.manage_master_user_password).toBe(true);
    expect(db).not.toHaveProperty('password');
    expect(db).not.toHaveProperty('password_wo');
    expect(tf.resource.random_password.postgres_master).toBeUndefined();
    // Read ephemerally (hashicorp/aws ephemeral resource aws_secretsmanager_secret_version): not stored.
    expect(one(tf.ephemeral.aws_secretsmanager_secret_version?.postgres_master as unknown as Block[]).secret_id).toBe(
      '${aws_db_instance.postgres.master_user_secret[0].secret_arn}',
    );
    expect(tf.data.aws_secretsmanager_secret_version).toBeUndefined();
  });

  it('RDS and Redis in prod: production classes, storage autoscaling and Performance Insights; dev stays small', () => {
    const db = resource('aws_db_instance', 'postgres');
    expect(db).toMatchObject({
      max_allocated_storage: '${var.postgres_max_allocated_storage}',
      performance_insights_enabled: '${var.postgres_performance_insights}',
    });
    const prod = tfvars('prod');
    // Burstable classes (db.t*, cache.t*) run out of CPU credits under steady load.
    expect(prod.postgres_instance_class).toMatch(/^db\.[mr]\d/);
    expect(prod.redis_node_type).toMatch(/^cache\.[mr]\d/);
    expect(prod.postgres_max_allocated_storage).toBeGreaterThan(prod.postgres_allocated_storage);
    expect(prod).toMatchObject({ postgres_performance_insights: true, postgres_multi_az: true, redis_replicas: 1 });
    expect(variableDefault('postgres_max_allocated_storage')).toBe(0);
    expect(tfvars('dev').postgres_instance_class).toBe('db.t4g.small');
  });

  it('ElastiCache Redis: cache.t4g.small, TLS in transit, encrypted at rest, AUTH token, private', () => {
    const redis = resource('aws_elasticache_replication_group', 'redis');
    expect(redis).toMatchObject({
      engine: 'redis',
      transit_encryption_enabled: true,
      at_rest_encryption_enabled: true,
      auth_token: '${random_password.redis_auth.result}',
    });
    expect(variableDefault('redis_node_type')).toBe('cache.t4g.small');
    expect(resource('aws_elasticache_subnet_group', 'redis').subnet_ids).toBe('${data.aws_subnets.private.ids}');
  });

  it('security groups admit only the VPC CIDR, on 5432 and 6379; no rule anywhere is open to the internet', () => {
    for (const [sg, port] of [
      ['postgres', 5432],
      ['redis', 6379],
    ] as const) {
      const ingress = resource('aws_security_group', sg).ingress as Block[];
      expect(ingress).toEqual([
        expect.objectContaining({
          from_port: port,
          to_port: port,
          protocol: 'tcp',
          cidr_blocks: ['${local.vpc_cidr}'],
        }),
      ]);
    }
    expect(tf.locals.vpc_cidr).toBe('${data.aws_vpc.cluster.cidr_block}');
    const text = Object.keys(files)
      .filter((f) => f.endsWith('.tf'))
      .map((f) => fs.readFileSync(path.join(DIR, f), 'utf8'))
      .join('\n');
    expect(text).not.toMatch(/0\.0\.0\.0\/0|::\/0/);
    for (const kind of ['aws_security_group_rule', 'aws_vpc_security_group_ingress_rule'])
      expect(tf.resource[kind], kind).toBeUndefined();
    expect(collect(tf.resource, 'publicly_accessible')).toEqual([false]);
  });

  it('ElastiCache Redis never evicts a key: Langfuse requires maxmemory-policy noeviction', () => {
    // langfuse chart 1.5.19 templates/validations.yaml: "Langfuse requires valkey to be deployed with
    // the `--maxmemory-policy noeviction` flag". ElastiCache's default parameter group evicts.
    const group = resource('aws_elasticache_parameter_group', 'redis');
    expect(group.family).toBe('redis7');
    expect(resource('aws_elasticache_replication_group', 'redis').engine_version).toBe('7.1');
    expect(group.parameter).toEqual([{ name: 'maxmemory-policy', value: 'noeviction' }]);
    expect(resource('aws_elasticache_replication_group', 'redis').parameter_group_name).toBe(
      '${aws_elasticache_parameter_group.redis.name}',
    );
  });

  it('S3: agentic-platform-langfuse-<env>, encrypted, versioned, all four public access blocks, TLS only', () => {
    expect(resource('aws_s3_bucket', 'langfuse').bucket).toBe('${local.langfuse_bucket}');
    // Bucket names are global: the account and region make it unique per adopter, as the state bucket's.
    expect(tf.locals.langfuse_bucket).toBe(
      'agentic-platform-langfuse-${var.environment}-${data.aws_caller_identity.current.account_id}-${var.region}',
    );
    expect(one(one(resource('aws_s3_bucket', 'langfuse').lifecycle).precondition).condition).toBe(
      '${length(local.langfuse_bucket) <= 63}',
    );
    expect(resource('aws_s3_bucket_public_access_block', 'langfuse')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const sse = one(
      one(resource('aws_s3_bucket_server_side_encryption_configuration', 'langfuse').rule)
        .apply_server_side_encryption_by_default,
    );
    expect(sse.sse_algorithm).toBe('aws:kms');
    expect(one(resource('aws_s3_bucket_versioning', 'langfuse').versioning_configuration).status).toBe('Enabled');
    const deny = one(data('aws_iam_policy_document', 'langfuse_bucket').statement);
    expect(deny).toMatchObject({ effect: 'Deny', actions: ['s3:*'] });
    expect(one(deny.condition)).toEqual({ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] });
    expect(resource('aws_s3_bucket_policy', 'langfuse').policy).toBe(
      '${data.aws_iam_policy_document.langfuse_bucket.json}',
    );
  });

  it("IAM: Langfuse's role is bound to langfuse/langfuse-web and langfuse-worker and may use only its bucket", () => {
    const trust = data('aws_iam_policy_document', 'trust');
    expect(trust.for_each).toBe('${local.irsa_subjects}');
    const statement = one(trust.statement);
    expect(statement.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(statement.condition).toEqual([
      { test: 'StringEquals', variable: '${local.oidc}:aud', values: ['sts.amazonaws.com'] },
      { test: 'StringEquals', variable: '${local.oidc}:sub', values: '${each.value}' },
    ]);
    expect(tf.locals.irsa_subjects.langfuse).toEqual([
      'system:serviceaccount:langfuse:langfuse-web',
      'system:serviceaccount:langfuse:langfuse-worker',
    ]);
    // The service account the Langfuse chart runs under is one the role trusts.
    expect(tf.locals.irsa_subjects.langfuse).toContain(
      `system:serviceaccount:${PLATFORM_NAMESPACES.langfuse}:${LANGFUSE_SERVICE_ACCOUNT}`,
    );
    expect(resource('aws_iam_role', 'langfuse').assume_role_policy).toBe(
      '${data.aws_iam_policy_document.trust["langfuse"].json}',
    );
    const statements = data('aws_iam_policy_document', 'langfuse_s3').statement as Block[];
    for (const s of statements) for (const r of s.resources) expect(r).toMatch(/^\$\{aws_s3_bucket\.langfuse\.arn\}/);
    expect(statements.flatMap((s) => s.actions).sort()).toEqual([
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  it('IAM: external-secrets may only read and describe agentic-platform/<env>/* from external-secrets/external-secrets', () => {
    expect(tf.locals.irsa_subjects.external_secrets).toEqual([
      'system:serviceaccount:external-secrets:external-secrets',
    ]);
    expect(tf.locals.irsa_subjects.external_secrets).toEqual([
      `system:serviceaccount:${PLATFORM_NAMESPACES.externalSecrets}:${EXTERNAL_SECRETS_SERVICE_ACCOUNT}`,
    ]);
    expect(Object.keys(tf.locals.irsa_subjects).sort()).toEqual(['external_secrets', 'langfuse']);
    expect(resource('aws_iam_role', 'external_secrets').assume_role_policy).toBe(
      '${data.aws_iam_policy_document.trust["external_secrets"].json}',
    );
    const [read, denyTenants, assume] = data('aws_iam_policy_document', 'external_secrets_read').statement;
    const prefix =
      'arn:${data.aws_partition.current.partition}:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:agentic-platform/${var.environment}';
    expect(tf.locals.secret_arn_prefix).toBe(prefix);
    expect(read.actions).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    expect(read.resources).toEqual(['${local.secret_arn_prefix}/*']);
    // Tenants' own entries: never directly, only by assuming tenant-secrets.
    expect(denyTenants).toMatchObject({
      effect: 'Deny',
      actions: read.actions,
      resources: ['${local.secret_arn_prefix}/tenants/*'],
    });
    expect(assume).toMatchObject({
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      resources: ['${aws_iam_role.tenant_secrets.arn}'],
    });
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
    expect(resource('aws_iam_role', 'tenant_secrets').assume_role_policy).toBe(
      '${data.aws_iam_policy_document.tenant_secrets_trust.json}',
    );
  });

  it('Secrets Manager: one entry per key of SECRET_PROPERTIES, named as the outputs expect', () => {
    const names = tf.locals.secret_names as Record<string, string>;
    expect(Object.keys(names).sort()).toEqual(Object.keys(SECRET_PROPERTIES).sort());
    for (const [k, v] of Object.entries(names))
      expect(`agentic-platform/dev/${v}`).toBe(secretName('dev', k as SecretKey));
    const secret = resource('aws_secretsmanager_secret', 'this');
    expect(secret).toMatchObject({
      for_each: '${local.secret_names}',
      name: 'agentic-platform/${var.environment}/${each.value}',
    });
  });

  it('Secrets Manager: the JSON of every generated secret has exactly the properties of SECRET_PROPERTIES; the out-of-band ones get no value', () => {
    const written = new Map<string, string[]>();
    for (const [name, body] of Object.entries(tf.resource.aws_secretsmanager_secret_version ?? {})) {
      const v = one(body as unknown as Block[]);
      // Observability's entries (observability.tf) are checked below.
      if (!String(v.secret_id).startsWith('${aws_secretsmanager_secret.this[')) continue;
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
        expect(value, v).toMatch(/^("(pk|sk)-lf-\$\{)?random_(password|id|uuid)\.\w+(\[each\.key\])?\.(result|hex)/);
      }
    }
  });

  it('S3: old versions expire and incomplete uploads are aborted; dev may destroy a used bucket, prod may not', () => {
    const rule = one(resource('aws_s3_bucket_lifecycle_configuration', 'langfuse').rule);
    expect(rule).toMatchObject({ status: 'Enabled', filter: [{}] });
    expect(one(rule.noncurrent_version_expiration).noncurrent_days).toBe('${var.noncurrent_version_days}');
    expect(one(rule.abort_incomplete_multipart_upload).days_after_initiation).toBe(7);
    expect(resource('aws_s3_bucket_lifecycle_configuration', 'langfuse').depends_on).toEqual([
      '${aws_s3_bucket_versioning.langfuse}',
    ]);
    expect(resource('aws_s3_bucket', 'langfuse').force_destroy).toBe('${var.force_destroy}');
    expect(resource('aws_backup_vault', 'volumes').force_destroy).toBe('${var.force_destroy}');
    expect(variableDefault('force_destroy')).toBe(false);
    expect(tfvars('dev').force_destroy).toBe(true);
    expect(tfvars('prod').force_destroy).toBe(false);
  });

  it('db-init creates every database of the outputs with an owner of the same name, whose password is the one its Secrets Manager entry holds', () => {
    const value = one(tf.output.platform as unknown as Block[]).value as Block;
    const databases = Object.entries(value.postgres as Block).filter(([k]) => k.endsWith('Database')) as [
      string,
      string,
    ][];
    expect(databases.map(([, db]) => db).sort()).toEqual(['kagent', 'keycloak', 'langfuse']);
    const script = tf.locals.db_init_script as string;
    const loop = /for app in ([\w ]+); do/.exec(script)?.[1].split(' ');
    expect(loop?.sort()).toEqual(databases.map(([, db]) => db).sort());
    // A changed script (a new database) renames the Job, so Terraform runs it again.
    expect(tf.locals.db_init_name).toBe('db-init-${substr(sha256(local.db_init_script), 0, 10)}');
    expect(one(resource('kubernetes_job_v1', 'db_init').metadata).name).toBe('${local.db_init_name}');
    const env = one(resource('terraform_data', 'db_init_secret').provisioner['local-exec']).environment as Block;
    for (const [key, db] of databases) {
      const password = `${db.toUpperCase()}_PASSWORD`;
      expect(script, db).toContain(`${db}) pw="$${password}" ;;`);
      expect(env[password], db).toBe(`\${random_password.${db}_database.result}`);
      // The entry the platform reads (outputs secrets.<key>) holds that same password for user <db>.
      const version = resource('aws_secretsmanager_secret_version', `${db}_database`);
      expect(version.secret_id, db).toBe(`\${aws_secretsmanager_secret.this["${key}"].id}`);
      expect(version.secret_string, db).toBe(
        `\${jsonencode({ username = "${db}", password = random_password.${db}_database.result })}`,
      );
    }
  });

  it("db-init: the Job's Secret, the master password among its values, exists only while the Job runs and never in the state", () => {
    expect(tf.resource.kubernetes_secret_v1).toBeUndefined();
    const create = resource('terraform_data', 'db_init_secret');
    const exec = one(create.provisioner['local-exec']);
    expect(create.triggers_replace).toEqual(['${local.db_init_name}']);
    expect(exec.environment.PGPASSWORD).toBe(
      '${jsondecode(ephemeral.aws_secretsmanager_secret_version.postgres_master.secret_string).password}',
    );
    expect(exec.environment.NAME).toBe('${local.db_init_name}');
    // Every value the Job's psql reads is written, on standard input (never on a command line).
    const keys = [...(exec.command as string).matchAll(/([A-Z_]+)=%s/g)].map((m) => m[1]);
    expect(keys.sort()).toEqual(
      Object.keys(exec.environment)
        .filter((k) => k.startsWith('PG') || k.endsWith('_PASSWORD'))
        .sort(),
    );
    expect(exec.command).toContain('--from-env-file=/dev/stdin');
    const job = resource('kubernetes_job_v1', 'db_init');
    expect(job.depends_on).toEqual(['${terraform_data.db_init_secret}']);
    expect(one(one(one(one(one(job.spec).template).spec).container).env_from)).toEqual({
      secret_ref: [{ name: '${local.db_init_name}' }],
    });
    const remove = resource('terraform_data', 'db_init_secret_removal');
    expect(remove.triggers_replace).toEqual(['${kubernetes_job_v1.db_init.metadata[0].uid}']);
    const removeExec = one(remove.provisioner['local-exec']);
    expect(removeExec.command).toContain('kubectl delete secret "$NAME" --namespace "$NAMESPACE" --ignore-not-found');
    expect(removeExec.environment).toMatchObject({
      NAME: '${local.db_init_name}',
      NAMESPACE: '${kubernetes_namespace_v1.db_init.metadata[0].name}',
    });
  });

  it("providers: the Kubernetes provider fetches a token for every call, and the AWS providers refuse any account but the environment's", () => {
    // terraform-provider-kubernetes v2.38.0 docs/index.md "Exec plugins": short-lived tokens expire;
    // an exec plugin fetches a new one, and must not be mixed with token.
    const kubernetes = one(tf.provider.kubernetes);
    expect(kubernetes).not.toHaveProperty('token');
    expect(one(kubernetes.exec)).toEqual({
      api_version: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: [
        'eks',
        'get-token',
        '--cluster-name',
        '${var.cluster_name}',
        '--region',
        '${var.region}',
        '--output',
        'json',
      ],
    });
    expect(tf.data.aws_eks_cluster_auth).toBeUndefined();
    expect(tf.provider.aws.map((p) => p.allowed_account_ids)).toEqual([['${var.account_id}'], ['${var.account_id}']]);
    // account_id has no default: every plan, apply and destroy names the account.
    expect(variable('account_id')).not.toHaveProperty('default');
    expect(one(variable('account_id').validation).condition).toBe('${can(regex("^[0-9]{12}$", var.account_id))}');
    expect(one(files['versions.tf'].terraform).required_version).toBe('>= 1.11.0');
  });

  it('tags everything it creates with its stack, which cluster:delete looks for', () => {
    expect(tf.locals.default_tags).toMatchObject({
      environment: '${var.environment}',
      [AWS_TAGS.stack.key]: AWS_TAGS.stack.value,
    });
    for (const p of tf.provider.aws) expect(one(p.default_tags).tags).toBe('${local.default_tags}');
  });

  it('S3 traffic of the private subnets goes through a gateway endpoint, not the NAT gateways', () => {
    const endpoint = resource('aws_vpc_endpoint', 's3');
    expect(endpoint).toMatchObject({
      vpc_endpoint_type: 'Gateway',
      service_name: 'com.amazonaws.${var.region}.s3',
      vpc_id: '${data.aws_vpc.cluster.id}',
    });
    expect(endpoint.route_table_ids).toBe('${sort(distinct([for rt in data.aws_route_table.private : rt.id]))}');
    expect(data('aws_route_table', 'private')).toMatchObject({
      for_each: '${toset(data.aws_subnets.private.ids)}',
      subnet_id: '${each.value}',
    });
  });

  it('a monthly budget per environment, on the costs tagged with it, alerting before and at the limit', () => {
    const budget = resource('aws_budgets_budget', 'environment');
    expect(budget).toMatchObject({
      budget_type: 'COST',
      time_unit: 'MONTHLY',
      limit_unit: 'USD',
      limit_amount: '${tostring(var.monthly_budget_usd)}',
    });
    expect(one(budget.cost_filter)).toEqual({
      name: 'TagKeyValue',
      values: ['${format("user:environment$%s", var.environment)}'],
    });
    expect((budget.notification as Block[]).map((n) => `${n.notification_type} ${n.threshold}`)).toEqual([
      'FORECASTED 80',
      'ACTUAL 100',
    ]);
    for (const e of ENVS) expect(tfvars(e).monthly_budget_usd, e).toBeGreaterThan(0);
    expect(tfvars('prod').monthly_budget_usd).toBeGreaterThan(tfvars('dev').monthly_budget_usd);
  });

  it('backups: daily snapshots of the volumes the StorageClass tags, and in prod copies of them and of the database backups in a second region', () => {
    const selection = resource('aws_backup_selection', 'volumes');
    expect(tf.locals.volume_backup_tag).toBe(AWS_TAGS.volumeBackup);
    expect(one(one(selection.condition).string_equals)).toEqual({
      key: 'aws:ResourceTag/${local.volume_backup_tag}',
      value: '${var.environment}',
    });
    expect(selection.resources).toEqual([
      'arn:${data.aws_partition.current.partition}:ec2:${var.region}:${data.aws_caller_identity.current.account_id}:volume/*',
    ]);
    const rule = one(resource('aws_backup_plan', 'volumes').rule);
    expect(rule.schedule).toBe('cron(0 3 * * ? *)');
    expect(one(rule.dynamic.copy_action).for_each).toBe('${aws_backup_vault.volumes_copy}');
    const replication = resource('aws_db_instance_automated_backups_replication', 'postgres');
    expect(replication).toMatchObject({
      count: '${local.copy_backups ? 1 : 0}',
      provider: '${aws.backup_copy}',
      source_db_instance_arn: '${aws_db_instance.postgres.arn}',
    });
    expect(tf.locals.copy_backups).toBe('${var.backup_copy_region != null}');
    expect(tfvars('prod').backup_copy_region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    expect(tfvars('dev').backup_copy_region).toBeUndefined();
    expect(one(tf.provider.aws.filter((p) => p.alias === 'backup_copy'))).toMatchObject({
      region: '${coalesce(var.backup_copy_region, var.region)}',
    });
  });

  it('outputs what infra:destroy checks: the database and its deletion protection', () => {
    expect(one(tf.output.destroy_guard as unknown as Block[]).value).toEqual({
      database: '${aws_db_instance.postgres.identifier}',
      deletion_protection: '${aws_db_instance.postgres.deletion_protection}',
    });
  });

  it('outputs exactly the shape of cluster/outputs/<env>.json', () => {
    const value = one(tf.output.platform as unknown as Block[]).value as Block;
    // Every key but the stand-in marker of `npm run environment -- add`, which real outputs never carry.
    expect(Object.keys(value).sort()).toEqual(
      Object.keys(infraOutputsSchema.shape)
        .filter((k) => k !== 'placeholder')
        .sort(),
    );
    for (const [k, schema] of Object.entries(infraOutputsSchema.shape)) {
      if ('shape' in schema && k !== 'secrets')
        expect(Object.keys(value[k]).sort(), k).toEqual(Object.keys(schema.shape).sort());
    }
    expect(value.secrets).toBe('${{ for key, secret in aws_secretsmanager_secret.this : key => secret.name }}');
  });
});

describe('cluster/terraform/observability.tf', () => {
  it('one Secrets Manager entry per key of OBSERVABILITY_SECRET_PROPERTIES, named as synth names them', () => {
    const names = tf.locals.observability_secret_names as Record<string, string>;
    expect(Object.keys(names).sort()).toEqual(Object.keys(OBSERVABILITY_SECRET_PROPERTIES).sort());
    for (const [k, v] of Object.entries(names))
      expect(`agentic-platform/dev/${v}`).toBe(observabilitySecretName('dev', k as ObservabilitySecretKey));
    expect(resource('aws_secretsmanager_secret', 'observability')).toMatchObject({
      for_each: '${local.observability_secret_names}',
      name: 'agentic-platform/${var.environment}/${each.value}',
    });
  });

  it('generates every observability entry with exactly its properties, except the licence', () => {
    const written = new Map<string, string[]>();
    for (const body of Object.values(tf.resource.aws_secretsmanager_secret_version ?? {})) {
      const v = one(body as unknown as Block[]);
      const key = /^\$\{aws_secretsmanager_secret\.observability\["(\w+)"\]\.id\}$/.exec(v.secret_id)?.[1];
      if (key) written.set(key, jsonencodeKeys(v.secret_string));
    }
    const generated = Object.keys(OBSERVABILITY_SECRET_PROPERTIES).filter(
      (k) => !OUT_OF_BAND_OBSERVABILITY_SECRETS.includes(k as ObservabilitySecretKey),
    );
    expect([...written.keys()].sort()).toEqual(generated.sort());
    for (const [key, props] of written)
      expect(props, key).toEqual([...OBSERVABILITY_SECRET_PROPERTIES[key as ObservabilitySecretKey]]);
    expect(OUT_OF_BAND_OBSERVABILITY_SECRETS).toEqual(['langfuseLicense']);
  });

  it('one Langfuse project key per tenant of tenants.yaml, where synth reads it, with the properties the collector templates', () => {
    // path.module is cluster/terraform: the registry at the repository's root.
    expect(tf.locals.observability_tenants).toBe(
      '${toset([for t in yamldecode(file("${path.module}/../../tenants.yaml")).tenants : t.name])}',
    );
    expect(fs.existsSync(path.join(DIR, '..', '..', 'tenants.yaml'))).toBe(true);
    const secret = resource('aws_secretsmanager_secret', 'langfuse_project');
    expect(secret).toMatchObject({
      for_each: '${local.observability_tenants}',
      name: 'agentic-platform/${var.environment}/langfuse-projects/${each.key}',
    });
    expect(secret.name.replace('${var.environment}', 'dev').replace('${each.key}', 'alpha')).toBe(
      langfuseProjectSecretName('dev', 'alpha'),
    );
    const version = resource('aws_secretsmanager_secret_version', 'langfuse_project');
    expect(version.for_each).toBe('${local.observability_tenants}');
    expect(version.secret_id).toBe('${aws_secretsmanager_secret.langfuse_project[each.key].id}');
    expect(jsonencodeKeys(version.secret_string)).toEqual([...LANGFUSE_PROJECT_KEY_PROPERTIES]);
    // Langfuse accepts predefined keys only with these prefixes (langfuse v3.150.0
    // web/src/ee/features/admin-api/server/projects/projectById/apiKeys/index.ts).
    expect(version.secret_string).toContain(
      'publicKey = "pk-lf-${random_uuid.langfuse_project_public_key[each.key].result}"',
    );
    expect(version.secret_string).toContain(
      'secretKey = "sk-lf-${random_uuid.langfuse_project_secret_key[each.key].result}"',
    );
  });
});
