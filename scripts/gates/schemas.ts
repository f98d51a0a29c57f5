/**
 * Schema gates: kubeconform -strict and kubectl-validate over every YAML file of dist/<env>/ and
 * argocd/<env>/, offline, against the environment's Kubernetes version and every CRD in
 * ../shared/crds (or $CRDS_DIR). A resource without a schema fails: nothing is skipped.
 *
 * Both tools judge a file by its bytes alone, so files with the same content (a tenant's file is
 * often the same in every environment on one Kubernetes version) are validated once and each
 * finding is reported for every copy. The files are passed in runs that fit a command line.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { requireTool, stampFor, tool } from '../toolchain/tools';
import { shownPath } from '../toolchain/paths';
import { ensureSchemas, type SchemaSet } from '../toolchain/schemas';
import { type EnvironmentOutput, type GateResult, isYaml, type Output, since } from '../kube/manifests';
import { fileGroups } from './units';
import { argumentChunks, goToolEnv, inParallel, runTool, type ToolRun } from '../toolchain/run-tool';
import { CleanVerdicts } from './verdicts';

interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: string;
  msg: string;
}

/** What one run of a schema tool found. */
export interface ToolReport {
  /** Resources checked, by file as the tool names it. */
  readonly resources: ReadonlyMap<string, number>;
  /** Findings, by file as the tool names it; the text follows "<file>: ". */
  readonly findings: readonly { readonly file: string; readonly text: string }[];
}

/**
 * Files to validate and their copies: the first file of each content digest, with every file of
 * that content (itself first). Pure.
 */
export function distinctFiles(files: readonly string[], digests: ReadonlyMap<string, string>): Map<string, string[]> {
  const firstOf = new Map<string, string>();
  const copies = new Map<string, string[]>();
  for (const f of files) {
    const d = digests.get(f) ?? `file:${f}`;
    const first = firstOf.get(d);
    if (first === undefined) {
      firstOf.set(d, f);
      copies.set(f, [f]);
    } else copies.get(first)!.push(f);
  }
  return copies;
}

/**
 * The YAML files (absolute paths) of some environments still to check: those of the groups
 * (units.ts) not found clean before, with those groups; `remembered` gets the resources of each
 * group found clean.
 */
function unitsToCheck(
  output: Output,
  envs: readonly EnvironmentOutput[],
  unitVerdicts: CleanVerdicts,
  remembered: (resources: number) => void,
): { files: string[]; pendingUnits: { key: string; files: string[] }[]; units: number } {
  const names = new Set(envs.map((e) => e.name));
  const pendingUnits: { key: string; files: string[] }[] = [];
  const files: string[] = [];
  let units = 0;
  for (const group of fileGroups(output.record)) {
    if (!names.has(group.env)) continue;
    const n = unitVerdicts.clean(group.key);
    units++;
    if (n !== undefined) remembered(n);
    else {
      const groupFiles = [...group.files.keys()].filter(isYaml).map((f) => path.join(output.root, f));
      if (groupFiles.length === 0) {
        // Nothing to check (a README): clean, with no resources.
        unitVerdicts.add(group.key, 0);
        continue;
      }
      pendingUnits.push({ key: group.key, files: groupFiles });
      files.push(...groupFiles);
    }
  }
  return { files, pendingUnits, units };
}

/** How a schema tool is run and read. */
interface SchemaTool {
  readonly gate: string;
  readonly toolName: string;
  readonly flags: (schemas: SchemaSet) => string[];
  readonly runOnce: (bin: string, args: readonly string[], schemas: SchemaSet) => Promise<ToolRun>;
  readonly readReport: (stdout: string) => ToolReport;
  readonly parallel: number;
}

/** What a schema tool found over the environments of one Kubernetes version. */
interface VersionResult {
  checked: number;
  errors: string[];
  units: number;
  unitsRemembered: number;
  distinct: number;
  remembered: number;
  /** Files of the directories not found clean. */
  pending: number;
}

/**
 * Runs a schema tool once per Kubernetes version, over the files of every environment on that
 * version, and reads its JSON report; a run without a readable report, or failing without
 * findings, is an error.
 */
