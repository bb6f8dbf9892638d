/**
 * A sink over a store that takes two commits at once (`commitsInFlight: 2`, as the SQLite writer
 * thread does) passes `failuresSeen` so the store can refuse what was sent before the sink saw a
 * failure: a transient failure of one commit then never lets the commit after it land first, and
 * the chain verifies in storage order once the spill is replayed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../src/evidence/checkpoint.js';
import { ChainedSink, MemoryStore, verifyStore } from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';

/** A memory store committing in call order after a delay, with the refusal rule of the contract. */
class TwoInFlightStore extends MemoryStore {
  readonly offThread = true;
  readonly commitsInFlight = 2;
  /** The `failuresSeen` of each append, in call order (undefined: a replay). */
  readonly counts: (number | undefined)[] = [];
  most = 0;
  failNext = false;
  private inFlight = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private failedSeen: number | undefined;

  override appendRows(rows: unknown[], cps: Checkpoint[], failuresSeen?: number): Promise<void> {
    this.counts.push(failuresSeen);
    this.most = Math.max(this.most, ++this.inFlight);
    const run = this.queue.then(async () => {
      await new Promise((r) => setTimeout(r, 2));
      try {
        if (failuresSeen !== undefined && this.failedSeen !== undefined && failuresSeen <= this.failedSeen)
          throw new Error('not tried: an earlier batch failed');
        if (this.failNext) {
          this.failNext = false;
          if (failuresSeen !== undefined) this.failedSeen = failuresSeen;
          throw new Error('transient failure');
        }
        await super.appendRows(rows, cps);
      } finally {
        this.inFlight--;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('two commits in flight', () => {
  it('a transient failure spills the failed group and the one sent with it, in order, and the chain verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-pipelined-'));
    dirs.push(dir);
    const store = new TwoInFlightStore();
    const sink = new ChainedSink(store, {
      keyDir: dir,
      spillPath: join(dir, 'spill.jsonl'),
      batchSize: 8,
      replayIntervalMs: 10,
    });
    await sink.open();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      if (i === 100) store.failNext = true;
      if (i >= 64) await pending[i - 64];
      pending.push(sink.write(makeInput(i)));
    }
    await Promise.all(pending);
    for (let t = 0; t < 200 && !(await sink.health()).ok; t++) await new Promise((r) => setTimeout(r, 10));
    // Back to two in flight after the replay.
    const more: Promise<void>[] = [];
    for (let i = 300; i < 400; i++) more.push(sink.write(makeInput(i)));
    await Promise.all(more);
    await sink.close();
    expect(store.most).toBe(2);
    // Sent before the sink saw the failure: count 0 (the failed group and the one refused with it);
    // after the replay (record objects, no count) the sink's count has moved past the failure.
    const firstAfter = store.counts.findIndex((c) => c !== 0);
    expect(firstAfter).toBeGreaterThan(1);
    expect(store.counts.slice(firstAfter).every((c) => c !== undefined && c > 0)).toBe(true);
    expect(store.links_.map((l) => l.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect((await verifyStore(store)).ok).toBe(true);
  });
});
