/**
 * npm run tools: builds the pinned tools (scripts/toolchain/tools.ts) that are missing or of another version.
 */
import * as os from 'node:os';
import { type CommandSpec, mainCommand, type ParsedArgs, UsageError, UserError } from '../lib/cli';
import {
  formatSeconds,
  goVersion,
  howBuilt,
  install,
  installCommand,
  isInstalled,
  TOOL_GROUPS,
  type ToolGroup,
  toolsOf,
  TOOLS_DIR,
} from '../toolchain/tools';

export const TOOLS_COMMAND: CommandSpec = {
  name: 'tools',
  usage: 'npm run tools [-- --check | --list] [--group cluster]',
  summary: `Builds the pinned validation, security and integration tools from source through the Go module proxy into ${TOOLS_DIR}/bin, skipping those already built from the same inputs. Prints a line per tool as it is built (first builds take minutes each).`,
  flags: {
    check: { help: `exit 1, naming the command to run, when a tool is missing or of another version; builds nothing` },
    list: { help: 'print the pinned table (name, module@version, how it is built)' },
    group: {
      value: true,
      help: `an opt-in group instead of the default tools: ${TOOL_GROUPS.join(', ')} (the cluster tier's scheduler, kwok, Argo CD, Redis and Kyverno's controllers)`,
    },
  },
};

/**
 * Builds run side by side: with warm Go caches a build is mostly its link, which uses one core; a
 * cold one compiles on every core either way. Capped since one build can take 2.6 GB (Argo CD).
 */
const BUILDS_AT_ONCE = Math.min(4, os.availableParallelism());

/** The tools command; returns the exit code, throws UserError for what the user can fix. */
export async function runTools(args: ParsedArgs): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  if (args.flags.check && args.flags.list) throw new UsageError('--check and --list exclude each other');
  const groupName = args.flags.group as string | undefined;
  if (groupName !== undefined && !(TOOL_GROUPS as readonly string[]).includes(groupName))
    throw new UsageError(`--group ${groupName}: no such group (groups: ${TOOL_GROUPS.join(', ')})`);
  const group = groupName as ToolGroup | undefined;
  const tools = toolsOf(group);
  const command = installCommand(group);
  const what = group === undefined ? 'pinned tools' : `tools of group ${group}`;
  if (args.flags.list) {
    for (const t of tools) console.log(`${t.name}\t${t.module}@${t.version}\t${howBuilt(t)}`);
    return 0;
  }
  const missing = tools.filter((t) => !isInstalled(t));
  if (args.flags.check) {
    if (missing.length > 0)
      throw new UserError(
        `not installed or of another version: ${missing.map((t) => `${t.name} ${t.version}`).join(', ')}; run: ${command}`,
      );
    console.log(`tools: all ${tools.length} ${what} are installed in ${TOOLS_DIR}/bin`);
    return 0;
  }
  if (missing.length === 0) {
    console.log(`tools: all ${tools.length} ${what} are installed in ${TOOLS_DIR}/bin`);
    return 0;
  }
  const version = goVersion();
  if (!version) {
    throw new UserError(
      `Go is needed to build ${missing.map((t) => t.name).join(', ')} but \`go\` was not found on PATH; install Go 1.26 or newer (https://go.dev/dl/), then run: ${command}`,
    );
  }
  const atOnce = Math.min(BUILDS_AT_ONCE, missing.length);
  console.log(
    `tools: ${missing.length} of ${tools.length} to build with ${version}, ${atOnce} at a time (first builds take minutes each)`,
  );
  const started = Date.now();
  let next = 0;
  let failure: unknown;
  const builder = async (): Promise<void> => {
    while (failure === undefined && next < missing.length) {
      const i = next++;
      await install(missing[i], `${i + 1}/${missing.length}`).catch((e: unknown) => void (failure ??= e));
    }
  };
  await Promise.all(Array.from({ length: atOnce }, builder));
  if (failure !== undefined)
    throw new UserError(
      `${failure instanceof Error ? failure.message : String(failure)}; fix the cause, then run: ${command}`,
    );
  console.log(`tools: done in ${formatSeconds(Date.now() - started)}`);
  return 0;
}

if (require.main === module) mainCommand(TOOLS_COMMAND, runTools);