async function perEnvironment(
  output: Output,
  gate: string,
  toolName: string,
  flags: (schemas: SchemaSet) => string[],
  runOnce: (bin: string, args: readonly string[], schemas: SchemaSet) => Promise<ToolRun>,
  readReport: (stdout: string) => ToolReport,
  parallel = 1,
): Promise<GateResult> {
  const started = Date.now();
  const t: SchemaTool = { gate, toolName, flags, runOnce, readReport, parallel };
  const sum: VersionResult = {
    checked: 0,
    errors: [],
    units: 0,
    unitsRemembered: 0,
    distinct: 0,
    remembered: 0,
    pending: 0,
  };
  let total = 0;
  const versions = new Set<string>();
  const crds = new Set<string>();
  const byVersion = new Map<string, EnvironmentOutput[]>();
  for (const env of output.environments)
    byVersion.set(env.kubernetesVersion, [...(byVersion.get(env.kubernetesVersion) ?? []), env]);
  for (const [version, envs] of byVersion) {
    if (envs.every((e) => e.files.length === 0)) continue;
    const schemas = ensureSchemas(version);
    crds.add(shownPath(schemas.crdsDir));
    versions.add(`${version} (${schemas.release}: ${envs.map((e) => e.name).join(', ')})`);
    total += envs.reduce((n, e) => n + e.files.length, 0);
    const r = await checkVersion(output, envs, schemas, t);
    sum.errors.push(...r.errors);
    for (const k of ['checked', 'units', 'unitsRemembered', 'distinct', 'remembered', 'pending'] as const)
      sum[k] += r[k];
  }
  return {
    gate,
    checked: sum.checked,
    unit: 'resources',
    errors: sum.errors,
    ms: since(started),
    notes: [
      `Kubernetes ${[...versions].join(', ')} + every CRD under ${[...crds].join(', ')} and the AlertmanagerConfig CRD of kube-prometheus-stack; ${sum.units} directories (a tenant's, or another), ${sum.unitsRemembered} of them found clean before; ${sum.distinct} distinct files of ${sum.pending} in the others (${total} in all), ${sum.remembered} of them found clean before (same bytes, tool and schemas)`,
    ],
  };
}

/**
 * Checks the files of the environments of one Kubernetes version: the units (tenant directories)
 * found clean before are counted, and the distinct files of the rest not found clean before are
 * passed to the tool.
 */
async function checkVersion(
  output: Output,
  envs: readonly EnvironmentOutput[],
  schemas: SchemaSet,
  t: SchemaTool,
): Promise<VersionResult> {
  const names = envs.map((e) => e.name).join(', ');
  const rel = (f: string) => (f.startsWith(`${output.root}/`) ? f.slice(output.root.length + 1) : f);
  const bin = requireTool(t.toolName);
  const errors: string[] = [];
  let checked = 0;
  const inputs = [stampFor(tool(t.toolName)), schemas.stamp, JSON.stringify(t.flags(schemas))];
  const unitVerdicts = new CleanVerdicts(t.gate, [...inputs, 'units']);
  const { files, pendingUnits, units } = unitsToCheck(output, envs, unitVerdicts, (n) => (checked += n));
  const copies = distinctFiles(files, output.digests);
  const verdicts = new CleanVerdicts(t.gate, inputs, undefined, undefined, true);
  const toRun: string[] = [];
  // Resources of each distinct file found clean (now or before); a file with findings has none.
  const cleanResources = new Map<string, number>();
  for (const [first, all] of copies) {
    const n = verdicts.clean(output.digests.get(first));
    if (n === undefined) toRun.push(first);
    else {
      checked += n * all.length;
      cleanResources.set(first, n);
    }
  }
  const found: string[] = [];
  const chunks = runChunks(toRun, t.parallel);
  const runs = await inParallel(chunks, t.parallel, (chunk) =>
    t.runOnce(bin, [...t.flags(schemas), ...chunk], schemas),
  );
  runs.forEach((res, i) => {
    let report: ToolReport;
    try {
      report = t.readReport(res.stdout);
    } catch {
      errors.push(
        `${t.toolName} (${names}) exited with ${res.code} and printed no report: ${res.stderr.trim() || res.stdout.trim()}`,
      );
      return;
    }
    for (const [file, n] of report.resources) checked += n * (copies.get(file)?.length ?? 1);
    for (const { file, text } of report.findings)
      for (const copy of copies.get(file) ?? [file]) found.push(`${rel(copy)}: ${text}`);
    if (res.code !== 0 && report.findings.length === 0) {
      errors.push(`${t.toolName} (${names}) exited with ${res.code}: ${res.stderr.trim()}`);
      return;
    }
    const withFindings = new Set(report.findings.map((f) => f.file));
    for (const file of chunks[i])
      if (!withFindings.has(file)) {
        const n = report.resources.get(file) ?? 0;
        verdicts.add(output.digests.get(file), n);
        cleanResources.set(file, n);
      }
  });
  verdicts.save();
  // A unit all of whose files were found clean is remembered with its resources.
  const firstOf = new Map<string, string>();
  for (const [first, all] of copies) for (const f of all) firstOf.set(f, first);
  for (const unit of pendingUnits) {
    let n = 0;
    for (const f of unit.files) n += cleanResources.get(firstOf.get(f)!) ?? NaN;
    if (!Number.isNaN(n)) unitVerdicts.add(unit.key, n);
  }
  unitVerdicts.save();
  errors.push(...found.sort());
  return {
    checked,
    errors,
    units,
    unitsRemembered: unitVerdicts.remembered,
    distinct: copies.size,
    remembered: verdicts.remembered,
    pending: files.length,
  };
}

