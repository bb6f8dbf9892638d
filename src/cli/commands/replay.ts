/** `rampart replay`: recorded requests through a candidate policy, compared with a baseline or the recorded decisions. */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadPolicyUnderTestFrom } from '../../testing/engine-adapter.js';
import {
  formatReplayReport,
  MAX_REPLAY_BYTES,
  parseReplayRequests,
  replayRequests,
} from '../../testing/replay.js';
import { type CommandIo, exitCodeForError } from '../command-errors.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';

/** Options of `rampart replay`. */
export interface ReplayCommandOptions {
  requests: string;
  bundle: string;
  against?: string;
  json?: boolean;
  failOnChange?: boolean;
}

const processIo: CommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

async function requireFile(path: string, what: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UsageError(`no ${what} at ${path}`);
}

/** Runs the replay and returns the exit code. */
export async function runReplayCommand(
  opts: ReplayCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  try {
    await requireFile(opts.requests, 'requests file');
    await requireFile(opts.bundle, 'bundle or policy directory');
    if (opts.against) await requireFile(opts.against, 'bundle or policy directory');
    const size = (await stat(opts.requests)).size;
    if (size > MAX_REPLAY_BYTES)
      throw new UsageError(`${opts.requests} is larger than ${MAX_REPLAY_BYTES} bytes`);
    const requests = parseReplayRequests(opts.requests, await readFile(opts.requests, 'utf8'));
    const candidate = await loadPolicyUnderTestFrom(opts.bundle);
    const baseline = opts.against ? await loadPolicyUnderTestFrom(opts.against) : undefined;
    const report = replayRequests(requests, candidate, baseline);
    io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReplayReport(report));
    return opts.failOnChange && report.changed > 0 ? EXIT_FAILURE : EXIT_OK;
  } catch (error) {
    return exitCodeForError(error, io);
  }
}

/** Adds `rampart replay`. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      'run recorded requests (JSONL: {"point", "request", "decision"?} per line, or decision records from the evidence store) through a bundle and report the decisions that change, grouped by rule',
    )
    .requiredOption('--requests <file>', 'JSONL file of recorded requests')
    .requiredOption('--bundle <path>', 'candidate: a policy directory or a bundle file')
    .option(
      '--against <path>',
      'baseline: a policy directory or bundle file (default: the decisions recorded in the file)',
    )
    .option('--json', 'print the report as JSON')
    .option('--fail-on-change', 'exit 1 when any decision changes')
    .addHelpText(
      'after',
      '\nExamples never show request text or tool arguments, only line numbers, points, tool names and decisions.\nExit codes: 0 done, 1 decisions changed with --fail-on-change (or an invalid file), 2 usage error.',
    )
    .action(async (opts: ReplayCommandOptions) => {
      process.exitCode = await runReplayCommand(opts);
    });
}
