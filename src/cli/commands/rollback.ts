/**
 * `rampart rollback`: re-activates an earlier bundle, or the safe baseline; `--withdraw` ends a staged
 * shadow or rollout; `--list` shows what is available. Works on the same activation stores as
 * `rampart activate` (a state directory, or PostgreSQL with a Redis notice to every instance).
 */
import type { Command } from 'commander';
import { EXIT_OK, UsageError } from '../exit.js';
import {
  type ActivationTarget,
  type CommandIo,
  defaultActor,
  openTarget,
  reportLifecycleError,
  STORE_HELP,
  type StateCommandOptions,
  storeOptions,
} from './activate.js';

/** Options of `rampart rollback`. */
export interface RollbackCommandOptions extends StateCommandOptions {
  to?: string;
  list?: boolean;
  withdraw?: boolean;
}

/** Rolls back (or lists, or withdraws); returns the exit code. */
export async function runRollback(
  opts: RollbackCommandOptions,
  io: CommandIo = process,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const modes = [opts.list ? '--list' : '', opts.withdraw ? '--withdraw' : '', opts.to ? '--to' : ''].filter(
    Boolean,
  );
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be combined; give one`);
  if (modes.length === 0)
    throw new UsageError('give --to <version|digest|safe-baseline> (or --list, --withdraw)');
  if (!opts.list && !opts.reason)
    throw new UsageError('--reason is required: it is recorded in the activation history');
  let target: ActivationTarget | undefined;
  try {
    target = await openTarget(opts, env);
    const store = target.store;
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
    const meta = { actor: opts.actor ?? defaultActor(), reason: opts.reason as string };
    if (opts.withdraw) {
      const done = await store.withdraw(meta);
      io.stdout.write(done ? 'withdrew the staged shadow/rollout candidate\n' : 'nothing was staged\n');
      if (done) target.afterChange(io);
      return EXIT_OK;
    }
    const done = await store.rollback(opts.to as string, meta);
    io.stdout.write(`rolled back to ${done.name}@${done.version} ${done.digest} → ${target.where()}\n`);
    target.afterChange(io);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return reportLifecycleError(error, io);
  } finally {
    await target?.close();
  }
}

/** Registers `rampart rollback`. */
export function registerRollback(program: Command): void {
  storeOptions(
    program
      .command('rollback')
      .description(
        're-activate an earlier bundle (re-verified under current governance) or the safe baseline',
      ),
  )
    .option('--to <version>', 'version or digest of a stored bundle, or `safe-baseline`')
    .option('--list', 'list stored bundles and recent activations')
    .option('--withdraw', 'end the staged shadow or rollout candidate (the active bundle is unchanged)')
    .option('--actor <who>', 'who is rolling back (default: $USER)')
    .option('--reason <text>', 'why (required with --to and --withdraw)')
    .addHelpText('after', STORE_HELP)
    .action(async (opts: RollbackCommandOptions) => {
      process.exitCode = await runRollback(opts);
    });
}
