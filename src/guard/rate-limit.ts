/**
 * Rate limits and quotas. Both stores use the sliding-window counter (the current fixed window plus
 * the previous one weighted by how much of it still overlaps), which avoids the 2x burst a plain
 * fixed window allows at its edge while needing only two counters per key.
 * A refused hit is not counted, so a caller that keeps retrying is not locked out forever.
 */

/** The answer for one hit on a limit. */
export interface RateLimitHit {
  allowed: boolean;
  /** Estimated hits in the sliding window, including this one when allowed. */
  count: number;
  limit: number;
  /** Epoch ms when the current fixed window ends. */
  resetAt: number;
}

/** Where counters live; memory for one process, Redis for several. */
export interface RateLimitStore {
  hit(key: string, limit: number, windowMs: number, now: number): RateLimitHit | Promise<RateLimitHit>;
  close?(): Promise<void>;
}

/** The window index and the fraction of it already elapsed at `now`. */
export function windowPosition(now: number, windowMs: number): { index: number; elapsed: number } {
  const index = Math.floor(now / windowMs);
  return { index, elapsed: now - index * windowMs };
}

interface Counter {
  index: number;
  current: number;
  previous: number;
}

/** In-process store; bounded by `maxKeys` (oldest windows are swept first). */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, Counter>();
  constructor(private readonly maxKeys = 100_000) {}

  hit(key: string, limit: number, windowMs: number, now: number): RateLimitHit {
    const { index, elapsed } = windowPosition(now, windowMs);
    const mapKey = `${windowMs}|${key}`;
    let c = this.counters.get(mapKey);
    if (!c) {
      if (this.counters.size >= this.maxKeys) this.sweep(now, windowMs);
      c = { index, current: 0, previous: 0 };
      this.counters.set(mapKey, c);
    } else if (c.index !== index) {
      c.previous = c.index === index - 1 ? c.current : 0;
      c.current = 0;
      c.index = index;
    }
    const carried = (c.previous * (windowMs - elapsed)) / windowMs;
    const resetAt = (index + 1) * windowMs;
    if (carried + c.current + 1 > limit) {
      return { allowed: false, count: Math.floor(carried + c.current), limit, resetAt };
    }
    c.current += 1;
    return { allowed: true, count: Math.floor(carried + c.current), limit, resetAt };
  }

  private sweep(now: number, windowMs: number): void {
    const index = Math.floor(now / windowMs);
    for (const [k, c] of this.counters) if (c.index < index - 1) this.counters.delete(k);
    // Still full: drop the oldest entries rather than grow without bound.
    if (this.counters.size >= this.maxKeys) {
      let n = Math.ceil(this.maxKeys / 10);
      for (const k of this.counters.keys()) {
        this.counters.delete(k);
        if (--n <= 0) break;
      }
    }
  }

  async close(): Promise<void> {
    this.counters.clear();
  }
}
