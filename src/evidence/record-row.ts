/**
 * A chained record as it waits for its commit and travels to a store: one row of {@link ROW_WIDTH}
 * values in a flat array shared by the whole group, instead of a record object graph (a queued
 * 1.3-1.5 KB object per record was ~36 % of the CPU samples as garbage collection). Every store
 * reads the columns it indexes and the record's JSON text from the row.
 */
import { recordJson } from './chain.js';
import type { DecisionRecord } from './record.js';

/** Values per record in a row array. */
export const ROW_WIDTH = 15;

/** Positions within a row. */
export const COL = {
  stream: 0,
  seq: 1,
  prev: 2,
  hash: 3,
  id: 4,
  /** RFC 3339 time, as in the record. */
  time: 5,
  point: 6,
  outcome: 7,
  route: 8,
  interaction: 9,
  subject: 10,
  tenant: 11,
  /** Retention class or null. */
  retention: 12,
  /** JSON text of the `rules` member. */
  rules: 13,
  /** The record's JSON text (canonical form followed by `hash`). */
  body: 14,
} as const;

/** Appends the row of a record object to `rows` (spill replay and direct store use). */
export function pushRecordRow(rows: unknown[], r: DecisionRecord): void {
  rows.push(
    r.stream,
    r.seq,
    r.prev,
    r.hash,
    r.id,
    r.time,
    r.point,
    r.outcome,
    r.route ?? null,
    r.interaction ?? null,
    r.subject ?? null,
    r.tenant ?? null,
    r.retention ?? null,
    JSON.stringify(r.rules),
    recordJson(r),
  );
}

/** The rows of record objects. */
export function recordRows(records: DecisionRecord[]): unknown[] {
  const rows: unknown[] = [];
  for (const r of records) pushRecordRow(rows, r);
  return rows;
}

/** The record objects of rows (stores that keep objects, e.g. memory). */
export function rowRecords(rows: unknown[]): DecisionRecord[] {
  const out: DecisionRecord[] = [];
  for (let i = COL.body; i < rows.length; i += ROW_WIDTH) out.push(JSON.parse(rows[i] as string));
  return out;
}

/** The record texts of rows as JSON Lines (each followed by a newline). */
export function rowsJsonLines(rows: unknown[]): string {
  let text = '';
  for (let i = COL.body; i < rows.length; i += ROW_WIDTH) text += `${rows[i] as string}\n`;
  return text;
}
