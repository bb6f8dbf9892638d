/**
 * The decision record: what is kept about one decision. Evidence, not surveillance — only the
 * context the matched rules declare, a keyed hash of the subject, and never raw inputs, outputs or
 * tool arguments unless a `retain` obligation named them.
 */
import type { Effect, Obligation, Outcome, Point, PolicyRef } from '../policy/types.js';
import { EvidenceError } from './errors.js';
import type { DecisionRecordInput } from './sink.js';
import { hashSubject } from './subject-key.js';

/** Version of the record format; bumped on any incompatible change of {@link DecisionRecord}. */
export const RECORD_VERSION = 1;

/** The `prev` of the first record of a stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** One decision as stored, chained to the previous record of its stream. */
export interface DecisionRecord {
  /** Record format version. */
  v: typeof RECORD_VERSION;
  /** The decision id. */
  id: string;
  /** The chain this record belongs to (one writer per stream). */
  stream: string;
  /** Position in the stream, from 1, without gaps. */
  seq: number;
  /** RFC 3339 time of the decision. */
  time: string;
  policy: PolicyRef;
  point: Point;
  outcome: Outcome;
  effect: Effect;
  /** Ids of the rules that matched. */
  rules: string[];
  risk: string | null;
  obligations: Obligation[];
  /** Exception grants that changed the decision. */
  exceptions: string[];
  /** Present when a shadow candidate decided differently. */
  shadow?: { digest: string; version?: string; outcome: string; rules: string[] };
  /** Only the request fields the matched rules declare as evidence. */
  context: Record<string, unknown>;
  /** HMAC-SHA256 of the subject id under the deployment key (hex). */
  subject?: string;
  tenant?: string;
  route?: string;
  interaction?: string;
  cohort?: string;
  latency_us: number;
  /** Error codes met while deciding (messages are not kept: they may quote request data). */
  errors: { code: string; rule?: string }[];
  /** Why the decision was made more conservative, when a failure did that. */
  failure?: string;
  /** Retention class of the record, e.g. `90d`. */
  retention?: string;
  /** Fields a `retain` obligation asked to keep (already redacted) and for how long. */
  retained?: { fields: Record<string, unknown>; retention: string };
  /** Hash of the previous record in the stream ({@link GENESIS_HASH} for the first). */
  prev: string;
  /** sha256 (hex) of the canonical JSON of this record without `hash`. */
  hash: string;
}

/** A record before it is placed in a chain. */
export type UnchainedRecord = Omit<DecisionRecord, 'stream' | 'seq' | 'prev' | 'hash'>;

/** Applied to every string that passes into a record from the request (context and retained values). */
export type Redactor = (text: string) => string;

/** Options for {@link buildRecord}. */
export interface BuildRecordOptions {
  subjectKey: Buffer;
  redact?: Redactor;
  /** Memo of subject id → keyed hash; subjects repeat, and an HMAC costs a few microseconds. */
  subjectCache?: Map<string, string>;
}

const SUBJECT_CACHE_MAX = 10_000;

/** The keyed hash of a subject id, memoised in `opts.subjectCache` when given. */
export function subjectHash(opts: BuildRecordOptions, id: string): string {
  const cache = opts.subjectCache;
  if (!cache) return hashSubject(opts.subjectKey, id);
  let h = cache.get(id);
  if (h === undefined) {
    if (cache.size >= SUBJECT_CACHE_MAX) cache.clear();
    h = hashSubject(opts.subjectKey, id);
    cache.set(id, h);
  }
  return h;
}

/** Applies `redact` to every string inside `value` (a copy; `value` itself is left alone). */
export function redactValue(value: unknown, redact: Redactor | undefined): unknown {
  if (!redact) return value;
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, redact);
    return out;
  }
  return value;
}

/** Turns what the guard hands over into a record body: hashes the subject, keeps only declared evidence. */
export function buildRecord(input: DecisionRecordInput, opts: BuildRecordOptions): UnchainedRecord {
  const d = input?.decision;
  if (!d || typeof d.decisionId !== 'string' || typeof d.point !== 'string')
    throw new EvidenceError(
      'evidence/invalid-record',
      'a decision record needs a decision with an id and a point',
    );
  if (input.time !== undefined && (typeof input.time !== 'string' || Number.isNaN(Date.parse(input.time))))
    throw new EvidenceError(
      'evidence/invalid-record',
      `record time "${String(input.time)}" is not an RFC 3339 time`,
    );
  const rec: UnchainedRecord = {
    v: RECORD_VERSION,
    id: d.decisionId,
    time: input.time ?? new Date().toISOString(),
    policy: { name: d.policy?.name ?? '', version: d.policy?.version ?? '', digest: d.policy?.digest ?? '' },
    point: d.point,
    outcome: d.outcome,
    effect: d.effect,
    rules: d.rules ?? [],
    risk: d.risk ?? null,
    obligations: d.obligations ?? [],
    exceptions: d.exceptions ?? [],
    context: (redactValue(d.evidence ?? {}, opts.redact) as Record<string, unknown>) ?? {},
    latency_us: Math.max(0, Math.round(input.latencyUs ?? 0)),
    errors: (d.errors ?? []).map((e) => (e.rule ? { code: e.code, rule: e.rule } : { code: e.code })),
  };
  if (input.shadow) rec.shadow = input.shadow;
  if (input.subjectId !== undefined) rec.subject = subjectHash(opts, input.subjectId);
  if (input.tenant !== undefined) rec.tenant = input.tenant;
  if (input.route !== undefined) rec.route = input.route;
  if (input.interaction !== undefined) rec.interaction = input.interaction;
  if (input.cohort !== undefined) rec.cohort = input.cohort;
  if (input.failure !== undefined) rec.failure = input.failure;
  if (input.retention !== undefined) rec.retention = input.retention;
  if (input.retained)
    rec.retained = {
      fields: redactValue(input.retained.fields, opts.redact) as Record<string, unknown>,
      retention: input.retained.retention,
    };
  return rec;
}
