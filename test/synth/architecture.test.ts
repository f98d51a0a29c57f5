import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateArgoCd } from '../../charts/argocd/generate';
import { type Environment, loadEnvironments } from '../../charts/config/environment';
import { loadInfraOutputs } from '../../charts/config/infra-outputs';
import { loadTenants } from '../../charts/config/load-tenants';
import { buildPlatform } from '../../charts/platform/build';
import { platformComponents } from '../../charts/platform/components';
import { computeWaves } from '../../charts/platform/graph';
import { architectureMarkdown, architecturePage, componentNodeId, label } from '../../charts/synth/architecture';
import { synthesize } from '../../charts/synth/synthesize';
import { infraFor, sampleEnvironment } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const ENVS = loadEnvironments(path.join(ROOT, 'charts', 'environments'));
const TENANTS_TEXT = fs.readFileSync(path.join(ROOT, 'tenants.yaml'), 'utf8');

interface Flowchart {
  readonly direction: string;
  /** Node and subgraph ids with their labels. */
  readonly labels: Map<string, string>;
  /** Subgraph id -> ids declared directly inside it. */
  readonly subgraphs: Map<string, string[]>;
  readonly edges: { from: string; to: string; dotted: boolean }[];
}

/** Words Mermaid's flowchart grammar reserves: a node with such an id breaks the diagram. */
const RESERVED = new Set([
  'end',
  'subgraph',
  'graph',
  'flowchart',
  'style',
  'classdef',
  'class',
  'click',
  'linkstyle',
  'direction',
  'call',
  'href',
]);
const ID = /^[A-Za-z][A-Za-z0-9_]*$/;
const LABEL = /^"([^"]*)"$/;

/**
 * Parses the subset of Mermaid flowchart syntax the generator writes, and refuses anything else:
 * a header, `subgraph id["label"]` ... `end`, `id["label"]`, `a --> b` and `a -.-> b`. Ids must be
 * safe identifiers, labels quoted with no quote, raw `<` (other than <br/>) or bare `#` inside,
 * every edge must join declared ids, and subgraphs must be balanced.
 */
function parseFlowchart(source: string): Flowchart {
  const [header, ...body] = source.split('\n');
  const head = /^flowchart (TB|TD|BT|LR|RL)$/.exec(header);
  if (!head) throw new Error(`bad header ${JSON.stringify(header)}`);
  const labels = new Map<string, string>();
  const subgraphs = new Map<string, string[]>();
  const edges: Flowchart['edges'] = [];
  const stack: string[] = [];
  const declare = (id: string, text: string, line: string) => {
    if (!ID.test(id) || RESERVED.has(id.toLowerCase()))
      throw new Error(`unsafe id ${JSON.stringify(id)} in ${JSON.stringify(line)}`);
    if (labels.has(id)) throw new Error(`id ${id} declared twice`);
    const m = LABEL.exec(text);
    if (!m) throw new Error(`label not quoted, or with a quote inside: ${JSON.stringify(line)}`);
    const inner = m[1].replaceAll('<br/>', '\n');
    if (inner.includes('<') || inner.includes('>')) throw new Error(`raw angle bracket in ${JSON.stringify(line)}`);
    if (/#(?![A-Za-z0-9]+;)/.test(inner)) throw new Error(`bare # in ${JSON.stringify(line)}`);
    labels.set(id, inner);
    if (stack.length > 0) subgraphs.get(stack[stack.length - 1])!.push(id);
  };
  for (const raw of body) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^subgraph ([^[\s]+)\[(.*)\]$/.exec(line))) {
      declare(m[1], m[2], line);
      subgraphs.set(m[1], []);
      stack.push(m[1]);
    } else if (line === 'end') {
      if (stack.length === 0) throw new Error('end without subgraph');
      stack.pop();
    } else if ((m = /^(\S+) (-->|-\.->) (\S+)$/.exec(line))) {
      edges.push({ from: m[1], to: m[3], dotted: m[2] === '-.->' });
    } else if ((m = /^([^[\s]+)\[(.*)\]$/.exec(line))) {
      declare(m[1], m[2], line);
    } else {
      throw new Error(`unexpected line ${JSON.stringify(raw)}`);
    }
  }
  if (stack.length > 0) throw new Error(`subgraph ${stack.join(', ')} has no end`);
  for (const e of edges)
    for (const id of [e.from, e.to]) if (!labels.has(id)) throw new Error(`edge to undeclared ${id}`);
  return { direction: head[1], labels, subgraphs, edges };
}

