/**
 * The flow matrix over the committed output, and the faults it must catch, each planted in a copy
 * of an environment's objects: the flow it breaks is named with every layer's decision.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTenants } from '../../charts/config/load-tenants';
import { DIRS } from '../../charts/lib/constants';
import { synthesize } from '../../charts/synth/synthesize';
import { readIntent } from '../../scripts/flows/gate';
import { flowMatrix, flowsOf, matrixProblems, problem } from '../../scripts/flows/matrix';
import { type EnvironmentOutput, type Manifest, parseDocuments, readOutput } from '../../scripts/kube/manifests';
import { infraFor, sampleEnvironment } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const output = readOutput(ROOT);
const intent = readIntent(ROOT);
const dev = output.environments.find((e) => e.name === 'dev')!;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A copy of an environment with its objects changed by `edit` (which may add, drop or replace). */
function planted(env: EnvironmentOutput, edit: (objects: Obj[]) => Obj[]): EnvironmentOutput {
  const objects = edit(env.manifests.map((m) => structuredClone(m.object)));
  return { ...env, manifests: objects.map((object): Manifest => ({ file: 'planted', env: env.name, object })) };
}

const named = (kind: string, ns: string, name: string) => (o: Obj) =>
  o.kind === kind && o.metadata?.namespace === ns && o.metadata?.name === name;

/** The problem lines of an environment, checked to be about `source` and `target`. */
function problemsOf(env: EnvironmentOutput): string[] {
  const m = flowMatrix(env, intent);
  return [...matrixProblems(m), ...m.misrouted];
}

describe('the flow matrix of the committed output', () => {
  for (const env of output.environments) {
    it(`${env.name}: allows every promised flow and refuses every other, with two layers between tenants`, () => {
      const m = flowMatrix(env, intent);
      expect([...matrixProblems(m), ...m.misrouted]).toEqual([]);
      const promised = m.checks.filter((c) => c.expected === 'allowed');
      // Every kind of promise is there, so a kind that vanished from the matrix cannot pass unseen.
      for (const why of [
        'own Service',
        'own model',
        'own route',
        'alpha allows research (allowCallsFrom)',
        'own exposed route',
        'alpha allows research',
        'cluster DNS',
        'traces to the collector',
        "kagent's agent API (sessions, tasks, memories)",
        "kagent's controller calls every agent (A2A)",
        'Prometheus scrapes every pod',
        'the platform serves every tenant',
        "kagent's own agents use the default model",
        'tokens are issued there',
        'spans to their Langfuse project',
        "Grafana reads a tenant's metrics through its proxy",
        "a tenant's metrics proxy queries Prometheus",
        'the access sync reads Keycloak groups',
        'the access sync manages its application',
      ]) {
        expect(promised.filter((c) => c.why === why).length, why).toBeGreaterThan(0);
      }
      const between = m.checks.filter((c) => c.need === 2);
      expect(between.length).toBeGreaterThan(0);
      for (const c of between) expect(c.actual, `${c.source} → ${c.target}`).toBe('denied');
    });
  }

  it('reports the in-cluster model call refused and the tool server reachable on the output of b7b51be (a gateway-wide Strict JWT, kagent-system open)', () => {
    // The two findings the flow gate exists for, planted in today's output as they were then.
    const env = planted(dev, (os) => [
      ...os
        .filter(
          (o) =>
            !(o.kind === 'AuthorizationPolicy' && o.metadata.namespace === 'kagent-system') &&
            !(o.kind === 'NetworkPolicy' && o.metadata.namespace === 'kagent-system'),
        )
        .map((o) =>
          o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-platform-egress'
            ? {
                ...o,
                spec: {
                  ...o.spec,
                  egress: [
                    ...o.spec.egress,
                    {
                      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kagent-system' } } }],
                    },
                  ],
                },
              }
            : o,
        ),
      {
        apiVersion: 'agentgateway.dev/v1alpha1',
        kind: 'AgentgatewayPolicy',
        metadata: { name: 'gateway-wide-jwt', namespace: 'agentgateway-system' },
        spec: {
          targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway-mesh' }],
          traffic: { jwtAuthentication: { mode: 'Strict' } },
        },
      },
    ]);
    const lines = problemsOf(env);
    expect(
      lines.find((l) => l.includes('tenant-alpha/Agent triage → model tenant-alpha/default-model-config')),
    ).toMatch(
      /expected allowed, got denied by gateway — .*401 .*agentgateway-system\/gateway-wide-jwt requires one \(Strict\)/,
    );
    expect(lines.find((l) => l.includes('tenant-alpha/Agent triage → kagent-system/kagent-tools pod:8084'))).toMatch(
      /expected denied, got allowed by every layer — network allows .*egress tenant-alpha\/allow-platform-egress/,
    );
  });
});