/** Characters of file arguments per run of a schema tool. */
const CHUNK_CHARS = 1_000_000;

/** Files from which a tool that works on one core is run as `parallel` processes. */
const PARALLEL_FROM = 2000;

/**
 * Runs of files: each fits a command line, and with `parallel` > 1 and many files there are at
 * least `parallel` runs of about equal size. Pure.
 */
export function runChunks(files: readonly string[], parallel: number): string[][] {
  const byLength = argumentChunks(files, CHUNK_CHARS);
  if (parallel <= 1 || files.length < PARALLEL_FROM || byLength.length >= parallel) return byLength;
  const size = Math.ceil(files.length / parallel);
  return Array.from({ length: parallel }, (_, i) => files.slice(i * size, (i + 1) * size)).filter((c) => c.length > 0);
}

/** kubeconform -strict over each environment's files. */
export function kubeconformGate(output: Output): Promise<GateResult> {
  return perEnvironment(
    output,
    'kubeconform',
    'kubeconform',
    (schemas) => [
      '-strict',
      '-summary',
      '-verbose',
      '-output',
      'json',
      '-kubernetes-version',
      schemas.release,
      '-schema-location',
      schemas.kubeconformLocation,
      '-n',
      '2',
    ],
    (bin, args) => runTool(bin, args),
    readKubeconformReport,
  );
}

/** kubeconform's JSON report (-verbose: every resource) as resources and findings by file. Pure. */
export function readKubeconformReport(stdout: string): ToolReport {
  const report = JSON.parse(stdout) as {
    resources?: KubeconformResource[];
    summary: { valid: number; invalid: number; errors: number; skipped: number };
  };
  const resources = new Map<string, number>();
  const findings: { file: string; text: string }[] = [];
  for (const r of report.resources ?? []) {
    resources.set(r.filename, (resources.get(r.filename) ?? 0) + 1);
    if (r.status === 'statusValid') continue;
    findings.push({
      file: r.filename,
      text: `${r.kind} ${r.name} (${r.version}): ${r.status.replace(/^status/, '').toLowerCase()}: ${r.msg}`,
    });
  }
  const s = report.summary;
  if (s.valid + s.invalid + s.errors + s.skipped !== (report.resources ?? []).length) {
    throw new Error(
      `kubeconform listed ${(report.resources ?? []).length} resources but counted ${s.valid + s.invalid + s.errors + s.skipped}`,
    );
  }
  return { resources, findings };
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
 * The schema server's thread (plain JavaScript, evaluated: it runs the same from sources and from
 * the bundle). On a thread of its own, the tool's requests are answered while the gates compute
 * on the main thread.
 */
