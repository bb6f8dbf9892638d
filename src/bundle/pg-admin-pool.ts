/**
 * The connection pool of a PostgreSQL admin-state store (activation state, exception grants): a
 * checked schema name, a pool that survives idle disconnects, and the store's tables created under an
 * advisory lock, so instances starting together do not race on `CREATE … IF NOT EXISTS`.
 */
import pg from 'pg';
import { BundleError } from './errors.js';

/** A checked schema name; PostgreSQL identifiers are quoted with it, so only a plain name is allowed. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new BundleError('bundle/invalid-policy', `invalid PostgreSQL schema name "${schema}"`);
  return schema;
}

/** Opens a pool and runs `ddl` once under the advisory lock `lockKey`; `source/fetch-failed` otherwise. */
export async function openMigratedPool(opts: {
  connection: string | pg.PoolConfig;
  max: number;
  lockKey: string;
  ddl: string;
  /** What is being opened, for the error message (e.g. `activation store`). */
  what: string;
  schema: string;
}): Promise<pg.Pool> {
  const config =
    typeof opts.connection === 'string' ? { connectionString: opts.connection } : opts.connection;
  const pool = new pg.Pool({ max: opts.max, connectionTimeoutMillis: 3000, ...config });
  // An idle client dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock(hashtext($1))', [opts.lockKey]);
      await c.query(opts.ddl);
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [opts.lockKey]);
    } finally {
      c.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new BundleError(
      'source/fetch-failed',
      `cannot open ${opts.what} in PostgreSQL schema ${opts.schema}: ${(e as Error).message}`,
    );
  }
  return pool;
}
