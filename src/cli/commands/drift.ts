/** `rampart drift <baseline> <overlay>...`: every overlay's departures from the baseline. */
import type { Command } from 'commander';
import { formatDrift, overlayDrift } from '../../bundle/drift.js';
import { readPolicyDir, readPolicyFiles } from '../../bundle/policy-dir.js';
import { formatDiagnostic, isPolicyError } from '../../policy/errors.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';

/** Options of `rampart drift`. */
export interface DriftCommandOptions {
  today?: string;
  json?: boolean;
}

/** Runs drift; exit 1 when an overlay loosens without a deviation or a deviation has expired. */
export async function runDrift(
  baselineDir: string,
  overlays: string[],
  opts: DriftCommandOptions,
  io = process,
): Promise<number> {
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  try {
    const baseline = await readPolicyDir(baselineDir, { today });
    const drifts = [];
    for (const overlay of overlays)
      drifts.push(overlayDrift(overlay, await readPolicyFiles(overlay), baseline, today));
    const { text, failed } = formatDrift(baseline.document.name, drifts);
    io.stdout.write(
      opts.json ? `${JSON.stringify({ baseline: baseline.document.name, today, overlays: drifts })}\n` : text,
    );
    return failed ? EXIT_FAILURE : EXIT_OK;
  } catch (error) {
    if (!isPolicyError(error)) throw error;
    io.stderr.write(`${error.diagnostics.map(formatDiagnostic).join('\n')}\n`);
    return EXIT_FAILURE;
  }
}

/** Registers `rampart drift`. */
export function registerDrift(program: Command): void {
  program
    .command('drift')
    .description(
      "List each overlay's deviations from the baseline; undocumented loosenings and expired deviations fail",
    )
    .argument('<baseline>', 'baseline policy directory')
    .argument('<overlays...>', 'product overlay directories')
    .option('--today <date>', 'judge expiry as of this date (YYYY-MM-DD)')
    .option('--json', 'print JSON')
    .action(async (baseline: string, overlays: string[], opts: DriftCommandOptions) => {
      process.exitCode = await runDrift(baseline, overlays, opts);
    });
}
