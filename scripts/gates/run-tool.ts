/** Running a gate's tool: stdout, stderr and the exit code, with non-zero codes not thrown. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ToolRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs `bin args`; a non-zero exit is returned, a failure to start is thrown. */
export async function runTool(bin: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ToolRun> {
  try {
    const { stdout, stderr } = await run(bin, [...args], { maxBuffer: 256 << 20, env: options.env ?? process.env, cwd: options.cwd });
    return { stdout, stderr, code: 0 };
  } catch (e: any) {
    if (typeof e.code !== 'number') throw e;
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code };
  }
}
