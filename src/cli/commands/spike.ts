/**
 * `rampart spike list` and `rampart spike clear --trigger T [--route R]`: the spike-guard narrowings of
 * a running decision server, through its admin API (key in $RAMPART_API_KEY: `admin:read` to list,
 * `killswitch` to clear). A cleared narrowing is lifted on every instance sharing the server's Redis.
 */
import type { Command } from 'commander';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';

/** Options of `rampart spike`. */
export interface SpikeFlags {
  server: string;
  trigger?: string;
  route?: string;
  all?: boolean;
}

interface Narrowing {
  trigger: string;
  route: string;
  mode: string;
  at: string;
  instance: string;
  evidence: { signal: string; value: number; baseline: number; decisions: number };
}

/** Runs `rampart spike <list|clear>`; returns the exit code. */
export async function runSpike(
  action: string | undefined,
  flags: SpikeFlags,
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  if (action !== 'list' && action !== 'clear')
    throw new UsageError('usage: rampart spike list | rampart spike clear (--trigger T [--route R] | --all)');
  if (action === 'clear' && !flags.trigger && !flags.route && !flags.all)
    throw new UsageError('name the narrowing to clear: --trigger T and/or --route R (or --all)');
  const base = flags.server.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (env.RAMPART_API_KEY) headers.authorization = `Bearer ${env.RAMPART_API_KEY}`;
  let res: Response;
  try {
    res =
      action === 'list'
        ? await fetch(`${base}/v1/admin/spikes`, { headers })
        : await fetch(`${base}/v1/admin/spikes/clear`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({
              ...(flags.trigger ? { trigger: flags.trigger } : {}),
              ...(flags.route ? { route: flags.route } : {}),
              ...(flags.all ? { all: true } : {}),
            }),
          });
  } catch (e) {
    throw new UsageError(
      `cannot reach ${base}: ${(e as Error).message} (is \`rampart serve\` running? --server sets its URL)`,
    );
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const e = (body.error ?? {}) as { code?: string; message?: string };
    err(`rampart: ${e.code ?? `http ${res.status}`}: ${e.message ?? res.statusText}`);
    if (res.status === 401 || res.status === 403)
      err('rampart: set RAMPART_API_KEY to a key with `admin:read` (list) or `killswitch` (clear)');
    return res.status >= 400 && res.status < 500 ? 2 : EXIT_FAILURE;
  }
  if (action === 'list') {
    const list = (body.narrowings ?? []) as Narrowing[];
    if (list.length === 0) out('no spike narrowings are in force');
    for (const n of list)
      out(
        `${n.trigger} on ${n.route}: ${n.mode} since ${n.at} (${n.evidence.signal} ${n.evidence.value} vs ${n.evidence.baseline} the hour before, ${n.evidence.decisions} decisions; fired on ${n.instance})`,
      );
    return EXIT_OK;
  }
  const cleared = (body.cleared ?? []) as { trigger: string; route: string }[];
  if (cleared.length === 0) out('nothing matched: no narrowing was in force for that');
  for (const c of cleared) out(`cleared ${c.trigger} on ${c.route}`);
  return EXIT_OK;
}

/** Registers `rampart spike`. */
export function registerSpike(program: Command): void {
  program
    .command('spike')
    .description('list or clear the spike-guard narrowings of a running decision server')
    .argument('[action]', 'list | clear')
    .option(
      '--server <url>',
      'decision server base URL',
      process.env.RAMPART_SERVER ?? 'http://127.0.0.1:8181',
    )
    .option('--trigger <id>', 'the trigger whose narrowings to clear')
    .option('--route <route>', 'the route whose narrowings to clear')
    .option('--all', 'clear every narrowing')
    .addHelpText(
      'after',
      '\nThe key comes from $RAMPART_API_KEY (`admin:read` to list, `killswitch` to clear); the server from\n' +
        '--server or $RAMPART_SERVER. A narrowing stays until cleared; after a clear the same trigger and route\n' +
        'stay quiet for one five-minute window.\n' +
        'Exit codes: 0 done; 1 server error; 2 usage error, refused (401/403/422) or server unreachable.\n' +
        'Example: RAMPART_API_KEY=… rampart spike clear --trigger refund-blocks --route staff-console',
    )
    .action(async (action: string | undefined, flags: SpikeFlags) => {
      process.exitCode = await runSpike(action, flags);
    });
}
