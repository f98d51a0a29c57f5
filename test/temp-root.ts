/**
 * Global setup of the test runs: every temporary folder a test makes (os.tmpdir()) goes under one
 * folder of this run, removed when the run ends, so that a test that forgets its own cleanup
 * leaves nothing behind.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export default function setup(): (() => void) | undefined {
  // A kept cluster (CLUSTER_KEEP=1) keeps its logs under os.tmpdir(): then nothing is redirected.
  if (process.env.CLUSTER_KEEP === '1') return undefined;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agentic-platform-tests-'));
  const previous = process.env.TMPDIR;
  // Read by os.tmpdir() in this process and in the test workers it starts.
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  };
}
