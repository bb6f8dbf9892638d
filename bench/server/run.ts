/**
 * `npm run bench:server [-- --quick] [--seconds=10] [--connections=32[,16,…]] [--workers=N] [--batch=10]
 * [--rounds=1] [--skip=postgres,cerbos,batch,floor,nofsync]`: decisions/s and p50/p99 latency over HTTP on
 * loopback, `rampart serve` with evidence on (SQLite, then PostgreSQL) against the Cerbos server on the
 * equivalent policy, same load, same run. Writes bench/results/server.json.
 *
 * The `node:http` floor (bench/server/http-floor.ts: parse the body, answer a fixed decision) runs
 * under the same load too: what Node's HTTP stack and this machine's loopback allow at all. Several
 * connection counts give the latency/throughput curve (single decisions; batches use the first).
 * Each store runs twice: with the default durable acknowledgement (the disk flushed per group
 * commit) and with `RAMPART_EVIDENCE_FSYNC=false` (survives a process crash, not an OS crash).
 *
 * Load: autocannon in this process, `connections` keep-alive connections with one request in flight
 * each, cycling through 512 generated requests of the engine benchmark's claims scenario (100 rules,
 * one per tool). Every answer is checked against the scenario before anything is timed, a warm-up
 * window precedes each timed window, and for Rampart the evidence store is counted afterwards: every
 * decision answered must have its record (the server acknowledges a decision only once its record is
 * durable).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CerbosServer, startCerbos } from '../engine/peers/cerbos.js';
import { checkAnswers, drive, type Measured } from './load.js';
import {
  buildScenario,
  cerbosAnswers,
  cerbosBatchLoad,
  cerbosSingleLoad,
  type Load,
  rampartAnswers,
  rampartBatchLoad,
  rampartSingleLoad,
} from './scenario.js';
import {
  dropSchema,
  type Evidence,
  postgresAvailable,
  postgresRecordCount,
  sqliteRecordCount,
  startHttpFloor,
  startRampart,
  type Target,
  treeCpuSeconds,
} from './targets.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes('--quick');
const SECONDS = Number(flag('seconds') ?? (quick ? 4 : 10));
const WARMUP = Number(flag('warmup') ?? (quick ? 2 : 3));
const CONNECTION_LIST = (flag('connections') ?? '32').split(',').map(Number);
if (CONNECTION_LIST.some((c) => !Number.isInteger(c) || c < 1 || c > 1024))
  throw new Error(`--connections must be a list of integers 1-1024, got ${flag('connections')}`);
const CONNECTIONS = CONNECTION_LIST[0] as number;
const WORKERS = Number(flag('workers') ?? 1);
const BATCH = Number(flag('batch') ?? 10);
const ROUNDS = Number(flag('rounds') ?? 1);
const RULES = 100;
const skip = new Set((flag('skip') ?? '').split(',').filter(Boolean));
const PG_URL = process.env.RAMPART_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Row {
  server: string;
  evidence: string;
  case: 'single' | 'batch';
  rps: number;
  p50_ms: number;
  p99_ms: number;
  p90_ms: number;
  max_ms: number;
  requests_per_s: number;
  decisions_per_request: number;
  connections: number;
  workers: number;
  seconds: number;
  /** CPU time of the server's processes during the timed window, per decision. */
  server_cpu_us_per_decision: number;
  loadavg_before: number;
  loadavg_after: number;
  non2xx: number;
  errors: number;
  /** Rampart: records found in the store after the server stopped / decisions it answered. */
  records?: number;
  decisions_answered?: number;
}

const rows: Row[] = [];
const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

