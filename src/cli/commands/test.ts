/** `rampart test`: suites, incident regressions, mutations, simulations, refusal checks and coverage. */
import { watch } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { compileWithDefaults } from '../../bundle/load-policy.js';
import { readPolicyDir } from '../../bundle/policy-dir.js';
import { policyUnderTest } from '../../testing/engine-adapter.js';
import { formatJsonReport } from '../../testing/reporters/json-reporter.js';
import { formatJunitReport } from '../../testing/reporters/junit-reporter.js';
import { formatTextReport } from '../../testing/reporters/text-reporter.js';
import { runTests } from '../../testing/run-tests.js';
import { runSimulation } from '../../testing/simulation-runner.js';
import { loadTestProject } from '../../testing/test-project.js';
import { type CommandIo, exitCodeForError } from '../command-errors.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';

/** Options of `rampart test`. */
export interface TestCommandOptions {
  json?: boolean;
  junit?: string;
  minCoverage?: number;
  grep?: string;
  watch?: boolean;
  verbose?: boolean;
}

/** Where the command writes; tests pass buffers. */
export type { CommandIo } from '../command-errors.js';

const processIo: CommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

function parsePercent(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100)
    throw new UsageError(`--min-coverage must be a number from 0 to 100, got '${value}'`);
  return n;
}

/** Runs the tests of the policy in `dir` once and returns the exit code. */
export async function runTestCommand(
  dir: string,
  opts: TestCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  try {
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new UsageError(`no policy directory at ${dir}`);
    const compiled = compileWithDefaults(await readPolicyDir(dir));
    const project = await loadTestProject(dir);
    const report = await runTests(policyUnderTest(compiled), project, {
      ...(opts.minCoverage !== undefined ? { minCoverage: opts.minCoverage } : {}),
      ...(opts.grep !== undefined ? { grep: opts.grep } : {}),
      simulate: (sim) => runSimulation(compiled, sim),
    });
    io.out(
      opts.json ? formatJsonReport(report) : formatTextReport(report, { verbose: opts.verbose === true }),
    );
    if (opts.junit) await writeFile(opts.junit, formatJunitReport(report));
    return report.passed ? EXIT_OK : EXIT_FAILURE;
  } catch (error) {
    return exitCodeForError(error, io);
  }
}

/** Re-runs on every change under `dir` until interrupted; a change during a run queues one more run. */
async function watchTests(dir: string, opts: TestCommandOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let queued = false;
  const rerun = async (): Promise<void> => {
    if (running) {
      queued = true;
      return;
    }
    running = true;
    do {
      queued = false;
      process.stdout.write('\x1bc');
      await runTestCommand(dir, opts);
    } while (queued);
    process.stdout.write(`\nwatching ${dir} for changes (Ctrl-C to stop)\n`);
    running = false;
  };
  // The watcher starts before the first run so that no change made meanwhile is missed.
  const watcher = watch(dir, { recursive: true }, (_event, file) => {
    if (file && !/\.ya?ml$/.test(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(() => void rerun(), 150);
  });
  await rerun();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      watcher.close();
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Adds `rampart test`. */
export function registerTest(program: Command): void {
  program
    .command('test')
    .description(
      'run the test suites (tests/*.yaml), incident regressions (incidents/*.yaml), adversarial mutations and agent simulations of a policy, check refusal messages, and report coverage',
    )
    .argument('[dir]', 'policy directory holding tests/ and incidents/', '.')
    .option('--json', 'print the full report as JSON')
    .option('--junit <file>', 'also write a JUnit XML report to <file>')
    .option('--min-coverage <percent>', 'fail when coverage is below <percent>', parsePercent)
    .option('--grep <text>', 'only run cases whose name contains <text> (incident cases always run)')
    .option('--watch', 're-run when a YAML file in <dir> changes')
    .option('--verbose', 'list every case with its result, not only failures')
    .addHelpText(
      'after',
      '\nExit codes: 0 all passed, 1 a case, incident, simulation or coverage minimum failed (or a file is invalid), 2 usage error.',
    )
    .action(async (dir: string, opts: TestCommandOptions) => {
      if (opts.watch) await watchTests(dir, opts);
      else process.exitCode = await runTestCommand(dir, opts);
    });
}
