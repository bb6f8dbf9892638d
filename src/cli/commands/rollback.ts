/** `rampart rollback`: re-activates an earlier bundle, or the safe baseline; `--list` shows what is available. */
import type { Command } from 'commander';
import { EXIT_OK, UsageError } from '../exit.js';
import { defaultActor, openStore, reportLifecycleError, type StateCommandOptions } from './activate.js';

/** Options of `rampart rollback`. */
export interface RollbackCommandOptions extends StateCommandOptions {
  to?: string;
  list?: boolean;
  withdraw?: boolean;
}

/** Rolls back (or lists); returns the exit code. */
export async function runRollback(opts: RollbackCommandOptions, io = process): Promise<number> {
  try {
    const store = await openStore(opts);
    if (opts.list) {
      const bundles = await store.list();
      io.stdout.write('stored bundles (newest first):\n');
      for (const b of bundles)
        io.stdout.write(`${b.active ? '*' : ' '} ${b.version.padEnd(20)} ${b.digest}  ${b.createdAt}\n`);
      io.stdout.write('\nrecent activations:\n');
      for (const e of (await store.history.read()).slice(-10))
        io.stdout.write(
          `${e.at} ${e.action.padEnd(8)} ${e.version || '-'} ${e.digest || '-'} by ${e.actor}: ${e.error ? `${e.error.code} ` : ''}${e.reason}\n`,
        );
      return EXIT_OK;
    }
    if (opts.withdraw) {
      if (!opts.reason)
        throw new UsageError('--reason is required: it is recorded in the activation history');
      const done = await store.withdraw({ actor: opts.actor ?? defaultActor(), reason: opts.reason });
      io.stdout.write(done ? 'withdrew the staged shadow/rollout candidate\n' : 'nothing was staged\n');
      return EXIT_OK;
    }
    if (!opts.to) throw new UsageError('give --to <version|digest|safe-baseline> (or --list, --withdraw)');
    if (!opts.reason) throw new UsageError('--reason is required: it is recorded in the activation history');
    const done = await store.rollback(opts.to, { actor: opts.actor ?? defaultActor(), reason: opts.reason });
    io.stdout.write(`rolled back to ${done.name}@${done.version} ${done.digest} → ${store.activePath}\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return reportLifecycleError(error, io);
  }
}

/** Registers `rampart rollback`. */
export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('re-activate an earlier bundle (re-verified under current governance) or the safe baseline')
    .option('--to <version>', 'version or digest of a stored bundle, or `safe-baseline`')
    .option('--list', 'list stored bundles and recent activations')
    .option('--withdraw', 'end the staged shadow or rollout candidate (the active bundle is unchanged)')
    .requiredOption('--state <dir>', 'activation state directory')
    .requiredOption('-g, --governance <file>', 'the governance.yaml you trust')
    .option('--actor <who>', 'who is rolling back (default: $USER)')
    .option('--reason <text>', 'why (required with --to)')
    .action(async (opts: RollbackCommandOptions) => {
      process.exitCode = await runRollback(opts);
    });
}