/** The bodies of the ```mermaid blocks of a Markdown page. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]);
}

function page(env: Environment, tenantsText = TENANTS_TEXT): string {
  const infra = loadInfraOutputs(ROOT, env.name, env);
  return architectureMarkdown(env, buildPlatform({ env, infra, tenants: loadTenants(tenantsText) }));
}

describe('parseFlowchart (the checker the page is held to)', () => {
  it('accepts a well-formed chart and refuses each kind of mistake', () => {
    expect(parseFlowchart('flowchart TB\n  subgraph s["S"]\n    a["A<br/>x"]\n  end\n  a --> s').edges).toEqual([
      { from: 'a', to: 's', dotted: false },
    ]);
    expect(() => parseFlowchart('flowchart TB\n  subgraph s["S"]\n    a["A"]')).toThrow('subgraph s has no end');
    expect(() => parseFlowchart('flowchart TB\n  end')).toThrow('end without subgraph');
    expect(() => parseFlowchart('flowchart TB\n  end["x"]')).toThrow('unsafe id "end"');
    expect(() => parseFlowchart('flowchart TB\n  a-b["x"]')).toThrow('unsafe id "a-b"');
    expect(() => parseFlowchart('flowchart TB\n  a["x"]\n  a --> b')).toThrow('edge to undeclared b');
    expect(() => parseFlowchart('flowchart TB\n  a["say "hi""]')).toThrow('label not quoted, or with a quote inside');
    expect(() => parseFlowchart('flowchart TB\n  a["tenant-<name>"]')).toThrow('raw angle bracket');
    expect(() => parseFlowchart('flowchart TB\n  a["#1"]')).toThrow('bare #');
    expect(() => parseFlowchart('graph TB')).toThrow('bad header');
  });
  it('label() writes what Mermaid would parse as entity codes', () => {
    expect(label('a"b<c>#d', 'e')).toBe('"a#quot;b#lt;c#gt;#35;d<br/>e"');
    expect(() => parseFlowchart(`flowchart TB\n  a[${label('a"b<c>#d', 'e')}]`)).not.toThrow();
  });
});

describe.each([
  ...ENVS.map((e) => [e.name, e] as const),
  [
    'a sample environment',
    sampleEnvironment({
      argocd: { namespace: 'gitops', repoURL: 'https://git.example.test/p.git', targetRevision: 'main' },
    }),
  ] as const,
])('architecture page of %s', (_, env) => {
  const infra = ENVS.includes(env) ? loadInfraOutputs(ROOT, env.name, env) : infraFor([env]).get(env.name)!;
  const markdown = architectureMarkdown(env, buildPlatform({ env, infra, tenants: loadTenants(TENANTS_TEXT) }));
  const blocks = mermaidBlocks(markdown);
  const components = platformComponents(env);
  const waves = computeWaves(components);

  it('holds two well-formed Mermaid flowcharts', () => {
    expect(blocks).toHaveLength(2);
    for (const b of blocks) expect(() => parseFlowchart(b)).not.toThrow();
  });

  it('puts every platform component, and nothing else, in the subgraph of its sync wave', () => {
    const chart = parseFlowchart(blocks[0]);
    const placed = new Map<string, string>();
    for (const [sub, members] of chart.subgraphs) for (const m of members) placed.set(m, sub);
    expect([...placed.keys()].sort()).toEqual(components.map((c) => componentNodeId(c.name)).sort());
    for (const c of components) {
      const id = componentNodeId(c.name);
      expect(placed.get(id), c.name).toBe(`wave_${waves.get(c.name)}`);
      expect(chart.labels.get(id)).toBe(`${c.name}\n${c.namespace}`);
      expect(chart.labels.get(`wave_${waves.get(c.name)}`)).toBe(`Sync wave ${waves.get(c.name)}`);
    }
  });

  it('has exactly one edge per declared dependency, from the dependency to the dependent', () => {
    const chart = parseFlowchart(blocks[0]);
    const expected = components
      .flatMap((c) => c.dependsOn.map((d) => `${componentNodeId(d)} --> ${componentNodeId(c.name)}`))
      .sort();
    expect(chart.edges.map((e) => `${e.from} ${e.dotted ? '-.->' : '-->'} ${e.to}`).sort()).toEqual(expected);
  });

  it('shows the Argo CD objects the generator writes: root, shared projects, ApplicationSets, platform Applications by wave', () => {
    const chart = parseFlowchart(blocks[1]);
    const argo = [...generateArgoCd(env, [], buildPlatform({ env, infra, tenants: [] })).values()];
    const names = (kind: string) =>
      argo
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.name)
        .sort();
    const text = [...chart.labels.values()].join('\n');
    expect(chart.labels.get('root')).toBe(`Application root\nproject bootstrap\nargocd/${env.name}/`);
    for (const p of names('AppProject')) expect(chart.labels.get(`project_${p}`)).toBe(p);
    for (const s of names('ApplicationSet')) expect(chart.labels.get(`set_${s.replaceAll('-', '_')}`)).toBe(s);
    const platformApps = argo.filter((o) => o.kind === 'Application' && o.metadata.name !== 'root');
    expect(platformApps).toHaveLength(components.length);
    for (const a of platformApps) {
      const wave = a.metadata.annotations!['argocd.argoproj.io/sync-wave'];
      expect(chart.labels.get(`wave_${wave}`)!.split('\n'), a.metadata.name).toContain(a.metadata.name);
    }
    expect(chart.subgraphs.get('projects')).toContain('project_per_tenant');
    expect(chart.labels.get('project_per_tenant')).toBe('one each per tenant\nguardrails-*\nnamespace-*\ntenant-*');
    expect(text).toContain(`workloads-*\nproject tenant-*\ndist/${env.name}/tenants/*/workloads`);
  });

  it('lists the waves in a table as well', () => {
    for (const wave of new Set(waves.values())) {
      const row = components
        .filter((c) => waves.get(c.name) === wave)
        .map((c) => `\`${c.name}\``)
        .sort()
        .join(', ');
      expect(markdown).toContain(`| ${wave} | ${row} |`);
    }
  });
});

