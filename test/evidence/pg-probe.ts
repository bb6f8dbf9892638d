/** Finds the test PostgreSQL server and hands out throwaway schemas. */
import pg from 'pg';

/** The test database; override with RAMPART_TEST_PG. */
export const PG_URL = process.env.RAMPART_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when the server answers within two seconds. */
export async function pgAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A schema name unique to this run. */
export function uniqueSchema(tag: string): string {
  return `rampart_test_${tag}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
}

/** Drops the given schemas. */
export async function dropSchemas(schemas: string[]): Promise<void> {
  if (schemas.length === 0) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await c.end();
  }
}
