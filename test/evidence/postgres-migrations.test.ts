/**
 * PostgreSQL evidence migrations against the real server: a schema made by the first version (time
 * and expiry B-trees) is brought to the current one on open, keeping its records, with time and
 * expiry indexed by block range (BRIN); a new schema is created that way directly.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRecord, ChainWriter, PostgresStore, verifyStore } from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from './pg-probe.js';

const hasPg = await pgAvailable();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(schemas);
});

/** `indexname: access method` of the records table's indexes. */
async function indexes(schema: string): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const res = await c.query<{ name: string; method: string }>(
      `SELECT i.relname AS name, a.amname AS method
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am a ON a.oid = i.relam
        WHERE n.nspname = $1 AND t.relname = 'decision_records'`,
      [schema],
    );
    return Object.fromEntries(res.rows.map((r) => [r.name, r.method]));
  } finally {
    await c.end();
  }
}

describe.runIf(hasPg || process.env.CI === 'true')('PostgreSQL evidence migrations', () => {
  it('creates a new schema with BRIN indexes on time and expiry', async () => {
    const schema = uniqueSchema('mignew');
    schemas.push(schema);
    const store = new PostgresStore({ connection: PG_URL, schema });
    await store.open();
    await store.close();
    expect(await indexes(schema)).toMatchObject({
      decision_records_time_brin: 'brin',
      decision_records_expires_brin: 'brin',
      decision_records_interaction: 'btree',
    });
  });

  it('upgrades a first-version schema in place: its records stay and verify, the B-trees become BRIN', async () => {
    const schema = uniqueSchema('migold');
    schemas.push(schema);
    const first = new PostgresStore({ connection: PG_URL, schema });
    await first.open();
    const chain = new ChainWriter('default');
    const key = Buffer.alloc(32, 5);
    await first.append(
      Array.from({ length: 30 }, (_, i) => chain.append(buildRecord(makeInput(i), { subjectKey: key }))),
      [],
    );
    await first.close();
    // Back to what the first version left: its B-tree indexes, migrations table at version 1.
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP INDEX "${schema}".decision_records_time_brin`);
    await c.query(`DROP INDEX "${schema}".decision_records_expires_brin`);
    await c.query(`CREATE INDEX decision_records_time ON "${schema}".decision_records (time)`);
    await c.query(
      `CREATE INDEX decision_records_expires ON "${schema}".decision_records (expires_at) WHERE expires_at IS NOT NULL`,
    );
    await c.query(`DELETE FROM "${schema}".evidence_migrations WHERE version > 1`);
    await c.end();
    expect(await indexes(schema)).toMatchObject({ decision_records_time: 'btree' });

    const upgraded = new PostgresStore({ connection: PG_URL, schema });
    await upgraded.open();
    const after = await indexes(schema);
    expect(after).toMatchObject({
      decision_records_time_brin: 'brin',
      decision_records_expires_brin: 'brin',
    });
    expect(after).not.toHaveProperty('decision_records_time');
    expect(after).not.toHaveProperty('decision_records_expires');
    expect(await upgraded.select({})).toHaveLength(30);
    expect((await verifyStore(upgraded)).ok).toBe(true);
    // Time-range queries still answer from the BRIN index's ranges.
    expect(await upgraded.select({ since: new Date('2000-01-01T00:00:00Z'), limit: 5 })).toHaveLength(5);
    await upgraded.close();
  });
});
