/**
 * The non-secret outputs of the AWS data services (cluster/terraform) that synth configures the
 * platform with: cluster/outputs/<env>.json, written by `npm run infra:outputs -- <env>`.
 * Endpoints, the bucket, IAM role ARNs and the names (never the values) of Secrets Manager entries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { DIRS, DNS_LABEL, SECRET_NAME_PREFIX } from '../lib/constants';
import type { Environment } from './environment';
import { ConfigError, decodeSource, schemaErrors, SourceMap, sortErrors, type SourceError } from './source-errors';

/**
 * Every Secrets Manager entry (key of `secrets`) and the properties of the JSON object it holds.
 * cluster/terraform writes exactly these properties; ExternalSecrets read them.
 */
export const SECRET_PROPERTIES = {
  langfuseDatabase: ['username', 'password'],
  keycloakDatabase: ['username', 'password'],
  kagentDatabase: ['username', 'password'],
  redisAuth: ['password'],
  clickhouse: ['password'],
  langfuseAuth: ['nextauthSecret', 'salt', 'encryptionKey', 'adminPassword'],
  langfuseApiKeys: ['publicKey', 'secretKey'],
  keycloakAdmin: ['username', 'password'],
  grafanaAdmin: ['username', 'password'],
  /** Set out of band (a Grafana service account token). */
  grafanaMcpToken: ['token'],
  /** Set out of band. */
  anthropicApiKey: ['apiKey'],
  /** Set out of band. */
  openaiApiKey: ['apiKey'],
} as const satisfies Record<string, readonly string[]>;

export type SecretKey = keyof typeof SECRET_PROPERTIES;

/** Secrets whose value Terraform never sets: an operator puts it in Secrets Manager. */
export const OUT_OF_BAND_SECRETS: readonly SecretKey[] = ['grafanaMcpToken', 'anthropicApiKey', 'openaiApiKey'];

