/** Non-secret outputs of the cluster sidecar (cluster/outputs/<env>.json). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface InfraOutputs {
  environment: string;
  region: string;
  accountId: string;
  clusterName: string;
  postgres: { host: string; port: number; langfuseDatabase: string; keycloakDatabase: string };
  redis: { host: string; port: number };
  s3: { bucket: string; region: string };
  roles: { langfuse: string; externalSecrets: string };
  secrets: Record<
    | 'langfuseDatabase' | 'keycloakDatabase' | 'redisAuth' | 'clickhouse' | 'langfuseAuth' | 'langfuseApiKeys'
    | 'keycloakAdmin' | 'grafanaAdmin' | 'grafanaMcpToken' | 'anthropicApiKey' | 'openaiApiKey',
    string
  >;
}

export const SECRET_PROPERTIES = {
  langfuseDatabase: ['username', 'password'],
  keycloakDatabase: ['username', 'password'],
  redisAuth: ['password'],
  clickhouse: ['password'],
  langfuseAuth: ['nextauthSecret', 'salt', 'encryptionKey', 'adminPassword'],
  langfuseApiKeys: ['publicKey', 'secretKey'],
  keycloakAdmin: ['username', 'password'],
  grafanaAdmin: ['username', 'password'],
  grafanaMcpToken: ['token'],
  anthropicApiKey: ['apiKey'],
  openaiApiKey: ['apiKey'],
} as const;

export function loadInfraOutputs(root: string, env: string): InfraOutputs {
  return JSON.parse(fs.readFileSync(path.join(root, 'cluster', 'outputs', `${env}.json`), 'utf8')) as InfraOutputs;
}
