/**
 * `rampart kill tool payments.refund`: flips a kill switch on a running decision server through its
 * admin API (needs an API key or JWT with the `killswitch` scope in $RAMPART_API_KEY).
 */
import type { Command } from 'commander';
import { createClient, isRampartHttpError } from '../../client/index.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';

/** Options of `rampart kill`. */
export interface KillFlags {
  server: string;
  reason?: string;
  off?: boolean;
  list?: boolean;
}

/** Runs `rampart kill`; returns the exit code. */
export async function runKill(
  kind: string | undefined,
  name: string | undefined,
  flags: KillFlags,
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const client = createClient({
    baseUrl: flags.server,
    ...(env.RAMPART_API_KEY ? { apiKey: env.RAMPART_API_KEY } : {}),
  });
  try {
    if (flags.list) {
      const all = await client.listKillSwitches();
      if (all.length === 0) out('no kill switches are on');
      for (const k of all)
        out(
          `${k.kind} ${k.name}  by ${k.actor ?? '?'} at ${k.at ?? '?'}${k.reason ? `  (${k.reason})` : ''}`,
        );
      return EXIT_OK;
    }
    if (kind !== 'tool' && kind !== 'route')
      throw new UsageError('usage: rampart kill <tool|route> <name> [--off] [--reason …]');
    if (!name) throw new UsageError(`name the ${kind} to ${flags.off ? 'restore' : 'kill'}`);
    const r = await client.setKillSwitch({
      kind,
      name,
      enabled: !flags.off,
      ...(flags.reason ? { reason: flags.reason } : {}),
    });
    if (flags.off) out(r.changed ? `${kind} ${name} restored` : `${kind} ${name} was not killed`);
    else out(`${kind} ${name} killed: decisions now deny it with rule rampart/kill-switch`);
    return EXIT_OK;
  } catch (e) {
    if (!isRampartHttpError(e)) throw e;
    if (e.status === 0)
      throw new UsageError(`${e.message} (is \`rampart serve\` running? --server sets its URL)`);
    process.stderr.write(`rampart: ${e.code}: ${e.message}\n`);
    if (e.status === 401 || e.status === 403)
      process.stderr.write(
        'rampart: set RAMPART_API_KEY to a key with the `killswitch` scope (`admin:read` for --list)\n',
      );
    return e.status >= 400 && e.status < 500 ? 2 : EXIT_FAILURE;
  }
}

/** Registers `rampart kill`. */
export function registerKill(program: Command): void {
  program
    .command('kill')
    .description('turn a kill switch on (or --off) for a tool or a route on a running decision server')
    .argument('[kind]', 'tool | route')
    .argument('[name]', 'the tool name (e.g. payments.refund) or route (e.g. customer-chat)')
    .option(
      '--server <url>',
      'decision server base URL',
      process.env.RAMPART_SERVER ?? 'http://127.0.0.1:8181',
    )
    .option('--reason <text>', 'why (recorded with the switch)')
    .option('--off', 'turn the switch off again')
    .option('--list', 'list the switches that are on')
    .addHelpText(
      'after',
      '\nThe key comes from $RAMPART_API_KEY (scope `killswitch`; `admin:read` for --list); the server from\n' +
        '--server or $RAMPART_SERVER. A killed tool is denied at the tool point and a killed route at every point,\n' +
        "with rule rampart/kill-switch, on every instance sharing the server's Redis.\n" +
        'Exit codes: 0 done; 1 server error; 2 usage error, refused (401/403/422) or server unreachable.\n' +
        'Example: RAMPART_API_KEY=… rampart kill tool payments.refund --reason "payout incident"',
    )
    .action(async (kind: string | undefined, name: string | undefined, flags: KillFlags) => {
      process.exitCode = await runKill(kind, name, flags);
    });
}
