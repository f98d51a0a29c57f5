/**
 * Every field a tenant may write whose name says it holds a URL, host, endpoint or address is
 * judged by a named rule of the tenant-backends policy, or exempt for a stated reason. The kinds
 * are those the tenant developer ClusterRole lets tenants write; their fields come from the CRD
 * schemas in ../shared/crds (every served version) and, for core kinds, from the Kubernetes
 * OpenAPI document of the cluster's version. A new such field upstream, or a removed rule, fails
 * here naming the kind and the field.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { TENANT_POD_RULES } from '../charts/constructs/tenant-pod-policy';
import { TENANT_DEVELOPER_RULES } from '../charts/constructs/tenant-developer-cluster-role';
import { DIRS } from '../charts/lib/constants';
import { CRDS_DIR, KUBERNETES_RELEASES, kubernetesOpenApiDir, yamlFiles } from '../scripts/toolchain/schemas';

type Json = any;

const ROOT = path.resolve(__dirname, '..');
const DEV = path.join(ROOT, DIRS.dist, 'dev');

/** Field names with a word url, uri, host, endpoint or address (camelCase: diskURI, baseUrl, hostIP, not securityContext). */
const FIELD_NAME = /^(url|uri|host|endpoint|address)|(Url|URL|Uri|URI|Host|Endpoint|Address)/;

/** Verbs that let a tenant set a field. */
const WRITE = ['create', 'update', 'patch'];

/** Core kinds tenants may write: their OpenAPI definition, and fields named otherwise that hold a host. */
const CORE: Record<string, { definition: string; extra: string[] }> = {
  services: { definition: 'io.k8s.api.core.v1.Service', extra: ['.spec.externalName'] },
  secrets: { definition: 'io.k8s.api.core.v1.Secret', extra: [] },
  configmaps: { definition: 'io.k8s.api.core.v1.ConfigMap', extra: [] },
};

/** Fields judged by a rule of tenant-backends. */
const COVERED: readonly { kind: string; path: string; rule: string }[] = [
  { kind: 'AgentgatewayBackend', path: '.spec.a2a.host', rule: 'backend-type' },
  { kind: 'AgentgatewayBackend', path: '.spec.static.host', rule: 'backend-type' },
  { kind: 'AgentgatewayBackend', path: '.spec.ai.provider.host', rule: 'ai-provider' },
  { kind: 'AgentgatewayBackend', path: '.spec.ai.provider.azureopenai.endpoint', rule: 'ai-provider' },
  { kind: 'AgentgatewayBackend', path: '.spec.ai.groups[].providers[].host', rule: 'ai-provider' },
  { kind: 'AgentgatewayBackend', path: '.spec.ai.groups[].providers[].azureopenai.endpoint', rule: 'ai-provider' },
  { kind: 'AgentgatewayBackend', path: '.spec.mcp.targets[].static.host', rule: 'mcp-host' },
  { kind: 'RemoteMCPServer', path: '.spec.url', rule: 'remote-mcp-url' },
  { kind: 'Service', path: '.spec.externalName', rule: 'no-external-name' },
];

/** What the platform objects in dist/dev/ hold, for the exemptions that rest on them. */
interface Platform {
  readonly vap: Json;
  readonly namespaces: Json[];
}

const podRule = (id: string) => (p: Platform) =>
  p.vap.spec.validations.some((v: Json) => v.expression === TENANT_POD_RULES.find((r) => r.id === id)!.expression)
    ? undefined
    : `ValidatingAdmissionPolicy ${p.vap.metadata.name} has no rule ${id}`;
const baseline = (p: Platform) =>
  p.namespaces.length > 0 &&
  p.namespaces.every((n) => n.metadata.labels['pod-security.kubernetes.io/enforce'] === 'baseline')
    ? undefined
    : 'a tenant namespace does not enforce Pod Security baseline';

/** Pod template fields of the kinds that carry one (Agent and MCPServer deployments, Sandbox templates). */
const POD = '^\\.spec\\.(byo\\.deployment|declarative\\.deployment|deployment|podTemplate\\.spec)\\.';
const MODEL_CALLED_BY_AGENT =
  "written into the agent's own configuration (kagent v0.9.12 go/core/internal/controller/translator/agent/adk_api_translator.go: openAI.baseUrl line 484, anthropic.baseUrl 541, azureOpenAI endpoint into the pod's environment 581-586, ollama.host 691, sapAICore baseUrl and authUrl 864-866) and called by the tenant's agent pods, whose egress NetworkPolicy applies; the controller's only model-listing HTTP client (go/core/internal/controller/provider/discoverer.go, called from reconciler/reconciler.go:1419) reads ModelProviderConfig, which tenants cannot write";

