/**
 * Where a SQLite (or PostgreSQL) evidence write's CPU goes, thread by thread: the sink driven as in
 * `bench:evidence` (4,096 writes in flight), then each thread's CPU per record from
 * /proc/self/task (the event loop; the other threads are the SQLite writer, its WAL checkpoint
 * thread and V8's GC helpers, by CPU, since Node 20 does not name them), and the group commits as the event loop saw them (count, time in flight, gaps
 * between them, slowest).
 *
 * Usage: npx tsx bench/evidence/threads.ts [sqlite|postgres] — env N (records, default 200000),
 * DURABLE=0 (SQLite synchronous=NORMAL), RAMPART_BENCH_PG (PostgreSQL URL).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type ChainedSink, PostgresSink, SqliteSink } from '../../src/evidence/index.js';
import { SqliteWriter } from '../../src/evidence/sqlite-writer.js';
import { benchInput } from './input.js';

const N = Number(process.env.N ?? 200_000);
const WARMUP = 20_000;
const IN_FLIGHT = 4096;
const kind = process.argv[2] ?? 'sqlite';
const PG_URL = process.env.RAMPART_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** CPU µs of each thread of this process, by tid (Node 20 names every thread `node`). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(
        Number(tid) === process.pid ? 'main (event loop)' : `thread ${tid}`,
        (Number(f[11]) + Number(f[12])) * 10_000,
      );
    } catch {
      // the thread ended
    }
  }
  return out;
}

// Group commits as the event loop sees them: posted → acknowledged (SQLite writer thread only).
const commits: [start: number, end: number][] = [];
const append = SqliteWriter.prototype.append;
SqliteWriter.prototype.append = function (rows, checkpoints) {
  const t = performance.now();
  return append.call(this, rows, checkpoints).then(() => {
    commits.push([t, performance.now()]);
  });
};

const dir = mkdtempSync(join(tmpdir(), 'rampart-bench-threads-'));
const schema = `bench_threads_${process.pid}`;
const sink: ChainedSink =
  kind === 'postgres'
    ? new PostgresSink({ connection: PG_URL, schema, keyDir: dir })
    : new SqliteSink({ path: join(dir, 'evidence.db'), durable: process.env.DURABLE !== '0' });

async function drive(from: number, count: number): Promise<void> {
  const inflight = new Array<Promise<void> | undefined>(IN_FLIGHT);
  for (let i = 0; i < count; i++) {
    const slot = i % IN_FLIGHT;
    if (inflight[slot] !== undefined) await inflight[slot];
    inflight[slot] = sink.write(benchInput(from + i));
  }
  await Promise.all(inflight);
}

try {
  await sink.open();
  await drive(0, WARMUP);
  const before = threadCpu();
  const t0 = performance.now();
  await drive(WARMUP, N);
  const ms = performance.now() - t0;
  const after = threadCpu();
  console.log(`${kind}: ${Math.round((N / ms) * 1000).toLocaleString('en-US')} records/s over ${N} records`);
  for (const [thread, us] of after) {
    const d = us - (before.get(thread) ?? 0);
    if (d > 0) console.log(`  ${thread.padEnd(24)} ${(d / N).toFixed(2)} µs CPU/record`);
  }
  const timed = commits.filter(([s]) => s >= t0);
  if (timed.length > 0) {
    const durations = timed.map(([s, e]) => e - s).sort((a, b) => a - b);
    let gaps = 0;
    for (let i = 1; i < timed.length; i++) gaps += Math.max(0, timed[i]![0] - timed[i - 1]![1]);
    console.log(
      `  group commits: ${timed.length}, in flight p50 ${durations[durations.length >> 1]!.toFixed(2)} ms, max ${durations[durations.length - 1]!.toFixed(1)} ms; writer idle between commits ${gaps.toFixed(0)} ms of ${ms.toFixed(0)}`,
    );
  }
  await sink.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (kind === 'postgres') {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
}
