/** The per-stream hash chain: each record carries the hash of the previous one and its own. */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { type DecisionRecord, GENESIS_HASH, type UnchainedRecord } from './record.js';

/** The last record of a stream, where the next append continues. */
export interface ChainTail {
  seq: number;
  hash: string;
}

/** sha256 (hex) over the canonical JSON of a record without its `hash` member. */
export function recordHash(record: Omit<DecisionRecord, 'hash'> | DecisionRecord): string {
  const { hash: _ignored, ...body } = record as DecisionRecord;
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** Appends records to one stream, assigning `seq`, `prev` and `hash`. */
export class ChainWriter {
  private seq: number;
  private last: string;

  constructor(
    readonly stream: string,
    tail?: ChainTail | null,
  ) {
    this.seq = tail?.seq ?? 0;
    this.last = tail?.hash ?? GENESIS_HASH;
  }

  /** Where the chain currently ends. */
  tail(): ChainTail {
    return { seq: this.seq, hash: this.last };
  }

  /** Places `body` after the current tail and returns the chained record. */
  append(body: UnchainedRecord): DecisionRecord {
    const rec = { ...body, stream: this.stream, seq: this.seq + 1, prev: this.last } as DecisionRecord;
    rec.hash = recordHash(rec);
    this.seq = rec.seq;
    this.last = rec.hash;
    return rec;
  }
}
