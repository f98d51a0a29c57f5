/**
 * An environment with the sandbox router's image and tenants that use it, synthesized: alpha (a
 * router on both gateways, one template), beta (a router inside the cluster only) and gamma (a
 * template, no router). The committed environments set no router image, so their output has none.
 */
import { loadTenants, type Tenant } from '../charts/config/load-tenants';
import type { Environment } from '../charts/config/environment';
import { DIRS } from '../charts/lib/constants';
import { synthesize } from '../charts/synth/synthesize';
import { type EnvironmentOutput, type Manifest, parseDocuments } from '../scripts/kube/manifests';
import { infraFor, sampleEnvironment, samplePlatformSettings } from './helpers';

export const ROUTER_TENANTS_YAML = `tenants:
  - name: alpha
    agents:
      - name: coder
        systemMessage: Runs code in sandboxes.
    sandboxes:
      - name: python
        kind: SandboxTemplate
        image: registry.example.test/python-sandbox:3.12.7
        port: 8888
    sandboxRouter: {expose: true}
  - name: beta
    alias: bets
    agents:
      - name: helper
        image: registry.example.test/helper:1.0.0
    sandboxes:
      - name: notebook
        kind: SandboxTemplate
        image: registry.example.test/notebook-sandbox:1.0.3
      - name: shell
        image: registry.example.test/shell-sandbox:1.0.0
    sandboxRouter: {}
  - name: gamma
    agents:
      - name: solo
        systemMessage: Works alone.
    sandboxes:
      - name: python
        kind: SandboxTemplate
        image: registry.example.test/python-sandbox:3.12.7
`;

/** The sample environment with platform.images.sandboxRouter set. */
export function routerEnvironment(): Environment {
  const platform = samplePlatformSettings();
  return sampleEnvironment({
    platform: {
      ...platform,
      images: {
        ...platform.images,
        sandboxRouter: { registry: 'registry.example.test', repository: 'sandbox-router-go', tag: 'v0.5.6' },
      },
    },
  });
}

/** The files synth writes for the router environment, by path. */
export function routerFiles(
  tenants: Tenant[] = loadTenants(ROUTER_TENANTS_YAML),
  env = routerEnvironment(),
): Map<string, string> {
  return synthesize({ environments: [env], tenants, infra: infraFor([env]) });
}

/** The synthesized output of the router environment, as the gates read an environment. */
export function routerOutput(
  tenants: Tenant[] = loadTenants(ROUTER_TENANTS_YAML),
  env = routerEnvironment(),
): EnvironmentOutput {
  const files = routerFiles(tenants, env);
  const manifests: Manifest[] = [];
  for (const [file, text] of files) {
    if (
      !/\.ya?ml$/.test(file) ||
      !(file.startsWith(`${DIRS.dist}/${env.name}/`) || file.startsWith(`${DIRS.argocd}/${env.name}/`))
    )
      continue;
    for (const object of parseDocuments(text).objects) manifests.push({ file, env: env.name, object });
  }
  return {
    name: env.name,
    kubernetesVersion: env.kubernetesVersion,
    trustDomain: env.cluster.trustDomain,
    files: [],
    manifests,
  };
}
