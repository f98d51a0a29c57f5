/**
 * Shared shape of the project's commands: flag parsing with `--help`, one-line failures for user
 * errors (never a stack trace), and progress lines for long operations.
 *
 *   const spec: CommandSpec = { name: 'explain', usage: 'npm run explain -- <tenant> [--env <env>]',
 *     summary: '...', flags: { env: { value: true, help: 'environment (default: every one)' } } };
 *   runCommand(spec, async (args) => { ...; return 0; });
 */

/** A mistake of the person running the command: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** A failure the user can fix (bad input, missing tool, refused operation): one line, exit code 1. */
export class UserError extends Error {}

export interface FlagSpec {
  /** Whether the flag takes a value (`--env dev`). @default false */
  readonly value?: boolean;
  /** One line of help. */
  readonly help: string;
  /** Whether the flag may be given several times (values collected in order). @default false */
  readonly repeat?: boolean;
}

export interface CommandSpec {
  /** Command name used as the prefix of every message (`tenant`, `diff`, ...). */
  readonly name: string;
  /** Usage line(s), shown by --help and after a usage error. */
  readonly usage: string;
  /** What the command does, shown by --help. */
  readonly summary: string;
  /** Flags by long name without the dashes. `help` is always present. @default {} */
  readonly flags?: Readonly<Record<string, FlagSpec>>;
}

export interface ParsedArgs {
  /** Arguments that are not flags, in order. */
  readonly positional: string[];
  /** Flag values: `true` for switches, the string for valued flags, an array for repeated ones. */
  readonly flags: Readonly<Record<string, string | boolean | string[]>>;
}

/** The --help text of a command. */
export function helpText(spec: CommandSpec): string {
  const flags = Object.entries(spec.flags ?? {});
  const width = Math.max(10, ...flags.map(([n, f]) => n.length + (f.value ? 8 : 0)));
  const lines = [`usage: ${spec.usage}`, '', spec.summary];
  if (flags.length > 0) {
    lines.push('', 'options:');
    for (const [n, f] of flags) lines.push(`  --${`${n}${f.value ? ' <value>' : ''}`.padEnd(width + 2)} ${f.help}`);
  }
  lines.push(`  --${'help'.padEnd(width + 2)} print this help`);
  return lines.join('\n');
}

/** Parses argv against the spec; throws UsageError naming the bad argument. `--help` returns undefined. */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs | undefined {
  const positional: string[] = [];
  const flags: Record<string, string | boolean | string[]> = {};
  const known = spec.flags ?? {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return undefined;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = known[name];
    if (!flag) throw new UsageError(`unknown option --${name}`);
    let value: string | boolean = true;
    if (flag.value) {
      const v = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      value = v;
    } else if (eq >= 0) throw new UsageError(`--${name} takes no value`);
    if (flag.repeat) flags[name] = [...((flags[name] as string[] | undefined) ?? []), String(value)];
    else if (name in flags) throw new UsageError(`--${name} given twice`);
    else flags[name] = value;
  }
  return { positional, flags };
}

/** The first line of an error's message (user errors are one line by contract). */
function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * Runs a command: parses its arguments, prints --help, and turns errors into an exit code with a
 * one-line reason. Errors that are not UsageError/UserError are bugs: their message is still one
 * line unless DEBUG is set, which adds the stack.
 */
export async function runCommand(
  spec: CommandSpec,
  body: (args: ParsedArgs) => Promise<number> | number,
  argv: readonly string[] = process.argv.slice(2),
): Promise<number> {
  try {
    const args = parseArgs(spec, argv);
    if (!args) {
      console.log(helpText(spec));
      return 0;
    }
    return await body(args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${spec.name}: ${e.message}\nusage: ${spec.usage} (--help for more)`);
      return 2;
    }
    console.error(`${spec.name}: ${firstLine(e)}`);
    if (!(e instanceof UserError) && process.env.DEBUG && e instanceof Error) console.error(e.stack);
    return 1;
  }
}

/** Runs a command as the process's main module and sets the exit code. */
export function mainCommand(spec: CommandSpec, body: (args: ParsedArgs) => Promise<number> | number): void {
  void runCommand(spec, body).then((code) => {
    process.exitCode = code;
  });
}

export interface Progress {
  /** Advances by n steps (default 1) and prints when a new tenth is reached or a second passed. */
  tick(n?: number): void;
  /** Prints the final line. */
  done(detail?: string): void;
}

/**
 * Progress lines on stderr for long operations: `<label>: 40% (400/1000)`, at most once a second
 * and at each tenth, so that logs stay short and a terminal shows the run is alive.
 */
export function progress(
  label: string,
  total: number,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Progress {
  let count = 0;
  let lastTenth = 0;
  let lastAt = Date.now();
  const started = lastAt;
  return {
    tick(n = 1) {
      count += n;
      const tenth = total > 0 ? Math.floor((count * 10) / total) : 10;
      const now = Date.now();
      if (count < total && (tenth > lastTenth || now - lastAt >= 1000)) {
        lastTenth = tenth;
        lastAt = now;
        write(`${label}: ${Math.floor((count * 100) / Math.max(total, 1))}% (${count}/${total})`);
      }
    },
    done(detail) {
      write(
        `${label}: done (${count}/${total}) in ${((Date.now() - started) / 1000).toFixed(1)}s${detail ? `; ${detail}` : ''}`,
      );
    },
  };
}
