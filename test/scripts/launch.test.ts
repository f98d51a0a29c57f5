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
  /** The bundles of the entry in the shared cache: one per checkout, named after it. */
  const bundles = () => fs.readdirSync(cache).filter((f) => new RegExp(`^${entry}-[0-9a-f]{8}\\.js$`).test(f));
  const bundle = () => {
    expect(bundles()).toHaveLength(1);
    return path.join(cache, bundles()[0]);
  };

  /** Runs a one-off entry of the scratch project and returns what it printed; its bundle is removed. */
  const probe = (name: string, source: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ts`), source);
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'launch.cjs'), `${name}.ts`], {
      cwd: dir,
      encoding: 'utf8',
    });
    for (const f of fs.readdirSync(cache).filter((f) => f.startsWith(`${name}-`))) fs.rmSync(path.join(cache, f));
    return r.stdout;
  };

  it('runs the entry from a bundle, passes the arguments and exits with its code', () => {
    fs.writeFileSync(path.join(dir, 'dep.ts'), "export const word: string = 'first';\n");
    fs.writeFileSync(
      path.join(dir, `${entry}.ts`),
      "import { word } from './dep';\nexport function main(argv: string[]): number {\n  console.log(`${word} ${argv.join(',')}`);\n  return argv.length;\n}\n",
    );
    const r = run('a', 'b');
    expect(r.stdout).toBe('first a,b\n');
    expect(r.status).toBe(2);
    expect(fs.existsSync(bundle())).toBe(true);
    expect(fs.existsSync(`${bundle()}.map`), 'the source map is a file of its own').toBe(true);
  });

  it("keeps V8's code cache beside the bundle; a damaged one is rejected, the run unchanged, and written again", () => {
    const cacheFile = `${bundle()}.v8cache`;
    expect(fs.existsSync(cacheFile), 'written after the first run').toBe(true);
    expect(run('c').stdout).toBe('first c\n');
    fs.writeFileSync(cacheFile, 'not a code cache');
    expect(run('d').stdout).toBe('first d\n');
    expect(fs.readFileSync(cacheFile, 'utf8')).not.toBe('not a code cache');
  });

  it('rebuilds when a file the bundle was built from changes, and only then', () => {
    const stamp = () => fs.statSync(bundle()).mtimeMs;
    const before = stamp();
    expect(run().stdout).toBe('first \n');
    expect(stamp(), 'unchanged inputs reuse the bundle').toBe(before);
    fs.writeFileSync(path.join(dir, 'dep.ts'), "export const word: string = 'second';\n");
    expect(run('x').stdout).toBe('second x\n');
  });

  // The synth record keys every unit on the compiler's digest (charts/synth/record.ts).
  it("passes the digest of the bundle's content to the entry, which changes with the code only", () => {
    const digestOf = () =>
      probe(
        'probe',
        "import { word } from './dep';\nexport function main(): number {\n  console.log(word, process.env.AGENTIC_PLATFORM_COMPILER_DIGEST);\n  return 0;\n}\n",
      )
        .trim()
        .split(' ')[1];
    const first = digestOf();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(digestOf(), 'the same code, the same digest').toBe(first);
    fs.writeFileSync(path.join(dir, 'dep.ts'), "export const word: string = 'third';\n");
    expect(digestOf()).not.toBe(first);
  });

  it('gives another checkout sharing node_modules a bundle of its own, built from its own sources', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'launch-'));
    try {
      fs.mkdirSync(path.join(other, 'scripts'));
      fs.copyFileSync(path.join(dir, 'scripts', 'launch.cjs'), path.join(other, 'scripts', 'launch.cjs'));
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(other, 'node_modules'));
      fs.copyFileSync(path.join(dir, `${entry}.ts`), path.join(other, `${entry}.ts`));
      fs.writeFileSync(path.join(other, 'dep.ts'), "export const word: string = 'other';\n");
      const r = spawnSync(process.execPath, [path.join(other, 'scripts', 'launch.cjs'), `${entry}.ts`], {
        cwd: other,
        encoding: 'utf8',
      });
      expect(r.stdout).toBe('other \n');
      expect(bundles()).toHaveLength(2);
      expect(run('y').stdout, 'the first checkout still runs its own code').toBe('third y\n');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it("keeps __dirname of the checkout's sources their own folder, so paths from it hold in the bundle", () => {
    fs.mkdirSync(path.join(dir, 'lib', 'deep'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'lib', 'deep', 'where.ts'),
      "import * as path from 'node:path';\nexport const root = path.resolve(__dirname, '..', '..');\n",
    );
    const printed = probe(
      'where-probe',
      "import { root } from './lib/deep/where';\nexport function main(): number {\n  console.log(root, __dirname, __filename.endsWith('.js'));\n  return 0;\n}\n",
    );
    // __filename stays the bundle: synth starts its workers from it (charts/synth/parallel.ts).
    expect(printed).toBe(`${dir} ${dir} true\n`);
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
