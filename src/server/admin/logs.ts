/**
 * Log query and stats over the server's own evidence store, with the library functions behind
 * `rampart logs query` and `rampart logs stats` (`queryRecords`, `computeStats`). Stats leave out
 * the admin audit stream: its records are actions, not decisions.
 */
import { queryRecords } from '../../evidence/query.js';
import { computeStats } from '../../evidence/stats.js';
import type { ReadableStore, RecordFilter } from '../../evidence/store.js';
import { POINTS } from '../../policy/types.js';
import { ServerError } from '../errors.js';
import { asServerError } from './input.js';

const OUTCOMES = ['allowed', 'blocked', 'allowed_with_conditions'];
const FILTERS = ['point', 'outcome', 'rule', 'route', 'interaction', 'tenant', 'stream'] as const;
const QUERY_KEYS = [...FILTERS, 'since', 'until', 'limit', 'order'];
/** Most records one query returns. */
export const MAX_QUERY_LIMIT = 1000;

function bad(message: string): ServerError {
  return new ServerError('server/invalid-request', 422, message);
}

/** The read side of the server's evidence. */
export class LogsAdmin {
  constructor(private readonly store: ReadableStore) {}

  /** `GET /v1/admin/logs?since&until&point&outcome&rule&route&interaction&tenant&stream&limit&order`. */
  async query(q: URLSearchParams) {
    for (const k of q.keys())
      if (!QUERY_KEYS.includes(k)) throw bad(`unknown parameter \`${k.slice(0, 60)}\``);
    const filter: Omit<RecordFilter, 'since' | 'until'> & { since?: string; until?: string } = {};
    for (const k of FILTERS) {
      const v = q.get(k);
      if (v === null) continue;
      if (v === '' || v.length > 200) throw bad(`\`${k}\` must be 1–200 characters`);
      filter[k] = v;
    }
    if (filter.point && filter.point !== 'admin' && !(POINTS as readonly string[]).includes(filter.point))
      throw bad(`\`point\` must be one of ${POINTS.join(', ')}, admin`);
    if (filter.outcome && !OUTCOMES.includes(filter.outcome))
      throw bad(`\`outcome\` must be one of ${OUTCOMES.join(', ')}`);
    const limit = q.get('limit') ?? '100';
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_QUERY_LIMIT)
      throw bad(`\`limit\` must be an integer from 1 to ${MAX_QUERY_LIMIT}`);
    const order = q.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw bad('`order` must be asc or desc');
    const since = q.get('since');
    const until = q.get('until');
    try {
      const records = await queryRecords(this.store, {
        ...filter,
        ...(since !== null ? { since } : {}),
        ...(until !== null ? { until } : {}),
        limit: Number(limit),
        order,
      });
      return { records };
    } catch (e) {
      throw asServerError(e);
    }
  }

  /** `GET /v1/admin/logs/stats?window=5m`: blocked rate, high-risk share, latency by route, shadow divergences. */
  async stats(q: URLSearchParams) {
    for (const k of q.keys()) if (k !== 'window') throw bad(`unknown parameter \`${k.slice(0, 60)}\``);
    const window = q.get('window') ?? '1h';
    // computeStats counts decision points only, so the admin stream's records are left out.
    try {
      return await computeStats(this.store, { window });
    } catch (e) {
      throw asServerError(e);
    }
  }
}
