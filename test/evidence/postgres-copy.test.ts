/**
 * The PostgreSQL store loads group commits with COPY: values that COPY's text format treats
 * specially must arrive unchanged, and a batch that is partly stored already (a replay) must be
 * stored idempotently instead of failing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildRecord,
  ChainWriter,
  type DecisionRecord,
  generateSigner,
  PostgresSink,
  PostgresStore,
  signCheckpoint,
  verifyStore,
} from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from './pg-probe.js';

const hasPg = await pgAvailable();
const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await dropSchemas(schemas);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const awkward = 'tab\there, newline\nthere, cr\rback\\slash \\N "quote" \u00e9\u{1F600}';

describe.runIf(hasPg || process.env.CI === 'true')('PostgreSQL COPY load', () => {
  it('stores values with tabs, newlines, backslashes and \\N unchanged, and they verify', async () => {
    const schema = uniqueSchema('copy');
    schemas.push(schema);
    const dir = mkdtempSync(join(tmpdir(), 'rampart-copy-'));
    dirs.push(dir);
    const sink = new PostgresSink({ connection: PG_URL, schema, keyDir: dir });
    await sink.open();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sink.write(
          makeInput(i, {
            interaction: `${awkward}-${i}`,
            route: awkward,
            tenant: '\\N',
            decision: {
              ...makeInput(i).decision,
              rules: [awkward],
              evidence: { [awkward]: awkward, n: [1, '\\'] },
            },
          }),
        ),
      ),
    );
    await sink.close();

    const store = new PostgresStore({ connection: PG_URL, schema });
    await store.open();
    const records = await store.select({ interaction: `${awkward}-3` });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ route: awkward, tenant: '\\N', rules: [awkward] });
    expect(records[0]!.context).toEqual({ [awkward]: awkward, n: [1, '\\'] });
    expect(await store.select({ rule: awkward, route: awkward, tenant: '\\N' })).toHaveLength(20);
    expect((await verifyStore(store)).ok).toBe(true);
    await store.close();

    // The columns themselves hold the values, not an escaped form of them.
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const row = await c.query(
      `SELECT route, tenant, interaction FROM "${schema}".decision_records WHERE seq = 4`,
    );
    await c.end();
    expect(row.rows[0]).toEqual({ route: awkward, tenant: '\\N', interaction: `${awkward}-3` });
  });

  it('stores a batch that overlaps what is stored already (a replay) without duplicates or errors', async () => {
    const schema = uniqueSchema('copyreplay');
    schemas.push(schema);
    const store = new PostgresStore({ connection: PG_URL, schema });
    await store.open();
    const chain = new ChainWriter('default');
    const key = Buffer.alloc(32, 4);
    const records: DecisionRecord[] = Array.from({ length: 30 }, (_, i) =>
      chain.append(buildRecord(makeInput(i), { subjectKey: key })),
    );
    const signer = generateSigner();
    const cp = (r: DecisionRecord) =>
      signCheckpoint(signer, { stream: 'default', kind: 'periodic', seq: r.seq, hash: r.hash, time: r.time });
    await store.append(records.slice(0, 20), [cp(records[19]!)]);
    // The replay re-sends 10..29: the first ten are there already.
    await store.append(records.slice(10), [cp(records[29]!)]);
    await store.append(records.slice(25), []);
    const links = await store.links('default');
    expect(links.map((l) => l.seq)).toEqual(records.map((r) => r.seq));
    expect((await verifyStore(store, { publicKey: signer.publicKey })).ok).toBe(true);
    await store.close();
  });
});