async function measure(
  target: Target,
  load: Load,
  answers: ((json: unknown) => boolean[]) | undefined,
  label: { server: string; evidence: string; case: 'single' | 'batch'; workers: number },
  connections = CONNECTIONS,
): Promise<Measured> {
  if (answers)
    await checkAnswers(target.url, load, answers, `${label.server}/${label.evidence}/${label.case}`);
  await drive(target.url, load, { seconds: WARMUP, connections });
  const before = loadavg()[0] as number;
  const cpu0 = treeCpuSeconds(target.pid);
  const m = await drive(target.url, load, { seconds: SECONDS, connections });
  const cpu1 = treeCpuSeconds(target.pid);
  const row: Row = {
    ...label,
    rps: Math.round(m.rps),
    p50_ms: round3(m.p50_ms),
    p99_ms: round3(m.p99_ms),
    p90_ms: round3(m.p90_ms),
    max_ms: round3(m.max_ms),
    requests_per_s: Math.round(m.requestsPerSecond),
    decisions_per_request: load.decisionsPerRequest,
    connections,
    seconds: m.seconds,
    server_cpu_us_per_decision: round1(((cpu1 - cpu0) * 1e6) / Math.max(1, m.decisions)),
    loadavg_before: before,
    loadavg_after: loadavg()[0] as number,
    non2xx: m.non2xx,
    errors: m.errors + m.timeouts,
  };
  const prev = rows.findIndex(
    (r) =>
      r.server === row.server &&
      r.evidence === row.evidence &&
      r.case === row.case &&
      r.connections === row.connections,
  );
  if (prev === -1) rows.push(row);
  else if ((rows[prev] as Row).rps < row.rps) rows[prev] = row;
  process.stderr.write(
    `  ${label.server} ${label.evidence} ${label.case} ×${connections}: ${row.rps} decisions/s, p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms, server CPU ${row.server_cpu_us_per_decision} us/decision, load ${before.toFixed(1)}\n`,
  );
  if (m.non2xx > 0 || m.errors > 0 || m.timeouts > 0)
    process.stderr.write(`  !! ${m.non2xx} non-2xx, ${m.errors} errors, ${m.timeouts} timeouts\n`);
  return m;
}

async function runRampart(policyDir: string, dir: string, evidence: Evidence, name: string): Promise<void> {
  process.stderr.write(`rampart serve, evidence ${name}, ${WORKERS} worker(s)\n`);
  const target = await startRampart(policyDir, evidence, WORKERS);
  let answered = 0;
  const label = { server: 'rampart', evidence: name, workers: WORKERS };
  try {
    const single = rampartSingleLoad(scenario);
    const checkAndWarm = async (load: Load, c: 'single' | 'batch', connections = CONNECTIONS) => {
      const m = await measure(target, load, rampartAnswers, { ...label, case: c }, connections);
      // Answered during the check and the warm-up too; the store must hold all of them.
      answered += m.decisions + load.requests.length * load.decisionsPerRequest;
    };
    for (const connections of CONNECTION_LIST) await checkAndWarm(single, 'single', connections);
    if (!skip.has('batch')) await checkAndWarm(rampartBatchLoad(scenario), 'batch');
  } finally {
    await target.stop();
  }
  const records =
    evidence.kind === 'sqlite'
      ? sqliteRecordCount(evidence.path)
      : evidence.kind === 'postgres'
        ? await postgresRecordCount(evidence.url, evidence.schema)
        : Number.NaN;
  for (const r of rows)
    if (r.server === 'rampart' && r.evidence === name) {
      r.records = records;
      r.decisions_answered = answered;
    }
  // Warm-up windows are not counted in `answered`, so the store holds more than it; fewer is a lost record.
  if (!(records >= answered))
    throw new Error(`evidence ${name}: ${records} records for at least ${answered} decisions answered`);
  process.stderr.write(`  evidence: ${records} records (>= ${answered} timed + checked decisions)\n`);
  void dir;
}