/** Fields exempt from tenant-backends, each with its reason and, where the reason is a platform control, a check that it is in place. */
const EXEMPT: readonly {
  kinds: readonly string[];
  path: RegExp;
  reason: string;
  holds?: (p: Platform) => string | undefined;
}[] = [
  {
    kinds: ['Agent', 'MCPServer', 'Sandbox', 'SandboxTemplate'],
    path: new RegExp(
      `${POD}.*(livenessProbe|readinessProbe|startupProbe|lifecycle\\.(postStart|preStop))\\.(httpGet|tcpSocket)\\.host$`,
    ),
    reason:
      'the kubelet connects to it from the node: refused on tenant pods by the ValidatingAdmissionPolicy tenant-pod-restrictions (rule probe-host)',
    holds: podRule('probe-host'),
  },
  {
    kinds: ['Agent', 'MCPServer', 'Sandbox', 'SandboxTemplate'],
    path: new RegExp(
      `${POD}(hostNetwork|hostPID|hostIPC|volumes\\[\\]\\.hostPath|.*ports\\[\\]\\.(hostPort|hostIP)|.*windowsOptions\\.hostProcess)$`,
    ),
    reason:
      'host namespaces, host paths, host ports and HostProcess are refused by Pod Security baseline, which tenant namespaces enforce',
    holds: baseline,
  },
  {
    kinds: ['Sandbox', 'SandboxTemplate'],
    path: new RegExp(
      `${POD}(hostAliases|hostAliases\\[\\]\\.hostnames|hostname|hostnameOverride|setHostnameAsFQDN|hostUsers)$`,
    ),
    reason:
      "the pod's own /etc/hosts entries, host name or user namespace: they change nothing a platform component connects to, and the pod's egress NetworkPolicy applies whatever a name resolves to",
  },
  {
    kinds: ['Agent', 'MCPServer', 'Sandbox', 'SandboxTemplate'],
    path: new RegExp(`${POD}volumes\\[\\]\\.azureDisk\\.diskURI$`),
    reason:
      'an Azure disk for the Azure Disk CSI driver, to which the in-tree plugin is migrated and which an EKS cluster does not run; the volume never mounts',
  },
  {
    kinds: ['Agent', 'MCPServer', 'Sandbox', 'SandboxTemplate'],
    path: new RegExp(`${POD}volumes\\[\\]\\.glusterfs\\.endpoints$`),
    reason:
      "the name of an Endpoints object of the pod's namespace, for the in-tree GlusterFS plugin, removed in Kubernetes 1.26; the volume never mounts",
  },
  {
    kinds: ['Agent'],
    path: /^\.spec\.skills\.gitRefs\[\]\.url$/,
    reason:
      "cloned by the skills-init init container of the agent's own pod (kagent v0.9.12 go/core/internal/controller/translator/agent/adk_api_translator.go:1497 buildSkillsInitContainer, added to the pod's initContainers at manifest_builder.go:518), in the tenant namespace, whose egress NetworkPolicy applies",
  },
  {
    kinds: ['Service'],
    path: /^\.spec\.publishNotReadyAddresses$/,
    reason: "a boolean: whether the Service's DNS records include pods that are not ready; it names no address",
  },
  {
    kinds: ['ModelConfig'],
    path: /^\.spec\.(openAI\.baseUrl|anthropic\.baseUrl|azureOpenAI\.azureEndpoint|ollama\.host|sapAICore\.(baseUrl|authUrl))$/,
    reason: MODEL_CALLED_BY_AGENT,
  },
];

interface Found {
  readonly kind: string;
  readonly version: string;
  readonly path: string;
}

/** Group and resource of every kind tenants may write. */
function tenantResources(): { group: string; resource: string }[] {
  return TENANT_DEVELOPER_RULES.filter((r) => r.verbs.some((v) => WRITE.includes(v))).flatMap((r) =>
    (r.apiGroups ?? []).flatMap((group) =>
      (r.resources ?? []).filter((x) => !x.includes('/')).map((resource) => ({ group, resource })),
    ),
  );
}