describe('architecture page and tenants', () => {
  const GAMMA = `  - name: gamma
    alias: gamma-team
    agents:
      - name: helper
        systemMessage: You help.
        expose: true
    sandboxes:
      - name: py
        image: ghcr.io/example/py:1.0.0
`;

  it('names no tenant and does not change when a tenant is added', () => {
    for (const env of ENVS) {
      const before = page(env);
      expect(page(env, `${TENANTS_TEXT}${GAMMA}`)).toBe(before);
      for (const t of loadTenants(TENANTS_TEXT)) expect(before, t.name).not.toMatch(new RegExp(`\\b${t.name}\\b`));
    }
  });

  it('is written by synth as dist/<env>/architecture.md, unchanged by another tenant', () => {
    const tenants = loadTenants(TENANTS_TEXT);
    const a = synthesize({
      environments: ENVS,
      tenants,
      infra: new Map(ENVS.map((e) => [e.name, loadInfraOutputs(ROOT, e.name, e)])),
    });
    const b = synthesize({
      environments: ENVS,
      tenants: loadTenants(`${TENANTS_TEXT}${GAMMA}`),
      infra: new Map(ENVS.map((e) => [e.name, loadInfraOutputs(ROOT, e.name, e)])),
    });
    for (const env of ENVS) {
      const [file, content] = architecturePage(
        env,
        buildPlatform({ env, infra: loadInfraOutputs(ROOT, env.name, env), tenants }),
      );
      expect(file).toBe(`dist/${env.name}/architecture.md`);
      expect(a.get(file)).toBe(content);
      expect(b.get(file)).toBe(content);
    }
  });
});
