import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

describe('scripts/launch.cjs', () => {
  // A scratch project: the launcher, node_modules (for esbuild) and an entry with a dependency.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launch-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'launch.cjs'), path.join(dir, 'scripts', 'launch.cjs'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const entry = `entry-${process.pid}`;
  const cache = path.join(ROOT, 'node_modules', '.cache', 'agentic-platform');
  afterAll(() => {
    for (const f of fs.readdirSync(cache).filter((f) => f.startsWith(entry))) fs.rmSync(path.join(cache, f));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(dir, 'scripts', 'launch.cjs'), `${entry}.ts`, ...args], {
      cwd: dir,
      encoding: 'utf8',
    });

  it('runs the entry from a bundle, passes the arguments and exits with its code', () => {
    fs.writeFileSync(path.join(dir, 'dep.ts'), "export const word: string = 'first';\n");
    fs.writeFileSync(
      path.join(dir, `${entry}.ts`),
      "import { word } from './dep';\nexport function main(argv: string[]): number {\n  console.log(`${word} ${argv.join(',')}`);\n  return argv.length;\n}\n",
    );
    const r = run('a', 'b');
    expect(r.stdout).toBe('first a,b\n');
    expect(r.status).toBe(2);
    expect(fs.existsSync(path.join(cache, `${entry}.js`))).toBe(true);
    expect(fs.existsSync(path.join(cache, `${entry}.js.map`)), 'the source map is a file of its own').toBe(true);
  });

  it('rebuilds when a file the bundle was built from changes, and only then', () => {
    const stamp = () => fs.statSync(path.join(cache, `${entry}.js`)).mtimeMs;
    const before = stamp();
    expect(run().stdout).toBe('first \n');
    expect(stamp(), 'unchanged inputs reuse the bundle').toBe(before);
    fs.writeFileSync(path.join(dir, 'dep.ts'), "export const word: string = 'second';\n");
    expect(run('x').stdout).toBe('second x\n');
  });

  it('refuses an entry that is not TypeScript, and one that exports no main', () => {
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'launch.cjs'), 'x.js'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('usage: node scripts/launch.cjs <entry.ts> [args...]\n');
    fs.writeFileSync(path.join(dir, `${entry}.ts`), 'export const nothing = 1;\n');
    const r2 = run();
    expect(r2.status).toBe(2);
    expect(r2.stderr).toBe(`${entry}.ts exports no main(argv) function\n`);
  });
});