/** Secrets Manager name of a secret: agentic-platform/<env>/<kebab-case key>. */
export function secretName(env: string, key: SecretKey): string {
  return `${SECRET_NAME_PREFIX}/${env}/${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Prefix of a tenant's own entries in Secrets Manager (bring-your-own LLM keys): the tenant's
 * SecretStore reads below it only, through the tenant-secrets role.
 */
export function tenantSecretPrefix(env: string, tenant: string): string {
  return `${SECRET_NAME_PREFIX}/${env}/tenants/${tenant}/`;
}

/**
 * The Secrets Manager entries of tenant observability (cluster/terraform/observability.tf) and the
 * properties of each: named by convention below agentic-platform/<env>/observability/, like the
 * per-tenant project keys, rather than listed in the outputs file.
 */
export const OBSERVABILITY_SECRET_PROPERTIES = {
  /** Langfuse's ADMIN_API_KEY (its admin API creates the organisation key of each access sync run). */
  langfuseAdmin: ['adminApiKey'],
  /** Client secrets of the Keycloak clients of Langfuse's and Grafana's sign-on and of the access sync. */
  observabilityClients: ['langfuseClientSecret', 'grafanaClientSecret', 'accessSyncClientSecret'],
  /** Set out of band: the Langfuse Enterprise licence (its admin API and project roles need it). */
  langfuseLicense: ['licenseKey'],
} as const satisfies Record<string, readonly string[]>;

export type ObservabilitySecretKey = keyof typeof OBSERVABILITY_SECRET_PROPERTIES;

/** Observability entries whose value Terraform never sets. */
export const OUT_OF_BAND_OBSERVABILITY_SECRETS: readonly ObservabilitySecretKey[] = ['langfuseLicense'];

/** Secrets Manager name of an observability entry: agentic-platform/<env>/observability/<kebab-case key>. */
export function observabilitySecretName(env: string, key: ObservabilitySecretKey): string {
  return `${SECRET_NAME_PREFIX}/${env}/observability/${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Properties of a tenant's Langfuse project key entry (cluster/terraform writes them, one entry per tenant). */
export const LANGFUSE_PROJECT_KEY_PROPERTIES = ['publicKey', 'secretKey'] as const;

/**
 * Secrets Manager name of a tenant's Langfuse project key: agentic-platform/<env>/langfuse-projects/<tenant>.
 * Outside the tenant's own prefix: the tenant's SecretStore cannot read it, the platform's can.
 */
export function langfuseProjectSecretName(env: string, tenant: string): string {
  return `${SECRET_NAME_PREFIX}/${env}/langfuse-projects/${tenant}`;
}

const HOST = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const DATABASE = /^[a-z_][a-z0-9_]{0,62}$/;
const CERTIFICATE_ARN = /^arn:aws(-[a-z]+)*:acm:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:certificate\/[0-9a-f-]{36}$/;

const host = z.string().regex(HOST);
const port = z.int().min(1).max(65535);

export const infraOutputsSchema = z.strictObject({
  /**
   * Set only in the stand-in outputs `npm run environment -- add` writes for an environment whose
   * data services do not exist yet: synth accepts them, `npm run validate` fails on them until
   * `npm run infra:outputs` writes the real ones (which never carry this key).
   */
  placeholder: z.string().min(1).optional(),
  environment: z.string().regex(DNS_LABEL),
  region: z.string().regex(REGION),
  accountId: z.string().regex(/^\d{12}$/),
  clusterName: z.string().regex(/^[a-zA-Z][-a-zA-Z0-9]{0,99}$/),
  postgres: z.strictObject({
    host,
    port,
    langfuseDatabase: z.string().regex(DATABASE),
    keycloakDatabase: z.string().regex(DATABASE),
    kagentDatabase: z.string().regex(DATABASE),
  }),
  redis: z.strictObject({ host, port }),
  s3: z.strictObject({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
    region: z.string().regex(REGION),
  }),
  roles: z.strictObject({
    langfuse: z.string().regex(ROLE_ARN),
    externalSecrets: z.string().regex(ROLE_ARN),
    tenantSecrets: z.string().regex(ROLE_ARN),
  }),
  /** The external gateway's TLS certificate (ACM, DNS-validated for gateway.<domain> and keycloak.<domain>). */
  gateway: z.strictObject({ certificateArn: z.string().regex(CERTIFICATE_ARN) }),
  secrets: z.strictObject(
    Object.fromEntries(
      Object.keys(SECRET_PROPERTIES).map((k) => [k, z.string().regex(/^[\w/+=.@-]{1,512}$/)]),
    ) as Record<SecretKey, z.ZodString>,
  ),
});

export type InfraOutputs = z.infer<typeof infraOutputsSchema>;

const FIXES: Record<string, string> = {
  environment: 'write the environment name, the file name without .json',
  region: 'write the AWS region, such as us-east-1',
  accountId: 'write the 12-digit AWS account ID in quotes',
  clusterName: 'write the EKS cluster name of charts/environments/<env>.yaml',
  'postgres.host': 'write the RDS endpoint host name without the port',
  'redis.host': 'write the ElastiCache primary endpoint host name without the port',
  'postgres.port': 'write a port number from 1 to 65535',
  'redis.port': 'write a port number from 1 to 65535',
  's3.bucket': 'write the S3 bucket name',
  'roles.langfuse': 'write the IAM role ARN, arn:aws:iam::<account>:role/<name>',
  'roles.externalSecrets': 'write the IAM role ARN, arn:aws:iam::<account>:role/<name>',
  'roles.tenantSecrets': 'write the IAM role ARN, arn:aws:iam::<account>:role/<name>',
  'gateway.certificateArn': 'write the ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>',
};

/** Path of the outputs file of an environment, relative to the repository root. */
export function infraOutputsFile(env: string): string {
  return `${DIRS.infraOutputs}/${env}.json`;
}

function regenerate(env: string): string {
  return `run npm run infra:outputs -- ${env} (after npm run infra:apply -- ${env})`;
}

/** What an outputs file must agree with: its environment's name and, when known, its aws section. */
export interface InfraOutputsExpectation {
  readonly name: string;
  readonly aws?: Environment['aws'];
}

/**
 * Parses one outputs file. The environment it belongs to defaults to the file name; with the
 * environment's aws section, the account, region and cluster name are checked too.
 */
export function parseInfraOutputs(
  text: string,
  file: string,
  expected: InfraOutputsExpectation = { name: path.basename(file, '.json') },
): InfraOutputs {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const src = new SourceMap(file, doc, lines, text);
  const errors: SourceError[] = doc.errors.map((e) =>
    src.error([], `JSON syntax error: ${e.message}`, 'correct the JSON syntax', src.position(e.pos[0])),
  );
  if (errors.length === 0 && (doc.contents === null || doc.contents === undefined)) {
    errors.push(src.error([], 'the file is empty', regenerate(expected.name), { line: 1, col: 1 }));
  }
  if (errors.length === 0) {
    const parsed = infraOutputsSchema.safeParse(doc.toJS());
    if (parsed.success) {
      const o = parsed.data;
      const env = expected.name;
      const aws = expected.aws;
      const want: [string[], string, string | undefined][] = [
        [['environment'], o.environment, env],
        [['region'], o.region, aws?.region],
        [['clusterName'], o.clusterName, aws?.clusterName],
        [['accountId'], o.accountId, aws?.accountId],
      ];
      for (const [p, got, value] of want) {
        if (value !== undefined && got !== value)
          errors.push(
            src.error(
              p,
              `${JSON.stringify(got)} does not match environment ${env} (${JSON.stringify(value)})`,
              regenerate(env),
            ),
          );
      }
      for (const k of Object.keys(SECRET_PROPERTIES) as SecretKey[]) {
        if (!o.secrets[k].startsWith(`${SECRET_NAME_PREFIX}/${env}/`)) {
          errors.push(
            src.error(
              ['secrets', k],
              `${JSON.stringify(o.secrets[k])} is outside ${SECRET_NAME_PREFIX}/${env}/, which is all external-secrets may read`,
              `write ${secretName(env, k)}`,
            ),
          );
        }
      }
      if (errors.length === 0) return o;
    } else {
      errors.push(
        ...schemaErrors(src, infraOutputsSchema, parsed.error.issues, (field, p) => {
          const fix =
            FIXES[field] ??
            (p[0] === 'secrets'
              ? `write the Secrets Manager name, such as ${secretName(expected.name, p[1] as SecretKey)}`
              : undefined);
          return fix ?? regenerate(expected.name);
        }),
      );
    }
  }
  throw new ConfigError(sortErrors(errors));
}

/**
 * Loads cluster/outputs/<env>.json under a repository root. A missing file is one error at
 * 1:1 that says how to write it. Pass the environment to check that the file belongs to it.
 */
export function loadInfraOutputs(root: string, env: string, environment?: Environment): InfraOutputs {
  const full = path.join(root, infraOutputsFile(env));
  // Named relative to the working directory, like the other input files (npm scripts run in the root).
  const rel = path.relative(process.cwd(), full);
  if (!fs.existsSync(full)) {
    throw new ConfigError([
      {
        file: rel,
        line: 1,
        col: 1,
        field: '',
        message: `the infrastructure outputs of environment ${env} are missing`,
        fix: regenerate(env),
      },
    ]);
  }
  return parseInfraOutputs(decodeSource(fs.readFileSync(full), rel), rel, { name: env, aws: environment?.aws });
}
