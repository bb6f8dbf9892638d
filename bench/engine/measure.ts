/** Latency and throughput summary of one measured workload. */
export interface Measurement {
  ops: number;
  ops_per_s: number;
  /** Median per-operation latency, in nanoseconds. */
  p50_ns: number;
  /** 99th percentile per-operation latency, in nanoseconds. */
  p99_ns: number;
}

/** How long to warm up and measure, and how many operations each timed sample covers. */
export interface MeasureOptions {
  warmupMs: number;
  measureMs: number;
  /**
   * Operations per timed sample. 1 times every call on its own, which an honest p99 needs (the
   * ~50 ns timer overhead is then included, and reported); larger batches divide the timer overhead
   * away but flatten the tail.
   */
  batch: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/**
 * Runs `op(i)` repeatedly (i cycles through `0..n-1` so every input is used) and returns throughput
 * and per-operation latency percentiles. Synchronous operations only.
 */
export function measureSync(n: number, op: (i: number) => unknown, opts: MeasureOptions): Measurement {
  let sink = 0;
  let i = 0;
  const warmEnd = performance.now() + opts.warmupMs;
  // The clock is read every call: a slow engine (milliseconds a call) must not overrun the warm-up.
  while (performance.now() < warmEnd) {
    if (op(i) !== undefined) sink++;
    i = i + 1 === n ? 0 : i + 1;
  }
  const samples: number[] = [];
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(opts.measureMs * 1e6));
  let now = start;
  while (now < end) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < opts.batch; k++) {
      if (op(i) !== undefined) sink++;
      i = i + 1 === n ? 0 : i + 1;
    }
    now = process.hrtime.bigint();
    samples.push(Number(now - t0) / opts.batch);
    ops += opts.batch;
  }
  const elapsedNs = Number(now - start);
  if (sink < 0) console.log(sink);
  const sorted = Float64Array.from(samples).sort();
  return {
    ops,
    ops_per_s: (ops / elapsedNs) * 1e9,
    p50_ns: percentile(sorted, 50),
    p99_ns: percentile(sorted, 99),
  };
}

/**
 * Like measureSync for operations that return a promise (an HTTP round trip): one in flight at a time,
 * so the latency is the full round trip.
 */
export async function measureAsync(
  n: number,
  op: (i: number) => Promise<unknown>,
  opts: Omit<MeasureOptions, 'batch'>,
): Promise<Measurement> {
  let i = 0;
  const warmEnd = performance.now() + opts.warmupMs;
  while (performance.now() < warmEnd) {
    await op(i);
    i = i + 1 === n ? 0 : i + 1;
  }
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(opts.measureMs * 1e6));
  let now = start;
  while (now < end) {
    const t0 = process.hrtime.bigint();
    await op(i);
    i = i + 1 === n ? 0 : i + 1;
    now = process.hrtime.bigint();
    samples.push(Number(now - t0));
  }
  const elapsedNs = Number(now - start);
  const sorted = Float64Array.from(samples).sort();
  return {
    ops: samples.length,
    ops_per_s: (samples.length / elapsedNs) * 1e9,
    p50_ns: percentile(sorted, 50),
    p99_ns: percentile(sorted, 99),
  };
}
