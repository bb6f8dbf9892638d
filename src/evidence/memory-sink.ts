/** An in-memory sink for tests: records are chained and checkpointed exactly as in the real stores. */
import { ChainedSink, type ChainedSinkOptions } from './chained-sink.js';
import type { Checkpoint } from './checkpoint.js';
import { MemoryStore } from './memory-store.js';
import type { DecisionRecord } from './record.js';

/** A sink keeping everything in memory; `records` and `checkpoints` show what was written. */
export class MemorySink extends ChainedSink {
  declare readonly store: MemoryStore;

  constructor(options: ChainedSinkOptions = {}, store: MemoryStore = new MemoryStore()) {
    super(store, options);
  }

  /** Records acknowledged so far, in order (bodies removed by purge are left out). */
  get records(): DecisionRecord[] {
    return this.store.links_.flatMap((l) => (l.record ? [l.record] : []));
  }

  /** Checkpoints written so far. */
  get checkpoints(): Checkpoint[] {
    return this.store.checkpoints_;
  }
}
