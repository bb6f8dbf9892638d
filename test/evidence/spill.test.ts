import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySink, MemoryStore, verifyStore } from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';

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
