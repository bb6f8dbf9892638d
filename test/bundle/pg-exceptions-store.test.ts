/**
 * The PostgreSQL exceptions store (real PostgreSQL, a schema per run): tables created once even when
 * several instances open at the same moment, every change bumps the revision exactly once and is
 * announced, a no-op (duplicate grant, unknown id) changes neither rows, revision nor notices, and an
 * unreachable or unopened store is `source/fetch-failed`. Verification is the reader's: a tampered
 * row is stored as given and rejected by `loadExceptions`.
 */
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBundleError } from '../../src/bundle/errors.js';
import { createExceptionGrant, loadExceptions } from '../../src/bundle/exceptions.js';
import { PgExceptionsStore } from '../../src/bundle/pg-exceptions-store.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from '../evidence/pg-probe.js';
import { makeGovernance, makeKeys } from './bundle-fixtures.js';

const available = await pgAvailable();
const inCi = Boolean(process.env.CI);

describe('PostgreSQL for the exceptions store tests', () => {
  it.runIf(inCi)('is reachable when CI=true', () => {
    expect(available).toBe(true);
  });
});

const keys = makeKeys(['alice', 'bob']);
const [gina] = makeKeys(['gina']);
const governance = makeGovernance(keys, { required: 2, loosening: 2, granters: [gina!] });
const HOUR = 3_600_000;
const grantFor = (tenant: string, now = new Date()) =>
  createExceptionGrant(
    { rules: ['r1'], scope: { tenant }, durationMs: HOUR, reason: 'test', now },
    gina!,
    governance,
    () => 'low',
  );

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return isBundleError(e) ? e.code : `not a bundle error: ${(e as Error).message}`;
  }
  return undefined;
}

describe('PgExceptionsStore without a database', () => {
  it.each(['Rampart', 'a-b', '1abc', 'x'.repeat(64), 'a;drop'])('refuses the schema name %j', (schema) => {
    expect(() => new PgExceptionsStore({ connection: PG_URL, schema })).toThrow(
      /invalid PostgreSQL schema name/,
    );
  });

  it('refuses to work before open, with source/fetch-failed', async () => {
    const store = new PgExceptionsStore({ connection: PG_URL });
    expect(await codeOf(() => store.read())).toBe('source/fetch-failed');
    expect(await codeOf(() => store.revision())).toBe('source/fetch-failed');
    expect(await codeOf(() => store.add(grantFor('acme')))).toBe('source/fetch-failed');
    expect(await codeOf(() => store.remove('ex-1'))).toBe('source/fetch-failed');
    expect(await codeOf(() => store.pruneExpired(new Date()))).toBe('source/fetch-failed');
  });

  it('fails to open an unreachable database at once, with source/fetch-failed', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    const store = new PgExceptionsStore({
      connection: {
        connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
        connectionTimeoutMillis: 1000,
      },
    });
    expect(await codeOf(() => store.open())).toBe('source/fetch-failed');
  });
});

