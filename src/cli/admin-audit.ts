/**
 * The admin audit of CLI admin actions (`rampart activate`, `rollback`, `exceptions grant|revoke`):
 * the same record {@link AdminAudit} writes for the admin API, chained in the evidence store the
 * server of the same configuration uses, so "every admin action is an audited, chained record" also
 * holds when an operator changes the stores without a server.
 *
 * Where: `--evidence <path|postgres://…>`; else with `--database` PostgreSQL evidence in that
 * database and schema; else the serve config's evidence (`--config`, or `RAMPART_CONFIG`); else
 * what `rampart serve` would pick here (`RAMPART_EVIDENCE*` variables, default `./.rampart/evidence.db`).
 * Stream: SQLite and JSON Lines take `admin` when no live process holds it, else `admin-<pid>` (the
 * server holds `admin` while it runs). PostgreSQL has no stream lock files, and a server holds
 * `admin` there without any lock, so the CLI writes `admin-cli`, guarded by an advisory lock, or
 * `admin-cli-<host>-<pid>` while another CLI holds that.
 *
 * Order: the audit log is opened before the action (an unavailable log refuses the action, nothing
 * changed); the record is written after the action took effect, or as `refused`/`failed` when the
 * store refused it. A record that cannot be written after the action says so and exits 1.
 */
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import pg from 'pg';
import { type Bundle, computeBundleDigest, parseBundle, sha256Hex } from '../bundle/bundle-format.js';
import { isBundleError } from '../bundle/errors.js';
import { JsonlSink } from '../evidence/jsonl-sink.js';
import { PostgresSink } from '../evidence/postgres-sink.js';
import type { EvidenceSink } from '../evidence/sink.js';
import { SqliteSink } from '../evidence/sqlite-sink.js';
import { isPolicyError } from '../policy/errors.js';
import type { PolicyRef } from '../policy/types.js';
import { ADMIN_STREAM, AdminAudit, type AdminEvent } from '../server/admin/audit.js';
import type { Caller } from '../server/auth.js';
import { resolveServeConfig, type ServeConfig, streamSlug } from '../server/config.js';
import { isServerError } from '../server/errors.js';
import { postgresEvidenceKeys } from '../server/evidence-keys.js';
import { EXIT_FAILURE, UsageError } from './exit.js';

/** The flags that say where CLI admin records go and who acts. */
export interface AuditFlags {
  /** Evidence store override: a SQLite path, a `.jsonl` path, or `postgres://…`. */
  evidence?: string;
  config?: string;
  database?: string;
  schema?: string;
  actor?: string;
}

/** The PostgreSQL stream of CLI admin records (servers write `admin` / `admin-<instance>`). */
export const CLI_PG_STREAM = 'admin-cli';

/** Where CLI admin records go. */
export type AuditEvidence = Pick<ServeConfig['evidence'], 'kind' | 'path' | 'url' | 'schema'>;

/** Stand-in policy reference when the command did not read the active bundle. */
export const UNKNOWN_POLICY: PolicyRef = { name: '(not read)', version: '-', digest: '-' };

/** What the server records while the safe baseline decides. */
export const SAFE_BASELINE_POLICY: PolicyRef = {
  name: 'rampart/safe-baseline',
  version: '1',
  digest: 'builtin',
};

/** The policy reference of an active bundle (the safe baseline when none is). */
export function policyRefOf(bundle: Bundle | undefined): PolicyRef {
  if (!bundle) return SAFE_BASELINE_POLICY;
  return {
    name: bundle.manifest.name,
    version: bundle.manifest.version,
    digest: computeBundleDigest(bundle),
  };
}

/** Default actor: the OS user running the command. */
export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  return env.USER ?? env.LOGNAME ?? 'unknown';
}

/** The CLI caller: `--actor`, else `$USER@host`. */
export function cliCaller(actor: string | undefined, env: NodeJS.ProcessEnv = process.env): Caller {
  return {
    id: actor?.trim() || `${defaultActor(env)}@${hostname()}`,
    kind: 'cli',
    scopes: new Set<string>(),
  };
}

