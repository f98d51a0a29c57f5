/**
 * What removing a tenant involves besides its tenants.yaml entry: the other tenants that refer
 * to it (which block the removal), and the steps that remove it from a running cluster, which
 * synth deliberately never takes.
 */
import { LineCounter, parseDocument } from 'yaml';
import { tenantSecretPrefix } from '../../charts/config/infra-outputs';
import type { Tenant } from '../../charts/config/load-tenants';
import { type FieldPath, formatPath, SourceMap } from '../../charts/config/source-errors';
import type { Environment } from '../../charts/config/environment';
import { CHART_SERVICES, CHART_WORKLOADS } from '../../charts/lib/chart-names';
import {
  ARGO_NAMES,
  DIRS,
  KEYCLOAK,
  langfuseProjectName,
  PLATFORM_NAMESPACES,
  TENANTS_FILE,
  tenantNamespace,
} from '../../charts/lib/constants';
import { externalHosts } from '../../charts/config/routes';

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
        if (c.tenant === name)
          add(t, ['agents', j, 'calls', k, 'tenant'], `agent ${a.name} calls ${c.tenant}/${c.agent}`);
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

/** What the steps need of an environment: its name and where its cluster, branch and hosts are. */
export type OffboardEnvironment = Pick<Environment, 'name'> & {
  readonly argocd: Pick<Environment['argocd'], 'namespace' | 'targetRevision'>;
  readonly platform: Pick<Environment['platform'], 'domain'>;
  readonly aws: Pick<Environment['aws'], 'clusterName' | 'region'>;
};

/** One step of offboarding: what to do, why at this point, and the exact commands. */
export interface OffboardingStep {
  /** A short name, such as `merge`; the order test reads these. */
  readonly id: 'merge' | 'synced' | 'applications' | 'namespace' | 'keycloak' | 'langfuse' | 'secrets' | 'check';
  readonly text: string;
  readonly commands: readonly string[];
}

/**
 * The steps that offboard a removed tenant from the running clusters, in the order they must
 * happen (docs/operator-runbook.md, "Offboard a tenant"). The cluster steps come after the merge: until Argo CD has
 * synced a revision without the tenant's folders, the ApplicationSets (applicationsSync
 * create-update) recreate any of its Applications that is deleted. Its Applications carry no
 * resources finalizer (the ApplicationSet templates declare none, and generated Applications take
 * the template's finalizers: argo-cd v3.5.1 applicationset/controllers/applicationset_controller.go
 * createOrUpdateInCluster), so deleting them deletes none of their objects (Argo CD deletes an
 * Application's resources only while that finalizer is present: pkg/apis/application/v1alpha1/types.go
 * CascadedDeletion, controller/appcontroller.go finalizeApplicationDeletion).
 */
