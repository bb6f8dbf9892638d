#!/usr/bin/env node
/**
 * The `rampart` command. Each subcommand lives in `commands/<name>.ts` and exports `register`;
 * this file only assembles them and maps failures to the documented exit codes
 * (0 ok, 1 policy or decision failure, 2 usage error).
 */
import { Command, CommanderError } from 'commander';
import { commandRegistrations } from './commands/index.js';
import { EXIT_USAGE, reportFatal } from './exit.js';

const program = new Command('rampart')
  .description('Policy-as-code control plane for AI products and agents')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const register of commandRegistrations) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.exitCode = reportFatal(error);
  }
}
