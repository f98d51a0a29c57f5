/**
 * What removing a tenant involves besides its tenants.yaml entry: the other tenants that refer
 * to it (which block the removal), and the steps that remove it from a running cluster, which
 * synth deliberately never takes.
 */
import { LineCounter, parseDocument } from 'yaml';
import { tenantSecretPrefix } from '../../charts/config/infra-outputs';
import type { Tenant } from '../../charts/config/load-tenants';
import { type FieldPath, formatPath, SourceMap } from '../../charts/config/source-errors';
import { ARGO_NAMES, KEYCLOAK, langfuseProjectName, tenantNamespace } from '../../charts/lib/constants';

/** A place in another tenant's entry that names the tenant. */
export interface Reference {
  /** The tenant whose entry refers to it. */
  readonly tenant: string;
  /** Field path in the file, such as tenants[0].agents[0].allowCallsFrom[0]. */
  readonly field: string;
  readonly line: number;
  readonly col: number;
  /** What the reference does, such as `agent triage allows calls from research`. */
  readonly what: string;
}

/** Every place in the other tenants' entries that names `name`: allowCallsFrom and calls. */
export function tenantReferences(tenants: readonly Tenant[], name: string, text: string, file: string): Reference[] {
  const lines = new LineCounter();
  const src = new SourceMap(file, parseDocument(text, { lineCounter: lines }), lines, text);
  const out: Reference[] = [];
  const add = (t: Tenant, path: FieldPath, what: string) => {
    const full = ['tenants', t.index, ...path];
    const at = src.valueAt(full);
    out.push({ tenant: t.name, field: formatPath(full), line: at.line, col: at.col, what });
  };
  for (const t of tenants) {
    if (t.name === name) continue;
    const w = t.workloads;
    const allowing = [
      ['agents', 'agent', w.agents],
      ['mcpServers', 'MCP server', w.mcpServers],
      ['llmBackends', 'LLM backend', w.llmBackends],
    ] as const;
    for (const [key, label, items] of allowing) {
      items.forEach((item, j) => {
        const k = item.allowCallsFrom.indexOf(name);
        if (k >= 0) add(t, [key, j, 'allowCallsFrom', k], `${label} ${item.name} allows calls from ${name}`);
      });
    }
    w.agents.forEach((a, j) => {
      a.calls.forEach((c, k) => {
        if (c.tenant === name) add(t, ['agents', j, 'calls', k, 'tenant'], `agent ${a.name} calls ${c.tenant}/${c.agent}`);
      });
    });
  }
  return out;
}

/** One line that says why a tenant cannot be removed yet. */
export function referencesMessage(name: string, refs: readonly Reference[], file: string): string {
  const by = [...new Set(refs.map((r) => r.tenant))];
  const where = refs.map((r) => `${file}:${r.line}:${r.col} ${r.field}: ${r.what}`).join('; ');
  return `cannot remove ${name}: ${by.length === 1 ? 'tenant' : 'tenants'} ${by.join(', ')} still ${by.length === 1 ? 'refers' : 'refer'} to it (${where}); remove those references first`;
}

/**
 * The steps that offboard a removed tenant from a running cluster, per README "Offboarding a
 * tenant": synth removes its files, and Argo CD then deletes nothing on its own.
 */
export function offboardingSteps(tenant: Tenant, environments: readonly string[]): string[] {
  const n = tenant.name;
  const envs = environments.length > 0 ? environments : ['<env>'];
  const steps = [
    `argocd app delete ${ARGO_NAMES.workloadsApplication(n)} ${ARGO_NAMES.guardrailsApplication(n)} ${ARGO_NAMES.namespaceApplication(n)} --cascade=false`,
    `kubectl delete namespace ${tenantNamespace(n)}   (once its data is saved: this deletes everything in it)`,
    `in Keycloak realm ${KEYCLOAK.realm}, delete the group ${KEYCLOAK.tenantsGroup}/${n}: the realm sync never deletes groups, and a token of its members still names ${n}`,
  ];
  // Its traces stay in its Langfuse project after the access sync has taken out its keys and members.
  steps.push(`once its traces are saved, delete the Langfuse project ${langfuseProjectName(n)} (the access sync has removed its keys and members); then npm run infra:apply -- <env> deletes its project key`);
  const secrets = [...tenant.workloads.llmBackends.map((b) => b.apiKeySecret), ...(tenant.observability.alerts ? [tenant.observability.alerts.secret] : [])];
  if (secrets.length > 0) {
    const names = envs.flatMap((e) => secrets.map((s) => `${tenantSecretPrefix(e, n)}${s}`));
    steps.push(`delete its AWS Secrets Manager entries when no longer needed: ${names.join(', ')}`);
  }
  return [
    `Argo CD deletes nothing in the cluster for a removed tenant. To offboard ${n}, in each environment (${envs.join(', ')}):`,
    ...steps.map((s, i) => `  ${i + 1}. ${s}`),
    `Commit tenants.yaml, dist/ and argocd/ together; the root Application then prunes the AppProjects ${ARGO_NAMES.tenantProject(n)}, ${ARGO_NAMES.guardrailsProject(n)} and ${ARGO_NAMES.namespaceProject(n)}.`,
  ];
}
