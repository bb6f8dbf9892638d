/**
 * The storage side of a sink: where chained records and checkpoints go, and how they are read back
 * for query, trace, stats, verify and purge. Each backend (memory, JSONL, SQLite, PostgreSQL)
 * implements it; {@link ChainedSink} adds the chain, group commit and spill on top.
 */
import type { ChainTail } from './chain.js';
import type { Checkpoint } from './checkpoint.js';
import type { DecisionRecord } from './record.js';
import type { ROW_WIDTH } from './record-row.js';

/** Which records a query asks for; all members are optional and combine with AND. */
export interface RecordFilter {
  /** Inclusive lower bound on `time`. */
  since?: Date;
  /** Exclusive upper bound on `time`. */
  until?: Date;
  point?: string;
  outcome?: string;
  /** A rule id that must be among the matched rules. */
  rule?: string;
  route?: string;
  interaction?: string;
  subject?: string;
  tenant?: string;
  stream?: string;
  /** At most this many records (the newest when `order` is `desc`). */
  limit?: number;
  /** By time, then stream position; default `asc`. */
  order?: 'asc' | 'desc';
}

/** A stored chain link as verify sees it; `record` is null once retention removed the body. */
export interface StoredLink {
  stream: string;
  seq: number;
  prev: string;
  hash: string;
  record: DecisionRecord | null;
}

/** What a purge did. */
export interface PurgeResult {
  /** Records whose bodies were removed. */
  purged: number;
  /** The signed checkpoints written (one per affected stream). */
  checkpoints: Checkpoint[];
}

/** A backend that keeps records durably. `append` is atomic and idempotent on (stream, seq). */
export interface RecordStore {
  /** Human name used in messages, e.g. `sqlite:/x/evidence.db`. */
  readonly description: string;
  /**
   * True when `append` does its work off the event loop (a writer thread, a database server): the
   * sink then hands over the next group as soon as one commits, so building and committing overlap.
   */
  readonly offThread?: boolean;
  /**
   * Appends the sink may have in flight at once (default 1). A store that takes more commits them
   * in call order and refuses, untried, every append the caller made before it saw an earlier one
   * fail (see `appendRows`' `failuresSeen`).
   */
  readonly commitsInFlight?: number;
  open(): Promise<void>;
  /** The last record of `stream`, or null for an empty stream. */
  tail(stream: string): Promise<ChainTail | null>;
  append(records: DecisionRecord[], checkpoints: Checkpoint[]): Promise<void>;
  /**
   * `append` for records given as rows (record-row.ts: {@link ROW_WIDTH} values each, in seq
   * order), the form the sink queues them in. Stores without it get record objects parsed back.
   * `failuresSeen`: how many of its appends the caller had seen fail when it made this one; a store
   * with `commitsInFlight` > 1 refuses it when an append made with the same count failed (it was
   * made before the caller knew, and must not commit ahead of the failed one). Absent: always tried.
   */
  appendRows?(rows: unknown[], checkpoints: Checkpoint[], failuresSeen?: number): Promise<void>;
  close(): Promise<void>;
}

/** A backend that can also be read (every store except stdout). */
export interface ReadableStore extends RecordStore {
  select(filter: RecordFilter): Promise<DecisionRecord[]>;
  streams(): Promise<string[]>;
  /** Every link of a stream in storage (insertion) order, so reordering is visible. */
  links(stream: string): Promise<StoredLink[]>;
  checkpoints(stream: string): Promise<Checkpoint[]>;
  /**
   * Removes the bodies of records whose retention ended by `now`, keeps their links, drops the
   * leading run of removed links, and stores a purge checkpoint made by `sign`.
   */
  purge(now: Date, sign: (body: Omit<Checkpoint, 'keyId' | 'signature'>) => Checkpoint): Promise<PurgeResult>;
}

/** True when `store` supports reading. */
export function isReadableStore(store: RecordStore): store is ReadableStore {
  return typeof (store as ReadableStore).select === 'function';
}

/** Applies a filter to records in memory (memory and JSONL stores). */
export function matchesFilter(r: DecisionRecord, f: RecordFilter): boolean {
  if (f.since && Date.parse(r.time) < f.since.getTime()) return false;
  if (f.until && Date.parse(r.time) >= f.until.getTime()) return false;
  if (f.point && r.point !== f.point) return false;
  if (f.outcome && r.outcome !== f.outcome) return false;
  if (f.rule && !r.rules.includes(f.rule)) return false;
  if (f.route && r.route !== f.route) return false;
  if (f.interaction && r.interaction !== f.interaction) return false;
  if (f.subject && r.subject !== f.subject) return false;
  if (f.tenant && r.tenant !== f.tenant) return false;
  if (f.stream && r.stream !== f.stream) return false;
  return true;
}

/** Sorts and limits filtered records the way every store returns them. */
export function orderAndLimit(records: DecisionRecord[], f: RecordFilter): DecisionRecord[] {
  const dir = f.order === 'desc' ? -1 : 1;
  const sorted = records.sort((a, b) => {
    const t = Date.parse(a.time) - Date.parse(b.time);
    if (t !== 0) return t * dir;
    return (a.seq - b.seq) * dir;
  });
  return f.limit !== undefined ? sorted.slice(0, f.limit) : sorted;
}
