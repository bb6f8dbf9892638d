/**
 * Exception grants in PostgreSQL, beside the activation state of `activation: postgres` instances
 * (same schema, same migration style as `PgActivationStore`), in two tables:
 *
 *   exception_grants(id, granted_at, expires, envelope)   every signed grant in the store (jsonb)
 *   exceptions_state(revision)                            one row, bumped by every grant and revoke
 *
 * The store keeps envelopes as submitted and never judges them: whoever reads them (the admin API of
 * each instance, `rampart exceptions`) verifies every one against the trusted governance with
 * `loadExceptions`, so a row written around the API (or signed by a key revoked since) never applies.
 * Every change bumps `revision` in the transaction that makes it; `onChange` announces the new
 * revision (Redis pub/sub) so instances need not wait for their poll.
 */
import type pg from 'pg';
import { BundleError } from './errors.js';
import { EXCEPTIONS_FORMAT, EXPIRED_GRANT_KEEP_MS, type SignedExceptionGrant } from './exceptions.js';
import { checkSchemaName, openMigratedPool } from './pg-admin-pool.js';

/** Options of {@link PgExceptionsStore}. */
export interface PgExceptionsStoreOptions {
  /** A connection string or a `pg` pool configuration. */
  connection: string | pg.PoolConfig;
  /** Schema holding the tables (created when absent). Default `rampart`, as the activation store. */
  schema?: string;
  /** Told the new revision after every committed change (errors are ignored: readers also poll). */
  onChange?: (revision: number) => Promise<void> | void;
}

/** The stored grants at one revision, as the text of an exceptions file. */
export interface StoredExceptions {
  revision: number;
  /** `{"format":"rampart.exceptions/v1","grants":[…]}`, for `loadExceptions`. */
  text: string;
}

/** See the file comment. */
export class PgExceptionsStore {
  private pool: pg.Pool | null = null;
  readonly schema: string;

  constructor(private readonly options: PgExceptionsStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? 'rampart');
  }

  private get s(): string {
    return `"${this.schema}"`;
  }

  /** Connects and creates the tables when absent. */
  async open(): Promise<void> {
    if (this.pool) return;
    this.pool = await openMigratedPool({
      connection: this.options.connection,
      max: 2,
      lockKey: `rampart-exceptions-migrate:${this.schema}`,
      what: 'exceptions store',
      schema: this.schema,
      ddl: `
          CREATE SCHEMA IF NOT EXISTS ${this.s};
          CREATE TABLE IF NOT EXISTS ${this.s}.exception_grants (
            id text PRIMARY KEY, granted_at text NOT NULL, expires text NOT NULL,
            envelope jsonb NOT NULL);
          CREATE TABLE IF NOT EXISTS ${this.s}.exceptions_state (
            id int PRIMARY KEY CHECK (id = 1), revision bigint NOT NULL);
          INSERT INTO ${this.s}.exceptions_state (id, revision) VALUES (1, 0) ON CONFLICT DO NOTHING;`,
    });
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end().catch(() => undefined);
  }

  private db(): pg.Pool {
    if (!this.pool) throw new BundleError('source/fetch-failed', 'exceptions store is not open');
    return this.pool;
  }

  /** Runs a query; a lost connection is `source/fetch-failed` (the store is unavailable, not the grant wrong). */
  private async query(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    const db = this.db();
    try {
      return await db.query(text, values);
    } catch (e) {
      throw new BundleError('source/fetch-failed', `exceptions store unavailable: ${(e as Error).message}`);
    }
  }

  /** The revision of the stored grants (one row read: what followers poll). */
  async revision(): Promise<number> {
    const res = await this.query(`SELECT revision FROM ${this.s}.exceptions_state WHERE id = 1`);
    return Number((res.rows[0] as { revision: string }).revision);
  }

  /** Every stored grant (verified or not: the reader verifies), with the revision they were read at. */
  async read(): Promise<StoredExceptions> {
    // One statement, one snapshot: the revision matches the rows.
    const res = await this.query(
      `SELECT s.revision, g.envelope FROM ${this.s}.exceptions_state s
         LEFT JOIN ${this.s}.exception_grants g ON true
        WHERE s.id = 1 ORDER BY g.granted_at, g.id`,
    );
    const rows = res.rows as { revision: string; envelope: unknown }[];
    const grants = rows.filter((r) => r.envelope !== null).map((r) => r.envelope);
    return {
      revision: Number(rows[0]?.revision ?? 0),
      text: JSON.stringify({ format: EXCEPTIONS_FORMAT, grants }),
    };
  }

  /** Bumps the revision in the same statement as the change, then announces it. */
  private async change(statement: string, values: unknown[]): Promise<pg.QueryResult | undefined> {
    // A data-modifying CTE: the change and the revision commit together or not at all, and the
    // revision moves only when a row did.
    const res = await this.query(
      `WITH changed AS (${statement} RETURNING envelope)
       , bumped AS (UPDATE ${this.s}.exceptions_state SET revision = revision + 1
                     WHERE id = 1 AND EXISTS (SELECT 1 FROM changed) RETURNING revision)
       SELECT (SELECT revision FROM bumped) AS revision, (SELECT envelope FROM changed LIMIT 1) AS envelope,
              (SELECT count(*) FROM changed) AS changed`,
      values,
    );
    const row = res.rows[0] as { revision: string | null; envelope: unknown };
    if (row.revision === null) return undefined;
    try {
      await this.options.onChange?.(Number(row.revision));
    } catch {
      // readers poll as well
    }
    return res;
  }

  /**
   * Stores a verified grant; false when a grant with its id is already stored (nothing changes).
   * Then drops grants expired over `EXPIRED_GRANT_KEEP_MS` before `now`, as housekeeping: a failure
   * there leaves them for the next grant.
   */
  async add(env: SignedExceptionGrant, now = new Date()): Promise<boolean> {
    const res = await this.change(
      `INSERT INTO ${this.s}.exception_grants (id, granted_at, expires, envelope) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO NOTHING`,
      [env.grant.id, env.grant.grantedAt ?? '', env.grant.expires, JSON.stringify(env)],
    );
    await this.pruneExpired(new Date(now.getTime() - EXPIRED_GRANT_KEEP_MS)).catch(() => undefined);
    return res !== undefined;
  }

  /**
   * Drops grants that expired before `before` (see `EXPIRED_GRANT_KEEP_MS`); the number dropped.
   * `expires` is the grant's own RFC 3339 text, so it is compared as a time, not as text.
   */
  async pruneExpired(before: Date): Promise<number> {
    const res = await this.change(
      `DELETE FROM ${this.s}.exception_grants WHERE expires::timestamptz < $1::timestamptz`,
      [before.toISOString()],
    );
    return Number((res?.rows[0] as { changed?: string } | undefined)?.changed ?? 0);
  }

  /** Removes a grant; the stored envelope, or undefined when there was none with that id. */
  async remove(id: string): Promise<unknown> {
    const res = await this.change(`DELETE FROM ${this.s}.exception_grants WHERE id = $1`, [id]);
    return (res?.rows[0] as { envelope: unknown } | undefined)?.envelope;
  }
}
