/** An in-memory {@link ReadableStore} for tests and short-lived tools. */
import type { ChainTail } from './chain.js';
import type { Checkpoint } from './checkpoint.js';
import { candidateOf, planPurge } from './purge-plan.js';
import type { DecisionRecord } from './record.js';
import { COL, ROW_WIDTH } from './record-row.js';
import {
  matchesFilter,
  orderAndLimit,
  type PurgeResult,
  type ReadableStore,
  type RecordFilter,
  type StoredLink,
} from './store.js';

/**
 * A link appended as a row: its record object is parsed from the row's text when first read, so
 * a memory sink costs what the chain costs, not a JSON.parse per record on top. Tests may still
 * replace `record` to tamper with the log.
 */
class RowLink implements StoredLink {
  #record: DecisionRecord | null | undefined;
  readonly #text: string;
  constructor(
    public stream: string,
    public seq: number,
    public prev: string,
    public hash: string,
    text: string,
  ) {
    this.#text = text;
  }
  get record(): DecisionRecord | null {
    if (this.#record === undefined) this.#record = JSON.parse(this.#text) as DecisionRecord;
    return this.#record;
  }
  set record(r: DecisionRecord | null) {
    this.#record = r;
  }
  toJSON(): StoredLink {
    return { stream: this.stream, seq: this.seq, prev: this.prev, hash: this.hash, record: this.record };
  }
}

/** Keeps links and checkpoints in arrays; `failing` simulates an outage. */
export class MemoryStore implements ReadableStore {
  readonly description = 'memory';
  /** Every link, in insertion order, across streams. Tests may tamper with it. */
  links_: StoredLink[] = [];
  checkpoints_: Checkpoint[] = [];
  /** While true, `append` throws (for spill tests). */
  failing = false;
  /** Seqs stored per stream, for idempotent appends (number sets: no key string per record). */
  private readonly seen = new Map<string, Set<number>>();

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  async tail(stream: string): Promise<ChainTail | null> {
    for (let i = this.links_.length - 1; i >= 0; i--) {
      const l = this.links_[i]!;
      if (l.stream === stream) return { seq: l.seq, hash: l.hash };
    }
    return null;
  }

  async append(records: DecisionRecord[], checkpoints: Checkpoint[]): Promise<void> {
    if (this.failing) throw new Error('memory store is failing (simulated outage)');
    for (const r of records) {
      let seen = this.seen.get(r.stream);
      if (seen === undefined) {
        seen = new Set();
        this.seen.set(r.stream, seen);
      }
      if (seen.has(r.seq)) continue;
      seen.add(r.seq);
      this.links_.push({ stream: r.stream, seq: r.seq, prev: r.prev, hash: r.hash, record: r });
    }
    this.checkpoints_.push(...checkpoints);
  }

  async appendRows(rows: unknown[], checkpoints: Checkpoint[]): Promise<void> {
    if (this.failing) throw new Error('memory store is failing (simulated outage)');
    for (let r = 0; r < rows.length; r += ROW_WIDTH) {
      const stream = rows[r + COL.stream] as string;
      const seq = rows[r + COL.seq] as number;
      let seen = this.seen.get(stream);
      if (seen === undefined) {
        seen = new Set();
        this.seen.set(stream, seen);
      }
      if (seen.has(seq)) continue;
      seen.add(seq);
      this.links_.push(
        new RowLink(
          stream,
          seq,
          rows[r + COL.prev] as string,
          rows[r + COL.hash] as string,
          rows[r + COL.body] as string,
        ),
      );
    }
    this.checkpoints_.push(...checkpoints);
  }

  async select(filter: RecordFilter): Promise<DecisionRecord[]> {
    const out: DecisionRecord[] = [];
    for (const l of this.links_) if (l.record && matchesFilter(l.record, filter)) out.push(l.record);
    return orderAndLimit(out, filter);
  }

  async streams(): Promise<string[]> {
    return [...new Set(this.links_.map((l) => l.stream))];
  }

  async links(stream: string): Promise<StoredLink[]> {
    return this.links_.filter((l) => l.stream === stream);
  }

  async checkpoints(stream: string): Promise<Checkpoint[]> {
    return this.checkpoints_.filter((c) => c.stream === stream);
  }

  async purge(
    now: Date,
    sign: (b: Omit<Checkpoint, 'keyId' | 'signature'>) => Checkpoint,
  ): Promise<PurgeResult> {
    const result: PurgeResult = { purged: 0, checkpoints: [] };
    for (const stream of await this.streams()) {
      const plan = planPurge(stream, (await this.links(stream)).map(candidateOf), now);
      if (!plan.checkpoint) continue;
      const expire = new Set(plan.expire);
      this.links_ = this.links_
        .filter((l) => !(l.stream === stream && plan.dropThrough !== null && l.seq <= plan.dropThrough))
        .map((l) =>
          l.stream === stream && expire.has(l.seq)
            ? { stream: l.stream, seq: l.seq, prev: l.prev, hash: l.hash, record: null }
            : l,
        );
      const cp = sign(plan.checkpoint);
      this.checkpoints_.push(cp);
      result.purged += plan.expire.length;
      result.checkpoints.push(cp);
    }
    return result;
  }
}