const dir = mkdtempSync(join(tmpdir(), 'rampart-bench-server-'));
const scenario = buildScenario(dir, RULES, 512, BATCH, `claim_${RULES}`);
const runId = `${Date.now().toString(36)}_${process.pid}`;
let cerbos: CerbosServer | undefined;
const started = Date.now();
const loadStart = loadavg();
try {
  const pgOk = !skip.has('postgres') && (await postgresAvailable(PG_URL));
  if (!skip.has('postgres') && !pgOk)
    process.stderr.write(`PostgreSQL not reachable at ${PG_URL}: skipped\n`);
  if (!skip.has('cerbos')) cerbos = await startCerbos([{ kind: scenario.cerbosKind, rules: scenario.rules }]);
  for (let round = 1; round <= ROUNDS; round++) {
    if (ROUNDS > 1) process.stderr.write(`round ${round}/${ROUNDS}\n`);
    if (!skip.has('floor')) {
      process.stderr.write('node:http floor (parse the body, fixed answer)\n');
      const floor = await startHttpFloor();
      try {
        const label = { server: 'node:http floor', evidence: 'none', workers: 1 };
        for (const connections of CONNECTION_LIST)
          await measure(
            floor,
            rampartSingleLoad(scenario),
            undefined,
            { ...label, case: 'single' },
            connections,
          );
      } finally {
        await floor.stop();
      }
    }
    await runRampart(
      scenario.policyDir,
      dir,
      { kind: 'sqlite', path: join(dir, `evidence-${round}.db`) },
      'sqlite',
    );
    if (!skip.has('nofsync'))
      await runRampart(
        scenario.policyDir,
        dir,
        { kind: 'sqlite', path: join(dir, `evidence-${round}-nofsync.db`), fsync: false },
        'sqlite, fsync off',
      );
    if (cerbos) {
      process.stderr.write('cerbos server (audit off)\n');
      const target: Target = { url: cerbos.url, pid: cerbos.pid, stop: async () => undefined };
      const label = { server: 'cerbos', evidence: 'none (audit off)', workers: 0 };
      for (const connections of CONNECTION_LIST)
        await measure(
          target,
          cerbosSingleLoad(scenario),
          cerbosAnswers,
          { ...label, case: 'single' },
          connections,
        );
      if (!skip.has('batch'))
        await measure(target, cerbosBatchLoad(scenario), cerbosAnswers, { ...label, case: 'batch' });
    }
    if (pgOk) {
      const schema = `bench_server_${runId}_${round}`;
      try {
        await runRampart(scenario.policyDir, dir, { kind: 'postgres', url: PG_URL, schema }, 'postgres');
      } finally {
        await dropSchema(PG_URL, schema);
      }
      if (!skip.has('nofsync'))
        try {
          await runRampart(
            scenario.policyDir,
            dir,
            { kind: 'postgres', url: PG_URL, schema: `${schema}_nofsync`, fsync: false },
            'postgres, synchronous_commit off',
          );
        } finally {
          await dropSchema(PG_URL, `${schema}_nofsync`);
        }
    }
  }
} finally {
  cerbos?.close();
  rmSync(dir, { recursive: true, force: true });
}

const caseName = (r: Row) =>
  r.case === 'batch' ? `batch of ${r.decisions_per_request} (decisions/s counts decisions)` : 'single';
const cerbosOf = (r: Row) =>
  rows.find((c) => c.server === 'cerbos' && c.case === r.case && c.connections === r.connections);
const floorOf = (r: Row) =>
  rows.find((c) => c.server === 'node:http floor' && c.case === r.case && c.connections === r.connections);
const fmt = (x: number) => x.toLocaleString('en-US');
const lines = [
  `| server | evidence | case | connections | decisions/s | p50 ms | p99 ms | server CPU µs/decision | × Cerbos decisions/s | of the node:http floor | load avg |`,
  '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
];
for (const r of rows) {
  const c = cerbosOf(r);
  const f = floorOf(r);
  const ratio =
    c && r.server !== 'cerbos' ? `${(r.rps / c.rps).toFixed(2)}×` : r.server === 'cerbos' ? '1×' : '–';
  const ofFloor = f && r.case === 'single' ? `${Math.round((100 * r.rps) / f.rps)} %` : '–';
  lines.push(
    `| ${r.server}${r.server === 'rampart' && r.workers > 1 ? ` (${r.workers} workers)` : ''} | ${r.evidence} | ${caseName(r)} | ${r.connections} | ${fmt(r.rps)} | ${r.p50_ms} | ${r.p99_ms} | ${r.server_cpu_us_per_decision} | ${ratio} | ${ofFloor} | ${r.loadavg_before.toFixed(1)} |`,
  );
}
const loadEnd = loadavg();
process.stdout.write(`\n${lines.join('\n')}\n\n`);
process.stdout.write(
  `${CONNECTION_LIST.join('/')} connections, ${SECONDS} s per case after ${WARMUP} s warm-up, ${ROUNDS} round(s); ${cpus().length} CPUs; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ${loadEnd.map((x) => x.toFixed(2)).join(' ')} at end; ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
);

const out = {
  results: rows,
  config: {
    connections: CONNECTION_LIST,
    seconds: SECONDS,
    warmup_seconds: WARMUP,
    rounds: ROUNDS,
    workers: WORKERS,
    batch: BATCH,
    rules: RULES,
    distinct_requests: 512,
    quick,
  },
  machine: {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model,
    node: process.version,
    loadavg_start: loadStart,
    loadavg_end: loadEnd,
  },
  time: new Date().toISOString(),
};
writeFileSync(join(import.meta.dirname, '..', 'results', 'server.json'), `${JSON.stringify(out, null, 2)}\n`);
