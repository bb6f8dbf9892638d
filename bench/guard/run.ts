/**
 * Guard overhead: what the enforcement SDK adds per call on top of the work it guards.
 * Cases run sequentially in one process (each awaited, as an agent loop would), after a warm-up of
 * up to 20,000 calls. Each case is measured twice: every call timed on its own with
 * process.hrtime.bigint (p50 / p99 / p99.9), then batches of 64 calls timed together (per-call time
 * = batch time / 64; median and p99 over batches), which spreads a GC pause or a preemption over
 * the batch instead of charging it to one call. GC is never forced; the garbage collections seen
 * during the per-call loop (count, longest pause) and the time the thread waited for a CPU
 * (Linux schedstat) are reported beside each case, so a tail can be attributed. The engine's bare
 * `decide` runs beside the guard so the guard's own share (detectors aside) is visible as a ratio.
 *
 * Run: npm run bench:guard   (BENCH_N=50000 by default; Redis cases run when Redis answers on
 * 127.0.0.1:6379)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { compileWithDefaults } from '../../src/bundle/load-policy.js';
import { readPolicyDir } from '../../src/bundle/policy-dir.js';
import { builtinDetectors } from '../../src/detect/index.js';
import { decide } from '../../src/engine/index.js';
import { MemorySink } from '../../src/evidence/index.js';
import type { EvidenceSink } from '../../src/evidence/sink.js';
import type { Guard } from '../../src/guard/index.js';
import { createGuard, MemoryRateLimitStore, RedisRateLimitStore } from '../../src/guard/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_N ?? 50_000);
const WARMUP = Math.min(20_000, N);
/** Calls per timed batch for the batch figures. */
const BATCH = 64;

interface Result {
  case: string;
  /** Per-call latency, each call timed on its own. */
  p50_us: number;
  p99_us: number;
  p999_us: number;
  ops_per_s: number;
  /** Per-call time from batches of {@link BATCH} calls timed together (median and p99 over batches). */
  batch_p50_us: number;
  batch_p99_us: number;
  /** Calls timed one by one. */
  n: number;
  /** Garbage collections during the per-call loop: count, total and longest pause. */
  gc_count: number;
  gc_ms: number;
  gc_max_ms: number;
  /** Time this thread waited for a CPU during the per-call loop (Linux schedstat), ms; -1 when unknown. */
  runqueue_wait_ms: number;
}

/** Nanoseconds this thread has spent waiting for a CPU (second field of schedstat), or -1. */
function runQueueNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return -1;
  }
}

