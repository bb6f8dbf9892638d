/** `rampart fmt [--check] <paths...>`: canonical formatting of policy and suite files. */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatPolicy } from '../../policy/format-policy.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { handlePolicyError } from '../policy-errors.js';
import { readPolicyFilesRecursive } from '../yaml-files.js';

/** Registers `rampart fmt`. */
export function registerFmt(program: Command): void {
  program
    .command('fmt')
    .description('format policy and test files canonically (key order, flow lists, spacing; comments kept)')
    .argument('<paths...>', 'files or directories (searched recursively for .yaml/.yml)')
    .option('--check', 'do not write; exit 1 if any file is not formatted')
    .addHelpText(
      'after',
      '\nExit codes: 0 formatted, 1 unformatted (with --check) or invalid YAML, 2 usage error.',
    )
    .action(async (paths: string[], opts: { check?: boolean }) => {
      const files = await readPolicyFilesRecursive(paths);
      let unformatted = 0;
      let failed = 0;
      for (const file of files) {
        const text = await readFile(file, 'utf8');
        let formatted: string;
        try {
          formatted = formatPolicy(text, file);
        } catch (error) {
          failed += handlePolicyError(error);
          continue;
        }
        if (formatted === text) continue;
        unformatted++;
        if (opts.check) process.stdout.write(`${file}: not formatted\n`);
        else {
          await writeFile(file, formatted);
          process.stdout.write(`${file}: formatted\n`);
        }
      }
      if (opts.check && unformatted === 0 && failed === 0)
        process.stdout.write(`${files.length} file(s) already formatted\n`);
      process.exitCode = failed > 0 || (opts.check && unformatted > 0) ? EXIT_FAILURE : EXIT_OK;
    });
}
