/** `rampart controls <dir>...`: for each control id, the rules implementing it and recorded risk acceptances. */
import type { Command } from 'commander';
import { controlsReport, formatControls } from '../../bundle/controls.js';
import { readPolicyDir } from '../../bundle/policy-dir.js';
import { formatDiagnostic, isPolicyError } from '../../policy/errors.js';
import type { PolicySource } from '../../policy/policy-document.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';

/** Prints the control mapping for the given policy directories; returns the exit code. */
export async function runControls(dirs: string[], opts: { json?: boolean }, io = process): Promise<number> {
  try {
    const sources: PolicySource[] = [];
    for (const dir of dirs) sources.push(await readPolicyDir(dir));
    const report = controlsReport(sources);
    io.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : formatControls(report));
    return EXIT_OK;
  } catch (error) {
    if (!isPolicyError(error)) throw error;
    io.stderr.write(`${error.diagnostics.map(formatDiagnostic).join('\n')}\n`);
    return EXIT_FAILURE;
  }
}

/** Registers `rampart controls`. */
export function registerControls(program: Command): void {
  program
    .command('controls')
    .description(
      'Map control ids to the rules that implement them, per product, with recorded risk acceptances',
    )
    .argument('<dirs...>', 'policy directories (products); baselines they extend are included')
    .option('--json', 'print JSON')
    .action(async (dirs: string[], opts: { json?: boolean }) => {
      process.exitCode = await runControls(dirs, opts);
    });
}
