/**
 * Schema gates: kubeconform -strict and kubectl-validate over every YAML file of dist/<env>/ and
 * argocd/<env>/, offline, against the environment's Kubernetes version and every CRD in
 * ../shared/crds. A resource without a schema fails: nothing is skipped.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireTool } from '../tools';
import { ensureSchemas, type SchemaSet } from '../validation-schemas';
import { type EnvironmentOutput, type GateResult, type Output, since } from './manifests';
import { runTool, type ToolRun } from './run-tool';

interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: string;
  msg: string;
}

/** What one environment's run of a schema tool found. */
interface EnvironmentReport {
  readonly checked: number;
  readonly errors: string[];
}

/**
 * Runs a schema tool once per Kubernetes version, over the files of every environment on that
 * version, and reads its JSON report; a run without a readable report, or failing without
 * findings, is an error.
 */
async function perEnvironment(
  output: Output,
  gate: string,
  tool: string,
  runOnce: (bin: string, files: readonly string[], schemas: SchemaSet) => Promise<ToolRun>,
  readReport: (stdout: string) => EnvironmentReport,
): Promise<GateResult> {
  const started = Date.now();
  const bin = requireTool(tool);
  const errors: string[] = [];
  let checked = 0;
  const versions = new Set<string>();
  const byVersion = new Map<string, EnvironmentOutput[]>();
  for (const env of output.environments) byVersion.set(env.kubernetesVersion, [...(byVersion.get(env.kubernetesVersion) ?? []), env]);
  for (const [version, envs] of byVersion) {
    const files = envs.flatMap((e) => e.files);
    if (files.length === 0) continue;
    const schemas = ensureSchemas(version);
    const names = envs.map((e) => e.name).join(', ');
    versions.add(`${version} (${schemas.release}: ${names})`);
    const res = await runOnce(bin, files, schemas);
    let report: EnvironmentReport;
    try {
      report = readReport(res.stdout);
    } catch {
      errors.push(`${tool} (${names}) exited with ${res.code} and printed no report: ${res.stderr.trim() || res.stdout.trim()}`);
      continue;
    }
    checked += report.checked;
    errors.push(...report.errors.map((e) => e.replaceAll(`${output.root}/`, '')));
    if (res.code !== 0 && report.errors.length === 0) errors.push(`${tool} (${names}) exited with ${res.code}: ${res.stderr.trim()}`);
  }
  return { gate, checked, unit: 'resources', errors, ms: since(started), notes: [`Kubernetes ${[...versions].join(', ')} + ${CRD_NOTE}`] };
}

const CRD_NOTE = 'every CRD under ../shared/crds';

/** kubeconform -strict over each environment's files. */
export function kubeconformGate(output: Output): Promise<GateResult> {
  return perEnvironment(
    output,
    'kubeconform',
    'kubeconform',
    (bin, files, schemas) =>
      runTool(bin, ['-strict', '-summary', '-output', 'json', '-kubernetes-version', schemas.release, '-schema-location', schemas.kubeconformLocation, '-n', '2', ...files]),
    (stdout) => {
      const report = JSON.parse(stdout) as { resources?: KubeconformResource[]; summary: { valid: number; invalid: number; errors: number; skipped: number } };
      const s = report.summary;
      const errors = (report.resources ?? [])
        .filter((r) => r.status !== 'statusValid')
        .map((r) => `${r.filename}: ${r.kind} ${r.name} (${r.version}): ${r.status.replace(/^status/, '').toLowerCase()}: ${r.msg}`);
      if (s.skipped > 0) errors.push(`kubeconform skipped ${s.skipped} resources; every resource must be validated`);
      return { checked: s.valid + s.invalid + s.errors + s.skipped, errors };
    },
  );
}

/** Relative paths of the OpenAPI v3 documents in a --local-schemas directory: api/v1, apis/apps/v1, ... */
function openApiPaths(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
      else if (e.name.endsWith('.json')) out.push(`${rel}${e.name.slice(0, -'.json'.length)}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

/**
 * Runs fn with a kubeconfig whose API server, on the loopback interface, serves nothing but the
 * OpenAPI v3 documents of the target Kubernetes version (GET /openapi/v3 and its group-versions).
 *
 * kubectl-validate v0.0.4 embeds built-in schemas only up to Kubernetes 1.30 and otherwise asks
 * the cluster of the kubeconfig, then GitHub; --local-schemas alone does not stop that lookup. A
 * "cluster" that answers from the k8s.io/kubernetes module keeps the validation offline and on
 * the requested version.
 */
export async function withSchemaServer<T>(localSchemas: string, fn: (kubeconfig: string) => Promise<T>): Promise<T> {
  const paths = openApiPaths(localSchemas);
  const index = JSON.stringify({ paths: Object.fromEntries(paths.map((p) => [p, { serverRelativeURL: `/openapi/v3/${p}` }])) });
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0];
    const rel = url.startsWith('/openapi/v3/') ? url.slice('/openapi/v3/'.length) : undefined;
    if (req.method === 'GET' && url === '/openapi/v3') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(index);
    } else if (req.method === 'GET' && rel !== undefined && paths.includes(rel)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      fs.createReadStream(path.join(localSchemas, `${rel}.json`)).pipe(res);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","status":"Failure","code":404}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-server-'));
  try {
    const kubeconfig = path.join(dir, 'kubeconfig');
    const { port } = server.address() as AddressInfo;
    fs.writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'schemas', cluster: { server: `http://127.0.0.1:${port}` } }],
        users: [{ name: 'none', user: {} }],
        contexts: [{ name: 'schemas', context: { cluster: 'schemas', user: 'none' } }],
        'current-context': 'schemas',
      }),
    );
    return await fn(kubeconfig);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** kubectl-validate --version <minor> over each environment's files (CRD schemas and CEL rules). */
export function kubectlValidateGate(output: Output): Promise<GateResult> {
  return perEnvironment(
    output,
    'kubectl-validate',
    'kubectl-validate',
    (bin, files, schemas) => {
      const args = ['--version', schemas.minor, ...schemas.crdDirs.flatMap((d) => ['--local-crds', d]), '-o', 'json', ...files];
      return withSchemaServer(schemas.localSchemas, (kubeconfig) => runTool(bin, args, { env: { ...process.env, KUBECONFIG: kubeconfig } }));
    },
    (stdout) => {
      const report = JSON.parse(stdout) as Record<string, { status: string; message?: string; details?: { causes?: { field?: string; message: string }[] } }[]>;
      let checked = 0;
      const errors: string[] = [];
      for (const [file, results] of Object.entries(report)) {
        for (const r of results) {
          checked++;
          if (r.status === 'Success') continue;
          const causes = (r.details?.causes ?? []).map((c) => `${c.field ? `${c.field}: ` : ''}${c.message}`).join('; ');
          errors.push(`${file}: ${r.message ?? r.status}${causes && !(r.message ?? '').includes(causes) ? ` (${causes})` : ''}`);
        }
      }
      return { checked, errors };
    },
  );
}
