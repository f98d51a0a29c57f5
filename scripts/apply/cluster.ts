/**
 * The cluster `npm run apply` talks to: the kubectl binary (.tools/bin/kubectl when built, else
 * kubectl on PATH), the kubeconfig and context flags, and the reads and deletes of the prune.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { LABELS, MANAGED_BY } from '../../charts/lib/constants';
import { UserError } from '../lib/cli';
import { errorOf, kubectl, type KubectlTarget } from '../kube/apply';
import { TOOLS_BIN, TOOLS_DIR } from '../toolchain/tools';
import { type ClusterObject } from './prune';

/** Label selector of every object the compiler emits. */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** .tools/bin/kubectl when present, else the first kubectl on PATH; a UserError when neither exists. */
export function findKubectl(toolsBin = TOOLS_BIN, pathVariable = process.env.PATH ?? ''): string {
  const local = path.join(toolsBin, 'kubectl');
  if (isExecutable(local)) return local;
  for (const dir of pathVariable.split(path.delimiter)) {
    if (dir !== '' && isExecutable(path.join(dir, 'kubectl'))) return path.join(dir, 'kubectl');
  }
  throw new UserError(
    `kubectl not found: neither ${TOOLS_DIR}/bin/kubectl (npm run tools builds it) nor kubectl on PATH`,
  );
}

/** kubectl's global flags for --kubeconfig and --context; a UserError for a kubeconfig that is not there. */
export function globalArgs(kubeconfig?: string, context?: string): string[] {
  if (kubeconfig !== undefined && !fs.existsSync(kubeconfig))
    throw new UserError(`--kubeconfig ${kubeconfig}: no such file`);
  return [
    ...(kubeconfig ? [`--kubeconfig=${path.resolve(kubeconfig)}`] : []),
    ...(context ? [`--context=${context}`] : []),
  ];
}

/** The context and server kubectl will use; a UserError when there is none. */
export async function describeTarget(
  target: KubectlTarget,
): Promise<{ readonly context: string; readonly server: string }> {
  const r = await kubectl(target, ['config', 'view', '--minify', '-o', 'json']);
  if (r.code !== 0) {
    const reason =
      errorOf(r.stderr)
        .split('\n')[0]
        .replace(/^error: /, '') || `kubectl config view exited with ${r.code}`;
    throw new UserError(`no cluster to apply to: ${reason}; give --kubeconfig <file> and/or --context <name>`);
  }
  const config = JSON.parse(r.stdout) as { 'current-context'?: string; clusters?: { cluster?: { server?: string } }[] };
  const server = config.clusters?.[0]?.cluster?.server;
  if (!server)
    throw new UserError(
      'no cluster to apply to: the kubeconfig has no current context with a server; give --kubeconfig <file> and/or --context <name>',
    );
  return { context: config['current-context'] ?? '', server };
}

async function resources(target: KubectlTarget, namespaced: boolean): Promise<string[]> {
  const r = await kubectl(target, ['api-resources', '--verbs=list,delete', `--namespaced=${namespaced}`, '-o', 'name']);
  if (r.code !== 0)
    throw new UserError(`listing the cluster's API resources failed: ${errorOf(r.stderr).split('\n')[0]}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

/**
 * Every object carrying our managed-by label: in one namespace (namespaced kinds only), or in
 * the whole cluster. Kinds that cannot be listed (an aggregated API that is down) are skipped
 * and named in `unlisted`: missing them only means pruning less.
 */
export async function listManaged(
  target: KubectlTarget,
  namespace?: string,
): Promise<{ readonly objects: ClusterObject[]; readonly unlisted: string }> {
  const kinds =
    namespace === undefined
      ? [...(await resources(target, true)), ...(await resources(target, false))]
      : await resources(target, true);
  const scope = namespace === undefined ? ['--all-namespaces'] : ['--namespace', namespace];
  const r = await kubectl(target, [
    'get',
    kinds.join(','),
    ...scope,
    '-l',
    MANAGED_SELECTOR,
    '--show-managed-fields',
    '-o',
    'json',
  ]);
  let items: ClusterObject[];
  try {
    items = (JSON.parse(r.stdout) as { items?: ClusterObject[] }).items ?? [];
  } catch {
    throw new UserError(
      `listing the objects labelled ${MANAGED_SELECTOR} failed: ${errorOf(r.stderr).split('\n')[0] || `kubectl exited with ${r.code}`}`,
    );
  }
  return { objects: items, unlisted: r.code === 0 ? '' : errorOf(r.stderr).split('\n')[0] };
}

/** Argo CD Applications of this platform in the cluster ("namespace/name"); empty without Argo CD's CRDs. */
export async function platformApplications(target: KubectlTarget): Promise<string[]> {
  const r = await kubectl(target, [
    'get',
    'applications.argoproj.io',
    '--all-namespaces',
    '-l',
    MANAGED_SELECTOR,
    '-o',
    'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
  ]);
  if (r.code !== 0) return [];
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** Names of the cluster's namespaces. */
export async function namespaces(target: KubectlTarget): Promise<Set<string>> {
  const r = await kubectl(target, ['get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}']);
  if (r.code !== 0) throw new UserError(`listing the namespaces failed: ${errorOf(r.stderr).split('\n')[0]}`);
  return new Set(r.stdout.split(/\s+/).filter(Boolean));
}

/** Deletes objects (without waiting for finalizers); resolves kubectl's error text, empty on success. */
export async function deleteObjects(target: KubectlTarget, objects: readonly ClusterObject[]): Promise<string> {
  if (objects.length === 0) return '';
  const minimal = objects.map((o) =>
    stringify({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
    }),
  );
  const r = await kubectl(
    target,
    ['delete', '--ignore-not-found', '--wait=false', '-o', 'name'],
    minimal.join('---\n'),
  );
  return r.code === 0 ? '' : errorOf(r.stderr) || `kubectl exited with ${r.code}`;
}