/** Paths of the fields under `schema` whose name matches FIELD_NAME, except metadata and status (a subresource tenants are not granted). */
function urlFields(schema: Json, at: string, resolve: (s: Json) => Json, seen: Set<Json> = new Set()): string[] {
  const s = resolve(schema);
  if (!s || typeof s !== 'object' || seen.has(s)) return [];
  const inner = new Set(seen).add(s);
  const out: string[] = [];
  for (const [name, child] of Object.entries<Json>(s.properties ?? {})) {
    const p = `${at}.${name}`;
    if (p === '.metadata' || p === '.status') continue;
    if (FIELD_NAME.test(name)) out.push(p);
    out.push(...urlFields(child, p, resolve, inner));
  }
  if (s.items) out.push(...urlFields(s.items, `${at}[]`, resolve, inner));
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.push(...urlFields(s.additionalProperties, `${at}.*`, resolve, inner));
  return out;
}

/** Every URL-like field of every kind tenants may write, from the given CRDs and OpenAPI definitions. */
function foundFields(crds: readonly Json[], definitions: Record<string, Json>): { found: Found[]; problems: string[] } {
  const found: Found[] = [];
  const problems: string[] = [];
  for (const { group, resource } of tenantResources()) {
    if (group === '') {
      const core = CORE[resource];
      if (!core) {
        problems.push(
          `core resource ${resource}: tenants may write it, but this test knows no OpenAPI definition for it; add it to CORE`,
        );
        continue;
      }
      const kind = core.definition.split('.').pop()!;
      const resolve = (s: Json) => (s?.$ref ? definitions[s.$ref.replace('#/definitions/', '')] : s);
      for (const p of [...urlFields(definitions[core.definition], '', resolve), ...core.extra])
        found.push({ kind, version: 'v1', path: p });
      continue;
    }
    const crd = crds.find((c) => c.spec.group === group && c.spec.names.plural === resource);
    if (!crd) {
      problems.push(
        `${group}/${resource}: tenants may write it, but no CRD under ${path.relative(ROOT, CRDS_DIR)} defines it`,
      );
      continue;
    }
    for (const v of crd.spec.versions.filter((x: Json) => x.served)) {
      for (const p of urlFields(v.schema.openAPIV3Schema, '', (s) => s))
        found.push({ kind: crd.spec.names.kind, version: v.name, path: p });
    }
  }
  return { found, problems };
}

/** Problems of the coverage: uncovered fields, missing rules, exemptions whose control is gone, stale entries. */
function coverageProblems(found: readonly Found[], policy: Json, platform: Platform): string[] {
  const problems: string[] = [];
  const rules = new Map<string, string[]>(
    policy.spec.rules.map((r: Json) => [
      r.name,
      r.match.any.flatMap((m: Json) => m.resources.kinds.map((k: string) => k.split('/').pop())),
    ]),
  );
  const used = new Set<object>();
  for (const f of found) {
    const at = `${f.kind} ${f.version} ${f.path}`;
    const covered = COVERED.find((c) => c.kind === f.kind && c.path === f.path);
    if (covered) {
      used.add(covered);
      if (!rules.get(covered.rule)?.includes(f.kind))
        problems.push(
          `${at}: covered by tenant-backends rule ${covered.rule}, which the policy does not have for ${f.kind}`,
        );
      continue;
    }
    const exempt = EXEMPT.find((e) => e.kinds.includes(f.kind) && e.path.test(f.path));
    if (exempt) {
      used.add(exempt);
      const broken = exempt.holds?.(platform);
      if (broken) problems.push(`${at}: exempt because ${exempt.reason}, but ${broken}`);
      continue;
    }
    problems.push(
      `${at}: no tenant-backends rule covers it and no exemption names it; add a rule to charts/platform/policies/tenant-backends-policy.ts or an exemption with its reason here`,
    );
  }
  for (const c of COVERED)
    if (!used.has(c)) problems.push(`COVERED ${c.kind} ${c.path}: no such field of a tenant-writable kind`);
  for (const e of EXEMPT)
    if (!used.has(e))
      problems.push(`EXEMPT ${e.kinds.join(', ')} ${e.path}: matches no field of a tenant-writable kind`);
  return [...new Set(problems)];
}

