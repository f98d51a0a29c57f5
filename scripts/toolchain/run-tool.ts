/** Running a gate's tool: stdout, stderr and the exit code, with non-zero codes not thrown. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

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

/** The tool starter's program (JavaScript, for node -e): a JSON request a line in, a result a line out. */
const STARTER = `
const { spawn } = require('node:child_process');
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
require('node:readline').createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  const r = JSON.parse(line);
  let done = false;
  const out = [];
  const err = [];
  const child = spawn(r.bin, r.args, { env: r.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  child.on('error', (e) => { if (!done) { done = true; send({ id: r.id, error: e.message }); } });
  child.on('close', (code, signal) => {
    if (done) return;
    done = true;
    const stderr = Buffer.concat(err).toString('utf8');
    send({ id: r.id, stdout: Buffer.concat(out).toString('utf8'),
      stderr: signal ? (stderr + '\\nkilled by ' + signal).trim() : stderr, code: code ?? 1 });
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(r.input);
});
`;

/**
 * A small Node.js process that starts tools for this one, as runTool does. Starting a process
 * copies the page tables of the process that starts it: from a process holding a 10,000-tenant
 * output (2.8 GB) each start took 79 ms, against 10 ms from a small process, so a gate that
 * starts hundreds of runs starts them from here. close() when done.
 */
export class ToolStarter {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (r: ToolRun) => void; reject: (e: Error) => void }>();
  private next = 0;

  constructor() {
    this.child = spawn(process.execPath, ['-e', STARTER], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout!, crlfDelay: Infinity }).on('line', (line) => {
      const m = JSON.parse(line) as ToolRun & { id: number; error?: string };
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve({ stdout: m.stdout, stderr: m.stderr, code: m.code });
    });
    const fail = (why: string) => {
      for (const p of this.pending.values()) p.reject(new Error(`the tool starter ${why}`));
      this.pending.clear();
    };
    this.child.on('error', (e) => fail(`failed: ${e.message}`));
    this.child.on('close', (code) => fail(`exited with ${code}`));
  }

  /** Runs `bin args` with `input` on its standard input; a non-zero exit is returned, a failure to start is thrown. */
  run(
    bin: string,
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; input?: string } = {},
  ): Promise<ToolRun> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request = { id, bin, args, env: options.env ?? goToolEnv(), input: options.input ?? '' };
      this.child.stdin!.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** Ends the starter once its runs are done. */
  close(): void {
    this.child.stdin!.end();
  }
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
