/**
 * Every custom resource in dist/ and argocd/ against the openAPIV3Schema of its CRD (the
 * upstream copies in ../shared/crds), strictly: a field the CRD does not define is an error,
 * as with kubeconform -strict.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { existingFiles } from '../charts/synth/write';
import { DEFAULT_CRDS } from '../scripts/import';

const ROOT = path.resolve(__dirname, '..');

function jsRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** JSON Schema from a structural CRD schema: unknown fields rejected, int-or-string typed. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-kubernetes-')) continue;
    if (k === 'pattern' && !jsRegExp(v as string)) continue; // Go-only syntax such as (?i): left to the API server
    out[k] = strict(v);
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function loadValidators(dir: string): Map<string, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const out = new Map<string, ValidateFunction>();
  const files = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : e.name.endsWith('.yaml') ? [path.join(d, e.name)] : []));
  for (const f of files(dir)) {
    for (const doc of parseAllDocuments(fs.readFileSync(f, 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) {
        const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
        const schema = strict(v.schema.openAPIV3Schema);
        // metadata is validated by the API server itself, not by the CRD schema.
        schema.properties = { ...schema.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };
        out.set(key, ajv.compile(schema));
      }
    }
  }
  return out;
}

describe.runIf(fs.existsSync(DEFAULT_CRDS))('custom resources against their CRD schemas', () => {
  let cached: Map<string, ValidateFunction> | undefined;
  const validatorsFor = () => (cached ??= loadValidators(DEFAULT_CRDS));
  const objects = existingFiles(ROOT, ['dist', 'argocd'])
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [f, parse(fs.readFileSync(path.join(ROOT, f), 'utf8'))] as const);
  const key = (o: any) => `${o.apiVersion}/${o.kind}`;

  it('validates every object of a CRD kind, and rejects none', () => {
    const validators = validatorsFor();
    let checked = 0;
    const kinds = new Set<string>();
    for (const [f, o] of objects) {
      const validate = validators.get(key(o));
      if (!validate) continue;
      expect(validate(o), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      checked++;
      kinds.add(o.kind);
    }
    expect([...kinds].sort()).toEqual([
      'Agent',
      'AgentgatewayBackend',
      'AgentgatewayParameters',
      'AgentgatewayPolicy',
      'AppProject',
      'Application',
      'ApplicationSet',
      'AuthorizationPolicy',
      'ClusterPolicy',
      'ClusterSecretStore',
      'ExternalSecret',
      'Gateway',
      'GatewayClass',
      'HTTPRoute',
      'MCPServer',
      'ModelConfig',
      'PodMonitor',
      'PrometheusRule',
      'ReferenceGrant',
      'RemoteMCPServer',
      'Sandbox',
      'SandboxTemplate',
      'SecretStore',
      'ServiceMonitor',
    ]);
    expect(checked).toBeGreaterThan(10);
  });

  it('catches a misspelled field and a wrong type', () => {
    const validators = validatorsFor();
    const [, policy] = objects.find(([, o]) => o.kind === 'AgentgatewayPolicy' && o.spec.traffic?.authorization)!;
    const validate = validators.get(key(policy))!;
    const misspelled = { ...policy, spec: { ...policy.spec, traffic: { authorisation: policy.spec.traffic.authorization } } };
    expect(validate(misspelled)).toBe(false);
    const [, gateway] = objects.find(([, o]) => o.kind === 'Gateway')!;
    const wrongType = { ...gateway, spec: { ...gateway.spec, listeners: [{ ...gateway.spec.listeners[0], port: 'fifteen' }] } };
    expect(validators.get(key(gateway))!(wrongType)).toBe(false);
  });
});