describe('planted faults, each named with its flow', () => {
  it("a NetworkPolicy that admits all of another tenant's namespace: its own side admits it", () => {
    const env = planted(dev, (os) => [
      ...os,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-alpha', namespace: 'tenant-beta' },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-alpha' } } }] }],
        },
      },
    ]);
    const lines = problemsOf(env);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => /^dev: tenant-beta\/\S+ \S+ → tenant-alpha\//.test(l))).toBe(true);
    expect(lines.find((l) => l.includes('→ tenant-alpha/Agent triage (Service triage:8080)'))).toMatch(
      /the caller's egress NetworkPolicies admit it; each tenant's NetworkPolicies must refuse other tenants on their own — network refuses \[tenant-beta\/planner → tenant-alpha\/agentgateway-waypoint:15008\] \(no ingress rule of .*\)/,
    );
  });

  it('an AuthorizationPolicy that admits a principal of another tenant: one layer left', () => {
    const env = planted(dev, (os) =>
      os.map((o) =>
        named('AuthorizationPolicy', 'tenant-alpha', 'waypoint-isolation')(o)
          ? {
              ...o,
              spec: {
                ...o.spec,
                rules: [
                  {
                    from: [
                      {
                        source: {
                          principals: [
                            ...o.spec.rules[0].from[0].source.principals,
                            'cluster.local/ns/tenant-beta/sa/*',
                          ],
                        },
                      },
                    ],
                  },
                ],
              },
            }
          : o,
      ),
    );
    const lines = problemsOf(env);
    expect(lines.length).toBeGreaterThan(0);
    const line = lines.find((l) =>
      /^dev: tenant-beta\/Agent planner( \(and 1 more sources alike: tenant-beta\/Sandbox python\))? → tenant-alpha\/Agent triage \(Service triage:8080\)/.test(
        l,
      ),
    );
    expect(line).toMatch(
      /denied by network only; a flow between tenants must be refused by 2 layers — .*waypoint allows \[cluster\.local\/ns\/tenant-beta\/sa\/planner → waypoint tenant-alpha\/agentgateway-waypoint for triage:8080\] \(admitted by AuthorizationPolicy tenant-alpha\/waypoint-isolation/,
    );
  });

  it("an AgentgatewayPolicy that drops the tenant claim check: another tenant's token gets in", () => {
    const env = planted(dev, (os) =>
      os.map((o) =>
        named('AgentgatewayPolicy', 'tenant-alpha', 'a2a-triage-callers')(o)
          ? {
              ...o,
              spec: {
                ...o.spec,
                traffic: { authorization: { action: 'Require', policy: { matchExpressions: ['has(jwt.tenant)'] } } },
              },
            }
          : o,
      ),
    );
    const line = problemsOf(env).find((l) =>
      l.includes(
        'client outside the cluster with a token of beta → external route https://gateway.dev.agentic.example.com/a2a/support/triage',
      ),
    );
    expect(line).toMatch(
      /alpha does not allow this tenant\): expected denied, got allowed by every layer — .*gateway allows .*200 on route tenant-alpha\/a2a-triage: admitted by .*tenant-alpha\/a2a-triage-callers/,
    );
  });

  it('allowCallsFrom that the route policy does not enforce: refused for the tenant allowed, open to the others', () => {
    const dropped = planted(dev, (os) =>
      os.filter((o) => !named('AgentgatewayPolicy', 'tenant-alpha', 'a2a-triage-mesh-callers')(o)),
    );
    expect(
      problemsOf(dropped).find((l) =>
        l.startsWith('dev: tenant-beta/Agent planner → in-cluster route /a2a/support/triage'),
      ),
    ).toMatch(/alpha does not allow this tenant\): expected denied, got allowed by every layer/);
    const narrowed = planted(dev, (os) =>
      os.map((o) =>
        named('AgentgatewayPolicy', 'tenant-alpha', 'a2a-triage-mesh-callers')(o)
          ? {
              ...o,
              spec: {
                ...o.spec,
                traffic: {
                  authorization: {
                    action: 'Require',
                    policy: { matchExpressions: ['source.identity.namespace in ["tenant-alpha"]'] },
                  },
                },
              },
            }
          : o,
      ),
    );
    expect(
      problemsOf(narrowed).find((l) =>
        l.startsWith('dev: tenant-research/Agent analyst → in-cluster route /a2a/support/triage'),
      ),
    ).toMatch(
      /alpha allows research \(allowCallsFrom\)\): expected allowed, got denied by gateway — .*403 .*tenant-alpha\/a2a-triage-mesh-callers requires/,
    );
  });

  it("a route whose path prefix shadows another tenant's: agentgateway ranks a trailing slash longer", () => {
    const env = planted(dev, (os) => [
      ...os,
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'shadow', namespace: 'tenant-beta' },
        spec: {
          parentRefs: [{ name: 'agentgateway-mesh', namespace: 'agentgateway-system', sectionName: 'mesh' }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/a2a/support/triage/' } }],
              backendRefs: [{ name: 'planner', port: 8080 }],
            },
          ],
        },
      },
    ]);
    expect(problemsOf(env)).toContain(
      "dev: /a2a/support/triage/.well-known/agent-card.json on agentgateway-system/agentgateway-mesh is served by route tenant-beta/shadow, not by a route of tenant-alpha (alpha's Agent triage): another namespace's route shadows it",
    );
  });

  it("a sandbox that may reach the mesh gateway: it calls its tenant's routes with the tenant's identity", () => {
    const env = planted(dev, (os) =>
      os.map((o) =>
        named('NetworkPolicy', 'tenant-beta', 'allow-platform-egress')(o)
          ? { ...o, spec: { ...o.spec, podSelector: {} } }
          : o,
      ),
    );
    expect(
      problemsOf(env).find((l) => l.startsWith('dev: tenant-beta/Sandbox python → model tenant-beta/gpt')),
    ).toMatch(/a sandbox reaches nothing of its tenant\): expected denied, got allowed by every layer/);
  });
});

