/** `rampart logs query|trace|stats|verify|purge`: read, check and prune the decision log. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  CHECKPOINT_PUBLIC_KEY_FILE,
  computeStats,
  type DecisionRecord,
  type EvidenceStats,
  isEvidenceError,
  loadPublicKey,
  loadSigner,
  openReadableStore,
  parseStoreLocation,
  parseTimeBound,
  queryRecords,
  type ReadableStore,
  signCheckpoint,
  traceInteraction,
  verifyStore,
} from '../../evidence/index.js';
import { POINTS } from '../../policy/types.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';

/** Where to read; shared by every `logs` subcommand. */
export interface StoreFlags {
  store: string;
  schema?: string;
  keyDir?: string;
  json?: boolean;
}

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

const OUTCOMES = ['allowed', 'blocked', 'allowed_with_conditions'];

async function withStore<T>(
  flags: StoreFlags,
  fn: (s: ReadableStore) => Promise<T>,
  write = false,
): Promise<T> {
  let store: ReadableStore;
  try {
    const loc = parseStoreLocation(flags.store, flags.keyDir);
    store = await openReadableStore(loc, { ...(flags.schema ? { schema: flags.schema } : {}), write });
  } catch (e) {
    if (isEvidenceError(e)) throw new UsageError(e.message);
    throw e;
  }
  try {
    return await fn(store);
  } catch (e) {
    if (isEvidenceError(e) && (e.code === 'evidence/bad-query' || e.code === 'evidence/bad-config'))
      throw new UsageError(e.message);
    throw e;
  } finally {
    await store.close();
  }
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i] ?? 0, r[i]!.length);
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function recordRows(records: DecisionRecord[]): string[][] {
  const rows = [['TIME', 'POINT', 'OUTCOME', 'RISK', 'ROUTE', 'INTERACTION', 'RULES', 'LATENCY_US', 'ID']];
  for (const r of records)
    rows.push([
      r.time,
      r.point,
      r.outcome,
      r.risk ?? '-',
      r.route ?? '-',
      r.interaction ?? '-',
      r.rules.join(',') || '-',
      String(r.latency_us),
      r.id,
    ]);
  return rows;
}

function printRecords(records: DecisionRecord[], flags: StoreFlags, io: Io, empty: string): void {
  if (flags.json) io.stdout.write(`${JSON.stringify(records)}\n`);
  else if (records.length === 0) io.stdout.write(`${empty}\n`);
  else io.stdout.write(table(recordRows(records)));
}

/** Options of `rampart logs query`. */
export interface QueryFlags extends StoreFlags {
  since?: string;
  until?: string;
  point?: string;
  outcome?: string;
  rule?: string;
  route?: string;
  interaction?: string;
  limit?: string;
}

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return Number(text);
}

/** Prints records matching the filters; returns the exit code. */
export async function runLogsQuery(flags: QueryFlags, io: Io = process): Promise<number> {
  if (flags.point && !(POINTS as readonly string[]).includes(flags.point))
    throw new UsageError(`--point must be one of ${POINTS.join(', ')}, got "${flags.point}"`);
  if (flags.outcome && !OUTCOMES.includes(flags.outcome))
    throw new UsageError(`--outcome must be one of ${OUTCOMES.join(', ')}, got "${flags.outcome}"`);
  const limit = positiveInt(flags.limit, '--limit') ?? 100;
  const now = new Date();
  const since = flags.since !== undefined ? parseBound(flags.since, now, '--since') : undefined;
  const until = flags.until !== undefined ? parseBound(flags.until, now, '--until') : undefined;
  const records = await withStore(flags, (s) =>
    queryRecords(s, {
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
      ...(flags.point ? { point: flags.point } : {}),
      ...(flags.outcome ? { outcome: flags.outcome } : {}),
      ...(flags.rule ? { rule: flags.rule } : {}),
      ...(flags.route ? { route: flags.route } : {}),
      ...(flags.interaction ? { interaction: flags.interaction } : {}),
      limit,
      order: 'desc',
    }),
  );
  printRecords(records.reverse(), flags, io, 'no matching decision records');
  return EXIT_OK;
}

