/**
 * The flow gate of `npm run validate`: the flow matrix of every environment (matrix.ts) against
 * what tenants.yaml promises. Every promised flow must be allowed by every layer it crosses;
 * every other flow from a tenant refused by at least one, and a flow from one tenant straight to
 * another's Services or pods by two, each tenant's NetworkPolicies refusing it on their own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import type { z } from 'zod';
import { tenantSchema, tenantsFileSchema } from '../../charts/config/tenants-schema';
import { workloadsOf } from '../../charts/config/workloads';
import { LABELS, TENANTS_FILE, tenantNamespace } from '../../charts/lib/constants';
import type { EnvironmentOutput, GateResult, Output } from '../kube/manifests';
import { DigestStore } from '../gates/views';
import { sha256 } from '../kube/record';
import type { LayerName } from './layers';
import { sandboxRouterProblems } from './sandbox-router';
import { type FlowMatrix, flowMatrix, flowsOf, matrixProblems, refusals, type TenantIntent } from './matrix';

/**
 * What tenants.yaml under the output's root promises: each tenant's name, namespace, alias and
 * workloads with their defaults. Read with the file's schema (and so its rules) but without the
 * loader's source positions (synth has reported them on the same file); a file the schema rejects
 * is an error that points at synth.
 */
export function readIntent(root: string, data: unknown = readTenantsFile(root)): TenantIntent[] {
  const parsed = tenantsFileSchema.safeParse(data);
  if (!parsed.success)
    throw new Error(
      `${TENANTS_FILE} does not match its schema (${parsed.error.issues[0]?.message}); run npm run synth for every problem with its position`,
    );
  return parsed.data.tenants.map(intentOf);
}

/** tenants.yaml under root, as data. */
export function readTenantsFile(root: string): unknown {
  return load(fs.readFileSync(path.join(root, TENANTS_FILE), 'utf8'), { schema: CORE_SCHEMA });
}

/** What one tenant entry promises. Pure. */
function intentOf(t: z.output<typeof tenantSchema>): TenantIntent {
  return {
    name: t.name,
    namespace: tenantNamespace(t.name),
    ...(t.alias !== undefined ? { alias: t.alias } : {}),
    workloads: workloadsOf(t),
  };
}

/**
 * What one entry of tenants.yaml promises, read with the tenant schema alone: the same as its
 * element of readIntent when the whole file passes (the file's schema is a list of tenant
 * entries, plus rules over the list, which synth enforces). Undefined when the entry fails.
 */
export function entryIntent(entry: unknown): TenantIntent | undefined {
  const parsed = tenantSchema.safeParse(entry);
  return parsed.success ? intentOf(parsed.data) : undefined;
}

/**
 * A key over what tenants.yaml promises (readIntent) without reading the whole file with its
 * schema: each entry's intent (entryIntent) is remembered by the entry's digest. A display name or
 * quota leaves it as it was. Undefined when an entry fails the tenant schema.
 */
export function intentKey(data: unknown): string | undefined {
  const entries = (data as { tenants?: unknown } | null)?.tenants;
  if (!Array.isArray(entries)) return undefined;
  const store = new DigestStore('flows-intent');
  const digests: string[] = [];
  try {
    for (const entry of entries) {
      const key = sha256(JSON.stringify(entry));
      let digest = store.get(key);
      if (digest === undefined) {
        const intent = entryIntent(entry);
        if (intent === undefined) return undefined;
        digest = sha256(JSON.stringify(intent));
        store.set(key, digest);
      }
      digests.push(digest);
    }
  } finally {
    store.save();
  }
  return sha256(digests.join('\n'));
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

/** `intent`: what tenants.yaml under the output's root promises (readIntent), when already read. */
export function flowGate(output: Output, intent: readonly TenantIntent[] = readIntent(output.root)): GateResult {
  const started = Date.now();
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
