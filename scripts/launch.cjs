#!/usr/bin/env node
/**
 * Runs a TypeScript command from a cached single-file bundle:
 *
 *   node scripts/launch.cjs charts/main.ts [args...]
 *
 * Loading the compiler from its TypeScript sources costs about 0.7 s per process (and per worker
 * thread) in transpiling and module resolution; the bundle loads in about 0.1 s. The bundle is
 * rebuilt with esbuild, in well under a second, whenever any file it was built from changed (size
 * or modification time), or esbuild or Node.js changed; it lives in node_modules/.cache, so
 * `npm ci` starts afresh. The entry module must export `main(argv): Promise<number>`, the exit
 * code, and only run itself when it is the main module of the main thread.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'agentic-platform');

/** What a bundle was built from: every input file's size and modification time, and the tools. */
function fingerprint(inputs) {
  const esbuildVersion = require('esbuild/package.json').version;
  const files = [];
  for (const rel of inputs) {
    let st;
    try {
      st = fs.statSync(path.join(ROOT, rel));
    } catch {
      return undefined; // an input is gone: rebuild
    }
    files.push([rel, st.size, st.mtimeMs]);
  }
  return JSON.stringify({ node: process.version, esbuild: esbuildVersion, files });
}

/** The stamp of a bundle that is up to date, or undefined. */
function fresh(bundle, stamp) {
  try {
    const recorded = JSON.parse(fs.readFileSync(stamp, 'utf8'));
    return fs.existsSync(bundle) && recorded.digest && fingerprint(recorded.inputs) === recorded.fingerprint
      ? recorded
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `__dirname` in this checkout's TypeScript is the source file's folder, as when run from sources,
 * so that paths computed from it (the repository root, .tools) hold in the bundle too.
 * (`__filename` stays the running file: synth starts its workers from it.)
 */
const sourceDirs = {
  name: 'source-dirs',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(`${ROOT}/`) || args.path.includes('/node_modules/')) return undefined;
      const text = fs.readFileSync(args.path, 'utf8');
      return {
        contents: text.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path))),
        loader: 'ts',
      };
    });
  },
};

async function build(entry, bundle, stamp) {
  const esbuild = require('esbuild');
  fs.mkdirSync(CACHE, { recursive: true });
  const result = await esbuild.build({
    plugins: [sourceDirs],
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    outfile: bundle,
    // A separate map, read only with --enable-source-maps: an inline one makes the bundle 30 MB.
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  // Each file is written under a temporary name and renamed, so that a concurrent run never
  // loads half a bundle.
  for (const out of result.outputFiles) {
    const tmp = `${out.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out.contents);
    fs.renameSync(tmp, out.path);
  }
  const inputs = Object.keys(result.metafile.inputs).sort();
  // The content digest of the bundle names the compiler in the synth record (charts/synth/record.ts).
  const code = result.outputFiles.find((o) => o.path === bundle);
  const digest = require('node:crypto').createHash('sha256').update(code.contents).digest('hex');
  const recorded = { inputs, fingerprint: fingerprint(inputs), digest };
  fs.writeFileSync(`${stamp}.${process.pid}.tmp`, JSON.stringify(recorded));
  fs.renameSync(`${stamp}.${process.pid}.tmp`, stamp);
  return recorded;
}

/**
 * Loads the bundle as require() would, with V8's code cache beside it: the functions that ran
 * before are compiled once, not on every start. A cache V8 rejects (another bundle or another V8)
 * is written again after the run.
 */
function loadBundle(bundle) {
  const vm = require('node:vm');
  const Module = require('node:module');
  const cacheFile = `${bundle}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // First run of this bundle: written after it.
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  require.cache[bundle] = mod;
  script.runInThisContext()(mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  return {
    exports: mod.exports,
    /** Keeps the cache when there was none, V8 rejected it, or this run compiled much more. */
    saveCache() {
      try {
        const data = script.createCachedData();
        if (cachedData && !script.cachedDataRejected && data.length < cachedData.length * 1.05) return;
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, cacheFile);
      } catch {
        // Unsaved: the next run compiles again.
      }
    },
  };
}

async function main() {
  const entry = process.argv[2];
  if (!entry || !entry.endsWith('.ts')) {
    console.error('usage: node scripts/launch.cjs <entry.ts> [args...]');
    process.exit(2);
  }
  // Named after the checkout too: checkouts that share node_modules (linked worktrees) must never
  // run, or start workers from, each other's bundles.
  const checkout = require('node:crypto').createHash('sha256').update(ROOT).digest('hex').slice(0, 8);
  const name = `${entry.replace(/\.ts$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-${checkout}`;
  const bundle = path.join(CACHE, `${name}.js`);
  const stamp = path.join(CACHE, `${name}.json`);
  const recorded = fresh(bundle, stamp) ?? (await build(entry, bundle, stamp));
  process.env.AGENTIC_PLATFORM_COMPILER_DIGEST = recorded.digest;
  const args = process.argv.slice(3);
  process.argv = [process.argv[0], bundle, ...args];
  const loaded = loadBundle(bundle);
  const mod = loaded.exports;
  if (typeof mod.main !== 'function') {
    console.error(`${entry} exports no main(argv) function`);
    process.exit(2);
  }
  Promise.resolve(mod.main(args)).then(
    (code) => {
      process.exitCode = typeof code === 'number' ? code : 0;
      loaded.saveCache();
    },
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
