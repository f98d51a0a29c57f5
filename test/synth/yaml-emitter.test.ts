import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { parse } from 'yaml';
import { emitYaml } from '../../charts/lib/yaml-emitter';

/** Strings a naive emitter gets wrong: YAML 1.1/1.2 booleans, nulls, numbers, indicators. */
const TRICKY = [
  '',
  ' ',
  'a ',
  ' a',
  'true',
  'False',
  'yes',
  'NO',
  'on',
  'off',
  'y',
  'N',
  'null',
  '~',
  'Null',
  '0',
  '8',
  '1.31',
  '-1',
  '+1',
  '.5',
  '1e3',
  '0x1f',
  '0o17',
  '1_000',
  '.inf',
  '-.inf',
  '.nan',
  '2024-01-01',
  '12:30',
  '16Gi',
  '500m',
  'v1.31',
  '*',
  '*x',
  '&a',
  '!tag',
  '%x',
  '@x',
  '`x',
  '#x',
  'a #b',
  'a: b',
  'a:',
  '- a',
  '-a',
  '? a',
  '[a]',
  '{a}',
  'a,b',
  'a|b',
  '>x',
  '|x',
  "'q'",
  '"q"',
  'line\nbreak',
  'tab\there',
  'Delete=false,Prune=confirm',
  'tenant-{{.path.basename}}',
  'cluster.local/ns/x/sa/*',
  "has(a) && b == 'c'",
  'ümlaut',
  '<<',
  '=',
  'a\\b',
  '\u2028',
];

describe('emitYaml', () => {
  it('reads back every tricky string as the same string, as value and as key', () => {
    for (const s of TRICKY) {
      expect(parse(emitYaml({ k: s })), JSON.stringify(s)).toEqual({ k: s });
      expect(parse(emitYaml({ [s]: 1 })), JSON.stringify(s)).toEqual({ [s]: 1 });
      expect(parse(emitYaml([s])), JSON.stringify(s)).toEqual([s]);
    }
  });

  it('reads back random strings unchanged', () => {
    const alphabet = 'aZ09 -_.:/#*&!|>\'"%@`,[]{}?=\\\n\t~+\n\n';
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 3000; i++) {
      const s = Array.from({ length: Math.floor(rnd() * 8) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(
        '',
      );
      expect(parse(emitYaml({ [s]: [s, { [s]: s }] })), JSON.stringify(s)).toEqual({ [s]: [s, { [s]: s }] });
      expect(load(emitYaml({ [s]: [s, { [s]: s }] })), JSON.stringify(s)).toEqual({ [s]: [s, { [s]: s }] });
    }
  });

  // YAML 1.2.2 section 8.1.1 (block scalar headers: chomping "|" clip, "|-" strip) and 8.1.2
  // (literal style): a diff of multi-line text, such as the Keycloak realm JSON, shows its lines.
  it('writes multi-line text as a literal block, which every reader reads back as the same string', () => {
    const realm = `${JSON.stringify({ realm: 'agents', groups: [{ name: 'tenants' }] }, null, 2)}`;
    expect(emitYaml({ data: { 'realm.json': realm } })).toBe(
      [
        'data:',
        '  realm.json: |-',
        '    {',
        '      "realm": "agents",',
        '      "groups": [',
        '        {',
        '          "name": "tenants"',
        '        }',
        '      ]',
        '    }',
        '',
      ].join('\n'),
    );
    expect(emitYaml({ a: 'one\ntwo\n' })).toBe('a: |\n  one\n  two\n');
    expect(emitYaml([{ k: 'x\n\ny', l: 1 }, 'p\nq'])).toBe('- k: |-\n    x\n\n    y\n  l: 1\n- |-\n  p\n  q\n');
    const multi = [
      'a\nb',
      'a\nb\n',
      'x\n\n\ny',
      '{\n  "k": 1\n}',
      '#c\n- d\n: e',
      'a\n  indented\n\tb',
      '---\n...\nz',
      'a\n#b',
      '\'q\'\n"r"',
    ];
    for (const s of multi) {
      expect(emitYaml({ k: s }), JSON.stringify(s)).toMatch(/^k: \|-?\n/);
      expect(parse(emitYaml({ k: s, l: [s, { m: s }] })), JSON.stringify(s)).toEqual({ k: s, l: [s, { m: s }] });
      expect(load(emitYaml({ k: s, l: [s, { m: s }] })), JSON.stringify(s)).toEqual({ k: s, l: [s, { m: s }] });
    }
  });

  it('keeps multi-line text that a literal block cannot carry exactly as a JSON string', () => {
    for (const s of [
      ' lead\nx',
      '\nfirst empty',
      'trailing \nx',
      'tab\t\nx',
      'two breaks\n\n',
      'bell\u0007\nx',
      'cr\r\nx',
      'ls\u2028\nx',
    ]) {
      expect(emitYaml({ k: s }), JSON.stringify(s)).toBe(`k: ${JSON.stringify(s)}\n`);
      expect(parse(emitYaml({ k: s })), JSON.stringify(s)).toEqual({ k: s });
    }
  });

  it('writes nested maps and sequences in block style with two-space indentation', () => {
    const value = { a: { b: [1, { c: 'x', d: [true, null] }, [], {}], e: {} }, f: [] };
    expect(emitYaml(value)).toBe(
      [
        'a:',
        '  b:',
        '    - 1',
        '    - c: x',
        '      d:',
        '        - true',
        '        - null',
        '    - []',
        '    - {}',
        '  e: {}',
        'f: []',
        '',
      ].join('\n'),
    );
    expect(parse(emitYaml(value))).toEqual(value);
  });

  it('keeps numbers and booleans typed and quotes numeric-looking strings', () => {
    expect(emitYaml({ port: 53, on: false, cpu: '8', version: '1.31' })).toBe(
      'port: 53\n"on": false\ncpu: "8"\nversion: "1.31"\n',
    );
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => emitYaml({ x: Number.NaN })).toThrow('yaml: cannot write the number NaN');
    expect(() => emitYaml({ x: () => 1 })).toThrow('yaml: cannot write a value of type function');
  });
});
