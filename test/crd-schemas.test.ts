/**
 * Every custom resource in dist/ and argocd/ against the openAPIV3Schema of its CRD (the
 * upstream copies in ../shared/crds), strictly: a field the CRD does not define is an error,
 * as with kubeconform -strict.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { existingFiles } from '../charts/synth/write';
import { DEFAULT_CRDS } from '../scripts/toolchain/imports';
import { loadValidators } from './crd-validators';

const ROOT = path.resolve(__dirname, '..');

describe.runIf(fs.existsSync(DEFAULT_CRDS))('custom resources against their CRD schemas', () => {
  let cached: ReturnType<typeof loadValidators> | undefined;
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
  }, 180_000); // about 12 s of CPU: parsing every upstream CRD; more wall time on a busy machine

  it('catches a misspelled field and a wrong type', () => {
    const validators = validatorsFor();
    const [, policy] = objects.find(([, o]) => o.kind === 'AgentgatewayPolicy' && o.spec.traffic?.authorization)!;
    const validate = validators.get(key(policy))!;
    const misspelled = {
      ...policy,
      spec: { ...policy.spec, traffic: { authorisation: policy.spec.traffic.authorization } },
    };
    expect(validate(misspelled)).toBe(false);
    const [, gateway] = objects.find(([, o]) => o.kind === 'Gateway')!;
    const wrongType = {
      ...gateway,
      spec: { ...gateway.spec, listeners: [{ ...gateway.spec.listeners[0], port: 'fifteen' }] },
    };
    expect(validators.get(key(gateway))!(wrongType)).toBe(false);
  }, 180_000);
});
