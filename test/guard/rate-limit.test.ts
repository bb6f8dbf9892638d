import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore, windowPosition } from '../../src/guard/rate-limit.js';

describe('MemoryRateLimitStore', () => {
  it('allows up to the limit within one window, then refuses', () => {
    const s = new MemoryRateLimitStore();
    const got = Array.from({ length: 5 }, () => s.hit('k', 3, 60_000, 1_000).allowed);
    expect(got).toEqual([true, true, true, false, false]);
  });

  it('keeps keys apart', () => {
    const s = new MemoryRateLimitStore();
    expect(s.hit('a', 1, 1000, 0).allowed).toBe(true);
    expect(s.hit('b', 1, 1000, 0).allowed).toBe(true);
    expect(s.hit('a', 1, 1000, 0).allowed).toBe(false);
  });

  it('carries the previous window weighted by its overlap (no 2x burst at the edge)', () => {
    const s = new MemoryRateLimitStore();
    for (let i = 0; i < 10; i++) expect(s.hit('k', 10, 1000, 999).allowed).toBe(true);
    // Just after the edge almost all of the previous window still counts.
    expect(s.hit('k', 10, 1000, 1001).allowed).toBe(false);
    // Half-way through, half of it counts: 5 carried, so 5 more fit.
    const mid = Array.from({ length: 6 }, () => s.hit('k', 10, 1000, 1500).allowed);
    expect(mid).toEqual([true, true, true, true, true, false]);
    // Two windows later nothing is carried.
    expect(s.hit('k', 10, 1000, 3000).count).toBe(1);
  });

  it('does not count refused hits, so retrying does not extend the lockout', () => {
    const s = new MemoryRateLimitStore();
    s.hit('k', 1, 1000, 0);
    for (let i = 0; i < 50; i++) s.hit('k', 1, 1000, 10);
    expect(s.hit('k', 1, 1000, 2000).allowed).toBe(true);
  });

  it('a limit of 0 refuses everything', () => {
    expect(new MemoryRateLimitStore().hit('k', 0, 1000, 0).allowed).toBe(false);
  });

  it('stays bounded in keys', () => {
    const s = new MemoryRateLimitStore(100);
    for (let i = 0; i < 1000; i++) s.hit(`k${i}`, 5, 1000, 0);
    expect((s as unknown as { counters: Map<string, unknown> }).counters.size).toBeLessThanOrEqual(100);
  });

  it('reports when the window resets', () => {
    expect(new MemoryRateLimitStore().hit('k', 1, 1000, 2500).resetAt).toBe(3000);
    expect(windowPosition(2500, 1000)).toEqual({ index: 2, elapsed: 500 });
  });
});
