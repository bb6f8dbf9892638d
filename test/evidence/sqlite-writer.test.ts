/**
 * The SQLite store commits in a writer thread: failures there reach the sink as
 * `evidence/store-unavailable` (and go to the spill file), a dead thread is replaced, close ends
 * it, and an idle thread never keeps a process alive.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildRecord,
  ChainWriter,
  type DecisionRecord,
  SqliteSink,
  SqliteStore,
  verifyStore,
} from '../../src/evidence/index.js';
import { recordRows } from '../../src/evidence/record-row.js';
import { SqliteWriter } from '../../src/evidence/sqlite-writer.js';
import { makeInput } from './make-input.js';

const dirs: string[] = [];
function dbPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'rampart-writer-'));
  dirs.push(d);
  return join(d, 'evidence.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const key = Buffer.alloc(32, 3);
function records(chain: ChainWriter, from: number, n: number): DecisionRecord[] {
  return Array.from({ length: n }, (_, i) =>
    chain.append(buildRecord(makeInput(from + i), { subjectKey: key })),
  );
}

/** Renames the records table away (as a broken or foreign database would look) and back. */
function moveTable(path: string, from: string, to: string): void {
  const db = new Database(path);
  db.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
  db.close();
}

describe('SQLite writer thread', () => {
  it('commits in the thread by default and in this thread with writeThread: main, with the same rows', async () => {
    for (const writeThread of ['worker', 'main'] as const) {
      const path = dbPath();
      const store = new SqliteStore({ path, writeThread });
      await store.open();
      expect(store.offThread).toBe(writeThread === 'worker');
      const chain = new ChainWriter('default');
      await store.append(records(chain, 0, 100), []);
      await store.append(records(chain, 100, 3), []);
      expect((await store.select({})).map((r) => r.seq)).toEqual(
        Array.from({ length: 103 }, (_, i) => i + 1),
      );
      expect(await store.tail('default')).toEqual(chain.tail());
      expect((await verifyStore(store)).ok).toBe(true);
      await store.close();
    }
  });

  it('creates new databases with 16 KB pages and keeps the page size of an existing one', async () => {
    const fresh = dbPath();
    const store = new SqliteStore({ path: fresh });
    await store.open();
    await store.append(records(new ChainWriter('default'), 0, 10), []);
    await store.close();
    const a = new Database(fresh, { readonly: true });
    expect(a.pragma('page_size', { simple: true })).toBe(16_384);
    a.close();

    // A database made by an earlier version with SQLite's default pages.
    const old = dbPath();
    const b = new Database(old);
    b.pragma('page_size = 4096');
    b.pragma('journal_mode = WAL');
    b.exec('CREATE TABLE placeholder (x INTEGER)');
    b.close();
    const reopened = new SqliteStore({ path: old });
    await reopened.open();
    const chain = new ChainWriter('default');
    await reopened.append(records(chain, 0, 50), []);
    expect((await verifyStore(reopened)).ok).toBe(true);
    await reopened.close();
    const c = new Database(old, { readonly: true });
    expect(c.pragma('page_size', { simple: true })).toBe(4096);
    c.close();
  });

  it('stores of one file share one writer thread, which ends with the last of them', async () => {
    const path = dbPath();
    const decisions = new SqliteStore({ path });
    const audit = new SqliteStore({ path });
    const other = new SqliteStore({ path: dbPath() });
    await Promise.all([decisions.open(), audit.open(), other.open()]);
    expect(decisions.writerForTest()).not.toBeNull();
    expect(audit.writerForTest()).toBe(decisions.writerForTest());
    expect(other.writerForTest()).not.toBe(decisions.writerForTest());
    const shared = decisions.writerForTest();
    const a = new ChainWriter('default');
    const b = new ChainWriter('admin');
    // Interleaved commits of both streams go through the one connection, in order per stream.
    await Promise.all([
      decisions.append(records(a, 0, 50), []),
      audit.append(records(b, 0, 5), []),
      decisions.append(records(a, 50, 50), []),
    ]);
    await decisions.close();
    // The audit store keeps the thread after the decision store closed.
    await audit.append(records(b, 5, 2), []);
    expect(await audit.tail('admin')).toEqual(b.tail());
    expect(await audit.tail('default')).toEqual(a.tail());
    expect((await verifyStore(audit)).ok).toBe(true);
    await audit.close();
    await other.close();
    // A store opened after every user closed gets a new thread.
    const again = new SqliteStore({ path });
    await again.open();
    expect(again.writerForTest()).not.toBeNull();
    expect(again.writerForTest()).not.toBe(shared);
    await again.close();
  });

  it('reports a failed commit in the thread as evidence/store-unavailable', async () => {
    const path = dbPath();
    const store = new SqliteStore({ path });
    await store.open();
    moveTable(path, 'decision_records', 'decision_records_away');
    const err = await store.append(records(new ChainWriter('default'), 0, 5), []).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'evidence/store-unavailable' });
    expect((err as Error).message).toMatch(/no such table/);
    await store.close();
  });

  it('spills what the thread could not commit and replays it in order once the table is back', async () => {
    const path = dbPath();
    const sink = new SqliteSink({ path, replayIntervalMs: 20, checkpointEvery: 4 });
    await sink.open();
    for (let i = 0; i < 3; i++) await sink.write(makeInput(i));
    moveTable(path, 'decision_records', 'decision_records_away');
    await Promise.all(Array.from({ length: 5 }, (_, i) => sink.write(makeInput(3 + i))));
    const h = await sink.health();
    expect(h.ok).toBe(false);
    expect(h.spilled).toBeGreaterThanOrEqual(5);
    expect(h.detail).toMatch(/no such table/);
    moveTable(path, 'decision_records_away', 'decision_records');
    for (let t = 0; t < 200 && !(await sink.health()).ok; t++) await new Promise((r) => setTimeout(r, 20));
    await sink.write(makeInput(8));
    await sink.close();
    const store = new SqliteStore({ path, readonly: true });
    await store.open();
    expect((await store.select({})).map((r) => r.seq)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    expect((await verifyStore(store)).ok).toBe(true);
    await store.close();
  });

  it('keeps the chain in order through an outage met with two commits in flight', async () => {
    const path = dbPath();
    const sink = new SqliteSink({ path, batchSize: 16, replayIntervalMs: 20 });
    await sink.open();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      if (i === 150) moveTable(path, 'decision_records', 'decision_records_away');
      if (i >= 128) await pending[i - 128];
      pending.push(sink.write(makeInput(i)));
    }
    await Promise.all(pending);
    expect((await sink.health()).spilled).toBeGreaterThan(0);
    moveTable(path, 'decision_records_away', 'decision_records');
    for (let t = 0; t < 200 && !(await sink.health()).ok; t++) await new Promise((r) => setTimeout(r, 20));
    await sink.close();
    const store = new SqliteStore({ path, readonly: true });
    await store.open();
    expect((await store.select({})).map((r) => r.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    // verify walks each stream in storage order: a group committed ahead of a spilled one fails it.
    expect((await verifyStore(store)).ok).toBe(true);
    await store.close();
  });

  it('fails the batches of a thread that died with evidence/store-unavailable and starts a new one', async () => {
    const path = dbPath();
    const store = new SqliteStore({ path });
    await store.open();
    const chain = new ChainWriter('default');
    const first = records(chain, 0, 50);
    const inFlight = store.append(first, []);
    await store.crashWriterForTest();
    // The batch was committed before the thread died, or is reported as not stored.
    const outcome = await inFlight.then(
      () => 'stored',
      (e: unknown) => e,
    );
    if (outcome !== 'stored') expect(outcome).toMatchObject({ code: 'evidence/store-unavailable' });
    // Replaying it (as the sink's spill does) is idempotent, and a new thread takes the next batch.
    await store.append(first, []);
    await store.append(records(chain, 50, 10), []);
    expect((await store.select({})).map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect((await verifyStore(store)).ok).toBe(true);
    await store.close();
  });

  it('refuses the batches a sender sent before it saw a failure and commits the ones sent after', async () => {
    const path = dbPath();
    const schema = new SqliteStore({ path, writeThread: 'main' });
    await schema.open();
    await schema.close();
    const writer = new SqliteWriter({ path, durable: true });
    await writer.start();
    const chain = new ChainWriter('default');
    const bad = recordRows(records(chain, 0, 3));
    bad[0] = { not: 'bindable' }; // SQLite binds no objects: this batch fails in the thread
    const good = recordRows(records(new ChainWriter('other'), 0, 3));
    // Both in flight at once, as the sink pipelines them (source 1, no failure seen yet): the second
    // must not commit ahead of the failed first.
    const [first, second] = await Promise.allSettled([
      writer.append(bad, [], 1, 0),
      writer.append(good, [], 1, 0),
    ]);
    expect(first).toMatchObject({ status: 'rejected', reason: { code: 'evidence/store-unavailable' } });
    expect(String((first as PromiseRejectedResult).reason.message)).toMatch(/can only bind/);
    expect(second).toMatchObject({ status: 'rejected' });
    expect(String((second as PromiseRejectedResult).reason.message)).toMatch(
      /not tried: an earlier batch failed/,
    );
    // Another source's batch is not its business; a replay (no count) is always tried.
    const otherSource = recordRows(records(new ChainWriter('third'), 0, 1));
    await writer.append(otherSource, [], 2, 0);
    // Sent after the sender saw the failure (its count is 1 now): tried, and committed.
    await writer.append(good, [], 1, 1);
    await writer.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT stream, seq FROM decision_records ORDER BY pos').all()).toEqual([
      { stream: 'third', seq: 1 },
      { stream: 'other', seq: 1 },
      { stream: 'other', seq: 2 },
      { stream: 'other', seq: 3 },
    ]);
    db.close();
  });

  it('copies the WAL into the database file from its checkpoint thread while the store stays open', async () => {
    const path = dbPath();
    const store = new SqliteStore({ path, walCheckpointBytes: 1024 * 1024 });
    await store.open();
    const chain = new ChainWriter('default');
    const sizeBefore = statSync(path).size;
    // ~2.8 MB of WAL: over the threshold, under the writer's own safety net (4 MB).
    for (let i = 0; i < 12; i++) await store.append(records(chain, i * 100, 100), []);
    // The request is asynchronous: give the thread a moment to copy.
    for (let t = 0; t < 100 && statSync(path).size < sizeBefore + 1024 * 1024; t++)
      await new Promise((r) => setTimeout(r, 20));
    // Without the checkpoint thread the database file would keep its size until close.
    expect(statSync(path).size).toBeGreaterThan(sizeBefore + 1024 * 1024);
    expect((await verifyStore(store)).ok).toBe(true);
    await store.close();
  });

  it.each([0, -1, 1000, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses walCheckpointBytes %s with evidence/bad-config',
    (walCheckpointBytes) => {
      expect(() => new SqliteStore({ path: dbPath(), walCheckpointBytes })).toThrow(
        expect.objectContaining({
          code: 'evidence/bad-config',
          message: expect.stringMatching(/walCheckpointBytes/),
        }),
      );
    },
  );

  it('the sink keeps two group commits in flight for a caller that never yields', async () => {
    const path = dbPath();
    const sink = new SqliteSink({ path, batchSize: 64 });
    await sink.open();
    const store = sink.store;
    const appendRows = store.appendRows.bind(store);
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    store.appendRows = async (rows, cps) => {
      inFlight++;
      most = Math.max(most, inFlight);
      sizes.push(rows.length / 15);
      try {
        await appendRows(rows, cps);
      } finally {
        inFlight--;
      }
    };
    // Writes back to back, awaiting only the write 512 places earlier (a tight loop, as in bench:evidence).
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i >= 512) await pending[i - 512];
      pending.push(sink.write(makeInput(i)));
    }
    await Promise.all(pending);
    await sink.close();
    expect(most).toBe(2);
    expect(sizes.filter((n) => n === 64).length).toBeGreaterThan(sizes.length / 2);
    const reader = new SqliteStore({ path, readonly: true });
    await reader.open();
    expect((await reader.select({})).map((r) => r.seq)).toEqual(
      Array.from({ length: 2000 }, (_, i) => i + 1),
    );
    expect((await verifyStore(reader)).ok).toBe(true);
    await reader.close();
  });

  it('close lets the batches in flight commit, then ends the thread', async () => {
    const path = dbPath();
    const schema = new SqliteStore({ path, writeThread: 'main' });
    await schema.open();
    await schema.close();
    const writer = new SqliteWriter({ path, durable: true });
    const thread = await writer.start();
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    const rows = recordRows(records(new ChainWriter('default'), 0, 10));
    const inFlight = writer.append(rows, []);
    await writer.close();
    await inFlight;
    // A thread that close left running would never emit exit (the test would time out).
    expect(await exited).toBe(0);
    const store = new SqliteStore({ path, readonly: true });
    await store.open();
    expect(await store.select({})).toHaveLength(10);
    await store.close();
  });

  it('rejects appends after close and on a read-only store with stable codes', async () => {
    const path = dbPath();
    const store = new SqliteStore({ path });
    await store.open();
    await store.close();
    await expect(store.append([], [])).rejects.toMatchObject({ code: 'evidence/not-open' });
    const ro = new SqliteStore({ path, readonly: true });
    await ro.open();
    await expect(ro.append([], [])).rejects.toMatchObject({ code: 'evidence/not-open' });
    await ro.close();
  });

  it('fails open with evidence/store-unavailable when the database cannot be created', async () => {
    // The directory part is a file: the database can be created by neither thread.
    const blocker = dbPath();
    new Database(blocker).close();
    const store = new SqliteStore({ path: join(blocker, 'evidence.db') });
    await expect(store.open()).rejects.toMatchObject({ code: 'evidence/store-unavailable' });
  });

  it.each(['close', 'leave'])(
    'does not keep a process alive once its writes are acknowledged (sink %s)',
    async (how) => {
      const path = dbPath();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'exit-writer.ts'), path, how],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      // A hang guard, not a timing threshold: a process kept alive by its writer never exits.
      const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
        child.on('exit', (c, s) => resolve([c, s])),
      );
      clearTimeout(guard);
      expect({ code, signal, err }).toEqual({ code: 0, signal: null, err: '' });
      expect(out).toBe('acknowledged\n');
      const store = new SqliteStore({ path, readonly: true });
      await store.open();
      expect(await store.select({})).toHaveLength(10);
      await store.close();
    },
    30_000,
  );
});
