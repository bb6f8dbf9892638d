// Engine benchmark: the same claims tool-gating scenario in Rampart, Cedar (wasm, in process), casbin
// (in process) and Cerbos (server on loopback), at 10, 100 and 1,000 rules. Each engine runs in its own
// worker process; the full run makes several passes and keeps each engine's best figures.
// Usage: tsx bench/engine/run.ts [--quick] [--skip=cerbos,casbin,...]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINES } from './engines.js';
import { measureSync } from './measure.js';
import type { WorkerResult } from './worker.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const skip = new Set(
  args
    .filter((a) => a.startsWith('--skip='))
    .flatMap((a) => a.slice('--skip='.length).split(','))
    .filter(Boolean),
);
// Passes over all engines; an engine keeps its best figure of each metric, so a burst of load from
// other processes on a shared machine penalises one pass, not one engine.
const PASSES = quick ? 1 : 2;
const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, '..', 'results', 'engine.json');

interface Result {
  engine: string;
  rules: number;
  ops_per_s: number;
  p50_us: number;
  p99_us: number;
}

async function runWorker(id: string): Promise<WorkerResult[]> {
  const worker = join(here, 'worker.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', worker, `--engine=${id}`, ...(quick ? ['--quick'] : [])],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  if (code !== 0) {
    // V8 on Node 20 sometimes aborts in a deoptimisation inside cedar-wasm's JS glue
    // ("Fatal error ... unreachable code", SIGTRAP): the engine crashed, its decisions did not differ.
    const crashed = signal !== null || /Fatal error/.test(stderr);
    throw Object.assign(new Error(`engine ${id} failed (exit ${code ?? signal}):\n${stderr.trim()}`), {
      crashed,
    });
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  return (JSON.parse(line) as { results: WorkerResult[] }).results;
}

/** The commit measured, and whether src/engine or src/policy had uncommitted changes (the run measures the working tree). */
function sourceVersion(): { commit: string; engine_src_dirty: boolean } | undefined {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: here, encoding: 'utf8' }).trim();
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      engine_src_dirty: git('status', '--porcelain', '--', '../../src/engine', '../../src/policy') !== '',
    };
  } catch {
    return undefined;
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const started = performance.now();
  const engines = ENGINES.filter((e) => !skip.has(e.id));
  const best = new Map<string, WorkerResult>();
  const restarts = new Map<string, number>();
  for (let pass = 0; pass < PASSES; pass++) {
    for (const spec of engines) {
      const t0 = performance.now();
      let rows: WorkerResult[] | undefined;
      for (let attempt = 1; !rows; attempt++) {
        try {
          rows = await runWorker(spec.id);
        } catch (e) {
          if (!(e as { crashed?: boolean }).crashed || attempt >= 3) throw e;
          restarts.set(spec.id, (restarts.get(spec.id) ?? 0) + 1);
          console.log(`  (${spec.id} worker crashed inside V8, attempt ${attempt}; retrying)`);
        }
      }
      for (const r of rows) {
        const key = `${r.engine}@${r.rules}`;
        const prev = best.get(key);
        best.set(
          key,
          prev
            ? {
                ...prev,
                ops_per_s: Math.max(prev.ops_per_s, r.ops_per_s),
                p50_ns: Math.min(prev.p50_ns, r.p50_ns),
                p99_ns: Math.min(prev.p99_ns, r.p99_ns),
              }
            : r,
        );
        console.log(
          `pass ${pass + 1} ${spec.name.padEnd(26)} ${String(r.rules).padStart(5)} rules: agrees on ${r.requests} (${r.allows} allow); ${Math.round(r.ops_per_s).toLocaleString('en-US')} ops/s, p50 ${round(r.p50_ns / 1e3, 2)} µs, p99 ${round(r.p99_ns / 1e3, 2)} µs, compile ${Math.round(r.compile_ms)} ms`,
        );
      }
      console.log(`  (${spec.id} took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
  const results: Result[] = [];
  for (const size of [10, 100, 1000]) {
    for (const spec of engines) {
      const r = best.get(`${spec.name}@${size}`);
      if (!r) continue;
      results.push({
        engine: r.engine,
        rules: r.rules,
        ops_per_s: Math.round(r.ops_per_s),
        p50_us: round(r.p50_ns / 1e3, 3),
        p99_us: round(r.p99_ns / 1e3, 3),
      });
    }
  }
  const timerNs = measureSync(1, () => 0, { warmupMs: 50, measureMs: 200, batch: 1 }).p50_ns;
  printTable(results, timerNs);
  const targets = checkTargets(results);
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(
    resultsPath,
    `${JSON.stringify(
      {
        generated: new Date().toISOString(),
        mode: quick ? 'quick' : 'full',
        node: process.version,
        source: sourceVersion(),
        machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown cpu'}`,
        passes: PASSES,
        aggregation:
          'each engine in its own process; best of passes per metric (max ops/s, min p50, min p99)',
        timer_overhead_ns: Math.round(timerNs),
        worker_crashes_retried: Object.fromEntries(restarts),
        engines: Object.fromEntries(engines.map((s) => [s.name, s.note])),
        compile_ms: Object.fromEntries(
          [...best.values()].map((r) => [`${r.engine}@${r.rules}`, Math.round(r.compile_ms)]),
        ),
        targets,
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${resultsPath} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function printTable(results: Result[], timerNs: number): void {
  console.log(`\nengine benchmark (per-call latency includes ~${Math.round(timerNs)} ns of timer overhead)`);
  const header = `${'engine'.padEnd(26)} ${'rules'.padStart(5)} ${'decisions/s'.padStart(12)} ${'p50 µs'.padStart(9)} ${'p99 µs'.padStart(9)} ${'rampart ×'.padStart(10)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const r of results) {
    const base = results.find((x) => x.engine === 'rampart' && x.rules === r.rules);
    const ratio = base ? `${(base.ops_per_s / r.ops_per_s).toFixed(1)}×` : 'n/a';
    console.log(
      `${r.engine.padEnd(26)} ${String(r.rules).padStart(5)} ${r.ops_per_s.toLocaleString('en-US').padStart(12)} ${r.p50_us.toFixed(2).padStart(9)} ${r.p99_us.toFixed(2).padStart(9)} ${ratio.padStart(10)}`,
    );
  }
}

/** The issue's targets at 1,000 rules, reported as measured (met or not). */
function checkTargets(results: Result[]): Record<string, { target: string; measured: string; met: boolean }> {
  const rampart = results.find((r) => r.engine === 'rampart' && r.rules === 1000);
  const cedar = results.find((r) => r.engine === 'cedar-wasm (preparsed)' && r.rules === 1000);
  if (!rampart) return {};
  const out: Record<string, { target: string; measured: string; met: boolean }> = {
    p50: { target: '< 2 µs', measured: `${rampart.p50_us} µs`, met: rampart.p50_us < 2 },
    p99: { target: '< 5 µs', measured: `${rampart.p99_us} µs`, met: rampart.p99_us < 5 },
  };
  if (cedar) {
    const ratio = rampart.ops_per_s / cedar.ops_per_s;
    out.vs_cedar_preparsed = {
      target: '≥ 30× throughput',
      measured: `${ratio.toFixed(1)}×`,
      met: ratio >= 30,
    };
  }
  console.log('\ntargets at 1,000 rules (Rampart):');
  for (const [k, v] of Object.entries(out)) {
    console.log(
      `  ${k.padEnd(20)} target ${v.target.padEnd(18)} measured ${v.measured.padEnd(10)} ${v.met ? 'MET' : 'NOT MET'}`,
    );
  }
  return out;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
