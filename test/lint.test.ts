/**
 * npm run lint (part of npm test) with the project's own configuration: planted faults are reported,
 * and Prettier checks every TypeScript file it is meant to check.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

/** The rule ids ESLint reports for a text placed at `file` (repository-relative). */
async function lint(file: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(ROOT, file) });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

describe('lint', () => {
  it('runs before the tests in npm test', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.test).toMatch(/npm run lint && .*vitest run$/);
    expect(scripts.lint).toMatch(/^prettier --check .* && eslint /);
  });

  it('reports an over-long comment and an explicit any in scripts/, and accepts the same code cleaned up', async () => {
    const comment = `// ${'word '.repeat(30)}`;
    expect(await lint('scripts/planted.ts', `${comment}\nexport const x = 1 as any;\n`)).toEqual([
      'max-len',
      '@typescript-eslint/no-explicit-any',
    ]);
    expect(await lint('scripts/planted.ts', '// A short comment.\nexport const x: number = 1;\n')).toEqual([]);
    // A long string is not a long line (ignoreStrings): messages stay whole so that they can be searched for.
    expect(await lint('scripts/planted.ts', `export const s = '${'x'.repeat(200)}';\n`)).toEqual([]);
  });

  it('reports a function of more than 80 lines in charts/, scripts/ and cluster/, not counting blank and comment lines', async () => {
    const fn = (n: number) =>
      `export function f(): number {\n  let x = 0;\n${'  x++;\n\n  // c\n'.repeat(n)}  return x;\n}\n`;
    expect(await lint('scripts/planted.ts', fn(76))).toEqual([]);
    expect(await lint('scripts/planted.ts', fn(77))).toEqual(['max-lines-per-function']);
    expect(await lint('cluster/planted.ts', fn(77))).toEqual(['max-lines-per-function']);
    expect(await lint('charts/config/planted.ts', fn(77))).toEqual(['max-lines-per-function']);
    expect(await lint('charts/platform/constructs/planted.ts', fn(77))).toEqual(['max-lines-per-function']);
  });

  it('allows any in test files only', async () => {
    expect(await lint('test/planted.test.ts', 'export const x = 1 as any;\n')).toEqual([]);
    expect(await lint('charts/planted.ts', 'export const x = 1 as any;\n')).toEqual([
      '@typescript-eslint/no-explicit-any',
    ]);
  });

  it('reads .cjs files as CommonJS with Node globals, and still finds an undefined name', async () => {
    const clean = "'use strict';\nconst fs = require('node:fs');\nfs.writeFileSync(process.argv[2], __dirname);\n";
    expect(await lint('scripts/planted.cjs', clean)).toEqual([]);
    expect(await lint('scripts/planted.cjs', `${clean}undefinedName();\n`)).toEqual(['no-undef']);
  });

  it('has Prettier report a badly formatted file with the project settings', async () => {
    const file = path.join(ROOT, 'charts/argocd/planted.ts');
    const options = { ...(await prettier.resolveConfig(file)), filepath: file };
    expect(options.printWidth).toBe(120);
    const good = "export const a = { b: 'c' };\n";
    expect(await prettier.check(good, options)).toBe(true);
    expect(await prettier.check('export const a = {b:"c"}\n', options)).toBe(false);
  });

  it('has Prettier check every TypeScript file of charts/, scripts/, cluster/ and test/ but one, not the output', async () => {
    const ignorePath = path.join(ROOT, '.prettierignore');
    const ignored = async (rel: string) => (await prettier.getFileInfo(path.join(ROOT, rel), { ignorePath })).ignored;
    const files = ['charts', 'scripts', 'cluster', 'test'].flatMap((dir) =>
      fs
        .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => path.join(dir, f)),
    );
    // A folder named like an output folder (charts/argocd, test/argocd) is source, not output.
    expect(files).toContain(path.join('charts', 'argocd', 'generate.ts'));
    const skipped = [];
    for (const f of files) if (await ignored(f)) skipped.push(f);
    // The one exception, named in .prettierignore: its pin lines stay whole for the gitleaks allowlist.
    expect(skipped).toEqual([path.join('scripts', 'upstream', 'sources.ts')]);
    for (const out of ['dist/dev/x.ts', 'argocd/dev/x.ts', 'imports/x.ts']) expect(await ignored(out)).toBe(true);
  });
});
