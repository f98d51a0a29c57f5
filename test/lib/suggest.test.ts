import { describe, expect, it } from 'vitest';
import { closest, editDistance, misspeltKeys } from '../../charts/lib/suggest';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours as 1 each', () => {
    expect(editDistance('sytemMessage', 'systemMessage')).toBe(1);
    expect(editDistance('quotas', 'quota')).toBe(1);
    expect(editDistance('defualt', 'default')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('closest', () => {
  const keys = [
    'name',
    'displayName',
    'description',
    'owners',
    'quota',
    'limits',
    'alias',
    'agents',
    'models',
    'mcpServers',
    'sandboxes',
    'llmBackends',
  ];

  it('finds the key within a third of its length, case ignored', () => {
    expect(closest('quotas', keys)).toBe('quota');
    expect(closest('DisplayName', keys)).toBe('displayName');
    expect(closest('mcpServer', keys)).toBe('mcpServers');
    expect(closest('STREAMABLE', ['STREAMABLE_HTTP', 'SSE'])).toBe('STREAMABLE_HTTP');
    expect(closest('OpenAI', ['anthropic', 'openai'])).toBe('openai');
  });

  it('suggests nothing far off, on a tie, or for an allowed word', () => {
    expect(closest('colour', keys)).toBeUndefined();
    expect(closest('gemini', ['anthropic', 'openai'])).toBeUndefined();
    expect(closest('ab', ['ax', 'ay'])).toBeUndefined();
    expect(closest('quota', keys)).toBeUndefined();
    expect(closest('', keys)).toBeUndefined();
  });
});

describe('misspeltKeys', () => {
  it('names the allowed keys that unknown keys were probably meant to be, unless they are present too', () => {
    expect([...misspeltKeys({ name: 'a', sytemMessage: 'x' }, ['name', 'systemMessage', 'image'])]).toEqual([
      'systemMessage',
    ]);
    expect([...misspeltKeys({ systemMessage: 'y', sytemMessage: 'x' }, ['name', 'systemMessage'])]).toEqual([]);
    expect([...misspeltKeys({ prompt: 'x' }, ['name', 'systemMessage'])]).toEqual([]);
    expect([...misspeltKeys(['x'], ['name'])]).toEqual([]);
  });
});
