/**
 * Per-environment configuration: charts/environments/<env>.yaml. Environments differ only
 * through these files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { DNS_LABEL } from '../lib/constants';
import { AWS_FIXES, awsSettingsSchema } from './aws-settings';
import { platformSettingsSchema, PLATFORM_FIXES } from './platform-settings';
import {
  ConfigError,
  decodeSource,
  misspeltNotMissing,
  SourceMap,
  sortErrors,
  type SourceError,
  unknownKey,
} from './source-errors';
import { guardsIssues } from './validate-guards';

export const environmentSchema = z.strictObject({
  /** Must equal the file name without .yaml. */
  name: z.string().regex(DNS_LABEL),
  /** Kubernetes minor version of the cluster, such as "1.31" (Pod Security labels pin it). */
  kubernetesVersion: z.string().regex(/^1\.\d+$/),
  cluster: z.strictObject({
    /** API server URL as Argo CD knows the cluster. */
    server: z.url(),
    /** Istio trust domain of the mesh (SPIFFE identities are spiffe://<trustDomain>/ns/<ns>/sa/<sa>). */
    trustDomain: z.string().min(1),
  }),
  argocd: z.strictObject({
    namespace: z.string().min(1),
    /** Git repository Argo CD syncs from. */
    repoURL: z.string().min(1),
    /** Branch, tag or commit of repoURL this environment follows. */
    targetRevision: z.string().min(1),
  }),
  platform: platformSettingsSchema,
  /** The AWS account, region, EKS cluster and node groups (cluster/ and its npm scripts). */
  aws: awsSettingsSchema,
});

export type Environment = z.infer<typeof environmentSchema>;

/** How to fix each field of an environment file. */
const ENV_FIXES: Record<string, string> = {
  name: 'write the file name without .yaml, a DNS label',
  kubernetesVersion: 'write the cluster\'s minor version in quotes, such as "1.31"',
  cluster: 'add cluster: {server: <API server URL>, trustDomain: <mesh trust domain>}',
  'cluster.server': 'write the API server URL as Argo CD knows it, such as https://kubernetes.default.svc',
  'cluster.trustDomain': 'write the Istio trust domain, such as cluster.local',
  argocd: 'add argocd: {namespace, repoURL, targetRevision}',
  'argocd.namespace': 'write the namespace Argo CD runs in, such as argocd',
  'argocd.repoURL': 'write the Git URL Argo CD syncs from',
  'argocd.targetRevision': 'write the branch, tag or commit this environment follows',
  ...PLATFORM_FIXES,
  ...AWS_FIXES,
};

/** The fix for a field: its own entry, else the nearest parent entry ending in .*. */
function fixFor(field: string): string {
  if (ENV_FIXES[field]) return ENV_FIXES[field];
  const parts = field.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const fix = ENV_FIXES[`${parts.slice(0, i).join('.')}.*`];
    if (fix) return fix;
  }
  return `see the field ${field} in charts/config/environment.ts`;
}

/** Parses one environment file's text. */
export function parseEnvironment(text: string, file: string): Environment {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const src = new SourceMap(file, doc, lines, text);
  const errors: SourceError[] = doc.errors.map((e) =>
    src.error([], `YAML syntax error: ${e.message}`, 'correct the YAML syntax', src.position(e.pos[0])),
  );
  visit(doc, {
    Alias(_, node) {
      errors.push(
        src.error(
          [],
          `YAML alias *${node.source} is not allowed`,
          'write the value out in full',
          src.position(node.range?.[0] ?? 0),
        ),
      );
    },
  });
  if (errors.length === 0 && (doc.contents === null || doc.contents === undefined)) {
    errors.push(
      src.error([], 'the file is empty', 'write the settings of the environment (see charts/environments/dev.yaml)', {
        line: 1,
        col: 1,
      }),
    );
  }
  if (errors.length === 0) {
    const data: unknown = doc.toJS();
    const parsed = environmentSchema.safeParse(data);
    if (parsed.success) {
      const expected = path.basename(file, '.yaml');
      if (parsed.data.name !== expected)
        errors.push(
          src.error(
            ['name'],
            `name ${JSON.stringify(parsed.data.name)} does not match the file name`,
            `set name: ${expected}`,
          ),
        );
      for (const i of guardsIssues(parsed.data.platform.guards, ['platform', 'guards'])) {
        errors.push(src.error(i.path, i.message, i.fix));
      }
      if (errors.length === 0) return parsed.data;
    } else {
      for (const issue of parsed.error.issues) {
        const p = issue.path as (string | number)[];
        if (issue.code === 'unrecognized_keys') {
          for (const k of issue.keys) errors.push(unknownKey(src, environmentSchema, p, k));
        } else if (!(
          issue.code === 'invalid_type' &&
          doc.getIn(p) === undefined &&
          misspeltNotMissing(environmentSchema, doc.toJS(), p)
        )) {
          const field = p.join('.');
          const value = doc.getIn(p);
          const got =
            value === undefined || (typeof value === 'object' && value !== null)
              ? ''
              : ` (got ${JSON.stringify(value)})`;
          errors.push(src.error(p, `${issue.message}${got}`, fixFor(field)));
        }
      }
    }
  }
  throw new ConfigError(sortErrors(errors));
}

/** Loads every charts/environments/*.yaml, sorted by name. */
export function loadEnvironments(dir: string): Environment[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const envs: Environment[] = [];
  const errors: SourceError[] = [];
  for (const f of files) {
    const rel = path.join(path.relative(process.cwd(), dir) || '.', f);
    try {
      envs.push(parseEnvironment(decodeSource(fs.readFileSync(path.join(dir, f)), rel), rel));
    } catch (e) {
      if (e instanceof ConfigError) errors.push(...e.errors);
      else throw e;
    }
  }
  if (errors.length > 0) throw new ConfigError(errors);
  return envs;
}
