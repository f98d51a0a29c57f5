/**
 * Secrets gate: gitleaks with its default rules finds nothing in dist/, argocd/, the other
 * tracked directories of the working tree, or the git history (every commit reachable from any
 * ref). No .gitleaks.toml: the default rules pass, so nothing is allow-listed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIRS } from '../../charts/lib/constants';
import { requireTool } from '../tools';
import { type GateResult, since } from './manifests';
import { runTool } from './run-tool';

interface Finding {
  RuleID: string;
  File: string;
  StartLine: number;
  Commit?: string;
  Description: string;
}


function countFiles(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return 1;
  return fs.readdirSync(p).reduce((n, e) => n + countFiles(path.join(p, e)), 0);
}

async function scan(bin: string, args: string[], cwd: string): Promise<{ findings: Finding[]; error?: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitleaks-'));
  const report = path.join(dir, 'report.json');
  try {
    const res = await runTool(bin, [...args, '--no-banner', '--no-color', '--redact', '--report-format', 'json', '--report-path', report, '--exit-code', '0', '--log-level', 'warn'], { cwd });
    if (res.code !== 0 || !fs.existsSync(report)) return { findings: [], error: `gitleaks ${args.join(' ')} exited with ${res.code}: ${res.stderr.trim()}` };
    return { findings: JSON.parse(fs.readFileSync(report, 'utf8')) as Finding[] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs gitleaks over the output directories, every other tracked top-level path, and the git
 * history when root is a git work tree. `paths` overrides the working-tree paths (for tests).
 */
export async function secretsGate(root: string, paths?: readonly string[]): Promise<GateResult> {
  const started = Date.now();
  const bin = requireTool('gitleaks');
  const errors: string[] = [];
  const targets = paths ?? (await trackedTopLevel(root));
  let files = 0;
  for (const t of targets) {
    if (!fs.existsSync(path.join(root, t))) continue;
    files += countFiles(path.join(root, t));
    const { findings, error } = await scan(bin, ['dir', t], root);
    if (error) errors.push(error);
    for (const f of findings) errors.push(`${f.File}:${f.StartLine}: gitleaks ${f.RuleID}: ${f.Description}; remove the secret (keep secret values out of git and dist/, reference them through an ExternalSecret)`);
  }
  let commits = 0;
  if (fs.existsSync(path.join(root, '.git'))) {
    const count = await runTool('git', ['rev-list', '--all', '--count'], { cwd: root });
    commits = Number(count.stdout.trim()) || 0;
    const { findings, error } = await scan(bin, ['git', '--log-opts=--all', '.'], root);
    if (error) errors.push(error);
    for (const f of findings) errors.push(`commit ${f.Commit?.slice(0, 12)} ${f.File}:${f.StartLine}: gitleaks ${f.RuleID}: ${f.Description}; rewrite the history without it and rotate the secret`);
  }
  return { gate: 'gitleaks', checked: files + commits, unit: 'files and commits', errors, ms: since(started), notes: [`${files} working-tree files, ${commits} commits`] };
}

/** Tracked top-level paths of a git work tree (for the working-tree scan). */
export async function trackedTopLevel(root: string): Promise<string[]> {
  if (!fs.existsSync(path.join(root, '.git'))) return [DIRS.dist, DIRS.argocd].filter((d) => fs.existsSync(path.join(root, d)));
  const res = await runTool('git', ['ls-files', '-z'], { cwd: root });
  const top = new Set(res.stdout.split('\0').filter(Boolean).map((f) => f.split('/')[0]));
  return [...top].sort();
}
