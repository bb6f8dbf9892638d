import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type ChainedSink,
  generateSigner,
  JsonlSink,
  JsonlStore,
  loadPublicKey,
  loadSigner,
  MemorySink,
  MemoryStore,
  PostgresSink,
  PostgresStore,
  type ReadableStore,
  SqliteSink,
  SqliteStore,
  signCheckpoint,
  verifyStore,
} from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from './pg-probe.js';

const hasPg = await pgAvailable();
const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));
const pgSchema = uniqueSchema('purge');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const base = Date.UTC(2026, 10, 1);
const at = (day: number) => new Date(base + day * 86_400_000).toISOString();

const cases: { name: string; sink: (dir: string) => ChainedSink; store: (dir: string) => ReadableStore }[] = [
  {
    name: 'sqlite',
    sink: (dir: string) => new SqliteSink({ path: join(dir, 'evidence.db') }),
    store: (dir: string): ReadableStore => new SqliteStore({ path: join(dir, 'evidence.db') }),
  },
  {
    name: 'jsonl',
    sink: (dir: string) => new JsonlSink({ path: join(dir, 'evidence.jsonl'), maxBytes: 3000 }),
    store: (dir: string): ReadableStore => new JsonlStore({ path: join(dir, 'evidence.jsonl') }),
  },
];
if (hasPg || process.env.CI === 'true') {
  schemas.push(pgSchema);
  cases.push({
    name: 'postgres',
    sink: (dir: string) => new PostgresSink({ connection: PG_URL, schema: pgSchema, keyDir: dir }),
    store: (): ReadableStore => new PostgresStore({ connection: PG_URL, schema: pgSchema }),
  });
}

describe.each(cases)('purge ($name)', ({ sink: makeSink, store: makeStore }) => {
  it('removes expired records, keeps the rest, and the chain still verifies with the signed purge checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-purge-'));
    dirs.push(dir);
    const sink = makeSink(dir);
    await sink.open();
    // Records 1-6 are 7d class, 7-8 are 90d, 9-10 are 7d again, all written on day 0..9.
    for (let i = 0; i < 10; i++)
      await sink.write(makeInput(i, { time: at(i), retention: i >= 6 && i < 8 ? '90d' : '7d' }));
    await sink.close();
    const store = makeStore(dir);
    await store.open();
    const signer = loadSigner(dir);
    const result = await store.purge(new Date(base + 30 * 86_400_000), (b) => signCheckpoint(signer, b));
    expect(result.purged).toBe(8);
    const left = await store.select({});
    expect(left.map((r) => r.seq)).toEqual([7, 8]);
    const pub = loadPublicKey(join(dir, 'checkpoint-key.pub.pem'));
    expect(await verifyStore(store, { publicKey: pub })).toMatchObject({ ok: true });
    // Purging again changes nothing and still verifies.
    expect(
      (await store.purge(new Date(base + 30 * 86_400_000), (b) => signCheckpoint(signer, b))).purged,
    ).toBe(0);
    expect((await verifyStore(store, { publicKey: pub })).ok).toBe(true);
    await store.close();
  });
});

describe('purge (memory)', () => {
  it('an unsigned deletion of the same records is reported', async () => {
    const store = new MemoryStore();
    const sink = new MemorySink({}, store);
    await sink.open();
    for (let i = 0; i < 5; i++) await sink.write(makeInput(i, { time: at(i), retention: '1d' }));
    await sink.close();
    store.links_.splice(0, 2);
    expect((await verifyStore(store)).streams[0]!.problem).toMatchObject({
      kind: 'removed',
      index: 0,
      seq: 1,
    });
  });
});

describe('scheduled purge in a running sink', () => {
  it('purges expired records on its interval and the chain still verifies', async () => {
    const store = new MemoryStore();
    const signer = generateSigner();
    const sink = new MemorySink({ purgeIntervalMs: 20, signer }, store);
    await sink.open();
    for (let i = 0; i < 4; i++) await sink.write(makeInput(i, { time: at(i), retention: '1d' }));
    await sink.write(makeInput(9, { retention: '30d', time: new Date().toISOString() }));
    await new Promise((r) => setTimeout(r, 150));
    expect(sink.records.map((r) => r.seq)).toEqual([5]);
    expect(sink.checkpoints.some((c) => c.kind === 'purge')).toBe(true);
    await sink.close();
    expect((await verifyStore(store, { publicKey: signer.publicKey })).ok).toBe(true);
  });
});
