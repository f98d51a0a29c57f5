/**
 * A digest of the code that judges the output: every TypeScript file of scripts/ and charts/,
 * every other source file this process has loaded (generated imports/ among them), and
 * package-lock.json for the libraries. What gates remember is keyed on it, so that a change to a
 * gate, to the compiler's names and rules it reads, or to a library forgets everything they
 * remembered, with nothing to clear by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256 } from './record';

const ROOT = path.resolve(__dirname, '..', '..');

function tsFiles(dir: string, out: string[]): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
}

/**
 * The source files this process runs: those it loaded, or, from a bundle (scripts/launch.cjs),
 * the inputs the bundle's stamp lists.
 */
function loadedSources(root: string): string[] {
  let loaded = Object.keys(require.cache);
  if (__filename.endsWith('.js')) {
    try {
      const stamp = JSON.parse(fs.readFileSync(__filename.replace(/\.js$/, '.json'), 'utf8')) as { inputs: string[] };
      loaded = stamp.inputs.map((f) => path.join(root, f));
    } catch {
      // Not a bundle of launch.cjs: what require.cache holds.
    }
  }
  return loaded.filter((f) => f.startsWith(`${root}/`) && !f.includes('/node_modules/'));
}

let stamp: string | undefined;

/** The code stamp of this repository's gates, computed once per process. */
export function codeStamp(root = ROOT): string {
  if (stamp !== undefined && root === ROOT) return stamp;
  const files: string[] = [];
  tsFiles(path.join(root, 'scripts'), files);
  tsFiles(path.join(root, 'charts'), files);
  for (const f of loadedSources(root)) files.push(f);
  files.push(path.join(root, 'package-lock.json'));
  const lines = [...new Set(files)]
    .filter((f) => fs.existsSync(f))
    .sort()
    .map((f) => `${path.relative(root, f)}\0${sha256(fs.readFileSync(f))}`);
  const s = sha256(lines.join('\n'));
  if (root === ROOT) stamp = s;
  return s;
}