const crds: Json[] = yamlFiles(CRDS_DIR).flatMap((f) =>
  parseAllDocuments(fs.readFileSync(f, 'utf8'))
    .map((d) => d.toJS())
    .filter((d) => d?.kind === 'CustomResourceDefinition'),
);
const { definitions } = JSON.parse(
  fs.readFileSync(
    path.join(
      kubernetesOpenApiDir(
        KUBERNETES_RELEASES[
          parse(fs.readFileSync(path.join(ROOT, DIRS.environments, 'dev.yaml'), 'utf8')).kubernetesVersion
        ],
      ),
      'swagger.json',
    ),
    'utf8',
  ),
);
const read = (file: string) => parse(fs.readFileSync(path.join(DEV, file), 'utf8'));
const policy = read(`${DIRS.platform}/${DIRS.policies}/clusterpolicy-tenant-backends.yaml`);
const platform: Platform = {
  vap: read(`${DIRS.platform}/tenancy/validatingadmissionpolicy-tenant-pod-restrictions.yaml`),
  namespaces: fs
    .readdirSync(path.join(DEV, DIRS.tenants), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map(({ name: t }) => read(`${DIRS.tenants}/${t}/namespace-tenant-${t}.yaml`)),
};

describe('URL and host fields of the kinds tenants write', () => {
  const { found, problems } = foundFields(crds, definitions);

  it('are found in the CRDs and the OpenAPI document of every tenant-writable kind', () => {
    expect(problems).toEqual([]);
    const kinds = new Set(found.map((f) => f.kind));
    for (const k of [
      'Agent',
      'ModelConfig',
      'RemoteMCPServer',
      'MCPServer',
      'AgentgatewayBackend',
      'Sandbox',
      'SandboxTemplate',
      'Service',
    ])
      expect(kinds, k).toContain(k);
  });

  it('are each covered by a named tenant-backends rule, or exempt with a reason that holds', () => {
    expect(coverageProblems(found, policy, platform)).toEqual([]);
  });

  it('planted fault: a new URL field in a tenant-writable CRD is named with its kind', () => {
    const planted = structuredClone(crds);
    const remote = planted.find((c: Json) => c.spec.names.kind === 'RemoteMCPServer');
    remote.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.callbackUrl = { type: 'string' };
    expect(coverageProblems(foundFields(planted, definitions).found, policy, platform)).toEqual([
      'RemoteMCPServer v1alpha2 .spec.callbackUrl: no tenant-backends rule covers it and no exemption names it; add a rule to charts/platform/policies/tenant-backends-policy.ts or an exemption with its reason here',
    ]);
  });

  it('planted fault: a removed rule or a removed Pod admission rule names every field it covered', () => {
    const withoutRule = {
      ...policy,
      spec: { ...policy.spec, rules: policy.spec.rules.filter((r: Json) => r.name !== 'remote-mcp-url') },
    };
    expect(coverageProblems(found, withoutRule, platform)).toEqual([
      'RemoteMCPServer v1alpha2 .spec.url: covered by tenant-backends rule remote-mcp-url, which the policy does not have for RemoteMCPServer',
    ]);
    const probe = TENANT_POD_RULES.find((r) => r.id === 'probe-host')!.expression;
    const vap = {
      ...platform.vap,
      spec: {
        ...platform.vap.spec,
        validations: platform.vap.spec.validations.filter((v: Json) => v.expression !== probe),
      },
    };
    const problemsWithoutProbeRule = coverageProblems(found, policy, { ...platform, vap });
    expect(problemsWithoutProbeRule.length).toBeGreaterThan(0);
    expect(problemsWithoutProbeRule).toContain(
      'Sandbox v1alpha1 .spec.podTemplate.spec.containers[].readinessProbe.httpGet.host: exempt because the kubelet connects to it from the node: refused on tenant pods by the ValidatingAdmissionPolicy tenant-pod-restrictions (rule probe-host), but ValidatingAdmissionPolicy tenant-pod-restrictions has no rule probe-host',
    );
    expect(
      problemsWithoutProbeRule.every(
        (p) => p.endsWith('has no rule probe-host') && /\.(httpGet|tcpSocket)\.host: /.test(p),
      ),
    ).toBe(true);
  });

  it('planted fault: a kind tenants may write without a CRD is named', () => {
    const planted = crds.filter((c) => c.spec.names.kind !== 'ModelConfig');
    expect(foundFields(planted, definitions).problems).toEqual([
      'kagent.dev/modelconfigs: tenants may write it, but no CRD under ../shared/crds defines it',
    ]);
  });
});
