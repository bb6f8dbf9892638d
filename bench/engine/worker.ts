// Measures one engine at every policy size, in its own process so engines never share a JIT or a heap
// (sharing one made V8 abort in a deoptimisation on Node 20, and skews whichever engine runs later).
// Usage: tsx bench/engine/worker.ts --engine=<id> [--quick]; prints one JSON line on stdout.
import { ENGINES } from './engines.js';
import { type Measurement, measureAsync, measureSync } from './measure.js';
import type { AsyncEngine, SyncEngine } from './peers/types.js';
import { expectedDecision, generateRequests, generateRules } from './scenario.js';

/** What a worker reports for one size. */
export interface WorkerResult {
  engine: string;
  rules: number;
  requests: number;
  allows: number;
  ops_per_s: number;
  p50_ns: number;
  p99_ns: number;
  compile_ms: number;
}

/** Policy sizes measured. */
export const SIZES = [10, 100, 1000];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const id = args.find((a) => a.startsWith('--engine='))?.slice('--engine='.length);
const REQUESTS = quick ? 256 : 2048;
const SLOW_REQUESTS = quick ? 32 : 256;

// Throughput is measured with batches of calls (timer cost divided away); latency percentiles time
// every call on its own, so they include one process.hrtime.bigint() pair (~50 ns, reported).
const syncThroughput = quick
  ? { warmupMs: 100, measureMs: 300, batch: 16 }
  : { warmupMs: 1000, measureMs: 3000, batch: 16 };
const syncLatency = quick
  ? { warmupMs: 50, measureMs: 250, batch: 1 }
  : { warmupMs: 200, measureMs: 2000, batch: 1 };
const asyncTiming = quick ? { warmupMs: 100, measureMs: 500 } : { warmupMs: 1000, measureMs: 4000 };
// Re-parsing 1,000 Cedar policies per call takes milliseconds: a shorter window suffices for it.
const slowTiming = quick
  ? { warmupMs: 50, measureMs: 300, batch: 1 }
  : { warmupMs: 300, measureMs: 1500, batch: 1 };

async function main(): Promise<void> {
  const spec = ENGINES.find((e) => e.id === id);
  if (!spec)
    throw new Error(`unknown engine ${id ?? '(none)'}; one of ${ENGINES.map((e) => e.id).join(', ')}`);
  const sizes = new Map(SIZES.map((n) => [n, generateRules(n)]));
  const opened = await spec.open(sizes);
  const out: WorkerResult[] = [];
  try {
    for (const [size, rules] of sizes) {
      const byTool = new Map(rules.map((r) => [r.tool, r]));
      const requests = generateRequests(rules, spec.slow ? SLOW_REQUESTS : REQUESTS, 1000 + size);
      const expected = requests.map((r) => expectedDecision(byTool, r));
      process.stderr.write(`${spec.id} ${size} rules: build and check\n`);
      const t0 = performance.now();
      const engine: SyncEngine | AsyncEngine = await opened.build(rules, size);
      const compileMs = performance.now() - t0;
      const prepared = requests.map((r) => engine.prepare(r));
      // Every engine must reach the scenario's decision on every request before anything is timed.
      for (let i = 0; i < prepared.length; i++) {
        const got = engine.kind === 'sync' ? engine.decide(prepared[i]) : await engine.decide(prepared[i]);
        if (got !== expected[i]) {
          throw new Error(
            `DECISION MISMATCH: ${spec.name} at ${size} rules, request ${i}: ${got ? 'allow' : 'deny'}, expected ${expected[i] ? 'allow' : 'deny'}\n${JSON.stringify(requests[i])}`,
          );
        }
      }
      process.stderr.write(`${spec.id} ${size} rules: measure\n`);
      let m: Measurement;
      if (engine.kind === 'sync') {
        const op = (i: number) => engine.decide(prepared[i]);
        if (spec.slow) m = measureSync(prepared.length, op, slowTiming);
        else {
          const t = measureSync(prepared.length, op, syncThroughput);
          const l = measureSync(prepared.length, op, syncLatency);
          m = { ops: t.ops, ops_per_s: t.ops_per_s, p50_ns: l.p50_ns, p99_ns: l.p99_ns };
        }
      } else {
        m = await measureAsync(prepared.length, (i) => engine.decide(prepared[i]), asyncTiming);
      }
      out.push({
        engine: spec.name,
        rules: size,
        requests: requests.length,
        allows: expected.filter(Boolean).length,
        ops_per_s: m.ops_per_s,
        p50_ns: m.p50_ns,
        p99_ns: m.p99_ns,
        compile_ms: compileMs,
      });
    }
  } finally {
    opened.close();
  }
  process.stdout.write(`${JSON.stringify({ results: out })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