const SCHEMA_SERVER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { localSchemas, paths, index } = workerData;
const known = new Set(paths);
const server = http.createServer((req, res) => {
  const url = (req.url || '').split('?')[0];
  const rel = url.startsWith('/openapi/v3/') ? url.slice('/openapi/v3/'.length) : undefined;
  if (req.method === 'GET' && url === '/openapi/v3') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(index);
  } else if (req.method === 'GET' && rel !== undefined && known.has(rel)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    fs.createReadStream(path.join(localSchemas, rel + '.json')).pipe(res);
  } else {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","status":"Failure","code":404}');
  }
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

type SchemaServer = Promise<{ readonly port: number; readonly worker: Worker }>;

/** Servers started ahead of their use, by schema folder. */
const started = new Map<string, SchemaServer>();

/** Starts a schema server on a thread of its own; it does not keep the process alive. */
function startSchemaServer(localSchemas: string): SchemaServer {
  const paths = openApiPaths(localSchemas);
  const index = JSON.stringify({
    paths: Object.fromEntries(paths.map((p) => [p, { serverRelativeURL: `/openapi/v3/${p}` }])),
  });
  const worker = new Worker(SCHEMA_SERVER, { eval: true, workerData: { localSchemas, paths, index } });
  worker.unref();
  return new Promise((resolve, reject) => {
    worker.once('message', (port: number) => resolve({ port, worker }));
    worker.once('error', reject);
  });
}

/**
 * Starts the schema server of a folder ahead of `withSchemaServer`, which then takes it: its
 * thread starts while the output is read, so the tool starts as soon as its gate asks.
 */
export function prestartSchemaServer(localSchemas: string): void {
  if (started.has(localSchemas)) return;
  const server = startSchemaServer(localSchemas);
  server.catch(() => undefined); // reported to the gate that takes it
  started.set(localSchemas, server);
}

/** The server started ahead for the folder (then no longer shared), or a new one. */
function takeSchemaServer(localSchemas: string): SchemaServer {
  const server = started.get(localSchemas);
  started.delete(localSchemas);
  return server ?? startSchemaServer(localSchemas);
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
  const server = takeSchemaServer(localSchemas);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-server-'));
  try {
    const { port } = await server;
    const kubeconfig = path.join(dir, 'kubeconfig');
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
    await (await server.catch(() => undefined))?.worker.terminate();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * kubectl-validate --version <minor> over each environment's files (CRD schemas and CEL rules):
 * the build of tools/kubectl-validate, which compiles each kind's schema and CEL rules once per
 * run where upstream compiles them per object, with upstream's reports (test/gates/kubectl-validate.test.ts).
 */
export function kubectlValidateGate(output: Output): Promise<GateResult> {
  return perEnvironment(
    output,
    'kubectl-validate',
    'kubectl-validate',
    (schemas) => ['--version', schemas.minor, ...schemas.crdDirs.flatMap((d) => ['--local-crds', d]), '-o', 'json'],
    (bin, args, schemas) =>
      withSchemaServer(schemas.localSchemas, (kubeconfig) =>
        runTool(bin, args, { env: goToolEnv({ ...process.env, KUBECONFIG: kubeconfig }) }),
      ),
    readKubectlValidateReport,
    2,
  );
}

/** kubectl-validate's JSON report as resources and findings by file. Pure. */
export function readKubectlValidateReport(stdout: string): ToolReport {
  const report = JSON.parse(stdout) as Record<
    string,
    { status: string; message?: string; details?: { causes?: { field?: string; message: string }[] } }[]
  >;
  const resources = new Map<string, number>();
  const findings: { file: string; text: string }[] = [];
  for (const [file, results] of Object.entries(report)) {
    resources.set(file, results.length);
    for (const r of results) {
      if (r.status === 'Success') continue;
      const causes = (r.details?.causes ?? []).map((c) => `${c.field ? `${c.field}: ` : ''}${c.message}`).join('; ');
      findings.push({
        file,
        text: `${r.message ?? r.status}${causes && !(r.message ?? '').includes(causes) ? ` (${causes})` : ''}`,
      });
    }
  }
  return { resources, findings };
}
