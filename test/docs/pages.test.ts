/**
 * The Markdown pages stay connected: every relative link of every page (hand-written and generated)
 * points at a file and heading that exist; every `docs/<page>.md, "<heading>"` that a command prints
 * or a source comment names is a heading of that page; and the README stays a front door of at most
 * 200 lines whose command table has one row per npm script of package.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as '-'. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The text of every heading outside code blocks, backticks removed. */
function headingTexts(markdown: string): string[] {
  let open = false;
  const texts: string[] = [];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) open = !open;
    else if (!open && /^#{1,6} /.test(line)) texts.push(line.replace(/^#+ /, '').replaceAll('`', ''));
  }
  return texts;
}

function headings(markdown: string): Set<string> {
  return new Set(headingTexts(markdown).map(anchor));
}

/** Every Markdown file of the repository, generated output included, as paths relative to ROOT. */
function markdownFiles(dir = ''): string[] {
  const skip = new Set(['node_modules', 'imports']);
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((e) => {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) return e.name.startsWith('.') || skip.has(e.name) ? [] : markdownFiles(rel);
      return e.isFile() && e.name.endsWith('.md') ? [rel] : [];
    })
    .sort();
}

/** Relative links of a page that name no file or heading, as "<link>". */
function brokenLinks(page: string, text: string, read: (file: string) => string | undefined): string[] {
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
  return links.filter((link) => {
    const [file, hash] = link.split('#');
    const target = file === '' ? page : path.normalize(path.join(path.dirname(page), file));
    const content = read(target);
    if (content === undefined) return true;
    return hash !== undefined && target.endsWith('.md') && !headings(content).has(hash);
  });
}

function readRoot(file: string): string | undefined {
  const full = path.join(ROOT, file);
  if (!fs.existsSync(full)) return undefined;
  return fs.statSync(full).isFile() ? fs.readFileSync(full, 'utf8') : '';
}

/** `docs/<page>.md, "<heading>"` and `README, "<heading>"` references in a source text. */
function sectionReferences(text: string): { file: string; heading: string }[] {
  return [...text.matchAll(/(?<![\w/.-])(README(?:\.md)?|docs\/[\w-]+\.md),? \(?"([^"]+)"/g)].map((m) => ({
    file: m[1].startsWith('README') ? 'README.md' : m[1],
    heading: m[2],
  }));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return /\.(ts|cjs)$/.test(e.name) ? [rel] : [];
  });
}

describe('links of the documentation', () => {
  const pages = markdownFiles();
  it('finds the hand-written and the generated pages', () => {
    const expected = ['README.md', 'docs/README.md', 'docs/tenant-guide.md', 'docs/operator-runbook.md'];
    expected.push('docs/architecture.md', 'docs/testing.md', 'docs/benchmarks.md', 'cluster/README.md');
    expected.push('dist/dev/architecture.md', 'dist/dev/tenants/README.md', 'argocd/dev/README.md');
    expect(pages).toEqual(expect.arrayContaining(expected));
  });
  for (const page of pages) {
    it(`${page}: every relative link points at an existing file and heading`, () => {
      expect(brokenLinks(page, fs.readFileSync(path.join(ROOT, page), 'utf8'), readRoot)).toEqual([]);
    });
  }
  it('catches a link to a missing file and to a missing heading (planted)', () => {
    const text = '[a](docs/testing.md#integration-tier) [b](docs/nothing.md) [c](docs/testing.md#no-such-part)';
    expect(brokenLinks('README.md', text, readRoot)).toEqual(['docs/nothing.md', 'docs/testing.md#no-such-part']);
  });
});

describe('sections that commands and sources point to', () => {
  const refs = ['charts', 'scripts', 'cluster']
    .flatMap(sourceFiles)
    .flatMap((file) =>
      sectionReferences(fs.readFileSync(path.join(ROOT, file), 'utf8')).map((r) => ({ ...r, source: file })),
    );
  it('finds the references', () => {
    expect(refs.map((r) => `${r.file}, "${r.heading}"`)).toEqual(
      expect.arrayContaining([
        'docs/operator-runbook.md, "Offboard a tenant"',
        'docs/tenant-guide.md, "9. Limits and quota"',
      ]),
    );
  });
  it('names a heading of an existing page in each', () => {
    const missing = refs.filter((r) => !headingTexts(readRoot(r.file) ?? '').includes(r.heading));
    expect(missing.map((r) => `${r.source}: ${r.file}, "${r.heading}"`)).toEqual([]);
  });
  it('reads README and docs references, not upstream ones (planted)', () => {
    const text =
      'see (README, "Adding a tenant") and docs/operator-runbook.md "Gone"; autoscaler/README.md, "Releases"';
    expect(sectionReferences(text)).toEqual([
      { file: 'README.md', heading: 'Adding a tenant' },
      { file: 'docs/operator-runbook.md', heading: 'Gone' },
    ]);
    expect(headingTexts(readRoot('README.md')!)).not.toContain('Adding a tenant');
  });
});

describe('README.md', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as object);

  /** The npm script each row of the command table runs, from its first cell. */
  function commandRows(markdown: string): string[] {
    const section = markdown.slice(markdown.indexOf('## Commands'));
    return [...section.matchAll(/^\| `npm (?:run ([\w:-]+)|(test))[ `]/gm)].map((m) => m[1] ?? m[2]);
  }

  it('is a front door of at most 200 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  });
  it('keeps the two set-up commands', () => {
    expect(readme).toMatch(/^```sh\nnpm ci && npm run synth +#[^\n]*\nnpm test +#[^\n]*\n```$/m);
  });
  it('has one row per npm script in its command table, and no other', () => {
    expect(commandRows(readme).sort()).toEqual([...scripts].sort());
  });
  it('catches a script without a row and a row without a script (planted)', () => {
    const table = '## Commands\n\n| Command | What |\n|---|---|\n| `npm test` | x |\n| `npm run gone -- <a>` | y |\n';
    expect(commandRows(table)).toEqual(['test', 'gone']);
    expect(commandRows(table).sort()).not.toEqual([...scripts].sort());
  });
});
