// The load generator: autocannon's programmatic API on loopback, a fixed number of connections with one
// request in flight each, cycling through the load's request bodies. Latency comes from autocannon's
// per-response timing (a float in ms) recorded here, because its own histogram keeps whole milliseconds.
import autocannon from 'autocannon';
import type { Load } from './scenario.js';

/** What one timed window measured. */
export interface Measured {
  seconds: number;
  requests: number;
  decisions: number;
  /** Decisions per second (HTTP requests per second × decisions per request). */
  rps: number;
  requestsPerSecond: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Drives `baseUrl` with `load` for `seconds`. */
export function drive(
  baseUrl: string,
  load: Load,
  opts: { seconds: number; connections: number },
): Promise<Measured> {
  let lat = new Float64Array(1 << 20);
  let n = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: opts.connections,
        pipelining: 1,
        duration: opts.seconds,
        timeout: 10,
        requests: load.requests.map((r) => ({
          method: 'POST' as const,
          path: load.path,
          headers: { 'content-type': 'application/json' },
          body: r.body,
        })),
      },
      (err, result) => {
        if (err) return reject(err);
        const sorted = lat.subarray(0, n).sort();
        const ok = result['2xx'];
        const seconds = result.duration;
        resolve({
          seconds,
          requests: ok,
          decisions: ok * load.decisionsPerRequest,
          rps: (ok * load.decisionsPerRequest) / seconds,
          requestsPerSecond: ok / seconds,
          p50_ms: pct(sorted, 50),
          p90_ms: pct(sorted, 90),
          p99_ms: pct(sorted, 99),
          max_ms: pct(sorted, 100),
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status < 200 || status > 299) return;
      if (n === lat.length) {
        const grown = new Float64Array(lat.length * 2);
        grown.set(lat);
        lat = grown;
      }
      lat[n++] = ms;
    });
  });
}

/**
 * Sends every body of `load` once, sequentially, and checks each answer against the scenario's
 * expected decision; throws `DECISION MISMATCH` on the first difference (nothing is timed before this
 * passes).
 */
export async function checkAnswers(
  baseUrl: string,
  load: Load,
  answers: (json: unknown) => boolean[],
  label: string,
): Promise<void> {
  for (const [i, r] of load.requests.entries()) {
    const res = await fetch(baseUrl + load.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: r.body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${label}: request ${i} answered ${res.status}: ${text.slice(0, 300)}`);
    const got = answers(JSON.parse(text));
    if (got.length !== r.expected.length || got.some((g, k) => g !== r.expected[k]))
      throw new Error(
        `DECISION MISMATCH ${label}: request ${i} expected ${JSON.stringify(r.expected)}, got ${JSON.stringify(got)}`,
      );
  }
}
