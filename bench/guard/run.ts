/**
 * Guard overhead: what the enforcement SDK adds per call on top of the work it guards.
 * Cases run sequentially in one process (each awaited, as an agent loop would), after a warm-up;
 * per-op latency from process.hrtime.bigint. The engine's bare `decide` runs beside the guard so
 * the guard's own share (detectors aside) is visible as a ratio.
 *
 * Run: npm run bench:guard   (Redis cases run when Redis answers on 127.0.0.1:6379)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
const N = Number(process.env.BENCH_N ?? 20_000);
const WARMUP = Math.min(5_000, N);

interface Result {
  case: string;
  p50_us: number;
  p99_us: number;
  ops_per_s: number;
}

async function measure(name: string, op: () => unknown, n = N): Promise<Result> {
  for (let i = 0; i < WARMUP; i++) await op();
  const samples = new Float64Array(n);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await op();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalS = Number(process.hrtime.bigint() - start) / 1e9;
  samples.sort();
  const q = (p: number) => samples[Math.min(n - 1, Math.floor(p * n))]!;
  return { case: name, p50_us: round(q(0.5)), p99_us: round(q(0.99)), ops_per_s: Math.round(n / totalS) };
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
    console.log(
      `${r.case.padEnd(72)} p50 ${String(r.p50_us).padStart(8)} µs  p99 ${String(r.p99_us).padStart(8)} µs  ${String(r.ops_per_s).padStart(8)} ops/s`,
    );
  };

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
  await run('wrapped tool call: policy + schema + memory rate limit (noop sink)', () => wrapped1(args));
  const direct = { principal: adjuster, context: { session: 's' }, tool: { name: 'payments.refund', args } };
  await run('guard.tool check only: policy + schema + memory rate limit (noop sink)', () => g1.tool(direct));
  const g2 = guardFor(plain, { limits: new MemoryRateLimitStore() });
  const wrapped2 = g2.wrapTool('payments.refund', tool, {
    context: { principal: adjuster, context: { session: 's' } },
  });
  await run('wrapped tool call + anomaly signals (noop sink)', () => wrapped2(args));

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
  await run('input check, pii + secrets + injection detectors', () =>
    gDet.input({ principal: adjuster, input: { text: TEXT } }),
  );
  await run('output check, no detectors', () =>
    gPlain.output({ principal: adjuster, output: { text: OUT_PII } }),
  );
  await run('output check with detectors + redaction (card, SSN)', () =>
    gDet.output({ principal: adjuster, output: { text: OUT_PII } }),
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

  const base = results[0]!;
  const target = results[1]!;
  console.log(
    `\nwrapped tool call p99 ${target.p99_us} µs (target < 20 µs: ${target.p99_us < 20 ? 'met' : 'NOT met'}); ` +
      `bare decide p99 ${base.p99_us} µs → guard adds ${round(target.p99_us - base.p99_us)} µs p99 ` +
      `(${round(target.p50_us / base.p50_us)}x decide at p50).`,
  );
  const out = join(HERE, '..', 'results', 'guard.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ results, node: process.version, n: N }, null, 2)}\n`);
  console.log(`wrote ${out}`);
  for (const g of [g1, g2, g3, gPlain, gDet]) await g.close();
}

main().catch((e: unknown) => {
  console.error(`bench:guard failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