function parseBound(text: string, now: Date, flag: string): Date {
  try {
    return parseTimeBound(text, now, flag);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** Prints every decision of one interaction, in order. */
export async function runLogsTrace(
  interaction: string,
  flags: StoreFlags,
  io: Io = process,
): Promise<number> {
  const records = await withStore(flags, (s) => traceInteraction(s, interaction));
  printRecords(records, flags, io, `no decision records for interaction ${interaction}`);
  return EXIT_OK;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const us = (x: number | null) => (x === null ? '-' : String(x));

/** Renders stats as tables. */
export function formatStats(s: EvidenceStats): string {
  let out = `window ${s.window.since} .. ${s.window.until}\n`;
  out += table([
    [
      'DECISIONS',
      'BLOCKED',
      'BLOCKED_RATE',
      'APPEALS',
      'HIGH_RISK_RATIO',
      'EXCEPTIONS',
      'APPROVALS',
      'SHADOW_DIVERGENCES',
    ],
    [
      String(s.total),
      String(s.blocked),
      pct(s.blockedRate),
      String(s.appeals),
      pct(s.highRiskRatio),
      String(s.exceptionsUsed),
      String(s.approvalsRequired),
      String(s.shadowDivergences),
    ],
  ]);
  const routes = Object.entries(s.byRoute);
  if (routes.length > 0) {
    out += '\nby route\n';
    const rows = [
      ['ROUTE', 'DECISIONS', 'BLOCKED_RATE', 'APPEALS', 'P50_US', 'P99_US', 'PREV_P99_US', 'P99_CHANGE'],
    ];
    for (const [route, g] of routes)
      rows.push([
        route,
        String(g.total),
        pct(g.blockedRate),
        String(g.appeals),
        us(g.latencyUs.p50),
        us(g.latencyUs.p99),
        us(g.latencyUs.previousP99),
        g.latencyUs.p99Change === null
          ? '-'
          : `${g.latencyUs.p99Change >= 0 ? '+' : ''}${pct(g.latencyUs.p99Change)}`,
      ]);
    out += table(rows);
  }
  const rules = Object.entries(s.byRule);
  if (rules.length > 0) {
    out += '\nby rule\n';
    const rows = [['RULE', 'MATCHED', 'BLOCKED', 'BLOCKED_RATE', 'APPEALS']];
    for (const [rule, g] of rules)
      rows.push([rule, String(g.total), String(g.blocked), pct(g.blockedRate), String(g.appeals)]);
    out += table(rows);
  }
  return out;
}

/** Prints signals for one window. */
export async function runLogsStats(
  flags: StoreFlags & { window: string; now?: string },
  io: Io = process,
): Promise<number> {
  const now = flags.now !== undefined ? parseBound(flags.now, new Date(), '--now') : new Date();
  const stats = await withStore(flags, (s) => computeStats(s, { window: flags.window, now }));
  io.stdout.write(flags.json ? `${JSON.stringify(stats)}\n` : formatStats(stats));
  return EXIT_OK;
}

function trustedKey(flags: StoreFlags & { publicKey?: string }) {
  const loc = parseStoreLocation(flags.store, flags.keyDir);
  const path = flags.publicKey ?? join(loc.keyDir, CHECKPOINT_PUBLIC_KEY_FILE);
  if (!existsSync(path)) {
    if (flags.publicKey) throw new UsageError(`public key ${path} not found`);
    return undefined;
  }
  try {
    return loadPublicKey(path);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** Verifies the chain and checkpoints; exit 1 names the first altered, removed or reordered record. */
export async function runLogsVerify(
  flags: StoreFlags & { publicKey?: string; stream?: string },
  io: Io = process,
): Promise<number> {
  const publicKey = trustedKey(flags);
  const v = await withStore(flags, (s) =>
    verifyStore(s, {
      ...(publicKey ? { publicKey } : {}),
      ...(flags.stream ? { stream: flags.stream } : {}),
    }),
  );
  if (flags.json) io.stdout.write(`${JSON.stringify(v)}\n`);
  else {
    for (const s of v.streams) {
      if (s.ok) io.stdout.write(`ok ${s.stream}: ${s.records} records, ${s.checkpoints} checkpoints\n`);
      else {
        const p = s.problem!;
        io.stdout.write(
          `FAILED ${s.stream}: ${p.kind} at position ${p.index} (expected seq ${p.seq}${p.id ? `, found decision ${p.id}` : ''}): ${p.message}\n`,
        );
      }
    }
    if (v.streams.length === 0) io.stdout.write('ok: the log is empty\n');
    if (!publicKey)
      io.stderr.write(
        'warning: no trusted checkpoint public key found; signatures were not checked (use --public-key)\n',
      );
  }
  return v.ok ? EXIT_OK : EXIT_FAILURE;
}

/** Removes records whose retention ended and writes signed purge checkpoints. */
export async function runLogsPurge(flags: StoreFlags & { now?: string }, io: Io = process): Promise<number> {
  const now = flags.now !== undefined ? parseBound(flags.now, new Date(), '--now') : new Date();
  const loc = parseStoreLocation(flags.store, flags.keyDir);
  if (!existsSync(join(loc.keyDir, 'checkpoint-key.pem')))
    throw new UsageError(`no checkpoint signing key in ${loc.keyDir} (use --key-dir)`);
  const signer = loadSigner(loc.keyDir);
  const result = await withStore(flags, (s) => s.purge(now, (b) => signCheckpoint(signer, b)), true);
  if (flags.json)
    io.stdout.write(`${JSON.stringify({ purged: result.purged, checkpoints: result.checkpoints.length })}\n`);
  else
    io.stdout.write(
      `purged ${result.purged} records past retention; ${result.checkpoints.length} signed purge checkpoint(s) written\n`,
    );
  return EXIT_OK;
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option(
      '-s, --store <location>',
      'evidence store: a SQLite file, a .jsonl file, or postgres://…',
      '.rampart/evidence.db',
    )
    .option('--schema <name>', 'PostgreSQL schema (default rampart)')
    .option(
      '--key-dir <dir>',
      'directory with checkpoint keys (default: beside the store, .rampart for PostgreSQL)',
    )
    .option('--json', 'print JSON instead of a table');
}

/** Registers `rampart logs`. */
export function registerLogs(program: Command): void {
  const logs = program
    .command('logs')
    .description('Query, trace, summarise, verify and purge decision records');
  storeOptions(
    logs
      .command('query')
      .description('List decision records matching filters (newest --limit, printed oldest first)')
      .option('--since <time>', 'duration back from now (1h, 30m) or an RFC 3339 time')
      .option('--until <time>', 'duration back from now or an RFC 3339 time')
      .option('--point <point>', `one of ${POINTS.join(', ')}`)
      .option('--outcome <outcome>', `one of ${OUTCOMES.join(', ')}`)
      .option('--rule <id>', 'records where this rule matched')
      .option('--route <route>', 'records of this route')
      .option('--interaction <id>', 'records of this interaction')
      .option('--limit <n>', 'at most this many records', '100'),
  ).action(async (opts: QueryFlags) => {
    process.exitCode = await runLogsQuery(opts);
  });
  storeOptions(
    logs
      .command('trace')
      .description('Show every decision of one interaction, in order')
      .argument('<interaction>', 'interaction id'),
  ).action(async (interaction: string, opts: StoreFlags) => {
    process.exitCode = await runLogsTrace(interaction, opts);
  });
  storeOptions(
    logs
      .command('stats')
      .description(
        'Blocked rate, appeals, high-risk share, exceptions, approvals, latency p50/p99 per route, shadow divergences',
      )
      .option('-w, --window <duration>', 'window length, compared with the window before it', '5m')
      .option('--now <time>', 'end of the window (default now)'),
  ).action(async (opts: StoreFlags & { window: string; now?: string }) => {
    process.exitCode = await runLogsStats(opts);
  });
  storeOptions(
    logs
      .command('verify')
      .description(
        'Check the hash chain and signed checkpoints; report the first altered, removed or reordered record',
      )
      .option(
        '--public-key <file>',
        'trusted checkpoint public key (default: checkpoint-key.pub.pem in the key dir)',
      )
      .option('--stream <name>', 'verify only this stream')
      .addHelpText('after', '\nExit codes: 0 intact, 1 tampering found, 2 usage error.'),
  ).action(async (opts: StoreFlags & { publicKey?: string; stream?: string }) => {
    process.exitCode = await runLogsVerify(opts);
  });
  storeOptions(
    logs
      .command('purge')
      .description(
        'Remove records past their retention class, leaving a signed checkpoint so the chain still verifies',
      )
      .option('--now <time>', 'purge as of this time (default now)'),
  ).action(async (opts: StoreFlags & { now?: string }) => {
    process.exitCode = await runLogsPurge(opts);
  });
}
