import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import {
  infraOutputsSchema,
  loadInfraOutputs,
  parseInfraOutputs,
  SECRET_PROPERTIES,
  secretName,
} from '../../charts/config/infra-outputs';
import { ConfigError } from '../../charts/config/source-errors';
import { sampleAws, sampleInfra } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const GOOD = `${JSON.stringify(sampleInfra('dev'), null, 2)}\n`;

function errors(
  text: string,
  file = 'cluster/outputs/dev.json',
  aws = sampleAws({ clusterName: 'agentic-dev' }),
): string[] {
  try {
    parseInfraOutputs(text, file, { name: 'dev', aws });
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected an error');
}

describe('infrastructure outputs', () => {
  it('the committed example of every environment loads and agrees with its environment file', () => {
    const envs = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
    for (const env of envs) {
      const o = loadInfraOutputs(ROOT, env.name, env);
      expect(o.environment).toBe(env.name);
      expect(o.s3.bucket).toBe(`agentic-platform-langfuse-${env.name}-${o.accountId}-${o.region}`);
      expect(o.secrets.openaiApiKey).toBe(`agentic-platform/${env.name}/openai-api-key`);
    }
  });

  it('names the secrets agentic-platform/<env>/<kebab-case key>, one per entry of SECRET_PROPERTIES', () => {
    expect(secretName('dev', 'langfuseApiKeys')).toBe('agentic-platform/dev/langfuse-api-keys');
    expect(Object.keys(infraOutputsSchema.shape.secrets.shape)).toEqual(Object.keys(SECRET_PROPERTIES));
    expect(SECRET_PROPERTIES.langfuseAuth).toEqual(['nextauthSecret', 'salt', 'encryptionKey', 'adminPassword']);
  });

  it('parses a valid file', () => {
    expect(
      parseInfraOutputs(GOOD, 'cluster/outputs/dev.json', {
        name: 'dev',
        aws: sampleAws({ clusterName: 'agentic-dev' }),
      }).redis,
    ).toEqual({ host: 'redis.dev.example.test', port: 6379 });
  });

  it('takes the environment from the file name when none is given', () => {
    expect(() => parseInfraOutputs(GOOD, 'x/prod.json')).toThrow(
      'x/prod.json:2:18: environment: "dev" does not match environment prod ("prod")',
    );
  });

  it('reports unknown keys, bad values and missing fields with file:line:col, all at once', () => {
    const text = GOOD.replace('"port": 5432', '"port": 99999')
      .replace('"environment": "dev",', '"environment": "dev",\n  "password": "x",')
      .replace(/"externalSecrets": "[^"]+"/, '"externalSecrets": "external-secrets"')
      .replace(/ {4}"openaiApiKey": "[^"]+"\n/, '')
      .replace(
        '"anthropicApiKey": "agentic-platform/dev/anthropic-api-key",',
        '"anthropicApiKey": "agentic-platform/dev/anthropic-api-key"',
      );
    expect(errors(text)).toEqual([
      'cluster/outputs/dev.json:3:3: password: unknown key "password". Fix: remove it or check the spelling',
      'cluster/outputs/dev.json:9:13: postgres.port: Too big: expected number to be <=65535. Fix: write a port number from 1 to 65535',
      'cluster/outputs/dev.json:24:24: roles.externalSecrets: Invalid string: must match pattern /^arn:aws(-[a-z]+)*:iam::\\d{12}:role\\/[\\w+=,.@/-]{1,512}$/. Fix: write the IAM role ARN, arn:aws:iam::<account>:role/<name>',
      'cluster/outputs/dev.json:30:14: secrets.openaiApiKey: Invalid input: expected string, received undefined. Fix: write the Secrets Manager name, such as agentic-platform/dev/openai-api-key',
    ]);
  });

  it('checks the account, region and cluster name against the environment file', () => {
    expect(
      errors(
        GOOD,
        'cluster/outputs/dev.json',
        sampleAws({ clusterName: 'agentic-dev', accountId: '123456789012', region: 'us-west-2' }),
      ),
    ).toEqual([
      'cluster/outputs/dev.json:3:13: region: "eu-west-1" does not match environment dev ("us-west-2"). Fix: run npm run infra:outputs -- dev (after npm run infra:apply -- dev)',
      'cluster/outputs/dev.json:4:16: accountId: "210987654321" does not match environment dev ("123456789012"). Fix: run npm run infra:outputs -- dev (after npm run infra:apply -- dev)',
    ]);
  });

  it('reports JSON syntax errors and empty files with their position', () => {
    expect(errors('{"environment": "dev",, }\n')[0]).toMatch(
      /^cluster\/outputs\/dev\.json:1:\d+: JSON syntax error: .+\. Fix: correct the JSON syntax$/,
    );
    expect(errors('')).toEqual([
      'cluster/outputs/dev.json:1:1: the file is empty. Fix: run npm run infra:outputs -- dev (after npm run infra:apply -- dev)',
    ]);
  });

  it('a missing file is one error at 1:1 that names the command writing it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'outputs-'));
    const cwd = process.cwd();
    try {
      process.chdir(root);
      expect(() => loadInfraOutputs(root, 'staging')).toThrow(
        'cluster/outputs/staging.json:1:1: the infrastructure outputs of environment staging are missing. Fix: run npm run infra:outputs -- staging (after npm run infra:apply -- staging)',
      );
    } finally {
      process.chdir(cwd);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
