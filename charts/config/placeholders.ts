/**
 * Placeholders of a new environment: what `npm run environment -- add` writes where it cannot know
 * the real value yet (the domain, the hosted zone, the outputs of data services that do not exist).
 * Each is valid for synth, so one environment in the making never breaks synth for everyone, and
 * each carries the word `placeholder`, which the `placeholders` gate of `npm run validate` finds.
 */
import { isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { SECRET_NAME_PREFIX } from '../lib/constants';
import type { Environment } from './environment';
import { type InfraOutputs, SECRET_PROPERTIES, type SecretKey, secretName } from './infra-outputs';

/** The word every placeholder value contains. */
export const PLACEHOLDER = 'placeholder';

/** Placeholder settings of an environment file. */
export const PLACEHOLDER_SETTINGS = {
  /** Under .invalid (RFC 2606): it never resolves, so nothing can reach a wrong host by it. */
  domain: (env: string) => `${env}.${PLACEHOLDER}.invalid`,
  /** The shape of a Route 53 zone ID (aws.hostedZoneId), no real zone's. */
  hostedZoneId: `Z${PLACEHOLDER.toUpperCase()}`,
} as const;

/** The account of placeholder ARNs when the environment names none. */
const NO_ACCOUNT = '000000000000';

/**
 * Outputs that synth accepts for an environment whose data services do not exist yet: the
 * environment's own region, cluster and account, the Secrets Manager names Terraform will create
 * (they follow from the environment's name), and hosts and ARNs that name no real resource.
 */
export function placeholderOutputs(env: Pick<Environment, 'name' | 'aws'>): InfraOutputs {
  const { region, clusterName } = env.aws;
  const account = env.aws.accountId ?? NO_ACCOUNT;
  const host = (what: string) => `${what}.${env.name}.${PLACEHOLDER}.invalid`;
  const role = (name: string) =>
    `arn:aws:iam::${account}:role/${SECRET_NAME_PREFIX}-${env.name}-${name}-${PLACEHOLDER}`;
  return {
    placeholder: `stand-in outputs: run npm run infra:apply -- ${env.name}, then npm run infra:outputs -- ${env.name} to write the real ones`,
    environment: env.name,
    region,
    accountId: account,
    clusterName,
    postgres: {
      host: host('postgres'),
      port: 5432,
      langfuseDatabase: 'langfuse',
      keycloakDatabase: 'keycloak',
      kagentDatabase: 'kagent',
    },
    redis: { host: host('redis'), port: 6379 },
    s3: { bucket: `${SECRET_NAME_PREFIX}-langfuse-${env.name}-${PLACEHOLDER}`, region },
    roles: {
      langfuse: role('langfuse'),
      externalSecrets: role('external-secrets'),
      tenantSecrets: role('tenant-secrets'),
    },
    gateway: { certificateArn: `arn:aws:acm:${region}:${account}:certificate/00000000-0000-0000-0000-000000000000` },
    secrets: Object.fromEntries(
      (Object.keys(SECRET_PROPERTIES) as SecretKey[]).map((k) => [k, secretName(env.name, k)]),
    ) as Record<SecretKey, string>,
  };
}

/** A placeholder left in a file: where, and which field. */
export interface PlaceholderFound {
  readonly line: number;
  readonly col: number;
  readonly field: string;
  readonly value: string;
}

/** Every string value of an environment file (YAML) or outputs file (JSON) that is a placeholder. */
export function findPlaceholders(text: string): PlaceholderFound[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const found: PlaceholderFound[] = [];
  visit(doc, {
    Pair(_, pair, ancestors) {
      if (
        !isScalar(pair.value) ||
        typeof pair.value.value !== 'string' ||
        !pair.value.value.toLowerCase().includes(PLACEHOLDER)
      )
        return;
      const keys = ancestors
        .filter((a) => typeof a === 'object' && a !== null && 'key' in a && isScalar((a as { key: unknown }).key))
        .map((a) => String((a as { key: { value: unknown } }).key.value));
      const pos = lines.linePos(pair.value.range?.[0] ?? 0);
      found.push({
        line: pos.line,
        col: pos.col,
        field: [...keys, String(isScalar(pair.key) ? pair.key.value : '')].join('.'),
        value: pair.value.value,
      });
    },
  });
  return found;
}
