/**
 * The Markdown report of `npm run diff`: a one-line summary, then the changes that need a
 * reviewer's eye first (isolation-relevant objects field by field, and the route table), then
 * every change per environment and Argo CD Application. Every list is capped ("... and N more")
 * and the whole report stays under GitHub's comment size, so a large pull request still gets a
 * readable comment.
 */
import {
  compareOutputs,
  describeId,
  ISOLATION_KINDS,
  type CompareOptions,
  type EnvironmentDiff,
  type FileMap,
  type ObjectChange,
  type OutputDiff,
  type RouteChange,
  type RouteRow,
} from './compare';
import { shortValue, type FieldChange } from './field-diff';
import { type FlowChange, flowChanges, type FlowSource } from './flows';

/** How much of each list is shown. */
export interface ReportLimits {
  /** Isolation-relevant objects shown per environment. @default 25 */
  readonly isolationObjects?: number;
  /** Field changes shown per object. @default 15 */
  readonly fieldsPerObject?: number;
  /** Route changes shown per environment. @default 25 */
  readonly routes?: number;
  /** Objects listed per Application. @default 15 */
  readonly objectsPerApplication?: number;
  /** Applications listed per environment. @default 40 */
  readonly applications?: number;
  /** Other files listed per environment. @default 10 */
  readonly files?: number;
  /** Characters of the whole report (GitHub comments hold 65,536). @default 60000 */
  readonly characters?: number;
  /** Flows opened or closed shown per environment. @default 25 */
  readonly flows?: number;
}

export interface ReportOptions extends CompareOptions {
  /** What the base is, for the heading, such as "`origin/main` (1a2b3c4)". */
  readonly baseTitle?: string;
  /** What the head is, for the heading. @default "the working tree" */
  readonly headTitle?: string;
  readonly limits?: ReportLimits;
  /** Trust domain of each environment: with it, the flows a change opens and closes are listed first. */
  readonly trustDomains?: ReadonlyMap<string, string>;
  /** Each side's whole environment for the flows, when `base` and `head` hold only the changed files. */
  readonly flowSource?: FlowSource;
}

const DEFAULT_LIMITS: Required<ReportLimits> = {
  isolationObjects: 25,
  fieldsPerObject: 15,
  routes: 25,
  objectsPerApplication: 15,
  applications: 40,
  files: 10,
  characters: 60_000,
  flows: 25,
};