function fromLocation(location: string, schema: string | undefined): AuditEvidence {
  if (/^postgres(ql)?:\/\//.test(location))
    return { kind: 'postgres', url: location, ...(schema ? { schema } : {}) };
  if (location.startsWith('sqlite:')) return { kind: 'sqlite', path: location.slice(7) };
  if (location.startsWith('jsonl:')) return { kind: 'jsonl', path: location.slice(6) };
  return { kind: location.endsWith('.jsonl') ? 'jsonl' : 'sqlite', path: location };
}

/** Works out the evidence store of CLI admin records from the flags (see the file comment). */
export function resolveAuditEvidence(flags: AuditFlags, env: NodeJS.ProcessEnv = process.env): AuditEvidence {
  if (flags.evidence !== undefined) {
    if (flags.evidence.trim() === '') throw new UsageError('--evidence needs a path or a postgres:// URL');
    return fromLocation(flags.evidence, flags.database !== undefined ? flags.schema : undefined);
  }
  if (flags.database !== undefined)
    return { kind: 'postgres', url: flags.database, ...(flags.schema ? { schema: flags.schema } : {}) };
  let evidence: ServeConfig['evidence'];
  try {
    // The same resolution `rampart serve` makes (config file, RAMPART_* variables, defaults).
    evidence = resolveServeConfig(flags.config !== undefined ? { config: flags.config } : {}, env).evidence;
  } catch (e) {
    if (isServerError(e)) throw new UsageError(`cannot tell where admin records go: ${e.message}`);
    throw e;
  }
  if (evidence.kind === 'memory')
    throw new UsageError(
      'the serve configuration keeps evidence in memory, where this command cannot add its admin record; give --evidence <path|postgres://…>',
    );
  return {
    kind: evidence.kind,
    ...(evidence.path !== undefined ? { path: evidence.path } : {}),
    ...(evidence.url !== undefined ? { url: evidence.url } : {}),
    ...(evidence.schema !== undefined ? { schema: evidence.schema } : {}),
  };
}

/** Describes where records go, for messages (no credentials: a URL's password is masked). */
export function describeAuditEvidence(e: AuditEvidence): string {
  if (e.kind === 'postgres') {
    const url = (e.url as string).replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
    return `postgres ${url} schema ${e.schema ?? 'rampart'}`;
  }
  return `${e.kind} ${e.path}`;
}

/** Holds the PostgreSQL advisory lock of a CLI stream for the life of the audit. */
async function lockPgStream(
  url: string,
  schema: string,
): Promise<{ stream: string; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  const candidates = [CLI_PG_STREAM, `${CLI_PG_STREAM}-${streamSlug(hostname())}-${process.pid}`];
  try {
    for (const stream of candidates) {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
        `rampart-evidence-stream:${schema}:${stream}`,
      ]);
      if (r.rows[0]?.ok)
        return {
          stream,
          // Ending the session releases the lock.
          release: () => client.end().catch(() => undefined),
        };
    }
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  await client.end().catch(() => undefined);
  throw new Error(`no free admin stream in schema ${schema}`);
}

/** An opened CLI admin audit: one record per action. */
export class CliAudit {
  private policy: PolicyRef = UNKNOWN_POLICY;
  private readonly audit: AdminAudit;

  private constructor(
    private readonly sink: EvidenceSink & { readonly stream?: string },
    private readonly caller: Caller,
    /** Where records go, for messages. */
    readonly where: string,
    private readonly releaseLock: () => Promise<void>,
  ) {
    this.audit = new AdminAudit(sink, () => this.policy, true);
  }

  /**
   * Opens the audit log of `flags` before an action; throws `CliAuditUnavailable` when it cannot be
   * opened (the action must then not run).
   */
  static async open(flags: AuditFlags, env: NodeJS.ProcessEnv = process.env): Promise<CliAudit> {
    const evidence = resolveAuditEvidence(flags, env);
    const where = describeAuditEvidence(evidence);
    const caller = cliCaller(flags.actor, env);
    let sink: EvidenceSink & { readonly stream?: string };
    let release: () => Promise<void> = async () => undefined;
    try {
      switch (evidence.kind) {
        case 'postgres': {
          const schema = evidence.schema ?? 'rampart';
          const lock = await lockPgStream(evidence.url as string, schema);
          release = lock.release;
          sink = new PostgresSink({
            connection: evidence.url as string,
            ...postgresEvidenceKeys(),
            stream: lock.stream,
            ...(evidence.schema ? { schema: evidence.schema } : {}),
          });
          break;
        }
        case 'sqlite': {
          const path = evidence.path as string;
          // No spill file: a record that cannot be stored must fail the command, not wait in a
          // file only a later writer of the same stream would replay.
          sink = new SqliteSink({
            path,
            stream: ADMIN_STREAM,
            streamFallback: true,
            spillPath: undefined,
            writeThread: 'main',
          });
          break;
        }
        default: {
          const path = evidence.path as string;
          sink = new JsonlSink({
            path: `${path.replace(/\.jsonl$/, '')}.${ADMIN_STREAM}.jsonl`,
            stream: ADMIN_STREAM,
            streamFallback: true,
            keyDir: dirname(path),
          });
        }
      }
      const audit = new CliAudit(sink, caller, where, release);
      // Opened here to report the cause; then through AdminAudit, which keeps it opened (a record
      // after close fails instead of reopening the store).
      await sink.open();
      await audit.audit.ready();
      return audit;
    } catch (e) {
      await release();
      throw new CliAuditUnavailable(where, e);
    }
  }

  /** The chain stream records go to (`admin`, `admin-<pid>`, `admin-cli`…). */
  get stream(): string | undefined {
    return this.sink.stream;
  }

  /** The active policy the next record names. */
  setPolicy(ref: PolicyRef): void {
    this.policy = ref;
  }

  /** Writes one record; throws `server/unavailable` when it cannot. */
  record(event: AdminEvent): Promise<string> {
    return this.audit.record(this.caller, event);
  }

