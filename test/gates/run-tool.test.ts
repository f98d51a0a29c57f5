/** Starting the gates' tools: from this process (runTool) and from a small starter process (ToolStarter). */
import { describe, expect, it } from 'vitest';
import { goToolEnv, runTool, ToolStarter } from '../../scripts/toolchain/run-tool';

describe('tool starter', () => {
  it('returns what runTool returns: output, errors, exit code; and throws when a tool cannot start', async () => {
    const starter = new ToolStarter();
    try {
      const script = ['-c', 'cat; echo "$GOGC" >&2; exit 3'];
      const input = `${'é'.repeat(100_000)}\nline two\n`;
      const [direct, started] = await Promise.all([
        runTool('/bin/sh', script, { input }),
        starter.run('/bin/sh', script, { input }),
      ]);
      expect(started).toEqual(direct);
      expect(started).toEqual({ stdout: input, stderr: `${goToolEnv().GOGC}\n`, code: 3 });
      // Runs at once answer each its own request.
      const many = await Promise.all([1, 2, 3, 4].map((n) => starter.run('/bin/sh', ['-c', `echo ${n}`])));
      expect(many.map((r) => r.stdout)).toEqual(['1\n', '2\n', '3\n', '4\n']);
      await expect(starter.run('/nonexistent/tool', [])).rejects.toThrow(/ENOENT/);
      await expect(runTool('/nonexistent/tool', [])).rejects.toThrow(/ENOENT/);
    } finally {
      starter.close();
    }
  });
});
