import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadTenants } from '../../charts/config/load-tenants';
import { UserError } from '../../scripts/lib/cli';
import { addTenantEntry, removeTenantEntry } from '../../scripts/tenant/edit';

const EXAMPLE = fs.readFileSync(path.resolve(__dirname, '..', '..', 'tenants.yaml'), 'utf8');

/** The comment lines of a text, trimmed, in order. */
const comments = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trimStart().startsWith('#'))
    .map((l) => l.trim());

/** Whether `sub` occurs in `all` in the same order (not necessarily adjacent). */
function inOrder(all: readonly string[], sub: readonly string[]): boolean {
  let i = 0;
  for (const x of all) if (i < sub.length && x === sub[i]) i++;
  return i === sub.length;
}

describe('addTenantEntry', () => {
  const gamma = {
    name: 'gamma',
    displayName: 'Team Gamma',
    description: 'Forecasting agents.',
    owners: [{ kind: 'Group' as const, name: 'gamma-admins' }],
    quota: { 'requests.cpu': '12', pods: 30 },
    limits: { default: { cpu: '300m', memory: '512Mi' } },
    alias: 'forecast',
  };

  it('appends the entry after the last one, in the style of the others, and changes no byte before it', () => {
    const out = addTenantEntry(EXAMPLE, gamma, { comment: 'Forecasting: a bigger CPU quota and a route alias.' });
    expect(out).toBe(
      `${EXAMPLE}
  # Forecasting: a bigger CPU quota and a route alias.
  - name: gamma
    displayName: Team Gamma
    description: Forecasting agents.
    owners:
      - kind: Group
        name: gamma-admins
    quota:
      requests.cpu: "12"
      pods: 30
    limits:
      default:
        cpu: 300m
        memory: 512Mi
    alias: forecast
`,
    );
    expect(inOrder(comments(out), comments(EXAMPLE))).toBe(true);
    expect(loadTenants(out).map((t) => t.name)).toEqual(['alpha', 'beta', 'research', 'gamma']);
    expect(loadTenants(out)[3].quota['requests.cpu']).toBe('12');
  });

  it('writes only the name when no option is given, and no blank line where the entries have none', () => {
    const text = '# registry\ntenants:\n  - name: alpha\n  - name: beta\n';
    expect(addTenantEntry(text, { name: 'gamma' })).toBe(
      '# registry\ntenants:\n  - name: alpha\n  - name: beta\n  - name: gamma\n',
    );
  });

  it('follows a file that does not indent lists below their key', () => {
    const text = 'tenants:\n- name: alpha\n  owners:\n  - kind: Group\n    name: a\n';
    expect(addTenantEntry(text, { name: 'beta', owners: [{ kind: 'User', name: 'b@example.com' }] })).toBe(
      `${text}- name: beta\n  owners:\n  - kind: User\n    name: b@example.com\n`,
    );
  });

  it('keeps comments after the last entry below the new one', () => {
    const text = 'tenants:\n  - name: alpha\n    # about alpha\n# end of the registry\n';
    expect(addTenantEntry(text, { name: 'beta' })).toBe(
      'tenants:\n  - name: alpha\n    # about alpha\n  - name: beta\n# end of the registry\n',
    );
  });

  it('turns an empty list into a block list, keeping a comment on the tenants line', () => {
    expect(addTenantEntry('tenants: []  # none yet\n', { name: 'alpha' })).toBe(
      'tenants: # none yet\n  - name: alpha\n',
    );
    expect(addTenantEntry('tenants:\n', { name: 'alpha' })).toBe('tenants:\n  - name: alpha\n');
    expect(addTenantEntry('tenants: []', { name: 'alpha' })).toBe('tenants:\n  - name: alpha\n');
  });

  it('keeps Windows line endings', () => {
    const text = 'tenants:\r\n  - name: alpha\r\n';
    expect(addTenantEntry(text, { name: 'beta', displayName: 'B' })).toBe(
      'tenants:\r\n  - name: alpha\r\n  - name: beta\r\n    displayName: B\r\n',
    );
  });

  it('quotes what YAML would otherwise read as another type', () => {
    const out = addTenantEntry('tenants:\n  - name: alpha\n', {
      name: 'beta',
      displayName: 'true',
      description: 'a: b # c',
    });
    expect(parse(out).tenants[1]).toEqual({ name: 'beta', displayName: 'true', description: 'a: b # c' });
  });

  it('refuses a name that exists, a multi-line comment and lists it cannot edit in place', () => {
    expect(() => addTenantEntry(EXAMPLE, { name: 'beta' })).toThrow(
      new UserError('"beta" already exists in tenants.yaml (line 52); choose another name'),
    );
    expect(() => addTenantEntry(EXAMPLE, { name: 'gamma' }, { comment: 'two\nlines' })).toThrow(
      new UserError('--comment must be one line'),
    );
    expect(() => addTenantEntry('tenants: [{name: alpha}]\n', { name: 'beta' })).toThrow(
      new UserError(
        'tenants.yaml: tenants is a flow list ([...]); write it as a block list (- name: ...) to edit it with this command',
      ),
    );
    expect(() => addTenantEntry('teams: []\n', { name: 'beta' }, { file: 'x.yaml' })).toThrow(
      new UserError('x.yaml has no tenants: list; start it with `tenants:`'),
    );
    expect(() => addTenantEntry('tenants: {}\n', { name: 'beta' })).toThrow(
      new UserError('tenants.yaml: tenants is not a list; write it as `tenants:` followed by `- name: ...` entries'),
    );
    expect(() => addTenantEntry('tenants: [\n', { name: 'beta' })).toThrow(
      new UserError('tenants.yaml does not parse as YAML; run npm run synth to see where'),
    );
  });
});

