import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  MemorySink,
  MemoryStore,
  PostgresSink,
  PostgresStore,
  verifyStore,
} from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from './pg-probe.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function spillPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'rampart-spill-'));
  dirs.push(d);
  return join(d, 'spill.jsonl');
}

describe('spill and replay', () => {
  it('acknowledges writes while the store is down and replays them in order when it returns', async () => {
    const store = new MemoryStore();
    const path = spillPath();
    const sink = new MemorySink({ spillPath: path, replayIntervalMs: 20, checkpointEvery: 5 }, store);
    await sink.open();
    for (let i = 0; i < 5; i++) await sink.write(makeInput(i));
    store.failing = true;
    for (let i = 5; i < 12; i++) await sink.write(makeInput(i));
    expect(await sink.health()).toMatchObject({ ok: false, spilled: 8 });
    expect((await sink.health()).detail).toMatch(/simulated outage/);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(8); // 7 records + 1 checkpoint
    expect(store.links_).toHaveLength(5);
    store.failing = false;
    await new Promise((r) => setTimeout(r, 100));
    expect(await sink.health()).toMatchObject({ ok: true, spilled: 0 });
    for (let i = 12; i < 15; i++) await sink.write(makeInput(i));
    await sink.close();
    expect(store.links_.map((l) => l.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('replays a spill file left by a crash when the sink opens again, then continues the chain', async () => {
    const store = new MemoryStore();
    const path = spillPath();
    const first = new MemorySink({ spillPath: path, subjectKey: Buffer.alloc(16, 1) }, store);
    await first.open();
    await first.write(makeInput(0));
    store.failing = true;
    await first.write(makeInput(1));
    await first.write(makeInput(2));
    // Simulate a crash: no close, the store comes back, a new process opens.
    store.failing = false;
    const second = new MemorySink({ spillPath: path, subjectKey: Buffer.alloc(16, 1) }, store);
    await second.open();
    await second.write(makeInput(3));
    await second.close();
    expect(store.links_.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('without a spill file, a store failure rejects the write with a stable code', async () => {
    const store = new MemoryStore();
    const sink = new MemorySink({}, store);
    await sink.open();
    store.failing = true;
    await expect(sink.write(makeInput(0))).rejects.toMatchObject({ code: 'evidence/store-unavailable' });
  });
});

const hasPg = await pgAvailable();
describe.skipIf(!hasPg && process.env.CI !== 'true')('spill and replay (postgres)', () => {
  const schema = uniqueSchema('spill');
  afterAll(() => dropSchemas([schema]));

  it('spills while the table is unreachable and replays in order once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-spill-pg-'));
    dirs.push(dir);
    const sink = new PostgresSink({ connection: PG_URL, schema, keyDir: dir, replayIntervalMs: 50 });
    await sink.open();
    for (let i = 0; i < 3; i++) await sink.write(makeInput(i));
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`ALTER TABLE "${schema}".decision_records RENAME TO decision_records_away`);
    for (let i = 3; i < 8; i++) await sink.write(makeInput(i));
    const h = await sink.health();
    expect(h).toMatchObject({ ok: false, spilled: 5 });
    expect(h.detail).toMatch(/does not exist/);
    await admin.query(`ALTER TABLE "${schema}".decision_records_away RENAME TO decision_records`);
    await admin.end();
    for (let t = 0; t < 100 && !(await sink.health()).ok; t++) await new Promise((r) => setTimeout(r, 50));
    await sink.write(makeInput(8));
    await sink.close();
    const store = new PostgresStore({ connection: PG_URL, schema });
    await store.open();
    expect((await store.select({})).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await verifyStore(store)).ok).toBe(true);
    await store.close();
  });
});
