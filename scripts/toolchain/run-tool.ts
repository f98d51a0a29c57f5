/** Running a gate's tool: stdout, stderr and the exit code, with non-zero codes not thrown. */
import { spawn } from 'node:child_process';

export interface ToolRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/**
 * The environment for the gates' Go tools: their collector runs at a fourth of the default
 * frequency (GOGC=400), which saves about a quarter of kubectl-validate's CPU time on a large
 * output for a few hundred MB of memory. A GOGC the caller set is kept.
 */
export function goToolEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { GOGC: '400', ...env };
}

/**
 * Runs `bin args`, feeding `input` to its standard input; a non-zero exit is returned, a failure to start is thrown.
 */
export function runTool(
  bin: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], {
      env: options.env ?? goToolEnv(),
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: signal ? `${stderr}\nkilled by ${signal}`.trim() : stderr,
        code: code ?? 1,
      });
    });
    if (options.input !== undefined) {
      child.stdin!.on('error', () => undefined); // a tool that exits early closes its input; its exit code tells why
      child.stdin!.end(options.input);
    }
  });
}

/** Maps items through fn with at most `limit` running at once; results in item order. */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Splits file arguments into runs whose total length stays far below the kernel's limit on a
 * command line (about 2 MB with the environment), so a thousand tenants' files never fail with
 * E2BIG.
 */
export function argumentChunks(files: readonly string[], maxChars = 256 * 1024): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const f of files) {
    if (current.length > 0 && size + f.length + 1 > maxChars) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(f);
    size += f.length + 1;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
