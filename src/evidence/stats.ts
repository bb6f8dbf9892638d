/**
 * Signals over a time window: blocked rate and appeals by rule and route, the share of high-risk
 * requests, exception and approval counts, latency p50/p99 per route against the previous window,
 * and shadow divergences.
 */
import { POINTS } from '../policy/types.js';
import { EvidenceError } from './errors.js';
import type { DecisionRecord } from './record.js';
import { parseDuration } from './retention.js';
import type { ReadableStore } from './store.js';

/** Options of {@link computeStats}. */
export interface StatsOptions {
  /** Window length, e.g. `5m`. */
  window: string;
  /** End of the window; default now. */
  now?: Date;
  /** Risk classes counted as high risk. Default `high`, `critical`. */
  highRisk?: string[];
}

/** Counts for one rule or route. */
export interface GroupStats {
  total: number;
  blocked: number;
  blockedRate: number;
  /** Records whose declared context marks them as an appeal of an earlier refusal (`appeal: true`). */
  appeals: number;
}

/** Latency of one route in this and the previous window (microseconds). */
export interface RouteLatency {
  p50: number | null;
  p99: number | null;
  previousP50: number | null;
  previousP99: number | null;
  /** (p99 − previous p99) / previous p99, or null when either is missing. */
  p99Change: number | null;
}

/** What `rampart logs stats` shows. */
export interface EvidenceStats {
  window: { since: string; until: string };
  total: number;
  blocked: number;
  blockedRate: number;
  appeals: number;
  highRisk: number;
  highRiskRatio: number;
  exceptionsUsed: number;
  byException: Record<string, number>;
  approvalsRequired: number;
  shadowDivergences: number;
  byShadowCandidate: Record<string, number>;
  byRule: Record<string, GroupStats>;
  byRoute: Record<string, GroupStats & { latencyUs: RouteLatency }>;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const rate = (a: number, b: number) => (b === 0 ? 0 : a / b);

function isAppeal(r: DecisionRecord): boolean {
  return r.context?.appeal === true;
}

function bump(map: Record<string, GroupStats>, key: string, r: DecisionRecord): void {
  let g = map[key];
  if (!g) {
    g = { total: 0, blocked: 0, blockedRate: 0, appeals: 0 };
    map[key] = g;
  }
  g.total++;
  if (r.outcome === 'blocked') g.blocked++;
  if (isAppeal(r)) g.appeals++;
}

function latencies(records: DecisionRecord[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of records) {
    const k = r.route ?? '(none)';
    let list = out.get(k);
    if (!list) {
      list = [];
      out.set(k, list);
    }
    list.push(r.latency_us);
  }
  for (const l of out.values()) l.sort((a, b) => a - b);
  return out;
}

/** Summarises the records of the window ending at `now` (and compares latency with the window before). */
export function summarise(
  current: DecisionRecord[],
  previous: DecisionRecord[],
  since: Date,
  until: Date,
  highRisk: string[],
): EvidenceStats {
  const s: EvidenceStats = {
    window: { since: since.toISOString(), until: until.toISOString() },
    total: current.length,
    blocked: 0,
    blockedRate: 0,
    appeals: 0,
    highRisk: 0,
    highRiskRatio: 0,
    exceptionsUsed: 0,
    byException: {},
    approvalsRequired: 0,
    shadowDivergences: 0,
    byShadowCandidate: {},
    byRule: {},
    byRoute: {},
  };
  const byRoute: Record<string, GroupStats> = {};
  for (const r of current) {
    if (r.outcome === 'blocked') s.blocked++;
    if (isAppeal(r)) s.appeals++;
    if (r.risk !== null && highRisk.includes(r.risk)) s.highRisk++;
    if (r.exceptions.length > 0) s.exceptionsUsed++;
    for (const e of r.exceptions) s.byException[e] = (s.byException[e] ?? 0) + 1;
    if (r.obligations.some((o) => o.type === 'require_approval')) s.approvalsRequired++;
    if (r.shadow) {
      s.shadowDivergences++;
      s.byShadowCandidate[r.shadow.digest] = (s.byShadowCandidate[r.shadow.digest] ?? 0) + 1;
    }
    for (const rule of r.rules) bump(s.byRule, rule, r);
    bump(byRoute, r.route ?? '(none)', r);
  }
  s.blockedRate = rate(s.blocked, s.total);
  s.highRiskRatio = rate(s.highRisk, s.total);
  for (const g of Object.values(s.byRule)) g.blockedRate = rate(g.blocked, g.total);
  const now = latencies(current);
  const before = latencies(previous);
  for (const [route, g] of Object.entries(byRoute)) {
    g.blockedRate = rate(g.blocked, g.total);
    const cur = now.get(route) ?? [];
    const prev = before.get(route) ?? [];
    const p99 = percentile(cur, 99);
    const previousP99 = percentile(prev, 99);
    s.byRoute[route] = {
      ...g,
      latencyUs: {
        p50: percentile(cur, 50),
        p99,
        previousP50: percentile(prev, 50),
        previousP99,
        p99Change: p99 !== null && previousP99 ? (p99 - previousP99) / previousP99 : null,
      },
    };
  }
  return s;
}

const DECISION_POINTS: ReadonlySet<string> = new Set(POINTS);

/** Records of the five enforcement points; the server's admin audit records (point `admin`) are actions, not decisions. */
function isDecision(r: DecisionRecord): boolean {
  return DECISION_POINTS.has(r.point);
}

/** Signals for the window of length `window` ending at `now`, read from the store. */
export async function computeStats(store: ReadableStore, opts: StatsOptions): Promise<EvidenceStats> {
  let windowMs: number;
  try {
    windowMs = parseDuration(opts.window);
  } catch {
    throw new EvidenceError('evidence/bad-query', `window "${opts.window}" is not a duration (e.g. 5m)`);
  }
  if (windowMs <= 0) throw new EvidenceError('evidence/bad-query', 'window must be longer than zero');
  const until = opts.now ?? new Date();
  const since = new Date(until.getTime() - windowMs);
  const before = new Date(since.getTime() - windowMs);
  const [current, previous] = await Promise.all([
    store.select({ since, until }),
    store.select({ since: before, until: since }),
  ]);
  return summarise(
    current.filter(isDecision),
    previous.filter(isDecision),
    since,
    until,
    opts.highRisk ?? ['high', 'critical'],
  );
}
