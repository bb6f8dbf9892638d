/**
 * Redis-backed rate limits shared by several processes. One Lua script reads both windows and
 * increments atomically, so concurrent callers can never overshoot the limit.
 */
import type { Redis } from 'ioredis';
import type { RateLimitHit, RateLimitStore } from './rate-limit.js';
import { windowPosition } from './rate-limit.js';

// KEYS[1] current window counter, KEYS[2] previous window counter.
// ARGV: limit, windowMs, elapsed ms in the current window.
const SLIDING_WINDOW_LUA = `
local limit = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local carried = prev * (win - elapsed) / win
if carried + cur + 1 > limit then
  return {0, math.floor(carried + cur)}
end
cur = redis.call('INCR', KEYS[1])
if cur == 1 then redis.call('PEXPIRE', KEYS[1], win * 2) end
return {1, math.floor(carried + cur)}
`;

type RedisWithLimit = Redis & {
  rampartSlidingWindow(
    cur: string,
    prev: string,
    limit: number,
    win: number,
    elapsed: number,
  ): Promise<[number, number]>;
};

/** Options for the Redis store. */
export interface RedisRateLimitOptions {
  /** Key prefix, so several products can share one Redis. */
  prefix?: string;
}

/** Rate-limit store on Redis (ioredis client supplied by the caller, who owns its lifecycle). */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly client: RedisWithLimit;
  private readonly prefix: string;

  constructor(client: Redis, opts: RedisRateLimitOptions = {}) {
    if (!(client as unknown as Partial<RedisWithLimit>).rampartSlidingWindow) {
      client.defineCommand('rampartSlidingWindow', { numberOfKeys: 2, lua: SLIDING_WINDOW_LUA });
    }
    this.client = client as unknown as RedisWithLimit;
    this.prefix = opts.prefix ?? 'rampart:rl:';
  }

  async hit(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitHit> {
    const { index, elapsed } = windowPosition(now, windowMs);
    const base = `${this.prefix}${windowMs}:${key}:`;
    const [ok, count] = await this.client.rampartSlidingWindow(
      base + index,
      base + (index - 1),
      limit,
      windowMs,
      elapsed,
    );
    return { allowed: ok === 1, count, limit, resetAt: (index + 1) * windowMs };
  }
}
