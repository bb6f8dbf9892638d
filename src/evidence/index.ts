/** Evidence: decision records, the hash chain, signed checkpoints, sinks, verify, retention and query. */

/** Canonical JSON used for hashing and signing. */
export { canonicalJson } from './canonical-json.js';
export type { ChainTail } from './chain.js';
/** The hash chain. */
export { ChainWriter, recordHash } from './chain.js';
export type { ChainedSinkOptions } from './chained-sink.js';
/** The generic sink (chain, group commit, backpressure, spill and replay) over any store. */
export { ChainedSink } from './chained-sink.js';
export type { Checkpoint, CheckpointSigner } from './checkpoint.js';
/** Signed checkpoints. */
export {
  CHECKPOINT_KEY_FILE,
  CHECKPOINT_PUBLIC_KEY_FILE,
  checkpointValid,
  generateSigner,
  loadPublicKey,
  loadSigner,
  signCheckpoint,
  signerFromKey,
} from './checkpoint.js';
export type { EvidenceErrorCode } from './errors.js';
/** Errors of the evidence ring. */
export { EvidenceError, isEvidenceError } from './errors.js';
export type { JsonlSinkOptions } from './jsonl-sink.js';
export { JsonlSink, StdoutSink } from './jsonl-sink.js';
export type { JsonlStoreOptions } from './jsonl-store.js';
export { JsonlStore } from './jsonl-store.js';
/** Sinks. */
export { MemorySink } from './memory-sink.js';
export { MemoryStore } from './memory-store.js';
export type { StoreLocation } from './open-store.js';
/** Opening stores by location. */
export { openReadableStore, parseStoreLocation } from './open-store.js';
export type { PostgresSinkOptions } from './postgres-sink.js';
export { PostgresSink } from './postgres-sink.js';
export type { PostgresStoreOptions } from './postgres-store.js';
export { PostgresStore } from './postgres-store.js';
export type { QueryOptions } from './query.js';
/** Query, trace and signals (shared with the server). */
export { parseTimeBound, queryRecords, traceInteraction } from './query.js';
export type { BuildRecordOptions, DecisionRecord, Redactor, UnchainedRecord } from './record.js';
/** The record format. */
export { buildRecord, GENESIS_HASH, RECORD_VERSION } from './record.js';
/** Retention. */
export { expiresAt, parseDuration } from './retention.js';
export type { DecisionRecordInput, EvidenceSink, SinkHealth } from './sink.js';
export type { SqliteSinkOptions } from './sqlite-sink.js';
export { openDefaultSink, SqliteSink } from './sqlite-sink.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export { SqliteStore } from './sqlite-store.js';
export type { EvidenceStats, GroupStats, RouteLatency, StatsOptions } from './stats.js';
export { computeStats, summarise } from './stats.js';
export type { PurgeResult, ReadableStore, RecordFilter, RecordStore, StoredLink } from './store.js';
/** Stores. */
export { isReadableStore } from './store.js';
/** Subject hashing with the deployment key. */
export { hashSubject, loadSubjectKey, SUBJECT_KEY_FILE } from './subject-key.js';
export type { StreamVerification, Verification, VerifyProblem } from './verify.js';
/** Verification. */
export { verifyLinks, verifyStore } from './verify.js';
