/**
 * npm run fetch-upstream [-- --dir <folder>] [--only crds,charts,schemas] [--check] [--mirror <url>]
 *
 * The one way to get the offline upstream copies this repository is checked against (the CRDs,
 * the pinned Helm charts, the eksctl schema): downloads every file of
 * scripts/upstream/pinned.sha256 from its pinned upstream source (scripts/upstream/sources.ts),
 * checks its sha256 and writes it below --dir (default ../shared, where every command looks).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { countOf } from '../../charts/lib/plural';
import { type CommandSpec, mainCommand, type ParsedArgs, UsageError, UserError } from '../lib/cli';
import { requireTool } from '../toolchain/tools';
import { fetchUpstream, PINS_FILE, readPins } from '../upstream/fetch';
import { SHARED_DIR, shownPath } from '../toolchain/paths';

const PARTS = ['crds', 'charts', 'schemas'] as const;
/** Failures named one per line; the rest are counted. */
const SHOWN_FAILURES = 10;

export const FETCH_UPSTREAM_COMMAND: CommandSpec = {
  name: 'fetch-upstream',
  usage:
    'npm run fetch-upstream [-- [--dir <folder>] [--only crds,charts,schemas] [--check] [--mirror <url>] [--jobs <n>]]',
  summary: [
    'Downloads the upstream files the checks and tests read and this repository does not hold (the CRDs,',
    'the pinned Helm charts with their dependencies, the eksctl ClusterConfig schema), each from its pinned',
    'source, checks its sha256 against scripts/upstream/pinned.sha256, and writes it below --dir (crds/,',
    'charts/, schemas/). Files already there with the right digest are kept. The charts files that release',
    'packaging writes are made again from their upstream sources; that needs the pinned helm (npm run tools).',
  ].join('\n'),
  flags: {
    dir: {
      value: true,
      help: `the folder to write to (default: ${shownPath(SHARED_DIR)}, where the commands look; else set CRDS_DIR and CHARTS_DIR)`,
    },
    only: { value: true, help: `parts to get, comma-separated: ${PARTS.join(', ')} (default: all)` },
    check: { help: 'verify the files already there against their digests; download nothing' },
    mirror: { value: true, help: 'a mirror serving https://<host>/<path> at <url>/<host>/<path>' },
    jobs: { value: true, help: 'downloads at once (default: 8)' },
  },
};

export async function fetchUpstreamCommand(args: ParsedArgs): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  const dir = path.resolve(typeof args.flags.dir === 'string' ? args.flags.dir : SHARED_DIR);
  const only = typeof args.flags.only === 'string' ? args.flags.only.split(',').map((s) => s.trim()) : [...PARTS];
  const unknown = only.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new UsageError(`unknown part ${unknown.join(', ')}; parts: ${PARTS.join(', ')}`);
  const jobs = typeof args.flags.jobs === 'string' ? Number(args.flags.jobs) : 8;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs takes a whole number, 1 or more');
  const pins = readPins(fs.readFileSync(PINS_FILE, 'utf8')).filter((p) => only.includes(p.path.split('/')[0]));
  const started = Date.now();
  const report = await fetchUpstream({
    dir,
    pins,
    mirror: typeof args.flags.mirror === 'string' ? args.flags.mirror : undefined,
    jobs,
    check: args.flags.check === true,
    helm: () => requireTool('helm'),
  });
  const where = shownPath(dir);
  // The first few by name; a fresh checkout would otherwise print every pinned file.
  for (const f of report.failed.slice(0, SHOWN_FAILURES)) console.error(`fetch-upstream: ${f.path}: ${f.reason}`);
  if (report.failed.length > SHOWN_FAILURES)
    console.error(`fetch-upstream: ... and ${countOf(report.failed.length - SHOWN_FAILURES, 'more file')}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (args.flags.check) {
    console.log(
      `fetch-upstream --check: ${countOf(pins.length, 'pinned file')} (${only.join(', ')}) in ${where}: ${report.kept} as pinned, ${report.failed.length} missing or different`,
    );
  } else {
    console.log(
      `fetch-upstream: ${countOf(pins.length, 'pinned file')} (${only.join(', ')}) in ${where}: ${report.kept} already there, ${report.fetched.length} fetched and checked (${countOf(report.downloads, 'download')}) in ${seconds}s`,
    );
  }
  if (report.failed.length > 0) {
    throw new UserError(
      `${countOf(report.failed.length, 'file')} ${args.flags.check ? 'missing or not as pinned' : 'not fetched; nothing wrong was written'}${args.flags.check ? `; run npm run fetch-upstream${typeof args.flags.dir === 'string' ? ` -- --dir ${args.flags.dir}` : ''}` : ''}`,
    );
  }
  return 0;
}

if (require.main === module) mainCommand(FETCH_UPSTREAM_COMMAND, fetchUpstreamCommand);