export function offboardingSteps(tenant: Tenant, environments: readonly OffboardEnvironment[]): OffboardingStep[] {
  const n = tenant.name;
  const ns = tenantNamespace(n);
  const envs = environments.length > 0 ? environments : [PLACEHOLDER_ENVIRONMENT];
  const ctx = (e: OffboardEnvironment) => `--context ${e.aws.clusterName}`;
  const branches = envs.map((e) => `${e.name} follows ${e.argocd.targetRevision}`).join(', ');
  const projects = [ARGO_NAMES.tenantProject(n), ARGO_NAMES.guardrailsProject(n), ARGO_NAMES.namespaceProject(n)];
  const applications = [
    ARGO_NAMES.workloadsApplication(n),
    ARGO_NAMES.guardrailsApplication(n),
    ARGO_NAMES.namespaceApplication(n),
  ];
  const group = `/${KEYCLOAK.tenantsGroup}/${n}`;
  const { statefulSet, container } = CHART_WORKLOADS.keycloak;
  // kcadm.sh of the Keycloak distribution, against the pod's own HTTP port, as the bootstrap admin
  // whose credentials the pod has in its environment (the keycloak component's extraEnv).
  const kcadm = [
    'kc=/opt/keycloak/bin/kcadm.sh; cfg=/tmp/kcadm.config',
    `$kc config credentials --config $cfg --server http://localhost:${CHART_SERVICES.keycloak.podPort} --realm master --user "$KC_BOOTSTRAP_ADMIN_USERNAME" --password "$KC_BOOTSTRAP_ADMIN_PASSWORD"`,
    `id=$($kc get group-by-path${group} --config $cfg -r ${KEYCLOAK.realm} --fields id --format csv --noquotes)`,
    `$kc delete groups/$id --config $cfg -r ${KEYCLOAK.realm}; rm -f $cfg`,
  ].join(' && ');
  const steps: OffboardingStep[] = [
    {
      id: 'merge',
      text: `Review and merge this change (${TENANTS_FILE}, ${DIRS.dist}/ and ${DIRS.argocd}/ together). Nothing in a cluster changes yet; until the merge is synced, the ApplicationSets recreate any Application of ${n} that is deleted.`,
      commands: [
        'npm run diff',
        `git add ${TENANTS_FILE} ${DIRS.dist} ${DIRS.argocd} && git commit -m "Offboard tenant ${n}"`,
        'git push   (then open the pull request and merge it)',
      ],
    },
    {
      id: 'synced',
      text: `Wait until Argo CD has synced the merge in each environment (${branches}: promote to that branch first). It has when the root Application has pruned the projects of ${n}: each command prints NotFound for all three.`,
      commands: envs.map(
        (e) => `kubectl ${ctx(e)} -n ${e.argocd.namespace} get appprojects.argoproj.io ${projects.join(' ')}`,
      ),
    },
    {
      id: 'applications',
      text: `Delete its Applications, which now report a missing path. They carry no resources finalizer, so this deletes none of their objects.`,
      commands: envs.map(
        (e) =>
          `kubectl ${ctx(e)} -n ${e.argocd.namespace} delete applications.argoproj.io ${applications.join(' ')} --ignore-not-found`,
      ),
    },
    {
      id: 'namespace',
      text: `Once the team has saved its data, delete the namespace ${ns} and everything in it.`,
      commands: envs.map((e) => `kubectl ${ctx(e)} delete namespace ${ns}`),
    },
    {
      id: 'keycloak',
      text: `Delete the Keycloak group ${group} of realm ${KEYCLOAK.realm}: the realm sync never deletes groups, and until then the tokens its members get from ${envs.map((e) => `https://${externalHosts(e.platform.domain).keycloak}/realms/${KEYCLOAK.realm}`).join(', ')} still name ${n}. That host serves only the realm's login and token endpoints, not the admin API, so the command runs the admin CLI inside the Keycloak pod.`,
      commands: envs.map(
        (e) =>
          `kubectl ${ctx(e)} -n ${PLATFORM_NAMESPACES.keycloak} exec ${statefulSet} -c ${container} -- sh -c '${kcadm}'`,
      ),
    },
  ];
  // Its traces stay in its Langfuse project after the access sync has taken out its keys and members.
  steps.push({
    id: 'langfuse',
    text: `Once the team has saved its traces, delete the Langfuse project ${langfuseProjectName(n)} (Langfuse: project settings, Delete project); the access sync has already removed its keys and members. Then apply Terraform, which deletes the project key it kept in Secrets Manager.`,
    commands: envs.map((e) => `npm run infra:apply -- ${e.name}`),
  });
  const secrets = [
    ...tenant.workloads.llmBackends.map((b) => b.apiKeySecret),
    ...(tenant.observability.alerts ? [tenant.observability.alerts.secret] : []),
  ];
  if (secrets.length > 0) {
    steps.push({
      id: 'secrets',
      text: `When its keys are no longer needed, delete its AWS Secrets Manager entries (its own LLM keys and alert receiver).`,
      commands: envs.flatMap((e) =>
        secrets.map(
          (s) =>
            `aws secretsmanager delete-secret --region ${e.aws.region} --secret-id ${tenantSecretPrefix(e.name, n)}${s}`,
        ),
      ),
    });
  }
  steps.push({
    id: 'check',
    text: `Check: the namespace is gone (NotFound) and no Application of ${n} is left.`,
    commands: envs.flatMap((e) => [
      `kubectl ${ctx(e)} get namespace ${ns}`,
      `kubectl ${ctx(e)} -n ${e.argocd.namespace} get applications.argoproj.io -o name | grep -E '/(${applications.join('|')})$' || echo none`,
    ]),
  });
  return steps;
}

/** Names standing in for an environment when charts/environments cannot be read. */
const PLACEHOLDER_ENVIRONMENT: OffboardEnvironment = {
  name: '<env>',
  argocd: { namespace: 'argocd', targetRevision: '<branch>' },
  platform: { domain: '<domain>' },
  aws: { clusterName: '<cluster>', region: '<region>' },
};

/** The steps as printed by `npm run tenant -- remove`: numbered, each command on its own line. */
export function offboardingText(tenant: Tenant, environments: readonly OffboardEnvironment[]): string[] {
  const steps = offboardingSteps(tenant, environments);
  return [
    `Offboarding ${tenant.name}: Argo CD deletes nothing in a cluster for a removed tenant. In this order:`,
    ...steps.flatMap((s, i) => [`  ${i + 1}. ${s.text}`, ...s.commands.map((c) => `       ${c}`)]),
  ];
}
