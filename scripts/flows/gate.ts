/**
 * The flow gate of `npm run validate`: the flow matrix of every environment (matrix.ts) against
 * what tenants.yaml promises. Every promised flow must be allowed by every layer it crosses;
 * every other flow from a tenant refused by at least one, and a flow from one tenant straight to
 * another's Services or pods by two, each tenant's NetworkPolicies refusing it on their own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { tenantsFileSchema } from '../../charts/config/tenants-schema';
import { resolveWorkloads } from '../../charts/config/workloads';
import { LABELS, TENANTS_FILE, tenantNamespace } from '../../charts/lib/constants';
import type { EnvironmentOutput, GateResult, Output } from '../kube/manifests';
import type { LayerName } from './layers';
import { sandboxRouterProblems } from './sandbox-router';
import { type FlowMatrix, flowMatrix, flowsOf, matrixProblems, refusals, type TenantIntent } from './matrix';

/**
 * What tenants.yaml under the output's root promises: each tenant's name, namespace, alias and
 * workloads with their defaults. Read with the file's schema but without the loader's source
 * positions and cross-checks (synth has made them on the same file), which cost seconds at a
 * thousand tenants; a file the schema rejects is an error that points at synth.
 */
export function readIntent(root: string): TenantIntent[] {
  const text = fs.readFileSync(path.join(root, TENANTS_FILE), 'utf8');
  const parsed = tenantsFileSchema.safeParse(load(text, { schema: CORE_SCHEMA }));
  if (!parsed.success)
    throw new Error(
      `${TENANTS_FILE} does not match its schema (${parsed.error.issues[0]?.message}); run npm run synth for every problem with its position`,
    );
  return parsed.data.tenants.map((t) => ({
    name: t.name,
    namespace: tenantNamespace(t.name),
    ...(t.alias !== undefined ? { alias: t.alias } : {}),
    workloads: resolveWorkloads(t),
  }));
}

/** Problems of one environment's matrix, and the tenants of tenants.yaml it has no namespace for. */
function flowProblems(
  env: EnvironmentOutput,
  intent: readonly TenantIntent[],
  matrix: FlowMatrix = flowMatrix(env, intent),
): string[] {
  const namespaces = new Set(
    env.manifests.filter((m) => m.object.kind === 'Namespace').map((m) => m.object.metadata?.name),
  );
  const missing = intent
    .filter((t) => !namespaces.has(t.namespace))
    .map(
      (t) =>
        `${env.name}: tenant ${t.name} of ${TENANTS_FILE} has no namespace ${t.namespace} in dist/${env.name}; run npm run synth`,
    );
  return [...missing, ...matrixProblems(matrix), ...matrix.misrouted, ...sandboxRouterProblems(env)];
}

export function flowGate(output: Output): GateResult {
  const started = Date.now();
  const intent = readIntent(output.root);
  const errors: string[] = [];
  let checks = 0;
  let flows = 0;
  const refused: Record<LayerName, number> = { network: 0, mesh: 0, waypoint: 0, gateway: 0 };
  let promised = 0;
  const shapes: string[] = [];
  for (const env of output.environments) {
    const m = flowMatrix(env, intent);
    errors.push(...flowProblems(env, intent, m));
    checks += m.checks.length;
    flows += m.flows;
    promised += m.checks.filter((c) => c.expected === 'allowed').reduce((n, c) => n + flowsOf(c), 0);
    shapes.push(
      `${env.name}: ${m.shapes} shapes of ${env.manifests.filter((x) => x.object.kind === 'Namespace' && x.object.metadata?.labels?.[LABELS.tenant] === 'true').length} tenants`,
    );
    for (const [k, v] of Object.entries(refusals(m))) refused[k as LayerName] += v;
  }
  return {
    gate: 'flows',
    checked: flows,
    unit: 'flows',
    errors,
    ms: Date.now() - started,
    notes: [
      `${checks} checks standing for ${flows} flows (tenants evaluated by shape: ${shapes.join(', ')}) (${promised} promised, the rest refused); refusals by layer: network ${refused.network}, ztunnel ${refused.mesh}, waypoint ${refused.waypoint}, gateway ${refused.gateway}`,
    ],
  };
}
