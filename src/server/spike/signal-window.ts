/**
 * Sliding windows of decision signals, cheap enough for every decision: a ring of per-second
 * buckets covering the last five minutes with running totals (so reading the window is O(1)), and a
 * ring of per-minute buckets covering the hour before it (the baseline a spike is judged against).
 * Recording a decision touches a handful of preallocated typed-array cells and allocates nothing.
 * Pure: the caller passes the time, so tests drive the clock.
 */

/** Length of the current window. */
export const WINDOW_SECONDS = 300;
/** Length of the baseline that precedes the current window. */
export const BASELINE_MINUTES = 60;
/** Minute slots kept: the window's five minutes, the baseline hour, and the minute being filled. */
const MINUTE_SLOTS = WINDOW_SECONDS / 60 + BASELINE_MINUTES + 1;

/** Counter columns of a bucket. */
const DECISIONS = 0;
const BLOCKED = 1;
const HIGH_RISK = 2;
const TOOL_CALLS = 3;
const ERRORS = 4;
const COLUMNS = 5;

/** Latency bins: geometric from 50 µs by ×1.5 (bin 31 ends above 14 s); p99 reads the bin's upper bound. */
export const LATENCY_BINS = 32;
const LATENCY_BASE_US = 50;

/** Upper bound (µs) of latency bin `i`. */
export function latencyBinUpperUs(i: number): number {
  return LATENCY_BASE_US * 1.5 ** (i + 1);
}

/** Upper bounds of the bins, for a binary search (five compares instead of a logarithm per decision). */
const BIN_UPPER = Float64Array.from({ length: LATENCY_BINS }, (_, i) => latencyBinUpperUs(i));

