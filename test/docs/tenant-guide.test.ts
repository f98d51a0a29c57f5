/**
 * The tenant guide cannot go stale: every ```yaml block of docs/tenant-guide.md is a tenants.yaml
 * fragment marked with how it is checked, and goes through the real loader (and the tenant charts):
 *
 *   <!-- tenants.yaml: alone -->             a whole file that loads and compiles
 *   <!-- tenants.yaml: with the examples --> tenants appended to the repository's tenants.yaml; loads and compiles
 *   <!-- tenants.yaml: rejected -->          a whole file the loader refuses with exactly the lines
 *                                            of the ```text block that follows
 *   <!-- tenants.yaml: with a router image --> a whole file that loads and compiles in environments
 *                                            that set platform.images.sandboxRouter (the committed
 *                                            ones set none)
 *
 * The links of every page are checked by pages.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { loadTenants, type Tenant } from '../../charts/config/load-tenants';
import { ConfigError } from '../../charts/config/source-errors';
import { routeSegment } from '../../charts/config/routes';
import { tenantObjects, workloadObjects } from '../../charts/synth/synthesize';

const ROOT = path.resolve(__dirname, '..', '..');
const GUIDE = 'docs/tenant-guide.md';
const EXAMPLES = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8');
const MARKERS = ['alone', 'with the examples', 'rejected', 'with a router image'] as const;
type Marker = (typeof MARKERS)[number];

interface Block {
  readonly info: string;
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The marker comment right above the fence, if any. */
  readonly marker?: string;
}

/** Fenced code blocks of a Markdown text, with the HTML comment on the line above each. */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l === '```');
    if (end < 0) throw new Error(`${GUIDE}:${i + 1}: code block without end`);
    const above = /^<!-- (.*) -->$/.exec(lines[i - 1] ?? '');
    blocks.push({
      info: open[1],
      body: lines.slice(i + 1, end).join('\n'),
      line: i + 1,
      ...(above ? { marker: above[1] } : {}),
    });
    i = end;
  }
  return blocks;
}

/** The fragment's tenant entries appended to the repository's tenants.yaml. */
function withExamples(fragment: string): string {
  const items = fragment.split('\n');
  const start = items.findIndex((l) => l === 'tenants:');
  if (start < 0) throw new Error('a fragment "with the examples" starts with tenants:');
  return `${EXAMPLES.replace(/\n*$/, '\n')}${items.slice(start + 1).join('\n')}\n`;
}

function loaderErrors(text: string): string[] {
  try {
    loadTenants(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  return [];
}

const ENVS = loadEnvironments(path.join(ROOT, 'charts', 'environments'));

/** Compiles every tenant of a file in every environment, as synth would. */
function compile(tenants: readonly Tenant[], envs = ENVS): number {
  let objects = 0;
  const segments = new Map(tenants.map((t) => [t.name, routeSegment(t)]));
  for (const env of envs) {
    const infra = loadInfraOutputs(ROOT, env.name, env);
    for (const t of tenants) objects += tenantObjects(t, env, infra).length + workloadObjects(t, env, segments).length;
  }
  return objects;
}

const guide = fs.readFileSync(path.join(ROOT, GUIDE), 'utf8');
const blocks = fencedBlocks(guide);
const yamlBlocks = blocks.filter((b) => b.info === 'yaml');

describe(GUIDE, () => {
  it('marks every yaml block with how it is checked', () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(10);
    for (const b of yamlBlocks)
      expect(
        MARKERS.map((m) => `tenants.yaml: ${m}`),
        `${GUIDE}:${b.line}`,
      ).toContain(b.marker);
    for (const m of MARKERS)
      expect(
        yamlBlocks.some((b) => b.marker === `tenants.yaml: ${m}`),
        m,
      ).toBe(true);
    // A marker on anything but a yaml block would check nothing.
    for (const b of blocks.filter((x) => x.info !== 'yaml'))
      expect(b.marker?.startsWith('tenants.yaml'), `${GUIDE}:${b.line}`).not.toBe(true);
  });

  const byMarker = (m: Marker) => yamlBlocks.filter((b) => b.marker === `tenants.yaml: ${m}`);

  for (const b of byMarker('alone')) {
    it(`line ${b.line}: loads alone and compiles`, () => {
      expect(loaderErrors(b.body)).toEqual([]);
      expect(compile(loadTenants(b.body))).toBeGreaterThan(0);
    });
  }

  for (const b of byMarker('with a router image')) {
    it(`line ${b.line}: loads alone and compiles where the environments set the sandbox router's image`, () => {
      expect(loaderErrors(b.body)).toEqual([]);
      const without = ENVS.map((e) => {
        const { sandboxRouter: _, ...images } = e.platform.images;
        return { ...e, platform: { ...e.platform, images } };
      });
      expect(() => compile(loadTenants(b.body), without)).toThrow('sandboxRouter needs platform.images.sandboxRouter');
      expect(ENVS.every((e) => e.platform.images.sandboxRouter !== undefined)).toBe(true);
      expect(compile(loadTenants(b.body))).toBeGreaterThan(0);
    });
  }

  for (const b of byMarker('with the examples')) {
    it(`line ${b.line}: loads and compiles next to the example tenants`, () => {
      const text = withExamples(b.body);
      expect(loaderErrors(text)).toEqual([]);
      const tenants = loadTenants(text);
      expect(tenants.length).toBe(loadTenants(EXAMPLES).length + loadTenants(b.body).length);
      expect(compile(tenants.slice(loadTenants(EXAMPLES).length))).toBeGreaterThan(0);
    });
  }

  for (const b of byMarker('rejected')) {
    it(`line ${b.line}: is rejected with exactly the errors the guide shows`, () => {
      const next = blocks[blocks.indexOf(b) + 1];
      expect(next?.info, `${GUIDE}:${b.line}: a rejected fragment is followed by a text block of its errors`).toBe(
        'text',
      );
      expect(
        guide
          .split('\n')
          .slice(b.line + b.body.split('\n').length + 1, next.line - 1)
          .every((l) => l.trim() === ''),
        'only blank lines between the two blocks',
      ).toBe(true);
      expect(loaderErrors(b.body)).toEqual(next.body.split('\n'));
    });
  }
});

describe('fencedBlocks and withExamples (what the checks above rely on)', () => {
  it('finds blocks with their markers and line numbers', () => {
    const md = 'text\n<!-- tenants.yaml: alone -->\n```yaml\ntenants: []\n```\n\n```text\nout\n```\n';
    expect(fencedBlocks(md)).toEqual([
      { info: 'yaml', body: 'tenants: []', line: 3, marker: 'tenants.yaml: alone' },
      { info: 'text', body: 'out', line: 7 },
    ]);
  });
  it('appends the entries of a fragment to the example tenants, so a clash with them is caught', () => {
    const clash = withExamples('tenants:\n  - name: alpha\n');
    expect(loaderErrors(clash).some((l) => l.includes('duplicate tenant name "alpha"'))).toBe(true);
  });
});
