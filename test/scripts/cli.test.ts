import { describe, expect, it, vi } from 'vitest';
import {
  type CommandSpec,
  helpText,
  parseArgs,
  progress,
  runCommand,
  UsageError,
  UserError,
} from '../../scripts/lib/cli';

const spec: CommandSpec = {
  name: 'demo',
  usage: 'npm run demo -- <tenant> [--env <env>]',
  summary: 'Shows a tenant.',
  flags: {
    env: { value: true, help: 'environment' },
    yes: { help: 'do it' },
    tenant: { value: true, repeat: true, help: 'tenant' },
  },
};

describe('parseArgs', () => {
  it('separates positional arguments, switches, values and repeated flags', () => {
    expect(parseArgs(spec, ['alpha', '--env', 'dev', '--yes', '--tenant=a', '--tenant', 'b'])).toEqual({
      positional: ['alpha'],
      flags: { env: 'dev', yes: true, tenant: ['a', 'b'] },
    });
  });
  it('returns undefined for --help and -h', () => {
    expect(parseArgs(spec, ['alpha', '--help'])).toBeUndefined();
    expect(parseArgs(spec, ['-h'])).toBeUndefined();
  });
  it('refuses unknown options, missing values, values on switches and a flag given twice', () => {
    expect(() => parseArgs(spec, ['--force'])).toThrow(new UsageError('unknown option --force'));
    expect(() => parseArgs(spec, ['--env'])).toThrow(new UsageError('--env needs a value'));
    expect(() => parseArgs(spec, ['--env', '--yes'])).toThrow(new UsageError('--env needs a value'));
    expect(() => parseArgs(spec, ['--yes=1'])).toThrow(new UsageError('--yes takes no value'));
    expect(() => parseArgs(spec, ['--env', 'a', '--env', 'b'])).toThrow(new UsageError('--env given twice'));
  });
});

describe('runCommand', () => {
  it('prints help with every flag and exits 0', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await runCommand(spec, () => 5, ['--help'])).toBe(0);
    expect(log.mock.calls[0][0]).toBe(helpText(spec));
    expect(helpText(spec)).toContain('--env <value>');
    expect(helpText(spec)).toContain('--help');
    log.mockRestore();
  });
  it('turns user errors into one line and exit code 1, usage errors into exit code 2', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(
      await runCommand(spec, () => {
        throw new UserError('no tenant zeta in tenants.yaml\nsecond line');
      }, []),
    ).toBe(1);
    expect(err.mock.calls[0][0]).toBe('demo: no tenant zeta in tenants.yaml');
    expect(await runCommand(spec, () => 0, ['--bogus'])).toBe(2);
    expect(err.mock.calls[1][0]).toBe(
      'demo: unknown option --bogus\nusage: npm run demo -- <tenant> [--env <env>] (--help for more)',
    );
    err.mockRestore();
  });
  it('returns the body exit code', async () => {
    expect(await runCommand(spec, (a) => a.positional.length, ['a', 'b'])).toBe(2);
  });
});

describe('progress', () => {
  it('prints at each tenth and a final line', () => {
    const lines: string[] = [];
    const p = progress('apply', 20, (l) => lines.push(l));
    for (let i = 0; i < 20; i++) p.tick();
    p.done('3 changed');
    expect(lines.slice(0, 3)).toEqual(['apply: 10% (2/20)', 'apply: 20% (4/20)', 'apply: 30% (6/20)']);
    expect(lines).toHaveLength(10);
    expect(lines[9]).toMatch(/^apply: done \(20\/20\) in \d+\.\ds; 3 changed$/);
  });
});