describe.skipIf(!available && !inCi)('PgExceptionsStore (real PostgreSQL)', () => {
  const schema = uniqueSchema('exstore');
  const announced: number[] = [];
  let store: PgExceptionsStore;

  beforeAll(async () => {
    // Two openers at once (two instances starting): the advisory lock makes the migration safe.
    const other = new PgExceptionsStore({ connection: PG_URL, schema });
    store = new PgExceptionsStore({ connection: PG_URL, schema, onChange: (r) => void announced.push(r) });
    await Promise.all([store.open(), other.open()]);
    await other.close();
  });
  afterAll(async () => {
    await store?.close();
    await dropSchemas([schema]);
  });

  it('starts empty at revision 0', async () => {
    expect(await store.revision()).toBe(0);
    const read = await store.read();
    expect(read.revision).toBe(0);
    expect(JSON.parse(read.text)).toEqual({ format: 'rampart.exceptions/v1', grants: [] });
  });

  it('adds and removes grants, one revision and one notice per change, none for a no-op', async () => {
    const a = grantFor('acme', new Date(Date.now() - 1000));
    const b = grantFor('globex');
    expect(await store.add(a)).toBe(true);
    expect(await store.add(b)).toBe(true);
    expect(await store.add(a)).toBe(false);
    expect(await store.revision()).toBe(2);
    expect(announced).toEqual([1, 2]);
    const read = await store.read();
    expect(read.revision).toBe(2);
    // Oldest first, exactly as submitted (signature included): a reader verifies them again.
    const loaded = loadExceptions(read.text, { governance, now: new Date() });
    expect(loaded.rejected).toEqual([]);
    expect(loaded.verified.map((g) => g.grant.id)).toEqual([a.grant.id, b.grant.id]);

    expect(await store.remove('ex-nope')).toBeUndefined();
    expect(await store.revision()).toBe(2);
    expect(await store.remove(a.grant.id)).toEqual(a);
    expect(await store.revision()).toBe(3);
    expect(announced).toEqual([1, 2, 3]);
    expect(JSON.parse((await store.read()).text).grants).toEqual([b]);
  });

  it('prunes grants expired before a time, as times whatever their offset, with one revision', async () => {
    const DAY = 24 * HOUR;
    const before = await store.revision();
    const oldAt = new Date(Date.now() - 40 * DAY);
    const recentAt = new Date(Date.now() - 2 * DAY);
    const old = grantFor('old-co', oldAt);
    const recent = grantFor('recent-co', recentAt);
    // Added by a clock of `old`'s day, so add's own housekeeping keeps both.
    await store.add(old, oldAt);
    await store.add(recent, oldAt);
    // The same instant as `old`'s expiry, written with an offset: as text it would sort after the cut.
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const shifted = new Date(Date.parse(old.grant.expires)).toISOString().replace('Z', '+00:00');
    await c.query(`UPDATE "${schema}".exception_grants SET expires = $2 WHERE id = $1`, [
      old.grant.id,
      shifted,
    ]);
    await c.end();
    expect(await store.pruneExpired(new Date(Date.now() - 30 * DAY))).toBe(1);
    expect(await store.revision()).toBe(before + 3);
    const ids = JSON.parse((await store.read()).text).grants.map(
      (g: { grant: { id: string } }) => g.grant.id,
    );
    expect(ids).toContain(recent.grant.id);
    expect(ids).not.toContain(old.grant.id);
    // Nothing left to prune: no revision, no notice.
    expect(await store.pruneExpired(new Date(Date.now() - 30 * DAY))).toBe(0);
    expect(await store.revision()).toBe(before + 3);
    await store.remove(recent.grant.id);
  });

  it('drops grants expired over 30 days ago when it adds one, keeping recently expired ones', async () => {
    const DAY = 24 * HOUR;
    const oldAt = new Date(Date.now() - 40 * DAY);
    const recentAt = new Date(Date.now() - 2 * DAY);
    const old = grantFor('old-add-co', oldAt);
    const recent = grantFor('recent-add-co', recentAt);
    await store.add(old, oldAt);
    await store.add(recent, oldAt);
    const fresh = grantFor('fresh-add-co');
    expect(await store.add(fresh)).toBe(true);
    const ids = JSON.parse((await store.read()).text).grants.map(
      (g: { grant: { id: string } }) => g.grant.id,
    );
    expect(ids).toEqual(expect.arrayContaining([recent.grant.id, fresh.grant.id]));
    expect(ids).not.toContain(old.grant.id);
    await store.remove(recent.grant.id);
    await store.remove(fresh.grant.id);
  });

  it('stores a tampered row as given; the reader rejects it with its stable code', async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const forged = grantFor('initech');
    await store.add(forged);
    await c.query(
      `UPDATE "${schema}".exception_grants SET envelope = jsonb_set(envelope, '{grant,scope,tenant}', '"everyone"') WHERE id = $1`,
      [forged.grant.id],
    );
    await c.end();
    const loaded = loadExceptions((await store.read()).text, { governance, now: new Date() });
    expect(loaded.rejected.map((r) => [r.id, r.code])).toEqual([
      [forged.grant.id, 'exception/bad-signature'],
    ]);
    expect(loaded.active.map((g) => g.scope.tenant)).toEqual(['globex']);
  });

  it('opens again on existing tables without losing rows or revision', async () => {
    const again = new PgExceptionsStore({ connection: PG_URL, schema });
    await again.open();
    expect(await again.revision()).toBe(await store.revision());
    expect(JSON.parse((await again.read()).text).grants).toHaveLength(2);
    await again.close();
  });
});
