/** Query and trace over any readable store — the library API behind `rampart logs` and the server. */
import { EvidenceError } from './errors.js';
import type { DecisionRecord } from './record.js';
import { parseDuration } from './retention.js';
import type { ReadableStore, RecordFilter } from './store.js';

/** Query options as a user gives them: relative `since` (`1h`) or an RFC 3339 time. */
export interface QueryOptions extends Omit<RecordFilter, 'since' | 'until'> {
  since?: string | Date;
  until?: string | Date;
  /** "Now" for relative times; default the current time. */
  now?: Date;
}

/** Turns `1h` (relative to `now`) or an RFC 3339 time into a Date. */
export function parseTimeBound(value: string | Date, now: Date, flag = 'time'): Date {
  if (value instanceof Date) return value;
  if (/^\d+[smhdwy]$/.test(value.trim())) return new Date(now.getTime() - parseDuration(value));
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new EvidenceError(
      'evidence/bad-query',
      `${flag} "${value}" is neither a duration (e.g. 1h) nor an RFC 3339 time`,
    );
  return new Date(t);
}

/** Records matching the options, oldest first (newest first with `order: 'desc'`). */
export async function queryRecords(store: ReadableStore, opts: QueryOptions = {}): Promise<DecisionRecord[]> {
  const now = opts.now ?? new Date();
  const { since, until, now: _now, ...rest } = opts;
  const filter: RecordFilter = { ...rest };
  if (since !== undefined) filter.since = parseTimeBound(since, now, 'since');
  if (until !== undefined) filter.until = parseTimeBound(until, now, 'until');
  if (filter.limit !== undefined && (!Number.isInteger(filter.limit) || filter.limit < 1))
    throw new EvidenceError('evidence/bad-query', `limit must be a positive integer, got ${filter.limit}`);
  return store.select(filter);
}

/** The whole decision chain of one interaction, in order. */
export async function traceInteraction(store: ReadableStore, interaction: string): Promise<DecisionRecord[]> {
  if (!interaction) throw new EvidenceError('evidence/bad-query', 'an interaction id is required');
  return store.select({ interaction, order: 'asc' });
}
