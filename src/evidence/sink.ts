/**
 * The lifecycle every evidence store implements (SQLite, PostgreSQL, JSONL, stdout, memory).
 * The guard depends only on this interface.
 */
import type { Decision } from '../policy/types.js';

/** What the guard hands to the evidence layer for one decision; the evidence layer turns it into a chained record. */
export interface DecisionRecordInput {
  decision: Decision;
  /** Interaction id shared by all decisions of one user interaction. */
  interaction?: string;
  /** Raw subject id; the evidence layer stores only its keyed hash. */
  subjectId?: string;
  tenant?: string;
  route?: string;
  cohort?: string;
  latencyUs: number;
  /** Present when a shadow candidate decided differently. */
  shadow?: { digest: string; version?: string; outcome: string; rules: string[] };
  /** Named request fields a `retain` obligation asked to keep, already redacted, with their retention. */
  retained?: { fields: Record<string, unknown>; retention: string };
  /** Retention class of the record itself (from policy), e.g. `90d`. */
  retention?: string;
  /** Set by the guard when the decision was made more conservative by a failure. */
  failure?: string;
  time?: string;
}

/** Health as reported by a sink. */
export interface SinkHealth {
  ok: boolean;
  /** Records accepted but not yet durable. */
  queued: number;
  /** Records written to the local spill file while the store was unavailable. */
  spilled: number;
  detail?: string;
}

/** An evidence store. `write` resolves once the record is acknowledged (durable per the sink's contract). */
export interface EvidenceSink {
  open(): Promise<void>;
  write(record: DecisionRecordInput): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  health(): Promise<SinkHealth>;
}
