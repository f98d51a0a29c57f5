/**
 * npm run diff -- [<ref>] [--out <file>] [--root <dir>]
 *
 * What a change does to the generated output: dist/ and argocd/ at a git commit (default: the
 * merge base of HEAD with main, else with origin/main) against the same folders in the working
 * tree, so an uncommitted `npm run synth` is included. Prints a Markdown report (see report.ts),
 * or writes it to --out. Exit 0 whether or not anything changed; 1 on an error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from '../../charts/config/environment';
import { DIRS } from '../../charts/lib/constants';
import { type CommandSpec, mainCommand, type ParsedArgs, runCommand, UsageError } from '../lib/cli';
import { environmentOf, isApplicationFile, needsPlatformApplications } from '../diff/applications';
import type { FlowSource } from '../diff/flows';
import {
  changedPaths,
  COMPARED_DIRS,
  defaultBase,
  environmentTrees,
  filesAtCommit,
  filesInWorkingTree,
  resolveCommit,
} from '../diff/git';
import { keyOf, sha256 } from '../kube/record';
import { code, diffReport, summaryLine } from '../diff/report';

export const DIFF_COMMAND: CommandSpec = {
  name: 'diff',
  usage: 'npm run diff -- [<ref>] [--out <file>] [--root <dir>]',
  summary: [
    'Compares dist/ and argocd/ at a git ref (default: the merge base of HEAD with main, else origin/main)',
    'with the working tree, uncommitted changes included, and prints a Markdown report: isolation-relevant',
    'flows the change opens or closes (the flow matrix of each side), isolation-relevant objects (network,',
    'mesh and gateway policies, RBAC, AppProjects, quotas, admission policies, namespace labels) and route',
    'changes first, field by field, then every object added, removed or changed per',
    'environment and Argo CD Application. Exit 0 with or without changes, 1 on an error.',
  ].join('\n'),
  flags: {
    out: { value: true, help: 'write the report to this file instead of standard output' },
    root: { value: true, help: 'the git repository whose output to compare (default: this repository)' },
  },
};

const short = (commit: string) => commit.slice(0, 12);

/** The command's body, for a repository at `root`. */
export function runDiff(
  args: ParsedArgs,
  root: string,
  write: (text: string) => void = (t) => process.stdout.write(t),
): number {
  if (args.positional.length > 1)
    throw new UsageError(`one ref at most, got ${args.positional.length}: ${args.positional.join(' ')}`);
  const ref = args.positional[0];
  const base = ref === undefined ? defaultBase(root) : { branch: undefined, commit: resolveCommit(root, ref) };
  const baseLabel = ref ?? short(base.commit);
  const baseTitle =
    ref === undefined
      ? `the merge base of HEAD and ${code(base.branch!)} (${short(base.commit)})`
      : `${code(ref)} (${short(base.commit)})`;
  // The flows need each environment's trust domain; a checkout without environment files gets the objects only.
  const envDir = path.join(root, DIRS.environments);
  const trustDomains = new Map(
    fs.existsSync(envDir) ? loadEnvironments(envDir).map((e) => [e.name, e.cluster.trustDomain]) : [],
  );
  // Only the files git finds changed are read and compared, and, when a changed file maps to a
  // platform Application, the Application files of argocd/ (see applications.ts). The flows
  // compare the flow views of the changed files first; only when they differ is each changed
  // environment's base read whole, and each side's flows are remembered under a key of its
  // content: the base's trees, and the changes on top of them.
  const changed = changedPaths(root, base.commit);
  const needsIndex = [...changed].some(needsPlatformApplications);
  const only = (f: string) => changed.has(f) || (needsIndex && isApplicationFile(f));
  const baseFiles = filesAtCommit(root, base.commit, only, { files: changed, dirs: needsIndex ? [DIRS.argocd] : [] });
  const head = filesInWorkingTree(root, undefined, {
    files: new Set([...changed, ...[...baseFiles.keys()].filter(isApplicationFile)]),
    dirs: [],
  });
  const trees = new Map<string, string>();
  const treesOf = (env: string) => {
    if (!trees.has(env)) trees.set(env, environmentTrees(root, base.commit, env));
    return trees.get(env)!;
  };
  const inEnv = (env: string) => (f: string) => environmentOf(f) === env;
  const envPaths = (env: string) => ({ files: new Set<string>(), dirs: COMPARED_DIRS.map((d) => `${d}/${env}`) });
  const flowSource: FlowSource = {
    files: (side, env) =>
      side === 'base'
        ? filesAtCommit(root, base.commit, undefined, envPaths(env))
        : filesInWorkingTree(root, undefined, envPaths(env)),
    key: (side, env) => {
      if (side === 'base') return treesOf(env);
      const changes = [...changed]
        .filter(inEnv(env))
        .map((f) => [f, head.has(f) ? sha256(head.get(f)!) : 'absent'] as const);
      return keyOf([['trees', treesOf(env)], ...changes]);
    },
  };
  const { diff, flows, markdown } = diffReport(baseFiles, head, {
    trustDomains,
    flowSource,
    baseLabel,
    headLabel: 'working tree',
    baseTitle,
    headTitle: 'the working tree (dist/ and argocd/ as on disk, uncommitted changes included)',
  });
  const out = args.flags.out;
  if (typeof out === 'string') {
    fs.writeFileSync(path.resolve(out), markdown);
    process.stderr.write(`diff: ${summaryLine(diff, flows)} Report written to ${out}\n`);
  } else {
    write(markdown);
  }
  return 0;
}

const body = (args: ParsedArgs) =>
  runDiff(args, path.resolve(typeof args.flags.root === 'string' ? args.flags.root : path.join(__dirname, '..', '..')));

/** The command as scripts/launch.cjs runs it from a bundle (npm run diff): the exit code. */
export function main(argv: readonly string[]): Promise<number> {
  return runCommand(DIFF_COMMAND, body, argv);
}

if (require.main === module) mainCommand(DIFF_COMMAND, body);