async function measure(name: string, op: () => unknown, n = N): Promise<Result> {
  for (let i = 0; i < Math.min(WARMUP, n); i++) await op();
  const samples = new Float64Array(n);
  let gcCount = 0;
  let gcMs = 0;
  let gcMax = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcCount++;
      gcMs += e.duration;
      if (e.duration > gcMax) gcMax = e.duration;
    }
  });
  gcs.observe({ entryTypes: ['gc'] });
  const wait0 = runQueueNs();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await op();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalS = Number(process.hrtime.bigint() - start) / 1e9;
  const wait1 = runQueueNs();
  // GC entries are delivered asynchronously; let them arrive before disconnecting.
  await new Promise((r) => setTimeout(r, 5));
  gcs.disconnect();
  const batches = new Float64Array(Math.max(1, Math.floor(n / BATCH)));
  for (let b = 0; b < batches.length; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) await op();
    batches[b] = Number(process.hrtime.bigint() - t0) / 1000 / BATCH;
  }
  samples.sort();
  batches.sort();
  const q = (a: Float64Array, p: number) => a[Math.min(a.length - 1, Math.floor(p * a.length))]!;
  return {
    case: name,
    p50_us: round(q(samples, 0.5)),
    p99_us: round(q(samples, 0.99)),
    p999_us: round(q(samples, 0.999)),
    ops_per_s: Math.round(n / totalS),
    batch_p50_us: round(q(batches, 0.5)),
    batch_p99_us: round(q(batches, 0.99)),
    n,
    gc_count: gcCount,
    gc_ms: round(gcMs),
    gc_max_ms: round(gcMax),
    runqueue_wait_ms: wait0 < 0 || wait1 < 0 ? -1 : round((wait1 - wait0) / 1e6),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** A sink that acknowledges at once: isolates the guard from the evidence store. */
const noopSink: EvidenceSink = {
  open: async () => {},
  write: async () => {},
  flush: async () => {},
  close: async () => {},
  health: async () => ({ ok: true, queued: 0, spilled: 0 }),
};

const adjuster = { id: 'u-bench', roles: ['adjuster'], tenant: 'acme', scopes: ['payments:write'] };
const args = { claimId: 'CLM-00000001', amount: 250 };
const TEXT =
  'Hi, I was in a small accident last week and the other driver hit my rear bumper. The repair shop ' +
  'quoted 1,800 for the bumper and the tail light. Can you tell me what I need to send you for the claim?';
const OUT_PII = `Your refund goes to card 4111 1111 1111 1111; the claimant SSN 536-22-1234 is on file. ${TEXT}`;

async function redisAvailable(): Promise<Redis | undefined> {
  const c = new Redis({
    host: '127.0.0.1',
    port: 6379,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 500,
  });
  try {
    await c.connect();
    await c.ping();
    return c;
  } catch {
    c.disconnect();
    return undefined;
  }
}

function guardFor(
  policy: ReturnType<typeof compileWithDefaults>,
  extra: Parameters<typeof createGuard>[0] = {},
): Guard {
  return createGuard({ policy, evidence: noopSink, detectors: builtinDetectors, ...extra });
}

async function main(): Promise<void> {
  const plain = compileWithDefaults(await readPolicyDir(join(HERE, 'policy-plain')));
  const withDet = compileWithDefaults(await readPolicyDir(join(HERE, 'policy-detectors')), {
    detectors: builtinDetectors,
  });
  const results: Result[] = [];
  const run = async (name: string, op: () => unknown, n?: number) => {
    const r = await measure(name, op, n);
    results.push(r);
    const f = (x: number) => String(x).padStart(8);
    console.log(
      `${r.case.padEnd(72)} ${f(r.p50_us)} ${f(r.p99_us)} ${f(r.p999_us)} ${f(r.batch_p50_us)} ${f(r.batch_p99_us)} ${f(r.ops_per_s)} ${String(r.gc_count).padStart(5)} ${f(r.gc_max_ms)} ${f(r.runqueue_wait_ms)}`,
    );
  };
  const load0 = loadavg();
  const started = new Date().toISOString();
  console.log(`guard bench, ${started}, load average ${load0.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(
    `${'case'.padEnd(72)} ${'p50 µs'.padStart(8)} ${'p99 µs'.padStart(8)} ${'p99.9'.padStart(8)} ${'batch50'.padStart(8)} ${'batch99'.padStart(8)} ${'ops/s'.padStart(8)} ${'GCs'.padStart(5)} ${'GCmax ms'.padStart(8)} ${'rq ms'.padStart(8)}`,
  );

  const toolReq = {
    principal: adjuster,
    context: { session: 's-bench' },
    tool: { name: 'payments.refund', args },
  };
  const tool = async (a: typeof args) => ({ ok: true, claimId: a.claimId });

  // Baseline: the engine alone (schema + CEL + combining), no guard.
  await run('engine decide, tool point (baseline, no guard)', () => decide(plain, 'tool', toolReq));

  // The target case: wrapped tool call with policy + schema + in-memory limits (+ signals, + output check of the result).
  const g1 = guardFor(plain, { limits: new MemoryRateLimitStore(), signals: false });
  const wrapped1 = g1.wrapTool('payments.refund', tool, {
    context: { principal: adjuster, context: { session: 's' } },
  });
  // The target case gets 4x the calls so its p99 rests on enough samples.
  await run(
    'wrapped tool call: policy + schema + memory rate limit (noop sink)',
    () => wrapped1(args),
    4 * N,
  );
  const direct = { principal: adjuster, context: { session: 's' }, tool: { name: 'payments.refund', args } };
  await run(
    'guard.tool check only: policy + schema + memory rate limit (noop sink)',
    () => g1.tool(direct),
    4 * N,
  );
  const g2 = guardFor(plain, { limits: new MemoryRateLimitStore() });
  const wrapped2 = g2.wrapTool('payments.refund', tool, {
    context: { principal: adjuster, context: { session: 's' } },
  });
  await run('wrapped tool call + anomaly signals (noop sink)', () => wrapped2(args));

  // With detectors the tool result is serialised and scanned by pii + secrets + injection.
  const g5 = guardFor(withDet, { limits: new MemoryRateLimitStore(), signals: false });
  const wrapped5 = g5.wrapTool('payments.refund', tool, {
    context: { principal: adjuster, context: { session: 's' } },
  });
  await run(
    'wrapped tool call, policy with detectors: result scanned (noop sink)',
    () => wrapped5(args),
    Math.min(N, 20_000),
  );

  // Same with the real in-memory evidence sink (hash chain, group commit).
  const mem = new MemorySink();
  const g3 = guardFor(plain, { limits: new MemoryRateLimitStore(), signals: false, evidence: mem });
  const wrapped3 = g3.wrapTool('payments.refund', tool, {
    context: { principal: adjuster, context: { session: 's' } },
  });
  await run(
    'wrapped tool call, evidence to MemorySink (hash-chained records)',
    () => wrapped3(args),
    Math.min(N, 20_000),
  );

  // Input / output checks, without and with the built-in detectors (216-char message).
  const gPlain = guardFor(plain, { signals: false });
  const gDet = guardFor(withDet, { signals: false });
  await run('input check, no detectors', () => gPlain.input({ principal: adjuster, input: { text: TEXT } }));
  await run(
    'input check, pii + secrets + injection detectors',
    () => gDet.input({ principal: adjuster, input: { text: TEXT } }),
    Math.min(N, 20_000),
  );
  await run('output check, no detectors', () =>
    gPlain.output({ principal: adjuster, output: { text: OUT_PII } }),
  );
  await run(
    'output check with detectors + redaction (card, SSN)',
    () => gDet.output({ principal: adjuster, output: { text: OUT_PII } }),
    Math.min(N, 20_000),
  );

  // Rate-limit stores directly, then inside the wrapped call.
  const memStore = new MemoryRateLimitStore();
  let t = Date.now();
  await run('rate limit hit, memory store', () => memStore.hit('bench:k', 1e9, 3_600_000, t++));
  const redis = await redisAvailable();
  if (redis) {
    const prefix = `rampart:bench:${process.pid}:`;
    const redisStore = new RedisRateLimitStore(redis, { prefix });
    await run(
      'rate limit hit, Redis store (Lua, 127.0.0.1)',
      () => redisStore.hit('k', 1e9, 3_600_000, t++),
      Math.min(N, 10_000),
    );
    const g4 = guardFor(plain, { limits: redisStore, signals: false });
    const wrapped4 = g4.wrapTool('payments.refund', tool, {
      context: { principal: adjuster, context: { session: 's' } },
    });
    await run(
      'wrapped tool call: policy + schema + Redis rate limit (noop sink)',
      () => wrapped4(args),
      Math.min(N, 10_000),
    );
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  } else {
    console.log('Redis not reachable on 127.0.0.1:6379: Redis cases skipped');
  }

  // Last, because AsyncLocalStorage.run turns on promise hooks for the rest of the process: a
  // wrapped tool that finds its principal through guard.run instead of a bound context.
  const gAls = guardFor(plain, { limits: new MemoryRateLimitStore(), signals: false });
  const wrappedAls = gAls.wrapTool('payments.refund', tool);
  await new Promise<void>((resolve, reject) => {
    gAls.run({ principal: adjuster, context: { session: 's' } }, () => {
      run(
        'wrapped tool call, principal from guard.run (AsyncLocalStorage) (noop sink)',
        () => wrappedAls(args),
        N,
      ).then(resolve, reject);
    });
  });
  await gAls.close();

  const base = results[0]!;
  const target = results[1]!;
  console.log(
    `\nwrapped tool call p99 ${target.p99_us} µs (target < 20 µs: ${target.p99_us < 20 ? 'met' : 'NOT met'}); ` +
      `bare decide p99 ${base.p99_us} µs → guard adds ${round(target.p99_us - base.p99_us)} µs p99 ` +
      `(${round(target.p50_us / base.p50_us)}x decide at p50).`,
  );
  const out = join(HERE, '..', 'results', 'guard.json');
  mkdirSync(dirname(out), { recursive: true });
  const meta = {
    node: process.version,
    n: N,
    started,
    loadavg_start: load0.map((x) => round(x)),
    loadavg_end: loadavg().map((x) => round(x)),
  };
  writeFileSync(out, `${JSON.stringify({ results, ...meta }, null, 2)}\n`);
  console.log(`wrote ${out}`);
  for (const g of [g1, g2, g3, g5, gPlain, gDet]) await g.close();
}

main().catch((e: unknown) => {
  console.error(`bench:guard failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