  /** Flushes, closes the sink (leaving a signed checkpoint) and releases the stream. */
  async close(): Promise<void> {
    await this.audit.close();
    await this.releaseLock();
  }
}

/** The audit log could not be opened: nothing was changed. */
export class CliAuditUnavailable extends Error {
  override readonly name = 'CliAuditUnavailable';
  constructor(
    readonly where: string,
    cause: unknown,
  ) {
    super(
      `admin/audit-unavailable: cannot open the admin audit log (${where}): ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/** The outcome and code the admin API records for an error an action raised. */
export function refusalOf(error: unknown): { outcome: 'refused' | 'failed'; code: string } {
  if (isServerError(error)) return { outcome: error.status >= 500 ? 'failed' : 'refused', code: error.code };
  if (isBundleError(error)) {
    const code = error.diagnostics[0]?.code ?? error.code;
    // An unreachable store is not a verdict on the input.
    return {
      outcome: error.diagnostics.every((d) => d.code === 'source/fetch-failed') ? 'failed' : 'refused',
      code,
    };
  }
  if (isPolicyError(error))
    return { outcome: 'refused', code: error.diagnostics[0]?.code ?? 'policy/invalid' };
  const code = (error as { code?: unknown } | null)?.code;
  return { outcome: 'failed', code: typeof code === 'string' ? code : 'cli/error' };
}

interface Io {
  stderr: { write(s: string): unknown };
}

/** Prints that the audit log is unavailable and nothing changed; returns exit 1. */
export function reportAuditUnavailable(error: CliAuditUnavailable, io: Io): number {
  io.stderr.write(`unavailable: ${error.message}\nnothing was changed\n`);
  return EXIT_FAILURE;
}

/**
 * Records an action that took effect. When the record cannot be written the action stands, and the
 * operator is told so on stderr; returns the exit code (`ok` when recorded, 1 otherwise).
 */
export async function recordDone(audit: CliAudit, event: AdminEvent, io: Io, ok: number): Promise<number> {
  try {
    await audit.record(event);
    return ok;
  } catch (e) {
    io.stderr.write(
      `error: admin/audit-failed: ${event.action} ${event.target} TOOK EFFECT, but its admin audit record could not be written to ${audit.where} (${e instanceof Error ? e.message : String(e)}); record it by hand and check the evidence store\n`,
    );
    return EXIT_FAILURE;
  }
}

/**
 * Records a refused or failed action (the error it raised). A record that cannot be written is
 * reported on stderr; the command fails either way.
 */
export async function recordRefused(
  audit: CliAudit,
  event: Omit<AdminEvent, 'outcome' | 'code'>,
  error: unknown,
  io: Io,
): Promise<void> {
  try {
    await audit.record({ ...event, ...refusalOf(error) });
  } catch (e) {
    io.stderr.write(
      `error: admin/audit-failed: the refusal of ${event.action} ${event.target} could not be recorded in ${audit.where} (${e instanceof Error ? e.message : String(e)}); nothing was changed\n`,
    );
  }
}

/** Adds `--evidence` (and `--actor` unless the command has it) to an admin command. */
export function auditOptions(command: Command, actor = true): Command {
  command.option(
    '--evidence <path|url>',
    'evidence store of the admin audit record: a SQLite file, a .jsonl file or postgres://… (default: the evidence of --database or --config, else ./.rampart/evidence.db as rampart serve picks it)',
  );
  if (actor) command.option('--actor <who>', 'who is acting (default: $USER@host)');
  return command;
}

/** `--help` text on the admin audit record, shared by the audited commands. */
export const AUDIT_HELP = `
Admin audit: each change (and each refusal by the store) is also an admin record in the chained
evidence stream the server uses — action, target, outcome ok/refused/failed, digest, reason, and the
actor (--actor, else $USER@host, kind cli); never keys, bundle bodies or signatures. It goes to
--evidence, else PostgreSQL evidence in the --database schema (stream admin-cli), else the
evidence of --config, else ./.rampart/evidence.db (RAMPART_EVIDENCE* as for rampart serve), stream
admin or admin-<pid> while a server holds admin. When the audit log cannot be opened nothing is
changed (exit 1); when the record fails after the change, stderr says the change took effect (exit 1).
`;

/** The bundle a command was given, as the audit names it (never its body). */
export function submittedBundle(text: string): { target: string; digest: string } {
  try {
    const digest = computeBundleDigest(parseBundle(text));
    return { target: digest, digest };
  } catch {
    // What the server records for a malformed upload: the digest of the bytes submitted.
    return { target: '(submitted bundle)', digest: `sha256:${sha256Hex(text)}` };
  }
}

/**
 * Runs an action; when it throws (other than a usage error), records the refusal or failure first
 * and rethrows, as the admin API does.
 */
export async function refusalsRecorded<T>(
  audit: CliAudit,
  event: Omit<AdminEvent, 'outcome' | 'code'>,
  io: Io,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof UsageError)) await recordRefused(audit, event, e, io);
    throw e;
  }
}
