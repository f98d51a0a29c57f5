/**
 * End-to-end suite gate: every Chainsaw test under test/e2e/ passes `chainsaw lint test`. The
 * suites run against a real cluster (see test/e2e/README.md); here only their shape is checked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireTool, stampFor, tool } from '../toolchain/tools';
import { CleanVerdicts, digestOf } from './verdicts';
import { type GateResult, since } from '../kube/manifests';
import { runTool } from '../toolchain/run-tool';

/** Directory of the Chainsaw suites, relative to the repository root. */
export const E2E_DIR = 'test/e2e';

/** Chainsaw test files (chainsaw-test.yaml) under dir, sorted. */
export function chainsawTests(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'chainsaw-test.yaml') out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Lints every Chainsaw test of the repository under root; finding none is an error. */
export async function chainsawLintGate(root: string): Promise<GateResult> {
  const started = Date.now();
  const bin = requireTool('chainsaw');
  const errors: string[] = [];
  const tests = chainsawTests(path.join(root, E2E_DIR));
  if (tests.length === 0) errors.push(`no chainsaw-test.yaml under ${E2E_DIR}/; the end-to-end suites are missing`);
  // A file found valid before, with the same bytes and chainsaw build, is not linted again.
  const verdicts = new CleanVerdicts('chainsaw-lint', [stampFor(tool('chainsaw')), 'lint test -f']);
  for (const t of tests) {
    const digest = digestOf(fs.readFileSync(t));
    if (verdicts.clean(digest) !== undefined) continue;
    const res = await runTool(bin, ['lint', 'test', '-f', t]);
    if (res.code !== 0 || !res.stdout.includes('The document is valid')) {
      // The schema errors go to stdout, the verdict to stderr.
      const detail = [res.stdout.replace('Processing input...', ''), res.stderr]
        .map((x) => x.trim())
        .filter(Boolean)
        .join(' ');
      errors.push(`${path.relative(root, t)}: chainsaw lint test failed: ${detail.replace(/\s*\n\s*/g, ' ')}`);
    } else verdicts.add(digest, 1);
  }
  verdicts.save();
  return { gate: 'chainsaw-lint', checked: tests.length, unit: 'test files', errors, ms: since(started) };
}
