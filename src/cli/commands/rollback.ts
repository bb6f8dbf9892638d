/**
 * `rampart rollback`: re-activates an earlier bundle, or the safe baseline; `--withdraw` ends a staged
 * shadow or rollout; `--list` shows what is available. Works on the same activation stores as
 * `rampart activate` (a state directory, or PostgreSQL with a Redis notice to every instance).
 */
import type { Command } from 'commander';
import {
  AUDIT_HELP,
  auditOptions,
  CliAudit,
  CliAuditUnavailable,
  defaultActor,
  recordDone,
  refusalsRecorded,
  reportAuditUnavailable,
} from '../admin-audit.js';
import { EXIT_OK, UsageError } from '../exit.js';
import {
  type ActivationTarget,
  activeRef,
  auditFlagsOf,
  type CommandIo,
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
  let audit: CliAudit | undefined;
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
    // The audit log first: an action that could not be recorded must not happen.
    audit = await CliAudit.open(auditFlagsOf(opts), env);
    if (opts.withdraw) {
      const event = {
        action: 'bundles.withdraw' as const,
        target: '(staged candidate)',
        reason: meta.reason,
      };
      const done = await refusalsRecorded(audit, event, io, () => store.withdraw(meta));
      io.stdout.write(done ? 'withdrew the staged shadow/rollout candidate\n' : 'nothing was staged\n');
      if (done) target.afterChange(io);
      audit.setPolicy(await activeRef(store));
      // As the admin API: a withdrawal with nothing staged is recorded too (detail says so).
      return await recordDone(audit, { ...event, outcome: 'ok', detail: { withdrawn: done } }, io, EXIT_OK);
    }
    const event = { action: 'bundles.rollback' as const, target: opts.to as string, reason: meta.reason };
    const done = await refusalsRecorded(audit, event, io, () => store.rollback(opts.to as string, meta));
    io.stdout.write(`rolled back to ${done.name}@${done.version} ${done.digest} → ${target.where()}\n`);
    target.afterChange(io);
    audit.setPolicy(await activeRef(store));
    return await recordDone(
      audit,
      {
        ...event,
        outcome: 'ok',
        digest: /^sha256:[0-9a-f]{64}$/.test(event.target) ? event.target : done.digest,
      },
      io,
      EXIT_OK,
    );
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof CliAuditUnavailable) return reportAuditUnavailable(error, io);
    return reportLifecycleError(error, io);
  } finally {
    await audit?.close();
    await target?.close();
  }
}

/** Registers `rampart rollback`. */
export function registerRollback(program: Command): void {
  auditOptions(
    storeOptions(
      program
        .command('rollback')
        .description(
          're-activate an earlier bundle (re-verified under current governance) or the safe baseline; leaves an admin audit record',
        ),
    ),
    false,
  )
    .option('--to <version>', 'version or digest of a stored bundle, or `safe-baseline`')
    .option('--list', 'list stored bundles and recent activations')
    .option('--withdraw', 'end the staged shadow or rollout candidate (the active bundle is unchanged)')
    .option('--actor <who>', 'who is rolling back (default: $USER; $USER@host in the admin record)')
    .option('--reason <text>', 'why (required with --to and --withdraw)')
    .addHelpText('after', `${STORE_HELP}${AUDIT_HELP}`)
    .action(async (opts: RollbackCommandOptions) => {
      process.exitCode = await runRollback(opts);
    });
}
