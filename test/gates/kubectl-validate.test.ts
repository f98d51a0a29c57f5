/**
 * The kubectl-validate gate runs tools/kubectl-validate, which reuses one validation strategy
 * (schema validator and compiled CEL rules) per kind where upstream builds one per object. Its
 * reports must be upstream's: both builds (`npm run tools` makes kubectl-validate-upstream from
 * upstream's own main.go at the same pinned modules) run over the distinct files of dist/ and
 * argocd/ followed by planted faults, each after a clean object of its kind so that the reused
 * strategy is the one that judges it, and their output must be the same bytes.
 *
 * Upstream v0.0.4 pkg/validator/validator.go: Validate calls customresource.NewStrategy per object
 * and Parse builds the kind's decoder per document; apiextensions-apiserver v0.30.1
 * pkg/registry/customresource/strategy.go: NewStrategy compiles the CEL rules (cel.NewValidator),
 * and the strategy's Validate keeps no state between objects.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { distinctFiles, readKubectlValidateReport, withSchemaServer } from '../../scripts/gates/schemas';
import { goToolEnv, runTool, type ToolRun } from '../../scripts/toolchain/run-tool';
import { ensureSchemas } from '../../scripts/toolchain/schemas';
import { requireTool } from '../../scripts/toolchain/tools';
import { repoOutput, ROOT } from './fixture';

const read = (rel: string) => parse(fs.readFileSync(path.join(ROOT, rel), 'utf8'));
const GATEWAY = read('dist/dev/tenants/alpha/gateway-agentgateway-waypoint.yaml');
const AUTHZ = read('dist/prod/tenants/beta/authorizationpolicy-tenant-isolation.yaml');
const DEPLOYMENT = read('dist/dev/tenants/research/deployment-sandbox-router.yaml');
const HTTPROUTE = read('dist/dev/tenants/alpha/httproute-a2a-triage-mesh.yaml');
const NAMESPACE = read('dist/dev/tenants/alpha/namespace-tenant-alpha.yaml');

const clone = <T>(o: T): T => structuredClone(o);
const docs = (...objects: unknown[]) => objects.map((o) => stringify(o)).join('---\n');

/** Planted files: each holds one fault and, after it, a clean object of the same kind. */
const PLANTED: Record<string, { content: string; finding: RegExp }> = {
  // Gateway API's CEL rule (x-kubernetes-validations): no hostname on TCP and UDP listeners.
  'cel-rule.yaml': {
    content: docs(
      (() => {
        const gw = clone(GATEWAY);
        gw.spec.listeners.push({ name: 'tcp', port: 9000, protocol: 'TCP', hostname: 'agents.example.com' });
        return gw;
      })(),
      GATEWAY,
    ),
    finding: /hostname must not be specified for protocols \['TCP', 'UDP'\]/,
  },
  'wrong-type.yaml': {
    content: docs({ ...clone(DEPLOYMENT), spec: { ...clone(DEPLOYMENT.spec), replicas: 'two' } }, DEPLOYMENT),
    finding: /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer/,
  },
  'unknown-field.yaml': {
    content: docs(
      (() => {
        const a = clone(AUTHZ);
        a.spec.rulez = a.spec.rules;
        delete a.spec.rules;
        return a;
      })(),
      AUTHZ,
    ),
    finding: /spec\.rulez: Invalid value: value provided for unknown field/,
  },
  // A backendRef's name is required by the HTTPRoute CRD's schema.
  'missing-required.yaml': {
    content: docs(
      (() => {
        const route = clone(HTTPROUTE);
        delete route.spec.rules[0].backendRefs[0].name;
        return route;
      })(),
      HTTPROUTE,
    ),
    finding: /spec\.rules\[0\]\.backendRefs\[0\]\.name: Required value/,
  },
  // A built-in object its schema accepts and the API server refuses: a name that is no DNS label.
  'bad-builtin.yaml': {
    content: docs({ ...clone(NAMESPACE), metadata: { ...clone(NAMESPACE.metadata), name: 'Tenant_Alpha' } }, NAMESPACE),
    finding: /metadata\.name: Invalid value: "Tenant_Alpha": a lowercase RFC 1123 subdomain/,
  },
  // A key twice: the strict decoder's YAML check, after the kind's decoder was built.
  'duplicate-key.yaml': {
    content: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tenant-dup\n  name: tenant-dup\n---\n${docs(NAMESPACE)}`,
    finding: /failed to unmarshal document to YAML/,
  },
  'bad-yaml.yaml': {
    content: `apiVersion: v1\nkind: Namespace\nmetadata: [name\n`,
    finding: /failed to parse yaml: error converting YAML to JSON: yaml: line 3/,
  },
  'unknown-kind.yaml': {
    content: docs({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'x' } }),
    finding: /failed to retrieve validator: failed to locate OpenAPI spec for GV: example\.com\/v1/,
  },
};

let dir: string;
let files: string[];
let planted: string[];
let wrapper: ToolRun;
let upstream: ToolRun;
let wrapperHuman: ToolRun;
let upstreamHuman: ToolRun;

/** Runs both builds over the same files with the gate's flags and schema server. */
async function both(args: readonly string[]): Promise<[ToolRun, ToolRun]> {
  const s = ensureSchemas('1.35');
  const flags = ['--version', s.minor, ...s.crdDirs.flatMap((d) => ['--local-crds', d])];
  return withSchemaServer(s.localSchemas, (kubeconfig) => {
    const env = goToolEnv({ ...process.env, KUBECONFIG: kubeconfig });
    return Promise.all(
      ['kubectl-validate', 'kubectl-validate-upstream'].map((t) =>
        runTool(requireTool(t), [...flags, ...args], { env }),
      ),
    ) as Promise<[ToolRun, ToolRun]>;
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-validate-'));
  planted = Object.entries(PLANTED).map(([name, p]) => {
    fs.writeFileSync(path.join(dir, name), p.content);
    return path.join(dir, name);
  });
  const output = repoOutput();
  files = [
    ...distinctFiles(
      output.environments.flatMap((e) => e.files),
      output.digests,
    ).keys(),
  ];
  [wrapper, upstream] = await both(['-o', 'json', ...files, ...planted]);
  [wrapperHuman, upstreamHuman] = await both(planted);
}, 900_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('kubectl-validate with one strategy per kind', () => {
  it('is built from the wrapper, and the reference from upstream, at the same pinned version', () => {
    const info = (t: string) => execFileSync('go', ['version', '-m', requireTool(t)], { encoding: 'utf8' });
    expect(info('kubectl-validate')).toMatch(/^\s+path\s+agentic-platform\/tools\/kubectl-validate$/m);
    expect(info('kubectl-validate-upstream')).toMatch(
      /^\s+path\s+agentic-platform\/tools\/kubectl-validate\/upstream$/m,
    );
    const deps = (t: string) =>
      info(t)
        .split('\n')
        .filter((l) => /^\s+dep\s/.test(l) && !l.includes('agentic-platform'));
    expect(deps('kubectl-validate')).toEqual(deps('kubectl-validate-upstream'));
    expect(deps('kubectl-validate').join('\n')).toMatch(/\ssigs\.k8s\.io\/kubectl-validate\s+v0\.0\.4\s/);
  });

  it("prints upstream's JSON report, byte for byte, over dist/, argocd/ and the planted faults", () => {
    expect(upstream.stderr).toBe('Error: validation failed\n');
    expect(wrapper.stderr).toBe(upstream.stderr);
    expect(wrapper.code).toBe(upstream.code);
    expect(wrapper.stdout).toBe(upstream.stdout);
    const report = readKubectlValidateReport(wrapper.stdout);
    expect([...report.resources.keys()].sort()).toEqual([...files, ...planted].sort());
    // The output is clean: every finding is a planted one.
    expect(new Set(report.findings.map((f) => f.file))).toEqual(new Set(planted));
  });

  it("prints upstream's human report and exit code", () => {
    expect(wrapperHuman.code).toBe(1);
    expect(wrapperHuman.code).toBe(upstreamHuman.code);
    expect(wrapperHuman.stdout).toBe(upstreamHuman.stdout);
    expect(wrapperHuman.stderr).toBe(upstreamHuman.stderr);
  });

  it.each(Object.keys(PLANTED))('reports the fault planted in %s, and only there, as upstream does', (name) => {
    const file = path.join(dir, name);
    for (const run of [wrapper, upstream]) {
      const statuses = (JSON.parse(run.stdout) as Record<string, { status: string; message?: string }[]>)[file];
      expect(statuses[0].status).toBe('Failure');
      expect(statuses[0].message).toMatch(PLANTED[name].finding);
      // The clean object after it, judged by the same strategy, passes.
      expect(statuses.slice(1).map((s) => s.status)).toEqual(statuses.length > 1 ? ['Success'] : []);
    }
  });
});