function latencyBin(us: number): number {
  if (!(us > LATENCY_BASE_US)) return 0;
  let lo = 0;
  let hi = LATENCY_BINS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (us < (BIN_UPPER[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Counts over a span of time. */
export interface WindowStats {
  /** Length of the span, seconds. */
  seconds: number;
  decisions: number;
  blocked: number;
  highRisk: number;
  toolCalls: number;
  errors: number;
  /** p99 decision latency in ms (upper bound of its histogram bin); 0 without decisions. */
  p99Ms: number;
}

/** The windows of one key (a route, a rule on a route, or a rollout cohort). */
export class SignalWindow {
  private readonly sec = new Uint32Array(WINDOW_SECONDS * COLUMNS);
  private readonly secLat = new Uint32Array(WINDOW_SECONDS * LATENCY_BINS);
  private readonly min = new Uint32Array(MINUTE_SLOTS * COLUMNS);
  private readonly minLat = new Uint32Array(MINUTE_SLOTS * LATENCY_BINS);
  private readonly totals = new Float64Array(COLUMNS);
  private readonly totalLat = new Float64Array(LATENCY_BINS);
  private second = -1;
  private minute = -1;

  /** Records one decision at `nowMs`. */
  record(
    nowMs: number,
    blocked: boolean,
    highRisk: boolean,
    toolCall: boolean,
    error: boolean,
    latencyUs: number,
  ): void {
    const s = Math.floor(nowMs / 1000);
    this.advance(s);
    const so = (s % WINDOW_SECONDS) * COLUMNS;
    const mo = (Math.floor(s / 60) % MINUTE_SLOTS) * COLUMNS;
    this.bump(so, mo, DECISIONS);
    if (blocked) this.bump(so, mo, BLOCKED);
    if (highRisk) this.bump(so, mo, HIGH_RISK);
    if (toolCall) this.bump(so, mo, TOOL_CALLS);
    if (error) this.bump(so, mo, ERRORS);
    const b = latencyBin(latencyUs);
    inc(this.secLat, (s % WINDOW_SECONDS) * LATENCY_BINS + b);
    inc(this.minLat, (Math.floor(s / 60) % MINUTE_SLOTS) * LATENCY_BINS + b);
    inc(this.totalLat, b);
  }

  private bump(so: number, mo: number, col: number): void {
    inc(this.sec, so + col);
    inc(this.min, mo + col);
    inc(this.totals, col);
  }

  /** Moves the window to second `s`, dropping buckets that slid out. A clock that steps back is read as now. */
  advance(s: number): void {
    if (s <= this.second) return;
    if (this.second < 0) {
      this.second = s;
      this.minute = Math.floor(s / 60);
      return;
    }
    const steps = Math.min(s - this.second, WINDOW_SECONDS);
    for (let k = 1; k <= steps; k++) {
      const slot = (this.second + k) % WINDOW_SECONDS;
      const o = slot * COLUMNS;
      for (let c = 0; c < COLUMNS; c++) {
        this.totals[c] = (this.totals[c] as number) - (this.sec[o + c] as number);
        this.sec[o + c] = 0;
      }
      const lo = slot * LATENCY_BINS;
      for (let b = 0; b < LATENCY_BINS; b++) {
        this.totalLat[b] = (this.totalLat[b] as number) - (this.secLat[lo + b] as number);
        this.secLat[lo + b] = 0;
      }
    }
    this.second = s;
    const m = Math.floor(s / 60);
    const mSteps = Math.min(m - this.minute, MINUTE_SLOTS);
    for (let k = 1; k <= mSteps; k++) {
      const slot = (this.minute + k) % MINUTE_SLOTS;
      this.min.fill(0, slot * COLUMNS, slot * COLUMNS + COLUMNS);
      this.minLat.fill(0, slot * LATENCY_BINS, slot * LATENCY_BINS + LATENCY_BINS);
    }
    this.minute = m;
  }

  /** The last five minutes up to `nowMs`. */
  current(nowMs: number): WindowStats {
    this.advance(Math.floor(nowMs / 1000));
    return stats(WINDOW_SECONDS, this.totals, this.totalLat);
  }

  /**
   * The hour before the current window, in whole minutes (the minutes that end 5–65 minutes ago);
   * minutes before the first decision count as empty.
   */
  baseline(nowMs: number): WindowStats {
    const s = Math.floor(nowMs / 1000);
    this.advance(s);
    const m = Math.floor(s / 60);
    const counts = new Float64Array(COLUMNS);
    const lat = new Float64Array(LATENCY_BINS);
    for (let back = WINDOW_SECONDS / 60 + 1; back <= WINDOW_SECONDS / 60 + BASELINE_MINUTES; back++) {
      const mm = m - back;
      if (mm < 0) break;
      const slot = mm % MINUTE_SLOTS;
      for (let c = 0; c < COLUMNS; c++)
        counts[c] = (counts[c] as number) + (this.min[slot * COLUMNS + c] as number);
      for (let b = 0; b < LATENCY_BINS; b++)
        lat[b] = (lat[b] as number) + (this.minLat[slot * LATENCY_BINS + b] as number);
    }
    return stats(BASELINE_MINUTES * 60, counts, lat);
  }
}

function inc(a: Uint32Array | Float64Array, i: number): void {
  a[i] = (a[i] as number) + 1;
}

function stats(seconds: number, c: Float64Array, lat: Float64Array): WindowStats {
  const decisions = c[DECISIONS] as number;
  return {
    seconds,
    decisions,
    blocked: c[BLOCKED] as number,
    highRisk: c[HIGH_RISK] as number,
    toolCalls: c[TOOL_CALLS] as number,
    errors: c[ERRORS] as number,
    p99Ms: p99(lat, decisions),
  };
}

function p99(lat: Float64Array, n: number): number {
  if (n === 0) return 0;
  // The smallest bin whose cumulative count reaches 99% of the decisions.
  const want = Math.ceil(n * 0.99);
  let seen = 0;
  for (let b = 0; b < LATENCY_BINS; b++) {
    seen += lat[b] as number;
    if (seen >= want) return latencyBinUpperUs(b) / 1000;
  }
  return latencyBinUpperUs(LATENCY_BINS - 1) / 1000;
}

/**
 * Windows per key with a cap on how many keys exist (keys come from callers: route names), so a
 * caller inventing routes cannot grow memory without bound; keys past the cap share `overflowKey`.
 */
export class WindowMap {
  readonly windows = new Map<string, SignalWindow>();
  constructor(
    private readonly maxKeys = 200,
    readonly overflowKey = 'other',
  ) {}

  /** The window of `key`, created on first use. */
  of(key: string): SignalWindow {
    let w = this.windows.get(key);
    if (w !== undefined) return w;
    const k = this.windows.size >= this.maxKeys ? this.overflowKey : key;
    w = this.windows.get(k);
    if (w === undefined) {
      w = new SignalWindow();
      this.windows.set(k, w);
    }
    return w;
  }
}