describe('removeTenantEntry', () => {
  it('removes an entry with its comment block and the blank line above it; the other entries stay byte-identical', () => {
    const start = EXAMPLE.indexOf('\n\n  # Bring your own key');
    const end = EXAMPLE.indexOf('\n\n  # Overrides');
    expect(start).toBeGreaterThan(0);
    const out = removeTenantEntry(EXAMPLE, 'beta');
    expect(out).toBe(EXAMPLE.slice(0, start) + EXAMPLE.slice(end));
  });

  it('removes the last entry with the comments inside it', () => {
    const out = removeTenantEntry(EXAMPLE, 'research');
    expect(out).toBe(`${EXAMPLE.slice(0, EXAMPLE.indexOf('\n\n  # Overrides'))}\n`);
    expect(out).not.toContain('A remote MCP server');
  });

  it('removes the first entry and the blank line after it, so the next one follows tenants: directly', () => {
    const out = removeTenantEntry(EXAMPLE, 'alpha');
    expect(out).toBe(
      EXAMPLE.slice(0, EXAMPLE.indexOf('  # Platform defaults')) +
        EXAMPLE.slice(EXAMPLE.indexOf('  # Bring your own key')),
    );
  });

  it('keeps a section comment that is separated from the entry by a blank line', () => {
    const text = 'tenants:\n  - name: a\n\n  # --- research teams ---\n\n  # The lab\n  - name: b\n  - name: c\n';
    expect(removeTenantEntry(text, 'b')).toBe('tenants:\n  - name: a\n\n  # --- research teams ---\n  - name: c\n');
  });

  it('leaves an empty list when the only tenant goes', () => {
    expect(removeTenantEntry('# registry\ntenants:\n  # the one\n  - name: alpha\n    displayName: A\n', 'alpha')).toBe(
      '# registry\ntenants: []\n',
    );
  });

  it('is the inverse of add on the example', () => {
    const added = addTenantEntry(EXAMPLE, { name: 'gamma', displayName: 'Team Gamma' }, { comment: 'New.' });
    expect(removeTenantEntry(added, 'gamma')).toBe(EXAMPLE);
  });

  it('refuses an unknown tenant, naming the known ones', () => {
    expect(() => removeTenantEntry(EXAMPLE, 'zeta')).toThrow(
      new UserError('no tenant "zeta" in tenants.yaml (tenants: alpha, beta, research)'),
    );
  });
});