describe('planted faults in the observability paths', () => {
  it("a tenant's metrics proxy open to every namespace and a tenant free to reach monitoring: the tenant reads another's metrics", () => {
    const env = planted(dev, (os) =>
      os.map((o) => {
        if (named('NetworkPolicy', 'monitoring', 'prom-label-proxy')(o))
          return { ...o, spec: { ...o.spec, ingress: [...o.spec.ingress, { from: [{ namespaceSelector: {} }] }] } };
        if (named('NetworkPolicy', 'tenant-beta', 'allow-platform-egress')(o))
          return {
            ...o,
            spec: {
              ...o.spec,
              egress: [
                ...o.spec.egress,
                { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
              ],
            },
          };
        return o;
      }),
    );
    const lines = problemsOf(env);
    expect(
      lines.find((l) =>
        l.startsWith("dev: tenant-beta/Agent planner → monitoring/tenant-alpha (alpha's metrics proxy)"),
      ),
    ).toMatch(
      /\(another tenant's metrics proxy\): expected denied, got allowed by every layer — network allows .*egress tenant-beta\/allow-platform-egress; ingress monitoring\/prom-label-proxy/,
    );
    expect(
      lines.find((l) => l.startsWith("dev: tenant-beta/Agent planner → monitoring/tenant-beta (beta's metrics proxy)")),
    ).toMatch(/not from its proxy\): expected denied, got allowed by every layer/);
    expect(
      lines.find((l) => l.startsWith("dev: monitoring/any-pod → monitoring/tenant-alpha (alpha's metrics proxy)")),
    ).toMatch(/only Grafana queries a tenant's metrics proxy\): expected denied, got allowed by every layer/);
  });

  it("a proxy that admits Prometheus instead of Grafana: every tenant's datasource stops answering", () => {
    const env = planted(dev, (os) =>
      os.map((o) =>
        named('NetworkPolicy', 'monitoring', 'prom-label-proxy')(o)
          ? {
              ...o,
              spec: {
                ...o.spec,
                ingress: [
                  {
                    ...o.spec.ingress[0],
                    from: [
                      {
                        ...o.spec.ingress[0].from[0],
                        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
                      },
                    ],
                  },
                  ...o.spec.ingress.slice(1),
                ],
              },
            }
          : o,
      ),
    );
    const lines = problemsOf(env).filter((l) => l.includes("Grafana reads a tenant's metrics through its proxy"));
    expect(lines.map((l) => l.split(' (')[0])).toEqual([
      'dev: monitoring/kube-prometheus-stack-grafana → monitoring/tenant-alpha',
      'dev: monitoring/kube-prometheus-stack-grafana → monitoring/tenant-beta',
      'dev: monitoring/kube-prometheus-stack-grafana → monitoring/tenant-research',
    ]);
    expect(lines[0]).toMatch(
      /expected allowed, got denied by network — network refuses .*no ingress rule of monitoring\/prom-label-proxy admits/,
    );
  });

  it('a collector without its egress to Langfuse: spans reach no project', () => {
    const env = planted(dev, (os) =>
      os.map((o) =>
        named('NetworkPolicy', 'otel', 'otel-collector')(o)
          ? {
              ...o,
              spec: { ...o.spec, egress: o.spec.egress.filter((e: Obj) => !JSON.stringify(e).includes('langfuse')) },
            }
          : o,
      ),
    );
    expect(problemsOf(env)).toEqual([
      expect.stringMatching(
        /^dev: otel\/otel-collector → langfuse\/langfuse-web pod:3000 \(spans to their Langfuse project\): expected allowed, got denied by network — network refuses .*no egress rule of otel\/otel-collector admits/,
      ),
    ]);
  });

  it("an access sync cut off from Keycloak: nobody's access follows the groups", () => {
    const env = planted(dev, (os) =>
      os.map((o) =>
        named('NetworkPolicy', 'langfuse', 'langfuse-access-sync')(o)
          ? {
              ...o,
              spec: { ...o.spec, egress: o.spec.egress.filter((e: Obj) => !JSON.stringify(e).includes('keycloak')) },
            }
          : o,
      ),
    );
    expect(problemsOf(env)).toEqual([
      expect.stringMatching(
        /^dev: langfuse\/langfuse-access-sync → keycloak\/keycloak-http pod:8080 \(the access sync reads Keycloak groups\): expected allowed, got denied by network/,
      ),
    ]);
  });
});

describe('scale: tenants of one shape are evaluated once', () => {
  const env = sampleEnvironment();
  const registry = (n: number) =>
    loadTenants(
      `tenants:\n${Array.from({ length: n }, (_, i) => `  - name: t${i}\n    agents:\n      - name: helper\n        systemMessage: Helps.\n        expose: true\n`).join('')}`,
    );
  const environmentOutput = (n: number): EnvironmentOutput => {
    const tenants = registry(n);
    const files = synthesize({ environments: [env], tenants, infra: infraFor([env]) });
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
  };

  it('checks as many flows for 2 tenants as for 12, and stands for flows growing with the tenants', () => {
    const small = flowMatrix(environmentOutput(2), registry(2));
    const large = flowMatrix(environmentOutput(12), registry(12));
    expect(small.shapes).toBe(1);
    expect(large.shapes).toBe(1);
    expect(matrixProblems(large)).toEqual([]);
    expect(large.checks.length).toBe(small.checks.length);
    // Per tenant: its own flows (constant) plus one grouped flow per other tenant's workload.
    expect(large.flows).toBeGreaterThan(small.flows * 5);
    expect(large.flows).toBe(large.checks.reduce((n, c) => n + flowsOf(c), 0));
  });

  it('evaluates on its own a tenant that a platform policy names, and one asked for', () => {
    const base = environmentOutput(3);
    const env2 = planted(base, (os) => [
      ...os,
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'names-t1', namespace: 'monitoring' },
        spec: { rules: [{ from: [{ source: { namespaces: ['tenant-t1'] } }] }] },
      },
    ]);
    expect(flowMatrix(base, registry(3)).shapes).toBe(1);
    expect(flowMatrix(env2, registry(3)).shapes).toBe(2);
    expect(flowMatrix(base, registry(3), 't2').shapes).toBe(2);
  });

  it('names a failing check with the other tenants of its shape', () => {
    const base = environmentOutput(3);
    const broken = planted(base, (os) =>
      os.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-dns')),
    );
    const lines = matrixProblems(flowMatrix(broken, registry(3)));
    expect(lines.find((l) => l.includes('cluster DNS'))).toMatch(
      /^test: tenant-t0\/Agent helper → kube-system\/coredns:53 \(cluster DNS\) \(cluster DNS\): expected allowed, got denied by network \[the same for 2 more tenants of this shape: t1, t2\]/,
    );
    const c = flowMatrix(broken, registry(3)).checks.find((x) => x.why === 'cluster DNS')!;
    expect(problem(c)).toBe('expected allowed, got denied by network');
  });
});
