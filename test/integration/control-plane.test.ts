/**
 * The control plane's lifecycle: it is stopped, and its temporary directory removed, by stop(),
 * when the process that started it is interrupted, and when that process is killed outright.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../scripts/kube/apply';
import { startControlPlane } from '../../scripts/integration/control-plane';
import { ROOT } from '../gates/fixture';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const pidsOf = (dir: string) => fs.readFileSync(path.join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);

/** Resolves once `done()` holds, polling every 200 ms; rejects after `seconds`. */
async function eventually(what: string, done: () => boolean, seconds = 20): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${seconds}s: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts `npm run control-plane` as a child and resolves its process and the control plane's directory. */
function startCli(): Promise<{ child: ReturnType<typeof spawn>; dir: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts/cli/control-plane.ts'), '--no-crds'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /export KUBECONFIG=(.+)\/kubeconfig\n/.exec(out);
      if (m) resolve({ child, dir: m[1] });
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => reject(new Error(`control-plane CLI exited with ${code} before it was ready:\n${out}`)));
  });
}

describe('control plane lifecycle', () => {
  it('serves the admin and stops every process and removes its directory on stop()', async () => {
    const cp = await startControlPlane();
    const pids = pidsOf(cp.dir);
    expect(pids.length).toBe(3);
    const who = await kubectl(cp, [
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username} {.status.userInfo.groups}',
    ]);
    expect(who.stdout).toBe('integration-admin ["system:masters","system:authenticated"]');
    await cp.stop();
    expect(pids.filter(alive)).toEqual([]);
    expect(fs.existsSync(cp.dir)).toBe(false);
  });

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`is stopped when the process that started it gets ${signal}`, async () => {
      const { child, dir } = await startCli();
      const pids = pidsOf(dir);
      expect(pids.filter(alive).length).toBe(3);
      const exited = new Promise((r) => child.on('exit', r));
      child.kill(signal);
      await exited;
      await eventually('etcd, kube-apiserver and kube-controller-manager gone', () => pids.filter(alive).length === 0);
      await eventually(`${dir} removed`, () => !fs.existsSync(dir));
    });
  }
});
