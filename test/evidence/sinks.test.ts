import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type ChainedSink,
  GENESIS_HASH,
  hashSubject,
  isEvidenceError,
  JsonlSink,
  JsonlStore,
  loadPublicKey,
  MemorySink,
  MemoryStore,
  openDefaultSink,
  PostgresSink,
  PostgresStore,
  type ReadableStore,
  SqliteSink,
  SqliteStore,
  verifyStore,
} from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from './pg-probe.js';

const hasPg = await pgAvailable();
const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

it.runIf(!hasPg && process.env.CI === 'true')('PostgreSQL is reachable in CI', () => {
  throw new Error(`PostgreSQL at ${PG_URL} is required when CI=true`);
});

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rampart-evidence-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Case {
  name: string;
  make: (dir: string) => { sink: ChainedSink; reopen: () => ChainedSink; read: () => ReadableStore };
}

const cases: Case[] = [
  {
    name: 'memory',
    make: () => {
      const store = new MemoryStore();
      const key = Buffer.alloc(32, 7);
      return {
        sink: new MemorySink({ subjectKey: key }, store),
        reopen: () => new MemorySink({ subjectKey: key }, store),
        read: () => store,
      };
    },
  },
  {
    name: 'jsonl',
    make: (dir) => {
      const path = join(dir, 'evidence.jsonl');
      return {
        sink: new JsonlSink({ path, maxBytes: 4000 }),
        reopen: () => new JsonlSink({ path, maxBytes: 4000 }),
        read: () => new JsonlStore({ path }),
      };
    },
  },
  {
    name: 'sqlite',
    make: (dir) => {
      const path = join(dir, 'evidence.db');
      return {
        sink: new SqliteSink({ path }),
        reopen: () => new SqliteSink({ path }),
        read: () => new SqliteStore({ path, readonly: true }),
      };
    },
  },
];
if (hasPg || process.env.CI === 'true')
  cases.push({
    name: 'postgres',
    make: (dir) => {
      const schema = uniqueSchema('sink');
      schemas.push(schema);
      const opts = { connection: PG_URL, schema, keyDir: dir };
      return {
        sink: new PostgresSink(opts),
        reopen: () => new PostgresSink(opts),
        read: () => new PostgresStore(opts),
      };
    },
  });

describe.each(cases)('$name sink', ({ make }) => {
  it('writes chained records that verify, and continues the chain after reopening', async () => {
    const dir = tempDir();
    const { sink, reopen, read } = make(dir);
    await sink.open();
    await Promise.all(Array.from({ length: 50 }, (_, i) => sink.write(makeInput(i))));
    await sink.close();
    const again = reopen();
    await again.open();
    for (let i = 50; i < 60; i++) await again.write(makeInput(i));
    expect(await again.health()).toMatchObject({ ok: true, queued: 0, spilled: 0 });
    await again.close();

    const store = read();
    await store.open();
    const records = await store.select({});
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(records[0]!.prev).toBe(GENESIS_HASH);
    for (let i = 1; i < records.length; i++) expect(records[i]!.prev).toBe(records[i - 1]!.hash);
    const v = await verifyStore(store);
    expect(v.ok).toBe(true);
    expect(v.streams[0]!.checkpoints).toBeGreaterThanOrEqual(2);
    await store.close();
  });

  it('keeps only declared evidence and a keyed hash of the subject', async () => {
    const dir = tempDir();
    const { sink, read } = make(dir);
    await sink.open();
    const input = makeInput(1, { subjectId: 'alice@example.com' });
    await sink.write(input);
    await sink.close();
    const store = read();
    await store.open();
    const [rec] = await store.select({});
    await store.close();
    const text = JSON.stringify(rec);
    expect(text).not.toContain('alice@example.com');
    expect(text).not.toContain('internal reason');
    expect(rec!.context).toEqual({ 'tool.name': 'payments.refund' });
    expect(rec!.subject).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('openDefaultSink', () => {
  it('opens SQLite at <dir>/evidence.db with generated keys and no configuration', async () => {
    const dir = tempDir();
    const sink = await openDefaultSink(dir);
    await sink.write(makeInput(1));
    await sink.close();
    expect(readdirSync(dir).sort()).toEqual(
      expect.arrayContaining(['checkpoint-key.pem', 'checkpoint-key.pub.pem', 'evidence.db', 'subject.key']),
    );
    const store = new SqliteStore({ path: join(dir, 'evidence.db'), readonly: true });
    await store.open();
    const v = await verifyStore(store, { publicKey: loadPublicKey(join(dir, 'checkpoint-key.pub.pem')) });
    expect(v).toMatchObject({ ok: true, streams: [{ records: 1, signaturesChecked: true }] });
    const key = Buffer.from(readFileSync(join(dir, 'subject.key'), 'utf8').trim(), 'hex');
    const [rec] = await store.select({});
    expect(rec!.subject).toBe(hashSubject(key, 'user-1'));
    await store.close();
  });
});

describe('MemorySink', () => {
  it('rejects writes before open and after close with stable codes', async () => {
    const sink = new MemorySink();
    await expect(sink.write(makeInput(1))).rejects.toMatchObject({ code: 'evidence/not-open' });
    await sink.open();
    await sink.close();
    const err = await sink.write(makeInput(1)).catch((e: unknown) => e);
    expect(isEvidenceError(err) && err.code).toBe('evidence/closed');
  });

  it('refuses writes beyond maxQueue instead of growing without bound', async () => {
    const sink = new MemorySink({ maxQueue: 10 });
    await sink.open();
    const results = await Promise.allSettled(Array.from({ length: 15 }, (_, i) => sink.write(makeInput(i))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(5);
    expect(rejected[0]!.reason).toMatchObject({ code: 'evidence/queue-full' });
    expect(sink.records.map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('rejects a record without a decision id', async () => {
    const sink = new MemorySink();
    await sink.open();
    const bad = makeInput(1);
    (bad.decision as { decisionId?: string }).decisionId = undefined;
    await expect(sink.write(bad)).rejects.toMatchObject({ code: 'evidence/invalid-record' });
  });
});