/** A Markdown code span that survives backticks in the text. */
export function code(text: string): string {
  const ticks = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The first `limit` lines, then "... and N more <what>". */
function capped(lines: readonly string[], limit: number, what: string, indent = ''): string[] {
  if (lines.length <= limit) return [...lines];
  return [...lines.slice(0, limit), `${indent}- ... and ${lines.length - limit} more ${what}`];
}

/** One field change as a list item. */
export function fieldLine(f: FieldChange): string {
  const p = code(f.path || '(whole value)');
  if (f.change === 'added') return `${p}: added ${code(shortValue(f.after))}`;
  if (f.change === 'removed') return `${p}: removed (was ${code(shortValue(f.before))})`;
  return `${p}: ${code(shortValue(f.before))} → ${code(shortValue(f.after))}`;
}

function objectHeading(o: ObjectChange): string {
  const moved = o.movedFrom ? `, moved from ${code(o.movedFrom)}` : '';
  return `**${o.change}** ${describeId(o)} (Application ${code(o.application)}, ${code(o.file)}${moved})`;
}

function routeSummary(r: RouteRow): string {
  const b = r.backend;
  const backend = b ? ` → ${b.kind ?? '?'} ${b.namespace ?? '?'}/${b.name ?? '?'}${b.port ? `:${b.port}` : ''}` : '';
  const callers = r.callers ? `; callers ${r.callers.map((c) => (c === '*' ? 'any tenant' : c)).join(', ')}` : '';
  return `${r.kind ?? '?'}, owner ${r.owner ?? '?'}${backend}${callers}`;
}

function routeLines(routes: readonly RouteChange[], limits: Required<ReportLimits>): string[] {
  const lines: string[] = [];
  for (const r of routes) {
    if (r.change === 'added') lines.push(`- **added** ${code(r.path)} (${routeSummary(r.after!)})`);
    else if (r.change === 'removed') lines.push(`- **removed** ${code(r.path)} (was ${routeSummary(r.before!)})`);
    else {
      lines.push(`- **changed** ${code(r.path)}:`);
      lines.push(
        ...capped(
          r.fields.map((f) => `  - ${fieldLine(f)}`),
          limits.fieldsPerObject,
          'field changes',
          '  ',
        ),
      );
    }
  }
  return lines;
}

/** Field details of an isolation change (for a Namespace only its labels). */
function isolationLines(o: ObjectChange, limits: Required<ReportLimits>): string[] {
  const lines = [`- ${objectHeading(o)}`];
  if (o.change !== 'changed') return lines;
  const fields = o.kind === 'Namespace' ? o.fields.filter((f) => f.path.startsWith('metadata.labels')) : o.fields;
  lines.push(
    ...capped(
      fields.map((f) => `  - ${fieldLine(f)}`),
      limits.fieldsPerObject,
      'field changes',
      '  ',
    ),
  );
  return lines;
}

/**
 * Added and removed isolation objects, one line per Application and change (a new tenant adds a
 * dozen policies at once; their content is reviewed in the files, their existence here).
 */
function groupedLines(objects: readonly ObjectChange[], limits: Required<ReportLimits>): string[] {
  const groups = new Map<string, ObjectChange[]>();
  for (const o of objects)
    groups.set(`${o.change}\u0000${o.application}`, [...(groups.get(`${o.change}\u0000${o.application}`) ?? []), o]);
  return [...groups.values()].map((g) => {
    const names = g.slice(0, limits.objectsPerApplication).map((o) => describeId(o));
    const more = g.length > names.length ? `, and ${g.length - names.length} more` : '';
    const where = g[0].change === 'added' ? 'added to' : 'removed from';
    return `- **${where}** Application ${code(g[0].application)} (${g.length}): ${names.join(', ')}${more}`;
  });
}

/** Changed field paths of a non-isolation object: the first three, then a count. */
function changedPaths(o: ObjectChange): string {
  if (o.change !== 'changed') return '';
  if (o.fields.length === 0) return ' (only moved)';
  const shown = o.fields.slice(0, 3).map((f) => code(f.path || '(whole value)'));
  return `: ${shown.join(', ')}${o.fields.length > 3 ? ` and ${o.fields.length - 3} more` : ''}`;
}

function counts(objects: readonly ObjectChange[]) {
  return {
    added: objects.filter((o) => o.change === 'added').length,
    removed: objects.filter((o) => o.change === 'removed').length,
    changed: objects.filter((o) => o.change === 'changed').length,
  };
}

function envTitle(e: EnvironmentDiff): string {
  return e.name ? `Environment ${code(e.name)}` : 'Outside the environment directories';
}

/** The summary line of a whole diff (and of the flows it opens and closes, when known). */
export function summaryLine(diff: OutputDiff, flows: readonly FlowChange[] = []): string {
  const all = diff.environments.flatMap((e) => e.objects);
  if (diff.environments.length === 0) return 'No changes in dist/ or argocd/.';
  const c = counts(all);
  const isolation = all.filter((o) => o.isolation).length;
  const routes = diff.environments.reduce((n, e) => n + e.routes.length, 0);
  const files = diff.environments.reduce((n, e) => n + e.files.length + e.textOnly.length, 0);
  const envs = diff.environments.filter((e) => e.name).map((e) => e.name);
  const parts = [
    `${c.added} added, ${c.removed} removed, ${c.changed} changed ${all.length === 1 ? 'object' : 'objects'}`,
  ];
  if (files > 0) parts.push(plural(files, 'other file'));
  const where = envs.length > 0 ? ` in ${envs.join(', ')}` : '';
  const opened = flows.reduce((n, f) => n + f.opened.length, 0);
  const closed = flows.reduce((n, f) => n + f.closed.length, 0);
  const flowPart = opened + closed > 0 ? `${plural(opened, 'flow')} opened and ${closed} closed, ` : '';
  return `${parts.join(' and ')}${where}; ${flowPart}${plural(isolation, 'isolation change')} and ${plural(routes, 'route change')} to review first.`;
}

/** The flows a change opens and closes, per environment. */
function flowLines(flows: readonly FlowChange[], limits: Required<ReportLimits>): string[] {
  const out: string[] = [
    '## Review first: flows opened and closed',
    '',
    'As the flow gate decides them on each side, layer by layer (`npm run validate -- --only flows`).',
    '',
  ];
  for (const f of flows) {
    out.push(`### Environment ${code(f.env)}`, '');
    out.push(
      ...capped(
        f.opened.map((k) => `- **opened** ${k}`),
        limits.flows,
        'opened flows',
      ),
    );
    out.push(
      ...capped(
        f.closed.map((k) => `- **closed** ${k}`),
        limits.flows,
        'closed flows',
      ),
      '',
    );
  }
  return out;
}

/** The isolation objects and routes of one environment, for the section reviewed first. */
function reviewFirstLines(e: EnvironmentDiff, limits: Required<ReportLimits>): string[] {
  const out: string[] = [`### ${envTitle(e)}`, ''];
  const changed = e.objects.filter((o) => o.isolation && o.change === 'changed');
  const whole = e.objects.filter((o) => o.isolation && o.change !== 'changed');
  if (changed.length > 0) {
    const shown = changed.slice(0, limits.isolationObjects);
    for (const o of shown) out.push(...isolationLines(o, limits));
    if (changed.length > shown.length)
      out.push(
        `- ... and ${changed.length - shown.length} more changed isolation objects (listed by Application below)`,
      );
  }
  out.push(
    ...capped(
      groupedLines(whole, limits),
      limits.isolationObjects,
      'Applications with added or removed isolation objects',
    ),
  );
  if (changed.length + whole.length > 0) out.push('');
  if (e.routes.length > 0) {
    out.push(`Routes (${code(`dist/${e.name}/routes.json`)}):`, '');
    out.push(...routeLines(e.routes.slice(0, limits.routes), limits));
    if (e.routes.length > limits.routes) out.push(`- ... and ${e.routes.length - limits.routes} more route changes`);
    out.push('');
  }
  return out;
}

/** Renders a diff as Markdown. */
export function renderReport(diff: OutputDiff, options: ReportOptions = {}, flows: readonly FlowChange[] = []): string {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const out: string[] = ['# Changes to the generated output', ''];
  out.push(`Compared ${options.baseTitle ?? 'the base'} with ${options.headTitle ?? 'the working tree'}.`, '');
  out.push(`**${summaryLine(diff, flows)}**`, '');
  if (flows.length > 0) out.push(...flowLines(flows, limits));

  const flagged = diff.environments.filter((e) => e.routes.length > 0 || e.objects.some((o) => o.isolation));
  if (flagged.length > 0) {
    out.push('## Review first: isolation and routes', '');
    out.push(
      `Isolation-relevant kinds: ${ISOLATION_KINDS.map((k) => k.kind).join(', ')} (Namespaces: label changes only).`,
      '',
    );
    for (const e of flagged) out.push(...reviewFirstLines(e, limits));
  }

  if (diff.environments.length > 0) out.push('## All changes by Application', '');
  for (const e of diff.environments) {
    out.push(`### ${envTitle(e)}`, '');
    const byApp = new Map<string, ObjectChange[]>();
    for (const o of e.objects) byApp.set(o.application, [...(byApp.get(o.application) ?? []), o]);
    const apps = [...byApp.keys()].sort();
    if (apps.length > 0) {
      out.push('| Application | Added | Removed | Changed |', '|---|---:|---:|---:|');
      for (const app of apps.slice(0, limits.applications)) {
        const c = counts(byApp.get(app)!);
        out.push(`| ${code(app)} | ${c.added} | ${c.removed} | ${c.changed} |`);
      }
      if (apps.length > limits.applications) out.push(`| ... and ${apps.length - limits.applications} more | | | |`);
      out.push('');
      for (const app of apps.slice(0, limits.applications)) {
        out.push(`#### ${code(app)}`, '');
        const lines = byApp
          .get(app)!
          .map((o) => `- ${o.change} ${describeId(o)}${o.isolation ? ' (isolation, see above)' : changedPaths(o)}`);
        out.push(...capped(lines, limits.objectsPerApplication, 'objects'), '');
      }
    }
    if (e.routes.length > 0 && !flagged.includes(e))
      out.push(`Routes: ${plural(e.routes.length, 'change')} (see above).`, '');
    if (e.files.length > 0) {
      out.push('Other files:', '');
      out.push(
        ...capped(
          e.files.map((f) => `- ${f.change} ${code(f.file)}`),
          limits.files,
          'files',
        ),
        '',
      );
    }
    if (e.textOnly.length > 0)
      out.push(
        `${plural(e.textOnly.length, 'manifest file')} changed in text only (comments or formatting; their objects are the same).`,
        '',
      );
  }
  return truncate(`${out.join('\n').trimEnd()}\n`, limits.characters);
}

/** Cuts a report at a line boundary below `max` characters, saying so. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const note =
    '\n\n_The report was cut here to fit a pull request comment; run `npm run diff` locally for all of it._\n';
  const cut = text.lastIndexOf('\n', max - note.length);
  return `${text.slice(0, Math.max(cut, 0))}${note}`;
}

/** The pure core of `npm run diff`: two versions of the output in, the Markdown report out. */
export function diffReport(
  base: FileMap,
  head: FileMap,
  options: ReportOptions = {},
): { readonly diff: OutputDiff; readonly flows: readonly FlowChange[]; readonly markdown: string } {
  const diff = compareOutputs(base, head, options);
  const flows = options.trustDomains ? flowChanges(base, head, diff, options.trustDomains, options.flowSource) : [];
  return { diff, flows, markdown: renderReport(diff, options, flows) };
}
